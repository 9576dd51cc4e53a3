//! Golden mappings: WHOOP payloads in the documented shapes (`tests/fixtures/whoop/*.input.json`,
//! see the README there) mapped through `map_source` and compared with the committed Terra
//! JSON (`*.terra.json`), validated against Terra's schemas, and checked field by field for
//! units and meanings.

use super::golden_support::{assert_matches_golden, assert_schema_valid, at, record_data};
use serde_json::Value;
use wearbridge_providers::{MapSourceError, TerraRecordData, map_source};

/// (fixture, API path, Terra schema of every record it maps to).
pub const FIXTURES: [(&str, &str, &str); 5] = [
    ("cycle", "/developer/v2/cycle?limit=25", "core/Daily"),
    ("recovery", "/developer/v2/recovery", "core/Body"),
    ("sleep", "/developer/v2/activity/sleep", "core/Sleep"),
    ("workout", "/developer/v2/activity/workout", "core/Activity"),
    (
        "profile",
        "/developer/v2/user/profile/basic",
        "core/Athlete",
    ),
];

pub fn read(file: &str) -> String {
    super::golden_support::read_fixture("whoop", file)
}

fn mapped(name: &str, path: &str) -> Vec<TerraRecordData> {
    match map_source("WHOOP", path, &read(&format!("{name}.input.json"))) {
        Ok(records) => records,
        Err(error) => panic!("{name}: {error}"),
    }
}

fn data(name: &str) -> Vec<Value> {
    let Some((_, path, _)) = FIXTURES.iter().find(|(n, _, _)| *n == name) else {
        panic!("no fixture {name}");
    };
    record_data(&mapped(name, path))
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[test]
fn every_fixture_maps_to_its_committed_terra_json() {
    for (name, path, _) in FIXTURES {
        assert_matches_golden("whoop", name, &mapped(name, path));
    }
}

#[test]
fn every_mapped_record_is_schema_valid() {
    for (name, path, schema) in FIXTURES {
        assert_schema_valid(name, schema, &mapped(name, path));
    }
}

#[test]
fn sleep_is_local_in_seconds_with_slow_wave_as_deep() {
    let sleeps = data("sleep");
    assert_eq!(sleeps.len(), 2, "the unscored nap maps too");
    let Some(night) = sleeps.first() else {
        panic!("a night");
    };
    // 02:25:44.774Z with timezone_offset -05:00: the evening before, locally.
    assert_eq!(
        at(night, "/metadata/start_time"),
        "2022-04-23T21:25:44.774000-05:00"
    );
    assert_eq!(
        at(night, "/metadata/end_time"),
        "2022-04-24T05:25:44.774000-05:00"
    );
    assert_eq!(
        at(night, "/metadata/summary_id"),
        "ecfc6a15-4661-442f-a9a4-f160dd7afae8"
    );
    assert_eq!(at(night, "/metadata/is_nap"), false);
    let durations = at(night, "/sleep_durations_data");
    // Milliseconds to seconds: 6 630 370 ms of slow wave sleep = 6 630.37 s of deep sleep.
    assert!(close(
        at(durations, "/asleep/duration_deep_sleep_state_seconds"),
        6630.37
    ));
    assert!(close(
        at(durations, "/asleep/duration_light_sleep_state_seconds"),
        14905.851
    ));
    assert!(close(
        at(durations, "/asleep/duration_REM_sleep_state_seconds"),
        5879.573
    ));
    assert!(close(
        at(durations, "/asleep/duration_asleep_state_seconds"),
        14905.851 + 6630.37 + 5879.573
    ));
    assert!(close(
        at(durations, "/awake/duration_awake_state_seconds"),
        1403.507
    ));
    assert!(close(
        at(durations, "/other/duration_in_bed_seconds"),
        30272.735
    ));
    assert_eq!(at(durations, "/awake/num_wakeup_events"), 12);
    assert!(close(at(durations, "/sleep_efficiency"), 91.69533848));
    assert!(close(
        at(night, "/respiration_data/breaths_data/avg_breaths_per_min"),
        16.11328125
    ));
    assert!(close(at(night, "/scores/sleep"), 98.0));
    let Some(nap) = sleeps.get(1) else {
        panic!("a nap");
    };
    assert_eq!(at(nap, "/metadata/is_nap"), true);
    assert_eq!(
        at(nap, "/metadata/start_time"),
        "2022-04-24T14:00:00.000000+05:30"
    );
    assert_eq!(at(nap, "/sleep_durations_data"), &Value::Null, "unscored");
}

#[test]
fn recovery_keeps_rmssd_and_absolute_skin_temperature() {
    let bodies = data("recovery");
    assert_eq!(bodies.len(), 1, "the UNSCORABLE recovery maps to nothing");
    let Some(body) = bodies.first() else {
        panic!("a body");
    };
    let summary = at(body, "/heart_data/heart_rate_data/summary");
    assert!(close(at(summary, "/avg_hrv_rmssd"), 31.813562));
    assert_eq!(
        at(summary, "/avg_hrv_sdnn"),
        &Value::Null,
        "RMSSD is not SDNN"
    );
    assert!(close(at(summary, "/resting_hr_bpm"), 64.0));
    assert!(close(
        at(
            body,
            "/heart_data/heart_rate_data/detailed/hrv_samples_rmssd/0/hrv_rmssd"
        ),
        31.813562
    ));
    assert!(close(
        at(body, "/oxygen_data/avg_saturation_percentage"),
        95.6875
    ));
    assert!(close(
        at(
            body,
            "/temperature_data/skin_temperature_samples/0/temperature_celsius"
        ),
        33.7
    ));
    // Alone, a recovery has only created_at, in UTC: placed there, offset +00:00.
    assert_eq!(
        at(body, "/metadata/start_time"),
        "2022-04-24T00:00:00.000000+00:00"
    );
}

#[test]
fn cycle_is_the_daily_of_the_day_it_wakes_in_with_kilocalories() {
    let days = data("cycle");
    assert_eq!(
        days.len(),
        1,
        "the open PENDING_SCORE cycle maps to nothing"
    );
    let Some(day) = days.first() else {
        panic!("a day");
    };
    // Starts 21:25 local on the 23rd; belongs to the 24th, local midnight to midnight.
    assert_eq!(
        at(day, "/metadata/start_time"),
        "2022-04-24T00:00:00.000000-05:00"
    );
    assert_eq!(
        at(day, "/metadata/end_time"),
        "2022-04-25T00:00:00.000000-05:00"
    );
    assert!(close(
        at(day, "/calories_data/total_burned_calories"),
        8288.297 / 4.184
    ));
    assert!(close(at(day, "/strain_data/strain_level"), 5.2951527));
    assert!(close(at(day, "/heart_rate_data/summary/avg_hr_bpm"), 68.0));
    assert!(close(at(day, "/heart_rate_data/summary/max_hr_bpm"), 141.0));
}

#[test]
fn workout_converts_energy_and_zone_times() {
    let activities = data("workout");
    let Some(run) = activities.first() else {
        panic!("a run");
    };
    assert_eq!(
        at(run, "/metadata/summary_id"),
        "ecfc6a15-4661-442f-a9a4-f160dd7afae8"
    );
    assert_eq!(at(run, "/metadata/type"), 8, "running");
    assert!(close(
        at(run, "/calories_data/total_burned_calories"),
        1569.34033203125 / 4.184
    ));
    assert!(close(
        at(run, "/energy_data/energy_kilojoules"),
        1569.34033203125
    ));
    let zones = at(run, "/heart_rate_data/summary/hr_zone_data");
    assert_eq!(at(zones, "/0/zone"), 0);
    assert!(close(at(zones, "/2/duration_seconds"), 900.0));
    assert!(close(at(zones, "/5/duration_seconds"), 300.0));
    assert!(close(
        at(run, "/distance_data/summary/distance_meters"),
        1772.77035916
    ));
    assert!(close(
        at(run, "/distance_data/summary/elevation/gain_actual_meters"),
        46.64384460449
    ));
    assert!(close(
        at(run, "/active_durations_data/activity_seconds"),
        8.0 * 3600.0
    ));
    let Some(lift) = activities.get(1) else {
        panic!("a lift");
    };
    assert_eq!(
        at(lift, "/metadata/start_time"),
        "2022-04-25T17:00:00.000000+00:00",
        "offset Z"
    );
    assert_eq!(at(lift, "/distance_data"), &Value::Null);
}

#[test]
fn profile_is_the_athlete_with_whoops_user_id() {
    let athletes = data("profile");
    let Some(athlete) = athletes.first() else {
        panic!("an athlete");
    };
    assert_eq!(at(athlete, "/provider_user_id"), "10129");
    assert_eq!(at(athlete, "/first_name"), "John");
    assert_eq!(at(athlete, "/email"), "jsmith123@whoop.com");
}

#[test]
fn single_record_paths_and_errors() {
    let sleep_page: Value = serde_json::from_str(&read("sleep.input.json")).unwrap_or_default();
    let one = sleep_page
        .pointer("/records/0")
        .cloned()
        .unwrap_or_default();
    for path in [
        "/developer/v2/activity/sleep/ecfc6a15-4661-442f-a9a4-f160dd7afae8",
        "https://api.prod.whoop.com/developer/v2/cycle/93845/sleep",
    ] {
        let records = map_source("WHOOP", path, &one.to_string());
        assert_eq!(records.map(|r| r.len()).ok(), Some(1), "{path}");
    }
    assert!(matches!(
        map_source("whoop", "/developer/v2/user/measurement/body", "{}"),
        Err(MapSourceError::UnknownPath(_))
    ));
    assert!(matches!(
        map_source("WHOOP", "/developer/v1/cycle", "{}"),
        Err(MapSourceError::UnknownPath(_))
    ));
    assert!(matches!(
        map_source("WHOOP", "/developer/v2/cycle", "{\"records\": 5}"),
        Err(MapSourceError::Body(_))
    ));
    assert!(matches!(
        map_source("WHOOP", "/developer/v2/activity/workout", "not json"),
        Err(MapSourceError::Body(_))
    ));
}
