//! Golden mappings: committed SANDBOX responses (`tests/fixtures/sandbox/*.input.json`)
//! mapped and compared with the committed Terra JSON next to them (`*.terra.json`), then
//! checked field by field for units and meanings, and validated against Terra's schemas.
//!
//! The inputs were produced by the simulator once (`regenerate_fixtures`, ignored by
//! default) for account [`ACCOUNT`] on [`FIXTURE_DATE`]; workout sample arrays are cut to
//! their first [`KEPT_WORKOUT_SAMPLES`] seconds to keep the files small.

use std::fs;

use serde_json::Value;
use wearbridge_model::testing::validate;
use wearbridge_providers::TerraRecordData;
use wearbridge_providers::sandbox::{mapper, wire};

use crate::common::{ACCOUNT, FIXTURE_DATE, connect, fixtures_dir, harness};

/// Seconds of 1 Hz workout samples kept in the committed workout fixture.
const KEPT_WORKOUT_SAMPLES: usize = 120;

/// (fixture name, SANDBOX path, Terra schema).
const FIXTURES: [(&str, &str, &str); 7] = [
    ("athlete", "profile", "core/Athlete"),
    ("daily", "daily", "core/Daily"),
    ("sleep", "sleep", "core/Sleep"),
    ("activity", "workouts", "core/Activity"),
    ("body", "body", "core/Body"),
    ("menstruation", "menstruation", "core/Menstruation"),
    ("nutrition", "nutrition", "core/Nutrition"),
];

fn read_json(file: &str) -> Value {
    let path = fixtures_dir().join(file);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => panic!("{}: {error}", path.display()),
    };
    match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(error) => panic!("{}: {error}", path.display()),
    }
}

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(parsed) => parsed,
        Err(error) => panic!("fixture parses as SANDBOX wire JSON: {error}"),
    }
}

fn profile() -> wire::Profile {
    parse(read_json("athlete.input.json"))
}

fn home_offset() -> chrono::FixedOffset {
    match mapper::parse_offset(&profile().utc_offset) {
        Some(offset) => offset,
        None => panic!("profile offset parses"),
    }
}

/// Maps one fixture input with the SANDBOX mappers.
fn map_fixture(name: &str, input: Value) -> Vec<TerraRecordData> {
    let offset = home_offset();
    match name {
        "athlete" => vec![mapper::athlete(&parse(input)).into()],
        "daily" => page::<wire::Daily>(input)
            .iter()
            .map(|d| mapper::daily(d).into())
            .collect(),
        "sleep" => page::<wire::Sleep>(input)
            .iter()
            .map(|s| mapper::sleep(s).into())
            .collect(),
        "activity" => page::<wire::Workout>(input)
            .iter()
            .map(|w| mapper::activity(w).into())
            .collect(),
        "body" => page::<wire::Body>(input)
            .iter()
            .filter_map(mapper::body)
            .map(Into::into)
            .collect(),
        "menstruation" => page::<wire::Menstruation>(input)
            .iter()
            .filter_map(|m| mapper::menstruation(m, offset))
            .map(Into::into)
            .collect(),
        "nutrition" => page::<wire::Nutrition>(input)
            .iter()
            .filter_map(|n| mapper::nutrition(n, offset))
            .map(Into::into)
            .collect(),
        other => panic!("no fixture {other}"),
    }
}

fn page<T: serde::de::DeserializeOwned>(input: Value) -> Vec<T> {
    parse::<wire::ListPage<T>>(input).data
}

fn to_json(records: &[TerraRecordData]) -> Value {
    Value::Array(
        records
            .iter()
            .map(|record| match record.to_json() {
                Ok(value) => value,
                Err(error) => panic!("record serializes: {error}"),
            })
            .collect(),
    )
}

/// The mapped fixture as Terra JSON, plus its input.
fn mapped(name: &str) -> (Value, Value) {
    let input = read_json(&format!("{name}.input.json"));
    (input.clone(), to_json(&map_fixture(name, input)))
}

#[test]
fn every_fixture_maps_to_its_committed_terra_json() {
    for (name, _, _) in FIXTURES {
        let (_, actual) = mapped(name);
        // Through text and back, as the committed file went, so both sides are parsed alike.
        let actual: Value = match serde_json::from_str(&actual.to_string()) {
            Ok(value) => value,
            Err(error) => panic!("{name}: {error}"),
        };
        let expected = read_json(&format!("{name}.terra.json"));
        if actual != expected {
            let (actual, expected) = (pretty(&actual), pretty(&expected));
            let first = actual
                .lines()
                .zip(expected.lines())
                .position(|(a, e)| a != e)
                .unwrap_or(0);
            panic!(
                "{name}: mapping differs from {name}.terra.json near line {}: got {:?}, committed {:?}",
                first + 1,
                actual.lines().nth(first),
                expected.lines().nth(first)
            );
        }
    }
}

#[test]
fn every_mapped_record_is_schema_valid_and_storable() {
    for (name, _, schema) in FIXTURES {
        let input = read_json(&format!("{name}.input.json"));
        let records = map_fixture(name, input);
        assert!(!records.is_empty(), "{name}: fixture yields records");
        for record in &records {
            let json = match record.to_json() {
                Ok(json) => json,
                Err(error) => panic!("{name}: {error}"),
            };
            if let Err(errors) = validate(schema, &json) {
                panic!("{name} violates {schema}: {errors:#?}");
            }
            let parts = match record.store_parts() {
                Ok(parts) => parts,
                Err(error) => panic!("{name}: {error}"),
            };
            assert_eq!(parts.data_type.as_str(), name);
            // with_samples=false: the 1 Hz / 5-minute series go, the summaries stay.
            if matches!(name, "activity" | "sleep" | "daily") {
                assert!(
                    parts.payload.contains("\"hr_samples\""),
                    "{name} has samples"
                );
                assert!(!parts.payload_no_samples.contains("\"hr_samples\""));
                assert!(!parts.payload_no_samples.contains("_samples\":"), "{name}");
                assert!(parts.payload_no_samples.contains("\"avg_hr_bpm\""));
            } else {
                assert!(parts.payload_no_samples.len() <= parts.payload.len());
            }
        }
    }
}

fn num(value: &Value, pointer: &str) -> f64 {
    match value.pointer(pointer).and_then(Value::as_f64) {
        Some(number) => number,
        None => panic!("{pointer} is a number in {value}"),
    }
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    match value.pointer(pointer).and_then(Value::as_str) {
        Some(text) => text,
        None => panic!("{pointer} is a string"),
    }
}

fn len(value: &Value, pointer: &str) -> usize {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

#[test]
fn body_keeps_kilograms_and_percent_and_converts_lean_mass_to_grams() {
    let (input, terra) = mapped("body");
    let weigh_in = &input["data"][0];
    let body = &terra[0];
    let measurement = "/measurements_data/measurements/0";
    assert_eq!(
        num(body, &format!("{measurement}/weight_kg")),
        num(weigh_in, "/weight_kg")
    );
    assert!((40.0..200.0).contains(&num(body, "/measurements_data/day_avg_weight_kg")));
    assert_eq!(
        num(body, &format!("{measurement}/bodyfat_percentage")),
        num(weigh_in, "/body_fat_percent")
    );
    assert_eq!(
        num(body, &format!("{measurement}/lean_mass_g")),
        num(weigh_in, "/lean_mass_kg") * 1000.0
    );
    assert_eq!(
        num(body, &format!("{measurement}/BMI")),
        num(weigh_in, "/bmi")
    );
    // Day-scoped: local midnight to midnight, in the weigh-in's own offset.
    let offset = &text(weigh_in, "/measured_at")[19..];
    assert_eq!(
        text(body, "/metadata/start_time"),
        format!("{FIXTURE_DATE}T00:00:00.000000{offset}")
    );
    assert_eq!(
        text(body, &format!("{measurement}/measurement_time")),
        format!("{}.000000{offset}", &text(weigh_in, "/measured_at")[..19])
    );
}

#[test]
fn sleep_durations_are_seconds_and_hrv_is_rmssd() {
    let (input, terra) = mapped("sleep");
    let night = &input["data"][0];
    let sleep = &terra[0];
    let asleep = "/sleep_durations_data/asleep";
    assert_eq!(
        num(
            sleep,
            &format!("{asleep}/duration_deep_sleep_state_seconds")
        ),
        num(night, "/deep_s")
    );
    assert_eq!(
        num(sleep, &format!("{asleep}/duration_REM_sleep_state_seconds")),
        num(night, "/rem_s")
    );
    assert_eq!(
        num(
            sleep,
            &format!("{asleep}/duration_light_sleep_state_seconds")
        ),
        num(night, "/light_s")
    );
    assert_eq!(
        num(sleep, &format!("{asleep}/duration_asleep_state_seconds")),
        num(night, "/asleep_s")
    );
    assert_eq!(
        num(
            sleep,
            "/sleep_durations_data/awake/duration_awake_state_seconds"
        ),
        num(night, "/awake_s")
    );
    let in_bed = num(sleep, "/sleep_durations_data/other/duration_in_bed_seconds");
    assert!(
        in_bed > 4.0 * 3600.0 && in_bed < 12.0 * 3600.0,
        "in bed {in_bed} s"
    );
    assert_eq!(in_bed, num(night, "/in_bed_s"));
    // Efficiency is a percentage (0–100), as in Terra.
    let efficiency = num(sleep, "/sleep_durations_data/sleep_efficiency");
    assert!(efficiency > 1.0 && efficiency <= 100.0);
    // RMSSD, never SDNN.
    assert_eq!(
        num(sleep, "/heart_rate_data/summary/avg_hrv_rmssd"),
        num(night, "/hrv_rmssd_ms")
    );
    assert!(
        sleep
            .pointer("/heart_rate_data/summary/avg_hrv_sdnn")
            .is_none()
    );
    assert!(
        sleep
            .pointer("/heart_rate_data/detailed/hrv_samples_sdnn")
            .is_none()
    );
    assert_eq!(
        len(sleep, "/heart_rate_data/detailed/hrv_samples_rmssd"),
        len(night, "/hrv_samples")
    );
    assert_eq!(
        len(sleep, "/sleep_durations_data/hypnogram_samples"),
        len(night, "/stages")
    );
    assert_eq!(text(sleep, "/metadata/summary_id"), text(night, "/id"));
    assert_eq!(
        num(
            sleep,
            "/respiration_data/oxygen_saturation_data/avg_saturation_percentage"
        ),
        num(night, "/spo2_avg_percent")
    );
    assert_eq!(
        num(sleep, "/respiration_data/breaths_data/avg_breaths_per_min"),
        num(night, "/respiration_rate_brpm")
    );
    // The source's offset is kept.
    assert!(text(sleep, "/metadata/start_time").ends_with(&text(night, "/start_time")[19..]));
}

#[test]
fn activity_has_one_hertz_heart_rate_and_gps_samples() {
    let (input, terra) = mapped("activity");
    let workouts = input["data"].as_array().cloned().unwrap_or_default();
    let outdoor = workouts
        .iter()
        .position(|w| w["has_gps"] == Value::Bool(true));
    let Some(index) = outdoor else {
        panic!("fixture has an outdoor workout");
    };
    let (workout, activity) = (&workouts[index], &terra[index]);
    assert_eq!(text(activity, "/metadata/summary_id"), text(workout, "/id"));
    let samples = len(workout, "/samples");
    assert_eq!(samples, KEPT_WORKOUT_SAMPLES);
    assert_eq!(
        len(activity, "/heart_rate_data/detailed/hr_samples"),
        samples
    );
    assert_eq!(len(activity, "/position_data/position_samples"), samples);
    for second in 0..samples {
        let pointer =
            format!("/heart_rate_data/detailed/hr_samples/{second}/timer_duration_seconds");
        assert_eq!(num(activity, &pointer), second as f64, "1 Hz samples");
    }
    // Positions are [latitude, longitude] in degrees.
    let first = &workout["samples"][0];
    assert_eq!(
        activity["position_data"]["position_samples"][0]["coords_lat_lng_deg"],
        serde_json::json!([first["latitude"], first["longitude"]])
    );
    assert_eq!(
        num(activity, "/distance_data/summary/distance_meters"),
        num(workout, "/distance_m")
    );
    assert_eq!(
        num(activity, "/calories_data/total_burned_calories"),
        num(workout, "/total_kcal")
    );
    assert_eq!(
        num(activity, "/heart_rate_data/summary/max_hr_bpm"),
        num(workout, "/max_hr_bpm")
    );
    assert!(text(activity, "/metadata/start_time").ends_with(&text(workout, "/start_time")[19..]));
}

#[test]
fn daily_samples_are_cumulative_and_end_at_the_day_totals() {
    let (input, terra) = mapped("daily");
    let day = &input["data"][0];
    let daily = &terra[0];
    assert_eq!(num(daily, "/distance_data/steps"), num(day, "/steps"));
    let steps = len(daily, "/distance_data/detailed/step_samples");
    assert_eq!(steps, 96, "one sample per 15-minute interval");
    let last = format!("/distance_data/detailed/step_samples/{}/steps", steps - 1);
    assert_eq!(num(daily, &last), num(day, "/steps"));
    let last_distance = format!(
        "/distance_data/detailed/distance_samples/{}/distance_meters",
        steps - 1
    );
    assert!((num(daily, &last_distance) - num(day, "/distance_m")).abs() < 1.0);
    assert_eq!(
        num(daily, "/calories_data/total_burned_calories"),
        num(day, "/total_kcal")
    );
    assert_eq!(
        num(daily, "/calories_data/BMR_calories"),
        num(day, "/bmr_kcal")
    );
    assert_eq!(
        num(daily, "/heart_rate_data/summary/resting_hr_bpm"),
        num(day, "/resting_hr_bpm")
    );
    assert_eq!(
        text(daily, "/metadata/start_time"),
        format!("{FIXTURE_DATE}T00:00:00.000000{}", text(day, "/utc_offset"))
    );
}

#[test]
fn menstruation_and_nutrition_use_the_home_offset_and_keep_meanings() {
    let offset = profile().utc_offset;
    let (input, terra) = mapped("menstruation");
    let day = &input["data"][0];
    let record = &terra[0];
    assert_eq!(
        text(record, "/metadata/start_time"),
        format!("{FIXTURE_DATE}T00:00:00.000000{offset}")
    );
    assert_eq!(
        num(record, "/menstruation_data/day_in_cycle"),
        num(day, "/cycle_day")
    );
    let expected_flow = match text(day, "/flow") {
        "none" => 1.0,
        "spotting" | "light" => 2.0,
        "medium" => 3.0,
        "heavy" => 4.0,
        other => panic!("unexpected flow {other}"),
    };
    assert_eq!(
        num(record, "/menstruation_data/menstruation_flow/0/flow"),
        expected_flow
    );

    let (input, terra) = mapped("nutrition");
    let day = &input["data"][0];
    let record = &terra[0];
    assert_eq!(
        text(record, "/metadata/start_time"),
        format!("{FIXTURE_DATE}T00:00:00.000000{offset}")
    );
    assert_eq!(len(record, "/meals"), len(day, "/meals"));
    assert_eq!(
        num(record, "/summary/macros/calories"),
        num(day, "/totals/kcal")
    );
    assert_eq!(
        num(record, "/summary/macros/protein_g"),
        num(day, "/totals/protein_g")
    );
    assert_eq!(
        num(record, "/summary/macros/sodium_mg"),
        num(day, "/totals/sodium_mg")
    );
    assert_eq!(
        num(record, "/meals/0/macros/fat_g"),
        num(day, "/meals/0/fat_g")
    );
}

/// Rewrites the committed inputs from a live simulator and the Terra JSON from the current
/// mappers. Run deliberately, then review the diff:
/// `cargo test -p wearbridge-providers --test sandbox -- --ignored regenerate_fixtures`.
#[tokio::test]
#[ignore = "rewrites committed fixtures"]
async fn regenerate_fixtures() {
    let harness = harness().await;
    let tokens = connect(&harness, ACCOUNT).await;
    for (name, path, _) in FIXTURES {
        let mut url = crate::common::parse_url(&format!(
            "{}/sandbox/api/v1/{path}",
            harness.sim.base_url().trim_end_matches('/')
        ));
        if path != "profile" {
            url.query_pairs_mut()
                .append_pair("start_date", FIXTURE_DATE)
                .append_pair("end_date", FIXTURE_DATE);
        }
        let response = harness
            .ctx
            .http
            .get(url)
            .bearer_auth(secrecy::ExposeSecret::expose_secret(&tokens.access_token))
            .send()
            .await;
        let mut input: Value = match response {
            Ok(response) => match response.json().await {
                Ok(value) => value,
                Err(error) => panic!("{path}: {error}"),
            },
            Err(error) => panic!("{path}: {error}"),
        };
        if name == "activity" {
            truncate_workout_samples(&mut input);
        }
        write_json(&format!("{name}.input.json"), &input);
        write_json(
            &format!("{name}.terra.json"),
            &to_json(&map_fixture(name, input)),
        );
    }
}

fn truncate_workout_samples(page: &mut Value) {
    if let Some(workouts) = page.get_mut("data").and_then(Value::as_array_mut) {
        for workout in workouts {
            if let Some(samples) = workout.get_mut("samples").and_then(Value::as_array_mut) {
                samples.truncate(KEPT_WORKOUT_SAMPLES);
            }
        }
    }
}

fn pretty(value: &Value) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(text) => text + "\n",
        Err(error) => panic!("{error}"),
    }
}

fn write_json(file: &str, value: &Value) {
    let text = pretty(value);
    if let Err(error) = fs::write(fixtures_dir().join(file), text) {
        panic!("{file}: {error}");
    }
}
