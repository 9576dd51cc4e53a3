//! `map_source`, the push parser and the mappers take any JSON without panicking.

use super::golden_support::input_fixtures;
use super::json_props::{nested_json, with_leaf_replaced};
use proptest::prelude::*;
use serde_json::{Value, json};
use wearbridge_providers::map_source;
use wearbridge_providers::suunto::{mapper, push, wire};

const PATHS: [&str; 4] = [
    "/v3/workouts/",
    "/v3/workouts/key",
    "/247samples/sleep",
    "/247/daily-activity-statistics",
];

fn exercise(value: &Value) {
    let body = value.to_string();
    if let Ok(notification) = serde_json::from_str::<wire::Notification>(&body) {
        let _ = push::items(&notification);
    }
    for path in PATHS {
        if let Ok(records) = map_source("SUUNTO", path, &body) {
            for record in records {
                let _ = record.to_json();
                let _ = record.store_parts();
            }
        }
    }
    // The value as one workout, one sleep sample and one statistic.
    if let Ok(workout) = serde_json::from_value::<wire::Workout>(value.clone())
        && let Some(activity) = mapper::activity(&workout, None)
    {
        let _ = wearbridge_model::store_parts(&activity);
    }
    if let Ok(sample) = serde_json::from_value::<wire::Sample<wire::SleepEntry>>(value.clone()) {
        let _ = mapper::sleep(&sample);
    }
    if let Ok(statistic) = serde_json::from_value::<wire::DailyStatistic>(value.clone()) {
        let _ = mapper::daily(&[statistic]);
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
        Just(json!("2026-05-17T02:13:00.000+02:00")),
        Just(json!("262143-12-31T23:59:59Z")),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        Just(json!(1_080)),
        Just(json!(-1_081)),
        Just(json!({"x": 0.0, "y": 0.0})),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ]
}

/// Nested JSON of hostile leaves under Suunto's field names.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "payload",
        "workoutKey",
        "startTime",
        "stopTime",
        "totalTime",
        "timeOffsetInMinutes",
        "hrdata",
        "startPosition",
        "timestamp",
        "entryData",
        "BedtimeStart",
        "BedtimeEnd",
        "Duration",
        "Name",
        "Sources",
        "Samples",
        "TimeISO8601",
        "Value",
        "type",
        "username",
        "workout",
        "samples",
    ];
    nested_json(hostile_leaf().boxed(), KEYS, "[a-zA-Z]{1,12}")
}

fn fixtures() -> Vec<Value> {
    input_fixtures(
        "suunto",
        &[
            "workout_live",
            "workouts_list",
            "sleep_samples",
            "daily_statistics",
            "push_workout_documented",
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
        prop_assert_eq!(fixtures.len(), 5);
        for fixture in &fixtures {
            let corrupted = with_leaf_replaced(fixture, &choice, &leaf);
            exercise(&corrupted);
        }
    }
}
