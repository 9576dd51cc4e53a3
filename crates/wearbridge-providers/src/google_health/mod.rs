//! Google Health: the Google Health API v4 (`https://health.googleapis.com/v4/users/me/...`),
//! Google's successor of the Fitbit Web API (switched off November 2026), through which
//! Fitbit trackers, Pixel Watches and Google's own sources reach an app.
//!
//! Facts from the v4 discovery document (`health:v4`, revision 20260527, condensed in
//! `provider-specs/googlehealth/GOOGLE-HEALTH-API-V4-REFERENCE.md`) and providers.md §8:
//! the wire format ([`wire`]), pure mappers into Terra ([`mapper`]), the paged reads per
//! data type ([`fetch`]), webhook deliveries ([`push`]) and the adapter ([`adapter`]).
//!
//! Data types and where they go: `exercise` → Activity; `sleep` → Sleep; `steps`,
//! `distance`, `floors`, `active-energy-burned`, `basal-energy-burned`, `heart-rate`,
//! `daily-resting-heart-rate` → Daily; `weight`, `body-fat`, `daily-resting-heart-rate`,
//! `heart-rate-variability`, `daily-heart-rate-variability`, `oxygen-saturation`,
//! `daily-oxygen-saturation`, `core-body-temperature` → Body; `nutrition-log`,
//! `hydration-log` → Nutrition. Not read: ECG and irregular-rhythm notifications (no raw
//! Terra place the adapter fills yet), VO2 max, zone minutes, roll-ups (Terra's records
//! are built from the raw points instead), profile and settings (no sex, height or weight
//! there for Terra's Athlete).

pub mod adapter;
pub mod fetch;
pub mod mapper;
pub mod push;
pub mod wire;

pub use adapter::{GOOGLE_HEALTH, GoogleHealthProvider};

use std::time::Duration;

use crate::TerraRecordData;
use crate::limits::{ProviderBudget, Rate};
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id (its 2026 integrations page: the replacement of `FITBIT`).
pub const PROVIDER_ID: &str = "GOOGLE_HEALTH";

/// Google Health in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: GOOGLE_HEALTH,
    api_base: Some(adapter::API_BASE),
    build: adapter::build,
    map_source,
    // providers.md §8.4 (Google's quota page): 300 requests a minute per user, 120,000 a
    // minute per project (and 86.4 M a day, which the minute rate stays under).
    limits: ProviderBudget {
        app: Some(Rate::per(
            adapter::APP_REQUESTS_PER_MINUTE,
            Duration::from_secs(60),
        )),
        user: Some(Rate::per(
            adapter::USER_REQUESTS_PER_MINUTE,
            Duration::from_secs(60),
        )),
    },
    // The discovery document states no oldest readable date (Fitbit data migrated into the
    // API keeps its history); none is assumed.
    history_days: None,
};

/// Maps one raw `ListDataPointsResponse` `body` fetched from
/// `v4/users/me/dataTypes/{type}/dataPoints` (query ignored, a full URL works too) to the
/// Terra records that type feeds.
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let kind = fetch::kind_of_path(path).ok_or_else(|| {
        MapSourceError::UnknownPath(format!(
            "{path:?} is not a mapped Google Health data type (mapped: {})",
            fetch::ALL_KINDS.map(|kind| kind.id).join(", ")
        ))
    })?;
    let page: wire::ListPage =
        serde_json::from_str(body).map_err(|error| MapSourceError::Body(error.to_string()))?;
    let data_type = push::terra_type(kind.id)
        .ok_or_else(|| MapSourceError::UnknownPath(format!("{} has no Terra mapping", kind.id)))?;
    Ok(adapter::map(data_type, &page.data_points))
}
