//! Golden mappings: real Oura responses (`tests/fixtures/oura/*.input.json`, see the README
//! there for their source) mapped through [`map_source`] and compared with the committed
//! Terra JSON (`*.terra.json`), validated against Terra's schemas, and checked field by
//! field for units and meanings.

use crate::golden_support::{as_cli_json, at, record_data};
use serde_json::{Value, json};
use wearbridge_model::testing::validate;
use wearbridge_providers::{TerraRecordData, map_source};

/// (fixture name = Oura collection, Terra schema of every record it maps to).
const FIXTURES: [(&str, &str); 8] = [
    ("sleep", "core/Sleep"),
    ("daily_activity", "core/Daily"),
    ("daily_readiness", "core/Daily"),
    ("daily_spo2", "core/Body"),
    ("heartrate", "core/Body"),
    ("workout", "core/Activity"),
    ("session", "core/Activity"),
    ("personal_info", "core/Athlete"),
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
fn every_fixture_maps_to_its_committed_terra_json() {
    for (name, _) in FIXTURES {
        let expected: Value = match serde_json::from_str(&read(&format!("{name}.terra.json"))) {
            Ok(value) => value,
            Err(error) => panic!("{name}.terra.json: {error}"),
        };
        let actual = as_cli_json(&mapped(name));
        assert!(
            actual == expected,
            "{name}: mapping differs from {name}.terra.json"
        );
    }
}

#[test]
fn every_mapped_record_is_schema_valid() {
    for (name, schema) in FIXTURES {
        let records = data(name);
        assert!(!records.is_empty(), "{name} maps to at least one record");
        for record in records {
            if let Err(errors) = validate(schema, &record) {
                panic!("{name} against {schema}: {errors:#?}");
            }
        }
    }
}

#[test]
fn sleep_keeps_seconds_rmssd_and_the_local_offset() {
    let nights = data("sleep");
    let Some(night) = nights.first() else {
        panic!("two sleep periods");
    };
    // bedtime_start "2024-10-10T01:01:59+02:00": offset kept, not converted to UTC.
    assert_eq!(
        at(night, "/metadata/start_time"),
        "2024-10-10T01:01:59.000000+02:00"
    );
    assert_eq!(
        at(night, "/metadata/end_time"),
        "2024-10-10T09:04:12.000000+02:00"
    );
    assert_eq!(at(night, "/metadata/is_nap"), false);
    // Stage durations stay seconds (deep 3060 s = 51 min, not 3060 minutes).
    let asleep = at(night, "/sleep_durations_data/asleep");
    assert_eq!(at(asleep, "/duration_deep_sleep_state_seconds"), 3060.0);
    assert_eq!(at(asleep, "/duration_light_sleep_state_seconds"), 17160.0);
    assert_eq!(at(asleep, "/duration_REM_sleep_state_seconds"), 3000.0);
    assert_eq!(at(asleep, "/duration_asleep_state_seconds"), 23220.0);
    assert_eq!(
        at(night, "/sleep_durations_data/other/duration_in_bed_seconds"),
        28933.0
    );
    assert_eq!(
        at(night, "/sleep_durations_data/awake/sleep_latency_seconds"),
        930.0
    );
    // average_hrv is RMSSD; nothing may land in the SDNN fields.
    let heart = at(night, "/heart_rate_data");
    assert_eq!(at(heart, "/summary/avg_hrv_rmssd"), 38.0);
    assert!(at(heart, "/summary/avg_hrv_sdnn").is_null());
    assert!(at(heart, "/detailed/hrv_samples_sdnn").is_null());
    assert_eq!(at(heart, "/summary/resting_hr_bpm"), 60.0);
    assert_eq!(at(heart, "/summary/avg_hr_bpm"), 71.25);
    assert_eq!(
        at(night, "/respiration_data/breaths_data/avg_breaths_per_min"),
        14.5
    );
}

#[test]
fn sleep_series_are_five_minutes_apart_and_skip_gaps() {
    let nights = data("sleep");
    let Some(night) = nights.first() else {
        panic!("two sleep periods");
    };
    let hypnogram = at(night, "/sleep_durations_data/hypnogram_samples");
    // "4244211121..." → awake, light, awake, awake, light, light, deep, ...
    assert_eq!(at(hypnogram, "/0/level"), 1, "4 is awake (Terra 1)");
    assert_eq!(at(hypnogram, "/1/level"), 4, "2 is light (Terra 4)");
    assert_eq!(at(hypnogram, "/6/level"), 5, "1 is deep (Terra 5)");
    assert_eq!(
        at(hypnogram, "/0/timestamp"),
        "2024-10-10T01:01:59.000000+02:00"
    );
    assert_eq!(
        at(hypnogram, "/1/timestamp"),
        "2024-10-10T01:06:59.000000+02:00"
    );
    let phases = 97; // length of the recorded sleep_phase_5_min
    assert_eq!(hypnogram.as_array().map(Vec::len), Some(phases));
    let samples = at(night, "/heart_rate_data/detailed/hr_samples");
    // 96 five-minute items, 3 of them null.
    assert_eq!(samples.as_array().map(Vec::len), Some(93));
    assert_eq!(
        at(samples, "/1/timestamp"),
        "2024-10-10T01:06:59.000000+02:00"
    );
    // Item 29 is null: sample 29 is item 30, 30 × 5 min after the start.
    assert_eq!(
        at(samples, "/29/timestamp"),
        "2024-10-10T03:31:59.000000+02:00"
    );
    // The nap (type "sleep") is a nap.
    assert_eq!(
        nights.get(1).map(|n| at(n, "/metadata/is_nap")),
        Some(&json!(true))
    );
}

#[test]
fn daily_activity_is_the_local_day_with_steps_kcal_and_five_minute_classes() {
    let days = data("daily_activity");
    let Some(day) = days.first() else {
        panic!("one day");
    };
    // Oura's day 2024-11-11 in +01:00 (its timestamp's offset), midnight to midnight.
    assert_eq!(
        at(day, "/metadata/start_time"),
        "2024-11-11T00:00:00.000000+01:00"
    );
    assert_eq!(
        at(day, "/metadata/end_time"),
        "2024-11-12T00:00:00.000000+01:00"
    );
    assert_eq!(at(day, "/distance_data/steps"), 15185);
    assert_eq!(at(day, "/calories_data/total_burned_calories"), 3502.0);
    assert_eq!(at(day, "/calories_data/net_activity_calories"), 1153.0);
    // Seconds stay seconds; MET minutes are derived from them (2460 s = 41 min).
    assert_eq!(
        at(day, "/active_durations_data/vigorous_intensity_seconds"),
        2460.0
    );
    assert_eq!(at(day, "/MET_data/num_high_intensity_minutes"), 41.0);
    let levels = at(day, "/active_durations_data/activity_levels_samples");
    assert_eq!(
        levels.as_array().map(Vec::len),
        Some(288),
        "24 h of 5-minute classes"
    );
    assert_eq!(
        at(levels, "/0/timestamp"),
        "2024-11-11T04:00:00.000000+01:00"
    );
    assert_eq!(
        at(levels, "/1/timestamp"),
        "2024-11-11T04:05:00.000000+01:00"
    );
    assert_eq!(at(levels, "/0/activity_level"), 1, "class 1 is rest");
    let met = at(day, "/MET_data/MET_samples");
    assert_eq!(
        met.as_array().map(Vec::len),
        Some(1440),
        "one MET level a minute"
    );
    assert_eq!(at(met, "/1/timestamp"), "2024-11-11T04:01:00.000000+01:00");
    assert_eq!(at(day, "/scores/activity"), 95.0);
}

#[test]
fn readiness_is_the_recovery_score_and_spo2_a_local_day_percentage() {
    let readiness = data("daily_readiness");
    assert_eq!(
        readiness.first().map(|d| at(d, "/scores/recovery").clone()),
        Some(json!(86.0))
    );
    let spo2 = data("daily_spo2");
    let Some(day) = spo2.first() else {
        panic!("two days");
    };
    assert_eq!(at(day, "/oxygen_data/avg_saturation_percentage"), 98.072);
    // Oura sends only the day: local midnight with no invented offset.
    assert_eq!(
        at(day, "/metadata/start_time"),
        "2024-11-11T00:00:00.000000"
    );
}

#[test]
fn workouts_map_activity_types_calories_and_metres() {
    let workouts = data("workout");
    let types: Vec<&Value> = workouts.iter().map(|w| at(w, "/metadata/type")).collect();
    assert_eq!(
        types,
        [&json!(7), &json!(7), &json!(8)],
        "walking 7, running 8"
    );
    let Some(first) = workouts.first() else {
        panic!("workouts");
    };
    assert_eq!(at(first, "/calories_data/total_burned_calories"), 21.967);
    assert_eq!(at(first, "/active_durations_data/activity_seconds"), 660.0);
    assert!(
        at(first, "/distance_data").is_null(),
        "null distance stays absent"
    );
    let with_distance = workouts
        .get(1)
        .map(|w| at(w, "/distance_data/summary/distance_meters"));
    assert_eq!(with_distance, Some(&json!(269.87872314453125)));
    assert_eq!(
        at(first, "/metadata/start_time"),
        "2024-10-09T09:07:00.000000+02:00"
    );
}

#[test]
fn heartrate_readings_are_kept_in_order_with_their_offset() {
    let days = data("heartrate");
    let Some(day) = days.first() else {
        panic!("one day of readings");
    };
    let samples = at(day, "/heart_data/heart_rate_data/detailed/hr_samples");
    assert_eq!(samples.as_array().map(Vec::len), Some(40));
    assert_eq!(at(samples, "/0/bpm"), 91.0);
    assert_eq!(
        at(samples, "/0/timestamp"),
        "2024-12-13T12:31:21.000000+00:00"
    );
}

#[test]
fn personal_info_is_the_athlete() {
    let athletes = data("personal_info");
    assert_eq!(
        athletes.first(),
        Some(&json!({
            "age": 42,
            "email": "foo@bar.ai",
            "provider_user_id": "8b97e1b67-144-5e9a8c067-e62331-968-b",
            "sex": "male"
        }))
    );
}

#[test]
fn unknown_paths_and_wrong_bodies_are_errors() {
    assert!(map_source("OURA", "/v2/usercollection/ring_battery_level", "{}").is_err());
    assert!(map_source("OURA", "/v1/sleep", "{}").is_err());
    assert!(map_source("OURA", "/v2/usercollection/sleep", "{\"detail\": \"x\"}").is_err());
    assert!(map_source("NOPE", "/v2/usercollection/sleep", "{}").is_err());
    // A single-document path takes the bare document.
    let single = read("personal_info.input.json");
    assert!(
        map_source(
            "oura",
            "https://api.ouraring.com/v2/usercollection/personal_info",
            &single
        )
        .is_ok()
    );
}
