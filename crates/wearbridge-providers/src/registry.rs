//! The provider registry: which providers this deployment offers and what each supports.
//!
//! The shape mirrors Terra's `IntegrationProvider` object (`GET /v2/integrations/detailed`:
//! `provider`, `name`, `icon`, `setup`, `enabled`, `types`), so the server can publish it
//! field for field. Provider ids are Terra's: uppercase strings such as `GARMIN`.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use url::Url;

use crate::config::{ProviderCredentials, ProvidersConfig};
use crate::{Provider, ProviderCtx};
use crate::{sandbox, withings};

/// How a provider's app credentials are managed.
///
/// Terra documents a single value, `API_KEYS_MANAGED` (the operator holds the
/// provider app credentials); no other value is documented, so no other variant exists yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SetupKind {
    /// Credentials are configured by the operator of this deployment.
    ApiKeysManaged,
}

impl SetupKind {
    /// The wire string Terra uses for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            SetupKind::ApiKeysManaged => "API_KEYS_MANAGED",
        }
    }
}

/// Which Terra data types a provider can deliver; the `types` object of Terra's
/// `IntegrationProvider` (exactly these six keys, no `athlete`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DataTypeSupport {
    pub activity: bool,
    pub body: bool,
    pub nutrition: bool,
    pub daily: bool,
    pub sleep: bool,
    pub menstruation: bool,
}

impl DataTypeSupport {
    /// Every data type supported (the sandbox provider generates all of them).
    pub const ALL: DataTypeSupport = DataTypeSupport {
        activity: true,
        body: true,
        nutrition: true,
        daily: true,
        sleep: true,
        menstruation: true,
    };
}

/// Static facts about one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderInfo {
    /// Terra's provider id, uppercase (`SANDBOX`, `GARMIN`, ...).
    pub id: &'static str,
    /// Display name shown in the widget and in `/integrations/detailed`.
    pub name: &'static str,
    /// Icon path, relative to the deployment's public URL (the server makes it absolute,
    /// because Terra publishes absolute icon URLs).
    pub icon_path: &'static str,
    pub setup: SetupKind,
    /// Whether this deployment offers the provider.
    pub enabled: bool,
    pub types: DataTypeSupport,
    /// True for providers reachable only through the mobile SDKs (Apple Health and the
    /// like); Terra lists those under `sdk_resource` instead of `providers`.
    pub sdk_only: bool,
}

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

/// The built-in sandbox provider: served by `wearbridge-sim`, so the whole flow works
/// with no wearable and no internet.
pub const SANDBOX: ProviderInfo = ProviderInfo {
    id: "SANDBOX",
    name: "Sandbox",
    icon_path: "/static/icons/sandbox.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport::ALL,
    sdk_only: false,
};

/// One provider compiled into this build: its facts, where its endpoints are, how to build
/// its adapter and how to map its raw responses. Adding a provider = one entry in
/// [`MODULES`].
pub struct ProviderModule {
    pub info: ProviderInfo,
    /// Where the simulator serves this provider's OAuth endpoints (`<sim>/<sim_prefix>`);
    /// the provider's documented OAuth paths sit beneath it.
    pub sim_prefix: &'static str,
    /// Where the simulator serves the data API, relative to the simulator's base (for real
    /// providers the same as `sim_prefix`: the documented API paths sit beneath it).
    pub sim_api_path: &'static str,
    /// The real data API base; `None` for a provider with no public cloud (SANDBOX).
    pub api_base: Option<&'static str>,
    /// Builds the adapter. `None`: the provider's real OAuth URLs. `Some(base)`: the same
    /// documented paths below `base` (the simulator, or an operator's override).
    pub build: fn(Option<&Url>) -> Option<Arc<dyn Provider>>,
    /// `wearbridge providers map`: one raw response body of API `path` to Terra records.
    pub map_source: fn(&str, &str) -> Result<Vec<crate::TerraRecordData>, MapSourceError>,
}

/// Every provider compiled into this build, in the order `/v2/integrations` lists them.
pub static MODULES: &[ProviderModule] = &[
    ProviderModule {
        info: SANDBOX,
        sim_prefix: sandbox::AUTH_PATH,
        sim_api_path: sandbox::API_PATH,
        api_base: None,
        build: sandbox::build,
        map_source: map_sandbox_source,
    },
    ProviderModule {
        info: crate::whoop::WHOOP,
        sim_prefix: "whoop/",
        sim_api_path: "whoop/",
        api_base: Some(crate::whoop::adapter::API_BASE),
        build: crate::whoop::adapter::build,
        map_source: crate::whoop::map_source,
    },
    ProviderModule {
        info: crate::garmin::GARMIN,
        sim_prefix: crate::garmin::adapter::SIM_PREFIX,
        sim_api_path: crate::garmin::adapter::SIM_PREFIX,
        api_base: Some(crate::garmin::adapter::API_BASE),
        build: crate::garmin::adapter::build,
        map_source: crate::garmin::map_source,
    },
    ProviderModule {
        info: crate::oura::OURA,
        sim_prefix: "oura/",
        sim_api_path: "oura/",
        api_base: Some(crate::oura::API_BASE),
        build: crate::oura::build,
        map_source: crate::oura::map_source,
    },
    ProviderModule {
        info: crate::polar::POLAR,
        sim_prefix: "polar/",
        sim_api_path: "polar/",
        api_base: Some(crate::polar::adapter::API_BASE),
        build: crate::polar::adapter::build,
        map_source: crate::polar::map_source,
    },
    ProviderModule {
        info: withings::WITHINGS,
        sim_prefix: withings::SIM_PATH,
        sim_api_path: withings::SIM_PATH,
        api_base: Some(withings::adapter::API_BASE),
        build: withings::build,
        map_source: withings::map_source,
    },
];

impl Registry {
    /// The registry for `config`: every provider compiled into this build, each enabled
    /// exactly when its adapter can be configured (credentials and endpoints known).
    ///
    /// In sandbox mode (`sandbox_mode` with `sim_base_url`) every provider points at the
    /// simulator with the dev credentials. Otherwise a provider needs its client id and
    /// secret in the configuration; SANDBOX, which has no public cloud, also needs explicit
    /// `auth_base_url` and `api_base_url`.
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
        Registry {
            providers,
            adapters,
        }
    }

    /// The provider facts compiled into this build, with no adapters: enough for the
    /// `/v2/integrations` endpoints, not for connecting. Use [`Registry::new`] to connect.
    pub fn builtin() -> Registry {
        Registry::from_providers(MODULES.iter().map(|module| module.info.clone()).collect())
    }

    /// A registry holding exactly `providers` and no adapters (tests of the listing).
    pub fn from_providers(providers: Vec<ProviderInfo>) -> Registry {
        Registry {
            providers,
            adapters: Vec::new(),
        }
    }

    /// Every provider, in registration order.
    pub fn all(&self) -> &[ProviderInfo] {
        &self.providers
    }

    /// Every provider, in registration order (the contract's name for [`Registry::all`]).
    pub fn info_list(&self) -> &[ProviderInfo] {
        &self.providers
    }

    /// The providers this deployment offers (credentials configured, or sandbox mode).
    pub fn enabled(&self) -> Vec<&ProviderInfo> {
        self.providers.iter().filter(|p| p.enabled).collect()
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
    let sim_base = config.sim_base_url.as_ref().filter(|_| config.sandbox_mode);
    let under_sim =
        |path: &str| sim_base.and_then(|base| with_trailing_slash(base).join(path).ok());
    let auth_override = creds
        .auth_base_url
        .clone()
        .or_else(|| under_sim(module.sim_prefix));
    let api_base = creds
        .api_base_url
        .clone()
        .or_else(|| under_sim(module.sim_api_path))
        .or_else(|| module.api_base.and_then(|base| Url::parse(base).ok()))?;
    let provider = (module.build)(auth_override.as_ref())?;
    Some(Adapter {
        provider,
        creds,
        auth_base: auth_override.unwrap_or_else(|| api_base.clone()),
        api_base,
    })
}

/// `base` with a trailing slash, so that `join` appends instead of replacing the last
/// path segment (`http://sim/prefix` + `sandbox/` must give `http://sim/prefix/sandbox/`).
pub(crate) fn with_trailing_slash(base: &Url) -> Url {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base
}

fn mappable_list() -> String {
    let ids: Vec<&str> = MODULES.iter().map(|module| module.info.id).collect();
    ids.join(", ")
}

/// Why a raw provider response could not be mapped (`wearbridge providers map`).
#[derive(Debug, thiserror::Error)]
pub enum MapSourceError {
    #[error("unknown provider {0:?} (mappable: {list})", list = mappable_list())]
    UnknownProvider(String),
    #[error("no mapper for this path: {0}")]
    UnknownPath(String),
    #[error("body does not match the provider's format for this path: {0}")]
    Body(String),
}

/// Maps one raw response `body` of provider `provider` (Terra id, any case), fetched from
/// API `path`, to Terra records. The path selects the mapper; see each provider's
/// `map_source`.
pub fn map_source(
    provider: &str,
    path: &str,
    body: &str,
) -> Result<Vec<crate::TerraRecordData>, MapSourceError> {
    if let Some(module) = MODULES
        .iter()
        .find(|module| module.info.id.eq_ignore_ascii_case(provider))
    {
        (module.map_source)(path, body)
    } else {
        Err(MapSourceError::UnknownProvider(provider.to_owned()))
    }
}

/// SANDBOX paths (`/sandbox/api/v1/<endpoint>`, or just `/<endpoint>`). Menstruation and
/// nutrition days carry no offset of their own (the adapter takes it from the profile);
/// a lone body has no profile, so they are placed at UTC, which `providers map` says.
fn map_sandbox_source(
    path: &str,
    body: &str,
) -> Result<Vec<crate::TerraRecordData>, MapSourceError> {
    use crate::TerraRecordData;
    use crate::sandbox::{mapper, wire};
    fn page<T: serde::de::DeserializeOwned>(body: &str) -> Result<Vec<T>, MapSourceError> {
        serde_json::from_str::<wire::ListPage<T>>(body)
            .map(|page| page.data)
            .map_err(|error| MapSourceError::Body(error.to_string()))
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let endpoint = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or_default();
    let utc = chrono::FixedOffset::east_opt(0);
    let records: Vec<TerraRecordData> = match endpoint {
        "profile" => {
            let profile: wire::Profile = serde_json::from_str(body)
                .map_err(|error| MapSourceError::Body(error.to_string()))?;
            vec![mapper::athlete(&profile).into()]
        }
        "me" => {
            let me: wire::Me = serde_json::from_str(body)
                .map_err(|error| MapSourceError::Body(error.to_string()))?;
            vec![mapper::athlete(&me.profile).into()]
        }
        "daily" => page::<wire::Daily>(body)?
            .iter()
            .map(|d| mapper::daily(d).into())
            .collect(),
        "sleep" => page::<wire::Sleep>(body)?
            .iter()
            .map(|s| mapper::sleep(s).into())
            .collect(),
        "workouts" => page::<wire::Workout>(body)?
            .iter()
            .map(|w| mapper::activity(w).into())
            .collect(),
        "body" => page::<wire::Body>(body)?
            .iter()
            .filter_map(mapper::body)
            .map(Into::into)
            .collect(),
        "menstruation" => page::<wire::Menstruation>(body)?
            .iter()
            .filter_map(|m| utc.and_then(|offset| mapper::menstruation(m, offset)))
            .map(Into::into)
            .collect(),
        "nutrition" => page::<wire::Nutrition>(body)?
            .iter()
            .filter_map(|n| utc.and_then(|offset| mapper::nutrition(n, offset)))
            .map(Into::into)
            .collect(),
        _ => {
            return Err(MapSourceError::UnknownPath(format!(
                "{path:?} is not a SANDBOX data path (profile, me, daily, sleep, workouts, body, menstruation, nutrition)"
            )));
        }
    };
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_holds_the_sandbox() {
        let registry = Registry::builtin();
        let sandbox = registry.info("sandbox");
        assert_eq!(sandbox.map(|p| p.id), Some("SANDBOX"));
        assert!(
            registry.get("SANDBOX").is_none(),
            "builtin() holds no adapters"
        );
        assert_eq!(registry.all().len(), MODULES.len());
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
        let registry = Registry::new(ProvidersConfig::sandbox(sim));
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
    fn without_a_simulator_sandbox_is_listed_but_disabled() {
        let registry = Registry::new(ProvidersConfig::default());
        assert_eq!(registry.info("SANDBOX").map(|p| p.enabled), Some(false));
        assert!(registry.enabled().is_empty());
        assert!(registry.get("SANDBOX").is_none());
        let debug = format!("{registry:?}");
        assert!(!debug.contains("secret"));
    }

    #[test]
    fn setup_kind_wire_string_matches_serde() {
        let json = serde_json::to_string(&SetupKind::ApiKeysManaged).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", SetupKind::ApiKeysManaged.as_str()));
    }
}
