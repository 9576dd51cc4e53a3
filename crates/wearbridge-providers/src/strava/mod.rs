//! STRAVA: Strava API v3 (`https://www.strava.com/api/v3/...`).
//!
//! Facts from Strava's swagger document, its documentation pages and providers.md §6: the
//! wire format ([`wire`]), the pure mappers into Terra ([`mapper`]), the data API calls and
//! Strava's error and rate-limit reading ([`api`]), the webhook handshake and events
//! ([`push`]), the app's push subscription ([`subscriptions`]), the adapter ([`adapter`]),
//! and [`map_source`], which picks the mapper for a response by its API path (used by
//! `wearbridge providers map`). Strava is activity-centred: activities (with their streams
//! as samples) become Terra activities, the athlete Terra's athlete; nothing else of the
//! API has a place in Terra's model (see docs/DECISIONS.md, "Strava").

pub mod adapter;
pub mod api;
pub mod mapper;
pub mod push;
pub mod subscriptions;
pub mod wire;

pub use adapter::{API_BASE, STRAVA, StravaProvider, build};

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::TerraRecordData;
use crate::limits::{ProviderBudget, Rate};
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id.
pub const PROVIDER_ID: &str = "STRAVA";

/// Strava's default "non-upload" (read) limit per application
/// (developers.strava.com/docs/rate-limits): 100 requests every 15 minutes and 1,000 a
/// day. Every call the adapter makes counts against it (the overall limit, 200 and 2,000,
/// is larger). Apps Strava has reviewed get more; operators raise it in `[sync.budgets]`.
pub const READ_REQUESTS_PER_15_MIN: u32 = 100;
pub const READ_REQUESTS_PER_DAY: u32 = 1_000;

/// STRAVA in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: STRAVA,
    api_base: Some(API_BASE),
    build,
    map_source,
    // The bucket holds the 15-minute window; the daily one is not enforced by it (a 429
    // then pauses the app until midnight UTC, `api::rate_limit_wait`).
    limits: ProviderBudget {
        app: Some(Rate::per(
            READ_REQUESTS_PER_15_MIN,
            Duration::from_secs(900),
        )),
        user: None,
    },
    // Strava's swagger document: `GET /athlete/activities` takes any `after`, with no
    // documented oldest date (an athlete's whole history is served).
    history_days: None,
};

/// The paths [`map_source`] understands (below `/api/v3`), for error messages.
pub const MAPPED_PATHS: [&str; 3] = ["/athlete", "/athlete/activities", "/activities/{id}"];

/// Maps one raw Strava response `body` fetched from API `path` (with or without the
/// `/api/v3` prefix, query ignored, a full URL works too): the athlete, a page of the
/// activity list (summaries: no calories, laps or samples), or one detailed activity.
/// Streams and laps alone are not records (they belong to an activity).
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.split_once("/api/v3").map_or(path, |(_, rest)| rest);
    let path = path
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/').map(|(_, rest)| rest))
        .unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let records = match segments.as_slice() {
        ["athlete"] => vec![mapper::athlete(&parse(body)?).into()],
        ["athlete", "activities"] => parse::<Vec<wire::Activity>>(body)?
            .iter()
            .map(|activity| mapper::activity(activity, None).into())
            .collect(),
        ["activities", _] => vec![mapper::activity(&parse(body)?, None).into()],
        ["activities", _, "streams" | "laps"] => {
            return Err(MapSourceError::UnknownPath(format!(
                "{path:?}: streams and laps are parts of an activity, map /activities/{{id}}"
            )));
        }
        _ => {
            return Err(MapSourceError::UnknownPath(format!(
                "{path:?} is not a mapped Strava API v3 path (mapped: {})",
                MAPPED_PATHS.join(", ")
            )));
        }
    };
    Ok(records)
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, MapSourceError> {
    serde_json::from_str(body).map_err(|error| MapSourceError::Body(error.to_string()))
}
