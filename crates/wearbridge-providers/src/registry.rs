//! The provider registry: which providers this deployment offers and what each supports.
//!
//! The shape mirrors Terra's `IntegrationProvider` object (`GET /v2/integrations/detailed`:
//! `provider`, `name`, `icon`, `setup`, `enabled`, `types`), so the server can publish it
//! field for field. Provider ids are Terra's: uppercase strings such as `GARMIN`.

use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::config::{ProviderCredentials, ProvidersConfig};
use crate::{Provider, ProviderCtx};
use crate::{dexcom, garmin, oura, polar, sandbox, whoop, withings};

pub use crate::module::{
    DataTypeSupport, MapSourceError, ProviderInfo, ProviderModule, SetupKind, with_trailing_slash,
};
/// SANDBOX's facts, declared in its folder like every provider's; re-exported here, where
/// they used to live.
pub use crate::sandbox::SANDBOX;
/// The mobile-SDK providers, listed after the web providers by every registry.
pub use crate::sdk::SDK_PROVIDERS;

/// The set of providers this deployment knows, in a stable order, with the adapters of
/// those it can talk to.
#[derive(Clone)]
pub struct Registry {
    providers: Vec<ProviderInfo>,
    adapters: Vec<Adapter>,
}

/// A configured adapter: the provider plus the credentials and endpoints its calls use.
#[derive(Clone)]
struct Adapter {
    provider: Arc<dyn Provider>,
    creds: ProviderCredentials,
    api_base: Url,
    auth_base: Url,
}

impl fmt::Debug for Registry {
    /// Lists ids only: adapters hold credentials, which must not reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field(
                "providers",
                &self.providers.iter().map(|p| p.id).collect::<Vec<_>>(),
            )
            .field(
                "adapters",
                &self
                    .adapters
                    .iter()
                    .map(|a| a.provider.info().id)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Every provider compiled into this build, in the order `/v2/integrations` lists them.
/// Adding a provider = its folder declaring `MODULE`, plus one line here.
pub static MODULES: &[&ProviderModule] = &[
    &sandbox::MODULE,
    &whoop::MODULE,
    &garmin::MODULE,
    &oura::MODULE,
    &polar::MODULE,
    &withings::MODULE,
    &dexcom::MODULE,
    &crate::strava::MODULE,
    &crate::suunto::MODULE,
    &crate::wahoo::MODULE,
    &crate::google_health::MODULE,
];

impl Registry {
    /// The registry for `config`: every provider compiled into this build, each enabled
    /// exactly when its adapter can be configured (credentials and endpoints known).
    ///
    /// In sandbox mode (`sandbox_mode` with the simulator's `sim_endpoints`) every provider
    /// points at its simulated endpoints with the dev credentials. Otherwise a provider
    /// needs its client id and secret in the configuration; SANDBOX, which has no public
    /// cloud, also needs explicit `auth_base_url` and `api_base_url`.
    pub fn new(config: ProvidersConfig) -> Registry {
        let mut providers = Vec::new();
        let mut adapters = Vec::new();
        for module in MODULES {
            match configure(module, &config) {
                Some(adapter) => {
                    providers.push(module.info.clone());
                    adapters.push(adapter);
                }
                None => providers.push(ProviderInfo {
                    enabled: false,
                    ..module.info.clone()
                }),
            }
        }
        providers.extend_from_slice(SDK_PROVIDERS);
        Registry {
            providers,
            adapters,
        }
    }

    /// The provider facts compiled into this build, with no adapters: enough for the
    /// `/v2/integrations` endpoints, not for connecting. Use [`Registry::new`] to connect.
    pub fn builtin() -> Registry {
        let web = MODULES.iter().map(|module| module.info.clone());
        Registry::from_providers(web.chain(SDK_PROVIDERS.iter().cloned()).collect())
    }

    /// A registry holding exactly `providers` and no adapters (tests of the listing).
    pub fn from_providers(providers: Vec<ProviderInfo>) -> Registry {
        Registry {
            providers,
            adapters: Vec::new(),
        }
    }

    /// Every provider, in registration order: the web providers, then the mobile-SDK ones
    /// ([`SDK_PROVIDERS`]).
    pub fn all(&self) -> &[ProviderInfo] {
        &self.providers
    }

    /// Every provider, in registration order (the contract's name for [`Registry::all`]).
    pub fn info_list(&self) -> &[ProviderInfo] {
        &self.providers
    }

    /// The web providers this deployment offers (credentials configured, or sandbox
    /// mode): the ones the widget, polling and subscription renewals deal with. The
    /// mobile-SDK providers, always offered and never called, are [`Registry::sdk`].
    pub fn enabled(&self) -> Vec<&ProviderInfo> {
        self.providers
            .iter()
            .filter(|p| p.enabled && !p.sdk_only)
            .collect()
    }

    /// The mobile-SDK providers (APPLE, SAMSUNG, GOOGLEFIT), in listing order.
    pub fn sdk(&self) -> Vec<&ProviderInfo> {
        self.providers.iter().filter(|p| p.sdk_only).collect()
    }

    /// Static facts of a provider, by Terra id, case-insensitively (Terra ids are
    /// uppercase, clients sometimes send them lowercase).
    pub fn info(&self, id: &str) -> Option<&ProviderInfo> {
        self.providers
            .iter()
            .find(|provider| provider.id.eq_ignore_ascii_case(id))
    }

    /// The adapter of a configured provider, by Terra id, case-insensitively.
    pub fn get(&self, id: &str) -> Option<Arc<dyn Provider>> {
        self.adapter(id)
            .map(|adapter| Arc::clone(&adapter.provider))
    }

    /// The call context for a configured provider, sharing the process-wide `http` client.
    pub fn ctx(&self, id: &str, http: reqwest::Client) -> Option<ProviderCtx> {
        self.adapter(id).map(|adapter| ProviderCtx {
            http,
            creds: adapter.creds.clone(),
            api_base: adapter.api_base.clone(),
            auth_base: adapter.auth_base.clone(),
            provider_user_id: None,
        })
    }

    fn adapter(&self, id: &str) -> Option<&Adapter> {
        self.adapters
            .iter()
            .find(|adapter| adapter.provider.info().id.eq_ignore_ascii_case(id))
    }
}

/// The adapter of `module` when its credentials and endpoints are known (see
/// [`Registry::new`]). Operator overrides win over the simulator, which wins over the
/// provider's real URLs.
fn configure(module: &ProviderModule, config: &ProvidersConfig) -> Option<Adapter> {
    let creds = config.credentials_for(module.info.id)?;
    let sim = config.sim_endpoints_for(module.info.id);
    let auth_override = creds
        .auth_base_url
        .clone()
        .or_else(|| sim.map(|sim| sim.auth_base.clone()));
    let api_base = creds
        .api_base_url
        .clone()
        .or_else(|| sim.map(|sim| sim.api_base.clone()))
        .or_else(|| module.api_base.and_then(|base| Url::parse(base).ok()))?;
    let provider = (module.build)(auth_override.as_ref())?;
    Some(Adapter {
        provider,
        creds,
        auth_base: auth_override.unwrap_or_else(|| api_base.clone()),
        api_base,
    })
}

/// The declaration of provider `id` (Terra id, any case) in this build.
pub fn module(id: &str) -> Option<&'static ProviderModule> {
    MODULES
        .iter()
        .copied()
        .find(|module| module.info.id.eq_ignore_ascii_case(id))
}

fn mappable_list() -> String {
    let ids: Vec<&str> = MODULES.iter().map(|module| module.info.id).collect();
    ids.join(", ")
}

/// Maps one raw response `body` of provider `provider` (Terra id, any case), fetched from
/// API `path`, to Terra records. The path selects the mapper; see each provider's
/// `map_source`.
pub fn map_source(
    provider: &str,
    path: &str,
    body: &str,
) -> Result<Vec<crate::TerraRecordData>, MapSourceError> {
    if let Some(module) = module(provider) {
        (module.map_source)(path, body)
    } else {
        Err(MapSourceError::UnknownProvider {
            provider: provider.to_owned(),
            mappable: mappable_list(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::ProviderBudget;

    #[test]
    fn builtin_holds_the_sandbox() {
        let registry = Registry::builtin();
        let sandbox = registry.info("sandbox");
        assert_eq!(sandbox.map(|p| p.id), Some("SANDBOX"));
        assert!(
            registry.get("SANDBOX").is_none(),
            "builtin() holds no adapters"
        );
        assert_eq!(registry.all().len(), MODULES.len() + SDK_PROVIDERS.len());
        let sdk: Vec<&str> = registry.sdk().iter().map(|p| p.id).collect();
        assert_eq!(sdk, ["APPLE", "SAMSUNG", "GOOGLEFIT"]);
    }

    #[test]
    fn unknown_provider_is_absent() {
        assert!(Registry::builtin().info("NOPE").is_none());
    }

    #[test]
    fn sandbox_mode_with_a_simulator_configures_the_adapter() {
        let Ok(sim) = Url::parse("http://127.0.0.1:4000/prefix") else {
            panic!("test URL parses");
        };
        let endpoints = wearbridge_sim::layout::endpoints(&sim);
        let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
        // Sandbox mode enables every provider against the simulator.
        assert_eq!(
            registry.enabled().iter().map(|p| p.id).collect::<Vec<_>>(),
            MODULES.iter().map(|m| m.info.id).collect::<Vec<_>>()
        );
        let adapter = registry.get("sandbox");
        assert_eq!(adapter.as_ref().map(|a| a.info().id), Some("SANDBOX"));
        let token_url = adapter.map(|a| a.oauth().token_url.to_string());
        assert_eq!(
            token_url.as_deref(),
            Some("http://127.0.0.1:4000/prefix/sandbox/oauth/token")
        );
        let Ok(http) = reqwest::Client::builder().build() else {
            panic!("client builds");
        };
        let ctx = registry.ctx("SANDBOX", http);
        assert_eq!(
            ctx.map(|c| c.api_base.to_string()).as_deref(),
            Some("http://127.0.0.1:4000/prefix/sandbox/api/v1/")
        );
    }

    #[test]
    fn sandbox_mode_points_every_provider_at_its_simulated_endpoints() {
        let Ok(sim) = Url::parse("http://127.0.0.1:4000/prefix") else {
            panic!("test URL parses");
        };
        let endpoints = wearbridge_sim::layout::endpoints(&sim);
        let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
        let Ok(http) = reqwest::Client::builder().build() else {
            panic!("client builds");
        };
        let sim = "http://127.0.0.1:4000/prefix";
        for (id, auth, api) in [
            ("SANDBOX", "sandbox/oauth/", "sandbox/api/v1/"),
            ("WHOOP", "whoop/", "whoop/"),
            ("GARMIN", "garmin/", "garmin/"),
            ("OURA", "oura/", "oura/"),
            ("POLAR", "polar/", "polar/"),
            ("WITHINGS", "withings/", "withings/"),
            ("DEXCOM", "dexcom/", "dexcom/"),
            ("STRAVA", "strava/", "strava/api/v3/"),
            ("SUUNTO", "suunto/", "suunto/api/"),
            ("WAHOO", "wahoo/", "wahoo/"),
            ("GOOGLE_HEALTH", "google_health/", "google_health/"),
        ] {
            let Some(ctx) = registry.ctx(id, http.clone()) else {
                panic!("{id} is configured");
            };
            assert_eq!(ctx.auth_base.as_str(), format!("{sim}/{auth}"), "{id}");
            assert_eq!(ctx.api_base.as_str(), format!("{sim}/{api}"), "{id}");
        }
    }

    #[test]
    fn modules_declare_unique_uppercase_ids() {
        let ids: Vec<&str> = MODULES.iter().map(|module| module.info.id).collect();
        assert_eq!(
            ids,
            [
                "SANDBOX",
                "WHOOP",
                "GARMIN",
                "OURA",
                "POLAR",
                "WITHINGS",
                "DEXCOM",
                "STRAVA",
                "SUUNTO",
                "WAHOO",
                "GOOGLE_HEALTH",
            ],
            "the order /v2/integrations lists"
        );
        assert!(ids.iter().all(|id| id.to_ascii_uppercase() == *id));
    }

    /// The published limits each module declares, figure for figure (they were the
    /// server's `published_limits()` table; see each module's comment for its source).
    #[test]
    fn modules_declare_their_published_limits() {
        use crate::limits::Rate;
        use std::time::Duration;
        let minute = Duration::from_secs(60);
        let app = |rate| ProviderBudget {
            app: Some(rate),
            user: None,
        };
        let expected = [
            ("SANDBOX", app(Rate::per(6_000, minute))),
            ("WHOOP", app(Rate::per(100, minute))),
            ("GARMIN", ProviderBudget::default()),
            (
                "OURA",
                ProviderBudget {
                    app: None,
                    user: Some(Rate::per(5_000, Duration::from_secs(300))),
                },
            ),
            ("POLAR", app(Rate::per(500, Duration::from_secs(900)))),
            ("WITHINGS", app(Rate::per(120, minute))),
            ("DEXCOM", app(Rate::per(60_000, Duration::from_secs(3_600)))),
            ("STRAVA", app(Rate::per(100, Duration::from_secs(900)))),
            (
                "GOOGLE_HEALTH",
                ProviderBudget {
                    app: Some(Rate::per(120_000, minute)),
                    user: Some(Rate::per(300, minute)),
                },
            ),
        ];
        for (id, budget) in expected {
            let module = MODULES.iter().find(|module| module.info.id == id);
            assert_eq!(module.map(|module| module.limits), Some(budget), "{id}");
        }
    }

    #[test]
    fn history_depth_is_polars_year_and_unlimited_elsewhere() {
        for module in MODULES {
            let expected = match module.info.id {
                "POLAR" => u32::try_from(crate::polar::adapter::MAX_AGE_DAYS).ok(),
                _ => None,
            };
            assert_eq!(module.history_days, expected, "{}", module.info.id);
        }
    }

    #[test]
    fn without_a_simulator_sandbox_is_listed_but_disabled() {
        let registry = Registry::new(ProvidersConfig::default());
        assert_eq!(registry.info("SANDBOX").map(|p| p.enabled), Some(false));
        assert!(registry.enabled().is_empty());
        assert!(registry.get("SANDBOX").is_none());
        // The mobile-SDK providers need no configuration: listed and enabled, no adapter.
        assert!(registry.sdk().iter().all(|p| p.enabled));
        assert!(registry.get("APPLE").is_none());
        let debug = format!("{registry:?}");
        assert!(!debug.contains("secret"));
    }

    #[test]
    fn setup_kind_wire_string_matches_serde() {
        let json = serde_json::to_string(&SetupKind::ApiKeysManaged).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", SetupKind::ApiKeysManaged.as_str()));
    }
}
