//! `map_source`, the push parser and the push handler take any JSON without panicking.

use super::json_props::{nested_json, with_leaf_replaced};
use proptest::prelude::*;
use serde_json::{Value, json};
use wearbridge_providers::map_source;
use wearbridge_providers::whoop::push;

const PATHS: [&str; 11] = [
    "/developer/v2/cycle",
    "/developer/v2/cycle/1",
    "/developer/v2/cycle/1/recovery",
    "/developer/v2/cycle/1/sleep",
    "/developer/v2/recovery",
    "/developer/v2/activity/sleep",
    "/developer/v2/activity/sleep/x",
    "/developer/v2/activity/workout",
    "/developer/v2/activity/workout/x",
    "/developer/v2/user/profile/basic",
    "/developer/v2/user/measurement/body",
];

fn exercise(value: &Value) {
    let body = value.to_string();
    if let Ok(notification) = push::parse_notification(body.as_bytes()) {
        let _ = push::items(&notification, &body);
        let _ = push::items(&notification, "1700000000000");
        let _ = push::event(&notification.kind);
    }
    let _ = push::verify_signature(b"secret", &body, body.as_bytes(), &body);
    for path in PATHS {
        if let Ok(records) = map_source("WHOOP", path, &body) {
            for record in records {
                let _ = record.to_json();
                let _ = record.store_parts();
            }
        }
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
        Just(json!("+23:59")),
        Just(json!("-99:99")),
        Just(json!("SCORED")),
        Just(json!("9999-12-31T23:59:59.999Z")),
        Just(json!("0000-01-01T00:00:00-23:59")),
        Just(json!("262143-12-31T23:59:59Z")),
        Just(json!(i64::MAX)),
        Just(json!(u64::MAX)),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ]
}

/// Nested JSON of hostile leaves under this provider's field names.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "records",
        "score",
        "start",
        "end",
        "timezone_offset",
        "id",
        "type",
    ];
    nested_json(hostile_leaf().boxed(), KEYS, "[a-z_]{1,12}")
}

fn fixtures() -> Vec<Value> {
    ["cycle", "recovery", "sleep", "workout", "profile"]
        .iter()
        .map(|name| super::golden::read(&format!("{name}.input.json")))
        .filter_map(|text| serde_json::from_str(&text).ok())
        .collect()
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
            // Single-record paths see the first record alone.
            if let Some(first) = corrupted.pointer("/records/0") {
                exercise(first);
            }
        }
    }
}
