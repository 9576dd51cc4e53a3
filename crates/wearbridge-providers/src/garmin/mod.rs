//! GARMIN: Garmin Connect Health API and Activity API (`https://apis.garmin.com/wellness-api/rest/...`).
//!
//! Facts from Garmin's Health API specification (v1.2.2), providers.md §4 and
//! `provider-specs/garmin/FIELD-FACTS.md`. The wire format is [`wire`], the pure mappers
//! into Terra are [`mapper`], and [`map_source`] picks the mapper for a response by its API
//! path (used by `wearbridge providers map`).
//!
//! Garmin's summaries do not line up one-to-one with Terra's types: a Terra Daily is the
//! day's `dailies` + `epochs` + `stressDetails`, a Terra Body is the day's `bodyComps` +
//! `bloodPressures` + `pulseOx` + `hrv` + `userMetrics`. [`map_source`] maps what one
//! response holds; the adapter merges the summaries of a day before it stores anything.
//!
//! Planned workouts go the other way, through the Training API V2 ([`training`]).

pub mod adapter;
pub mod mapper;
pub mod push;
pub mod training;
pub mod wire;

pub use adapter::{GARMIN, GarminProvider};

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::TerraRecordData;
use crate::limits::ProviderBudget;
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id.
pub const PROVIDER_ID: &str = "GARMIN";

/// GARMIN in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: GARMIN,
    api_base: Some(adapter::API_BASE),
    build: adapter::build,
    map_source,
    // providers.md §4.5: Garmin publishes no production figure (only evaluation-key
    // limits), so no bucket; its 429s still pause it.
    limits: ProviderBudget::NONE,
    // providers.md §4.2 and spec §7–8 document no oldest day: pulls name upload windows of
    // at most 24 h and backfill requests at most 90 days each, with no earliest date.
    history_days: None,
};

/// The summary types the adapter asks Garmin to backfill on connect (spec §8).
pub const BACKFILL_TYPES: [&str; 11] = [
    "dailies",
    "epochs",
    "sleeps",
    "bodyComps",
    "stressDetails",
    "userMetrics",
    "pulseOx",
    "hrv",
    "bloodPressures",
    "activities",
    "activityDetails",
];

/// Prefix of every Health API and Activity API path.
pub const REST_PREFIX: &str = "/wellness-api/rest/";

/// The summary endpoints [`map_source`] understands, for error messages.
pub const MAPPED_ENDPOINTS: [&str; 14] = [
    "dailies",
    "epochs",
    "stressDetails",
    "sleeps",
    "bodyComps",
    "bloodPressures",
    "pulseOx",
    "hrv",
    "userMetrics",
    "mct",
    "activities",
    "manuallyUpdatedActivities",
    "activityDetails",
    "user/id",
];

/// Maps one raw Garmin response `body` fetched from API `path` (query ignored; a full URL
/// works too) to Terra records. A summary endpoint answers a bare JSON array; a push body
/// (`{"<summary type>": [...]}`) is accepted too, so a pasted notification maps as well.
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let endpoint = endpoint_of(path)?;
    let records: Vec<TerraRecordData> = match endpoint {
        "user/id" => vec![mapper::athlete(&parse::<wire::UserId>(body)?).into()],
        "dailies" => into_records(mapper::daily_days(&summaries(body)?, &[], &[])),
        "epochs" => into_records(mapper::daily_days(&[], &summaries(body)?, &[])),
        "stressDetails" => into_records(mapper::daily_days(&[], &[], &summaries(body)?)),
        "sleeps" => summaries::<wire::Sleep>(body)?
            .iter()
            .filter_map(mapper::sleep)
            .map(Into::into)
            .collect(),
        "bodyComps" | "bloodPressures" | "pulseOx" | "pulseox" | "hrv" | "userMetrics" => {
            into_records(body_of(endpoint, body)?)
        }
        "mct" => summaries::<wire::Mct>(body)?
            .iter()
            .filter_map(mapper::menstruation)
            .map(Into::into)
            .collect(),
        "activities" | "manuallyUpdatedActivities" => summaries::<wire::Activity>(body)?
            .iter()
            .filter_map(mapper::activity)
            .map(Into::into)
            .collect(),
        "activityDetails" => summaries::<wire::ActivityDetails>(body)?
            .iter()
            .filter_map(mapper::activity_details)
            .map(Into::into)
            .collect(),
        other => {
            return Err(MapSourceError::UnknownPath(format!(
                "GARMIN endpoint {other:?} has no Terra mapping (mapped: {})",
                MAPPED_ENDPOINTS.join(", ")
            )));
        }
    };
    Ok(records)
}

fn into_records<T: Into<TerraRecordData>>(items: Vec<T>) -> Vec<TerraRecordData> {
    items.into_iter().map(Into::into).collect()
}

fn body_of(endpoint: &str, body: &str) -> Result<Vec<wearbridge_model::Body>, MapSourceError> {
    let mut sources = mapper::BodySources::default();
    let (comps, pressures, pulse_ox, hrv, metrics);
    match endpoint {
        "bodyComps" => {
            comps = summaries::<wire::BodyComp>(body)?;
            sources.body_comps = &comps;
        }
        "bloodPressures" => {
            pressures = summaries::<wire::BloodPressure>(body)?;
            sources.blood_pressures = &pressures;
        }
        "hrv" => {
            hrv = summaries::<wire::Hrv>(body)?;
            sources.hrv = &hrv;
        }
        "userMetrics" => {
            metrics = summaries::<wire::UserMetrics>(body)?;
            sources.user_metrics = &metrics;
        }
        _ => {
            pulse_ox = summaries::<wire::PulseOx>(body)?;
            sources.pulse_ox = &pulse_ox;
        }
    }
    Ok(mapper::body_days(sources))
}

/// The endpoint below `/wellness-api/rest/` named by `path`.
fn endpoint_of(path: &str) -> Result<&str, MapSourceError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let rest = path
        .split_once(REST_PREFIX)
        .map(|(_, rest)| rest.trim_end_matches('/'))
        .ok_or_else(|| {
            MapSourceError::UnknownPath(format!(
                "{path:?} is not a Garmin API path ({REST_PREFIX}<summary type>)"
            ))
        })?;
    Ok(rest)
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, MapSourceError> {
    serde_json::from_str(body).map_err(|error| MapSourceError::Body(error.to_string()))
}

/// The summaries of a pull response (a bare array) or of a push body (one key naming the
/// summary type, whose value is the array).
pub fn summaries<T: DeserializeOwned>(body: &str) -> Result<Vec<T>, MapSourceError> {
    let value: Value = parse(body)?;
    let array = match value {
        Value::Array(items) => items,
        Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
            Some((_, Value::Array(items))) => items,
            _ => {
                return Err(MapSourceError::Body(
                    "expected a JSON array of summaries".into(),
                ));
            }
        },
        _ => {
            return Err(MapSourceError::Body(
                "expected a JSON array of summaries".into(),
            ));
        }
    };
    serde_json::from_value(Value::Array(array))
        .map_err(|error| MapSourceError::Body(error.to_string()))
}
