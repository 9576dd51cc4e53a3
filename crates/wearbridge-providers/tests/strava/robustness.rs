//! `map_source`, the stream reader, the mapper with streams and the push parser take any
//! JSON without panicking.

use super::golden_support::input_fixtures;
use super::json_props::{nested_json, with_leaf_replaced};
use proptest::prelude::*;
use serde_json::{Value, json};
use wearbridge_providers::map_source;
use wearbridge_providers::strava::{mapper, push, wire};

const PATHS: [&str; 4] = [
    "/api/v3/athlete",
    "/api/v3/athlete/activities",
    "/api/v3/activities/1",
    "/api/v3/activities/1/streams",
];

fn exercise(value: &Value) {
    let body = value.to_string();
    if let Ok(event) = push::parse_event(body.as_bytes()) {
        let _ = push::items(&event);
        let _ = push::is_deauthorization(&event);
    }
    for path in PATHS {
        if let Ok(records) = map_source("STRAVA", path, &body) {
            for record in records {
                let _ = record.to_json();
                let _ = record.store_parts();
            }
        }
    }
    // The value as a stream set of a fixed activity, and as an activity with itself as
    // its streams.
    let activity: Option<wire::Activity> = serde_json::from_value(json!({
        "id": 1, "start_date": "2026-03-04T07:00:00Z", "utc_offset": 3600.0, "elapsed_time": 60
    }))
    .ok();
    if let (Some(activity), Ok(streams)) = (activity, wire::StreamSet::from_json(value.clone())) {
        let mapped = mapper::activity(&activity, Some(&streams));
        let _ = wearbridge_model::store_parts(&mapped);
    }
    if let (Ok(activity), Ok(streams)) = (
        serde_json::from_value::<wire::Activity>(value.clone()),
        wire::StreamSet::from_json(value.clone()),
    ) {
        let _ = mapper::activity(&activity, Some(&streams));
    }
}

fn hostile_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(null)),
        Just(json!(-1)),
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(0)),
        Just(json!("")),
        Just(json!("Z")),
        Just(json!([])),
        Just(json!([91.0, 181.0])),
        Just(json!([1e308, -1e308])),
        Just(json!("2026-03-04T07:00:00Z")),
        Just(json!("9999-12-31T23:59:59Z")),
        Just(json!("262143-12-31T23:59:59Z")),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        Just(json!(64_800.0)),
        Just(json!(-64_801.0)),
        Just(json!("false")),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ]
}

/// Nested JSON of hostile leaves under Strava's field names.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "id",
        "start_date",
        "start_date_local",
        "utc_offset",
        "elapsed_time",
        "moving_time",
        "laps",
        "data",
        "time",
        "moving",
        "heartrate",
        "latlng",
        "type",
        "object_type",
        "aspect_type",
        "owner_id",
        "event_time",
        "updates",
    ];
    nested_json(hostile_leaf().boxed(), KEYS, "[a-z_]{1,12}")
}

fn fixtures() -> Vec<Value> {
    input_fixtures(
        "strava",
        &[
            "activity_recorded",
            "activity_manual",
            "activities_documented",
            "activity_documented",
            "athlete",
            "streams_keyed",
        ],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        exercise(&value);
    }

    #[test]
    fn corrupted_fixtures_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf()) {
        let fixtures = fixtures();
        prop_assert_eq!(fixtures.len(), 6);
        for fixture in &fixtures {
            let corrupted = with_leaf_replaced(fixture, &choice, &leaf);
            exercise(&corrupted);
        }
    }
}
