//! The JSON Schema validator the OURA tests check responses with, and its own test.

use serde_json::{Value, json};

// A validator for the subset of JSON Schema Oura's OpenAPI uses ($ref, anyOf/oneOf/allOf,
// type, enum, properties, required, items, minLength), which also reports keys a schema
// does not declare: the simulator must not invent fields.

pub(crate) fn spec() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/oura/openapi-1.29.schemas.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("spec: {e}"))
}

fn schema_errors(spec: &Value, name: &str, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
    check(spec, &schema, value, "", &mut errors);
    errors
}

pub(crate) fn assert_schema(spec: &Value, name: &str, value: &Value) {
    let errors = schema_errors(spec, name, value);
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

/// Oura's 422 body. Recorded query errors carry an `input` member the spec does not
/// declare (ex_oura cassettes, e.g. `multiple_tag_invalid_dates`); it is allowed here.
pub(crate) fn assert_validation_error(spec: &Value, body: &Value) {
    let mut body = body.clone();
    for item in body["detail"].as_array_mut().into_iter().flatten() {
        item.as_object_mut().map(|o| o.remove("input"));
    }
    assert_schema(spec, "HTTPValidationError", &body);
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "string" => value.is_string(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn check(spec: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        match spec.pointer(&format!("/components/schemas/{name}")) {
            Some(target) => check(spec, target, value, path, errors),
            None => errors.push(format!("{path}: unknown $ref {reference}")),
        }
    }
    for (key, need_all) in [("anyOf", false), ("oneOf", false), ("allOf", true)] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let results: Vec<Vec<String>> = branches
                .iter()
                .map(|branch| {
                    let mut inner = Vec::new();
                    check(spec, branch, value, path, &mut inner);
                    inner
                })
                .collect();
            let passing = results.iter().filter(|r| r.is_empty()).count();
            let ok = if need_all {
                passing == results.len()
            } else if key == "oneOf" {
                passing == 1
            } else {
                passing > 0
            };
            if !ok {
                errors.push(format!("{path}: no {key} branch matches: {results:?}"));
            }
        }
    }
    if let Some(kind) = schema.get("type").and_then(Value::as_str)
        && !type_matches(kind, value)
    {
        errors.push(format!("{path}: expected {kind}, got {value}"));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} not in {allowed:?}"));
    }
    if let (Some(min), Some(text)) = (
        schema.get("minLength").and_then(Value::as_u64),
        value.as_str(),
    ) && (text.chars().count() as u64) < min
    {
        errors.push(format!("{path}: shorter than {min}"));
    }
    check_object(spec, schema, value, path, errors);
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (index, item) in array.iter().enumerate() {
            check(spec, items, item, &format!("{path}/{index}"), errors);
        }
    }
}

fn check_object(spec: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(object) = value.as_object() else {
        return;
    };
    let properties = schema.get("properties").and_then(Value::as_object);
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(key) = required.as_str()
            && !object.contains_key(key)
        {
            errors.push(format!("{path}: missing required {key}"));
        }
    }
    let Some(properties) = properties else {
        return;
    };
    for (key, child) in object {
        match properties.get(key) {
            Some(property) => check(spec, property, child, &format!("{path}/{key}"), errors),
            None => errors.push(format!("{path}: undeclared key {key}")),
        }
    }
}

#[test]
fn the_validator_catches_missing_wrong_and_invented_fields() {
    let spec = spec();
    let good = json!({"timestamp": "2026-01-01T00:00:00+00:00", "timestamp_unix": 1, "bpm": 60, "source": "awake"});
    assert!(schema_errors(&spec, "PublicHeartRateRow", &good).is_empty());
    let mut missing = good.clone();
    missing.as_object_mut().map(|o| o.remove("bpm"));
    let wrong_type = json!({"timestamp": "t", "timestamp_unix": 1, "bpm": 60.5, "source": "awake"});
    let wrong_enum = json!({"timestamp": "t", "timestamp_unix": 1, "bpm": 60, "source": "nap"});
    for bad in [missing, wrong_type, wrong_enum] {
        assert!(
            !schema_errors(&spec, "PublicHeartRateRow", &bad).is_empty(),
            "{bad}"
        );
    }
    // Keys the schema does not declare are reported.
    let invented =
        json!({"timestamp": "t", "timestamp_unix": 1, "bpm": 60, "source": "awake", "extra": 1});
    assert!(!schema_errors(&spec, "PublicHeartRateRow", &invented).is_empty());
}
