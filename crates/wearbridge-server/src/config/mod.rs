//! Server configuration.
//!
//! Layers, lowest first: the embedded defaults ([`DEFAULTS_TOML`]), an optional
//! `wearbridge.toml`, `WEARBRIDGE_*` environment variables, then CLI flags. The binary does
//! the layering (figment); this module owns the shape, the defaults and the validation,
//! so an invalid value stops start-up with a message naming its key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::crypto::{Cipher, CryptoError, load_or_create_key_file};

mod dashboard;
mod http;
mod rate_limits;
mod sync;
mod webhooks;

pub use dashboard::DashboardConfig;
pub use http::HttpLimits;
pub use rate_limits::{DEFAULT_DAY_UNITS_PER_HOUR, RateLimitConfig};
pub use sync::{
    BudgetConfig, DEFAULT_BUDGET_PERIOD_SECS, DEFAULT_POLL_WINDOW_DAYS, DEFAULT_REFRESH_AHEAD,
    DEFAULT_SLICE_CHUNKS, SyncConfig, SyncSettings, published_limits,
};
pub use webhooks::{DeliveryConfig, RETRY_DELAYS_SECS};

/// The embedded defaults, in the same TOML form as `wearbridge.toml`.
pub const DEFAULTS_TOML: &str = include_str!("../../config/default.toml");

/// Largest body limit accepted by validation (1 GiB): anything above is a typo.
const MAX_BODY_LIMIT: usize = 1 << 30;
/// Largest read cache accepted by validation (64 GiB).
const MAX_READ_CACHE_MB: u64 = 64 * 1024;

/// Default memory for finished data reads, MiB.
pub const DEFAULT_READ_CACHE_MB: u64 = 64;

fn default_read_cache_mb() -> u64 {
    DEFAULT_READ_CACHE_MB
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
    /// Memory for finished data reads, in MiB; 0 turns the read cache off.
    #[serde(default = "default_read_cache_mb")]
    pub read_cache_mb: u64,
    /// Development mode (see the defaults file).
    #[serde(default)]
    pub development: bool,
    /// Webhook delivery (`[webhooks]`; see [`DeliveryConfig`]).
    #[serde(default)]
    pub webhooks: DeliveryConfig,
    /// Sync engine (`[sync]`; see [`SyncConfig`]).
    #[serde(default)]
    pub sync: SyncConfig,
    /// Inbound rate limits of the data reads (`[rate_limits]`; see [`RateLimitConfig`]).
    #[serde(default)]
    pub rate_limits: RateLimitConfig,
    /// Slow and oversized clients (`[http]`; see [`HttpLimits`]).
    #[serde(default)]
    pub http: HttpLimits,
    /// The web dashboard (`[dashboard]`; see [`DashboardConfig`]).
    #[serde(default)]
    pub dashboard: DashboardConfig,
    /// Provider app credentials by Terra id (`[providers.GARMIN] client_id = ...,
    /// client_secret = ..., webhook_secret = ...`). Outside sandbox mode a provider is
    /// offered only when it has credentials here.
    #[serde(default)]
    pub providers: std::collections::BTreeMap<String, wearbridge_providers::ProviderCredentials>,
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
            webhooks: DeliveryConfig::default(),
            sync: SyncConfig::default(),
            rate_limits: RateLimitConfig::default(),
            http: HttpLimits::default(),
            dashboard: DashboardConfig::default(),
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
        self.http
            .validate()
            .map_err(|(key, message)| ConfigError::new(key, message))?;
        self.dashboard
            .validate()
            .map_err(|(key, message)| ConfigError::new(key, message))?;
        self.validate_providers()?;
        self.sync.validate()?;
        self.rate_limits.validate()?;
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
            api_key: None,
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

        let mut low_r2 = config();
        low_r2.rate_limits.day_units_per_hour = 1_000;
        assert_eq!(
            low_r2.validate().err().map(|e| e.key),
            Some("rate_limits.day_units_per_hour")
        );
        low_r2.rate_limits.day_units_per_hour = 0;
        assert!(low_r2.validate().is_ok(), "0 turns r2 off");

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
