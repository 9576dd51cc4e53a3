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
