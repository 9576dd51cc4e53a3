//! `map_source` and the push parser take any JSON without panicking.

use super::golden_support::input_fixtures;
use super::json_props::{nested_json, with_leaf_replaced};
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::SecretString;
use serde_json::{Value, json};
use wearbridge_providers::google_health::{fetch, push};
use wearbridge_providers::{ProviderCredentials, PushRequest, map_source};

fn exercise(value: &Value) {
    let body = value.to_string();
    for kind in fetch::ALL_KINDS {
        let path = format!("/v4/users/me/dataTypes/{}/dataPoints", kind.id);
        if let Ok(records) = map_source("GOOGLE_HEALTH", &path, &body) {
            for record in records {
                let _ = record.to_json();
                let _ = record.store_parts();
            }
        }
    }
    let creds = ProviderCredentials {
        webhook_secret: Some(SecretString::from("Bearer s")),
        ..ProviderCredentials::sandbox_dev()
    };
    let mut headers = HeaderMap::new();
    headers.insert("authorization", HeaderValue::from_static("Bearer s"));
    let request = PushRequest {
        method: "POST",
        headers: &headers,
        query: None,
        body: body.as_bytes(),
    };
    let _ = push::handle(&creds, &request);
}

fn hostile_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(null)),
        Just(json!(-1)),
        Just(json!(1e308)),
        Just(json!("")),
        Just(json!("3600s")),
        Just(json!("-90000s")),
        Just(json!("1e400s")),
        Just(json!("9223372036854775807")),
        Just(json!("-9223372036854775808")),
        Just(json!("2026-03-04T07:00:00Z")),
        Just(json!("9999-12-31T23:59:59Z")),
        Just(json!({"year": 2026, "month": 13, "day": 40})),
        Just(json!({"year": -300000, "month": 1, "day": 1})),
        Just(json!(i64::MAX)),
        Just(json!(u64::MAX)),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "dataPoints",
        "steps",
        "distance",
        "heartRate",
        "weight",
        "bodyFat",
        "sleep",
        "exercise",
        "interval",
        "startTime",
        "endTime",
        "startUtcOffset",
        "sampleTime",
        "physicalTime",
        "utcOffset",
        "count",
        "millimeters",
        "date",
        "stages",
        "summary",
        "metricsSummary",
        "nutritionLog",
        "hydrationLog",
        "data",
        "healthUserId",
        "dataType",
        "intervals",
        "type",
    ];
    nested_json(hostile_leaf().boxed(), KEYS, "[a-zA-Z]{1,12}")
}

fn fixtures() -> Vec<Value> {
    input_fixtures(
        "google_health",
        &[
            "exercise_fitbit",
            "sleep_fitbit",
            "weight_fitbit",
            "steps_documented",
            "body_documented",
            "nutrition_documented",
        ],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        exercise(&value);
    }

    #[test]
    fn corrupted_fixtures_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf()) {
        let fixtures = fixtures();
        prop_assert_eq!(fixtures.len(), 6);
        for fixture in &fixtures {
            let corrupted = with_leaf_replaced(fixture, &choice, &leaf);
            exercise(&corrupted);
        }
    }
}
