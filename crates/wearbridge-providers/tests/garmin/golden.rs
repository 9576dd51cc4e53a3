//! Golden mappings: Garmin payloads (`tests/fixtures/garmin/*.input.json`, see the
//! README there) mapped through `garmin::map_source` and compared with the committed
//! Terra JSON (`*.terra.json`), validated against Terra's schemas, and checked field by
//! field for units and meanings.

use std::path::PathBuf;

use super::golden_support::{as_cli_json, at, record_data};
use serde_json::{Value, json};
use wearbridge_model::testing::validate;
use wearbridge_providers::TerraRecordData;
use wearbridge_providers::garmin::map_source;

/// (fixture name, API path it came from, Terra schema of every record it maps to).
pub const FIXTURES: [(&str, &str, &str); 14] = [
    ("dailies", "/wellness-api/rest/dailies", "core/Daily"),
    ("epochs", "/wellness-api/rest/epochs", "core/Daily"),
    (
        "stressDetails",
        "/wellness-api/rest/stressDetails",
        "core/Daily",
    ),
    ("sleeps", "/wellness-api/rest/sleeps", "core/Sleep"),
    ("bodyComps", "/wellness-api/rest/bodyComps", "core/Body"),
    (
        "bloodPressures",
        "/wellness-api/rest/bloodPressures",
        "core/Body",
    ),
    ("pulseOx", "/wellness-api/rest/pulseOx", "core/Body"),
    ("hrv", "/wellness-api/rest/hrv", "core/Body"),
    ("userMetrics", "/wellness-api/rest/userMetrics", "core/Body"),
    ("mct", "/wellness-api/rest/mct", "core/Menstruation"),
    (
        "activities",
        "/wellness-api/rest/activities",
        "core/Activity",
    ),
    (
        "activityDetails",
        "/wellness-api/rest/activityDetails",
        "core/Activity",
    ),
    ("user_id", "/wellness-api/rest/user/id", "core/Athlete"),
    (
        "push_dailies",
        "https://apis.garmin.com/wellness-api/rest/dailies",
        "core/Daily",
    ),
];

pub fn fixtures_dir() -> PathBuf {
    super::golden_support::fixtures_dir("garmin")
}

pub fn read(file: &str) -> String {
    super::golden_support::read_fixture("garmin", file)
}

fn path_of(name: &str) -> &'static str {
    FIXTURES
        .iter()
        .find(|(fixture, _, _)| *fixture == name)
        .map_or("", |(_, path, _)| path)
}

fn mapped(name: &str) -> Vec<TerraRecordData> {
    let path = format!(
        "{}?uploadStartTimeInSeconds=1772406000&uploadEndTimeInSeconds=1772492400",
        path_of(name)
    );
    match map_source(&path, &read(&format!("{name}.input.json"))) {
        Ok(records) => records,
        Err(error) => panic!("{name}: {error}"),
    }
}

fn data(name: &str) -> Vec<Value> {
    record_data(&mapped(name))
}

#[test]
fn every_fixture_maps_to_its_committed_terra_json() {
    for (name, _, _) in FIXTURES {
        let actual = as_cli_json(&mapped(name));
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
fn every_mapped_record_is_schema_valid() {
    for (name, _, schema) in FIXTURES {
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
fn dailies_keep_the_local_day_kcal_split_and_day_heart_rate() {
    let days = data("dailies");
    let Some(day) = days.first() else {
        panic!("two days");
    };
    // Local midnight to midnight in the device offset (+01:00), not UTC.
    assert_eq!(
        at(day, "/metadata/start_time"),
        "2026-03-02T00:00:00.000000+01:00"
    );
    assert_eq!(
        at(day, "/metadata/end_time"),
        "2026-03-03T00:00:00.000000+01:00"
    );
    assert_eq!(at(day, "/distance_data/steps"), 11248);
    assert_eq!(at(day, "/distance_data/floors_climbed"), 9);
    // Active (512) + BMR (1688) burned; consumed calories are intake.
    assert_eq!(at(day, "/calories_data/total_burned_calories"), 2200.0);
    assert_eq!(at(day, "/calories_data/net_activity_calories"), 512.0);
    assert_eq!(at(day, "/calories_data/BMR_calories"), 1688.0);
    assert_eq!(at(day, "/calories_data/net_intake_calories"), 2140.0);
    // Seconds stay seconds; MET minutes are derived (1500 s = 25 min).
    assert_eq!(
        at(day, "/active_durations_data/vigorous_intensity_seconds"),
        1500.0
    );
    assert_eq!(at(day, "/MET_data/num_high_intensity_minutes"), 25.0);
    // The 7-day average (71) is not the day's average: that comes from the samples.
    let heart = at(day, "/heart_rate_data");
    assert_eq!(at(heart, "/summary/avg_hr_bpm"), 86.5);
    assert_eq!(at(heart, "/summary/resting_hr_bpm"), 54.0);
    // Offsets sort numerically ("3180" after "30"), 15 s after local midnight first.
    assert_eq!(
        at(heart, "/detailed/hr_samples/0/timestamp"),
        "2026-03-02T00:00:15.000000+01:00"
    );
    assert_eq!(
        at(heart, "/detailed/hr_samples/2/timestamp"),
        "2026-03-02T00:53:00.000000+01:00"
    );
    assert_eq!(at(day, "/stress_data/avg_stress_level"), 31.0);
    assert_eq!(
        at(day, "/stress_data/stress_rating"),
        2,
        "31 is Garmin's low band"
    );
    // The second day spells averageStresslevel and reports -1 (not enough data).
    let second = days.get(1).cloned().unwrap_or_default();
    assert!(at(&second, "/stress_data/avg_stress_level").is_null());
}

#[test]
fn epochs_and_stress_details_become_day_samples() {
    let days = data("epochs");
    let Some(day) = days.first() else {
        panic!("one day");
    };
    assert_eq!(at(day, "/distance_data/steps"), 1592, "0 + 612 + 980 steps");
    let levels = at(day, "/active_durations_data/activity_levels_samples");
    assert_eq!(at(levels, "/0/activity_level"), 2, "SEDENTARY is inactive");
    assert_eq!(
        at(levels, "/2/activity_level"),
        5,
        "HIGHLY_ACTIVE is high intensity"
    );
    assert_eq!(at(day, "/MET_data/MET_samples/2/level"), 9.8);
    let stress = data("stressDetails");
    let samples = stress
        .first()
        .map(|d| at(d, "/stress_data/samples").clone());
    // -1 (off wrist) and -2 (large motion) are codes, not stress levels.
    assert_eq!(
        samples.as_ref().and_then(Value::as_array).map(Vec::len),
        Some(3)
    );
    let battery = stress
        .first()
        .map(|d| at(d, "/stress_data/body_battery_samples/2/level").clone());
    assert_eq!(battery, Some(json!(42.0)));
}

#[test]
fn sleep_keeps_seconds_levels_and_the_local_offset() {
    let nights = data("sleeps");
    let Some(night) = nights.first() else {
        panic!("two sleeps");
    };
    assert_eq!(at(night, "/metadata/summary_id"), "x3a1f9c2-69a4b8b0-6f90");
    assert_eq!(
        at(night, "/metadata/start_time"),
        "2026-03-01T23:12:00.000000+01:00"
    );
    // start + durationInSeconds (28 380 s = 7 h 53 min).
    assert_eq!(
        at(night, "/metadata/end_time"),
        "2026-03-02T07:05:00.000000+01:00"
    );
    let asleep = at(night, "/sleep_durations_data/asleep");
    // remSleepInSeconds (no "Duration") is read; asleep = deep + light + REM.
    assert_eq!(at(asleep, "/duration_REM_sleep_state_seconds"), 6060.0);
    assert_eq!(at(asleep, "/duration_asleep_state_seconds"), 26640.0);
    assert_eq!(
        at(
            night,
            "/sleep_durations_data/awake/duration_awake_state_seconds"
        ),
        1740.0
    );
    let hypnogram = at(night, "/sleep_durations_data/hypnogram_samples");
    assert_eq!(at(hypnogram, "/0/level"), 1, "awake first");
    assert_eq!(at(hypnogram, "/2/level"), 5, "then deep");
    assert_eq!(at(hypnogram, "/4/level"), 6, "REM");
    assert_eq!(at(night, "/scores/sleep"), 84.0);
    assert_eq!(
        at(night, "/metadata/upload_type"),
        2,
        "ENHANCED_FINAL is automatic"
    );
    let off_wrist = nights.get(1).cloned().unwrap_or_default();
    assert_eq!(
        at(&off_wrist, "/metadata/upload_type"),
        4,
        "OFF_WRIST is indeterminate"
    );
}

#[test]
fn body_comps_weigh_in_grams_become_kilograms_but_masses_stay_grams() {
    let days = data("bodyComps");
    assert_eq!(
        days.len(),
        1,
        "two weigh-ins of one local day make one Body"
    );
    let Some(day) = days.first() else {
        panic!("one day");
    };
    let first = at(day, "/measurements_data/measurements/0");
    assert_eq!(at(first, "/weight_kg"), 75.45, "75 450 g");
    assert_eq!(
        at(first, "/muscle_mass_g"),
        31250.0,
        "Terra counts muscle in grams"
    );
    assert_eq!(at(first, "/bone_mass_g"), 3120.0);
    assert_eq!(
        at(first, "/measurement_time"),
        "2026-03-02T07:20:00.000000+01:00"
    );
    assert_eq!(at(day, "/measurements_data/day_avg_weight_kg"), 75.775);
}

#[test]
fn hrv_is_rmssd_and_pulse_ox_and_metrics_land_in_body() {
    let hrv = data("hrv");
    let heart = hrv
        .first()
        .map(|d| at(d, "/heart_data/heart_rate_data").clone())
        .unwrap_or_default();
    assert_eq!(at(&heart, "/summary/avg_hrv_rmssd"), 44.0);
    assert!(at(&heart, "/summary/avg_hrv_sdnn").is_null());
    assert!(at(&heart, "/detailed/hrv_samples_sdnn").is_null());
    assert_eq!(
        at(&heart, "/detailed/hrv_samples_rmssd/0/timestamp"),
        "2026-03-01T23:17:00.000000+01:00"
    );
    let pulse = data("pulseOx");
    let oxygen = pulse
        .first()
        .map(|d| at(d, "/oxygen_data").clone())
        .unwrap_or_default();
    assert_eq!(
        at(&oxygen, "/saturation_samples").as_array().map(Vec::len),
        Some(4)
    );
    assert_eq!(at(&oxygen, "/avg_saturation_percentage"), 95.5);
    let metrics = data("userMetrics");
    let day = metrics.first().cloned().unwrap_or_default();
    assert_eq!(at(&day, "/oxygen_data/vo2max_ml_per_min_per_kg"), 48.0);
    assert_eq!(
        at(
            &day,
            "/measurements_data/measurements/0/estimated_fitness_age"
        ),
        32
    );
    // Date-only: local midnight, no invented offset.
    assert_eq!(
        at(&day, "/metadata/start_time"),
        "2026-03-02T00:00:00.000000"
    );
    let pressure = data("bloodPressures");
    let sample = pressure
        .first()
        .map(|d| at(d, "/blood_pressure_data/blood_pressure_samples/0").clone());
    assert_eq!(
        sample.as_ref().map(|s| at(s, "/systolic_bp").clone()),
        Some(json!(121.0))
    );
}

#[test]
fn activities_and_details_share_the_activity_id() {
    let summaries = data("activities");
    let details = data("activityDetails");
    let (Some(run), Some(detail)) = (summaries.first(), details.first()) else {
        panic!("activities");
    };
    assert_eq!(at(run, "/metadata/summary_id"), "21836411075");
    assert_eq!(
        at(detail, "/metadata/summary_id"),
        "21836411075",
        "not the -detail id"
    );
    assert_eq!(at(run, "/metadata/type"), 8, "RUNNING");
    assert_eq!(
        at(run, "/metadata/end_time"),
        "2026-03-02T18:30:03.000000+01:00"
    );
    assert_eq!(at(run, "/distance_data/summary/distance_meters"), 5283.6);
    assert_eq!(at(run, "/calories_data/net_activity_calories"), 402.0);
    let strength = summaries.get(1).cloned().unwrap_or_default();
    assert_eq!(at(&strength, "/metadata/type"), 80);
    assert_eq!(at(&strength, "/metadata/upload_type"), 2, "manual");
    assert_eq!(
        at(&strength, "/metadata/start_time"),
        "2026-03-02T17:45:00.000000-05:00"
    );
    let samples = at(detail, "/heart_rate_data/detailed/hr_samples");
    assert_eq!(samples.as_array().map(Vec::len), Some(3));
    assert_eq!(
        at(
            detail,
            "/position_data/position_samples/1/coords_lat_lng_deg/0"
        ),
        52.52002
    );
    assert_eq!(at(detail, "/power_data/max_watts"), 251.0);
    assert_eq!(
        at(detail, "/lap_data/laps/0/end_time"),
        "2026-03-02T18:16:40.000000+01:00"
    );
}

#[test]
fn cycle_snapshot_is_its_day_with_fertile_window_dates() {
    let days = data("mct");
    let Some(day) = days.first() else {
        panic!("one day");
    };
    // Period started 2026-02-20; day 11 of the cycle is 2026-03-02.
    assert_eq!(
        at(day, "/metadata/start_time"),
        "2026-03-02T00:00:00.000000"
    );
    assert_eq!(at(day, "/menstruation_data/current_phase"), 2, "follicular");
    assert_eq!(
        at(day, "/menstruation_data/fertility_window_start"),
        "2026-03-03"
    );
    assert_eq!(
        at(day, "/menstruation_data/fertility_window_end"),
        "2026-03-08"
    );
}

#[test]
fn unknown_paths_and_wrong_bodies_are_errors() {
    assert!(map_source("/wellness-api/rest/moveiq", "[]").is_err());
    assert!(map_source("/v2/usercollection/sleep", "[]").is_err());
    assert!(map_source("/wellness-api/rest/dailies", "{\"errorMessage\": \"x\"}").is_err());
    assert!(map_source("/wellness-api/rest/dailies", "[{\"steps\": \"many\"}]").is_err());
    assert!(map_source("/wellness-api/rest/dailies", "[]").is_ok_and(|r| r.is_empty()));
    let push = read("push_dailies.input.json");
    assert!(map_source("/wellness-api/rest/dailies", &push).is_ok_and(|r| r.len() == 1));
}

#[test]
fn permission_changes_carry_the_full_new_grant_oldest_first() {
    use wearbridge_providers::PushItem;
    use wearbridge_providers::garmin::push::parse;

    let body = read("push_userPermissionsChange.input.json");
    let changed = |user: &str, scopes: &[&str]| PushItem::PermissionsChanged {
        provider_user_id: user.to_owned(),
        scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
    };
    let user = "4aacafe82427c251df9c9592d0c06768";
    assert_eq!(
        parse(body.as_bytes()),
        Ok(vec![
            // The older change first, its repeated HEALTH_EXPORT once.
            changed(
                user,
                &[
                    "ACTIVITY_EXPORT",
                    "HEALTH_EXPORT",
                    "WORKOUT_IMPORT",
                    "COURSE_IMPORT",
                    "MCT_EXPORT"
                ]
            ),
            changed(
                user,
                &[
                    "ACTIVITY_EXPORT",
                    "WORKOUT_IMPORT",
                    "COURSE_IMPORT",
                    "MCT_EXPORT"
                ]
            ),
            // Everything withdrawn is a change too; the element without a user is not.
            changed("b3f1d7f0c2e94a5e8a6d1c0b9e8f7a6d", &[]),
        ])
    );
    let no_list = r#"{"userPermissionsChange": [{"userId": "u1", "permissions": "ALL"}]}"#;
    assert_eq!(parse(no_list.as_bytes()), Ok(Vec::new()));
    let not_a_list = r#"{"userPermissionsChange": {"userId": "u1"}}"#;
    assert!(parse(not_a_list.as_bytes()).is_err());
}
