//! Dexcom: continuous glucose monitors (G6, G7, Dexcom ONE, Stelo), the Dexcom API v3
//! (`https://api.dexcom.com/v3/users/self/...`; sandbox, EU and Japan hosts alike).
//!
//! Pull only: Dexcom pushes nothing, so connections are polled
//! ([`adapter::POLL_INTERVAL`]). Facts from Dexcom's developer reference and providers.md
//! §9: the wire format ([`wire`]), the pure mappers into Terra ([`mapper`]: glucose into
//! `body.glucose_data`, insulin into Body measurements, carbohydrates into Nutrition,
//! exercise into Activity), the HTTP adapter ([`adapter`]), and [`map_source`], which
//! picks the mapper for a response by its API path (`wearbridge providers map`).
//!
//! Collections and where they go: `egvs` → Body glucose; `events` → Body insulin,
//! Nutrition, Activity; `dataRange` → the bounds of every backfill and poll (not data).
//! Not mapped: `calibrations` (meter readings, which Terra's glucose samples cannot tell
//! apart from CGM estimates), `alerts` (no Terra place), `devices` (Terra's `device_data`
//! is filled from each EGV's transmitter instead; the alert settings there have no place).

pub mod adapter;
pub mod mapper;
pub mod wire;

pub use adapter::{DEXCOM, DexcomProvider};

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::TerraRecordData;
use crate::limits::{ProviderBudget, Rate};
use crate::module::{MapSourceError, ProviderModule};

/// Terra's provider id.
pub const PROVIDER_ID: &str = "DEXCOM";

/// Dexcom in the registry.
pub static MODULE: ProviderModule = ProviderModule {
    info: DEXCOM,
    api_base: Some(adapter::API_BASE),
    build: adapter::build,
    map_source,
    // Dexcom's Endpoint Overview ("Request Rate Limits"): 60,000 calls per app per hour.
    limits: ProviderBudget {
        app: Some(Rate::per(
            adapter::REQUESTS_PER_HOUR,
            Duration::from_secs(3_600),
        )),
        user: None,
    },
    // Dexcom documents no oldest date; `/dataRange` says where each account's data starts,
    // and every fetch is clipped to it (adapter::fetch).
    history_days: None,
};

/// The paths [`map_source`] understands, for error messages.
pub const MAPPED_PATHS: [&str; 2] = ["/v3/users/self/egvs", "/v3/users/self/events"];

/// Maps one raw Dexcom v3 response `body` fetched from API `path` (query ignored, a full
/// URL works too): `egvs` to Body records (one per local day), `events` to Body (insulin),
/// Nutrition (carbohydrates) and Activity (exercise) records.
pub fn map_source(path: &str, body: &str) -> Result<Vec<TerraRecordData>, MapSourceError> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let resource = path
        .split_once("/v3/users/self/")
        .map(|(_, rest)| rest.trim_matches('/'));
    let records = match resource {
        Some("egvs") => {
            let egvs: Vec<wire::Egv> = parse::<wire::Page>(body)?.records();
            mapper::body_days(&egvs, &[])
                .into_iter()
                .map(Into::into)
                .collect()
        }
        Some("events") => {
            let events: Vec<wire::Event> = parse::<wire::Page>(body)?.records();
            let bodies = mapper::body_days(&[], &events).into_iter().map(Into::into);
            let meals = mapper::nutrition_days(&events).into_iter().map(Into::into);
            let workouts = mapper::activities(&events).into_iter().map(Into::into);
            bodies.chain(meals).chain(workouts).collect()
        }
        Some(other @ ("calibrations" | "alerts" | "devices" | "dataRange")) => {
            return Err(MapSourceError::UnknownPath(format!(
                "Dexcom /{other} has no Terra mapping (mapped: {})",
                MAPPED_PATHS.join(", ")
            )));
        }
        _ => {
            return Err(MapSourceError::UnknownPath(format!(
                "{path:?} is not a mapped Dexcom v3 path (mapped: {})",
                MAPPED_PATHS.join(", ")
            )));
        }
    };
    Ok(records)
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, MapSourceError> {
    serde_json::from_str(body).map_err(|error| MapSourceError::Body(error.to_string()))
}
