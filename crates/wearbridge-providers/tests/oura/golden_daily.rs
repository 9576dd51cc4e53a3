//! Golden mappings of the collections that add to a Terra Daily (daily_sleep,
//! daily_stress, vO2_max, ring_configuration, enhanced_tag, rest_mode_period): real
//! recorded responses (`tests/fixtures/oura/`, sources in its README) through
//! [`map_source`], compared with the committed Terra JSON (`WEARBRIDGE_BLESS=1` rewrites
//! it after a deliberate change; review the diff), schema-validated, and checked for
//! values, units and meanings.

use std::fs;

use crate::golden_support::{as_cli_json, at, fixtures_dir, record_data};
use serde_json::{Value, json};
use wearbridge_model::testing::validate;
use wearbridge_providers::{TerraRecordData, map_source};

/// Fixture names, which are also the collection path segments; each maps to Dailies.
const FIXTURES: [&str; 6] = [
    "daily_sleep",
    "daily_stress",
    "vO2_max",
    "ring_configuration",
    "enhanced_tag",
    "rest_mode_period",
];

fn read(file: &str) -> String {
    crate::golden_support::read_fixture("oura", file)
}

fn mapped(name: &str) -> Vec<TerraRecordData> {
    let path = format!("/v2/usercollection/{name}?start_date=2024-10-09&next_token=");
    match map_source("OURA", &path, &read(&format!("{name}.input.json"))) {
        Ok(records) => records,
        Err(error) => panic!("{name}: {error}"),
    }
}

fn data(name: &str) -> Vec<Value> {
    record_data(&mapped(name))
}

#[test]
fn every_daily_fixture_maps_to_its_committed_terra_json() {
    for name in FIXTURES {
        let actual = as_cli_json(&mapped(name));
        let file = fixtures_dir("oura").join(format!("{name}.terra.json"));
        if std::env::var_os("WEARBRIDGE_BLESS").is_some() {
            let text = serde_json::to_string_pretty(&actual).unwrap_or_default();
            if let Err(error) = fs::write(&file, format!("{text}\n")) {
                panic!("{}: {error}", file.display());
            }
        }
        let expected: Value = match serde_json::from_str(&read(&format!("{name}.terra.json"))) {
            Ok(value) => value,
            Err(error) => panic!("{name}.terra.json: {error}"),
        };
        assert!(
            actual == expected,
            "{name}: mapping differs from {name}.terra.json"
        );
    }
}

#[test]
fn every_daily_record_is_schema_valid() {
    for name in FIXTURES {
        let records = data(name);
        assert!(!records.is_empty(), "{name} maps to at least one record");
        for record in records {
            if let Err(errors) = validate("core/Daily", &record) {
                panic!("{name} against core/Daily: {errors:#?}");
            }
        }
    }
}

#[test]
fn daily_sleep_is_the_sleep_score_of_its_day() {
    let days = data("daily_sleep");
    assert_eq!(days.len(), 2);
    let Some(first) = days.first() else {
        panic!("two days");
    };
    // timestamp "2024-11-11T00:00:00+00:00": the day in the offset Oura sent.
    assert_eq!(
        at(first, "/metadata/start_time"),
        "2024-11-11T00:00:00.000000+00:00"
    );
    assert_eq!(
        at(first, "/metadata/end_time"),
        "2024-11-12T00:00:00.000000+00:00"
    );
    // score 77 (0–100) is Terra's sleep score; contributors have no Terra place.
    assert_eq!(at(first, "/scores"), &json!({"sleep": 77.0}));
    assert_eq!(at(&days[1], "/scores/sleep"), 83.0);
}

#[test]
fn daily_stress_is_seconds_in_high_stress_and_high_recovery() {
    let days = data("daily_stress");
    let Some(first) = days.first() else {
        panic!("two days");
    };
    // No offset in the document: a local day without one.
    assert_eq!(
        at(first, "/metadata/start_time"),
        "2024-11-11T00:00:00.000000"
    );
    // stress_high 1800 s in the high-stress zone, recovery_high 7200 s in high recovery,
    // day_summary "normal" → medium (3).
    assert_eq!(
        at(first, "/stress_data"),
        &json!({
            "high_stress_duration_seconds": 1800.0,
            "rest_stress_duration_seconds": 7200.0,
            "stress_rating": 3
        })
    );
    // "restored" → low (2).
    assert_eq!(at(&days[1], "/stress_data/stress_rating"), 2);
    assert_eq!(
        at(&days[1], "/stress_data/rest_stress_duration_seconds"),
        9900.0
    );
}

#[test]
fn vo2_max_is_millilitres_per_minute_per_kilogram() {
    let days = data("vO2_max");
    let Some(day) = days.first() else {
        panic!("one estimate");
    };
    assert_eq!(
        at(day, "/metadata/start_time"),
        "2023-09-17T00:00:00.000000+00:00"
    );
    assert_eq!(at(day, "/oxygen_data/vo2max_ml_per_min_per_kg"), 62.0);
    assert_eq!(
        at(day, "/oxygen_data/vo2_samples/0/timestamp"),
        "2023-09-17T14:15:22.000000+00:00"
    );
    // The lowercase webhook name maps the same body.
    let body = read("vO2_max.input.json");
    let lower = map_source("OURA", "/v2/usercollection/vo2_max", &body).map(|r| r.len());
    assert!(matches!(lower, Ok(1)), "{lower:?}");
}

#[test]
fn a_ring_is_the_device_from_the_day_it_was_set_up() {
    let days = data("ring_configuration");
    // The ring with the 1970 placeholder set-up date has no day of its own.
    assert_eq!(days.len(), 1);
    let Some(day) = days.first() else {
        panic!("one ring with a set-up date");
    };
    assert_eq!(
        at(day, "/metadata/start_time"),
        "2024-03-09T00:00:00.000000+00:00"
    );
    assert_eq!(
        at(day, "/device_data"),
        &json!({
            "activation_timestamp": "2024-03-09T10:48:37.000000+00:00",
            "hardware_version": "gen3",
            "manufacturer": "Oura",
            "name": "Oura Ring",
            "software_version": "3.0.3"
        })
    );
}

#[test]
fn enhanced_tags_are_terra_tags_at_their_local_start() {
    let days = data("enhanced_tag");
    assert_eq!(days.len(), 2);
    let Some(first) = days.first() else {
        panic!("two tagged days");
    };
    assert_eq!(
        at(first, "/metadata/start_time"),
        "2024-08-05T00:00:00.000000+02:00"
    );
    assert_eq!(
        at(first, "/tag_data/tags"),
        &json!([{
            "timestamp": "2024-08-05T20:15:01.000000+02:00",
            "tag_name": "tag_generic_fasting",
            "notes": ""
        }])
    );
    assert_eq!(
        at(&days[1], "/tag_data/tags/0/tag_name"),
        "tag_generic_party"
    );
}

#[test]
fn rest_mode_is_tagged_at_its_start_end_and_episodes() {
    let days = data("rest_mode_period");
    let tags: Vec<Value> = days
        .iter()
        .flat_map(|day| {
            at(day, "/tag_data/tags")
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let names: Vec<&str> = tags
        .iter()
        .filter_map(|tag| tag["tag_name"].as_str())
        .collect();
    // Period 1 started and ended on 2024-03-17; period 2 (2020-12-25) has one episode with
    // two tags.
    assert_eq!(
        names,
        [
            "rest_mode_start",
            "rest_mode_end",
            "rest_mode_start",
            "rest_mode_end",
            "tag_sleep_alcohol",
            "tag_generic_cold"
        ]
    );
    assert_eq!(days.len(), 2, "one Daily per day");
    assert_eq!(
        at(&tags[0], "/timestamp"),
        "2024-03-17T11:45:56.000000+01:00"
    );
    assert_eq!(at(&tags[4], "/notes"), "rest mode");
}

#[test]
fn bad_daily_bodies_are_errors() {
    for name in FIXTURES {
        let path = format!("/v2/usercollection/{name}");
        assert!(
            map_source("OURA", &path, r#"{"data":[{"id":1}]}"#).is_err(),
            "{name}"
        );
        assert!(map_source("OURA", &path, "not json").is_err(), "{name}");
    }
}
