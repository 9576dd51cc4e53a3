//! The OURA simulator over real HTTP: OAuth (consent, body credentials, single-use refresh
//! tokens, revoke by query), every collection and single document validated against
//! Oura's OpenAPI 1.29 schemas (`tests/fixtures/oura/`), Oura's date filtering and
//! `next_token` paging, the numbers against the synthetic person, the webhook subscription
//! API with its verification handshake, signed pushes, and Oura's own fault rendering.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{Days, NaiveDate, TimeDelta};
use hmac::{Hmac, Mac};
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};
use sha2::Sha256;
use wearbridge_sim::{FaultKind, FaultTarget, SimConfig, SimHandle, SimProvider, Simulator};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CLIENT_ID: &str = "oura-app";
const CLIENT_SECRET: &str = "oura-secret";
const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const ACCOUNT: &str = "fixture-44";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// A validator for the subset of JSON Schema Oura's OpenAPI uses ($ref, anyOf/oneOf/allOf,
// type, enum, properties, required, items, minLength), which also reports keys a schema
// does not declare: the simulator must not invent fields.

fn spec() -> Value {
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

fn assert_schema(spec: &Value, name: &str, value: &Value) {
    let errors = schema_errors(spec, name, value);
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

/// Oura's 422 body. Recorded query errors carry an `input` member the spec does not
/// declare (ex_oura cassettes, e.g. `multiple_tag_invalid_dates`); it is allowed here.
fn assert_validation_error(spec: &Value, body: &Value) {
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

// ---------------------------------------------------------------------------------------
// Simulator plumbing.

struct Ctx {
    sim: SimHandle,
    http: Client,
}

impl Ctx {
    async fn start() -> Result<Ctx, Box<dyn std::error::Error>> {
        let sim = Simulator::spawn(SimConfig::default()).await?;
        let http = Client::builder()
            .redirect(redirect::Policy::none())
            .build()?;
        Ok(Ctx { sim, http })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/oura{path}", self.sim.base_url())
    }

    /// Consent as `account`, then the code exchange with body credentials.
    async fn tokens(&self, account: &str) -> Result<Value, Box<dyn std::error::Error>> {
        let authorize = reqwest::Url::parse_with_params(
            &self.url("/oauth/authorize"),
            &[
                ("response_type", "code"),
                ("client_id", CLIENT_ID),
                ("redirect_uri", REDIRECT_URI),
                (
                    "scope",
                    "personal daily heartrate workout session spo2Daily",
                ),
                ("state", "s"),
                ("consent", "allow"),
                ("sim_user", account),
            ],
        )?;
        let answer = self.http.get(authorize).send().await?;
        assert_eq!(answer.status(), StatusCode::FOUND);
        let code = support::redirect_code(&answer)?;
        let answer = self
            .http
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ])
            .send()
            .await?;
        assert_eq!(answer.status(), StatusCode::OK);
        Ok(answer.json().await?)
    }

    async fn get(
        &self,
        token: &str,
        path: &str,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let answer = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await?;
        let status = answer.status();
        let text = answer.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    /// Every document of a collection query, following `next_token`; asserts each page
    /// against `page_schema`. Returns (documents, pages).
    async fn all_pages(
        &self,
        spec: &Value,
        token: &str,
        path_and_query: &str,
        page_schema: &str,
    ) -> Result<(Vec<Value>, usize), Box<dyn std::error::Error>> {
        let mut data = Vec::new();
        let mut next: Option<String> = None;
        for pages in 1..=200 {
            let path = match &next {
                Some(next) => format!("{path_and_query}&next_token={next}"),
                None => path_and_query.to_owned(),
            };
            let (status, body) = self.get(token, &path).await?;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            assert_schema(spec, page_schema, &body);
            data.extend(body["data"].as_array().cloned().unwrap_or_default());
            match body["next_token"].as_str() {
                Some(token) => next = Some(token.to_owned()),
                None => return Ok((data, pages)),
            }
        }
        Err("more than 200 pages".into())
    }
}

fn access(tokens: &Value) -> String {
    tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------------------
// Data API.

const COLLECTIONS: [(&str, &str, &str); 6] = [
    (
        "sleep",
        "MultiDocumentResponse_PublicModifiedSleepModel_",
        "PublicModifiedSleepModel",
    ),
    (
        "daily_activity",
        "MultiDocumentResponse_PublicDailyActivity_",
        "PublicDailyActivity",
    ),
    (
        "daily_readiness",
        "MultiDocumentResponse_PublicDailyReadiness_",
        "PublicDailyReadiness",
    ),
    (
        "daily_spo2",
        "MultiDocumentResponse_PublicDailySpO2_",
        "PublicDailySpO2",
    ),
    (
        "workout",
        "MultiDocumentResponse_PublicWorkout_",
        "PublicWorkout",
    ),
    (
        "session",
        "MultiDocumentResponse_PublicSession_",
        "PublicSession",
    ),
];

#[tokio::test]
async fn every_collection_and_document_validates_against_the_spec() -> TestResult {
    let ctx = Ctx::start().await?;
    let spec = spec();
    let token = access(&ctx.tokens(ACCOUNT).await?);
    for (name, page_schema, doc_schema) in COLLECTIONS {
        // A month, dates as Oura clients send them (the end as a naive end-of-day).
        let query =
            format!("/v2/usercollection/{name}?start_date=2026-02-01&end_date=2026-02-28T23:59:59");
        let (docs, pages) = ctx.all_pages(&spec, &token, &query, page_schema).await?;
        match name {
            "workout" => assert!(!docs.is_empty(), "a month has workouts"),
            "session" => assert!(docs.is_empty(), "the person never has sessions"),
            _ => {
                assert_eq!(docs.len(), 28, "{name}: one document per day");
                assert!(pages >= 3, "{name}: 28 documents take several pages");
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for doc in docs.iter().take(5) {
            let id = doc["id"].as_str().unwrap_or_default();
            assert!(ids.insert(id.to_owned()), "{name}: ids are unique");
            let (status, single) = ctx
                .get(&token, &format!("/v2/usercollection/{name}/{id}"))
                .await?;
            assert_eq!(status, StatusCode::OK);
            assert_schema(&spec, doc_schema, &single);
            assert_eq!(
                &single, doc,
                "{name}: the single document equals the listed one"
            );
        }
    }
    let (status, info) = ctx.get(&token, "/v2/usercollection/personal_info").await?;
    assert_eq!(status, StatusCode::OK);
    assert_schema(&spec, "PersonalInfoResponse", &info);
    assert_eq!(info["id"], ACCOUNT);
    Ok(())
}

#[tokio::test]
async fn heartrate_validates_pages_and_refuses_long_windows() -> TestResult {
    let ctx = Ctx::start().await?;
    let spec = spec();
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let query = "/v2/usercollection/heartrate?start_datetime=2026-03-01T00:00:00%2B00:00&end_datetime=2026-03-03T00:00:00%2B00:00";
    let (rows, pages) = ctx
        .all_pages(
            &spec,
            &token,
            query,
            "TimeSeriesResponse_PublicHeartRateRow_",
        )
        .await?;
    // Two days of 5-minute rows, both ends inclusive.
    assert_eq!(rows.len(), 2 * 288 + 1);
    assert!(pages >= 2);
    let times: Vec<i64> = rows
        .iter()
        .filter_map(|r| r["timestamp_unix"].as_i64())
        .collect();
    assert!(
        times.windows(2).all(|w| w[1] - w[0] == 300_000),
        "ordered, 5 minutes apart"
    );
    assert_eq!(rows[0]["timestamp"], "2026-03-01T00:00:00+00:00");
    let sources: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r["source"].as_str()).collect();
    assert!(
        sources.contains("sleep") && sources.contains("awake"),
        "{sources:?}"
    );

    let (status, body) = ctx
        .get(&token, "/v2/usercollection/heartrate?start_datetime=2026-01-01T00:00:00&end_datetime=2026-03-01T00:00:00")
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_validation_error(&spec, &body);
    Ok(())
}

#[tokio::test]
async fn a_date_only_end_leaves_out_that_days_activity_and_sleep() -> TestResult {
    let ctx = Ctx::start().await?;
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let days = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["day"].as_str().map(str::to_owned))
            .collect()
    };
    let range = "start_date=2026-03-03&end_date=2026-03-04";
    for (name, expected) in [
        ("daily_activity", vec!["2026-03-03"]),
        ("sleep", vec!["2026-03-03"]),
        ("daily_readiness", vec!["2026-03-03", "2026-03-04"]),
        ("daily_spo2", vec!["2026-03-03", "2026-03-04"]),
    ] {
        let (_, body) = ctx
            .get(&token, &format!("/v2/usercollection/{name}?{range}"))
            .await?;
        assert_eq!(days(&body), expected, "{name}");
    }
    let (_, body) = ctx
        .get(
            &token,
            "/v2/usercollection/daily_activity?start_date=2026-03-03&end_date=2026-03-05",
        )
        .await?;
    assert_eq!(days(&body), ["2026-03-03", "2026-03-04"]);
    Ok(())
}

#[tokio::test]
async fn the_numbers_are_the_persons() -> TestResult {
    let ctx = Ctx::start().await?;
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let person = ctx.sim.person(ACCOUNT);
    let date = day(2026, 3, 4);
    let night = person.sleep_ending_on(date);
    let (_, body) = ctx
        .get(
            &token,
            "/v2/usercollection/sleep?start_date=2026-03-04&end_date=2026-03-05",
        )
        .await?;
    let sleep = &body["data"][0];
    assert_eq!(sleep["day"], "2026-03-04");
    assert_eq!(sleep["total_sleep_duration"], night.asleep_s);
    assert_eq!(sleep["time_in_bed"], night.in_bed_s);
    assert_eq!(sleep["deep_sleep_duration"], night.deep_s);
    assert_eq!(sleep["lowest_heart_rate"], night.resting_hr_bpm);
    assert_eq!(sleep["average_hrv"], night.hrv_rmssd_ms.round() as i64);
    let offset = person.offset().to_string();
    assert!(
        sleep["bedtime_start"]
            .as_str()
            .is_some_and(|t| t.ends_with(&offset)),
        "local offset {offset} kept: {}",
        sleep["bedtime_start"]
    );
    let phases = sleep["sleep_phase_5_min"].as_str().unwrap_or_default();
    assert_eq!(phases.len() as i64, (night.in_bed_s + 299) / 300);

    // Oura's activity day runs 04:00 to 04:00 local.
    let today = person.day(date);
    let tomorrow = person.day(date + Days::new(1));
    let steps: u32 = today.intervals[16..]
        .iter()
        .chain(&tomorrow.intervals[..16])
        .map(|i| i.steps)
        .sum();
    let (_, body) = ctx
        .get(
            &token,
            "/v2/usercollection/daily_activity?start_date=2026-03-04&end_date=2026-03-05",
        )
        .await?;
    let activity = &body["data"][0];
    assert_eq!(activity["steps"], steps);
    assert_eq!(activity["class_5_min"].as_str().map(str::len), Some(288));
    assert_eq!(
        activity["met"]["items"].as_array().map(Vec::len),
        Some(1440)
    );
    let classified: i64 = ["high", "medium", "low"]
        .iter()
        .map(|c| activity[format!("{c}_activity_time")].as_i64().unwrap_or(0))
        .chain(
            ["sedentary_time", "resting_time", "non_wear_time"]
                .iter()
                .map(|k| activity[*k].as_i64().unwrap_or(0)),
        )
        .sum();
    assert_eq!(classified, 86_400, "every 5 minutes is in one class");

    let (_, info) = ctx.get(&token, "/v2/usercollection/personal_info").await?;
    assert_eq!(info["weight"], person.profile().base_weight_kg);
    assert_eq!(info["height"], person.profile().height_m);
    Ok(())
}

#[tokio::test]
async fn errors_have_oura_shapes() -> TestResult {
    let ctx = Ctx::start().await?;
    let spec = spec();
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let (status, body) = ctx
        .get(&token, "/v2/usercollection/sleep/not-existing")
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_validation_error(&spec, &body);
    // Well-formed, but no such document.
    let (status, body) = ctx
        .get(
            &token,
            "/v2/usercollection/sleep/00000000-2026-0304-0000-000000000000",
        )
        .await?;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "Document not found."})
        )
    );
    let (status, body) = ctx
        .get(
            &token,
            "/v2/usercollection/sleep?start_date=2026-03-05&end_date=2026-03-01",
        )
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_validation_error(&spec, &body);
    let (status, body) = ctx.get("nope", "/v2/usercollection/sleep").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["detail"].is_string());
    let (status, _) = ctx
        .get(&token, "/v2/usercollection/ring_battery_level")
        .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = ctx
        .get(&token, "/v2/usercollection/sleep?start_date=2026-03-01&end_date=2026-03-05&next_token=token123")
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Oura's rate limit: 429 with an empty body.
    ctx.sim.faults().inject(
        "oura",
        FaultKind::RateLimit { retry_after_s: 7 },
        FaultTarget::Api,
        1,
    )?;
    let answer = ctx
        .http
        .get(ctx.url("/v2/usercollection/personal_info"))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        answer
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("7")
    );
    assert!(answer.bytes().await?.is_empty());
    Ok(())
}

// ---------------------------------------------------------------------------------------
// OAuth.

#[tokio::test]
async fn refresh_tokens_are_single_use_and_revoke_takes_the_query_token() -> TestResult {
    let ctx = Ctx::start().await?;
    let tokens = ctx.tokens(ACCOUNT).await?;
    assert_eq!(tokens["expires_in"], 86_400);
    assert_eq!(tokens["token_type"], "Bearer");
    let refresh = |token: String| {
        ctx.http
            .post(ctx.url("/oauth/token"))
            .form(&[
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", token),
                ("client_id", CLIENT_ID.to_owned()),
                ("client_secret", CLIENT_SECRET.to_owned()),
            ])
            .send()
    };
    let old = tokens["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let renewed = refresh(old.clone()).await?;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await?;
    let reused = refresh(old).await?;
    assert_eq!(reused.status(), StatusCode::BAD_REQUEST);
    let reused: Value = reused.json().await?;
    assert_eq!(reused["error"], "invalid_grant");

    let token = access(&renewed);
    let revoke = format!("{}?access_token={token}", ctx.url("/oauth/revoke"));
    assert_eq!(ctx.http.get(&revoke).send().await?.status(), StatusCode::OK);
    let (status, _) = ctx.get(&token, "/v2/usercollection/personal_info").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Already revoked: 401, which clients treat as done.
    assert_eq!(
        ctx.http.post(&revoke).send().await?.status(),
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Webhook subscriptions and pushes.

/// A callback that answers Oura's verification when the token is `good-token`, recording
/// every query it gets.
async fn callback_server()
-> Result<(String, Arc<Mutex<Vec<BTreeMap<String, String>>>>), Box<dyn std::error::Error>> {
    use axum::extract::Query;
    let seen: Arc<Mutex<Vec<BTreeMap<String, String>>>> = Arc::default();
    let log = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::get(move |Query(query): Query<BTreeMap<String, String>>| {
            let log = Arc::clone(&log);
            async move {
                if let Ok(mut log) = log.lock() {
                    log.push(query.clone());
                }
                if query.get("verification_token").map(String::as_str) == Some("good-token") {
                    (
                        StatusCode::OK,
                        axum::Json(json!({"challenge": query.get("challenge")})),
                    )
                } else {
                    (StatusCode::UNAUTHORIZED, axum::Json(json!({})))
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}/hook"), seen))
}

#[tokio::test]
async fn subscriptions_are_verified_listed_renewed_and_deleted() -> TestResult {
    let ctx = Ctx::start().await?;
    let spec = spec();
    let (callback, seen) = callback_server().await?;
    let app = |method: reqwest::Method, path: &str| {
        ctx.http
            .request(method, ctx.url(&format!("/v2/webhook/subscription{path}")))
            .header("x-client-id", CLIENT_ID)
            .header("x-client-secret", CLIENT_SECRET)
    };
    let create = |token: &str, data_type: &str| {
        app(reqwest::Method::POST, "").json(&json!({
            "callback_url": callback, "verification_token": token,
            "event_type": "create", "data_type": data_type,
        }))
    };
    let created = create("good-token", "sleep").send().await?;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await?;
    assert_schema(&spec, "WebhookSubscriptionModel", &created);
    let handshake = seen
        .lock()
        .map(|log| log.last().cloned())
        .ok()
        .flatten()
        .unwrap_or_default();
    assert_eq!(
        handshake.get("verification_token").map(String::as_str),
        Some("good-token")
    );
    assert!(handshake.get("challenge").is_some_and(|c| !c.is_empty()));

    assert_eq!(
        create("good-token", "sleep").send().await?.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        create("bad-token", "workout").send().await?.status(),
        StatusCode::BAD_REQUEST
    );
    let invalid = create("good-token", "sleeps").send().await?;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_validation_error(&spec, &invalid.json().await?);
    let anonymous = ctx
        .http
        .get(ctx.url("/v2/webhook/subscription"))
        .send()
        .await?;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let listed: Value = app(reqwest::Method::GET, "").send().await?.json().await?;
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "the refused ones were not stored"
    );
    assert_schema(&spec, "WebhookSubscriptionModel", &listed[0]);
    let id = created["id"].as_str().unwrap_or_default();
    let got = app(reqwest::Method::GET, &format!("/{id}")).send().await?;
    assert_eq!(got.json::<Value>().await?, created);
    let other = app(
        reqwest::Method::GET,
        "/c534043e-ba54-4131-9dce-e40537823bff",
    )
    .send()
    .await?;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);

    let updated = app(reqwest::Method::PUT, &format!("/{id}"))
        .json(&json!({"verification_token": "good-token", "event_type": "update"}))
        .send()
        .await?;
    assert_eq!(updated.status(), StatusCode::OK);
    assert_eq!(updated.json::<Value>().await?["event_type"], "update");
    let no_token = app(reqwest::Method::PUT, &format!("/{id}"))
        .json(&json!({}))
        .send()
        .await?;
    assert_eq!(no_token.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let renewed = app(reqwest::Method::PUT, &format!("/renew/{id}"))
        .send()
        .await?;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await?;
    assert_schema(&spec, "WebhookSubscriptionModel", &renewed);
    let expires = chrono::NaiveDateTime::parse_from_str(
        renewed["expiration_time"].as_str().unwrap_or_default(),
        "%Y-%m-%dT%H:%M:%S%.f",
    )?;
    assert!(expires.and_utc() > chrono::Utc::now() + TimeDelta::days(6));
    let missing = app(reqwest::Method::PUT, "/renew/nope").send().await?;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    assert_eq!(
        app(reqwest::Method::DELETE, &format!("/{id}"))
            .send()
            .await?
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app(reqwest::Method::DELETE, &format!("/{id}"))
            .send()
            .await?
            .status(),
        StatusCode::NOT_FOUND
    );
    let listed: Value = app(reqwest::Method::GET, "").send().await?.json().await?;
    assert_eq!(listed, json!([]));
    Ok(())
}

#[tokio::test]
async fn pushes_name_a_fetchable_document_and_are_signed_with_the_client_secret() -> TestResult {
    let ctx = Ctx::start().await?;
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let date = day(2026, 3, 4);
    for (terra, oura) in [
        ("sleep", "sleep"),
        ("daily", "daily_activity"),
        ("body", "daily_spo2"),
    ] {
        let Some(push) =
            ctx.sim
                .push_message(SimProvider::Oura, ACCOUNT, terra, date, CLIENT_SECRET)
        else {
            panic!("{terra}: Oura notifies");
        };
        assert_eq!(
            (push.method, push.content_type),
            ("POST", "application/json")
        );
        let body: Value = serde_json::from_slice(&push.body)?;
        assert_eq!(body["data_type"], oura);
        assert_eq!(body["user_id"], ACCOUNT);
        assert_eq!(body["event_type"], "create");
        let header = |name: &str| {
            push.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(CLIENT_SECRET.as_bytes())?;
        mac.update(header("x-oura-timestamp").as_bytes());
        mac.update(&push.body);
        assert_eq!(
            header("x-oura-signature"),
            hex::encode_upper(mac.finalize().into_bytes())
        );
        let object = body["object_id"].as_str().unwrap_or_default();
        let (status, doc) = ctx
            .get(&token, &format!("/v2/usercollection/{oura}/{object}"))
            .await?;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(doc["day"], "2026-03-04");
    }
    assert!(
        ctx.sim
            .push_message(SimProvider::Oura, ACCOUNT, "athlete", date, CLIENT_SECRET)
            .is_none()
    );
    Ok(())
}
