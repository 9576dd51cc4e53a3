//! The Withings cloud against the Withings adapter's expectations: envelopes, paging,
//! error statuses, the wrapped token endpoint, and the same person as SANDBOX.

use std::sync::Arc;

use axum::body::to_bytes;
use axum::http::StatusCode;
use chrono::Utc;
use serde_json::Value;

use super::*;
use crate::SimConfig;

/// Serves the Withings router alone on an ephemeral port.
async fn serve() -> (String, Arc<OAuthServer>, Arc<SimState>) {
    let state = Arc::new(SimState::new(&SimConfig::default()));
    let oauth = Arc::new(OAuthServer::new(oauth_settings()));
    let app = router(Arc::clone(&oauth), Arc::clone(&state));
    let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
        panic!("bind");
    };
    let Ok(addr) = listener.local_addr() else {
        panic!("addr");
    };
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), oauth, state)
}

/// An access token for `account`, through the real consent + token flow.
async fn connect(base: &str, account: &str) -> Value {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    let authorize = format!(
        "{base}{AUTHORIZE_PATH}?response_type=code&client_id=app&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&state=s&scope=user.metrics,user.activity&sim_user={account}&consent=allow"
    );
    let Ok(answer) = http.get(authorize).send().await else {
        panic!("authorize");
    };
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let code = url::Url::parse(&location)
        .ok()
        .and_then(|url| {
            url.query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_else(|| panic!("no code in {location:?}"));
    let form = [
        ("action", "requesttoken"),
        ("grant_type", "authorization_code"),
        ("client_id", "app"),
        ("client_secret", "secret"),
        ("code", code.as_str()),
        ("redirect_uri", "http://localhost/cb"),
    ];
    post(&http, &format!("{base}{TOKEN_PATH}"), None, &form).await
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    form: &[(&str, &str)],
) -> Value {
    let mut request = http.post(url).form(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let Ok(answer) = request.send().await else {
        panic!("POST {url}");
    };
    assert_eq!(
        answer.status(),
        reqwest::StatusCode::OK,
        "Withings always answers 200"
    );
    answer.json().await.unwrap_or(Value::Null)
}

fn token_of(envelope: &Value) -> String {
    envelope
        .pointer("/body/access_token")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no token in {envelope}"))
        .to_owned()
}

#[tokio::test]
async fn the_token_endpoint_answers_in_the_envelope() {
    let (base, _, _) = serve().await;
    let answer = connect(&base, "withings-alice").await;
    assert_eq!(answer.get("status"), Some(&Value::from(0)));
    assert_eq!(
        answer.pointer("/body/userid").and_then(Value::as_str),
        Some("withings-alice")
    );
    assert_eq!(
        answer.pointer("/body/expires_in"),
        Some(&Value::from(10_800))
    );
    assert_eq!(
        answer.pointer("/body/scope").and_then(Value::as_str),
        Some("user.metrics,user.activity")
    );
    // The code is single-use: a second exchange is an error status, still HTTP 200.
    let http = reqwest::Client::new();
    let reused = post(
        &http,
        &format!("{base}{TOKEN_PATH}"),
        None,
        &[
            ("action", "requesttoken"),
            ("grant_type", "authorization_code"),
            ("client_id", "app"),
            ("client_secret", "secret"),
            ("code", "nope"),
            ("redirect_uri", "http://localhost/cb"),
        ],
    )
    .await;
    assert_eq!(
        reused.get("status"),
        Some(&Value::from(status::INVALID_PARAMS))
    );
}

#[tokio::test]
async fn bad_tokens_and_unknown_actions_are_statuses_not_http_errors() {
    let (base, _, _) = serve().await;
    let http = reqwest::Client::new();
    let answer = post(
        &http,
        &format!("{base}{MEASURE_PATH}"),
        Some("bogus"),
        &[("action", "getmeas")],
    )
    .await;
    assert_eq!(
        answer.get("status"),
        Some(&Value::from(status::INVALID_TOKEN))
    );
    let token = token_of(&connect(&base, "withings-bob").await);
    let answer = post(
        &http,
        &format!("{base}{MEASURE_PATH}"),
        Some(&token),
        &[("action", "nope")],
    )
    .await;
    assert_eq!(
        answer.get("status"),
        Some(&Value::from(status::UNKNOWN_ACTION))
    );
}

#[tokio::test]
async fn weights_are_the_person_s_and_pages_follow_offset() {
    let (base, _, state) = serve().await;
    let token = token_of(&connect(&base, "withings-carol").await);
    let person = state.person("withings-carol");
    let http = reqwest::Client::new();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
    let window_start = start
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp()
        - 14 * 3600;
    let window_end = window_start + 31 * 86_400;
    let (ws, we) = (window_start.to_string(), window_end.to_string());
    let mut offset = String::new();
    let mut groups = Vec::new();
    for _ in 0..10 {
        let mut form = vec![
            ("action", "getmeas"),
            ("meastypes", "1,6"),
            ("category", "1"),
            ("startdate", ws.as_str()),
            ("enddate", we.as_str()),
        ];
        if !offset.is_empty() {
            form.push(("offset", offset.as_str()));
        }
        let answer = post(&http, &format!("{base}{MEASURE_PATH}"), Some(&token), &form).await;
        assert_eq!(answer.get("status"), Some(&Value::from(0)), "{answer}");
        let body = answer.get("body").cloned().unwrap_or(Value::Null);
        groups.extend(
            body.get("measuregrps")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        if body.get("more") == Some(&Value::from(1)) {
            offset = body.get("offset").map(Value::to_string).unwrap_or_default();
        } else {
            break;
        }
    }
    assert!(
        groups.len() >= 30,
        "one weigh-in per day, got {}",
        groups.len()
    );
    let first = groups.first().cloned().unwrap_or(Value::Null);
    let at = first
        .get("date")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let date = chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.with_timezone(&person.offset().fixed()).date_naive())
        .unwrap_or_default();
    let weight = first
        .get("measures")
        .and_then(Value::as_array)
        .and_then(|m| m.iter().find(|m| m.get("type") == Some(&Value::from(1))))
        .and_then(|m| m.get("value"))
        .and_then(Value::as_i64)
        .unwrap_or_default();
    assert_eq!(
        weight,
        (person.body_on(date).weight_kg * 1000.0).round() as i64
    );
    // Only the requested types.
    for group in &groups {
        for measure in group
            .get("measures")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let kind = measure.get("type").and_then(Value::as_i64);
            assert!(matches!(kind, Some(1 | 6)), "{measure}");
        }
    }
}

#[tokio::test]
async fn sleep_summary_and_detail_describe_the_same_night() {
    let (base, _, state) = serve().await;
    let token = token_of(&connect(&base, "withings-dan").await);
    let person = state.person("withings-dan");
    let http = reqwest::Client::new();
    let summary = post(
        &http,
        &format!("{base}{SLEEP_PATH}"),
        Some(&token),
        &[
            ("action", "getsummary"),
            ("startdateymd", "2026-02-03"),
            ("enddateymd", "2026-02-03"),
        ],
    )
    .await;
    let night = summary
        .pointer("/body/series/0")
        .cloned()
        .unwrap_or(Value::Null);
    let expected =
        person.sleep_ending_on(chrono::NaiveDate::from_ymd_opt(2026, 2, 3).unwrap_or_default());
    assert_eq!(
        night
            .pointer("/data/total_sleep_time")
            .and_then(Value::as_i64),
        Some(expected.asleep_s)
    );
    let efficiency = night
        .pointer("/data/sleep_efficiency")
        .and_then(Value::as_f64)
        .unwrap_or_default();
    assert!(efficiency <= 1.0, "a ratio, not a percent: {efficiency}");
    let (start, end) = (
        night
            .get("startdate")
            .map(Value::to_string)
            .unwrap_or_default(),
        night
            .get("enddate")
            .map(Value::to_string)
            .unwrap_or_default(),
    );
    let detail = post(
        &http,
        &format!("{base}{SLEEP_PATH}"),
        Some(&token),
        &[
            ("action", "get"),
            ("startdate", &start),
            ("enddate", &end),
            ("data_fields", "hr,rr,rmssd"),
        ],
    )
    .await;
    let segments = detail
        .pointer("/body/series")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert_eq!(segments.len(), expected.stages.len());
    let covered: i64 = segments
        .iter()
        .map(|s| {
            s.get("enddate").and_then(Value::as_i64).unwrap_or(0)
                - s.get("startdate").and_then(Value::as_i64).unwrap_or(0)
        })
        .sum();
    assert_eq!(covered, expected.in_bed_s);
}

#[tokio::test]
async fn rate_limit_faults_are_status_601_with_http_200() {
    let Some(response) = fault_response(&FaultKind::RateLimit { retry_after_s: 5 }) else {
        panic!("rate limits have a Withings form");
    };
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = to_bytes(response.into_body(), 1024)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert_eq!(body.get("status"), Some(&Value::from(601)));
}

#[test]
fn zones_name_the_person_s_fixed_offset() {
    assert_eq!(render::zone_name(3_600), "Etc/GMT-1");
    assert_eq!(render::zone_name(-18_000), "Etc/GMT+5");
    assert_eq!(render::zone_name(19_800), "Asia/Kolkata");
    assert_eq!(render::zone_name(0), "Etc/UTC");
}

#[test]
fn notifications_are_plain_forms() {
    let body = notification_body("42", 44, 100, 200);
    assert_eq!(body, "userid=42&appli=44&startdate=100&enddate=200");
    assert_eq!(appli_for("body"), Some(1));
    assert_eq!(appli_for("nutrition"), None);
}

/// The response schemas of the community Withings OpenAPI (see
/// `tests/fixtures/withings/SOURCES.md`), made strict: every object that lists its
/// properties accepts no others, so a field the simulator invents (or misspells) fails.
fn spec_validator(schema_name: &str) -> jsonschema::Validator {
    let text = include_str!("../../../tests/fixtures/withings/openapi-schemas.json");
    let Ok(mut root) = serde_json::from_str::<Value>(text) else {
        panic!("spec fixture is JSON");
    };
    add_recorded_fields(&mut root);
    forbid_undeclared(&mut root);
    if let Some(object) = root.as_object_mut() {
        object.insert(
            "$ref".to_owned(),
            Value::from(format!("#/components/schemas/{schema_name}")),
        );
    }
    match jsonschema::validator_for(&root) {
        Ok(validator) => validator,
        Err(error) => panic!("spec schema {schema_name} compiles: {error}"),
    }
}

/// Where real recorded answers (aiowithings fixtures, see providers.md and
/// `tests/fixtures/withings/SOURCES.md`) contradict the hand-written community spec, the
/// recorded answer wins: (properties object, field, schema of the field as recorded).
const RECORDED_FIELDS: [(&str, &str, &str); 12] = [
    // measurement.json: `"modelid": 5, "model": "Body+", "comment": null`.
    (MEASURE_GROUP, "comment", r#"{"type": ["string", "null"]}"#),
    (MEASURE_GROUP, "model", r#"{"type": "string"}"#),
    (MEASURE_GROUP, "modelid", r#"{"type": "integer"}"#),
    // activity.json: `"modified": 1697884856, "modelid": 1055, "model": "GoogleFit tracker"`.
    (ACTIVITY_DAY, "model", r#"{"type": "string"}"#),
    (ACTIVITY_DAY, "modelid", r#"{"type": "integer"}"#),
    (ACTIVITY_DAY, "modified", r#"{"type": "integer"}"#),
    // workouts.json: `"model": 1055, "attrib": 0`.
    (WORKOUT, "attrib", r#"{"type": "integer"}"#),
    (WORKOUT, "model", r#"{"type": "integer"}"#),
    // sleep_summary.json: `"created": 1620237476`.
    (SLEEP_NIGHT, "created", r#"{"type": "integer"}"#),
    // sleep.json: the body carries `"model": 32`; each segment `"model": "Aura Sensor V2"`
    // (a name, where the spec says integer).
    (SLEEP_BODY, "model", r#"{"type": "integer"}"#),
    (SLEEP_SEGMENT, "model", r#"{"type": "string"}"#),
    // notify_subscribe.json: `{"status": 0, "body": {}}`.
    (SUCCESS, "body", r#"{"type": "object"}"#),
];
const MEASURE_GROUP: &str = "/components/schemas/MeasureGetMeasResponse/properties/body/properties/measuregrps/items/properties";
const ACTIVITY_DAY: &str = "/components/schemas/GetActivityResponse/properties/body/properties/activities/items/properties";
const WORKOUT: &str =
    "/components/schemas/GetWorkoutsResponse/properties/body/properties/series/items/properties";
const SLEEP_NIGHT: &str = "/components/schemas/SleepGetSummaryResponse/properties/body/properties/series/items/properties";
const SLEEP_BODY: &str = "/components/schemas/SleepGetResponse/properties/body/properties";
const SLEEP_SEGMENT: &str =
    "/components/schemas/SleepGetResponse/properties/body/properties/series/items/properties";
const SUCCESS: &str = "/components/schemas/SuccessResponse/properties";

fn add_recorded_fields(root: &mut Value) {
    for (pointer, field, schema) in RECORDED_FIELDS {
        let Some(Value::Object(properties)) = root.pointer_mut(pointer) else {
            panic!("spec fixture has no {pointer}");
        };
        let Ok(schema) = serde_json::from_str::<Value>(schema) else {
            panic!("recorded field schema is JSON: {schema}");
        };
        properties.insert(field.to_owned(), schema);
    }
}

fn forbid_undeclared(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            if object.contains_key("properties") && !object.contains_key("additionalProperties") {
                object.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            object.values_mut().for_each(forbid_undeclared);
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_undeclared),
        _ => {}
    }
}

/// Where `answer` (a success envelope) departs from `schema_name`, one line per error.
fn spec_errors(schema_name: &str, answer: &Value) -> Vec<String> {
    assert_eq!(answer.get("status"), Some(&Value::from(0)), "{answer}");
    spec_validator(schema_name)
        .iter_errors(answer)
        .map(|error| format!("{schema_name}: {error} at {}", error.instance_path))
        .collect()
}

/// (path, spec response schema, form of the request).
type SpecCase<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

#[tokio::test]
async fn answers_validate_against_the_withings_openapi() {
    let (base, _, _) = serve().await;
    let token = token_of(&connect(&base, "withings-spec").await);
    let http = reqwest::Client::new();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
    let start = day
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp();
    let (start, end) = (start.to_string(), (start + 86_399).to_string());
    let week_start = "2026-01-01";
    let cases: [SpecCase<'_>; 8] = [
        (
            MEASURE_PATH,
            "MeasureGetMeasResponse",
            vec![
                ("action", "getmeas"),
                ("category", "1"),
                ("startdate", &start),
                ("enddate", &end),
            ],
        ),
        (
            MEASURE_V2_PATH,
            "GetActivityResponse",
            vec![
                ("action", "getactivity"),
                ("startdateymd", week_start),
                ("enddateymd", "2026-01-07"),
            ],
        ),
        (
            MEASURE_V2_PATH,
            "GetIntradayActivityResponse",
            vec![
                ("action", "getintradayactivity"),
                ("startdate", &start),
                ("enddate", &end),
            ],
        ),
        (
            MEASURE_V2_PATH,
            "GetWorkoutsResponse",
            vec![
                ("action", "getworkouts"),
                ("startdateymd", week_start),
                ("enddateymd", "2026-01-31"),
            ],
        ),
        (
            SLEEP_PATH,
            "SleepGetSummaryResponse",
            vec![
                ("action", "getsummary"),
                ("startdateymd", week_start),
                ("enddateymd", "2026-01-07"),
            ],
        ),
        (
            SLEEP_PATH,
            "SleepGetResponse",
            vec![("action", "get"), ("startdate", &start), ("enddate", &end)],
        ),
        (
            NOTIFY_PATH,
            "SuccessResponse",
            vec![
                ("action", "subscribe"),
                ("appli", "44"),
                ("callbackurl", "https://example.test/hook"),
            ],
        ),
        (NOTIFY_PATH, "NotifyListResponse", vec![("action", "list")]),
    ];
    let mut failures = Vec::new();
    for (path, schema, form) in cases {
        let answer = post(&http, &format!("{base}{path}"), Some(&token), &form).await;
        let body = answer.get("body").cloned().unwrap_or(Value::Null);
        assert!(
            body.as_object()
                .is_some_and(|b| schema == "SuccessResponse" || !b.is_empty()),
            "{schema}: empty body"
        );
        failures.extend(spec_errors(schema, &answer));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_strict_spec_rejects_undeclared_fields_and_wrong_types() {
    let validator = spec_validator("GetActivityResponse");
    let ok = serde_json::json!({"status": 0, "body": {"activities": [{"date": "2026-01-05", "steps": 10}], "more": false, "offset": 0}});
    assert!(validator.is_valid(&ok));
    let undeclared = serde_json::json!({"status": 0, "body": {"activities": [{"date": "2026-01-05", "stepz": 10}]}});
    assert!(!validator.is_valid(&undeclared));
    let wrong_type = serde_json::json!({"status": 0, "body": {"activities": [], "more": 1}});
    assert!(!validator.is_valid(&wrong_type));
}

/// `getnonce` then `revoke`, signed with the registered client's secret: the grant ends,
/// and neither a reused nonce nor a wrong signature is accepted.
#[tokio::test]
async fn signed_revocation_ends_the_grant_once_per_nonce() {
    let (base, oauth, _) = serve().await;
    oauth.register_client("app", "secret");
    let token = token_of(&connect(&base, "rita").await);
    assert!(oauth.check_access(&token).is_ok());
    let http = reqwest::Client::new();
    let signature_url = format!("{base}{SIGNATURE_PATH}");
    let now = Utc::now().timestamp().to_string();
    let nonce_answer = |signature: String| {
        let http = http.clone();
        let url = signature_url.clone();
        let now = now.clone();
        async move {
            let form = [
                ("action", "getnonce"),
                ("client_id", "app"),
                ("timestamp", now.as_str()),
                ("signature", signature.as_str()),
            ];
            post(&http, &url, None, &form).await
        }
    };
    let refused = nonce_answer(request_signature("wrong", &["getnonce", "app", &now])).await;
    assert_eq!(refused["status"], status::INVALID_SIGNATURE);
    let answer = nonce_answer(request_signature("secret", &["getnonce", "app", &now])).await;
    assert_eq!(answer["status"], 0, "{answer}");
    let nonce = answer["body"]["nonce"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!nonce.is_empty());

    let revoke = |signature: String| {
        let http = http.clone();
        let url = format!("{base}{TOKEN_PATH}");
        let nonce = nonce.clone();
        async move {
            let form = [
                ("action", "revoke"),
                ("client_id", "app"),
                ("nonce", nonce.as_str()),
                ("signature", signature.as_str()),
                ("userid", "rita"),
            ];
            post(&http, &url, None, &form).await
        }
    };
    let good = request_signature("secret", &["revoke", "app", &nonce]);
    let answer = revoke(good.clone()).await;
    assert_eq!(answer["status"], 0, "{answer}");
    assert!(oauth.check_access(&token).is_err(), "the grant survived");
    let reused = revoke(good).await;
    assert_eq!(reused["status"], status::INVALID_SIGNATURE, "{reused}");
}
