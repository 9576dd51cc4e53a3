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
/// API key the simulator expects in sandbox mode where a provider wants one besides the
/// OAuth token (Suunto's APIM subscription key); public on purpose, like the ones above.
pub const SANDBOX_API_KEY: &str = "wearbridge-dev-api-key";

/// Which providers this deployment talks to, and how.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProvidersConfig {
    /// Development mode: every provider points at the simulator with fixed dev credentials.
    #[serde(default)]
    pub sandbox_mode: bool,
    /// Where the simulator serves each provider, by Terra id, used in sandbox mode. The
    /// simulator owns its URL layout (`wearbridge_sim::layout::endpoints` builds this map
    /// from its base URL), so nothing here knows simulator paths.
    #[serde(default)]
    pub sim_endpoints: BTreeMap<String, SimEndpoints>,
    /// Operator-supplied app credentials, keyed by Terra provider id (`GARMIN`, ...).
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderCredentials>,
}

/// Where the simulator serves one provider.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SimEndpoints {
    /// Base of the provider's OAuth endpoints; its documented OAuth paths sit beneath it.
    pub auth_base: Url,
    /// Base of the provider's data API; its documented API paths sit beneath it.
    pub api_base: Url,
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
    /// A key the provider wants on every API call besides the OAuth token, where it issues
    /// one (Suunto's Azure APIM `Ocp-Apim-Subscription-Key`).
    #[serde(default)]
    pub api_key: Option<SecretString>,
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
            api_key: Some(SecretString::from(SANDBOX_API_KEY)),
        }
    }
}

impl ProvidersConfig {
    /// Sandbox mode against a simulator: `endpoints` maps each simulated provider's Terra
    /// id to its `(auth base, API base)` URLs, as `wearbridge_sim::layout::endpoints`
    /// returns them.
    pub fn sandbox<K: Into<String>>(
        endpoints: impl IntoIterator<Item = (K, (Url, Url))>,
    ) -> ProvidersConfig {
        ProvidersConfig {
            sandbox_mode: true,
            sim_endpoints: endpoints
                .into_iter()
                .map(|(id, (auth_base, api_base))| {
                    (
                        id.into(),
                        SimEndpoints {
                            auth_base,
                            api_base,
                        },
                    )
                })
                .collect(),
            providers: BTreeMap::new(),
        }
    }

    /// The simulated endpoints of `provider_id` (case-insensitive), in sandbox mode only.
    pub fn sim_endpoints_for(&self, provider_id: &str) -> Option<&SimEndpoints> {
        if !self.sandbox_mode {
            return None;
        }
        self.sim_endpoints
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(provider_id))
            .map(|(_, endpoints)| endpoints)
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
                api_key: None,
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

    #[test]
    fn simulated_endpoints_apply_in_sandbox_mode_only() {
        let (Ok(auth), Ok(api)) = (
            Url::parse("http://127.0.0.1:9/garmin/"),
            Url::parse("http://127.0.0.1:9/garmin/api/"),
        ) else {
            panic!("test URLs parse");
        };
        let mut config = ProvidersConfig::sandbox([("GARMIN", (auth.clone(), api.clone()))]);
        assert_eq!(
            config.sim_endpoints_for("garmin"),
            Some(&SimEndpoints {
                auth_base: auth,
                api_base: api,
            })
        );
        assert!(config.sim_endpoints_for("OURA").is_none());
        config.sandbox_mode = false;
        assert!(config.sim_endpoints_for("GARMIN").is_none());
    }
}
