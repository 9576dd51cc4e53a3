//! The providers reachable only through Terra's mobile SDKs (terra-api-notes F, "Setup
//! kinds"): Apple Health (`APPLE`), Samsung Health (`SAMSUNG`) and Health Connect
//! (`GOOGLEFIT`, "Google Fit (Health Connect-based)" in Terra's integrations table).
//!
//! They have no web API, hence no [`ProviderModule`](crate::module::ProviderModule): no
//! OAuth, no adapter, no rate limits. The phone reads the platform's health store and
//! posts the records; the registry lists them (under `sdk_resource` on
//! `/v2/integrations`) and the server's SDK ingest endpoint takes their data. They are
//! always enabled: nothing on the server needs configuring for them.

use crate::module::{DataTypeSupport, ProviderInfo, SetupKind};

/// Apple Health: HealthKit holds workouts, body measurements, daily totals, sleep,
/// nutrition and menstrual flow, so every type.
pub const APPLE: ProviderInfo = ProviderInfo {
    id: "APPLE",
    name: "Apple Health",
    icon_path: "/static/icons/apple.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport::ALL,
    sdk_only: true,
};

/// Samsung Health: its data SDK reads exercise, body composition, steps and the day's
/// totals, sleep and nutrition; it exposes no menstrual cycle data.
pub const SAMSUNG: ProviderInfo = ProviderInfo {
    id: "SAMSUNG",
    name: "Samsung Health",
    icon_path: "/static/icons/samsung.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport {
        menstruation: false,
        ..DataTypeSupport::ALL
    },
    sdk_only: true,
};

/// Health Connect (Terra's `GOOGLEFIT` SDK integration): exercise sessions, body
/// measurements, steps and totals, sleep sessions, nutrition and menstruation records.
pub const GOOGLEFIT: ProviderInfo = ProviderInfo {
    id: "GOOGLEFIT",
    name: "Health Connect",
    icon_path: "/static/icons/googlefit.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport::ALL,
    sdk_only: true,
};

/// Every mobile-SDK provider, in the order `/v2/integrations` lists them (after the web
/// providers).
pub static SDK_PROVIDERS: &[ProviderInfo] = &[APPLE, SAMSUNG, GOOGLEFIT];

/// Earlier names accepted for an SDK provider: `HEALTH_CONNECT` is what Wearbridge
/// called `GOOGLEFIT` before issue 16; a device built against it keeps working.
const ALIASES: &[(&str, &str)] = &[("HEALTH_CONNECT", "GOOGLEFIT")];

/// The SDK provider named `id` (any letter case, aliases resolved).
pub fn sdk_provider(id: &str) -> Option<&'static ProviderInfo> {
    let id = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(id))
        .map_or(id, |(_, target)| *target);
    SDK_PROVIDERS
        .iter()
        .find(|provider| provider.id.eq_ignore_ascii_case(id))
}

/// The SDK providers' ids joined for messages (`APPLE, SAMSUNG, GOOGLEFIT`).
pub fn sdk_provider_list() -> String {
    let ids: Vec<&str> = SDK_PROVIDERS.iter().map(|provider| provider.id).collect();
    ids.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_terras_and_the_old_name_is_an_alias() {
        assert_eq!(sdk_provider_list(), "APPLE, SAMSUNG, GOOGLEFIT");
        assert_eq!(sdk_provider("apple").map(|p| p.id), Some("APPLE"));
        assert_eq!(sdk_provider("Samsung").map(|p| p.id), Some("SAMSUNG"));
        assert_eq!(sdk_provider("GOOGLEFIT").map(|p| p.id), Some("GOOGLEFIT"));
        assert_eq!(
            sdk_provider("health_connect").map(|p| p.id),
            Some("GOOGLEFIT")
        );
        assert!(sdk_provider("GARMIN").is_none());
        assert!(sdk_provider("").is_none());
    }

    #[test]
    fn every_sdk_provider_is_sdk_only_and_enabled() {
        for provider in SDK_PROVIDERS {
            assert!(provider.sdk_only && provider.enabled, "{}", provider.id);
            assert_eq!(
                provider.icon_path,
                format!("/static/icons/{}.svg", provider.id.to_ascii_lowercase())
            );
        }
        let samsung = sdk_provider("SAMSUNG").map(|p| p.types.menstruation);
        assert_eq!(samsung, Some(false), "Samsung Health has no cycle data");
    }
}
