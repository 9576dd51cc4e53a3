//! Golden mappings: Wahoo payloads (`tests/fixtures/wahoo/*.input.json`, sources in the
//! README there) mapped through `map_source` and compared with the committed Terra JSON
//! (`*.terra.json`), validated against Terra's schemas, and checked field by field for
//! units, offsets and meanings.

use serde_json::Value;
use wearbridge_model::testing::validate;
use wearbridge_providers::{MapSourceError, TerraRecordData, map_source};

use super::golden_support::{assert_matches_golden, at, read_fixture, record_data};

/// (golden name = input fixture, API path, Terra schema of every record it maps to).
const FIXTURES: [(&str, &str, &str); 5] = [
    ("workouts_documented", "/v1/workouts", "core/Activity"),
    (
        "workout_documented",
        "https://api.wahooligan.com/v1/workouts/56519",
        "core/Activity",
    ),
    ("webhook_documented", "/webhook", "core/Activity"),
    (
        "workouts_with_summaries",
        "/v1/workouts?page=1&per_page=50",
        "core/Activity",
    ),
    ("user", "/v1/user", "core/Athlete"),
];

fn read(file: &str) -> String {
    read_fixture("wahoo", file)
}

fn mapped(input: &str, path: &str) -> Vec<TerraRecordData> {
    match map_source("WAHOO", path, &read(&format!("{input}.input.json"))) {
        Ok(records) => records,
        Err(error) => panic!("{input}: {error}"),
    }
}

fn goldens() -> Vec<(&'static str, Vec<TerraRecordData>, &'static str)> {
    FIXTURES
        .iter()
        .map(|(name, path, schema)| (*name, mapped(name, path), *schema))
        .collect()
}

fn data(name: &str) -> Vec<Value> {
    goldens()
        .into_iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, records, _)| record_data(&records))
        .unwrap_or_else(|| panic!("no golden {name}"))
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[test]
fn every_fixture_maps_to_its_committed_terra_json() {
    for (name, records, _) in goldens() {
        assert_matches_golden("wahoo", name, &records);
    }
}

#[test]
fn every_mapped_record_is_schema_valid() {
    for (name, records, schema) in goldens() {
        let records = record_data(&records);
        assert!(!records.is_empty(), "{name} maps to at least one record");
        for record in records {
            if let Err(errors) = validate(schema, &record) {
                panic!("{name} violates {schema}: {errors:#?}");
            }
        }
    }
}

#[test]
fn the_documented_webhook_keeps_wahoos_units_and_meanings() {
    let ride = &data("webhook_documented")[0];
    assert_eq!(at(ride, "/metadata/summary_id"), "56519", "the workout id");
    assert_eq!(
        at(ride, "/metadata/start_time"),
        "2015-08-12T09:00:00.000000+00:00"
    );
    // duration_total_accum 275 s (not the workout's 12 minutes).
    assert_eq!(
        at(ride, "/metadata/end_time"),
        "2015-08-12T09:04:35.000000+00:00"
    );
    assert_eq!(at(ride, "/metadata/name"), "Friday Fun");
    assert_eq!(
        at(ride, "/metadata/type"),
        43,
        "type 40 KITEBOARDING → Kitesurfing"
    );
    assert!(close(
        at(ride, "/active_durations_data/activity_seconds"),
        179.0
    ));
    assert!(close(at(ride, "/active_durations_data/rest_seconds"), 95.0));
    assert!(close(
        at(ride, "/calories_data/total_burned_calories"),
        1500.0
    ));
    assert!(close(
        at(ride, "/distance_data/summary/distance_meters"),
        24909.71
    ));
    assert!(close(
        at(ride, "/distance_data/summary/elevation/gain_actual_meters"),
        450.0
    ));
    assert!(close(
        at(ride, "/heart_rate_data/summary/avg_hr_bpm"),
        124.0
    ));
    assert!(close(at(ride, "/power_data/avg_watts"), 94.59));
    assert!(close(
        at(ride, "/movement_data/avg_speed_meters_per_second"),
        10.75
    ));
    assert!(close(at(ride, "/movement_data/avg_cadence_rpm"), 50.0));
    // work_accum is joules: 104 148 000 J = 104 148 kJ.
    assert!(close(at(ride, "/work_data/work_kilojoules"), 104_148.0));
    assert!(close(at(ride, "/TSS_data/TSS_samples/0/actual"), 304.9));
    assert!(close(
        at(ride, "/TSS_data/TSS_samples/0/normalized_power_watts"),
        150.0
    ));
    assert_eq!(at(ride, "/energy_data"), &Value::Null, "work is not energy");
}

#[test]
fn a_workout_without_a_summary_is_its_start_minutes_type_and_name() {
    let workout = &data("workout_documented")[0];
    assert_eq!(
        at(workout, "/metadata/end_time"),
        "2015-08-12T09:12:00.000000+00:00",
        "12 minutes"
    );
    assert_eq!(
        at(workout, "/metadata/upload_type"),
        0,
        "unknown without a summary"
    );
    assert_eq!(at(workout, "/calories_data"), &Value::Null);
    let listed = data("workouts_documented");
    assert_eq!(listed.len(), 1);
    assert_eq!(at(&listed[0], "/metadata/name"), "Friday afternoon");
}

#[test]
fn string_decimals_time_zones_and_manual_entries_are_read() {
    let page = data("workouts_with_summaries");
    assert_eq!(page.len(), 3, "the planned workout too (its minutes)");
    let ride = &page[0];
    // 16:02:11Z in Europe/Berlin (CEST, +02:00); 4258 s total.
    assert_eq!(
        at(ride, "/metadata/start_time"),
        "2026-05-09T18:02:11.000000+02:00"
    );
    assert_eq!(
        at(ride, "/metadata/end_time"),
        "2026-05-09T19:13:09.000000+02:00"
    );
    assert_eq!(
        at(ride, "/metadata/type"),
        16,
        "15 BIKING_ROAD → RoadBiking"
    );
    assert_eq!(at(ride, "/metadata/upload_type"), 1, "recorded");
    assert!(close(at(ride, "/work_data/work_kilojoules"), 818.448));
    assert!(close(
        at(ride, "/calories_data/total_burned_calories"),
        1184.0
    ));
    let treadmill = &page[1];
    assert_eq!(at(treadmill, "/metadata/upload_type"), 2, "manual");
    assert_eq!(at(treadmill, "/metadata/type"), 58, "5 → TreadmillRunning");
    assert_eq!(at(treadmill, "/power_data"), &Value::Null, "null power");
    assert_eq!(at(treadmill, "/TSS_data"), &Value::Null);
    assert!(close(
        at(
            treadmill,
            "/distance_data/summary/elevation/gain_actual_meters"
        ),
        0.0
    ));
    let planned = &page[2];
    assert_eq!(at(planned, "/metadata/type"), 18, "61 → StationaryBiking");
    assert_eq!(
        at(planned, "/metadata/end_time"),
        "2026-05-10T08:00:00.000000+00:00"
    );
}

#[test]
fn the_user_is_the_athlete() {
    let athlete = &data("user")[0];
    assert_eq!(at(athlete, "/first_name"), "Tomas");
    assert_eq!(at(athlete, "/last_name"), "Ekdahl");
    assert_eq!(at(athlete, "/email"), "tomas@example.com");
    assert_eq!(at(athlete, "/date_of_birth"), "1986-02-17");
    assert_eq!(at(athlete, "/sex"), "male");
    assert_eq!(at(athlete, "/account_creation_date"), "2019-03-02");
    assert_eq!(at(athlete, "/provider_user_id"), "60462");
}

#[test]
fn unmapped_paths_and_bodies_are_clear_errors() {
    assert!(matches!(
        map_source("WAHOO", "/v1/workouts/1/workout_summary", "{}"),
        Err(MapSourceError::UnknownPath(_))
    ));
    assert!(matches!(
        map_source("WAHOO", "/v1/plans", "{}"),
        Err(MapSourceError::UnknownPath(_))
    ));
    assert!(matches!(
        map_source("WAHOO", "/v1/workouts", "[]"),
        Err(MapSourceError::Body(_))
    ));
    assert!(matches!(
        map_source("WAHOO", "/webhook", r#"{"event_type":"workout_summary"}"#),
        Err(MapSourceError::Body(_))
    ));
}
