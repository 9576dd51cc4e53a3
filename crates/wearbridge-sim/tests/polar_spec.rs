//! The simulated Polar cloud's responses validate against Polar's AccessLink v3 response
//! shapes (`tests/fixtures/polar/schemas.json`, restated from Polar's OpenAPI; see
//! SOURCES.md there). Objects are closed: a key the spec does not name fails.

mod support;

use std::collections::BTreeMap;

use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;
use wearbridge_sim::providers::polar::{polar_user_id, push_message};
use wearbridge_sim::{SimConfig, SimHandle, SimProvider, Simulator};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn schemas() -> BTreeMap<String, Value> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/polar/schemas.json");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_default()
}

/// Checks `value` against `schema`, collecting every violation with its JSON pointer.
fn check(
    all: &BTreeMap<String, Value>,
    schema: &Value,
    value: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    if let Some(name) = schema.get("$ref").and_then(Value::as_str) {
        match all.get(name) {
            Some(target) => check(all, target, value, at, errors),
            None => errors.push(format!("{at}: unknown schema {name}")),
        }
        return;
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    let ok = match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    if !ok {
        errors.push(format!("{at}: expected {kind}, got {value}"));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} not in {allowed:?}"));
    }
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let values = schema.get("values");
            for (key, child) in map {
                let child_at = format!("{at}/{key}");
                match (properties.and_then(|p| p.get(key)), values) {
                    (Some(sub), _) | (None, Some(sub)) => check(all, sub, child, &child_at, errors),
                    (None, None) => errors.push(format!("{child_at}: undeclared key")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    check(all, sub, item, &format!("{at}/{index}"), errors);
                }
            }
        }
        _ => {}
    }
}

fn assert_valid(name: &str, value: &Value) {
    let all = schemas();
    let Some(schema) = all.get(name) else {
        panic!("no schema {name}");
    };
    let mut errors = Vec::new();
    check(&all, schema, value, "", &mut errors);
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

struct Session {
    sim: SimHandle,
    http: Client,
    token: String,
}

impl Session {
    fn url(&self, path: &str) -> String {
        format!("{}/polar{path}", self.sim.base_url())
    }

    async fn get(&self, path: &str) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
}

/// Consent as `account`, exchange the code with HTTP Basic, register the user.
async fn session(account: &str) -> Result<Session, Box<dyn std::error::Error>> {
    let sim = Simulator::spawn(SimConfig::default()).await?;
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()?;
    let base = sim.provider_url(SimProvider::Polar);
    let response = http
        .get(format!("{base}/oauth2/authorization"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "app"),
            ("redirect_uri", REDIRECT),
            ("scope", "accesslink.read_all"),
            ("consent", "allow"),
            ("sim_user", account),
        ])
        .send()
        .await?;
    let code = support::redirect_code(&response)?;
    // Client credentials in the body are refused: Polar wants HTTP Basic.
    let body_auth = http
        .post(format!("{base}/v2/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", REDIRECT),
            ("client_id", "app"),
            ("client_secret", "s"),
        ])
        .send()
        .await?;
    assert_eq!(body_auth.status(), StatusCode::UNAUTHORIZED);
    let tokens: Value = http
        .post(format!("{base}/v2/oauth2/token"))
        .basic_auth("app", Some("secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await?
        .json()
        .await?;
    let keys: Vec<&str> = tokens
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        ["access_token", "expires_in", "token_type", "x_user_id"],
        "{tokens}"
    );
    assert_eq!(tokens["x_user_id"], Value::from(polar_user_id(account)));
    assert_eq!(tokens["token_type"], "bearer");
    let token = tokens["access_token"].as_str().ok_or("token")?.to_owned();
    let s = Session { sim, http, token };
    let (status, error) = s.get("/v3/users/sleep").await?;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "unregistered users get no data"
    );
    assert_valid("error", &error);
    let registered = s
        .http
        .post(s.url("/v3/users"))
        .bearer_auth(&s.token)
        .json(&serde_json::json!({"member-id": format!("m-{account}")}))
        .send()
        .await?;
    assert_eq!(registered.status(), StatusCode::OK);
    assert_valid("user", &registered.json().await?);
    let again = s
        .http
        .post(s.url("/v3/users"))
        .bearer_auth(&s.token)
        .json(&serde_json::json!({"member-id": format!("m-{account}")}))
        .send()
        .await?;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    Ok(s)
}

#[tokio::test]
async fn every_endpoint_answers_in_polars_documented_shape() -> TestResult {
    let s = session("spec-runner").await?;
    let today = chrono::Utc::now().date_naive();
    let week_ago = today - chrono::TimeDelta::days(6);
    let id = polar_user_id("spec-runner");
    let checks = [
        (format!("/v3/users/{id}"), "user"),
        (
            "/v3/exercises?samples=true&zones=true&route=true".to_owned(),
            "exerciseHashId",
        ),
        ("/v3/users/sleep".to_owned(), "nights"),
        ("/v3/users/nightly-recharge".to_owned(), "recharges"),
        (
            format!("/v3/users/continuous-heart-rate?from={week_ago}&to={today}"),
            "continuous-heartrate-range",
        ),
        (
            format!("/v3/users/continuous-heart-rate/{week_ago}"),
            "continuous-heartrate",
        ),
        (
            format!("/v3/users/activities?from={week_ago}&to={today}&steps=true"),
            "array-of-activity-summary-with-all-samples",
        ),
        (
            format!("/v3/users/activities/{week_ago}?steps=true"),
            "activity-summary-with-all-samples",
        ),
        (format!("/v3/users/sleep/{week_ago}"), "sleep"),
        (
            format!("/v3/users/nightly-recharge/{week_ago}"),
            "nightly-recharge",
        ),
    ];
    for (path, schema) in checks {
        let (status, body) = s.get(&path).await?;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        if schema == "exerciseHashId" {
            let items = body.as_array().ok_or("exercises are an array")?;
            for item in items {
                assert_valid(schema, item);
            }
        } else {
            assert_valid(schema, &body);
        }
    }
    let (status, error) = s
        .get(&format!(
            "/v3/users/activities?from={}&to={today}",
            today - chrono::TimeDelta::days(40)
        ))
        .await?;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "ranges over 28 days are refused"
    );
    assert_valid("error", &error);
    Ok(())
}

#[tokio::test]
async fn pushes_are_documented_payloads_signed_with_the_secret() -> TestResult {
    let person = wearbridge_sim::Person::new("spec-push");
    let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 3).ok_or("date")?;
    for data_type in ["sleep", "daily", "body"] {
        let message = push_message(&person, "spec-push", data_type, date, "k").ok_or("push")?;
        let body: Value = serde_json::from_slice(&message.body)?;
        assert_valid("webhookPayload", &body);
        assert_eq!(body["date"], "2026-06-03");
        let signature = &message.headers.first().ok_or("signature")?.1;
        assert_eq!(
            signature,
            &wearbridge_sim::providers::polar::sign("k", &message.body)
        );
        assert_eq!(signature.len(), 64);
    }
    assert!(push_message(&person, "spec-push", "nutrition", date, "k").is_none());
    Ok(())
}

#[tokio::test]
async fn deregistration_ends_the_token() -> TestResult {
    let s = session("spec-leaver").await?;
    let id = polar_user_id("spec-leaver");
    let deleted = s
        .http
        .delete(s.url(&format!("/v3/users/{id}")))
        .bearer_auth(&s.token)
        .send()
        .await?;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (status, _) = s.get("/v3/users/sleep").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    Ok(())
}
