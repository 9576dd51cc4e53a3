//! Configuration layering for the binary: embedded defaults → optional `wearbridge.toml`
//! (or `--config PATH`) → `WEARBRIDGE_*` environment variables → command-line flags.

use std::path::Path;

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use wearbridge_server::config::{Config, DEFAULTS_TOML};

/// The configuration file read when `--config` is not given (optional).
pub const DEFAULT_CONFIG_FILE: &str = "wearbridge.toml";

/// Flag values that override every other layer; `None` leaves the layer below.
#[derive(Debug, Default)]
pub struct Overrides {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub public_url: Option<String>,
    pub development: bool,
}

/// Loads and validates the configuration. `config_file` is `--config`; when given it
/// must exist.
pub fn load(config_file: Option<&Path>, overrides: Overrides) -> anyhow::Result<Config> {
    let file = match config_file {
        Some(path) if !path.exists() => {
            bail!("configuration file {} does not exist", path.display())
        }
        Some(path) => Some(path),
        None => Some(Path::new(DEFAULT_CONFIG_FILE)).filter(|path| path.exists()),
    };
    let mut figment = Figment::from(Toml::string(DEFAULTS_TOML));
    if let Some(path) = file {
        // `file_exact`: figment's `file` would also search parent directories.
        figment = figment.merge(Toml::file_exact(path));
    }
    figment = figment.merge(environment());
    if let Some(bind) = overrides.bind {
        figment = figment.merge(("bind", bind));
    }
    if let Some(url) = overrides.database_url {
        figment = figment.merge(("database_url", url));
    }
    if let Some(url) = overrides.public_url {
        figment = figment.merge(("public_url", url));
    }
    if overrides.development {
        figment = figment.merge(("development", true));
    }
    let mut config: Config = figment.extract().context("invalid configuration")?;
    // Development mode runs against local receivers: loopback passes the target guard.
    config.webhooks.allow_loopback = config.development;
    config.validate()?;
    Ok(config)
}

/// `WEARBRIDGE_*` variables; `__` separates nested sections (`WEARBRIDGE_A__B` → `a.b`).
/// `WEARBRIDGE_TEST_*` variables belong to the test suites, not the server.
fn environment() -> Env {
    Env::prefixed("WEARBRIDGE_")
        .filter(|key| !key.as_str().to_ascii_lowercase().starts_with("test_"))
        .split("__")
}
