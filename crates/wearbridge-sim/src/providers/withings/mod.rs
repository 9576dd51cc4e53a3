//! WITHINGS: the Withings Public Health Data API (providers.md §3), under `/withings/`.
//!
//! Real paths, real quirks: one path per service with the operation in `action` (query or
//! form body, GET or POST); every answer HTTP 200 with `{"status": N, "body": {...}}`
//! (401 bad token, 503 invalid parameters, 2554 unknown action, 601 too many requests);
//! epoch seconds with an IANA zone name; `more`/`offset` paging; the token endpoint
//! (`/v2/oauth2`, `action=requesttoken`) wraps the shared OAuth server's answer in the
//! envelope. Paths and formats are listed in `docs/simulator.md` ("WITHINGS").

mod render;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::common::parse_iso_date;
use crate::SimState;
use crate::faults::{FaultKind, RequestClass};
use crate::oauth::{self, ClientAuthStyle, OAuthServer, OAuthSettings};
use crate::person::Person;

pub const AUTHORIZE_PATH: &str = "/withings/oauth2_user/authorize2";
pub const TOKEN_PATH: &str = "/withings/v2/oauth2";
pub const MEASURE_PATH: &str = "/withings/measure";
pub const MEASURE_V2_PATH: &str = "/withings/v2/measure";
pub const SLEEP_PATH: &str = "/withings/v2/sleep";
pub const NOTIFY_PATH: &str = "/withings/notify";
pub const SIGNATURE_PATH: &str = "/withings/v2/signature";

/// Withings access tokens live 3 hours.
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(10_800);

/// Envelope statuses the simulator answers with.
pub mod status {
    pub const OK: i64 = 0;
    pub const INVALID_TOKEN: i64 = 401;
    pub const INVALID_PARAMS: i64 = 503;
    /// A signed request whose signature, nonce or timestamp does not check out.
    pub const INVALID_SIGNATURE: i64 = 2555;
    pub const UNKNOWN_ACTION: i64 = 2554;
    pub const TOO_MANY_REQUESTS: i64 = 601;
}

/// Items per page: small, so a month's backfill exercises `more`/`offset` paging.
const MEASURE_PAGE: usize = 10;
const ACTIVITY_PAGE: usize = 10;
const WORKOUT_PAGE: usize = 10;
const SLEEP_PAGE: usize = 10;
/// Longest window of the epoch-based detail calls (intraday, sleep get).
const MAX_DETAIL_WINDOW_S: i64 = 24 * 3_600;
/// Longest date range accepted.
const MAX_RANGE_DAYS: i64 = 3_660;

/// WITHINGS's cloud ([`super::SimCloud`]).
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

    /// Withings signs nothing, so `secret` is unused.
    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        _secret: &str,
    ) -> Option<super::PushMessage> {
        let (content_type, body) = push_message(&sim.person(account), account, data_type, date)?;
        Some(super::PushMessage {
            method: "POST",
            query: String::new(),
            content_type,
            headers: Vec::new(),
            body: body.into_bytes(),
        })
    }

    fn fault_response(&self, kind: &FaultKind) -> Option<Response> {
        fault_response(kind)
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "Withings",
        authorize_path: AUTHORIZE_PATH,
        // Withings takes client_id and client_secret as form fields.
        client_auth: ClientAuthStyle::Body,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        // The authorization code is valid for 30 seconds.
        code_ttl: Duration::from_secs(30),
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

/// A notification subscription (`/notify?action=subscribe`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub account: String,
    pub appli: i64,
    pub callbackurl: String,
    pub comment: String,
}

#[derive(Clone)]
struct WithingsState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
    subscriptions: Arc<Mutex<Vec<Subscription>>>,
    /// Nonces issued by `getnonce` and not used yet (each is good for one signed call).
    nonces: Arc<Mutex<HashSet<String>>>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    let state = WithingsState {
        oauth,
        sim,
        subscriptions: Arc::new(Mutex::new(Vec::new())),
        nonces: Arc::new(Mutex::new(HashSet::new())),
    };
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route(SIGNATURE_PATH, post(signature))
        .route(MEASURE_PATH, get(measure).post(measure))
        .route(MEASURE_V2_PATH, get(measure_v2).post(measure_v2))
        .route(SLEEP_PATH, get(sleep).post(sleep))
        .route(NOTIFY_PATH, get(notify).post(notify))
        .with_state(state)
}

/// The answer Withings gives for a generic fault, in its own form: rate limits are
/// `status 601` and a revoked or expired token `status 401`, both with HTTP 200; server
/// errors and hangs stay HTTP-level (as a proxy in front of Withings would answer).
pub fn fault_response(kind: &FaultKind) -> Option<Response> {
    match kind {
        FaultKind::RateLimit { .. } => Some(envelope_error(
            status::TOO_MANY_REQUESTS,
            "Too many requests (simulated)",
        )),
        _ => None,
    }
}

/// `application/x-www-form-urlencoded` body of the notification Withings POSTs to a
/// subscribed `callbackurl` (no signature, no other headers of note): `userid`, `appli`
/// and the changed window as epoch seconds.
pub fn notification_body(account: &str, appli: i64, startdate: i64, enddate: i64) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("userid", account)
        .append_pair("appli", &appli.to_string())
        .append_pair("startdate", &startdate.to_string())
        .append_pair("enddate", &enddate.to_string())
        .finish()
}

/// The `appli` Withings notifies for a Terra data type (`body`, `daily`, `activity`,
/// `sleep`); `None` for types Withings has no notification for.
pub fn appli_for(data_type: &str) -> Option<i64> {
    match data_type {
        "body" => Some(1),
        "daily" | "activity" => Some(16),
        "sleep" => Some(44),
        _ => None,
    }
}

/// The notification for `account`'s `data_type` on local day `date`: the window is the
/// person's local day. Returns (content type, body).
pub fn push_message(
    person: &Person,
    account: &str,
    data_type: &str,
    date: NaiveDate,
) -> Option<(&'static str, String)> {
    let appli = appli_for(data_type)?;
    let offset = i64::from(person.offset().seconds());
    let start = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp() - offset;
    Some((
        "application/x-www-form-urlencoded",
        notification_body(account, appli, start, start + 86_399),
    ))
}

// ---------------------------------------------------------------------------------------
// Envelope and parameters.

fn envelope(body: Value) -> Response {
    axum::Json(json!({"status": status::OK, "body": body})).into_response()
}

fn envelope_error(code: i64, message: &str) -> Response {
    axum::Json(json!({"status": code, "body": {}, "error": message})).into_response()
}

/// Query parameters and form fields together (Withings accepts either).
struct Params(HashMap<String, String>);

impl Params {
    fn new(query: Option<&str>, body: &[u8]) -> Self {
        let mut map = HashMap::new();
        for source in [query.unwrap_or("").as_bytes(), body] {
            for (key, value) in url::form_urlencoded::parse(source) {
                map.insert(key.into_owned(), value.into_owned());
            }
        }
        Self(map)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn epoch(&self, key: &str) -> Result<Option<i64>, Failure> {
        self.get(key)
            .map(|text| text.parse::<i64>().map_err(|_| invalid(key)))
            .transpose()
    }

    fn offset(&self) -> Result<usize, Failure> {
        Ok(self
            .get("offset")
            .map(|text| text.parse::<usize>().map_err(|_| invalid("offset")))
            .transpose()?
            .unwrap_or(0))
    }
}

/// An error answer: an envelope status and message (still HTTP 200).
#[derive(Debug)]
struct Failure {
    code: i64,
    message: String,
}

impl Failure {
    fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        envelope_error(self.code, &self.message)
    }
}

fn invalid(key: &str) -> Failure {
    Failure::new(status::INVALID_PARAMS, format!("Invalid Params: {key}"))
}

/// The account behind the Bearer token (or an `access_token` parameter).
fn authenticate(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<String, Failure> {
    let header_token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let token = header_token
        .or_else(|| params.get("access_token"))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Failure::new(status::INVALID_TOKEN, "invalid_token: missing"))?;
    state.oauth.check_access(token).map_err(|problem| {
        Failure::new(
            status::INVALID_TOKEN,
            format!("XRequestID: sim invalid_token: {}", problem.description()),
        )
    })
}

fn date_range(params: &Params) -> Result<(NaiveDate, NaiveDate), Failure> {
    if let Some(lastupdate) = params.epoch("lastupdate")? {
        let start = DateTime::<Utc>::from_timestamp(lastupdate, 0)
            .ok_or_else(|| invalid("lastupdate"))?
            .date_naive();
        let today = Utc::now().date_naive();
        return Ok((start, today.max(start)));
    }
    let day = |key: &str| {
        params
            .get(key)
            .and_then(parse_iso_date)
            .ok_or_else(|| invalid(key))
    };
    let (start, end) = (day("startdateymd")?, day("enddateymd")?);
    let days = (end - start).num_days();
    if !(0..MAX_RANGE_DAYS).contains(&days) {
        return Err(invalid("enddateymd"));
    }
    Ok((start, end))
}

/// `(startdate, enddate)` epochs, both required, `enddate` not before `startdate`.
fn epoch_window(params: &Params, max_seconds: Option<i64>) -> Result<(i64, i64), Failure> {
    let start = params
        .epoch("startdate")?
        .ok_or_else(|| invalid("startdate"))?;
    let end = params.epoch("enddate")?.ok_or_else(|| invalid("enddate"))?;
    let span = end.checked_sub(start).ok_or_else(|| invalid("enddate"))?;
    if span < 0 || max_seconds.is_some_and(|max| span > max) || span > MAX_RANGE_DAYS * 86_400 {
        return Err(invalid("enddate"));
    }
    Ok((start, end))
}

/// The person's local dates an epoch window touches (one day of margin on each side).
fn local_dates(person: &Person, start: i64, end: i64) -> Vec<NaiveDate> {
    let offset = person.offset().fixed();
    let date = |epoch: i64| {
        DateTime::<Utc>::from_timestamp(epoch, 0).map(|t| t.with_timezone(&offset).date_naive())
    };
    let (Some(first), Some(last)) = (date(start), date(end)) else {
        return Vec::new();
    };
    let first = first.checked_sub_days(Days::new(1)).unwrap_or(first);
    let last = last.checked_add_days(Days::new(1)).unwrap_or(last);
    first.iter_days().take_while(|d| *d <= last).collect()
}

fn dates(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    start.iter_days().take_while(move |d| *d <= end)
}

/// One page of `items` from `offset`: the page, `more`, and the next offset.
fn page(items: Vec<Value>, offset: usize, size: usize) -> (Vec<Value>, bool, usize) {
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let next = offset.saturating_add(page.len());
    (page, next < total, next)
}

// ---------------------------------------------------------------------------------------
// OAuth.

async fn authorize_page(State(state): State<WithingsState>, RawQuery(query): RawQuery) -> Response {
    oauth::authorize_query(&state.oauth, query.as_deref())
}

async fn authorize_submit(State(state): State<WithingsState>, body: Bytes) -> Response {
    oauth::authorize_form(&state.oauth, &body)
}

/// `POST /v2/oauth2` with `action=requesttoken`: the shared token endpoint's answer,
/// re-wrapped in Withings's envelope (`userid`, tokens, `expires_in`, comma scopes).
async fn token(State(state): State<WithingsState>, headers: HeaderMap, body: Bytes) -> Response {
    let params = Params::new(None, &body);
    match params.get("action") {
        Some("requesttoken") => {}
        Some("revoke") => return respond(revoke(&state, &params)),
        _ => return envelope_error(status::UNKNOWN_ACTION, "Unknown action"),
    }
    let answer = oauth::token(&state.oauth, &headers, &body);
    let ok = answer.status() == StatusCode::OK;
    let bytes = to_bytes(answer.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let parsed: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let text = |key: &str| parsed.get(key).cloned().unwrap_or(Value::Null);
    if !ok {
        let description = parsed
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("invalid request");
        return envelope_error(
            status::INVALID_PARAMS,
            &format!("Invalid Params: {description}"),
        );
    }
    let scope = parsed
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .replace(' ', ",");
    envelope(json!({
        "userid": text("user_id"),
        "access_token": text("access_token"),
        "refresh_token": text("refresh_token"),
        "expires_in": text("expires_in"),
        "scope": scope,
        "csrf_token": "sim",
        "token_type": "Bearer",
    }))
}

// ---------------------------------------------------------------------------------------
// Signed calls: `getnonce`, then `revoke` with the nonce.

/// How far a `getnonce` timestamp may be from the simulator's clock.
const NONCE_TIMESTAMP_SKEW_S: i64 = 600;

/// Withings's request signature: lowercase hex HMAC-SHA256 keyed with the client secret
/// over the values of `action`, `client_id` and `nonce` (or `timestamp` for `getnonce`)
/// joined with commas, in that (alphabetical key) order.
pub fn request_signature(client_secret: &str, values: &[&str]) -> String {
    use hmac::{Hmac, Mac};
    match Hmac::<sha2::Sha256>::new_from_slice(client_secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(values.join(",").as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Checks a signature over `values` for `client_id`. A registered client's secret must
/// match; with no registered clients (the sandbox default: any client accepted) only the
/// form is checked, as the secret is unknown here.
fn check_signature(
    state: &WithingsState,
    client_id: &str,
    values: &[&str],
    signature: &str,
) -> Result<(), Failure> {
    let bad = || Failure::new(status::INVALID_SIGNATURE, "Invalid signature");
    match state.oauth.client_secret(client_id) {
        Some(secret) if request_signature(&secret, values) == signature => Ok(()),
        Some(_) => Err(bad()),
        None if !state.oauth.client_known(client_id) => Err(bad()),
        None if signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(()),
        None => Err(bad()),
    }
}

/// `POST /v2/signature` `action=getnonce&client_id&timestamp&signature`: a one-time nonce.
async fn signature(State(state): State<WithingsState>, body: Bytes) -> Response {
    let params = Params::new(None, &body);
    respond(getnonce(&state, &params))
}

fn getnonce(state: &WithingsState, params: &Params) -> Result<Response, Failure> {
    if params.get("action") != Some("getnonce") {
        return Err(Failure::new(status::UNKNOWN_ACTION, "Unknown action"));
    }
    let client_id = params
        .get("client_id")
        .ok_or_else(|| invalid("client_id"))?;
    let timestamp = params
        .epoch("timestamp")?
        .ok_or_else(|| invalid("timestamp"))?;
    if (Utc::now().timestamp() - timestamp).abs() > NONCE_TIMESTAMP_SKEW_S {
        return Err(invalid("timestamp"));
    }
    let signature = params
        .get("signature")
        .ok_or_else(|| invalid("signature"))?;
    let timestamp = timestamp.to_string();
    check_signature(
        state,
        client_id,
        &["getnonce", client_id, &timestamp],
        signature,
    )?;
    let nonce = oauth::random_token("nonce");
    state
        .nonces
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(nonce.clone());
    Ok(envelope(json!({"nonce": nonce})))
}

/// `POST /v2/oauth2` `action=revoke&client_id&nonce&signature&userid`: ends every grant of
/// `userid` (its tokens then answer status 401 and `invalid_grant`).
fn revoke(state: &WithingsState, params: &Params) -> Result<Response, Failure> {
    let client_id = params
        .get("client_id")
        .ok_or_else(|| invalid("client_id"))?;
    let nonce = params.get("nonce").ok_or_else(|| invalid("nonce"))?;
    let signature = params
        .get("signature")
        .ok_or_else(|| invalid("signature"))?;
    let userid = params.get("userid").ok_or_else(|| invalid("userid"))?;
    let fresh = state
        .nonces
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(nonce);
    if !fresh {
        return Err(Failure::new(status::INVALID_SIGNATURE, "Invalid nonce"));
    }
    check_signature(state, client_id, &["revoke", client_id, nonce], signature)?;
    state.oauth.revoke_account(userid);
    Ok(envelope(json!({})))
}

// ---------------------------------------------------------------------------------------
// Data.

async fn measure(
    State(state): State<WithingsState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::new(query.as_deref(), &body);
    respond(match params.get("action") {
        Some("getmeas") => getmeas(&state, &headers, &params),
        _ => Err(Failure::new(status::UNKNOWN_ACTION, "Unknown action")),
    })
}

async fn measure_v2(
    State(state): State<WithingsState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::new(query.as_deref(), &body);
    respond(match params.get("action") {
        Some("getactivity") => getactivity(&state, &headers, &params),
        Some("getintradayactivity") => getintradayactivity(&state, &headers, &params),
        Some("getworkouts") => getworkouts(&state, &headers, &params),
        _ => Err(Failure::new(status::UNKNOWN_ACTION, "Unknown action")),
    })
}

async fn sleep(
    State(state): State<WithingsState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::new(query.as_deref(), &body);
    respond(match params.get("action") {
        Some("getsummary") => getsummary(&state, &headers, &params),
        Some("get") => sleep_get(&state, &headers, &params),
        _ => Err(Failure::new(status::UNKNOWN_ACTION, "Unknown action")),
    })
}

fn respond(result: Result<Response, Failure>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

fn getmeas(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let account = authenticate(state, headers, params)?;
    let person = state.sim.person(&account);
    let types: Option<Vec<i64>> = params
        .get("meastypes")
        .or_else(|| params.get("meastype"))
        .map(|list| {
            list.split(',')
                .filter_map(|t| t.trim().parse().ok())
                .collect()
        });
    let (start, end) = match params.epoch("lastupdate")? {
        Some(since) => (since, Utc::now().timestamp()),
        None => epoch_window(params, None)?,
    };
    // Category 2 (objectives): the person sets no goals.
    let goals = params.get("category") == Some("2");
    let groups: Vec<Value> = if goals {
        Vec::new()
    } else {
        local_dates(&person, start, end)
            .into_iter()
            .map(|date| render::measure_group(&person, date, types.as_deref()))
            .filter(|group| {
                let at = group
                    .get("date")
                    .and_then(Value::as_i64)
                    .unwrap_or_default();
                let has_measures = group
                    .get("measures")
                    .and_then(Value::as_array)
                    .is_some_and(|m| !m.is_empty());
                at >= start && at <= end && has_measures
            })
            .collect()
    };
    let (groups, more, next) = page(groups, params.offset()?, MEASURE_PAGE);
    Ok(envelope(json!({
        "updatetime": Utc::now().timestamp(),
        "timezone": render::person_zone(&person),
        "measuregrps": groups,
        "more": i64::from(more),
        "offset": if more { next } else { 0 },
    })))
}

fn getactivity(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let account = authenticate(state, headers, params)?;
    let person = state.sim.person(&account);
    let (start, end) = date_range(params)?;
    let days: Vec<Value> = dates(start, end)
        .map(|date| render::activity_day(&person, &person.day(date)))
        .collect();
    let (days, more, next) = page(days, params.offset()?, ACTIVITY_PAGE);
    Ok(envelope(
        json!({"activities": days, "more": more, "offset": next}),
    ))
}

fn getintradayactivity(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let account = authenticate(state, headers, params)?;
    let person = state.sim.person(&account);
    let (start, end) = epoch_window(params, Some(MAX_DETAIL_WINDOW_S))?;
    let mut series = Map::new();
    for date in local_dates(&person, start, end) {
        render::intraday_points(&person.day(date), start, end, &mut series);
    }
    Ok(envelope(json!({"series": series})))
}

fn getworkouts(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let account = authenticate(state, headers, params)?;
    let person = state.sim.person(&account);
    let (start, end) = date_range(params)?;
    let workouts: Vec<Value> = dates(start, end)
        .flat_map(|date| {
            let day = person.day(date);
            day.workouts
                .iter()
                .map(|w| render::workout(&person, date, w))
                .collect::<Vec<_>>()
        })
        .collect();
    let (workouts, more, next) = page(workouts, params.offset()?, WORKOUT_PAGE);
    Ok(envelope(
        json!({"series": workouts, "more": more, "offset": next}),
    ))
}

fn getsummary(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let account = authenticate(state, headers, params)?;
    let person = state.sim.person(&account);
    let (start, end) = date_range(params)?;
    let nights: Vec<Value> = dates(start, end)
        .map(|date| render::sleep_summary(&person, date, &person.sleep_ending_on(date)))
        .collect();
    let (nights, more, next) = page(nights, params.offset()?, SLEEP_PAGE);
    Ok(envelope(
        json!({"series": nights, "more": more, "offset": next}),
    ))
}

fn sleep_get(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let account = authenticate(state, headers, params)?;
    let person = state.sim.person(&account);
    let (start, end) = epoch_window(params, Some(MAX_DETAIL_WINDOW_S))?;
    let mut segments = Vec::new();
    for date in local_dates(&person, start, end) {
        render::sleep_segments(&person.sleep_ending_on(date), start, end, &mut segments);
    }
    segments.sort_by_key(|s| {
        s.get("startdate")
            .and_then(Value::as_i64)
            .unwrap_or_default()
    });
    segments.dedup();
    Ok(envelope(json!({"series": segments, "model": 32})))
}

// ---------------------------------------------------------------------------------------
// Notifications.

async fn notify(
    State(state): State<WithingsState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::new(query.as_deref(), &body);
    respond(notify_action(&state, &headers, &params))
}

fn notify_action(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let account = authenticate(state, headers, params)?;
    let appli = params
        .get("appli")
        .map(|a| a.parse::<i64>().map_err(|_| invalid("appli")))
        .transpose()?;
    let mut subscriptions = state
        .subscriptions
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    match params.get("action") {
        Some("subscribe") => {
            let callbackurl = params
                .get("callbackurl")
                .ok_or_else(|| invalid("callbackurl"))?;
            let appli = appli.ok_or_else(|| invalid("appli"))?;
            if url::Url::parse(callbackurl).is_err() {
                return Err(invalid("callbackurl"));
            }
            subscriptions.retain(|s| {
                !(s.account == account && s.appli == appli && s.callbackurl == callbackurl)
            });
            subscriptions.push(Subscription {
                account,
                appli,
                callbackurl: callbackurl.to_owned(),
                comment: params.get("comment").unwrap_or("").to_owned(),
            });
            Ok(envelope(json!({})))
        }
        Some("list") => {
            let profiles: Vec<Value> = subscriptions
                .iter()
                .filter(|s| s.account == account && appli.is_none_or(|a| a == s.appli))
                .map(|s| {
                    json!({"appli": s.appli, "callbackurl": s.callbackurl, "expires": 2_147_483_647_i64, "comment": s.comment})
                })
                .collect();
            Ok(envelope(json!({"profiles": profiles})))
        }
        Some("revoke") => {
            let callbackurl = params
                .get("callbackurl")
                .ok_or_else(|| invalid("callbackurl"))?;
            subscriptions.retain(|s| {
                !(s.account == account
                    && s.callbackurl == callbackurl
                    && appli.is_none_or(|a| a == s.appli))
            });
            Ok(envelope(json!({})))
        }
        _ => Err(Failure::new(status::UNKNOWN_ACTION, "Unknown action")),
    }
}
