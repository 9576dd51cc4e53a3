//! What a provider folder declares about itself ([`ProviderModule`]: facts, endpoints,
//! builder, mapper, limits, history) and the shapes it uses. A leaf module: providers
//! import these types from here, and `registry` imports the providers, so nothing loops.

use std::sync::Arc;

use serde::Serialize;
use url::Url;
use wearbridge_model::DataType;

use crate::Provider;
use crate::limits::ProviderBudget;

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

    /// Whether `data_type` is among the six; `athlete` and planned workouts never are.
    pub fn supports(&self, data_type: DataType) -> bool {
        match data_type {
            DataType::Activity => self.activity,
            DataType::Body => self.body,
            DataType::Nutrition => self.nutrition,
            DataType::Daily => self.daily,
            DataType::Sleep => self.sleep,
            DataType::Menstruation => self.menstruation,
            DataType::Athlete | DataType::PlannedWorkout => false,
        }
    }
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
    /// like, declared in [`crate::sdk`]); Terra lists those under `sdk_resource` instead
    /// of `providers`.
    pub sdk_only: bool,
}

/// One provider compiled into this build, as its folder declares it (`<provider>::MODULE`):
/// its facts, its real endpoints, how to build its adapter and map its raw responses, and
/// what its API allows (rate limits, history). Nothing about the simulator: in sandbox mode
/// the caller supplies each provider's simulated endpoints ([`ProvidersConfig::sandbox`]).
pub struct ProviderModule {
    pub info: ProviderInfo,
    /// The real data API base; `None` for a provider with no public cloud (SANDBOX).
    pub api_base: Option<&'static str>,
    /// Builds the adapter. `None`: the provider's real OAuth URLs. `Some(base)`: the same
    /// documented paths below `base` (the simulator, or an operator's override).
    pub build: fn(Option<&Url>) -> Option<Arc<dyn Provider>>,
    /// `wearbridge providers map`: one raw response body of API `path` to Terra records.
    pub map_source: fn(&str, &str) -> Result<Vec<crate::TerraRecordData>, MapSourceError>,
    /// The provider's published rate limits; the server's budgets start from them
    /// (operators override them in `[sync.budgets]`).
    pub limits: ProviderBudget,
    /// How many days back the provider's API serves data, counted from today; `None` when
    /// it documents no limit. A backfill deeper than this would ask for days the provider
    /// refuses or no longer holds.
    pub history_days: Option<u32>,
}

/// Why a raw provider response could not be mapped (`wearbridge providers map`).
#[derive(Debug, thiserror::Error)]
pub enum MapSourceError {
    /// `mappable` lists the providers of this build (the registry fills it in).
    #[error("unknown provider {provider:?} (mappable: {mappable})")]
    UnknownProvider { provider: String, mappable: String },
    #[error("no mapper for this path: {0}")]
    UnknownPath(String),
    #[error("body does not match the provider's format for this path: {0}")]
    Body(String),
}

/// `base` with a trailing slash, so that `join` appends instead of replacing the last
/// path segment (`http://sim/prefix` + `sandbox/` must give `http://sim/prefix/sandbox/`).
pub fn with_trailing_slash(base: &Url) -> Url {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base
}
