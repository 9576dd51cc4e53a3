//! Provider credentials and endpoints, as the operator configures them.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// Client id the simulator accepts in sandbox mode. The simulator accepts any client id
/// with a non-empty secret (see `docs/simulator.md` §2.1), so these are fixed and public:
/// they protect nothing and only exist because OAuth requires client authentication.
pub const SANDBOX_CLIENT_ID: &str = "wearbridge-dev";
/// Client secret the simulator accepts in sandbox mode (public on purpose, see above).
pub const SANDBOX_CLIENT_SECRET: &str = "wearbridge-dev-secret";
/// Push signing secret / verification token the simulator uses in sandbox mode (public on
/// purpose, like the two above).
pub const SANDBOX_WEBHOOK_SECRET: &str = "wearbridge-dev-webhook-secret";

/// Which providers this deployment talks to, and how.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProvidersConfig {
    /// Development mode: every provider points at the simulator with fixed dev credentials.
    #[serde(default)]
    pub sandbox_mode: bool,
    /// The simulator's base URL (`SimHandle::base_url()`), required in sandbox mode.
    #[serde(default)]
    pub sim_base_url: Option<Url>,
    /// Operator-supplied app credentials, keyed by Terra provider id (`GARMIN`, ...).
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderCredentials>,
}

/// One provider app's credentials, plus optional endpoint overrides (self-hosted mirrors,
/// tests). Without overrides the adapter uses the provider's real URLs.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderCredentials {
    pub client_id: String,
    pub client_secret: SecretString,
    #[serde(default)]
    pub api_base_url: Option<Url>,
    #[serde(default)]
    pub auth_base_url: Option<Url>,
    /// The secret the provider signs pushes with (or the verification token it echoes),
    /// where it issues one separate from the client secret (Polar's webhook signature
    /// secret, Oura's verification token).
    #[serde(default)]
    pub webhook_secret: Option<SecretString>,
}

impl ProviderCredentials {
    /// The simulator's development credentials.
    pub fn sandbox_dev() -> ProviderCredentials {
        ProviderCredentials {
            client_id: SANDBOX_CLIENT_ID.to_owned(),
            client_secret: SecretString::from(SANDBOX_CLIENT_SECRET),
            api_base_url: None,
            auth_base_url: None,
            webhook_secret: Some(SecretString::from(SANDBOX_WEBHOOK_SECRET)),
        }
    }
}

impl ProvidersConfig {
    /// Sandbox mode against the simulator at `sim_base_url`.
    pub fn sandbox(sim_base_url: Url) -> ProvidersConfig {
        ProvidersConfig {
            sandbox_mode: true,
            sim_base_url: Some(sim_base_url),
            providers: BTreeMap::new(),
        }
    }

    /// The credentials to use for `provider_id` (case-insensitive): the configured ones,
    /// else the dev credentials in sandbox mode, else none (the provider is disabled).
    pub fn credentials_for(&self, provider_id: &str) -> Option<ProviderCredentials> {
        let configured = self
            .providers
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(provider_id))
            .map(|(_, creds)| creds.clone());
        match configured {
            Some(creds) => Some(creds),
            None if self.sandbox_mode => Some(ProviderCredentials::sandbox_dev()),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn sandbox_mode_supplies_dev_credentials() {
        let config = ProvidersConfig {
            sandbox_mode: true,
            ..ProvidersConfig::default()
        };
        let creds = config.credentials_for("sandbox");
        assert_eq!(
            creds.as_ref().map(|c| c.client_id.as_str()),
            Some(SANDBOX_CLIENT_ID)
        );
        assert!(
            ProvidersConfig::default()
                .credentials_for("SANDBOX")
                .is_none()
        );
    }

    #[test]
    fn configured_credentials_win_case_insensitively() {
        let mut config = ProvidersConfig {
            sandbox_mode: true,
            ..ProvidersConfig::default()
        };
        config.providers.insert(
            "garmin".to_owned(),
            ProviderCredentials {
                client_id: "app".to_owned(),
                client_secret: SecretString::from("s3cret"),
                api_base_url: None,
                auth_base_url: None,
                webhook_secret: None,
            },
        );
        let creds = config.credentials_for("GARMIN");
        assert_eq!(creds.as_ref().map(|c| c.client_id.as_str()), Some("app"));
        assert_eq!(
            creds
                .as_ref()
                .map(|c| c.client_secret.expose_secret().to_owned()),
            Some("s3cret".to_owned())
        );
    }
}
