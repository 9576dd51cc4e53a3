//! `map_source` and the wire parsers take any JSON without panicking: arbitrary documents
//! under Dexcom's field names, and the committed fixtures with one leaf corrupted.

use super::json_props::{nested_json, with_leaf_replaced};
use proptest::prelude::*;
use serde_json::{Value, json};
use wearbridge_providers::dexcom::wire::DataRange;
use wearbridge_providers::map_source;

const PATHS: [&str; 4] = [
    "/v3/users/self/egvs",
    "/v3/users/self/events",
    "/v3/users/self/calibrations",
    "/v3/users/self/dataRange",
];

fn exercise(value: &Value) {
    let body = value.to_string();
    let _ = serde_json::from_str::<DataRange>(&body);
    for path in PATHS {
        if let Ok(records) = map_source("DEXCOM", path, &body) {
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
        Just(json!(0)),
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!("")),
        Just(json!("mg/dL")),
        Just(json!("mmol/L")),
        Just(json!("deleted")),
        Just(json!("carbs")),
        Just(json!("exercise")),
        Just(json!("insulin")),
        Just(json!("1e400")),
        Just(json!("-99:99")),
        Just(json!("9999-12-31T23:59:59")),
        Just(json!("0000-01-01T00:00:00-23:59:59")),
        Just(json!("262143-12-31T23:59:59Z")),
        Just(json!("2022-02-06T01:12:35+14:59")),
        Just(json!(i64::MAX)),
        Just(json!(u64::MAX)),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ]
}

/// Nested JSON of hostile leaves under Dexcom's field names.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "records",
        "recordId",
        "systemTime",
        "displayTime",
        "value",
        "unit",
        "eventType",
        "eventStatus",
        "egvs",
        "start",
        "end",
    ];
    nested_json(hostile_leaf().boxed(), KEYS, "[a-zA-Z]{1,12}")
}

fn fixtures() -> Vec<Value> {
    ["egvs", "events", "calibrations", "dataRange"]
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
        prop_assert_eq!(fixtures.len(), 4);
        for fixture in &fixtures {
            let corrupted = with_leaf_replaced(fixture, &choice, &leaf);
            exercise(&corrupted);
        }
    }
}
