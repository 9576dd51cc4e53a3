//! WAHOO: the Wahoo Cloud API (`https://api.wahooligan.com/v1/...`).
//!
//! Facts from Wahoo's Cloud API reference (cloud-api.wahooligan.com) and providers.md §10:
//! the wire format ([`wire`]), the pure mappers into Terra ([`mapper`]), the data API
//! calls and Wahoo's rate-limit reading ([`api`]), the `workout_summary` webhook
//! ([`push`]), the adapter ([`adapter`]), and [`map_source`], which picks the mapper for a
//! response by its API path (used by `wearbridge providers map`). Wahoo is
//! workout-centred: workouts with their summaries become Terra activities, the user
//! Terra's athlete; plans, routes and power zones have no place in Terra's model.

pub mod adapter;
pub mod api;
pub mod mapper;
pub mod push;
pub mod wire;

pub use adapter::{API_BASE, WAHOO, WahooProvider, build};

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::TerraRecordData;
use crate::limits::{ProviderBudget, Rate};
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id.
pub const PROVIDER_ID: &str = "WAHOO";

/// Wahoo's production limits per app (Cloud API reference, "Rate Limiting"): 200 requests
/// every 5 minutes, 1,000 an hour, 5,000 a day (sandbox apps: 25, 100 and 250). Token and
/// file requests do not count. The bucket holds the 5-minute window; a 429 beyond the
/// others waits for `X-RateLimit-Reset` (`api::classify`). Operators of sandbox apps lower
/// it in `[sync.budgets]`.
pub const REQUESTS_PER_5_MIN: u32 = 200;
pub const REQUESTS_PER_HOUR: u32 = 1_000;
pub const REQUESTS_PER_DAY: u32 = 5_000;

/// WAHOO in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: WAHOO,
    api_base: Some(API_BASE),
    build,
    map_source,
    limits: ProviderBudget {
        app: Some(Rate::per(REQUESTS_PER_5_MIN, Duration::from_secs(300))),
        user: None,
    },
    // The reference documents no oldest workout: `GET /v1/workouts` pages through the
    // user's whole history.
    history_days: None,
};

/// The paths [`map_source`] understands, for error messages.
pub const MAPPED_PATHS: [&str; 4] = [
    "/v1/user",
    "/v1/workouts",
    "/v1/workouts/{id}",
    "/v1/workouts/{id}/workout_summary",
];

/// Maps one raw Wahoo response `body` fetched from API `path` (query ignored, a full URL
/// works too): the user, a page of workouts (with their embedded summaries), one workout,
/// or a webhook delivery's body posted as `/webhook`. A summary alone is not a record (it
/// needs its workout's start), so `/workout_summary` is refused with that reason.
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/').map(|(_, rest)| rest))
        .unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let records = match segments.as_slice() {
        ["v1", "user"] => vec![mapper::athlete(&parse(body)?).into()],
        ["v1", "workouts"] => parse::<wire::WorkoutPage>(body)?
            .workouts
            .iter()
            .map(|workout| mapper::activity(workout, None).into())
            .collect(),
        ["v1", "workouts", _] => vec![mapper::activity(&parse(body)?, None).into()],
        ["webhook"] => {
            let event: wire::WebhookEvent = parse(body)?;
            let summary = event
                .workout_summary
                .ok_or_else(|| MapSourceError::Body("no workout_summary".into()))?;
            let workout = summary
                .workout
                .as_deref()
                .ok_or_else(|| MapSourceError::Body("the summary has no workout".into()))?;
            vec![mapper::activity(workout, Some(&summary)).into()]
        }
        ["v1", "workouts", _, "workout_summary"] => {
            return Err(MapSourceError::UnknownPath(format!(
                "{path:?}: a summary belongs to its workout, map /v1/workouts/{{id}}"
            )));
        }
        _ => {
            return Err(MapSourceError::UnknownPath(format!(
                "{path:?} is not a mapped Wahoo Cloud API path (mapped: {}, /webhook)",
                MAPPED_PATHS.join(", ")
            )));
        }
    };
    Ok(records)
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, MapSourceError> {
    serde_json::from_str(body).map_err(|error| MapSourceError::Body(error.to_string()))
}
