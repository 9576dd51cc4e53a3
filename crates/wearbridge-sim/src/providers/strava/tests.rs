//! The Strava cloud against Strava's documented behaviour: OAuth answers and faults,
//! rotation and deauthorization, the activity list's filters, order and paging, details,
//! laps and streams of the person's workouts, the push subscription handshake, events and
//! the rate-limit answer.

use std::sync::Arc;

use axum::extract::RawQuery;
use chrono::{Days, Utc};
use reqwest::StatusCode;
use serde_json::Value;

use super::*;
use crate::SimConfig;
use crate::person::Person;

/// Serves the Strava router alone on an ephemeral port.
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

const REDIRECT: &str = "http%3A%2F%2Flocalhost%2Fcb";

/// The consent redirect for `account` with `scope`.
async fn authorize(base: &str, account: &str, scope: &str) -> reqwest::Response {
    let url = format!(
        "{base}{AUTHORIZE_PATH}?response_type=code&client_id=app&redirect_uri={REDIRECT}&state=s&approval_prompt=auto&scope={scope}&sim_user={account}&consent=allow"
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

/// Tokens for `account`, through consent and the code exchange.
async fn connect(base: &str, account: &str) -> Value {
    let answer = authorize(base, account, "read,activity:read_all").await;
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok())
        .unwrap_or_else(|| panic!("no redirect"));
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    assert_eq!(param("scope"), "read,activity:read_all");
    let code = param("code");
    let (status, body) = token(
        base,
        &[
            ("client_id", "app"),
            ("client_secret", "secret"),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", "http://localhost/cb"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn get(base: &str, path: &str, token: &str) -> (StatusCode, Value) {
    let answer = http()
        .get(format!("{base}{API_PREFIX}{path}"))
        .bearer_auth(token)
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

#[tokio::test]
async fn tokens_are_strava_shaped_and_rotate() {
    let (base, _) = serve().await;
    let tokens = connect(&base, "strava-ann").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 21_600);
    assert!(tokens["expires_at"].as_i64().unwrap_or(0) > Utc::now().timestamp());
    assert_eq!(tokens["athlete"]["id"], ids::athlete_id("strava-ann"));
    assert_eq!(tokens["athlete"]["resource_state"], 2);
    assert!(tokens.get("scope").is_none() && tokens.get("user_id").is_none());
    let refresh = tokens["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let form = [
        ("client_id", "app"),
        ("client_secret", "secret"),
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, fresh) = token(&base, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        fresh.get("athlete").is_none(),
        "only the code exchange names the athlete"
    );
    assert_ne!(fresh["refresh_token"], tokens["refresh_token"]);
    let (status, refused) = token(&base, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["errors"][0]["resource"], "RefreshToken");
    assert_eq!(refused["errors"][0]["code"], "invalid");
}

#[tokio::test]
async fn unknown_scopes_and_space_separated_lists_are_refused() {
    let (base, _) = serve().await;
    for scope in ["read%20activity:read", "heartrate", ""] {
        let answer = authorize(&base, "strava-bo", scope).await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{scope}");
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        assert_eq!(body["errors"][0]["field"], "scope");
    }
}

#[tokio::test]
async fn deauthorization_ends_the_grant() {
    let (base, oauth) = serve().await;
    let tokens = connect(&base, "strava-cy").await;
    let token = access(&tokens);
    let answer = http()
        .post(format!("{base}{DEAUTHORIZE_PATH}"))
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(oauth.check_access(&token).is_err());
    let (status, body) = get(&base, "/athlete", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Authorization Error");
}

#[tokio::test]
async fn the_list_filters_orders_and_pages_the_persons_workouts() {
    let (base, _) = serve().await;
    let token = access(&connect(&base, "strava-dee").await);
    let person = Person::new("strava-dee");
    let now = Utc::now();
    let after = (now - chrono::TimeDelta::days(30)).timestamp();
    let before = now.timestamp();
    let expected: usize = (0..=31)
        .filter_map(|back| now.date_naive().checked_sub_days(Days::new(back)))
        .flat_map(|day| person.day(day).workouts)
        .filter(|w| w.start.timestamp() > after && w.start.timestamp() < before && w.end <= now)
        .count();
    assert!(expected > 3, "the person works out: {expected}");
    let mut seen = Vec::new();
    for page in 1.. {
        let path =
            format!("/athlete/activities?after={after}&before={before}&page={page}&per_page=3");
        let (status, items) = get(&base, &path, &token).await;
        assert_eq!(status, StatusCode::OK);
        let items = items.as_array().cloned().unwrap_or_default();
        seen.extend(
            items
                .iter()
                .map(|item| item["start_date"].as_str().map(str::to_owned)),
        );
        if items.len() < 3 {
            break;
        }
    }
    assert_eq!(seen.len(), expected);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "oldest first when `after` is given");
    let (_, newest_first) = get(&base, "/athlete/activities?per_page=5", &token).await;
    let starts: Vec<&str> = newest_first
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["start_date"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        starts.windows(2).all(|pair| pair[0] >= pair[1]),
        "{starts:?}"
    );
    let (status, _) = get(&base, "/athlete/activities?page=0", &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn details_laps_and_streams_agree_with_the_summary() {
    let (base, _) = serve().await;
    let token = access(&connect(&base, "strava-eli").await);
    let (_, list) = get(&base, "/athlete/activities?per_page=10", &token).await;
    let outdoor = list
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|item| item["start_latlng"] != Value::Array(vec![]))
        })
        .cloned()
        .unwrap_or_else(|| panic!("an outdoor workout in {list}"));
    let id = outdoor["id"].as_i64().unwrap_or_default();
    let (status, detail) = get(&base, &format!("/activities/{id}"), &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["resource_state"], 3);
    assert!(detail["calories"].as_f64().unwrap_or(0.0) > 0.0);
    let laps = detail["laps"].as_array().cloned().unwrap_or_default();
    let lap_distance: f64 = laps.iter().filter_map(|l| l["distance"].as_f64()).sum();
    let distance = detail["distance"].as_f64().unwrap_or_default();
    assert!((lap_distance - distance).abs() < 0.1 * laps.len() as f64 + 0.1);
    let (_, listed_laps) = get(&base, &format!("/activities/{id}/laps"), &token).await;
    assert_eq!(listed_laps, Value::Array(laps));

    let keys = "time,distance,latlng,altitude,velocity_smooth,heartrate,cadence,watts,moving";
    let path = format!("/activities/{id}/streams?keys={keys}&key_by_type=true");
    let (status, streams) = get(&base, &path, &token).await;
    assert_eq!(status, StatusCode::OK);
    let size = streams["time"]["original_size"]
        .as_u64()
        .unwrap_or_default();
    assert_eq!(size, detail["elapsed_time"].as_u64().unwrap_or_default());
    for key in [
        "distance",
        "latlng",
        "altitude",
        "velocity_smooth",
        "heartrate",
        "moving",
    ] {
        assert_eq!(
            streams[key]["data"].as_array().map(Vec::len),
            Some(size as usize),
            "{key}"
        );
    }
    assert!(streams.get("watts").is_none() && streams.get("cadence").is_none());
    let last = streams["distance"]["data"]
        .as_array()
        .and_then(|d| d.last())
        .cloned();
    assert_eq!(last.and_then(|d| d.as_f64()), Some(distance));
    let (_, listed) = get(
        &base,
        &format!("/activities/{id}/streams?keys=time"),
        &token,
    )
    .await;
    assert_eq!(listed[0]["type"], "time");
    let (status, _) = get(&base, &format!("/activities/{id}/streams"), &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, missing) = get(&base, "/activities/12", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(missing["message"], "Record Not Found");
}

/// A callback that answers Strava's handshake (echoing the challenge) when `echo`.
async fn callback(echo: bool) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::get(move |RawQuery(query): RawQuery| async move {
            let challenge = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .find(|(k, _)| k == "hub.challenge")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let echoed = if echo { challenge } else { "nope".to_owned() };
            axum::Json(serde_json::json!({ "hub.challenge": echoed }))
        }),
    );
    let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
        panic!("bind");
    };
    let Ok(addr) = listener.local_addr() else {
        panic!("addr");
    };
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/hook")
}

#[tokio::test]
async fn one_verified_subscription_per_app() {
    let (base, _) = serve().await;
    let url = format!("{base}{API_PREFIX}/push_subscriptions");
    let create = |callback: String| {
        let url = url.clone();
        async move {
            let form = [
                ("client_id", "app"),
                ("client_secret", "secret"),
                ("callback_url", callback.as_str()),
                ("verify_token", "tok"),
            ];
            let answer = http().post(url).form(&form).send().await;
            let answer = answer.unwrap_or_else(|e| panic!("{e}"));
            (
                answer.status(),
                answer.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, refused) = create(callback(false).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let (status, created) = create(callback(true).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["id"], ids::subscription_id("app"));
    let (status, again) = create(callback(true).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(again["errors"][0]["code"], "already exists");
    let query = "client_id=app&client_secret=secret";
    let listed: Value = http()
        .get(format!("{url}?{query}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or(Value::Null);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let id = created["id"].as_i64().unwrap_or_default();
    let deleted = http()
        .delete(format!("{url}/{id}?{query}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let unauthenticated = http()
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn events_name_the_workout_or_the_athlete() {
    let person = Person::new("strava-fay");
    let today = Utc::now().date_naive();
    let Some((date, index)) = (1..40)
        .filter_map(|back| today.checked_sub_days(Days::new(back)))
        .find_map(|date| (!person.day(date).workouts.is_empty()).then_some((date, 0)))
    else {
        panic!("a workout in forty days");
    };
    let Some(message) = push::push_message(&person, "strava-fay", "activity", date, "app") else {
        panic!("an activity event");
    };
    let body: Value = serde_json::from_slice(&message.body).unwrap_or(Value::Null);
    let athlete = ids::athlete_id("strava-fay");
    assert_eq!(body["object_id"], ids::activity_id(athlete, date, index));
    assert_eq!(body["owner_id"], athlete);
    assert_eq!(body["aspect_type"], "create");
    assert!(message.headers.is_empty(), "Strava signs nothing");
    let Some(message) = push::push_message(&person, "strava-fay", "athlete", date, "app") else {
        panic!("a deauthorization event");
    };
    let body: Value = serde_json::from_slice(&message.body).unwrap_or(Value::Null);
    assert_eq!(body["updates"]["authorized"], "false");
    assert!(push::push_message(&person, "strava-fay", "sleep", date, "app").is_none());
}

#[test]
fn the_rate_limit_answer_names_the_spent_window() {
    let daily = rate_limit_response(3_600);
    assert_eq!(daily.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        daily
            .headers()
            .get("x-readratelimit-usage")
            .and_then(|v| v.to_str().ok()),
        Some("12,1000")
    );
    assert!(daily.headers().get("retry-after").is_none());
    let window = rate_limit_response(60);
    assert_eq!(
        window
            .headers()
            .get("x-readratelimit-usage")
            .and_then(|v| v.to_str().ok()),
        Some("101,400")
    );
}
