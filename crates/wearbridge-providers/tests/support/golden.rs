//! Golden-test helpers shared by every provider's mapper tests: the committed fixtures of
//! a provider, mapped records in the form `wearbridge providers map` prints, and lenient
//! JSON-pointer reads.

#![allow(dead_code)]

use std::fs;
use std::path::PathBuf;

use serde_json::{Value, json};
use wearbridge_providers::TerraRecordData;

/// `tests/fixtures/<provider>`.
pub fn fixtures_dir(provider: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(provider)
}

/// The text of fixture `file` of `provider`.
pub fn read_fixture(provider: &str, file: &str) -> String {
    let path = fixtures_dir(provider).join(file);
    match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => panic!("{}: {error}", path.display()),
    }
}

/// The `[{"type", "data"}]` form `wearbridge providers map` prints.
pub fn as_cli_json(records: &[TerraRecordData]) -> Value {
    Value::Array(
        records
            .iter()
            .map(|record| match record.to_json() {
                Ok(data) => json!({"type": record.data_type().as_str(), "data": data}),
                Err(error) => panic!("serializes: {error}"),
            })
            .collect(),
    )
}

/// The Terra JSON of each record.
pub fn record_data(records: &[TerraRecordData]) -> Vec<Value> {
    match as_cli_json(records) {
        Value::Array(items) => items
            .into_iter()
            .map(|item| item.get("data").cloned().unwrap_or(Value::Null))
            .collect(),
        _ => Vec::new(),
    }
}

/// The value at `pointer`, or `null`.
pub fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value.pointer(pointer).unwrap_or(&Value::Null)
}

/// Asserts that `records` (mapped from fixture `name` of `provider`) print exactly as the
/// committed `<name>.terra.json`; with `WEARBRIDGE_BLESS` set, rewrites that file first
/// (review the diff before committing it).
pub fn assert_matches_golden(provider: &str, name: &str, records: &[TerraRecordData]) {
    let actual = as_cli_json(records);
    let file = format!("{name}.terra.json");
    if std::env::var_os("WEARBRIDGE_BLESS").is_some() {
        let path = fixtures_dir(provider).join(&file);
        let text = serde_json::to_string_pretty(&actual).unwrap_or_default();
        if let Err(error) = fs::write(&path, format!("{text}\n")) {
            panic!("{}: {error}", path.display());
        }
    }
    let expected: Value = serde_json::from_str(&read_fixture(provider, &file))
        .unwrap_or_else(|error| panic!("{file}: {error}"));
    assert!(actual == expected, "{name}: mapping differs from {file}");
}

/// Asserts that fixture `name` mapped to at least one record and that each record's
/// Terra JSON validates against `schema` (a committed schema's name, e.g. `core/Activity`).
pub fn assert_schema_valid(name: &str, schema: &str, records: &[TerraRecordData]) {
    let records = record_data(records);
    assert!(!records.is_empty(), "{name} maps to at least one record");
    for record in records {
        if let Err(errors) = wearbridge_model::testing::validate(schema, &record) {
            panic!("{name} violates {schema}: {errors:#?}");
        }
    }
}

/// The parsed `<name>.input.json` fixtures of `provider` (a fixture that is not JSON is
/// left out, so a count assertion notices it).
pub fn input_fixtures(provider: &str, names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|name| read_fixture(provider, &format!("{name}.input.json")))
        .filter_map(|text| serde_json::from_str(&text).ok())
        .collect()
}
