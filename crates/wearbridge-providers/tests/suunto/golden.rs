//! Golden mappings: Suunto payloads (`tests/fixtures/suunto/*.input.json`, sources in the
//! README there) mapped through `map_source` (and, for the push, the push handler with a
//! signed body) and compared with the committed Terra JSON (`*.terra.json`), validated
//! against Terra's schemas, and checked field by field for units, offsets and meanings.

use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::SecretString;
use serde_json::Value;
use wearbridge_model::testing::validate;
use wearbridge_providers::suunto::push;
use wearbridge_providers::{
    ProviderCredentials, PushAnswer, PushError, PushItem, PushRequest, TerraRecordData, map_source,
};

use super::golden_support::{assert_matches_golden, at, read_fixture, record_data};

/// (golden name, input fixture, API path, Terra schema of every record it maps to).
const FIXTURES: [(&str, &str, &str, &str); 4] = [
    (
        "workout_live",
        "workout_live",
        "/v3/workouts/test-workout-key-0001",
        "core/Activity",
    ),
    (
        "workouts_list",
        "workouts_list",
        "https://cloudapi.suunto.com/v3/workouts/?since=0&limit=100",
        "core/Activity",
    ),
    (
        "sleep_samples",
        "sleep_samples",
        "/247samples/sleep?from=0&to=1",
        "core/Sleep",
    ),
    (
        "daily_statistics",
        "daily_statistics",
        "/247/daily-activity-statistics",
        "core/Daily",
    ),
];

const SECRET: &str = "notification-secret";

fn read(file: &str) -> String {
    read_fixture("suunto", file)
}

fn creds() -> ProviderCredentials {
    ProviderCredentials {
        client_id: "app".into(),
        client_secret: SecretString::from("client-secret"),
        api_base_url: None,
        auth_base_url: None,
        webhook_secret: Some(SecretString::from(SECRET)),
        api_key: None,
    }
}

fn mapped(input: &str, path: &str) -> Vec<TerraRecordData> {
    match map_source("SUUNTO", path, &read(&format!("{input}.input.json"))) {
        Ok(records) => records,
        Err(error) => panic!("{input}: {error}"),
    }
}

/// The push handler's answer to `body` signed with `signature`.
fn pushed(body: &[u8], signature: Option<&str>) -> Result<PushAnswer, PushError> {
    let mut headers = HeaderMap::new();
    if let Some(signature) = signature.and_then(|s| HeaderValue::from_str(s).ok()) {
        headers.insert(push::SIGNATURE_HEADER, signature);
    }
    let request = PushRequest {
        method: "POST",
        headers: &headers,
        query: None,
        body,
    };
    push::handle(&creds(), &request)
}

/// The documented WORKOUT_CREATED notification, signed, through the push handler.
fn push_records() -> Vec<TerraRecordData> {
    let body = read("push_workout_documented.input.json");
    let signature = push::sign(SECRET.as_bytes(), body.as_bytes());
    match pushed(body.as_bytes(), Some(&signature)) {
        Ok(PushAnswer::Items(items)) => match items.as_slice() {
            [
                PushItem::Records {
                    provider_user_id,
                    records,
                },
            ] => {
                assert_eq!(provider_user_id, "johndoe123");
                records.clone()
            }
            other => panic!("one Records item expected: {other:?}"),
        },
        other => panic!("push refused: {other:?}"),
    }
}

/// Every golden: (name, records, schema).
fn goldens() -> Vec<(&'static str, Vec<TerraRecordData>, &'static str)> {
    let mut all: Vec<_> = FIXTURES
        .iter()
        .map(|(name, input, path, schema)| (*name, mapped(input, path), *schema))
        .collect();
    all.push(("push_workout_documented", push_records(), "core/Activity"));
    all
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
        assert_matches_golden("suunto", name, &records);
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
fn the_documented_push_keeps_its_offset_units_and_device() {
    let run = &data("push_workout_documented")[0];
    // 1702729200000 ms = 2023-12-16T12:20:00Z, written at +120 minutes.
    assert_eq!(
        at(run, "/metadata/start_time"),
        "2023-12-16T14:20:00.000000+02:00"
    );
    // No stopTime in a fresh push: start + totalTime (3600 s).
    assert_eq!(
        at(run, "/metadata/end_time"),
        "2023-12-16T15:20:00.000000+02:00"
    );
    assert_eq!(at(run, "/metadata/summary_id"), "67604889401b942184624cb8");
    assert_eq!(at(run, "/metadata/type"), 67, "3 → cross-country skiing");
    assert!(close(
        at(run, "/active_durations_data/activity_seconds"),
        3600.0
    ));
    assert!(close(
        at(run, "/calories_data/total_burned_calories"),
        500.0
    ));
    assert!(close(
        at(run, "/distance_data/summary/distance_meters"),
        10000.0
    ));
    assert_eq!(at(run, "/distance_data/summary/steps"), 8500);
    assert!(close(
        at(run, "/distance_data/summary/elevation/gain_actual_meters"),
        120.5
    ));
    assert!(close(
        at(run, "/distance_data/summary/elevation/loss_actual_meters"),
        110.3
    ));
    assert!(close(at(run, "/heart_rate_data/summary/avg_hr_bpm"), 145.0));
    assert!(close(at(run, "/heart_rate_data/summary/max_hr_bpm"), 175.0));
    assert!(close(
        at(run, "/movement_data/avg_speed_meters_per_second"),
        2.78
    ));
    // Suunto's {x: lon, y: lat} becomes Terra's [lat, lon].
    assert_eq!(
        at(run, "/position_data/start_pos_lat_lng_deg"),
        &serde_json::json!([60.27185791, 24.97242731])
    );
    assert_eq!(at(run, "/device_data/name"), "Suunto Vertical");
    assert_eq!(at(run, "/device_data/manufacturer"), "Suunto");
}

#[test]
fn the_live_capture_drops_zero_positions_and_keeps_the_user_maximum_apart() {
    let walk = &data("workout_live")[0];
    assert_eq!(at(walk, "/metadata/type"), 7, "0 → walking");
    assert_eq!(at(walk, "/metadata/upload_type"), 1, "recorded → Automatic");
    assert_eq!(
        at(walk, "/position_data"),
        &Value::Null,
        "{{0,0}} is no GPS"
    );
    assert!(close(at(walk, "/heart_rate_data/summary/max_hr_bpm"), 79.0));
    assert!(close(
        at(walk, "/heart_rate_data/summary/user_max_hr_bpm"),
        196.0
    ));
    // Zero cadence and zero steps are "not measured".
    assert_eq!(at(walk, "/movement_data/avg_cadence_rpm"), &Value::Null);
    assert_eq!(at(walk, "/distance_data/summary/steps"), &Value::Null);
    assert!(close(
        at(walk, "/distance_data/summary/elevation/max_meters"),
        900.0
    ));
    assert_eq!(
        at(walk, "/metadata/end_time"),
        "2026-05-17T15:37:34.814000+02:00",
        "start 13:37:22.670Z + 12.144 s, at +02:00"
    );
}

#[test]
fn listed_workouts_end_at_stop_time_and_fall_back_to_the_numeric_id() {
    let list = data("workouts_list");
    assert_eq!(list.len(), 2);
    let run = &list[0];
    assert_eq!(
        at(run, "/metadata/summary_id"),
        "123456789",
        "no workoutKey"
    );
    // No timeOffsetInMinutes: UTC.
    assert_eq!(
        at(run, "/metadata/start_time"),
        "2024-01-15T09:00:00.000000+00:00"
    );
    assert_eq!(
        at(run, "/metadata/end_time"),
        "2024-01-15T10:00:00.000000+00:00"
    );
    assert!(close(at(run, "/heart_rate_data/summary/min_hr_bpm"), 120.0));
    assert_eq!(at(run, "/device_data/serial_number"), "SN123456");
    let paused = &list[1];
    // totalTime is timer time (210.56 s); the two pause markers hold 69.92 + 20.77 s, so
    // the record (no stopTime) ends 301.25 s after its start and rests 90.69 s.
    assert!(close(
        at(paused, "/active_durations_data/activity_seconds"),
        210.56
    ));
    assert!(
        at(paused, "/active_durations_data/rest_seconds")
            .as_f64()
            .is_some_and(|rest| (rest - 90.69).abs() < 1e-6)
    );
    assert_eq!(
        at(paused, "/metadata/end_time"),
        "2023-11-15T00:18:21.250000+02:00"
    );
    assert_eq!(
        at(paused, "/device_data/name"),
        "Suunto Race 2",
        "the device of the SummaryExtension"
    );
    assert_eq!(at(paused, "/device_data/software_version"), "2.53.42");
    assert!(close(at(paused, "/movement_data/avg_cadence_rpm"), 62.0));
    assert!(close(at(paused, "/movement_data/max_cadence_rpm"), 110.0));
}

#[test]
fn sleep_keeps_bedtime_offsets_and_splits_awake_time() {
    let night = &data("sleep_samples")[0];
    assert_eq!(
        at(night, "/metadata/start_time"),
        "2026-05-17T02:13:00.000000+02:00"
    );
    assert_eq!(
        at(night, "/metadata/end_time"),
        "2026-05-17T09:19:00.000000+02:00"
    );
    assert_eq!(at(night, "/metadata/summary_id"), "1778976780");
    assert_eq!(at(night, "/metadata/is_nap"), false);
    let durations = "/sleep_durations_data";
    assert!(close(
        at(
            night,
            &format!("{durations}/asleep/duration_asleep_state_seconds")
        ),
        25_290.0
    ));
    assert!(close(
        at(
            night,
            &format!("{durations}/asleep/duration_REM_sleep_state_seconds")
        ),
        1_710.0
    ));
    assert!(close(
        at(
            night,
            &format!("{durations}/awake/duration_awake_state_seconds")
        ),
        270.0
    ));
    assert!(close(
        at(night, &format!("{durations}/other/duration_in_bed_seconds")),
        25_560.0
    ));
    assert!(close(
        at(night, "/heart_rate_data/summary/min_hr_bpm"),
        52.0
    ));
    assert!(close(at(night, "/scores/sleep"), 75.0));
}

#[test]
fn daily_statistics_become_local_days_in_kilocalories() {
    let days = data("daily_statistics");
    assert_eq!(days.len(), 2);
    assert_eq!(
        at(&days[0], "/metadata/start_time"),
        "2026-05-16T00:00:00.000000+02:00"
    );
    assert_eq!(
        at(&days[0], "/metadata/end_time"),
        "2026-05-17T00:00:00.000000+02:00"
    );
    assert_eq!(at(&days[0], "/distance_data/steps"), 11234);
    // 10,460,000 J / 4184 J/kcal = 2500 kcal.
    assert!(close(
        at(&days[0], "/calories_data/total_burned_calories"),
        2_500.0
    ));
}

#[test]
fn forged_unsigned_and_legacy_pushes_are_refused() {
    let body = read("push_workout_documented.input.json");
    assert_eq!(
        pushed(body.as_bytes(), None),
        Err(PushError::BadSignature),
        "no signature"
    );
    let forged = push::sign(b"someone else's secret", body.as_bytes());
    assert_eq!(
        pushed(body.as_bytes(), Some(&forged)),
        Err(PushError::BadSignature)
    );
    let tampered = body.replace("johndoe123", "janedoe");
    let signature = push::sign(SECRET.as_bytes(), body.as_bytes());
    assert_eq!(
        pushed(tampered.as_bytes(), Some(&signature)),
        Err(PushError::BadSignature),
        "the signature covers the body"
    );
    let legacy = b"type=WORKOUT_CREATED&username=johndoe123";
    let signature = push::sign(SECRET.as_bytes(), legacy);
    assert!(matches!(
        pushed(legacy, Some(&signature)),
        Err(PushError::Malformed(_))
    ));
}

#[test]
fn a_signed_route_or_recovery_push_asks_for_nothing_and_activity_fetches_days() {
    for kind in [
        "ROUTE_CREATED",
        "SUUNTO_247_RECOVERY_CREATED",
        "SOMETHING_NEW",
    ] {
        let body = format!(r#"{{"type":"{kind}","username":"johndoe123"}}"#);
        let signature = push::sign(SECRET.as_bytes(), body.as_bytes());
        assert_eq!(
            pushed(body.as_bytes(), Some(&signature)),
            Ok(PushAnswer::Items(Vec::new())),
            "{kind}"
        );
    }
    let body = r#"{"type":"SUUNTO_247_ACTIVITY_CREATED","username":"johndoe123","samples":[
        {"timestamp":"2026-05-16T23:50:00.000+02:00","entryData":{"HR":61,"StepCount":12}},
        {"timestamp":"2026-05-17T00:10:00.000+02:00","entryData":{"HR":58}}]}"#;
    let signature = push::sign(SECRET.as_bytes(), body.as_bytes());
    let Ok(PushAnswer::Items(items)) = pushed(body.as_bytes(), Some(&signature)) else {
        panic!("accepted");
    };
    let [
        PushItem::Fetch {
            provider_user_id,
            data_type,
            range,
        },
    ] = items.as_slice()
    else {
        panic!("one fetch: {items:?}");
    };
    assert_eq!(provider_user_id, "johndoe123");
    assert_eq!(data_type.as_str(), "daily");
    assert_eq!(range.start.to_string(), "2026-05-16");
    assert_eq!(range.end.to_string(), "2026-05-17");
}

#[test]
fn unknown_paths_and_bodies_are_clear_errors() {
    assert!(map_source("SUUNTO", "/v2/workout/exportFit/1", "{}").is_err());
    assert!(map_source("SUUNTO", "/v3/workouts/", "not json").is_err());
    assert!(map_source("SUUNTO", "/247samples/sleep", r#"{"payload":[]}"#).is_err());
}
