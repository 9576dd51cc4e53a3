//! Golden mappings: Google Health v4 list answers (`tests/fixtures/google_health/
//! *.input.json`, sources in the README there) mapped through `map_source` and compared
//! with the committed Terra JSON (`*.terra.json`), validated against Terra's schemas, and
//! checked field by field for units, offsets and meanings.

use serde_json::Value;
use wearbridge_model::testing::validate;
use wearbridge_providers::{MapSourceError, TerraRecordData, map_source};

use super::golden_support::{assert_matches_golden, at, read_fixture, record_data};

const BASE: &str = "/v4/users/me/dataTypes";

/// (fixture name, data type in the path, Terra schema of every record it maps to).
const FIXTURES: [(&str, &str, &str); 10] = [
    ("exercise_fitbit", "exercise", "core/Activity"),
    ("sleep_fitbit", "sleep", "core/Sleep"),
    ("weight_fitbit", "weight", "core/Body"),
    ("heart_rate_fitbit", "heart-rate", "core/Daily"),
    ("steps_fitbit", "steps", "core/Daily"),
    ("steps_documented", "steps", "core/Daily"),
    ("body_documented", "weight", "core/Body"),
    ("nutrition_documented", "nutrition-log", "core/Nutrition"),
    ("sleep_respiration_documented", "sleep", "core/Sleep"),
    ("vo2_max_documented", "daily-vo2-max", "core/Daily"),
];

fn mapped(name: &str, data_type: &str) -> Vec<TerraRecordData> {
    let body = read_fixture("google_health", &format!("{name}.input.json"));
    let path = format!("{BASE}/{data_type}/dataPoints?pageSize=25");
    match map_source("GOOGLE_HEALTH", &path, &body) {
        Ok(records) => records,
        Err(error) => panic!("{name}: {error}"),
    }
}

fn data(name: &str) -> Vec<Value> {
    let (_, data_type, _) = FIXTURES
        .iter()
        .find(|(n, _, _)| *n == name)
        .unwrap_or_else(|| panic!("no fixture {name}"));
    record_data(&mapped(name, data_type))
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[test]
fn every_fixture_maps_to_its_committed_terra_json() {
    for (name, data_type, _) in FIXTURES {
        assert_matches_golden("google_health", name, &mapped(name, data_type));
    }
}

#[test]
fn every_mapped_record_is_schema_valid() {
    for (name, data_type, schema) in FIXTURES {
        let records = record_data(&mapped(name, data_type));
        assert!(!records.is_empty(), "{name} maps to at least one record");
        for record in records {
            if let Err(errors) = validate(schema, &record) {
                panic!("{name} violates {schema}: {errors:#?}");
            }
        }
    }
}

#[test]
fn the_walk_keeps_millimetres_as_metres_and_its_log_id() {
    let walk = &data("exercise_fitbit")[0];
    assert_eq!(at(walk, "/metadata/summary_id"), "79441095");
    assert_eq!(at(walk, "/metadata/type"), 7, "WALKING is Terra's Walking");
    assert_eq!(at(walk, "/metadata/upload_type"), 2, "a manual log");
    // Fitbit's 3.36 km, sent as 3,360,000 mm.
    assert!(close(
        at(walk, "/distance_data/summary/distance_meters"),
        3360.0
    ));
    assert_eq!(at(walk, "/distance_data/summary/steps"), 5000);
    assert!(close(
        at(walk, "/calories_data/total_burned_calories"),
        128.0
    ));
    assert!(close(
        at(walk, "/active_durations_data/activity_seconds"),
        3600.0
    ));
}

#[test]
fn classic_sleep_counts_restless_as_awake_and_keeps_the_nap_flag() {
    let sleeps = data("sleep_fitbit");
    assert_eq!(sleeps.len(), 2);
    let main = sleeps
        .iter()
        .find(|sleep| at(sleep, "/metadata/is_nap") == false)
        .unwrap_or_else(|| panic!("the main sleep"));
    assert_eq!(at(main, "/metadata/summary_id"), "13211507000");
    assert_eq!(
        at(main, "/metadata/start_time"),
        "2016-12-13T01:16:00.000000+00:00"
    );
    // 112 minutes asleep, 6 restless (awake), 118 in bed: Fitbit's own summary.
    let durations = at(main, "/sleep_durations_data");
    assert!(close(
        at(durations, "/asleep/duration_asleep_state_seconds"),
        6720.0
    ));
    assert!(close(
        at(durations, "/awake/duration_awake_state_seconds"),
        360.0
    ));
    assert!(close(
        at(durations, "/other/duration_in_bed_seconds"),
        7080.0
    ));
    let hypnogram = at(durations, "/hypnogram_samples");
    assert_eq!(at(hypnogram, "/0/level"), 2, "ASLEEP is Terra's sleeping");
    assert_eq!(at(hypnogram, "/1/level"), 1, "RESTLESS is awake");
}

#[test]
fn the_nightly_breathing_rate_joins_the_main_sleep_not_the_nap() {
    let sleeps = data("sleep_respiration_documented");
    assert_eq!(sleeps.len(), 2);
    for sleep in &sleeps {
        let rate = sleep.pointer("/respiration_data/breaths_data/avg_breaths_per_min");
        if at(sleep, "/metadata/is_nap") == true {
            assert_eq!(rate, None, "the nap has no nightly rate");
        } else {
            assert!(close(rate.expect("main sleep rate"), 14.6));
        }
    }
}

#[test]
fn vo2_max_is_the_days_ml_per_kg_per_min() {
    let days = data("vo2_max_documented");
    assert_eq!(days.len(), 2);
    assert!(close(
        at(&days[0], "/oxygen_data/vo2max_ml_per_min_per_kg"),
        44.3
    ));
    assert!(close(
        at(&days[1], "/oxygen_data/vo2max_ml_per_min_per_kg"),
        44.6
    ));
    assert_eq!(
        at(&days[0], "/metadata/start_time"),
        "2024-08-14T00:00:00.000000",
        "a date-only type keeps a local day with no invented offset"
    );
}

#[test]
fn weights_are_kilograms_on_their_own_days() {
    let bodies = data("weight_fitbit");
    assert_eq!(bodies.len(), 4, "four logs on four days");
    let first = &bodies[0];
    assert_eq!(
        at(first, "/metadata/start_time"),
        "2015-05-13T00:00:00.000000+00:00"
    );
    assert!(close(
        at(first, "/measurements_data/measurements/0/weight_kg"),
        56.7
    ));
}

#[test]
fn steps_fall_on_the_local_day_of_their_offset() {
    // 06:58Z and 07:10Z on 25 Nov at −07:00 are 23:58 on the 24th and 00:10 on the 25th.
    let days = data("steps_documented");
    assert_eq!(days.len(), 2);
    assert_eq!(
        at(&days[0], "/metadata/start_time"),
        "2023-11-24T00:00:00.000000-07:00"
    );
    assert_eq!(at(&days[0], "/distance_data/steps"), 5318);
    assert_eq!(at(&days[1], "/distance_data/steps"), 112);
    let fitbit = data("steps_fitbit");
    assert_eq!(at(&fitbit[0], "/distance_data/steps"), 59);
    let heart = data("heart_rate_fitbit");
    let samples = at(&heart[0], "/heart_rate_data/detailed/hr_samples");
    assert_eq!(
        samples.as_array().map(Vec::len),
        Some(5),
        "every minute reading"
    );
    assert!(close(
        at(&heart[0], "/heart_rate_data/summary/max_hr_bpm"),
        65.0
    ));
    assert!(close(
        at(&heart[0], "/heart_rate_data/summary/min_hr_bpm"),
        63.0
    ));
}

#[test]
fn body_keeps_rmssd_sdnn_spo2_and_temperature_apart() {
    let bodies = data("body_documented");
    assert_eq!(bodies.len(), 1);
    let body = &bodies[0];
    assert_eq!(
        at(body, "/metadata/start_time"),
        "2024-08-14T00:00:00.000000+01:00"
    );
    let sample = at(body, "/measurements_data/measurements/0");
    assert!(close(at(sample, "/weight_kg"), 72.45), "grams to kg");
    assert!(
        close(at(sample, "/bodyfat_percentage"), 18.4),
        "same instant, one sample"
    );
    let summary = at(body, "/heart_data/heart_rate_data/summary");
    assert!(close(at(summary, "/resting_hr_bpm"), 54.0));
    assert!(
        close(at(summary, "/avg_hrv_rmssd"), 43.1),
        "Google's daily RMSSD"
    );
    assert!(
        close(at(summary, "/avg_hrv_sdnn"), 58.9),
        "SDNN only from its own field"
    );
    let detailed = at(body, "/heart_data/heart_rate_data/detailed");
    assert_eq!(
        at(detailed, "/hrv_samples_rmssd").as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        at(detailed, "/hrv_samples_sdnn").as_array().map(Vec::len),
        Some(1)
    );
    assert!(close(
        at(body, "/oxygen_data/avg_saturation_percentage"),
        95.8
    ));
    assert!(close(
        at(
            body,
            "/temperature_data/body_temperature_samples/0/temperature_celsius"
        ),
        36.7
    ));
}

#[test]
fn nutrition_sums_macros_and_drinks() {
    let days = data("nutrition_documented");
    assert_eq!(days.len(), 1);
    let day = &days[0];
    let macros = at(day, "/summary/macros");
    assert!(close(at(macros, "/calories"), 310.0));
    assert!(close(at(macros, "/protein_g"), 10.2));
    assert!(close(at(macros, "/sodium_mg"), 120.0), "grams to mg");
    assert!(close(at(day, "/summary/water_ml"), 473.18));
    assert_eq!(
        at(day, "/metadata/start_time"),
        "2024-08-14T00:00:00.000000-07:00"
    );
}

#[test]
fn unknown_paths_and_bodies_are_clear_errors() {
    let ecg = map_source(
        "GOOGLE_HEALTH",
        &format!("{BASE}/electrocardiogram/dataPoints"),
        "{}",
    );
    assert!(matches!(ecg, Err(MapSourceError::UnknownPath(_))));
    let bad = map_source("GOOGLE_HEALTH", &format!("{BASE}/steps/dataPoints"), "[1]");
    assert!(matches!(bad, Err(MapSourceError::Body(_))));
    let int64 = map_source(
        "GOOGLE_HEALTH",
        &format!("{BASE}/steps/dataPoints"),
        r#"{"dataPoints": [{"steps": {"interval": {"startTime": "2026-01-01T00:00:00Z",
            "endTime": "2026-01-01T00:01:00Z"}, "count": "lots"}}]}"#,
    );
    assert!(matches!(int64, Err(MapSourceError::Body(_))));
}
