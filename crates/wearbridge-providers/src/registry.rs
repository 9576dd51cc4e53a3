//! The provider registry: which providers this deployment offers and what each supports.
//!
//! The shape mirrors Terra's `IntegrationProvider` object (`GET /v2/integrations/detailed`:
//! `provider`, `name`, `icon`, `setup`, `enabled`, `types`), so the server can publish it
//! field for field. Provider ids are Terra's: uppercase strings such as `GARMIN`.

use serde::Serialize;

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

/// The set of providers this deployment knows, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    providers: Vec<ProviderInfo>,
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

impl Registry {
    /// The providers compiled into this build. Holds only `SANDBOX` until real adapters land.
    pub fn builtin() -> Registry {
        Registry {
            providers: vec![SANDBOX],
        }
    }

    /// A registry holding exactly `providers` (tests and future configuration use this).
    pub fn from_providers(providers: Vec<ProviderInfo>) -> Registry {
        Registry { providers }
    }

    /// Every provider, in registration order.
    pub fn all(&self) -> &[ProviderInfo] {
        &self.providers
    }

    /// Looks a provider up by its Terra id, case-insensitively (Terra ids are uppercase,
    /// clients sometimes send them lowercase).
    pub fn get(&self, id: &str) -> Option<&ProviderInfo> {
        self.providers
            .iter()
            .find(|provider| provider.id.eq_ignore_ascii_case(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_holds_the_sandbox() {
        let registry = Registry::builtin();
        let sandbox = registry.get("sandbox");
        assert_eq!(sandbox.map(|p| p.id), Some("SANDBOX"));
        assert_eq!(registry.all().len(), 1);
    }

    #[test]
    fn unknown_provider_is_absent() {
        assert!(Registry::builtin().get("NOPE").is_none());
    }

    #[test]
    fn setup_kind_wire_string_matches_serde() {
        let json = serde_json::to_string(&SetupKind::ApiKeysManaged).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", SetupKind::ApiKeysManaged.as_str()));
    }
}
