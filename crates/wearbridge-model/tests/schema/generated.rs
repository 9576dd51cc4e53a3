//! Every generated type, webhook event and enum validates against the committed Terra
//! schema and round-trips; Terra's own schema `examples` round-trip; every committed
//! schema compiles.

use serde_json::{Value, json};
use wearbridge_model::testing::{schema, validate};
use wearbridge_model::*;

use crate::support::equivalent;
use crate::support::generated::{enum_cases, event_cases, struct_cases};
use crate::{Failures, expect_same};

#[test]
fn every_generated_type_is_schema_valid_and_round_trips() {
    let mut failures = Failures::default();
    let cases = struct_cases().into_iter().chain(event_cases());
    let mut count = 0;
    for case in cases {
        count += 1;
        match (case.populated)() {
            Ok(json) => failures.check(case.schema, validate(case.schema, &json)),
            Err(error) => failures.check(case.schema, Err(vec![error])),
        }
        match (case.round_trips)() {
            Ok(true) => {}
            Ok(false) => failures.check(
                case.schema,
                Err(vec!["round trip changed the value".into()]),
            ),
            Err(error) => failures.check(case.schema, Err(vec![error])),
        }
    }
    assert!(
        count > 150,
        "only {count} cases: the generated case list shrank"
    );
    failures.assert_none();
}

#[test]
fn every_enum_value_is_schema_valid_and_unknown_values_are_kept() {
    let mut failures = Failures::default();
    for case in enum_cases() {
        let known = (case.known)();
        assert!(!known.is_empty(), "{}", case.schema);
        for value in &known {
            failures.check(case.schema, validate(case.schema, value));
            let back = (case.reparse)(value.clone());
            failures.check(case.schema, expect_same(value, back));
        }
        let unknown = if case.numeric {
            json!(987_654)
        } else {
            json!("not-yet-known")
        };
        assert!(!known.contains(&unknown));
        failures.check(
            case.schema,
            expect_same(&unknown, (case.reparse)(unknown.clone())),
        );
        assert!(
            validate(case.schema, &unknown).is_err(),
            "{} accepts {unknown}",
            case.schema
        );
    }
    failures.assert_none();
}

#[test]
fn activity_type_codes_match_the_schema_exactly() {
    let codes: Vec<i64> = ActivityType::KNOWN.iter().map(|t| t.code()).collect();
    assert_eq!(codes.first(), Some(&0));
    assert_eq!(codes.last(), Some(&154));
    let gaps: Vec<i64> = (0..=154).filter(|code| !codes.contains(code)).collect();
    assert_eq!(
        gaps,
        [2, 6, 72, 107, 109, 110, 111, 112, 121],
        "gaps as in core/ActivityType"
    );
    assert_eq!(codes.len(), 146);
    assert_eq!(ActivityType::from_code(0), ActivityType::InVehicle);
    assert_eq!(ActivityType::default(), ActivityType::InVehicle);
    assert_eq!(SleepLevel::default().code(), 0);
    assert_eq!(StrokeType::default().as_str(), "other");
    assert_eq!(
        serde_json::to_value(ActivityType::Running).ok(),
        Some(json!(8))
    );
    assert_eq!(
        serde_json::from_value::<ActivityType>(json!(999)).ok(),
        Some(ActivityType::Other(999))
    );
    assert_eq!(
        serde_json::from_value::<SleepLevel>(json!(4.0)).ok(),
        Some(SleepLevel::LightSleep)
    );
    assert!(serde_json::from_value::<SleepLevel>(json!(4.5)).is_err());
    assert!(serde_json::from_value::<SleepLevel>(json!("4")).is_err());
}

/// Terra's `examples`: for every generated struct, an object made of the first
/// example of each property (required properties without one come from the
/// populated value) parses and re-serialises to equivalent JSON. Enum-level
/// examples likewise.
#[test]
fn schema_examples_round_trip() {
    let mut failures = Failures::default();
    let mut examples_seen = 0;
    for case in struct_cases().into_iter().chain(event_cases()) {
        let Some(doc) = schema(case.schema) else {
            failures.check(case.schema, Err(vec!["schema not committed".into()]));
            continue;
        };
        let Some(properties) = doc.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let populated = (case.populated)().unwrap_or(Value::Null);
        let mut object = serde_json::Map::new();
        for (key, property) in properties {
            let example = property
                .get("examples")
                .and_then(Value::as_array)
                .and_then(|examples| examples.first());
            match example {
                Some(example) => {
                    examples_seen += 1;
                    object.insert(key.clone(), example.clone());
                }
                None => {
                    if let Some(value) = populated.get(key) {
                        object.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        let original = Value::Object(object);
        failures.check(
            case.schema,
            expect_equivalent(&original, (case.reparse)(original.clone())),
        );
    }
    for case in enum_cases() {
        let examples = schema(case.schema)
            .and_then(|doc| doc.get("examples").cloned())
            .and_then(|examples| examples.as_array().cloned())
            .unwrap_or_default();
        for example in examples {
            examples_seen += 1;
            failures.check(
                case.schema,
                expect_equivalent(&example, (case.reparse)(example.clone())),
            );
        }
    }
    assert!(examples_seen > 400, "only {examples_seen} examples found");
    failures.assert_none();
}

fn expect_equivalent(expected: &Value, actual: Result<Value, String>) -> Result<(), Vec<String>> {
    match actual {
        Ok(actual) if equivalent(expected, &actual) => Ok(()),
        Ok(actual) => Err(vec![format!("{expected}\n    came back as\n    {actual}")]),
        Err(error) => Err(vec![format!("{expected}\n    failed to parse: {error}")]),
    }
}

/// Every committed schema compiles and all its `$ref`s resolve (catches
/// extraction mistakes such as a wrong relative path in `api/`).
#[test]
fn every_committed_schema_compiles_and_resolves() {
    let names = wearbridge_model::testing::schema_names();
    assert!(names.len() > 800, "only {} schemas", names.len());
    assert!(names.iter().any(|name| name == "api/DataResponse.daily"));
    let broken: Vec<String> = names
        .iter()
        .filter_map(|name| {
            let errors = validate(name, &Value::Null).err()?;
            let fatal = errors
                .iter()
                .find(|e| e.contains("does not compile") || e.contains("not committed"))?;
            Some(format!("{name}: {fatal}"))
        })
        .collect();
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
