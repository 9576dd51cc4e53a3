//! WHOOP: the WHOOP API v2 cloud (`https://api.prod.whoop.com`), under `/whoop/` with the
//! real paths: OAuth at `/whoop/oauth/oauth2/{auth,token}`, data at
//! `/whoop/developer/v2/...`. Documented in `docs/simulator.md`, "WHOOP".
//!
//! Quirks reproduced: `state` must be at least 8 characters; client credentials go in the
//! token request body; a refresh token is issued only with the `offline` scope and rotates;
//! collections page newest first with `limit` ≤ 25 and an opaque `nextToken`; instants are
//! UTC with the offset in `timezone_offset`; revocation is `DELETE
//! /developer/v2/user/access` (204); a rate limit is a 429 with `X-RateLimit-*` headers.

mod ids;
pub mod push;
mod wire;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chrono::{DateTime, Days as ChronoDays, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::common::{ApiError, authenticate};
use crate::SimState;
use crate::faults::{FaultKind, RequestClass};
use crate::oauth::{self, ClientAuthStyle, OAuthServer, OAuthSettings};
use wire::{Days, Page};

pub const AUTHORIZE_PATH: &str = "/whoop/oauth/oauth2/auth";
pub const TOKEN_PATH: &str = "/whoop/oauth/oauth2/token";
pub const API_PREFIX: &str = "/whoop/developer/v2";
pub const REVOKE_PATH: &str = "/whoop/developer/v2/user/access";

/// WHOOP access tokens last an hour ("refresh every hour").
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3_600);
/// `limit` default and maximum of every collection.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 25;
/// WHOOP's shortest accepted `state`.
const MIN_STATE_LEN: usize = 8;
/// How far back a collection without `start` looks (the simulated history).
const HISTORY_DAYS: u64 = 3_660;
/// `X-RateLimit-Limit` as WHOOP sends it: 100 a minute, 10 000 a day.
pub const RATE_LIMIT_POLICY: &str = "100, 100;window=60, 10000;window=86400";

/// The WHOOP cloud for [`super::SimProvider::Whoop`].
pub(crate) struct Cloud;

impl super::SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        oauth_settings()
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        router(oauth, sim)
    }

    fn classify(&self, path: &str) -> RequestClass {
        classify(path)
    }

    /// Signed with `secret` (WHOOP signs with the app's client secret), stamped now.
    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        secret: &str,
    ) -> Option<super::PushMessage> {
        let person = sim.person(account);
        let now_ms = Utc::now().timestamp_millis();
        push::push_message(&person, account, data_type, date, secret, now_ms)
    }

    /// WHOOP's rate limit carries `X-RateLimit-*` headers instead of `Retry-After`.
    fn fault_response(&self, kind: &FaultKind) -> Option<Response> {
        match kind {
            FaultKind::RateLimit { retry_after_s } => Some(rate_limit_response(*retry_after_s)),
            _ => None,
        }
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "WHOOP",
        authorize_path: AUTHORIZE_PATH,
        client_auth: ClientAuthStyle::Body,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        code_ttl: Duration::from_secs(600),
        rotate_refresh_tokens: true,
    }
}

pub(crate) fn classify(path: &str) -> RequestClass {
    match path {
        AUTHORIZE_PATH => RequestClass::Authorize,
        TOKEN_PATH => RequestClass::Token,
        _ => RequestClass::Api,
    }
}

/// WHOOP's answer to an exhausted budget: 429 with the rate-limit headers and the seconds
/// until the window resets (no `Retry-After`).
pub fn rate_limit_response(reset_s: u64) -> Response {
    let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
    let headers = response.headers_mut();
    headers.insert(
        "x-ratelimit-limit",
        HeaderValue::from_static(RATE_LIMIT_POLICY),
    );
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    if let Ok(value) = HeaderValue::from_str(&reset_s.to_string()) {
        headers.insert("x-ratelimit-reset", value);
    }
    response
}

#[derive(Clone)]
struct WhoopState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route(REVOKE_PATH, delete(revoke))
        .route("/whoop/developer/v2/user/profile/basic", get(profile))
        .route(
            "/whoop/developer/v2/user/measurement/body",
            get(body_measurement),
        )
        .route("/whoop/developer/v2/cycle", get(cycles))
        .route("/whoop/developer/v2/cycle/{id}", get(cycle_by_id))
        .route(
            "/whoop/developer/v2/cycle/{id}/recovery",
            get(recovery_by_cycle),
        )
        .route("/whoop/developer/v2/cycle/{id}/sleep", get(sleep_by_cycle))
        .route("/whoop/developer/v2/recovery", get(recoveries))
        .route("/whoop/developer/v2/activity/sleep", get(sleeps))
        .route("/whoop/developer/v2/activity/sleep/{id}", get(sleep_by_id))
        .route("/whoop/developer/v2/activity/workout", get(workouts))
        .route(
            "/whoop/developer/v2/activity/workout/{id}",
            get(workout_by_id),
        )
        .with_state(WhoopState { oauth, sim })
}

// ---------------------------------------------------------------------------------------
// OAuth.

#[derive(Deserialize)]
struct StateOnly {
    state: Option<String>,
}

/// WHOOP refuses a `state` shorter than 8 characters before showing anything.
fn state_problem(fields: Result<StateOnly, serde_urlencoded::de::Error>) -> Option<Response> {
    let long_enough = fields
        .ok()
        .and_then(|fields| fields.state)
        .is_some_and(|state| state.chars().count() >= MIN_STATE_LEN);
    (!long_enough).then(|| {
        ApiError::bad_request(format!(
            "state is required and must be at least {MIN_STATE_LEN} characters"
        ))
        .into_response()
    })
}

async fn authorize_page(State(state): State<WhoopState>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    state_problem(serde_urlencoded::from_str(&query))
        .unwrap_or_else(|| oauth::authorize_query(&state.oauth, Some(&query)))
}

async fn authorize_submit(State(state): State<WhoopState>, body: Bytes) -> Response {
    state_problem(serde_urlencoded::from_bytes(&body))
        .unwrap_or_else(|| oauth::authorize_form(&state.oauth, &body))
}

/// The shared token endpoint, reshaped as WHOOP answers: no `user_id`, and no
/// `refresh_token` unless the grant has the `offline` scope.
async fn token(State(state): State<WhoopState>, headers: HeaderMap, body: Bytes) -> Response {
    let response = oauth::token(&state.oauth, &headers, &body);
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_slice(&bytes) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    fields.remove("user_id");
    let offline = fields
        .get("scope")
        .and_then(|scope| scope.as_str())
        .is_some_and(|scope| scope.split(' ').any(|s| s == "offline"));
    if !offline {
        fields.remove("refresh_token");
    }
    let mut reshaped = axum::Json(serde_json::Value::Object(fields)).into_response();
    if let Some(value) = parts.headers.get(header::CACHE_CONTROL) {
        reshaped
            .headers_mut()
            .insert(header::CACHE_CONTROL, value.clone());
    }
    reshaped
}

/// `DELETE /developer/v2/user/access`: ends the grant of the presented access token.
async fn revoke(State(state): State<WhoopState>, headers: HeaderMap) -> Response {
    match authenticate(&state.oauth, &headers) {
        Ok(_) => {
            let token = bearer(&headers).unwrap_or_default();
            state.oauth.revoke_token(token);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => error.into_response(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

// ---------------------------------------------------------------------------------------
// Data.

fn now_in(offset: FixedOffset) -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&offset)
}

fn not_found() -> Response {
    let body =
        serde_json::json!({ "error": "not_found", "error_description": "No resource found" });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

fn json<T: Serialize>(value: Option<T>) -> Response {
    value.map_or_else(not_found, |value| axum::Json(value).into_response())
}

/// Authenticates and runs `render` over the account's days.
fn with_days(
    state: &WhoopState,
    headers: &HeaderMap,
    render: impl FnOnce(&mut Days<'_>, DateTime<FixedOffset>) -> Result<Response, ApiError>,
) -> Response {
    let account = match authenticate(&state.oauth, headers) {
        Ok(account) => account,
        Err(error) => return error.into_response(),
    };
    let person = state.sim.person(&account);
    let now = now_in(person.offset().fixed());
    let mut days = Days::new(&person, &account);
    render(&mut days, now).unwrap_or_else(IntoResponse::into_response)
}

async fn profile(State(state): State<WhoopState>, headers: HeaderMap) -> Response {
    with_days(&state, &headers, |days, _| {
        Ok(axum::Json(days.profile()).into_response())
    })
}

async fn body_measurement(State(state): State<WhoopState>, headers: HeaderMap) -> Response {
    with_days(&state, &headers, |days, now| {
        Ok(axum::Json(days.body_measurement(now.date_naive())).into_response())
    })
}

/// Query of every collection.
#[derive(Deserialize, Default)]
struct ListQuery {
    limit: Option<String>,
    start: Option<String>,
    end: Option<String>,
    #[serde(rename = "nextToken")]
    next_token: Option<String>,
}

/// A parsed collection request.
struct Window {
    start: Option<DateTime<FixedOffset>>,
    end: DateTime<FixedOffset>,
    /// Continue with records starting at or before this instant (epoch ms).
    cursor: Option<i64>,
    limit: usize,
}

fn parse_instant(name: &str, text: &str) -> Result<DateTime<FixedOffset>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|_| ApiError::bad_request(format!("{name} must be an ISO 8601 date-time")))
}

impl Window {
    fn parse(
        raw: Option<&str>,
        user_id: i64,
        now: DateTime<FixedOffset>,
    ) -> Result<Self, ApiError> {
        let query: ListQuery = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))?;
        let limit = match query.limit.as_deref() {
            None | Some("") => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or_else(|| ApiError::bad_request("limit must be between 1 and 25"))?,
        };
        let start = query
            .start
            .as_deref()
            .map(|text| parse_instant("start", text))
            .transpose()?;
        let end = query
            .end
            .as_deref()
            .map(|text| parse_instant("end", text))
            .transpose()?
            .unwrap_or(now);
        let cursor = query
            .next_token
            .as_deref()
            .filter(|token| !token.is_empty())
            .map(|token| decode_token(token, user_id))
            .transpose()?;
        Ok(Self {
            start,
            end,
            cursor,
            limit,
        })
    }

    fn admits(&self, start: DateTime<FixedOffset>, end: Option<DateTime<FixedOffset>>) -> bool {
        let after_start = match (self.start, end) {
            (Some(from), Some(end)) => end > from,
            _ => true,
        };
        let before_cursor = self
            .cursor
            .is_none_or(|cursor| start.timestamp_millis() <= cursor);
        start < self.end && after_start && before_cursor
    }
}

/// `nextToken`: base64 of `<user_id>:<epoch ms of the next record's start>`.
fn encode_token(user_id: i64, start: DateTime<FixedOffset>) -> String {
    STANDARD_NO_PAD.encode(format!("{user_id}:{}", start.timestamp_millis()))
}

fn decode_token(token: &str, user_id: i64) -> Result<i64, ApiError> {
    let invalid = || ApiError::bad_request("nextToken is not a token from this collection");
    let bytes = STANDARD_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (user, millis) = text.split_once(':').ok_or_else(invalid)?;
    if user.parse::<i64>().ok() != Some(user_id) {
        return Err(invalid());
    }
    millis.parse::<i64>().map_err(|_| invalid())
}

/// One record with the period a collection filters and orders it by.
struct Item<T> {
    start: DateTime<FixedOffset>,
    end: Option<DateTime<FixedOffset>>,
    record: T,
}

/// Walks the person's days newest first, keeping admitted records, until a page and one
/// more record (which becomes the next token) are found or the window's first day is
/// passed. Every record of day `d` starts after the previous evening, so starting a day
/// after the window's end and stopping a day before its start sees every candidate.
fn collect<T: Serialize>(
    days: &mut Days<'_>,
    window: &Window,
    now: DateTime<FixedOffset>,
    mut render: impl FnMut(&mut Days<'_>, NaiveDate, DateTime<FixedOffset>) -> Vec<Item<T>>,
) -> Response {
    let offset = *now.offset();
    let top_instant = window
        .cursor
        .and_then(DateTime::from_timestamp_millis)
        .map_or(window.end, |cursor| {
            cursor.with_timezone(&offset).min(window.end)
        });
    let top = top_instant.with_timezone(&offset).date_naive().succ_opt();
    let floor = match window.start {
        Some(start) => start.with_timezone(&offset).date_naive().pred_opt(),
        None => top.and_then(|top| top.checked_sub_days(ChronoDays::new(HISTORY_DAYS))),
    };
    let mut found: Vec<Item<T>> = Vec::new();
    let mut date = top;
    while let (Some(day), Some(floor)) = (date, floor) {
        if day < floor || found.len() > window.limit {
            break;
        }
        let mut items: Vec<Item<T>> = render(days, day, now)
            .into_iter()
            .filter(|item| window.admits(item.start, item.end))
            .collect();
        items.sort_by_key(|item| std::cmp::Reverse(item.start));
        found.extend(items);
        date = day.pred_opt();
    }
    let next_token = found
        .get(window.limit)
        .map(|item| encode_token(days.user_id, item.start));
    found.truncate(window.limit);
    axum::Json(Page {
        records: found.into_iter().map(|item| item.record).collect(),
        next_token,
    })
    .into_response()
}

fn list<T: Serialize>(
    state: &WhoopState,
    headers: &HeaderMap,
    query: Option<&str>,
    render: impl FnMut(&mut Days<'_>, NaiveDate, DateTime<FixedOffset>) -> Vec<Item<T>>,
) -> Response {
    with_days(state, headers, |days, now| {
        let window = Window::parse(query, days.user_id, now)?;
        Ok(collect(days, &window, now, render))
    })
}

/// Cycle `date` with its period (end absent while open).
fn cycle_item(
    days: &mut Days<'_>,
    date: NaiveDate,
    now: DateTime<FixedOffset>,
) -> Vec<Item<wire::Cycle>> {
    let Some(cycle) = days.cycle(date, now) else {
        return Vec::new();
    };
    let start = days.night(date).start;
    let end = date
        .succ_opt()
        .map(|next| days.night(next).start)
        .filter(|end| *end <= now);
    vec![Item {
        start,
        end,
        record: cycle,
    }]
}

async fn cycles(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list(&state, &headers, q.as_deref(), cycle_item)
}

/// Recoveries are filtered and ordered by their cycle's period.
async fn recoveries(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list(&state, &headers, q.as_deref(), |days, date, now| {
        let Some(recovery) = days.recovery(date, now) else {
            return Vec::new();
        };
        cycle_item(days, date, now)
            .into_iter()
            .map(|item| Item {
                start: item.start,
                end: item.end,
                record: recovery.clone(),
            })
            .collect()
    })
}

async fn sleeps(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list(&state, &headers, q.as_deref(), |days, date, now| {
        let Some(sleep) = days.sleep(date, now) else {
            return Vec::new();
        };
        let night = days.night(date);
        vec![Item {
            start: night.start,
            end: Some(night.end),
            record: sleep,
        }]
    })
}

async fn workouts(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list(&state, &headers, q.as_deref(), |days, date, now| {
        let records = days.workouts(date, now);
        let periods: Vec<_> = days
            .day(date)
            .workouts
            .iter()
            .map(|w| (w.start, w.end))
            .collect();
        records
            .into_iter()
            .zip(periods)
            .map(|(record, (start, end))| Item {
                start,
                end: Some(end),
                record,
            })
            .collect()
    })
}

/// The day of a cycle id in the path, for this account.
fn cycle_date(days: &Days<'_>, id: &str) -> Option<NaiveDate> {
    ids::cycle_date(days.user_id, id.parse().ok()?)
}

async fn cycle_by_id(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_days(&state, &headers, |days, now| {
        Ok(json(
            cycle_date(days, &id).and_then(|date| days.cycle(date, now)),
        ))
    })
}

async fn recovery_by_cycle(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_days(&state, &headers, |days, now| {
        Ok(json(
            cycle_date(days, &id).and_then(|date| days.recovery(date, now)),
        ))
    })
}

async fn sleep_by_cycle(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_days(&state, &headers, |days, now| {
        Ok(json(
            cycle_date(days, &id).and_then(|date| days.sleep(date, now)),
        ))
    })
}

async fn sleep_by_id(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_days(&state, &headers, |days, now| {
        let date = ids::decode_uuid(days.account, &id)
            .filter(|(kind, _, _)| *kind == ids::SLEEP)
            .map(|(_, _, date)| date);
        Ok(json(date.and_then(|date| days.sleep(date, now))))
    })
}

async fn workout_by_id(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_days(&state, &headers, |days, now| {
        let found = ids::decode_uuid(days.account, &id)
            .filter(|(kind, _, _)| *kind == ids::WORKOUT)
            .and_then(|(_, _, date)| {
                days.workouts(date, now)
                    .into_iter()
                    .find(|workout| workout.id == id.to_ascii_lowercase())
            });
        Ok(json(found))
    })
}
