//! Server configuration.
//!
//! Layers, lowest first: the embedded defaults ([`DEFAULTS_TOML`]), an optional
//! `wearbridge.toml`, `WEARBRIDGE_*` environment variables, then CLI flags. The binary does
//! the layering (figment); this module owns the shape, the defaults and the validation,
//! so an invalid value stops start-up with a message naming its key.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::crypto::{Cipher, CryptoError, load_or_create_key_file};

/// The embedded defaults, in the same TOML form as `wearbridge.toml`.
pub const DEFAULTS_TOML: &str = include_str!("../config/default.toml");

/// Largest body limit accepted by validation (1 GiB): anything above is a typo.
const MAX_BODY_LIMIT: usize = 1 << 30;
/// Largest read cache accepted by validation (64 GiB).
const MAX_READ_CACHE_MB: u64 = 64 * 1024;

fn default_read_cache_mb() -> u64 {
    crate::read_cache::DEFAULT_CAPACITY_MB
}

/// Everything the server needs to start. New sections (workers, providers, ...) are added
/// as nested structs with `#[serde(default)]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listen address.
    pub bind: SocketAddr,
    /// `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// Externally visible base URL; `None` means `http://<bind>`.
    #[serde(default)]
    pub public_url: Option<Url>,
    /// Encryption key spec (see [`Cipher::from_key_spec`]).
    #[serde(default)]
    pub encryption_key: Option<SecretString>,
    /// Request body limit in bytes.
    pub max_body_bytes: usize,
    /// Memory for finished data reads, in MiB ([`crate::read_cache`]); 0 turns it off.
    #[serde(default = "default_read_cache_mb")]
    pub read_cache_mb: u64,
    /// Development mode (see the defaults file).
    #[serde(default)]
    pub development: bool,
    /// Webhook delivery (`[webhooks]`; see [`crate::delivery::DeliveryConfig`]).
    #[serde(default)]
    pub webhooks: crate::delivery::DeliveryConfig,
    /// Sync engine (`[sync]`; see [`SyncConfig`]).
    #[serde(default)]
    pub sync: SyncConfig,
    /// Provider app credentials by Terra id (`[providers.GARMIN] client_id = ...,
    /// client_secret = ..., webhook_secret = ...`). Outside sandbox mode a provider is
    /// offered only when it has credentials here.
    #[serde(default)]
    pub providers: std::collections::BTreeMap<String, wearbridge_providers::ProviderCredentials>,
}

/// The `[sync]` section: overrides of the sync engine's per-provider defaults. Provider
/// keys are Terra ids in any case (`OURA`, `oura`: environment variables such as
/// `WEARBRIDGE_SYNC__BACKFILL_DAYS__OURA=90` arrive lowercase).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Poll interval in seconds by provider, replacing the provider's own; 0 turns
    /// polling off for that provider.
    pub poll_interval_secs: BTreeMap<String, u64>,
    /// Access tokens expiring within this many seconds are refreshed ahead by a job.
    pub refresh_ahead_secs: u64,
    /// Days a new connection backfills, by provider.
    pub backfill_days: BTreeMap<String, u32>,
    /// Backfill chunks (7 days × one type) a job runs before yielding to other users.
    pub slice_chunks: usize,
    /// Rate budgets by provider, replacing the published limits scope by scope.
    pub budgets: BTreeMap<String, BudgetConfig>,
}

/// One provider's budget override: a scope whose `*_requests` is set gets
/// `requests` per `period_secs` (default 60); an unset scope keeps the published limit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetConfig {
    /// Requests per period shared by every user of the deployment's provider app.
    pub app_requests: Option<u32>,
    pub app_period_secs: Option<u64>,
    /// Requests per period per connected provider account.
    pub user_requests: Option<u32>,
    pub user_period_secs: Option<u64>,
}

/// Budget period when only the request count is configured.
const DEFAULT_BUDGET_PERIOD_SECS: u64 = 60;
/// Shortest poll interval accepted: providers rate-limit per minute or hour, and a
/// faster poll would spend the budget that backfills and push fetches need.
const MIN_POLL_INTERVAL_SECS: u64 = 60;
/// Longest backfill accepted (ten years): anything above is a typo.
const MAX_BACKFILL_DAYS: u32 = 3_650;
/// Longest period and refresh margin accepted (one day).
const MAX_SYNC_SECS: u64 = 86_400;

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            poll_interval_secs: BTreeMap::new(),
            refresh_ahead_secs: crate::sync::DEFAULT_REFRESH_AHEAD.as_secs(),
            backfill_days: BTreeMap::new(),
            slice_chunks: crate::sync::DEFAULT_SLICE_CHUNKS,
            budgets: BTreeMap::new(),
        }
    }
}

impl SyncConfig {
    /// Checks ranges and provider names; the error names the key (and the provider in
    /// its message).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.refresh_ahead_secs == 0 || self.refresh_ahead_secs > MAX_SYNC_SECS {
            return Err(ConfigError::new(
                "sync.refresh_ahead_secs",
                format!("must be between 1 and {MAX_SYNC_SECS}"),
            ));
        }
        if self.slice_chunks == 0 || self.slice_chunks > 10_000 {
            return Err(ConfigError::new(
                "sync.slice_chunks",
                "must be between 1 and 10000",
            ));
        }
        for (provider, secs) in &self.poll_interval_secs {
            known_provider("sync.poll_interval_secs", provider)?;
            if *secs != 0 && !(MIN_POLL_INTERVAL_SECS..=7 * MAX_SYNC_SECS).contains(secs) {
                return Err(ConfigError::new(
                    "sync.poll_interval_secs",
                    format!(
                        "{provider}: must be 0 (off) or between {MIN_POLL_INTERVAL_SECS} and {}",
                        7 * MAX_SYNC_SECS
                    ),
                ));
            }
        }
        for (provider, days) in &self.backfill_days {
            known_provider("sync.backfill_days", provider)?;
            if !(1..=MAX_BACKFILL_DAYS).contains(days) {
                return Err(ConfigError::new(
                    "sync.backfill_days",
                    format!("{provider}: must be between 1 and {MAX_BACKFILL_DAYS}"),
                ));
            }
        }
        for (provider, budget) in &self.budgets {
            known_provider("sync.budgets", provider)?;
            budget.validate(provider)?;
        }
        Ok(())
    }

    /// The sync engine settings these values give (defaults where unset).
    pub fn settings(&self) -> crate::sync::SyncSettings {
        let mut settings = crate::sync::SyncSettings::default();
        settings.refresh_ahead = Duration::from_secs(self.refresh_ahead_secs);
        settings.slice_chunks = self.slice_chunks;
        for (provider, secs) in &self.poll_interval_secs {
            settings
                .poll_intervals
                .insert(provider.to_ascii_uppercase(), Duration::from_secs(*secs));
        }
        for (provider, days) in &self.backfill_days {
            settings
                .backfill_days
                .insert(provider.to_ascii_uppercase(), *days);
        }
        for (provider, budget) in &self.budgets {
            let id = provider.to_ascii_uppercase();
            let current = settings.budget(&id).copied().unwrap_or_default();
            settings
                .budgets
                .retain(|key, _| !key.eq_ignore_ascii_case(&id));
            settings.budgets.insert(id, budget.apply(current));
        }
        settings
    }
}

impl BudgetConfig {
    fn validate(&self, provider: &str) -> Result<(), ConfigError> {
        let scopes = [
            ("app", self.app_requests, self.app_period_secs),
            ("user", self.user_requests, self.user_period_secs),
        ];
        for (scope, requests, period) in scopes {
            if requests == Some(0) {
                return Err(ConfigError::new(
                    "sync.budgets",
                    format!("{provider}.{scope}_requests: must be at least 1"),
                ));
            }
            if period.is_some() && requests.is_none() {
                return Err(ConfigError::new(
                    "sync.budgets",
                    format!("{provider}.{scope}_period_secs: set {scope}_requests too"),
                ));
            }
            if period.is_some_and(|secs| secs == 0 || secs > MAX_SYNC_SECS) {
                return Err(ConfigError::new(
                    "sync.budgets",
                    format!(
                        "{provider}.{scope}_period_secs: must be between 1 and {MAX_SYNC_SECS}"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn apply(&self, published: crate::sync::ProviderBudget) -> crate::sync::ProviderBudget {
        let rate = |requests: Option<u32>, period: Option<u64>| {
            requests.map(|requests| {
                let period = period.unwrap_or(DEFAULT_BUDGET_PERIOD_SECS);
                crate::sync::Rate::per(requests, Duration::from_secs(period))
            })
        };
        crate::sync::ProviderBudget {
            app: rate(self.app_requests, self.app_period_secs).or(published.app),
            user: rate(self.user_requests, self.user_period_secs).or(published.user),
        }
    }
}

/// A provider key must name a provider this build knows (a typo would silently
/// configure nothing).
fn known_provider(key: &'static str, provider: &str) -> Result<(), ConfigError> {
    let builtin = wearbridge_providers::Registry::builtin();
    let known = builtin.info(provider).is_some()
        || crate::sync::budget::published_limits()
            .keys()
            .any(|id| id.eq_ignore_ascii_case(provider));
    if known {
        Ok(())
    } else {
        Err(ConfigError::new(
            key,
            format!("unknown provider {provider:?}"),
        ))
    }
}

/// A configuration value that cannot be used; `key` is the configuration key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration value for `{key}`: {message}")]
pub struct ConfigError {
    pub key: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(key: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            key,
            message: message.into(),
        }
    }
}

impl Config {
    /// Every `[providers.<ID>]` names a provider of this build and carries a client id and
    /// secret.
    fn validate_providers(&self) -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        let known = wearbridge_providers::registry::MODULES;
        for (id, creds) in &self.providers {
            if !known.iter().any(|m| m.info.id.eq_ignore_ascii_case(id)) {
                return Err(ConfigError::new(
                    "providers",
                    format!("unknown provider {id:?}"),
                ));
            }
            if creds.client_id.trim().is_empty() || creds.client_secret.expose_secret().is_empty() {
                return Err(ConfigError::new(
                    "providers",
                    format!("providers.{id} needs client_id and client_secret"),
                ));
            }
        }
        Ok(())
    }

    /// A configuration for tests and tools: defaults with the given database and bind.
    pub fn for_database(database_url: &str, bind: SocketAddr) -> Config {
        Config {
            bind,
            database_url: database_url.to_owned(),
            public_url: None,
            encryption_key: None,
            max_body_bytes: 10 * 1024 * 1024,
            read_cache_mb: default_read_cache_mb(),
            development: false,
            webhooks: crate::delivery::DeliveryConfig::default(),
            sync: SyncConfig::default(),
            providers: std::collections::BTreeMap::new(),
        }
    }

    /// Checks every value a type alone cannot. Call once at start-up.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let scheme_ok = ["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|prefix| self.database_url.starts_with(prefix));
        if !scheme_ok {
            return Err(ConfigError::new(
                "database_url",
                "must start with sqlite:// or postgres://",
            ));
        }
        if let Some(url) = &self.public_url
            && !matches!(url.scheme(), "http" | "https")
        {
            return Err(ConfigError::new(
                "public_url",
                "must be an http or https URL",
            ));
        }
        if self.read_cache_mb > MAX_READ_CACHE_MB {
            return Err(ConfigError::new(
                "read_cache_mb",
                format!("must be between 0 (off) and {MAX_READ_CACHE_MB}"),
            ));
        }
        if self.max_body_bytes == 0 || self.max_body_bytes > MAX_BODY_LIMIT {
            return Err(ConfigError::new(
                "max_body_bytes",
                format!("must be between 1 and {MAX_BODY_LIMIT}"),
            ));
        }
        self.webhooks
            .validate()
            .map_err(|(key, message)| ConfigError::new(key, message))?;
        self.validate_providers()?;
        self.sync.validate()?;
        if let Some(key) = &self.encryption_key {
            Cipher::from_key_spec(key.expose_secret())
                .map_err(|error| ConfigError::new("encryption_key", error.to_string()))?;
        }
        Ok(())
    }

    /// The externally visible base URL, without a trailing slash.
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Where the development-mode encryption key lives: `.wearbridge/encryption.key` next
    /// to the SQLite file, or in the working directory for PostgreSQL.
    pub fn development_key_path(&self) -> PathBuf {
        let base = sqlite_path(&self.database_url)
            .and_then(|path| path.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        base.join(".wearbridge").join("encryption.key")
    }

    /// The cipher for secrets at rest. Without a configured key: development mode creates
    /// (once) a key file next to the database; otherwise an existing key file is used,
    /// and if there is none start-up stops asking for `encryption_key`.
    pub fn cipher(&self) -> Result<(Cipher, KeySource), ConfigError> {
        let to_config_error =
            |error: CryptoError| ConfigError::new("encryption_key", error.to_string());
        if let Some(key) = &self.encryption_key {
            let cipher = Cipher::from_key_spec(key.expose_secret()).map_err(to_config_error)?;
            return Ok((cipher, KeySource::Configured));
        }
        let path = self.development_key_path();
        if !self.development && !path.exists() {
            return Err(ConfigError::new(
                "encryption_key",
                "not set: set WEARBRIDGE_ENCRYPTION_KEY to base64 of 32 random bytes \
                 (e.g. `openssl rand -base64 32`), or run in development mode",
            ));
        }
        let spec = load_or_create_key_file(&path).map_err(to_config_error)?;
        let cipher = Cipher::from_key_spec(&spec).map_err(to_config_error)?;
        Ok((cipher, KeySource::File(path)))
    }
}

/// Where the encryption key came from (the binary warns about key files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Configured,
    File(PathBuf),
}

/// The file path of an `sqlite://` URL, without query parameters; `None` for in-memory or
/// other backends.
fn sqlite_path(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::for_database(
            "sqlite://data/wb.db",
            SocketAddr::from(([127, 0, 0, 1], 8080)),
        )
    }

    fn creds(client_id: &str, secret: &str) -> wearbridge_providers::ProviderCredentials {
        wearbridge_providers::ProviderCredentials {
            client_id: client_id.to_owned(),
            client_secret: SecretString::from(secret),
            api_base_url: None,
            auth_base_url: None,
            webhook_secret: None,
        }
    }

    #[test]
    fn provider_credentials_are_checked_and_enable_only_their_provider() {
        let mut good = config();
        good.providers
            .insert("garmin".into(), creds("app", "s3cret"));
        assert!(good.validate().is_ok());
        let registry = wearbridge_providers::Registry::new(wearbridge_providers::ProvidersConfig {
            sandbox_mode: false,
            sim_endpoints: Default::default(),
            providers: good.providers.clone(),
        });
        let enabled: Vec<&str> = registry.enabled().iter().map(|p| p.id).collect();
        assert_eq!(enabled, ["GARMIN"], "only configured providers are offered");

        let mut unknown = config();
        unknown
            .providers
            .insert("NOPE".into(), creds("app", "s3cret"));
        assert_eq!(unknown.validate().map_err(|e| e.key), Err("providers"));
        let mut empty = config();
        empty.providers.insert("OURA".into(), creds("app", ""));
        assert_eq!(empty.validate().map_err(|e| e.key), Err("providers"));
    }

    #[test]
    fn public_url_defaults_to_bind() {
        assert_eq!(config().public_base_url(), "http://127.0.0.1:8080");
    }

    #[test]
    fn validation_names_the_key() {
        let mut bad_db = config();
        bad_db.database_url = "mysql://x".into();
        assert_eq!(bad_db.validate().err().map(|e| e.key), Some("database_url"));

        let mut huge_cache = config();
        huge_cache.read_cache_mb = 1 << 40;
        assert_eq!(
            huge_cache.validate().err().map(|e| e.key),
            Some("read_cache_mb")
        );

        let mut bad_limit = config();
        bad_limit.max_body_bytes = 0;
        assert_eq!(
            bad_limit.validate().err().map(|e| e.key),
            Some("max_body_bytes")
        );

        let mut bad_key = config();
        bad_key.encryption_key = Some(SecretString::from("short"));
        assert_eq!(
            bad_key.validate().err().map(|e| e.key),
            Some("encryption_key")
        );

        let mut bad_public = config();
        bad_public.public_url = Url::parse("ftp://example.com").ok();
        assert_eq!(
            bad_public.validate().err().map(|e| e.key),
            Some("public_url")
        );

        assert!(config().validate().is_ok());
    }

    #[test]
    fn sync_values_are_checked_and_name_their_key() {
        let check = |edit: &dyn Fn(&mut SyncConfig)| {
            let mut config = config();
            edit(&mut config.sync);
            config.validate().err().map(|e| (e.key, e.message))
        };
        assert_eq!(check(&|_| {}), None);
        let zero = check(&|sync| sync.refresh_ahead_secs = 0);
        assert_eq!(zero.map(|e| e.0), Some("sync.refresh_ahead_secs"));
        let slice = check(&|sync| sync.slice_chunks = 0);
        assert_eq!(slice.map(|e| e.0), Some("sync.slice_chunks"));
        let fast = check(&|sync| {
            sync.poll_interval_secs.insert("sandbox".into(), 5);
        });
        assert!(
            fast.is_some_and(|(key, message)| key == "sync.poll_interval_secs"
                && message.starts_with("sandbox:"))
        );
        let off = check(&|sync| {
            sync.poll_interval_secs.insert("SANDBOX".into(), 0);
        });
        assert_eq!(off, None, "0 turns polling off");
        let typo = check(&|sync| {
            sync.backfill_days.insert("OURAA".into(), 30);
        });
        assert!(
            typo.is_some_and(
                |(key, message)| key == "sync.backfill_days" && message.contains("OURAA")
            )
        );
        let deep = check(&|sync| {
            sync.backfill_days.insert("oura".into(), 100_000);
        });
        assert_eq!(deep.map(|e| e.0), Some("sync.backfill_days"));
        let period_alone = check(&|sync| {
            let budget = BudgetConfig {
                app_period_secs: Some(60),
                ..BudgetConfig::default()
            };
            sync.budgets.insert("WITHINGS".into(), budget);
        });
        assert!(
            period_alone.is_some_and(|(key, message)| key == "sync.budgets"
                && message.contains("WITHINGS.app_period_secs"))
        );
    }

    #[test]
    fn sync_overrides_replace_defaults_scope_by_scope() {
        let mut sync = SyncConfig {
            refresh_ahead_secs: 120,
            slice_chunks: 3,
            ..SyncConfig::default()
        };
        sync.poll_interval_secs.insert("sandbox".into(), 900);
        sync.backfill_days.insert("oura".into(), 90);
        let budget = BudgetConfig {
            user_requests: Some(100),
            user_period_secs: Some(300),
            ..BudgetConfig::default()
        };
        sync.budgets.insert("withings".into(), budget);
        let settings = sync.settings();
        assert_eq!(settings.refresh_ahead, Duration::from_secs(120));
        assert_eq!(settings.slice_chunks, 3);
        assert_eq!(
            settings.poll_intervals.get("SANDBOX"),
            Some(&Duration::from_secs(900))
        );
        assert_eq!(settings.backfill_days.get("OURA"), Some(&90));
        let withings = settings.budget("WITHINGS").copied().unwrap_or_default();
        assert_eq!(
            withings.user,
            Some(crate::sync::Rate::per(100, Duration::from_secs(300)))
        );
        assert_eq!(
            withings.app,
            crate::sync::budget::published_limits()
                .get("WITHINGS")
                .and_then(|budget| budget.app),
            "the app scope keeps the published limit"
        );
    }

    #[test]
    fn development_key_sits_next_to_the_database() {
        assert_eq!(
            config().development_key_path(),
            PathBuf::from("data/.wearbridge/encryption.key")
        );
    }

    #[test]
    fn missing_key_outside_development_is_an_error() {
        let dir = tempfile::tempdir().ok();
        let path = dir
            .as_ref()
            .map(|d| d.path().join("wb.db").display().to_string())
            .unwrap_or_default();
        let mut config = config();
        config.database_url = format!("sqlite://{path}");
        assert_eq!(config.cipher().err().map(|e| e.key), Some("encryption_key"));
        config.development = true;
        assert!(matches!(config.cipher(), Ok((_, KeySource::File(_)))));
        config.development = false;
        assert!(config.cipher().is_ok(), "an existing key file is reused");
    }
}
