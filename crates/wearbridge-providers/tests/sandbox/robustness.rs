//! The wire parsers and mappers take any JSON without panicking: arbitrary documents, and
//! the committed fixtures with random leaves replaced by hostile values (huge numbers,
//! negative offsets, wrong types, out-of-range dates).

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wearbridge_providers::TerraRecordData;
use wearbridge_providers::sandbox::{mapper, wire};

use crate::common::fixtures_dir;

/// Parses `value` as a page of `T` and maps every element; only panics count as failure.
fn exercise<T: DeserializeOwned>(value: &Value, map: impl Fn(&T) -> Option<TerraRecordData>) {
    if let Ok(page) = serde_json::from_value::<wire::ListPage<T>>(value.clone()) {
        for item in &page.data {
            if let Some(record) = map(item) {
                // Serialising and deriving store parts must not panic either.
                let _ = record.to_json();
                let _ = record.store_parts();
            }
        }
    }
}

fn exercise_all(value: &Value) {
    let offset = chrono::FixedOffset::west_opt(5 * 3600);
    exercise::<wire::Daily>(value, |d| Some(mapper::daily(d).into()));
    exercise::<wire::Sleep>(value, |s| Some(mapper::sleep(s).into()));
    exercise::<wire::Workout>(value, |w| Some(mapper::activity(w).into()));
    exercise::<wire::Body>(value, |b| mapper::body(b).map(Into::into));
    exercise::<wire::Menstruation>(value, |m| {
        offset
            .and_then(|o| mapper::menstruation(m, o))
            .map(Into::into)
    });
    exercise::<wire::Nutrition>(value, |n| {
        offset.and_then(|o| mapper::nutrition(n, o)).map(Into::into)
    });
    if let Ok(profile) = serde_json::from_value::<wire::Profile>(value.clone()) {
        let _ = TerraRecordData::from(mapper::athlete(&profile)).to_json();
        let _ = mapper::parse_offset(&profile.utc_offset);
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Values that have broken parsers and date arithmetic elsewhere.
fn hostile_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!(1e308)),
        Just(json!(-0.0)),
        Just(json!("")),
        Just(json!([])),
        Just(json!({})),
        Just(json!("+262143-12-31T23:59:59+23:59")),
        Just(json!("-262143-01-01T00:00:00-23:59")),
        Just(json!("9999-12-31T23:59:59+14:00")),
        Just(json!("2026-03-04T00:00:00Z")),
        Just(json!("+99:99")),
        Just(json!("2026-02-30")),
        Just(json!("9999-12-31")),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,8}".prop_map(Value::String),
    ]
}

/// Paths (as JSON pointers) of every leaf in `value`.
fn leaf_pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                leaf_pointers(child, format!("{prefix}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                leaf_pointers(child, format!("{prefix}/{index}"), out);
            }
        }
        _ => out.push(prefix),
    }
}

fn fixture_inputs() -> Vec<Value> {
    let names = [
        "athlete",
        "daily",
        "sleep",
        "activity",
        "body",
        "menstruation",
        "nutrition",
    ];
    names
        .iter()
        .filter_map(|name| {
            let text = std::fs::read_to_string(fixtures_dir().join(format!("{name}.input.json")));
            serde_json::from_str(&text.ok()?).ok()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        exercise_all(&value);
        exercise_all(&json!({"user_id": "x", "data": [value.clone()], "next_page": null}));
    }

    #[test]
    fn mutated_fixtures_never_panic(
        fixture in 0usize..7,
        mutations in prop::collection::vec((any::<prop::sample::Index>(), hostile_leaf()), 1..6),
    ) {
        let inputs = fixture_inputs();
        prop_assume!(inputs.len() == 7);
        let mut value = inputs[fixture].clone();
        let mut pointers = Vec::new();
        leaf_pointers(&value, String::new(), &mut pointers);
        prop_assume!(!pointers.is_empty());
        for (index, replacement) in mutations {
            let pointer = index.get(&pointers);
            if let Some(slot) = value.pointer_mut(pointer) {
                *slot = replacement;
            }
        }
        exercise_all(&value);
    }
}

#[test]
fn mutation_keeps_fixtures_mappable_when_nothing_changes() {
    // Guards the property above against vacuity: unmutated fixtures do parse and map.
    let inputs = fixture_inputs();
    assert_eq!(inputs.len(), 7);
    let parsed_daily = inputs
        .iter()
        .filter(|value| {
            serde_json::from_value::<wire::ListPage<wire::Daily>>((*value).clone()).is_ok()
        })
        .count();
    assert_eq!(
        parsed_daily, 1,
        "exactly the daily fixture parses as a daily page"
    );
}
