//! The Suunto cloud against Suunto's documented behaviour: Basic-only client
//! authentication and the `user` in the token answer, the APIM gate, the workout list's
//! `since`/`limit`/`offset`, one workout by key, the 28-day 24/7 window, the daily
//! statistics, deauthorization and signed pushes.

use std::sync::Arc;

use chrono::{Days, Utc};
use reqwest::StatusCode;
use serde_json::Value;

use super::*;
use crate::SimConfig;
use crate::person::Person;

/// Serves the Suunto router alone on an ephemeral port.
async fn serve() -> (String, Arc<OAuthServer>) {
    let state = Arc::new(SimState::new(&SimConfig::default()));
    let oauth = Arc::new(OAuthServer::new(oauth_settings()));
    let app = router(Arc::clone(&oauth), state);
    let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
        panic!("bind");
    };
    let Ok(addr) = listener.local_addr() else {
        panic!("addr");
    };
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), oauth)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Tokens for `account` through consent and the code exchange (client in Basic).
async fn connect(base: &str, account: &str) -> Value {
    let url = format!(
        "{base}{AUTHORIZE_PATH}?response_type=code&client_id=app&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&state=s&sim_user={account}&consent=allow"
    );
    let answer = http()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("authorize: {e}"));
    let code = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok())
        .and_then(|url| {
            url.query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_else(|| panic!("no code"));
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://localhost/cb"),
    ];
    let in_body = http()
        .post(format!("{base}{TOKEN_PATH}"))
        .form(&[&form[..], &[("client_id", "app"), ("client_secret", "s")]].concat())
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    assert!(
        in_body.status().is_client_error(),
        "credentials in the body are refused"
    );
    let answer = http()
        .post(format!("{base}{TOKEN_PATH}"))
        .basic_auth("app", Some("s"))
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    assert_eq!(answer.status(), StatusCode::OK);
    answer.json().await.unwrap_or(Value::Null)
}

async fn get(base: &str, path: &str, token: &str, key: Option<&str>) -> (StatusCode, Value) {
    let mut request = http()
        .get(format!("{base}{API_PREFIX}{path}"))
        .bearer_auth(token);
    if let Some(key) = key {
        request = request.header("Ocp-Apim-Subscription-Key", key);
    }
    let answer = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    (answer.status(), answer.json().await.unwrap_or(Value::Null))
}

fn access(tokens: &Value) -> String {
    tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// An account whose person has ended workouts in the last two weeks.
fn active_account() -> String {
    let today = Utc::now().date_naive();
    (0..100)
        .map(|n| format!("suunto-sim-{n}"))
        .find(|account| {
            let person = Person::new(account);
            (1..14).any(|back| !person.day(today - Days::new(back)).workouts.is_empty())
        })
        .unwrap_or_else(|| panic!("someone works out"))
}

#[tokio::test]
async fn tokens_name_the_user_and_the_apim_key_gates_every_call() {
    let (base, _) = serve().await;
    let tokens = connect(&base, "suunto-ann").await;
    assert_eq!(tokens["user"], "suunto-ann");
    assert_eq!(tokens["scope"], "workout");
    assert_eq!(tokens["expires_in"], 86_400);
    let token = access(&tokens);
    let (status, body) = get(&base, "/v3/workouts/?since=0&limit=1", &token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["statusCode"], 401, "APIM's own body: {body}");
    let (status, body) = get(&base, "/v3/workouts/?since=0&limit=1", &token, Some("k")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["payload"].is_array() && body["error"].is_null());
    let (status, _) = get(&base, "/v3/workouts/?limit=101", &token, Some("k")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&base, "/v3/workouts/", "nope", Some("k")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn workouts_page_by_since_and_offset_and_read_back_by_key() {
    let (base, _) = serve().await;
    let account = active_account();
    let token = access(&connect(&base, &account).await);
    let since = (Utc::now() - chrono::Duration::days(14)).timestamp_millis();
    let (_, all) = get(
        &base,
        &format!("/v3/workouts/?since={since}&limit=100"),
        &token,
        Some("k"),
    )
    .await;
    let all = all["payload"].as_array().cloned().unwrap_or_default();
    assert!(!all.is_empty());
    let starts: Vec<i64> = all.iter().filter_map(|w| w["startTime"].as_i64()).collect();
    assert!(starts.iter().all(|start| *start > since));
    assert!(
        starts.windows(2).all(|pair| pair[0] <= pair[1]),
        "oldest first"
    );
    let (_, second) = get(
        &base,
        &format!("/v3/workouts/?since={since}&limit=1&offset=1"),
        &token,
        Some("k"),
    )
    .await;
    if all.len() > 1 {
        assert_eq!(second["payload"][0], all[1]);
    }
    let key = all[0]["workoutKey"].as_str().unwrap_or_default();
    let (status, one) = get(&base, &format!("/v3/workouts/{key}"), &token, Some("k")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["payload"], all[0]);
    assert!(one["payload"]["stopTime"].as_i64() > one["payload"]["startTime"].as_i64());
    let (status, _) = get(
        &base,
        "/v3/workouts/000000000000000000000000",
        &token,
        Some("k"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sleep_and_daily_statistics_keep_to_28_days() {
    let (base, _) = serve().await;
    let token = access(&connect(&base, "suunto-sleeper").await);
    let to = Utc::now().timestamp_millis();
    let week = to - 7 * 86_400_000;
    let (status, nights) = get(
        &base,
        &format!("/247samples/sleep?from={week}&to={to}"),
        &token,
        Some("k"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let nights = nights.as_array().cloned().unwrap_or_default();
    assert!((6..=8).contains(&nights.len()), "{}", nights.len());
    let entry = &nights[0]["entryData"];
    let staged = [
        "DeepSleepDuration",
        "LightSleepDuration",
        "REMSleepDuration",
    ]
    .iter()
    .filter_map(|k| entry[*k].as_f64())
    .sum::<f64>();
    assert!(staged <= entry["Duration"].as_f64().unwrap_or(0.0));
    let far = to - 29 * 86_400_000;
    let (status, _) = get(
        &base,
        &format!("/247samples/sleep?from={far}&to={to}"),
        &token,
        Some("k"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, stats) = get(
        &base,
        "/247/daily-activity-statistics?startdate=2026-03-01T00:00:00&enddate=2026-03-07T23:59:59",
        &token,
        Some("k"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats[0]["Name"], "stepcount");
    assert_eq!(
        stats[1]["Sources"][0]["Samples"].as_array().map(Vec::len),
        Some(7)
    );
    let (status, _) = get(
        &base,
        "/247/daily-activity-statistics?startdate=2026-03-01",
        &token,
        Some("k"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn deauthorization_ends_the_grant() {
    let (base, oauth) = serve().await;
    let token = access(&connect(&base, "suunto-leaver").await);
    let deauthorize = |query: &'static str, token: String| {
        let base = base.clone();
        async move {
            http()
                .get(format!("{base}{DEAUTHORIZE_PATH}{query}"))
                .bearer_auth(token)
                .send()
                .await
                .map(|answer| answer.status())
                .unwrap_or_else(|e| panic!("deauthorize: {e}"))
        }
    };
    assert_eq!(
        deauthorize("", token.clone()).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        deauthorize("?client_id=app", token.clone()).await,
        StatusCode::OK
    );
    assert!(oauth.check_access(&token).is_err());
    assert_eq!(
        deauthorize("?client_id=app", token).await,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn pushes_are_signed_full_payloads() {
    let account = active_account();
    let person = Person::new(&account);
    let today = Utc::now().date_naive();
    let date = (1..14)
        .map(|back| today - Days::new(back))
        .find(|date| !person.day(*date).workouts.is_empty())
        .unwrap_or(today);
    let Some(message) = push::push_message(&person, &account, "activity", date, "secret") else {
        panic!("a workout push");
    };
    let body: Value = serde_json::from_slice(&message.body).unwrap_or(Value::Null);
    assert_eq!(body["type"], "WORKOUT_CREATED");
    assert_eq!(body["username"], account.as_str());
    assert!(
        body["workout"].get("stopTime").is_none(),
        "fresh pushes omit it"
    );
    assert_eq!(body["gear"]["manufacturer"], "Suunto");
    let expected = crate::providers::common::hmac_sha256(b"secret", &[&message.body])
        .map(hex::encode)
        .unwrap_or_default();
    assert_eq!(
        message.headers,
        vec![(push::SIGNATURE_HEADER.to_owned(), expected)]
    );
    for kind in ["sleep", "daily"] {
        assert!(push::push_message(&person, &account, kind, date, "secret").is_some());
    }
    assert!(push::push_message(&person, &account, "body", date, "secret").is_none());
}
