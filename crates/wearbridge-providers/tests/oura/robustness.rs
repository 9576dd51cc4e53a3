//! `map_source` and the push parser take any JSON for every Oura path without panicking: arbitrary
//! documents, and the real fixtures with random leaves replaced by hostile values.

use crate::json_props::{leaves, nested_json};
use proptest::prelude::*;
use serde_json::{Value, json};
use wearbridge_providers::map_source;
use wearbridge_providers::oura::push;

const PATHS: [&str; 9] = [
    "/v2/usercollection/sleep",
    "/v2/usercollection/daily_activity",
    "/v2/usercollection/daily_readiness",
    "/v2/usercollection/daily_spo2",
    "/v2/usercollection/heartrate",
    "/v2/usercollection/workout",
    "/v2/usercollection/session",
    "/v2/usercollection/personal_info",
    "/v2/usercollection/sleep/some-id",
];

fn exercise(value: &Value) {
    let body = value.to_string();
    if let Ok(notification) = push::parse_notification(body.as_bytes()) {
        let _ = push::document_path(&notification);
        let _ = push::items(&notification);
    }
    let _ = push::verify_signature(b"secret", &body, body.as_bytes(), &body);
    for path in PATHS {
        if let Ok(records) = map_source("OURA", path, &body) {
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
        Just(json!("9999-12-31T23:59:59+14:00")),
        Just(json!("0000-01-01T00:00:00-23:59")),
        Just(json!("55555555555555555555")),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ]
}

/// Nested JSON of hostile leaves under this provider's field names.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &["data", "interval", "items", "timestamp"];
    nested_json(hostile_leaf().boxed(), KEYS, "[a-z_]{1,12}")
}

fn fixtures() -> Vec<Value> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oura");
    [
        "sleep",
        "daily_activity",
        "workout",
        "session",
        "heartrate",
        "personal_info",
    ]
    .iter()
    .filter_map(|name| std::fs::read_to_string(dir.join(format!("{name}.input.json"))).ok())
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
    fn corrupted_fixtures_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf(), extra_interval in prop_oneof![Just(0.0), Just(-300.0), Just(1e-300), Just(f64::MAX)]) {
        let fixtures = fixtures();
        prop_assert!(!fixtures.is_empty());
        for fixture in &fixtures {
            let mut pointers = Vec::new();
            leaves(fixture, String::new(), &mut pointers);
            let mut corrupted = fixture.clone();
            if pointers.is_empty() {
                continue;
            }
            let pointer: &String = choice.get(&pointers);
            if let Some(slot) = corrupted.pointer_mut(pointer) {
                *slot = leaf.clone();
            }
            if let Some(interval) = corrupted.pointer_mut("/data/0/heart_rate/interval") {
                *interval = json!(extra_interval);
            }
            exercise(&corrupted);
        }
    }
}
