//! `map_source` takes any JSON for every Garmin path without panicking: arbitrary
//! documents, and the fixtures with random leaves replaced by hostile values.

use super::json_props::{leaves, nested_json};
use proptest::prelude::*;
use serde_json::{Value, json};
use wearbridge_providers::garmin::map_source;

use super::golden::{FIXTURES, fixtures_dir};

fn exercise(value: &Value) {
    let body = value.to_string();
    let _ = wearbridge_providers::garmin::push::parse(body.as_bytes());
    for (_, path, _) in FIXTURES {
        if let Ok(records) = map_source(path, &body) {
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
        Just(json!(9.9e10)),
        Just(json!(-86399)),
        Just(json!(86400)),
        Just(json!(0)),
        Just(json!("")),
        Just(json!("9999-12-31")),
        Just(json!("-0001-01-01")),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ]
}

/// Nested JSON of hostile leaves under this provider's field names.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "startTimeInSeconds",
        "startTimeOffsetInSeconds",
        "summaryId",
        "calendarDate",
        "timeOffsetHeartRateSamples",
        "periodStartDate",
        "dayInCycle",
        "userId",
        "permissions",
        "changeTimeInSeconds",
        "userPermissionsChange",
    ];
    nested_json(hostile_leaf().boxed(), KEYS, "[a-zA-Z0-9]{1,12}")
}

fn fixtures() -> Vec<Value> {
    FIXTURES
        .iter()
        .filter_map(|(name, _, _)| {
            std::fs::read_to_string(fixtures_dir().join(format!("{name}.input.json"))).ok()
        })
        .filter_map(|text| serde_json::from_str(&text).ok())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        exercise(&value);
        exercise(&json!([value]));
        exercise(&json!({ "userPermissionsChange": [value] }));
    }

    #[test]
    fn corrupted_permission_changes_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf()) {
        let text = std::fs::read_to_string(
            fixtures_dir().join("push_userPermissionsChange.input.json"),
        );
        let fixture: Option<Value> = text.ok().and_then(|text| serde_json::from_str(&text).ok());
        prop_assert!(fixture.is_some());
        let Some(fixture) = fixture else { return Ok(()) };
        let mut pointers = Vec::new();
        leaves(&fixture, String::new(), &mut pointers);
        prop_assert!(!pointers.is_empty());
        let mut corrupted = fixture.clone();
        let pointer: &String = choice.get(&pointers);
        if let Some(slot) = corrupted.pointer_mut(pointer) {
            *slot = leaf;
        }
        let _ = wearbridge_providers::garmin::push::parse(corrupted.to_string().as_bytes());
    }

    #[test]
    fn corrupted_fixtures_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf()) {
        let fixtures = fixtures();
        prop_assert!(!fixtures.is_empty());
        for fixture in &fixtures {
            let mut pointers = Vec::new();
            leaves(fixture, String::new(), &mut pointers);
            if pointers.is_empty() {
                continue;
            }
            let mut corrupted = fixture.clone();
            let pointer: &String = choice.get(&pointers);
            if let Some(slot) = corrupted.pointer_mut(pointer) {
                *slot = leaf.clone();
            }
            exercise(&corrupted);
        }
    }
}
