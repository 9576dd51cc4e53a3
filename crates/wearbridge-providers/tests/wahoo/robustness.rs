//! `map_source`, the mappers and the webhook handler take any JSON without panicking.

use super::golden_support::input_fixtures;
use super::json_props::{nested_json, with_leaf_replaced};
use proptest::prelude::*;
use reqwest::header::HeaderMap;
use secrecy::SecretString;
use serde_json::{Value, json};
use wearbridge_providers::wahoo::push;
use wearbridge_providers::{ProviderCredentials, PushRequest, map_source};

const PATHS: [&str; 4] = ["/v1/user", "/v1/workouts", "/v1/workouts/1", "/webhook"];

fn creds() -> ProviderCredentials {
    ProviderCredentials {
        client_id: "app".to_owned(),
        client_secret: SecretString::from("secret"),
        api_base_url: None,
        auth_base_url: None,
        webhook_secret: Some(SecretString::from("portal-webhook-token")),
        api_key: None,
    }
}

fn exercise(value: &Value) {
    let body = value.to_string();
    let headers = HeaderMap::new();
    let request = PushRequest {
        method: "POST",
        headers: &headers,
        query: None,
        body: body.as_bytes(),
    };
    let _ = push::handle(&creds(), &request);
    if let Ok(event) = push::parse_event(body.as_bytes()) {
        let _ = push::items(&event);
    }
    for path in PATHS {
        if let Ok(records) = map_source("WAHOO", path, &body) {
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
        Just(json!("NaN")),
        Just(json!("inf")),
        Just(json!("-1e308")),
        Just(json!("1e30")),
        Just(json!("Europe/Berlin")),
        Just(json!("Not/AZone")),
        Just(json!("portal-webhook-token")),
        Just(json!("workout_summary")),
        Just(json!("2026-03-04T07:00:00Z")),
        Just(json!("9999-12-31T23:59:59Z")),
        Just(json!("262143-12-31T23:59:59Z")),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ]
}

/// Nested JSON of hostile leaves under Wahoo's field names.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    const KEYS: &[&str] = &[
        "id",
        "starts",
        "minutes",
        "workouts",
        "workout",
        "workout_summary",
        "workout_type_id",
        "duration_total_accum",
        "duration_active_accum",
        "work_accum",
        "time_zone",
        "manual",
        "event_type",
        "webhook_token",
        "user",
        "gender",
        "birth",
        "created_at",
        "order",
        "total",
    ];
    nested_json(hostile_leaf().boxed(), KEYS, "[a-z_]{1,12}")
}

fn fixtures() -> Vec<Value> {
    input_fixtures(
        "wahoo",
        &[
            "workouts_documented",
            "workout_documented",
            "webhook_documented",
            "workouts_with_summaries",
            "user",
        ],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        exercise(&value);
    }

    #[test]
    fn corrupted_fixtures_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf()) {
        let fixtures = fixtures();
        prop_assert_eq!(fixtures.len(), 5);
        for fixture in &fixtures {
            let corrupted = with_leaf_replaced(fixture, &choice, &leaf);
            exercise(&corrupted);
        }
    }
}
