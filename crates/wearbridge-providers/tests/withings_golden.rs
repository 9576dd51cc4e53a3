//! WITHINGS golden mappings: real Withings answers (`tests/fixtures/withings/*.input.json`,
//! sources in `SOURCES.md` there) mapped through `withings::map_source` and compared with
//! the committed Terra JSON (`*.terra.json`), validated against Terra's schemas, and
//! checked field by field for units, meanings and local offsets.

#[path = "support/golden.rs"]
mod golden_support;

use std::fs;
use std::path::PathBuf;

use crate::golden_support::{as_cli_json, at, record_data};
use serde_json::{Value, json};
use wearbridge_model::testing::validate;
use wearbridge_providers::TerraRecordData;
use wearbridge_providers::withings::map_source;

/// (fixture name, API path + action it was fetched from, Terra schema of its records).
const FIXTURES: [(&str, &str, &str); 10] = [
    ("getmeas", "/measure?action=getmeas", "core/Body"),
    ("getmeas_list", "/measure?action=getmeas", "core/Body"),
    ("getmeas_bp", "/measure?action=getmeas", "core/Body"),
    (
        "getactivity",
        "/v2/measure?action=getactivity",
        "core/Daily",
    ),
    (
        "getintradayactivity",
        "/v2/measure?action=getintradayactivity",
        "core/Daily",
    ),
    (
        "getworkouts",
        "/v2/measure?action=getworkouts",
        "core/Activity",
    ),
    (
        "sleep_getsummary",
        "/v2/sleep?action=getsummary",
        "core/Sleep",
    ),
    (
        "sleep_getsummary_shimmer",
        "/v2/sleep?action=getsummary",
        "core/Sleep",
    ),
    ("sleep_get", "/v2/sleep?action=get", "core/Sleep"),
    ("sleep_get_hrv", "/v2/sleep?action=get", "core/Sleep"),
];

fn fixtures_dir() -> PathBuf {
    crate::golden_support::fixtures_dir("withings")
}

fn read(file: &str) -> String {
    crate::golden_support::read_fixture("withings", file)
}

fn path_of(name: &str) -> &'static str {
    match FIXTURES.iter().find(|(fixture, _, _)| *fixture == name) {
        Some((_, path, _)) => path,
        None => panic!("no fixture {name}"),
    }
}

fn mapped(name: &str) -> Vec<TerraRecordData> {
    match map_source(path_of(name), &read(&format!("{name}.input.json"))) {
        Ok(records) => records,
        Err(error) => panic!("{name}: {error}"),
    }
}

fn data(name: &str) -> Vec<Value> {
    record_data(&mapped(name))
}

fn first(name: &str) -> Value {
    data(name).into_iter().next().unwrap_or(Value::Null)
}

#[test]
fn every_fixture_maps_to_its_committed_terra_json() {
    for (name, _, _) in FIXTURES {
        let expected: Value = match serde_json::from_str(&read(&format!("{name}.terra.json"))) {
            Ok(value) => value,
            Err(error) => panic!("{name}.terra.json: {error}"),
        };
        let actual = as_cli_json(&mapped(name));
        assert!(
            actual == expected,
            "{name}: mapping changed; actual:\n{}",
            serde_json::to_string_pretty(&actual).unwrap_or_default()
        );
    }
}

/// Writes the `*.terra.json` files from the current mappers (run with `--ignored` after a
/// deliberate mapper change, then review the diff).
#[test]
#[ignore = "regenerates the golden files"]
fn regenerate_golden_files() {
    for (name, _, _) in FIXTURES {
        let text = serde_json::to_string_pretty(&as_cli_json(&mapped(name))).unwrap_or_default();
        let path = fixtures_dir().join(format!("{name}.terra.json"));
        if let Err(error) = fs::write(&path, text + "\n") {
            panic!("{}: {error}", path.display());
        }
    }
}

#[test]
fn every_record_is_schema_valid_and_of_the_expected_type() {
    for (name, _, schema) in FIXTURES {
        let records = data(name);
        assert!(!records.is_empty(), "{name} maps to no records");
        for record in &records {
            if let Err(errors) = validate(schema, record) {
                panic!("{name} does not validate against {schema}: {errors:?}");
            }
        }
    }
}

#[test]
fn weights_are_scaled_by_their_unit_and_keep_the_zone_offset() {
    let body = first("getmeas");
    // value 118003, unit -3: 118.003 kg.
    assert_eq!(
        at(&body, "/measurements_data/measurements/0/weight_kg"),
        &json!(118.003)
    );
    // 1693651151 = 2023-09-02T10:39:11Z; Europe/Amsterdam is at +02:00 in September.
    assert_eq!(
        at(&body, "/measurements_data/measurements/0/measurement_time"),
        &json!("2023-09-02T12:39:11.000000+02:00")
    );
    assert_eq!(
        at(&body, "/metadata/start_time"),
        &json!("2023-09-02T00:00:00.000000+02:00")
    );
    assert_eq!(
        at(&body, "/metadata/end_time"),
        &json!("2023-09-03T00:00:00.000000+02:00")
    );
}

#[test]
fn body_masses_become_grams_and_height_centimetres() {
    let records = data("getmeas_list");
    let samples: Vec<&Value> = records
        .iter()
        .flat_map(|body| {
            at(body, "/measurements_data/measurements")
                .as_array()
                .map(|list| list.iter().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect();
    let find = |key: &str| {
        samples
            .iter()
            .find_map(|sample| sample.get(key).and_then(Value::as_f64))
    };
    // First height group: value 1600, unit -3 → 1.6 m → 160 cm.
    assert_eq!(find("height_cm"), Some(160.0));
    // Masses arrive in kg (e.g. 54.1) and Terra wants grams: never below 1000 for an adult.
    for key in ["lean_mass_g", "muscle_mass_g", "bone_mass_g"] {
        let grams = find(key);
        assert!(grams.is_some_and(|g| g >= 1_000.0), "{key} = {grams:?}");
    }
    let water = find("water_percentage");
    assert!(
        water.is_some_and(|p| (30.0..=80.0).contains(&p)),
        "{water:?}"
    );
}

#[test]
fn blood_pressure_and_pulse_keep_their_meaning() {
    let records = data("getmeas_bp");
    let day = records
        .iter()
        .find(|body| !at(body, "/blood_pressure_data").is_null())
        .cloned()
        .unwrap_or(Value::Null);
    let sample = at(&day, "/blood_pressure_data/blood_pressure_samples/0");
    assert_eq!(at(sample, "/systolic_bp"), &json!(104.0));
    assert_eq!(at(sample, "/diastolic_bp"), &json!(68.0));
    assert_eq!(
        at(
            &day,
            "/heart_data/heart_rate_data/detailed/hr_samples/0/bpm"
        ),
        &json!(41.0)
    );
    // 1433052383 = 2015-05-31T06:06:23Z; America/Los_Angeles is at -07:00 in May, so the
    // reading belongs to the local day 30 May.
    assert_eq!(
        at(sample, "/timestamp"),
        &json!("2015-05-30T23:06:23.000000-07:00")
    );
}

#[test]
fn activity_days_keep_energy_meanings_and_local_midnights() {
    let day = first("getactivity");
    assert_eq!(at(&day, "/distance_data/steps"), &json!(1209));
    assert_eq!(at(&day, "/distance_data/distance_meters"), &json!(1028.559));
    // `totalcalories` includes basal energy; `calories` is active energy only.
    assert_eq!(
        at(&day, "/calories_data/total_burned_calories"),
        &json!(2303.788)
    );
    assert_eq!(
        at(&day, "/calories_data/net_activity_calories"),
        &json!(85.497)
    );
    // Seconds of light / moderate / intense activity.
    assert_eq!(
        at(&day, "/active_durations_data/low_intensity_seconds"),
        &json!(1864.0)
    );
    assert_eq!(
        at(&day, "/active_durations_data/moderate_intensity_seconds"),
        &json!(292.0)
    );
    assert_eq!(
        at(&day, "/metadata/start_time"),
        &json!("2023-10-20T00:00:00.000000+02:00")
    );
    assert_eq!(
        at(
            &day,
            "/heart_rate_data/summary/hr_zone_data/3/duration_seconds"
        ),
        &json!(400.0)
    );
}

#[test]
fn workouts_keep_withings_ids_and_drop_zero_heart_rates() {
    let workouts = data("getworkouts");
    let walk = workouts.first().cloned().unwrap_or(Value::Null);
    assert_eq!(at(&walk, "/metadata/summary_id"), &json!("3661300277"));
    // Category 1 (walk) is Terra's Walking (7).
    assert_eq!(at(&walk, "/metadata/type"), &json!(7));
    assert_eq!(
        at(&walk, "/heart_rate_data/summary/avg_hr_bpm"),
        &json!(80.0)
    );
    assert_eq!(
        at(&walk, "/calories_data/net_activity_calories"),
        &json!(47.0)
    );
    assert_eq!(
        at(&walk, "/distance_data/summary/distance_meters"),
        &json!(680.0)
    );
    // 2023-08-29, Europe/Amsterdam: +02:00.
    assert_eq!(
        at(&walk, "/metadata/start_time"),
        &json!("2023-08-29T21:06:51.000000+02:00")
    );
    let zero_hr = workouts
        .iter()
        .find(|w| at(w, "/metadata/summary_id") == &json!("3661300269"))
        .cloned()
        .unwrap_or(Value::Null);
    assert!(at(&zero_hr, "/heart_rate_data").is_null(), "{zero_hr}");
}

#[test]
fn sleep_summaries_turn_the_efficiency_ratio_into_a_percentage() {
    let night = first("sleep_getsummary");
    assert_eq!(at(&night, "/metadata/summary_id"), &json!("2081804182"));
    assert_eq!(
        at(&night, "/sleep_durations_data/sleep_efficiency"),
        &json!(86.0)
    );
    // Durations are seconds on both sides.
    assert_eq!(
        at(
            &night,
            "/sleep_durations_data/asleep/duration_REM_sleep_state_seconds"
        ),
        &json!(2400.0)
    );
    assert_eq!(
        at(
            &night,
            "/sleep_durations_data/asleep/duration_asleep_state_seconds"
        ),
        &json!(18660.0)
    );
    assert_eq!(
        at(&night, "/sleep_durations_data/awake/sleep_latency_seconds"),
        &json!(540.0)
    );
    // 1618691453 = 2021-04-17T20:30:53Z; Europe/Paris is at +02:00 in April.
    assert_eq!(
        at(&night, "/metadata/start_time"),
        &json!("2021-04-17T22:30:53.000000+02:00")
    );
    assert_eq!(at(&night, "/scores/sleep"), &json!(37.0));
    assert_eq!(
        at(
            &night,
            "/respiration_data/snoring_data/total_snoring_duration_seconds"
        ),
        &json!(1080.0)
    );
}

#[test]
fn a_missing_total_is_not_invented_from_partial_stages() {
    let night = first("sleep_getsummary_shimmer");
    // 3360 s light + 7800 s deep (no REM field, no total): the asleep total is not invented.
    assert!(
        at(
            &night,
            "/sleep_durations_data/asleep/duration_asleep_state_seconds"
        )
        .is_null(),
        "{night}"
    );
    assert_eq!(
        at(
            &night,
            "/sleep_durations_data/asleep/duration_deep_sleep_state_seconds"
        ),
        &json!(7800.0)
    );
    // Europe/London in September: +01:00.
    assert_eq!(
        at(&night, "/metadata/start_time"),
        &json!("2017-09-02T00:15:00.000000+01:00")
    );
}

#[test]
fn hrv_series_keep_rmssd_and_sdnn_apart() {
    let night = first("sleep_get_hrv");
    let detailed = at(&night, "/heart_rate_data/detailed");
    assert_eq!(at(detailed, "/hrv_samples_rmssd/0/hrv_rmssd"), &json!(36.2));
    assert_eq!(at(detailed, "/hrv_samples_sdnn/0/hrv_sdnn"), &json!(48.5));
    assert_eq!(
        at(detailed, "/hrv_samples_rmssd").as_array().map(Vec::len),
        Some(6)
    );
    let summary = at(&night, "/heart_rate_data/summary");
    let rmssd = at(summary, "/avg_hrv_rmssd").as_f64().unwrap_or_default();
    let sdnn = at(summary, "/avg_hrv_sdnn").as_f64().unwrap_or_default();
    assert!((rmssd - 42.0).abs() < 1e-9, "{rmssd}");
    assert!((sdnn - 53.0).abs() < 1e-9, "{sdnn}");
    let levels: Vec<&Value> = at(&night, "/sleep_durations_data/hypnogram_samples")
        .as_array()
        .map(|samples| samples.iter().map(|s| at(s, "/level")).collect())
        .unwrap_or_default();
    // States 0 awake, 1 light, 2 deep, 3 REM → Terra 1, 4, 5, 6.
    assert_eq!(levels, [&json!(1), &json!(4), &json!(5), &json!(6)]);
    assert_eq!(
        at(
            &night,
            "/respiration_data/breaths_data/samples/0/breaths_per_min"
        ),
        &json!(15.0)
    );
}

#[test]
fn intraday_points_become_per_interval_samples() {
    let day = first("getintradayactivity");
    let steps = at(&day, "/distance_data/detailed/step_samples");
    assert_eq!(at(steps, "/0/steps"), &json!(21.0));
    // 1434758640 = 2015-06-20T00:04:00Z.
    assert_eq!(
        at(steps, "/0/timestamp"),
        &json!("2015-06-20T00:04:00.000000+00:00")
    );
    assert_eq!(steps.as_array().map(Vec::len), Some(4));
    assert_eq!(
        at(
            &day,
            "/distance_data/detailed/distance_samples/0/distance_meters"
        ),
        &json!(15.0)
    );
}
