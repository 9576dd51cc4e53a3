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

/// The embedded defaults, in the same TOML form as `wearbridge.toml`.
pub const DEFAULTS_TOML: &str = include_str!("../config/default.toml");

/// Largest body limit accepted by validation (1 GiB): anything above is a typo.
const MAX_BODY_LIMIT: usize = 1 << 30;

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
    /// Development mode (see the defaults file).
    #[serde(default)]
    pub development: bool,
    /// Webhook delivery (`[webhooks]`; see [`crate::delivery::DeliveryConfig`]).
    #[serde(default)]
    pub webhooks: crate::delivery::DeliveryConfig,
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
    /// A configuration for tests and tools: defaults with the given database and bind.
    pub fn for_database(database_url: &str, bind: SocketAddr) -> Config {
        Config {
            bind,
            database_url: database_url.to_owned(),
            public_url: None,
            encryption_key: None,
            max_body_bytes: 10 * 1024 * 1024,
            development: false,
            webhooks: crate::delivery::DeliveryConfig::default(),
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
        if self.max_body_bytes == 0 || self.max_body_bytes > MAX_BODY_LIMIT {
            return Err(ConfigError::new(
                "max_body_bytes",
                format!("must be between 1 and {MAX_BODY_LIMIT}"),
            ));
        }
        self.webhooks
            .validate()
            .map_err(|(key, message)| ConfigError::new(key, message))?;
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

    #[test]
    fn public_url_defaults_to_bind() {
        assert_eq!(config().public_base_url(), "http://127.0.0.1:8080");
    }

    #[test]
    fn validation_names_the_key() {
        let mut bad_db = config();
        bad_db.database_url = "mysql://x".into();
        assert_eq!(bad_db.validate().err().map(|e| e.key), Some("database_url"));

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
