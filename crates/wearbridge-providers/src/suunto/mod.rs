//! SUUNTO: the Suunto Cloud API (OAuth at `https://cloudapi-oauth.suunto.com`, data at
//! `https://cloudapi.suunto.com`).
//!
//! Facts from Suunto's API Zone (apizone.suunto.com "How to start", the webhook page at
//! suunto-api.developer.azure-api.net) and providers.md §11: the wire format ([`wire`]),
//! the pure mappers into Terra ([`mapper`]), the data API calls with the APIM subscription
//! key ([`api`]), the signed full-payload pushes ([`push`]), the adapter ([`adapter`]), and
//! [`map_source`], which picks the mapper for a response by its API path (used by
//! `wearbridge providers map`). Workouts become Terra activities, 24/7 sleep Terra sleep,
//! the daily activity statistics Terra dailies; the username is all Suunto shares of the
//! athlete (see docs/DECISIONS.md, "Suunto").

pub mod adapter;
pub mod api;
pub mod mapper;
pub mod push;
pub mod wire;

pub use adapter::{API_BASE, SUUNTO, SuuntoProvider, build};

use serde::de::DeserializeOwned;

use crate::TerraRecordData;
use crate::limits::ProviderBudget;
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id.
pub const PROVIDER_ID: &str = "SUUNTO";

/// SUUNTO in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: SUUNTO,
    api_base: Some(API_BASE),
    build,
    map_source,
    // Suunto publishes no rate limit: calls are metered by the app's Azure APIM
    // subscription, whose quota Suunto sets per partner (a 429 then says when to retry).
    // Operators with a known quota set it in `[sync.budgets]`.
    limits: ProviderBudget {
        app: None,
        user: None,
    },
    // No documented oldest date: `GET /v3/workouts/` takes any `since`, and the 24/7
    // endpoints any `from` (each request spanning at most 28 days).
    history_days: None,
};

/// The paths [`map_source`] understands, for error messages.
pub const MAPPED_PATHS: [&str; 4] = [
    "/v3/workouts/",
    "/v3/workouts/{workoutKey}",
    "/247samples/sleep",
    "/247/daily-activity-statistics",
];

/// Maps one raw Suunto response `body` fetched from API `path` (query ignored, a full URL
/// works too): a page of the workout list, one workout, the 24/7 sleep samples, or the
/// daily activity statistics. Workouts without a key or a valid start are left out.
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/').map(|(_, rest)| rest))
        .unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let records = match segments.as_slice() {
        ["v3", "workouts"] => parse::<wire::Envelope<Vec<wire::Workout>>>(body)?
            .payload
            .iter()
            .filter_map(|workout| mapper::activity(workout, None))
            .map(Into::into)
            .collect(),
        ["v3", "workouts", _] => parse::<wire::Envelope<wire::Workout>>(body)
            .map(|one| mapper::activity(&one.payload, None))?
            .into_iter()
            .map(Into::into)
            .collect(),
        ["247samples", "sleep"] => parse::<Vec<wire::Sample<wire::SleepEntry>>>(body)?
            .iter()
            .filter_map(mapper::sleep)
            .map(Into::into)
            .collect(),
        ["247", "daily-activity-statistics"] => {
            mapper::daily(&parse::<Vec<wire::DailyStatistic>>(body)?)
                .into_iter()
                .map(Into::into)
                .collect()
        }
        _ => {
            return Err(MapSourceError::UnknownPath(format!(
                "{path:?} is not a mapped Suunto Cloud API path (mapped: {})",
                MAPPED_PATHS.join(", ")
            )));
        }
    };
    Ok(records)
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, MapSourceError> {
    serde_json::from_str(body).map_err(|error| MapSourceError::Body(error.to_string()))
}
