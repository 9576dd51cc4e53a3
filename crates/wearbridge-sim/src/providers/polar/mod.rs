//! POLAR: a simulated Polar AccessLink v3 cloud serving the synthetic person.
//!
//! Real paths under `/polar/`: OAuth at `/polar/oauth2/authorization` (flow.polar.com) and
//! `/polar/v2/oauth2/token` (polarremote.com), data at `/polar/v3/...`
//! (www.polaraccesslink.com). Quirks reproduced: HTTP Basic client authentication, a token
//! answer without refresh token carrying `x_user_id` (a number), long-lived access tokens,
//! mandatory user registration (`POST /v3/users`, 409 when repeated; data endpoints answer
//! 403 before it), deregistration (`DELETE /v3/users/{id}`) ending the token, 28/30-day
//! list windows relative to today, 28-day range limits, 404/204 for empty single days,
//! Polar's error body, and signed webhook notifications (`Polar-Webhook-Signature`).

mod wire;

pub use wire::{
    continuous_heart_rate, daily_activity, exercise, iso_duration, nightly_recharge, sleep_night,
    user,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Days, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::common::{authenticate, parse_iso_date};
use crate::SimState;
use crate::faults::RequestClass;
use crate::oauth::{self, ClientAuthStyle, OAuthServer, OAuthSettings};
use crate::person::Person;

pub const AUTHORIZE_PATH: &str = "/polar/oauth2/authorization";
pub const TOKEN_PATH: &str = "/polar/v2/oauth2/token";
/// Ten years: Polar documents no expiry for its access tokens (`expires_in` is years).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(10 * 365 * 86_400);
/// Days in the exercise list, and in the sleep and Nightly Recharge lists.
const EXERCISE_LIST_DAYS: u64 = 30;
const NIGHT_LIST_DAYS: u64 = 28;
/// Longest `from`..`to` range, and the oldest date served, as Polar enforces them.
const MAX_RANGE_DAYS: i64 = 28;
const MAX_AGE_DAYS: u64 = 365;

/// The Polar user id of a simulated account: a stable positive number derived from the
/// account name (Polar ids are integers; account names are free text).
pub fn polar_user_id(account: &str) -> u64 {
    let digest = Sha256::digest(account.as_bytes());
    let bytes = [digest[0], digest[1], digest[2], digest[3]];
    u64::from(u32::from_be_bytes(bytes) >> 1) + 1
}

/// POLAR's cloud ([`super::SimCloud`]).
pub(crate) struct Cloud;

impl super::SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        OAuthSettings {
            display_name: "Polar",
            authorize_path: AUTHORIZE_PATH,
            client_auth: ClientAuthStyle::Basic,
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            code_ttl: Duration::from_secs(600),
            rotate_refresh_tokens: false,
        }
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        router(oauth, sim)
    }

    fn classify(&self, path: &str) -> RequestClass {
        match path {
            AUTHORIZE_PATH => RequestClass::Authorize,
            TOKEN_PATH => RequestClass::Token,
            _ => RequestClass::Api,
        }
    }

    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        secret: &str,
    ) -> Option<super::PushMessage> {
        push_message(&sim.person(account), account, data_type, date, secret)
    }
}

/// The notification Polar sends for `data_type` on `date`, signed with `secret`:
/// `sleep` → SLEEP, `daily` → ACTIVITY_SUMMARY, `body` → CONTINUOUS_HEART_RATE,
/// `activity` → EXERCISE for the day's first workout (`None` on a day without one).
pub fn push_message(
    person: &Person,
    account: &str,
    data_type: &str,
    date: NaiveDate,
    secret: &str,
) -> Option<super::PushMessage> {
    let user_id = polar_user_id(account);
    let day = date.format("%Y-%m-%d");
    let timestamp = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let body = match data_type {
        "sleep" => {
            json!({"event": "SLEEP", "user_id": user_id, "date": day.to_string(), "timestamp": timestamp,
            "url": format!("{}/v3/users/sleep/{day}", wire::POLAR_API)})
        }
        "daily" => {
            json!({"event": "ACTIVITY_SUMMARY", "user_id": user_id, "date": day.to_string(), "timestamp": timestamp,
            "url": format!("{}/v3/users/activities/{day}", wire::POLAR_API)})
        }
        "body" => {
            json!({"event": "CONTINUOUS_HEART_RATE", "user_id": user_id, "date": day.to_string(), "timestamp": timestamp,
            "url": format!("{}/v3/users/continuous-heart-rate/{day}", wire::POLAR_API)})
        }
        "activity" => {
            let workout = person.day(date).workouts.into_iter().next()?;
            // Sent when the exercise is uploaded, shortly after it ends.
            let sent = workout.end.with_timezone(&Utc) + chrono::TimeDelta::minutes(10);
            json!({"event": "EXERCISE", "user_id": user_id, "entity_id": workout.id,
                "timestamp": sent.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "url": format!("{}/v3/exercises/{}", wire::POLAR_API, workout.id)})
        }
        _ => return None,
    };
    let body = body.to_string().into_bytes();
    Some(super::PushMessage {
        method: "POST",
        query: String::new(),
        content_type: "application/json",
        headers: vec![("Polar-Webhook-Signature".to_owned(), sign(secret, &body))],
        body,
    })
}

/// hex(HMAC-SHA256(secret, body)).
pub fn sign(secret: &str, body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        }
        Err(_) => String::new(),
    }
}

#[derive(Clone)]
struct PolarState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
    /// Registered accounts → their member id.
    registered: Arc<Mutex<HashMap<String, String>>>,
}

impl PolarState {
    fn member_id(&self, account: &str) -> Option<String> {
        self.registered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(account)
            .cloned()
    }
}

fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    let state = PolarState {
        oauth,
        sim,
        registered: Arc::new(Mutex::new(HashMap::new())),
    };
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route("/polar/v3/users", post(register))
        .route("/polar/v3/users/{id}", get(get_user).delete(delete_user))
        .route("/polar/v3/exercises", get(list_exercises))
        .route("/polar/v3/exercises/{id}", get(get_exercise))
        .route("/polar/v3/users/sleep", get(list_nights))
        .route("/polar/v3/users/sleep/{date}", get(get_night))
        .route("/polar/v3/users/nightly-recharge", get(list_recharges))
        .route("/polar/v3/users/nightly-recharge/{date}", get(get_recharge))
        .route(
            "/polar/v3/users/continuous-heart-rate",
            get(range_heart_rate),
        )
        .route(
            "/polar/v3/users/continuous-heart-rate/{date}",
            get(get_heart_rate),
        )
        .route("/polar/v3/users/activities", get(range_activities))
        .route("/polar/v3/users/activities/", get(range_activities))
        .route("/polar/v3/users/activities/{date}", get(get_activity))
        .with_state(state)
}

// ---------------------------------------------------------------------------------------
// OAuth.

async fn authorize_page(State(state): State<PolarState>, RawQuery(query): RawQuery) -> Response {
    oauth::authorize_query(&state.oauth, query.as_deref())
}

async fn authorize_submit(State(state): State<PolarState>, body: Bytes) -> Response {
    oauth::authorize_form(&state.oauth, &body)
}

/// The shared token endpoint, answered in Polar's shape: `{access_token, token_type:
/// "bearer", expires_in, x_user_id}`, no refresh token, no scope.
async fn token(State(state): State<PolarState>, headers: HeaderMap, body: Bytes) -> Response {
    let response = oauth::token(&state.oauth, &headers, &body);
    if response.status() != StatusCode::OK {
        return response;
    }
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let Ok(standard) = serde_json::from_slice::<Value>(&bytes) else {
        return polar_error(StatusCode::INTERNAL_SERVER_ERROR, "token answer unreadable");
    };
    let account = standard
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    axum::Json(json!({
        "access_token": standard.get("access_token"),
        "token_type": "bearer",
        "expires_in": standard.get("expires_in"),
        "x_user_id": polar_user_id(account),
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------
// Errors and access.

/// Polar's error model: `{timestamp, status, errorType, message, corrId}`.
fn polar_error(status: StatusCode, message: &str) -> Response {
    let body = json!({
        "timestamp": Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "status": status.as_u16(),
        "errorType": status.canonical_reason().unwrap_or("Error"),
        "message": message,
        "corrId": uuid::Uuid::new_v4().to_string(),
    });
    (status, axum::Json(body)).into_response()
}

/// The account behind the bearer token, which must be registered.
/// An answer that ends a request early (boxed: responses are large).
type Rejected = Box<Response>;

fn registered(state: &PolarState, headers: &HeaderMap) -> Result<(String, String), Rejected> {
    let account =
        authenticate(&state.oauth, headers).map_err(|error| Box::new(error.into_response()))?;
    match state.member_id(&account) {
        Some(member) => Ok((account, member)),
        None => Err(Box::new(polar_error(
            StatusCode::FORBIDDEN,
            "User is not registered to this client (POST /v3/users first)",
        ))),
    }
}

/// The person's local today (Polar's "last N days" windows count back from it).
fn today(person: &Person) -> NaiveDate {
    Utc::now()
        .with_timezone(&person.offset().fixed())
        .date_naive()
}

fn days_back(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days - 1)).unwrap_or(today)
}

// ---------------------------------------------------------------------------------------
// Users.

#[derive(Deserialize)]
struct Register {
    #[serde(rename = "member-id")]
    member_id: String,
}

async fn register(State(state): State<PolarState>, headers: HeaderMap, body: Bytes) -> Response {
    let account = match authenticate(&state.oauth, &headers) {
        Ok(account) => account,
        Err(error) => return error.into_response(),
    };
    let Ok(request) = serde_json::from_slice::<Register>(&body) else {
        return polar_error(
            StatusCode::BAD_REQUEST,
            "body must be {\"member-id\": \"...\"}",
        );
    };
    {
        let mut registered = state
            .registered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if registered.contains_key(&account)
            || registered
                .values()
                .any(|member| *member == request.member_id)
        {
            return polar_error(
                StatusCode::CONFLICT,
                "User already registered to partner or duplicated member-id",
            );
        }
        registered.insert(account.clone(), request.member_id.clone());
    }
    let person = state.sim.person(&account);
    axum::Json(wire::user(
        &person,
        polar_user_id(&account),
        &request.member_id,
    ))
    .into_response()
}

async fn get_user(
    State(state): State<PolarState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (account, member) = match registered(&state, &headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    if id != polar_user_id(&account).to_string() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let person = state.sim.person(&account);
    axum::Json(wire::user(&person, polar_user_id(&account), &member)).into_response()
}

/// Deregistration ends the user's access token too, as Polar documents.
async fn delete_user(
    State(state): State<PolarState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = match authenticate(&state.oauth, &headers) {
        Ok(account) => account,
        Err(error) => return error.into_response(),
    };
    if id != polar_user_id(&account).to_string() {
        return polar_error(StatusCode::FORBIDDEN, "not this token's user");
    }
    state
        .registered
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&account);
    state.oauth.revoke_account(&account);
    StatusCode::NO_CONTENT.into_response()
}

// ---------------------------------------------------------------------------------------
// Exercises.

#[derive(Deserialize, Default)]
struct ExerciseQuery {
    samples: Option<bool>,
    route: Option<bool>,
}

fn exercise_query(query: Option<&str>) -> ExerciseQuery {
    serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default()
}

async fn list_exercises(
    State(state): State<PolarState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (account, _) = match registered(&state, &headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let flags = exercise_query(query.as_deref());
    let person = state.sim.person(&account);
    let today = today(&person);
    let id = polar_user_id(&account);
    let list: Vec<Value> = days_back(today, EXERCISE_LIST_DAYS)
        .iter_days()
        .take_while(|d| *d <= today)
        .flat_map(|d| person.day(d).workouts)
        .map(|w| {
            wire::exercise(
                &w,
                id,
                flags.samples.unwrap_or(false),
                flags.route.unwrap_or(false),
            )
        })
        .collect();
    axum::Json(list).into_response()
}

async fn get_exercise(
    State(state): State<PolarState>,
    Path(exercise_id): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (account, _) = match registered(&state, &headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let flags = exercise_query(query.as_deref());
    let person = state.sim.person(&account);
    let today = today(&person);
    let found = days_back(today, EXERCISE_LIST_DAYS)
        .iter_days()
        .take_while(|d| *d <= today)
        .flat_map(|d| person.day(d).workouts)
        .find(|w| w.id == exercise_id);
    match found {
        Some(w) => axum::Json(wire::exercise(
            &w,
            polar_user_id(&account),
            flags.samples.unwrap_or(false),
            flags.route.unwrap_or(false),
        ))
        .into_response(),
        None => polar_error(StatusCode::NOT_FOUND, "Exercise not found"),
    }
}

// ---------------------------------------------------------------------------------------
// Sleep and Nightly Recharge.

type Render = fn(&Person, NaiveDate, u64) -> Option<Value>;

fn render_night(person: &Person, date: NaiveDate, id: u64) -> Option<Value> {
    wire::sleep_night(date, &person.sleep_ending_on(date), id)
}

fn render_recharge(person: &Person, date: NaiveDate, id: u64) -> Option<Value> {
    wire::nightly_recharge(date, &person.sleep_ending_on(date), id)
}

/// `{key: [the last 28 days' documents]}`.
fn night_list(state: &PolarState, headers: &HeaderMap, key: &str, render: Render) -> Response {
    let (account, _) = match registered(state, headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let person = state.sim.person(&account);
    let today = today(&person);
    let id = polar_user_id(&account);
    let items: Vec<Value> = days_back(today, NIGHT_LIST_DAYS)
        .iter_days()
        .take_while(|d| *d <= today)
        .filter_map(|d| render(&person, d, id))
        .collect();
    axum::Json(json!({ key: items })).into_response()
}

fn night_on(state: &PolarState, headers: &HeaderMap, date: &str, render: Render) -> Response {
    let (account, _) = match registered(state, headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let Some(date) = parse_iso_date(date) else {
        return polar_error(StatusCode::BAD_REQUEST, "Invalid date");
    };
    let person = state.sim.person(&account);
    if date > today(&person) {
        return polar_error(StatusCode::NOT_FOUND, "No data found for date");
    }
    match render(&person, date, polar_user_id(&account)) {
        Some(doc) => axum::Json(doc).into_response(),
        None => polar_error(StatusCode::NOT_FOUND, "No data found for date"),
    }
}

async fn list_nights(State(state): State<PolarState>, headers: HeaderMap) -> Response {
    night_list(&state, &headers, "nights", render_night)
}

async fn get_night(
    State(state): State<PolarState>,
    Path(date): Path<String>,
    headers: HeaderMap,
) -> Response {
    night_on(&state, &headers, &date, render_night)
}

async fn list_recharges(State(state): State<PolarState>, headers: HeaderMap) -> Response {
    night_list(&state, &headers, "recharges", render_recharge)
}

async fn get_recharge(
    State(state): State<PolarState>,
    Path(date): Path<String>,
    headers: HeaderMap,
) -> Response {
    night_on(&state, &headers, &date, render_recharge)
}

// ---------------------------------------------------------------------------------------
// Date-range endpoints: continuous heart rate and daily activity.

#[derive(Deserialize, Default)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    steps: Option<bool>,
}

/// `from`..=`to` (both required for heart rate; `to` defaults to today for activities),
/// at most 28 days, none older than 365 days, never past today.
fn range(
    query: &RangeQuery,
    today: NaiveDate,
    to_required: bool,
) -> Result<Vec<NaiveDate>, Rejected> {
    let bad = |message: &str| Box::new(polar_error(StatusCode::BAD_REQUEST, message));
    let from = query
        .from
        .as_deref()
        .and_then(parse_iso_date)
        .ok_or_else(|| bad("from is required (YYYY-MM-DD)"))?;
    let to = match query.to.as_deref() {
        Some(text) => parse_iso_date(text).ok_or_else(|| bad("to must be YYYY-MM-DD"))?,
        None if to_required => return Err(bad("to is required (YYYY-MM-DD)")),
        None => today,
    };
    if to < from || (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(bad("Invalid range: at most 28 days, from before to"));
    }
    if from < days_back(today, MAX_AGE_DAYS) {
        return Err(bad(
            "Invalid or too old date. Cannot be older than 365 days.",
        ));
    }
    Ok(from
        .iter_days()
        .take_while(|d| *d <= to && *d <= today)
        .collect())
}

fn date_range(
    state: &PolarState,
    headers: &HeaderMap,
    query: Option<&str>,
    to_required: bool,
) -> Result<(String, Person, Vec<NaiveDate>, RangeQuery), Rejected> {
    let (account, _) = registered(state, headers)?;
    let query: RangeQuery = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|_| Box::new(polar_error(StatusCode::BAD_REQUEST, "Invalid request")))?;
    let person = state.sim.person(&account);
    let dates = range(&query, today(&person), to_required)?;
    Ok((account, person, dates, query))
}

async fn range_heart_rate(
    State(state): State<PolarState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match date_range(&state, &headers, query.as_deref(), true) {
        Ok((account, person, dates, _)) => {
            let id = polar_user_id(&account);
            let days: Vec<Value> = dates
                .iter()
                .map(|d| wire::continuous_heart_rate(&person.day(*d), id))
                .collect();
            axum::Json(json!({ "heart_rates": days })).into_response()
        }
        Err(response) => *response,
    }
}

async fn get_heart_rate(
    State(state): State<PolarState>,
    Path(date): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (account, _) = match registered(&state, &headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let person = state.sim.person(&account);
    match parse_iso_date(&date) {
        Some(date) if date <= today(&person) => axum::Json(wire::continuous_heart_rate(
            &person.day(date),
            polar_user_id(&account),
        ))
        .into_response(),
        Some(_) => polar_error(StatusCode::NOT_FOUND, "No data found for date"),
        None => polar_error(StatusCode::BAD_REQUEST, "Invalid request"),
    }
}

async fn range_activities(
    State(state): State<PolarState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    // Without `from`, Polar lists the last 28 days.
    let query = if query.contains("from=") {
        query
    } else {
        let person_today = Utc::now().date_naive();
        format!("{query}&from={}", days_back(person_today, NIGHT_LIST_DAYS))
    };
    match date_range(&state, &headers, Some(&query), false) {
        Ok((_, person, dates, query)) => {
            let steps = query.steps.unwrap_or(false);
            let days: Vec<Value> = dates
                .iter()
                .map(|d| wire::daily_activity(&person.day(*d), steps))
                .collect();
            axum::Json(days).into_response()
        }
        Err(response) => *response,
    }
}

async fn get_activity(
    State(state): State<PolarState>,
    Path(date): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (account, _) = match registered(&state, &headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let steps = serde_urlencoded::from_str::<RangeQuery>(query.as_deref().unwrap_or_default())
        .map(|q| q.steps.unwrap_or(false))
        .unwrap_or(false);
    let person = state.sim.person(&account);
    match parse_iso_date(&date) {
        Some(date) if date <= today(&person) => {
            axum::Json(wire::daily_activity(&person.day(date), steps)).into_response()
        }
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => polar_error(StatusCode::BAD_REQUEST, "Invalid or too old date"),
    }
}
