//! POLAR: Polar AccessLink API v3 (`https://www.polaraccesslink.com/v3/...`).
//!
//! Facts from Polar's AccessLink OpenAPI (v3) and `providers.md` §5; Polar publishes no
//! redistributable real payloads, so the golden fixtures are written from the documented
//! shapes. This module holds the wire format ([`wire`]), the time notations ([`time`]),
//! the pure mappers into Terra ([`mapper`]) and [`map_source`], which picks the mapper
//! for a response by its API path (used by `wearbridge providers map`).
//!
//! Only the current, non-transactional endpoints are read; the transactional
//! (`…-transactions`) flavour is deprecated by Polar.

pub mod adapter;
pub mod mapper;
pub mod push;
pub mod time;
pub mod wire;

pub use adapter::{POLAR, PolarProvider};

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::TerraRecordData;
use crate::limits::{ProviderBudget, Rate};
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id.
pub const PROVIDER_ID: &str = "POLAR";

/// POLAR in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: POLAR,
    api_base: Some(adapter::API_BASE),
    build: adapter::build,
    map_source,
    // providers.md §5.5: per 15 minutes 500 + 20 × registered users requests per app. The
    // base figure is used; the per-user allowance only adds headroom.
    limits: ProviderBudget {
        app: Some(Rate::per(500, Duration::from_secs(900))),
        user: None,
    },
    // Polar's AccessLink OpenAPI: "Date cannot be older than 365 days from today"
    // ([`adapter::MAX_AGE_DAYS`]); exercises reach back only 30 days (uploads to Flow).
    history_days: Some(365),
};

/// The API paths [`map_source`] understands, for error messages.
pub const MAPPED_PATHS: &str = "/v3/exercises[/{id}], /v3/users/sleep[/{date}], \
/v3/users/nightly-recharge[/{date}], /v3/users/continuous-heart-rate[/{date}], \
/v3/users/activities[/{date}], /v3/users/{user-id}";

/// Maps one raw Polar response `body` fetched from API `path` (query ignored; a full URL
/// works too).
///
/// A night alone maps to a Sleep record; a Nightly Recharge alone maps to that date's
/// Body record (the adapter also merges it into the night's Sleep record, which a lone
/// body cannot do).
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let rest = path
        .split_once("/v3/")
        .map(|(_, rest)| rest)
        .ok_or_else(|| unknown(path))?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let records: Vec<TerraRecordData> = match segments.as_slice() {
        ["exercises"] => parse::<wire::Exercises>(body)?
            .iter()
            .filter_map(mapper::exercise)
            .map(Into::into)
            .collect(),
        ["exercises", _] => mapper::exercise(&parse::<wire::Exercise>(body)?)
            .map(Into::into)
            .into_iter()
            .collect(),
        ["users", "sleep"] => parse::<wire::Nights>(body)?
            .nights
            .iter()
            .filter_map(|night| mapper::sleep(night, None))
            .map(Into::into)
            .collect(),
        ["users", "sleep", _] => one(mapper::sleep(&parse::<wire::SleepNight>(body)?, None)),
        ["users", "nightly-recharge"] => parse::<wire::Recharges>(body)?
            .recharges
            .iter()
            .filter_map(|recharge| mapper::body_day(None, Some(recharge)))
            .map(Into::into)
            .collect(),
        ["users", "nightly-recharge", _] => one(mapper::body_day(
            None,
            Some(&parse::<wire::NightlyRecharge>(body)?),
        )),
        ["users", "continuous-heart-rate"] => continuous_heart_rate(body)?
            .iter()
            .filter_map(|day| mapper::body_day(Some(day), None))
            .map(Into::into)
            .collect(),
        ["users", "continuous-heart-rate", _] => one(mapper::body_day(
            Some(&parse::<wire::ContinuousHeartRate>(body)?),
            None,
        )),
        ["users", "activities"] => parse::<Vec<wire::DailyActivity>>(body)?
            .iter()
            .filter_map(mapper::daily)
            .map(Into::into)
            .collect(),
        ["users", "activities", _] => one(mapper::daily(&parse::<wire::DailyActivity>(body)?)),
        ["users", id] if id.bytes().all(|b| b.is_ascii_digit()) => {
            vec![mapper::athlete(&parse::<wire::User>(body)?).into()]
        }
        _ => return Err(unknown(path)),
    };
    Ok(records)
}

fn unknown(path: &str) -> MapSourceError {
    MapSourceError::UnknownPath(format!(
        "{path:?} is not a Polar AccessLink data path (mapped: {MAPPED_PATHS})"
    ))
}

fn one<T: Into<TerraRecordData>>(record: Option<T>) -> Vec<TerraRecordData> {
    record.map(Into::into).into_iter().collect()
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, MapSourceError> {
    serde_json::from_str(body).map_err(|error| MapSourceError::Body(error.to_string()))
}

/// The range answer `{heart_rates: [...]}`; a single day object is accepted too, since
/// Polar's spec names the single-day schema for the range path as well.
pub fn continuous_heart_rate(body: &str) -> Result<Vec<wire::ContinuousHeartRate>, MapSourceError> {
    let value: serde_json::Value = parse(body)?;
    if value.get("heart_rates").is_some() {
        Ok(serde_json::from_value::<wire::ContinuousHeartRates>(value)
            .map_err(|error| MapSourceError::Body(error.to_string()))?
            .heart_rates)
    } else {
        Ok(vec![
            serde_json::from_value::<wire::ContinuousHeartRate>(value)
                .map_err(|error| MapSourceError::Body(error.to_string()))?,
        ])
    }
}
