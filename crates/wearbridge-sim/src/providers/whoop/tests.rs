//! The WHOOP cloud served on a real socket: OAuth quirks, paging, revocation, agreement with
//! the synthetic person, and every response validated against WHOOP's OpenAPI schemas
//! (`tests/fixtures/whoop/openapi-v2-schemas.json`).

use std::sync::Arc;

use chrono::{DateTime, Days as ChronoDays, FixedOffset, NaiveDate, Utc};
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;

use super::*;
use crate::{SimConfig, SimState};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const ALL_SCOPES: &str =
    "read:recovery read:cycles read:workout read:sleep read:profile read:body_measurement offline";

struct Cloud {
    base: String,
    http: Client,
    oauth: Arc<OAuthServer>,
    _server: tokio::task::JoinHandle<()>,
}

async fn start() -> Result<Cloud, Box<dyn std::error::Error>> {
    let sim = Arc::new(SimState::new(&SimConfig::default()));
    let oauth = Arc::new(OAuthServer::new(oauth_settings()));
    let app = router(Arc::clone(&oauth), sim);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()?;
    Ok(Cloud {
        base,
        http,
        oauth,
        _server: server,
    })
}

impl Cloud {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn authorize(
        &self,
        state: &str,
        scope: &str,
        user: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let query = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", "app"),
            ("redirect_uri", REDIRECT_URI),
            ("state", state),
            ("scope", scope),
            ("consent", "allow"),
            ("sim_user", user),
        ])
        .unwrap_or_default();
        self.http
            .get(format!("{}?{query}", self.url(AUTHORIZE_PATH)))
            .send()
            .await
    }

    async fn connect(&self, user: &str, scope: &str) -> Result<Value, Box<dyn std::error::Error>> {
        let response = self.authorize("state-123456", scope, user).await?;
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .ok_or("no Location")?
            .to_str()?;
        let url = url::Url::parse(location)?;
        let code = url
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .ok_or("no code")?;
        let response = self
            .http
            .post(self.url(TOKEN_PATH))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("client_id", "app"),
                ("client_secret", "secret"),
            ])
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::OK);
        Ok(response.json().await?)
    }

    async fn token(&self, user: &str) -> Result<String, Box<dyn std::error::Error>> {
        let tokens = self.connect(user, ALL_SCOPES).await?;
        Ok(tokens["access_token"]
            .as_str()
            .ok_or("no token")?
            .to_owned())
    }

    async fn get(
        &self,
        token: &str,
        path: &str,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let response = self
            .http
            .get(self.url(&format!("{API_PREFIX}{path}")))
            .bearer_auth(token)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
}

// ---------------------------------------------------------------------------------------
// A minimal validator for the OpenAPI 3.0 subset WHOOP's schemas use ($ref, type,
// format, required, properties, items, enum, maximum), strict about undeclared keys.

fn spec() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/whoop/openapi-v2-schemas.json");
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

fn check(spec: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference.trim_start_matches('#');
        match spec.pointer(pointer) {
            Some(target) => check(spec, target, value, at, errors),
            None => errors.push(format!("{at}: unresolved {reference}")),
        }
        return;
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} not in {options:?}"));
    }
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("object");
    let format = schema.get("format").and_then(Value::as_str);
    let ok = match kind {
        "object" => check_object(spec, schema, value, at, errors),
        "array" => match value.as_array() {
            Some(items) => {
                let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
                for (index, item) in items.iter().enumerate() {
                    check(spec, &item_schema, item, &format!("{at}/{index}"), errors);
                }
                true
            }
            None => false,
        },
        "integer" => value
            .as_i64()
            .is_some_and(|n| format != Some("int32") || i32::try_from(n).is_ok()),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "string" => value
            .as_str()
            .is_some_and(|text| string_format_ok(format, text)),
        _ => false,
    };
    if !ok {
        errors.push(format!("{at}: {value} is not a valid {kind} ({format:?})"));
    }
    if let (Some(max), Some(number)) = (
        schema.get("maximum").and_then(Value::as_f64),
        value.as_f64(),
    ) && number > max
    {
        errors.push(format!("{at}: {number} above maximum {max}"));
    }
}

fn check_object(
    spec: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    errors: &mut Vec<String>,
) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    let properties = schema.get("properties").and_then(Value::as_object);
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = required.as_str()
            && !object.contains_key(name)
        {
            errors.push(format!("{at}: missing required {name}"));
        }
    }
    for (key, child) in object {
        match properties.and_then(|p| p.get(key)) {
            Some(child_schema) => check(spec, child_schema, child, &format!("{at}/{key}"), errors),
            None => errors.push(format!("{at}: undeclared key {key}")),
        }
    }
    true
}

fn string_format_ok(format: Option<&str>, text: &str) -> bool {
    match format {
        Some("date-time") => DateTime::parse_from_rfc3339(text).is_ok(),
        Some("uuid") => {
            text.len() == 36
                && text.char_indices().all(|(i, c)| match i {
                    8 | 13 | 18 | 23 => c == '-',
                    _ => c.is_ascii_hexdigit(),
                })
        }
        _ => true,
    }
}

fn assert_valid(schema_name: &str, value: &Value) {
    let spec = spec();
    let schema = serde_json::json!({ "$ref": format!("#/components/schemas/{schema_name}") });
    let mut errors = Vec::new();
    check(&spec, &schema, value, "", &mut errors);
    assert!(errors.is_empty(), "{schema_name}: {errors:#?}\n{value}");
}

// ---------------------------------------------------------------------------------------

fn days_ago(days: u64) -> NaiveDate {
    Utc::now()
        .date_naive()
        .checked_sub_days(ChronoDays::new(days))
        .unwrap_or_default()
}

fn window(from: NaiveDate, to: NaiveDate) -> String {
    format!("start={from}T00:00:00.000Z&end={to}T00:00:00.000Z")
}

#[tokio::test]
async fn every_response_validates_against_whoop_openapi() -> TestResult {
    let cloud = start().await?;
    let token = cloud.token("alice").await?;
    let range = window(days_ago(10), days_ago(1));
    let collections = [
        ("/cycle", "PaginatedCycleResponse"),
        ("/recovery", "RecoveryCollection"),
        ("/activity/sleep", "PaginatedSleepResponse"),
        ("/activity/workout", "WorkoutCollection"),
    ];
    for (path, schema) in collections {
        let (status, page) = cloud
            .get(&token, &format!("{path}?limit=25&{range}"))
            .await?;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_valid(schema, &page);
        assert!(!page["records"].as_array().is_none_or(Vec::is_empty) || path.contains("workout"));
    }
    let (_, profile) = cloud.get(&token, "/user/profile/basic").await?;
    assert_valid("UserBasicProfile", &profile);
    let (_, body) = cloud.get(&token, "/user/measurement/body").await?;
    assert_valid("UserBodyMeasurement", &body);
    let (_, page) = cloud
        .get(&token, &format!("/cycle?limit=1&{range}"))
        .await?;
    let cycle_id = page["records"][0]["id"].as_i64().ok_or("cycle id")?;
    let singles = [
        (format!("/cycle/{cycle_id}"), "Cycle"),
        (format!("/cycle/{cycle_id}/recovery"), "Recovery"),
        (format!("/cycle/{cycle_id}/sleep"), "Sleep"),
    ];
    for (path, schema) in singles {
        let (status, record) = cloud.get(&token, &path).await?;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_valid(schema, &record);
    }
    let (_, sleep) = cloud
        .get(&token, &format!("/cycle/{cycle_id}/sleep"))
        .await?;
    let sleep_id = sleep["id"].as_str().ok_or("sleep id")?;
    let (status, by_id) = cloud
        .get(&token, &format!("/activity/sleep/{sleep_id}"))
        .await?;
    assert_eq!((status, &by_id), (StatusCode::OK, &sleep));
    let (_, workouts) = cloud
        .get(
            &token,
            &format!(
                "/activity/workout?limit=25&{}",
                window(days_ago(30), days_ago(1))
            ),
        )
        .await?;
    let workout = &workouts["records"][0];
    let workout_id = workout["id"].as_str().ok_or("a workout in 30 days")?;
    let (status, by_id) = cloud
        .get(&token, &format!("/activity/workout/{workout_id}"))
        .await?;
    assert_eq!((status, &by_id), (StatusCode::OK, workout));
    assert_valid("WorkoutV2", &by_id);
    // Another user's ids are not found.
    let other = cloud.token("bob").await?;
    let (status, _) = cloud
        .get(&other, &format!("/activity/sleep/{sleep_id}"))
        .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = cloud.get(&other, &format!("/cycle/{cycle_id}")).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn pages_walk_newest_first_without_gaps() -> TestResult {
    let cloud = start().await?;
    let token = cloud.token("carol").await?;
    let range = window(days_ago(20), days_ago(2));
    let mut next: Option<String> = None;
    let mut starts: Vec<String> = Vec::new();
    let mut pages = 0;
    loop {
        let token_param = next
            .as_ref()
            .map(|t| format!("&nextToken={t}"))
            .unwrap_or_default();
        let (status, page) = cloud
            .get(&token, &format!("/cycle?limit=4&{range}{token_param}"))
            .await?;
        assert_eq!(status, StatusCode::OK);
        let records = page["records"].as_array().ok_or("records")?;
        assert!(records.len() <= 4);
        starts.extend(
            records
                .iter()
                .filter_map(|r| r["start"].as_str().map(str::to_owned)),
        );
        pages += 1;
        match page["next_token"].as_str() {
            Some(token) => next = Some(token.to_owned()),
            None => break,
        }
        assert!(pages < 20, "paging does not end");
    }
    let mut sorted = starts.clone();
    sorted.sort();
    sorted.reverse();
    sorted.dedup();
    assert_eq!(starts, sorted, "newest first, no repeats");
    // Days 20..2 ago: the cycle of each of those days, plus the one that started before
    // the window and ends inside it.
    assert!((19..=20).contains(&starts.len()), "{} cycles", starts.len());
    let (status, _) = cloud.get(&token, "/cycle?limit=26").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = cloud.get(&token, "/cycle?nextToken=garbage").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn records_are_the_synthetic_persons_in_whoop_units() -> TestResult {
    let cloud = start().await?;
    let token = cloud.token("dave").await?;
    let person = crate::Person::new("dave");
    let date = days_ago(5);
    let night = person.sleep_ending_on(date);
    let cycle_id = ids::cycle_id(ids::user_id("dave"), date);
    let (status, sleep) = cloud
        .get(&token, &format!("/cycle/{cycle_id}/sleep"))
        .await?;
    assert_eq!(status, StatusCode::OK);
    let start = DateTime::parse_from_rfc3339(sleep["start"].as_str().ok_or("start")?)?;
    assert_eq!(start, night.start, "UTC instant of the night's start");
    assert!(
        sleep["start"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z') && s.contains('.'))
    );
    let offset: FixedOffset = person.offset().fixed();
    let expected_tzd = if offset.local_minus_utc() == 0 {
        "Z".to_owned()
    } else {
        offset.to_string()
    };
    assert_eq!(sleep["timezone_offset"], expected_tzd.as_str());
    let stages = &sleep["score"]["stage_summary"];
    let asleep_ms = stages["total_light_sleep_time_milli"].as_i64().unwrap_or(0)
        + stages["total_slow_wave_sleep_time_milli"]
            .as_i64()
            .unwrap_or(0)
        + stages["total_rem_sleep_time_milli"].as_i64().unwrap_or(0);
    assert_eq!(
        asleep_ms,
        night.asleep_s * 1000,
        "milliseconds, deep = slow wave"
    );
    let (_, recovery) = cloud
        .get(&token, &format!("/cycle/{}/recovery", sleep["cycle_id"]))
        .await?;
    assert_eq!(recovery["sleep_id"], sleep["id"]);
    assert_eq!(
        recovery["score"]["resting_heart_rate"],
        f64::from(night.resting_hr_bpm)
    );
    assert_eq!(recovery["score"]["hrv_rmssd_milli"], night.hrv_rmssd_ms);
    let (_, body) = cloud.get(&token, "/user/measurement/body").await?;
    let today = Utc::now().with_timezone(&offset).date_naive();
    assert_eq!(body["weight_kilogram"], person.body_on(today).weight_kg);
    assert_eq!(body["height_meter"], person.profile().height_m);
    Ok(())
}

#[tokio::test]
async fn oauth_follows_whoop_rules() -> TestResult {
    let cloud = start().await?;
    let response = cloud.authorize("short", ALL_SCOPES, "erin").await?;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "state under 8 characters"
    );
    let without_offline = cloud.connect("erin", "read:sleep read:profile").await?;
    assert!(without_offline.get("refresh_token").is_none());
    assert!(without_offline.get("user_id").is_none());
    assert_eq!(without_offline["expires_in"], 3600);
    let with_offline = cloud.connect("erin", ALL_SCOPES).await?;
    let refresh = with_offline["refresh_token"]
        .as_str()
        .ok_or("refresh token with offline")?;
    // Refresh rotates; the old refresh token is then invalid_grant.
    let form = |token: &str| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", token.to_owned()),
            ("client_id", "app".to_owned()),
            ("client_secret", "secret".to_owned()),
            ("scope", "offline".to_owned()),
        ]
    };
    let first = cloud
        .http
        .post(cloud.url(TOKEN_PATH))
        .form(&form(refresh))
        .send()
        .await?;
    assert_eq!(first.status(), StatusCode::OK);
    let rotated: Value = first.json().await?;
    assert_ne!(rotated["refresh_token"].as_str(), Some(refresh));
    let reused = cloud
        .http
        .post(cloud.url(TOKEN_PATH))
        .form(&form(refresh))
        .send()
        .await?;
    assert_eq!(reused.status(), StatusCode::BAD_REQUEST);
    // Basic client authentication is refused: WHOOP takes credentials in the body.
    let basic = cloud
        .http
        .post(cloud.url(TOKEN_PATH))
        .basic_auth("app", Some("secret"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await?;
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn delete_user_access_revokes_the_grant() -> TestResult {
    let cloud = start().await?;
    let token = cloud.token("frank").await?;
    let (status, _) = cloud.get(&token, "/user/profile/basic").await?;
    assert_eq!(status, StatusCode::OK);
    let response = cloud
        .http
        .delete(cloud.url(REVOKE_PATH))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = cloud.get(&token, "/user/profile/basic").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(cloud.oauth.accounts(), vec!["frank".to_owned()]);
    Ok(())
}

#[test]
fn the_validator_rejects_what_the_spec_does_not_allow() {
    let spec = spec();
    let schema = serde_json::json!({ "$ref": "#/components/schemas/RecoveryScore" });
    let good = serde_json::json!({
        "user_calibrating": false, "recovery_score": 44.0,
        "resting_heart_rate": 64.0, "hrv_rmssd_milli": 31.8
    });
    let mut errors = Vec::new();
    check(&spec, &schema, &good, "", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    for bad in [
        serde_json::json!({"user_calibrating": false, "recovery_score": 44.0, "resting_heart_rate": 64.0}),
        serde_json::json!({"user_calibrating": "no", "recovery_score": 44.0, "resting_heart_rate": 64.0, "hrv_rmssd_milli": 31.8}),
        serde_json::json!({"user_calibrating": false, "recovery_score": 44.0, "resting_heart_rate": 64.0, "hrv_rmssd_milli": 31.8, "hrv_sdnn_milli": 40.0}),
    ] {
        let mut errors = Vec::new();
        check(&spec, &schema, &bad, "", &mut errors);
        assert!(!errors.is_empty(), "accepted {bad}");
    }
}

#[test]
fn rate_limit_answer_carries_whoop_headers() {
    let response = rate_limit_response(42);
    assert_eq!(response.status().as_u16(), 429);
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("x-ratelimit-reset"), Some("42"));
    assert_eq!(header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(header("x-ratelimit-limit"), Some(RATE_LIMIT_POLICY));
    assert_eq!(header("retry-after"), None);
}
