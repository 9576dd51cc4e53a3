//! WHOOP: the WHOOP strap, API v2 (`https://api.prod.whoop.com/developer/v2/...`).
//!
//! Facts from WHOOP's OpenAPI document and providers.md §7: the wire format ([`wire`]), the
//! pure mappers into Terra ([`mapper`]), webhook verification and parsing ([`push`]), the
//! HTTP adapter ([`adapter`]), and [`map_source`], which picks the mapper for a response by
//! its API path (used by `wearbridge providers map`).

pub mod adapter;
pub mod mapper;
pub mod push;
pub mod wire;

pub use adapter::{WHOOP, WhoopProvider};

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::TerraRecordData;
use crate::limits::{ProviderBudget, Rate};
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id.
pub const PROVIDER_ID: &str = "WHOOP";

/// WHOOP in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: WHOOP,
    api_base: Some(adapter::API_BASE),
    build: adapter::build,
    map_source,
    // providers.md §7.5: 100 requests a minute and 10,000 a day per app. The bucket holds
    // the minute; the day is not enforced by it (a 429 then pauses the app until reset).
    limits: ProviderBudget {
        app: Some(Rate::per(
            adapter::REQUESTS_PER_MINUTE,
            Duration::from_secs(60),
        )),
        user: None,
    },
    // providers.md §7.2 and WHOOP's OpenAPI document: collections take any `start`, with
    // no documented oldest date.
    history_days: None,
};

/// The paths [`map_source`] understands (below `/developer`), for error messages.
pub const MAPPED_PATHS: [&str; 9] = [
    "/v2/cycle",
    "/v2/cycle/{cycleId}",
    "/v2/cycle/{cycleId}/recovery",
    "/v2/cycle/{cycleId}/sleep",
    "/v2/recovery",
    "/v2/activity/sleep[/{sleepId}]",
    "/v2/activity/workout[/{workoutId}]",
    "/v2/user/profile/basic",
    "(not /v2/user/measurement/body: it has no measurement time)",
];

/// Maps one raw WHOOP response `body` fetched from API `path` (with or without the
/// `/developer` prefix, query ignored, a full URL works too). Collection paths expect the
/// `{records, next_token}` envelope, single-record paths one record.
///
/// Recoveries mapped alone have no sleep to take their time and offset from, so their
/// Body records sit at `created_at` in UTC; the adapter places them at the end of their
/// sleep in the person's offset.
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let segments = v2_segments(path)?;
    let records = match segments.as_slice() {
        ["cycle"] => page::<wire::Cycle>(body)?
            .iter()
            .filter_map(mapper::cycle)
            .map(TerraRecordData::from)
            .collect(),
        ["cycle", _] => mapper::cycle(&parse(body)?)
            .map(Into::into)
            .into_iter()
            .collect(),
        ["cycle", _, "recovery"] => recoveries(vec![parse(body)?]),
        ["cycle", _, "sleep"] => vec![mapper::sleep(&parse(body)?).into()],
        ["recovery"] => recoveries(page(body)?),
        ["activity", "sleep"] => page::<wire::Sleep>(body)?
            .iter()
            .map(|sleep| mapper::sleep(sleep).into())
            .collect(),
        ["activity", "sleep", _] => vec![mapper::sleep(&parse(body)?).into()],
        ["activity", "workout"] => page::<wire::Workout>(body)?
            .iter()
            .map(|workout| mapper::workout(workout).into())
            .collect(),
        ["activity", "workout", _] => vec![mapper::workout(&parse(body)?).into()],
        ["user", "profile", "basic"] => vec![mapper::athlete(&parse(body)?).into()],
        _ => {
            return Err(MapSourceError::UnknownPath(format!(
                "{path:?} is not a mapped WHOOP v2 path (mapped: {})",
                MAPPED_PATHS.join(", ")
            )));
        }
    };
    Ok(records)
}

fn recoveries(records: Vec<wire::Recovery>) -> Vec<TerraRecordData> {
    records
        .iter()
        .filter_map(|recovery| mapper::recovery(recovery, None))
        .map(TerraRecordData::from)
        .collect()
}

/// The path segments after `/v2/` (query and fragment dropped).
fn v2_segments(path: &str) -> Result<Vec<&str>, MapSourceError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let (_, rest) = path.split_once("/v2/").ok_or_else(|| {
        MapSourceError::UnknownPath(format!(
            "{path:?} is not a WHOOP API v2 path (/developer/v2/...)"
        ))
    })?;
    Ok(rest
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect())
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, MapSourceError> {
    serde_json::from_str(body).map_err(|error| MapSourceError::Body(error.to_string()))
}

fn page<T: DeserializeOwned>(body: &str) -> Result<Vec<T>, MapSourceError> {
    Ok(parse::<wire::Page<T>>(body)?.records)
}
