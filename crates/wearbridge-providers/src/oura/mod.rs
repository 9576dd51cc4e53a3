//! OURA: Oura Ring, API v2 (`https://api.ouraring.com/v2/usercollection/...`).
//!
//! Facts from Oura's OpenAPI 1.29 and real recorded responses: the wire format
//! ([`wire`]), the pure mappers into Terra ([`mapper`]), [`map_source`] (picks the mapper
//! for a response by its API path; `wearbridge providers map`), the HTTP adapter
//! ([`adapter`]), push handling ([`push`]) and webhook subscription upkeep
//! ([`subscriptions`]). The simulator's `/oura/` cloud serves the same paths.

pub mod adapter;
pub mod mapper;
pub mod push;
pub mod subscriptions;
pub mod wire;

pub use adapter::{API_BASE, OURA, OuraProvider, build};

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::TerraRecordData;
use crate::limits::{ProviderBudget, Rate};
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id.
pub const PROVIDER_ID: &str = "OURA";

/// OURA in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: OURA,
    api_base: Some(API_BASE),
    build,
    map_source,
    // providers.md §2.5: 5,000 requests per 5-minute window per access token.
    limits: ProviderBudget {
        app: None,
        user: Some(Rate::per(5_000, Duration::from_secs(300))),
    },
    // providers.md §2.2 and Oura's OpenAPI 1.29: collections take any `start_date`, with no
    // documented oldest date (heart rate only limits one request to 30 days).
    history_days: None,
};

/// Prefix of every per-user collection.
const COLLECTION_PREFIX: &str = "/v2/usercollection/";
/// Oura's sandbox mirror serves the same documents with made-up data.
const SANDBOX_COLLECTION_PREFIX: &str = "/v2/sandbox/usercollection/";

/// The collections [`map_source`] understands, for error messages.
pub const MAPPED_COLLECTIONS: [&str; 14] = [
    "sleep",
    "daily_activity",
    "daily_readiness",
    "daily_sleep",
    "daily_stress",
    "daily_spo2",
    "vO2_max",
    "ring_configuration",
    "enhanced_tag",
    "rest_mode_period",
    "heartrate",
    "workout",
    "session",
    "personal_info",
];

/// Maps one raw Oura response `body` fetched from API `path` (query ignored; a full URL
/// works too). A collection path expects the `{data, next_token}` envelope; a
/// single-document path (`/v2/usercollection/sleep/<id>`) expects one document.
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let (collection, single) = collection_of(path)?;
    let records = match collection {
        "sleep" => parse_docs::<wire::Sleep>(body, single)?
            .iter()
            .filter_map(mapper::sleep)
            .map(TerraRecordData::from)
            .collect(),
        "daily_activity" => parse_docs::<wire::DailyActivity>(body, single)?
            .iter()
            .filter_map(mapper::daily_activity)
            .map(TerraRecordData::from)
            .collect(),
        "daily_readiness" => parse_docs::<wire::DailyReadiness>(body, single)?
            .iter()
            .filter_map(mapper::daily_readiness)
            .map(TerraRecordData::from)
            .collect(),
        "daily_sleep" => parse_docs::<wire::DailySleep>(body, single)?
            .iter()
            .filter_map(mapper::daily_sleep)
            .map(TerraRecordData::from)
            .collect(),
        "daily_stress" => parse_docs::<wire::DailyStress>(body, single)?
            .iter()
            .filter_map(mapper::daily_stress)
            .map(TerraRecordData::from)
            .collect(),
        // The path spells it `vO2_max`; webhooks name the type `vo2_max`.
        "vO2_max" | "vo2_max" => parse_docs::<wire::Vo2Max>(body, single)?
            .iter()
            .filter_map(mapper::vo2_max)
            .map(TerraRecordData::from)
            .collect(),
        "ring_configuration" => parse_docs::<wire::RingConfiguration>(body, single)?
            .iter()
            .filter_map(mapper::ring_configuration)
            .map(TerraRecordData::from)
            .collect(),
        "enhanced_tag" => mapper::enhanced_tags(&parse_docs::<wire::EnhancedTag>(body, single)?)
            .into_iter()
            .map(TerraRecordData::from)
            .collect(),
        "rest_mode_period" => {
            mapper::rest_mode_periods(&parse_docs::<wire::RestModePeriod>(body, single)?)
                .into_iter()
                .map(TerraRecordData::from)
                .collect()
        }
        "daily_spo2" => parse_docs::<wire::DailySpo2>(body, single)?
            .iter()
            .filter_map(mapper::daily_spo2)
            .map(TerraRecordData::from)
            .collect(),
        "heartrate" => mapper::heartrate(&parse_docs::<wire::HeartRate>(body, single)?)
            .into_iter()
            .map(TerraRecordData::from)
            .collect(),
        "workout" => parse_docs::<wire::Workout>(body, single)?
            .iter()
            .map(|workout| mapper::workout(workout).into())
            .collect(),
        "session" => parse_docs::<wire::Session>(body, single)?
            .iter()
            .map(|session| mapper::session(session).into())
            .collect(),
        "personal_info" => vec![mapper::athlete(&parse::<wire::PersonalInfo>(body)?).into()],
        other => {
            return Err(MapSourceError::UnknownPath(format!(
                "OURA collection {other:?} has no Terra mapping (mapped: {})",
                MAPPED_COLLECTIONS.join(", ")
            )));
        }
    };
    Ok(records)
}

/// The collection named by `path`, and whether it names one document (`.../{type}/{id}`).
fn collection_of(path: &str) -> Result<(&str, bool), MapSourceError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let rest = [COLLECTION_PREFIX, SANDBOX_COLLECTION_PREFIX]
        .iter()
        .find_map(|prefix| path.split_once(prefix).map(|(_, rest)| rest))
        .ok_or_else(|| {
            MapSourceError::UnknownPath(format!(
                "{path:?} is not an Oura collection path ({COLLECTION_PREFIX}<type>)"
            ))
        })?;
    let mut segments = rest.split('/').filter(|segment| !segment.is_empty());
    let collection = segments.next().unwrap_or_default();
    Ok((collection, segments.next().is_some()))
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, MapSourceError> {
    serde_json::from_str(body).map_err(|error| MapSourceError::Body(error.to_string()))
}

/// The documents of a collection page, or the one document of a single-document response.
fn parse_docs<T: DeserializeOwned>(body: &str, single: bool) -> Result<Vec<T>, MapSourceError> {
    if single {
        Ok(vec![parse::<T>(body)?])
    } else {
        Ok(parse::<wire::Page<T>>(body)?.data)
    }
}
