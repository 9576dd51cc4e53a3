//! Schema conformance: every generated type, webhook event, enum and API body
//! serialises to JSON that validates against the committed Terra schema and
//! declares no extra key, and parses back to an equal value; Terra's own
//! schema `examples` round-trip.
//!
//! One test binary; the areas are modules: generated types and enums, events and
//! records, API bodies (data responses and per-endpoint bodies), planned workouts.

#[path = "../support/mod.rs"]
mod support;

mod api_bodies;
mod endpoint_bodies;
mod events_and_records;
mod generated;
mod planned_workout;

use serde::Serialize;
use serde_json::Value;
use support::Populated;
use wearbridge_model::TerraUser;

/// Collects failures instead of stopping at the first, so one run lists them all.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, what: &str, result: Result<(), Vec<String>>) {
        if let Err(errors) = result {
            self.0
                .push(format!("{what}:\n    {}", errors.join("\n    ")));
        }
    }

    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} failures:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

fn expect_same(expected: &Value, actual: Result<Value, String>) -> Result<(), Vec<String>> {
    match actual {
        Ok(actual) if &actual == expected => Ok(()),
        Ok(actual) => Err(vec![format!("{expected} came back as {actual}")]),
        Err(error) => Err(vec![format!("{expected} failed to parse: {error}")]),
    }
}

/// The SDK-era `TerraUser` has no `created_at` (added in the current spec), so
/// bodies checked against SDK-era schemas carry a user without it.
fn sdk_user() -> TerraUser {
    TerraUser {
        created_at: None,
        ..TerraUser::populated()
    }
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
