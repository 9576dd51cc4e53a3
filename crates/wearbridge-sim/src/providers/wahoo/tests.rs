//! The Wahoo cloud against Wahoo's documented behaviour: scopes, Doorkeeper's token answer,
//! single-use refresh tokens, revocation with `DELETE /v1/permissions`, the workout list's
//! order, paging and embedded summaries, one workout and summary, the webhook delivery and
//! the rate-limit answer.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;

use super::*;
use crate::SimConfig;
use crate::person::Person;

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

async fn authorize(base: &str, account: &str, scope: &str) -> reqwest::Response {
    let url = format!(
        "{base}{AUTHORIZE_PATH}?response_type=code&client_id=app&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&state=s&scope={scope}&sim_user={account}&consent=allow"
    );
    http()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("authorize: {e}"))
}

async fn token(base: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let answer = http()
        .post(format!("{base}{TOKEN_PATH}"))
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    (answer.status(), answer.json().await.unwrap_or(Value::Null))
}

async fn connect(base: &str, account: &str) -> Value {
    let answer = authorize(base, account, "user_read%20workouts_read%20offline_data").await;
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
    let (status, tokens) = token(
        base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost/cb"),
            ("client_id", "app"),
            ("client_secret", "secret"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    tokens
}

async fn get(base: &str, path: &str, access: &str) -> (StatusCode, Value) {
    let answer = http()
        .get(format!("{base}{path}"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get: {e}"));
    (answer.status(), answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn scopes_are_wahoos_and_space_separated() {
    let (base, _) = serve().await;
    let bad = authorize(&base, "alice", "read,activity:read_all").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let good = authorize(&base, "alice", "user_read%20workouts_read").await;
    assert!(good.status().is_redirection(), "{}", good.status());
    assert!(good.headers().get("location").is_some());
}

#[tokio::test]
async fn tokens_are_doorkeepers_and_refresh_tokens_single_use() {
    let (base, oauth) = serve().await;
    let tokens = connect(&base, "alice").await;
    assert_eq!(tokens["expires_in"], 7_200);
    assert!(tokens["created_at"].as_i64().is_some());
    assert!(tokens.get("user_id").is_none());
    let refresh = tokens["refresh_token"].as_str().unwrap_or_default();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", "app"),
        ("client_secret", "secret"),
    ];
    let (status, fresh) = token(&base, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(fresh["refresh_token"], tokens["refresh_token"], "rotated");
    let (status, again) = token(&base, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(again["error"], "invalid_grant", "a used refresh token");
    // DELETE /v1/permissions ends the grant.
    let access = fresh["access_token"].as_str().unwrap_or_default();
    let answer = http()
        .delete(format!("{base}{PERMISSIONS_PATH}"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete: {e}"));
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(oauth.check_access(access).is_err());
}

#[tokio::test]
async fn the_list_is_newest_first_paged_with_summaries_and_ids_find_workouts() {
    let (base, _) = serve().await;
    let tokens = connect(&base, "alice").await;
    let access = tokens["access_token"].as_str().unwrap_or_default();
    let (status, user) = get(&base, "/wahoo/v1/user", access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["id"], data::user_id("alice"));
    assert_eq!(
        user["first"],
        Person::new("alice").profile().first_name.as_str()
    );
    let (status, first) = get(&base, "/wahoo/v1/workouts?page=1&per_page=5", access).await;
    assert_eq!(status, StatusCode::OK);
    let workouts = first["workouts"].as_array().cloned().unwrap_or_default();
    assert_eq!(workouts.len(), 5);
    assert!(first["total"].as_u64().unwrap_or(0) > 5);
    assert_eq!(first["order"], "descending");
    let starts: Vec<&str> = workouts
        .iter()
        .filter_map(|w| w["starts"].as_str())
        .collect();
    assert!(
        starts.windows(2).all(|pair| pair[0] >= pair[1]),
        "{starts:?}"
    );
    let summary = &workouts[0]["workout_summary"];
    assert!(summary["calories_accum"].is_string(), "decimal strings");
    let (_, second) = get(&base, "/wahoo/v1/workouts?page=2&per_page=5", access).await;
    assert_ne!(second["workouts"][0]["id"], workouts[0]["id"]);
    let id = workouts[0]["id"].as_i64().unwrap_or_default();
    let (status, one) = get(&base, &format!("/wahoo/v1/workouts/{id}"), access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["starts"], workouts[0]["starts"]);
    let (status, alone) = get(
        &base,
        &format!("/wahoo/v1/workouts/{id}/workout_summary"),
        access,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(alone["id"], summary["id"]);
    let (status, _) = get(&base, "/wahoo/v1/workouts/12", access).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&base, "/wahoo/v1/workouts?page=0", access).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&base, "/wahoo/v1/user", "nope").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[test]
fn the_webhook_carries_the_token_user_summary_and_workout() {
    let person = Person::new("alice");
    let today = Utc::now().date_naive();
    let day = (1..60)
        .filter_map(|back| today.checked_sub_days(chrono::Days::new(back)))
        .find(|day| !person.day(*day).workouts.is_empty())
        .unwrap_or(today);
    let Some(message) = push::push_message(&person, "alice", "activity", day, "portal-token")
    else {
        panic!("a delivery for a day with a workout");
    };
    let body: Value = serde_json::from_slice(&message.body).unwrap_or(Value::Null);
    assert_eq!(body["event_type"], "workout_summary");
    assert_eq!(body["webhook_token"], "portal-token");
    assert_eq!(body["user"]["id"], data::user_id("alice"));
    assert!(body["workout_summary"]["workout"]["starts"].is_string());
    assert!(push::push_message(&person, "alice", "sleep", day, "t").is_none());
    assert_eq!(data::zone_name(3_600), "Etc/GMT-1");
    assert_eq!(data::zone_name(-18_000), "Etc/GMT+5");
}

#[test]
fn a_rate_limit_names_the_windows_and_the_reset() {
    let response = rate_limit_response(120);
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response
            .headers()
            .get("x-ratelimit-reset")
            .and_then(|v| v.to_str().ok()),
        Some("120")
    );
}
