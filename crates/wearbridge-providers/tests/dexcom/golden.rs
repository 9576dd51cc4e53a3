//! Golden mappings: Dexcom v3 payloads (`tests/fixtures/dexcom/*.input.json`, see the README
//! there) mapped through `map_source` and compared with the committed Terra JSON
//! (`*.terra.json`), validated against Terra's schemas, and checked field by field for
//! units, offsets and meanings.

use super::golden_support::{assert_matches_golden, at, record_data};
use serde_json::Value;
use wearbridge_model::testing::validate;
use wearbridge_providers::dexcom::wire::DataRange;
use wearbridge_providers::{MapSourceError, TerraRecordData, map_source};

/// (fixture, API path).
pub const FIXTURES: [(&str, &str); 2] = [
    (
        "egvs",
        "/v3/users/self/egvs?startDate=2022-02-05T00:00:00&endDate=2022-02-07T00:00:00",
    ),
    ("events", "https://api.dexcom.com/v3/users/self/events"),
];

pub fn read(file: &str) -> String {
    super::golden_support::read_fixture("dexcom", file)
}

fn mapped(name: &str) -> Vec<TerraRecordData> {
    let Some((_, path)) = FIXTURES.iter().find(|(n, _)| *n == name) else {
        panic!("no fixture {name}");
    };
    match map_source("DEXCOM", path, &read(&format!("{name}.input.json"))) {
        Ok(records) => records,
        Err(error) => panic!("{name}: {error}"),
    }
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[test]
fn every_fixture_maps_to_its_committed_terra_json() {
    for (name, _) in FIXTURES {
        assert_matches_golden("dexcom", name, &mapped(name));
    }
}

#[test]
fn every_mapped_record_is_schema_valid() {
    for (name, _) in FIXTURES {
        let records = mapped(name);
        assert!(!records.is_empty(), "{name} maps to at least one record");
        for record in &records {
            let schema = format!("core/{}", schema_of(record));
            let Ok(json) = record.to_json() else {
                panic!("{name} serializes");
            };
            if let Err(errors) = validate(&schema, &json) {
                panic!("{name} against {schema}: {errors:#?}");
            }
        }
    }
}

fn schema_of(record: &TerraRecordData) -> &'static str {
    match record {
        TerraRecordData::Activity(_) => "Activity",
        TerraRecordData::Body(_) => "Body",
        TerraRecordData::Nutrition(_) => "Nutrition",
        other => panic!("Dexcom maps no {}", other.data_type()),
    }
}

#[test]
fn egvs_are_mg_per_dl_samples_in_local_days() {
    let days = record_data(&mapped("egvs"));
    assert_eq!(days.len(), 2, "two local days at -08:00");
    let (evening, morning) = (&days[0], &days[1]);
    // 07:50Z and 07:55Z on 6 February are the evening of the 5th in California.
    assert_eq!(
        at(evening, "/metadata/start_time"),
        "2022-02-05T00:00:00.000000-08:00"
    );
    assert_eq!(
        at(evening, "/metadata/end_time"),
        "2022-02-06T00:00:00.000000-08:00"
    );
    let samples = at(evening, "/glucose_data/blood_glucose_samples");
    assert_eq!(
        at(samples, "/0/timestamp"),
        "2022-02-05T23:50:00.000000-08:00"
    );
    // Sensor limits: 400 is HIGH (flag 1), 40 LOW (flag 2); their trends are unknown (0).
    assert!(close(at(samples, "/0/blood_glucose_mg_per_dL"), 400.0));
    assert_eq!(at(samples, "/0/glucose_level_flag"), 1);
    assert_eq!(at(samples, "/0/trend_arrow"), 0);
    assert!(close(at(samples, "/1/blood_glucose_mg_per_dL"), 40.0));
    assert_eq!(at(samples, "/1/glucose_level_flag"), 2);
    assert!(close(
        at(evening, "/glucose_data/day_avg_blood_glucose_mg_per_dL"),
        220.0
    ));
    assert_eq!(at(evening, "/glucose_data/sensor_usage"), 2);
    assert_eq!(at(evening, "/device_data/name"), "Dexcom G7");
    assert_eq!(at(evening, "/device_data/manufacturer"), "Dexcom");

    let samples = at(morning, "/glucose_data/blood_glucose_samples");
    let Some(samples) = samples.as_array() else {
        panic!("samples");
    };
    // No value and an `unknown` unit are dropped; the repeated record counts once.
    assert_eq!(samples.len(), 3);
    assert_eq!(
        at(&samples[0], "/timestamp"),
        "2022-02-06T01:02:35.000000-08:00"
    );
    assert_eq!(at(&samples[0], "/trend_arrow"), 3, "flat");
    assert_eq!(at(&samples[0], "/glucose_level_flag"), 0, "ok: normal");
    assert_eq!(at(&samples[1], "/trend_arrow"), 2, "fortyFiveDown: falling");
    assert_eq!(
        at(&samples[1], "/glucose_level_flag"),
        &Value::Null,
        "null status"
    );
    // The receiver's reading: no zone on either clock, -08:00 from their difference;
    // 7 mmol/L × 18.0156 = 126.1 → 126 mg/dL; singleUp is rising quickly.
    assert_eq!(
        at(&samples[2], "/timestamp"),
        "2022-02-06T02:12:35.000000-08:00"
    );
    assert!(close(at(&samples[2], "/blood_glucose_mg_per_dL"), 126.0));
    assert_eq!(at(&samples[2], "/trend_arrow"), 5);
    assert!(
        close(
            at(morning, "/glucose_data/day_avg_blood_glucose_mg_per_dL"),
            120.3
        ),
        "(122 + 113 + 126) / 3 to one decimal"
    );
    assert_eq!(at(morning, "/device_data/name"), "Dexcom G6");
}

#[test]
fn events_become_insulin_meals_and_exercise() {
    let records = mapped("events");
    let kinds: Vec<&str> = records.iter().map(|r| r.data_type().as_str()).collect();
    assert_eq!(kinds, ["body", "nutrition", "activity"]);
    let data = record_data(&records);
    let (body, nutrition, activity) = (&data[0], &data[1], &data[2]);

    // Dexcom's own example: 400 units of long-acting insulin at 01:12:35 local.
    let doses = at(body, "/measurements_data/measurements");
    assert_eq!(
        at(doses, "/0/measurement_time"),
        "2022-02-06T01:12:35.000000-08:00"
    );
    assert!(close(at(doses, "/0/insulin_units"), 400.0));
    assert_eq!(at(doses, "/0/insulin_type"), "longActing");
    // The receiver's dose: units from a numeric string, -08:00 from the two clocks.
    assert_eq!(
        at(doses, "/1/measurement_time"),
        "2022-02-06T12:00:00.000000-08:00"
    );
    assert!(close(at(doses, "/1/insulin_units"), 4.5));
    assert_eq!(at(body, "/glucose_data"), &Value::Null, "no EGVs here");

    // Carbs: 45 g (string) and 60 g (number); the deleted 30 g and the 20 "units" dropped.
    let meals = at(nutrition, "/meals");
    assert_eq!(meals.as_array().map(Vec::len), Some(2));
    assert!(close(at(meals, "/0/macros/carbohydrates_g"), 45.0));
    assert_eq!(
        at(meals, "/0/timestamp"),
        "2022-02-06T08:30:00.000000-08:00"
    );
    assert_eq!(at(meals, "/0/id"), "3f1e9d52-8c1b-4b47-a7c2-0d5e6f7a8b01");
    assert!(close(at(meals, "/1/macros/carbohydrates_g"), 60.0));
    assert!(close(
        at(nutrition, "/summary/macros/carbohydrates_g"),
        105.0
    ));
    assert_eq!(
        at(nutrition, "/metadata/start_time"),
        "2022-02-06T00:00:00.000000-08:00"
    );

    // Exercise: 35 minutes of medium intensity from 17:00 local, entered by hand.
    assert_eq!(
        at(activity, "/metadata/summary_id"),
        "3f1e9d52-8c1b-4b47-a7c2-0d5e6f7a8b04"
    );
    assert_eq!(
        at(activity, "/metadata/start_time"),
        "2022-02-06T17:00:00.000000-08:00"
    );
    assert_eq!(
        at(activity, "/metadata/end_time"),
        "2022-02-06T17:35:00.000000-08:00"
    );
    assert_eq!(at(activity, "/metadata/upload_type"), 2, "manual");
    assert_eq!(at(activity, "/metadata/type"), 4, "unknown kind");
    assert!(close(
        at(
            activity,
            "/active_durations_data/moderate_intensity_seconds"
        ),
        2_100.0
    ));
    assert!(close(
        at(activity, "/active_durations_data/activity_seconds"),
        2_100.0
    ));
    assert_eq!(
        at(
            activity,
            "/active_durations_data/vigorous_intensity_seconds"
        ),
        &Value::Null
    );
}

#[test]
fn data_range_parses_and_calibrations_have_no_mapping() {
    let range: DataRange = match serde_json::from_str(&read("dataRange.input.json")) {
        Ok(range) => range,
        Err(error) => panic!("dataRange: {error}"),
    };
    assert_eq!(
        range.egvs.map(|span| span.start.system_time),
        Some("2021-06-01T01:10:08".to_owned())
    );
    let refused = map_source(
        "DEXCOM",
        "/v3/users/self/calibrations",
        &read("calibrations.input.json"),
    );
    assert!(
        matches!(refused, Err(MapSourceError::UnknownPath(ref message)) if message.contains("no Terra mapping")),
        "{refused:?}"
    );
    assert!(matches!(
        map_source("DEXCOM", "/v2/users/self/egvs", "{}"),
        Err(MapSourceError::UnknownPath(_))
    ));
    assert!(matches!(
        map_source("DEXCOM", "/v3/users/self/egvs", "[]"),
        Err(MapSourceError::Body(_))
    ));
}
