//! WITHINGS: `map_source` and the push parser take any input for every operation without
//! panicking: arbitrary JSON (bare and inside a success envelope), the real fixtures with
//! random leaves replaced by hostile values, and arbitrary form bodies.

#[path = "support/json_props.rs"]
mod json_props;

use std::fs;
use std::path::PathBuf;

use crate::json_props::nested_json;
use proptest::prelude::*;
use serde_json::{Value, json};
use wearbridge_providers::withings::{MAPPED_OPERATIONS, map_source, push};

const FIXTURES: [(&str, &str); 6] = [
    ("getmeas_list", "/measure?action=getmeas"),
    ("getactivity", "/v2/measure?action=getactivity"),
    (
        "getintradayactivity",
        "/v2/measure?action=getintradayactivity",
    ),
    ("getworkouts", "/v2/measure?action=getworkouts"),
    ("sleep_getsummary", "/v2/sleep?action=getsummary"),
    ("sleep_get_hrv", "/v2/sleep?action=get"),
];

fn exercise(value: &Value) {
    for candidate in [value.clone(), json!({"status": 0, "body": value})] {
        let body = candidate.to_string();
        for path in MAPPED_OPERATIONS {
            if let Ok(records) = map_source(path, &body) {
                for record in records {
                    let _ = record.to_json();
                    let _ = record.store_parts();
                }
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
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!("")),
        Just(json!("Europe/Paris")),
        Just(json!("Etc/GMT-14")),
        Just(json!("9999-12-31")),
        Just(json!("99999999999999")),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ]
}

/// Nested JSON of hostile leaves under this provider's field names.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "measuregrps",
        "measures",
        "series",
        "activities",
        "startdate",
        "enddate",
        "date",
        "timezone",
        "value",
        "unit",
        "type",
        "hr",
        "1767650400",
    ];
    nested_json(hostile_leaf().boxed(), KEYS, "[a-z_0-9]{1,12}")
}

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/withings/{name}.input.json"));
    fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

fn count_leaves(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.iter().map(count_leaves).sum(),
        Value::Object(map) => map.values().map(count_leaves).sum(),
        _ => 1,
    }
}

/// Replaces the `index`-th leaf (depth first, modulo the leaf count) with `leaf`.
fn replace_leaf(value: &mut Value, index: usize, leaf: &Value) {
    let total = count_leaves(value);
    if total > 0 {
        replace_nth(value, &mut 0, index % total, leaf);
    }
}

fn replace_nth(value: &mut Value, counter: &mut usize, target: usize, leaf: &Value) -> bool {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .any(|item| replace_nth(item, counter, target, leaf)),
        Value::Object(map) => map
            .values_mut()
            .any(|item| replace_nth(item, counter, target, leaf)),
        other => {
            if *counter == target {
                *other = leaf.clone();
                return true;
            }
            *counter += 1;
            false
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        exercise(&value);
    }

    #[test]
    fn mutated_real_answers_never_panic(
        which in 0..FIXTURES.len(),
        mutations in prop::collection::vec((any::<usize>(), hostile_leaf()), 1..6),
    ) {
        let (name, path) = FIXTURES[which];
        let mut value = fixture(name);
        for (index, leaf) in &mutations {
            replace_leaf(&mut value, *index, leaf);
        }
        if let Ok(records) = map_source(path, &value.to_string()) {
            for record in records {
                let _ = record.to_json();
                let _ = record.store_parts();
            }
        }
    }

    #[test]
    fn arbitrary_push_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(notification) = push::parse_notification(&body) {
            let _ = push::event(&notification);
        }
    }

    #[test]
    fn arbitrary_push_forms_never_panic(
        userid in "[0-9a-z]{0,6}",
        appli in prop_oneof![Just("1".to_owned()), Just("16".to_owned()), Just("44".to_owned()), Just("46".to_owned()), ".{0,4}"],
        start in any::<i64>(),
        end in any::<i64>(),
        date in ".{0,12}",
    ) {
        let form = format!("userid={userid}&appli={appli}&startdate={start}&enddate={end}&date={date}&action=unlink");
        if let Ok(notification) = push::parse_notification(form.as_bytes()) {
            let _ = push::event(&notification);
        }
    }
}
