//! Property-test building blocks shared by every provider's robustness tests: nested JSON
//! made of a provider's hostile leaves and likely keys, and the JSON-pointer paths of a
//! document's leaves (to corrupt real payloads one leaf at a time). Each provider keeps its
//! own leaves and keys; only the shape-building is shared.

#![allow(dead_code)]

use proptest::prelude::*;
use serde_json::Value;

/// Arrays and objects up to four levels deep, of `leaf` values, with object keys drawn from
/// `keys` (the provider's field names, so mappers reach their branches) or `key_pattern`.
pub fn nested_json(
    leaf: BoxedStrategy<Value>,
    keys: &'static [&'static str],
    key_pattern: &'static str,
) -> impl Strategy<Value = Value> {
    leaf.prop_recursive(4, 64, 8, move |inner| {
        let key = prop_oneof![
            prop::sample::select(keys).prop_map(str::to_owned),
            key_pattern.prop_map(|key: String| key),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// JSON pointers of `value`'s leaves (at most the first three items of each array).
pub fn leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                leaves(child, format!("{pointer}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate().take(3) {
                leaves(child, format!("{pointer}/{index}"), out);
            }
        }
        _ => out.push(pointer),
    }
}

/// `fixture` with the leaf `choice` picks (among its [`leaves`]) replaced by `leaf`;
/// unchanged when it has no leaves.
pub fn with_leaf_replaced(fixture: &Value, choice: &prop::sample::Index, leaf: &Value) -> Value {
    let mut pointers = Vec::new();
    leaves(fixture, String::new(), &mut pointers);
    let mut corrupted = fixture.clone();
    if pointers.is_empty() {
        return corrupted;
    }
    let pointer: &String = choice.get(&pointers);
    if let Some(slot) = corrupted.pointer_mut(pointer) {
        *slot = leaf.clone();
    }
    corrupted
}
