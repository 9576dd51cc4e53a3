//! GARMIN: the Garmin Connect Health API and Activity API, simulated.
//!
//! Real paths under `/garmin/` (`https://apis.garmin.com/wellness-api/rest/dailies` →
//! `/garmin/wellness-api/rest/dailies`), OAuth 2.0 with mandatory PKCE at Garmin's paths
//! (`/garmin/oauth2Confirm`, `/garmin/di-oauth2-service/oauth/token`, client credentials in
//! the form body, rotating refresh tokens, 24 h access tokens). Summaries are selected by
//! *upload time* (`uploadStartTimeInSeconds`/`uploadEndTimeInSeconds`, at most 86 400 s
//! apart), answered as a bare JSON array; errors are `{"errorMessage": ...}`. Pushes are
//! Garmin PUSH bodies (`{"dailies": [...]}`), or a PING with a `callbackURL` for body
//! composition. The Training API (planned workouts) is [`training`]. Documented in
//! `docs/simulator.md` (GARMIN).

pub mod training;
mod wire;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::common::{authorize_submit, bearer_account, token};
use super::{PushMessage, SimCloud};
use crate::SimState;
use crate::faults::FaultKind;
use crate::oauth::{self, ClientAuthStyle, OAuthServer, OAuthSettings, TokenProblem};
use crate::person::Person;
use wire::Uploaded;

pub const AUTHORIZE_PATH: &str = "/garmin/oauth2Confirm";
pub const TOKEN_PATH: &str = "/garmin/di-oauth2-service/oauth/token";
pub const REST_PREFIX: &str = "/garmin/wellness-api/rest";

/// Garmin's access tokens live about 24 h (providers.md §4.1).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(86_400);
/// Longest pull window by upload time (spec §7: 24 hours).
pub const MAX_UPLOAD_WINDOW_S: i64 = 86_400;
/// Longest backfill request (spec §8: 90 days).
pub const MAX_BACKFILL_S: i64 = 90 * 86_400;
/// Unix seconds beyond this are taken for milliseconds and refused, as Garmin does.
const MAX_SECONDS: i64 = 100_000_000_000;
/// The `garmin-client-id` header of simulated pushes: the sandbox dev client id
/// (`wearbridge_providers::config::SANDBOX_CLIENT_ID`), the only app the simulator serves.
pub const PUSH_CLIENT_ID: &str = "wearbridge-dev";

/// Summary types Garmin documents that the person model has no data for: they answer an
/// empty list (a device without that sensor).
const EMPTY_TYPES: [&str; 9] = [
    "stressDetails",
    "pulseOx",
    "respiration",
    "bloodPressures",
    "userMetrics",
    "skinTemp",
    "healthSnapshot",
    "moveiq",
    "manuallyUpdatedActivities",
];

/// Every permission a Garmin user can share with an app (providers.md §4.1, names as
/// partners report them); a new account shares all of them.
pub const PERMISSIONS: [&str; 6] = [
    "ACTIVITY_EXPORT",
    "HEALTH_EXPORT",
    "WORKOUT_IMPORT",
    "COURSE_IMPORT",
    "MCT_EXPORT",
    "HISTORICAL_DATA_EXPORT",
];

/// The permissions each account shares, where a test changed them.
#[derive(Debug, Default)]
pub(crate) struct Permissions {
    changed: Mutex<HashMap<String, Vec<String>>>,
}

impl Permissions {
    /// What `account` shares now.
    pub(crate) fn of(&self, account: &str) -> Vec<String> {
        let changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        changed.get(account).cloned().unwrap_or_else(|| {
            PERMISSIONS
                .iter()
                .map(|permission| (*permission).to_owned())
                .collect()
        })
    }

    fn set(&self, account: &str, permissions: Vec<String>) {
        let mut changed = self.changed.lock().unwrap_or_else(PoisonError::into_inner);
        changed.insert(account.to_owned(), permissions);
    }
}

/// The user behind `account` now shares exactly `permissions`: `user/permissions` says so
/// from now on, and this is the `userPermissionsChange` notice Garmin pushes about it
/// (providers.md §4.4: `{userId, summaryId, permissions, changeTimeInSeconds}`), stamped
/// `changed_at` (Unix seconds).
pub(crate) fn permissions_change(
    sim: &SimState,
    account: &str,
    permissions: &[&str],
    changed_at: i64,
) -> PushMessage {
    let permissions: Vec<String> = permissions.iter().map(|p| (*p).to_owned()).collect();
    sim.garmin_permissions.set(account, permissions.clone());
    let body = json!({ "userPermissionsChange": [{
        "userId": account,
        "summaryId": format!("{account}-permissions-{changed_at}"),
        "permissions": permissions,
        "changeTimeInSeconds": changed_at,
    }]});
    garmin_push(body)
}

/// A Garmin push of `body`: unsigned, naming the app's consumer key (spec §4.2).
fn garmin_push(body: Value) -> PushMessage {
    PushMessage {
        method: "POST",
        query: String::new(),
        content_type: "application/json;charset=UTF-8",
        headers: vec![("garmin-client-id".to_owned(), PUSH_CLIENT_ID.to_owned())],
        body: body.to_string().into_bytes(),
    }
}

/// The GARMIN cloud.
pub(crate) struct Cloud;

/// (account, summary type, start, end) of a backfill request.
type BackfillKey = (String, String, i64, i64);

#[derive(Clone, FromRef)]
struct GarminState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
    /// Backfill requests seen: (account, summary type, start, end). Garmin refuses a repeat
    /// with 409.
    backfills: Arc<Mutex<HashSet<BackfillKey>>>,
}

impl SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        OAuthSettings {
            display_name: "Garmin Connect",
            authorize_path: AUTHORIZE_PATH,
            client_auth: ClientAuthStyle::Body,
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            code_ttl: Duration::from_secs(600),
            rotate_refresh_tokens: true,
        }
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        let state = GarminState {
            oauth,
            sim,
            backfills: Arc::default(),
        };
        Router::new()
            .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
            .route(TOKEN_PATH, post(token))
            .route("/garmin/wellness-api/rest/user/id", get(user_id))
            .route(
                "/garmin/wellness-api/rest/user/permissions",
                get(user_permissions),
            )
            .route(
                "/garmin/wellness-api/rest/user/registration",
                delete(deregister),
            )
            .route("/garmin/wellness-api/rest/backfill/{kind}", get(backfill))
            .route("/garmin/wellness-api/rest/{kind}", get(summaries))
            .merge(training::routes())
            .with_state(state)
    }

    fn token_paths(&self) -> &'static [&'static str] {
        &[TOKEN_PATH]
    }

    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        _secret: &str,
    ) -> Option<PushMessage> {
        let body = push_body(&sim.person(account), account, data_type, date)?;
        Some(garmin_push(body))
    }

    fn fault_response(&self, kind: &FaultKind) -> Option<Response> {
        match kind {
            FaultKind::RateLimit { retry_after_s } => {
                let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded");
                if let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                Some(response)
            }
            FaultKind::ServerError { status } => Some(error(
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "Internal server error (simulated)",
            )),
            _ => None,
        }
    }
}

/// Garmin's error body (spec Appendix E).
fn error(status: StatusCode, message: &str) -> Response {
    GarminError::new(status, message).into_response()
}

/// An error answer in Garmin's shape, `{"errorMessage": ...}`.
struct GarminError {
    status: StatusCode,
    message: String,
}

impl GarminError {
    fn new(status: StatusCode, message: &str) -> Self {
        Self {
            status,
            message: message.to_owned(),
        }
    }

    fn bad_request(message: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for GarminError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(json!({ "errorMessage": self.message })),
        )
            .into_response()
    }
}

// ---------------------------------------------------------------------------------------
// OAuth.

/// Garmin requires PKCE: an authorize request without `code_challenge` is refused.
async fn authorize_page(State(state): State<GarminState>, RawQuery(query): RawQuery) -> Response {
    let has_challenge = url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .any(|(key, value)| key == "code_challenge" && !value.is_empty());
    if !has_challenge {
        return error(
            StatusCode::BAD_REQUEST,
            "code_challenge is required (PKCE S256)",
        );
    }
    oauth::authorize_query(&state.oauth, query.as_deref())
}

/// The account behind the bearer token; 401 for a missing or expired token, 403 for one
/// Garmin no longer knows (revoked by the user), as Appendix E describes.
fn authenticate(state: &GarminState, headers: &HeaderMap) -> Result<String, GarminError> {
    bearer_account(&state.oauth, headers, |problem| {
        let status = match problem {
            TokenProblem::Missing | TokenProblem::Expired => StatusCode::UNAUTHORIZED,
            TokenProblem::Unknown | TokenProblem::Revoked => StatusCode::FORBIDDEN,
        };
        GarminError::new(status, problem.description())
    })
}

// ---------------------------------------------------------------------------------------
// User endpoints.

async fn user_id(State(state): State<GarminState>, headers: HeaderMap) -> Response {
    match authenticate(&state, &headers) {
        Ok(account) => axum::Json(json!({ "userId": account })).into_response(),
        Err(response) => response.into_response(),
    }
}

/// `GET /user/permissions`: what the user shares with the app now (all of
/// [`PERMISSIONS`] until a test changes it with [`permissions_change`]).
async fn user_permissions(State(state): State<GarminState>, headers: HeaderMap) -> Response {
    match authenticate(&state, &headers) {
        Ok(account) => {
            let granted = state.sim.garmin_permissions.of(&account);
            axum::Json(json!({ "permissions": granted })).into_response()
        }
        Err(response) => response.into_response(),
    }
}

/// `DELETE /user/registration`: the partner deregisters the user; every token of the grant
/// stops working.
async fn deregister(State(state): State<GarminState>, headers: HeaderMap) -> Response {
    match authenticate(&state, &headers) {
        Ok(account) => {
            state.oauth.revoke_account(&account);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(response) => response.into_response(),
    }
}

// ---------------------------------------------------------------------------------------
// Summaries.

/// Reads two Unix-seconds query parameters, refusing milliseconds and reversed ranges.
fn window(
    query: Option<&str>,
    start_key: &str,
    end_key: &str,
    max_s: i64,
) -> Result<(i64, i64), GarminError> {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let read = |key: &str| -> Result<i64, GarminError> {
        let text = params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| GarminError::bad_request(&format!("{key} is required")))?;
        let value: i64 = text.parse().map_err(|_| {
            GarminError::bad_request(&format!("{key} must be Unix seconds, got {text:?}"))
        })?;
        if !(0..MAX_SECONDS).contains(&value) {
            return Err(GarminError::bad_request(&format!(
                "timestamp '{value}' appears to be in milliseconds. Please provide unix timestamps in seconds."
            )));
        }
        Ok(value)
    };
    let (start, end) = (read(start_key)?, read(end_key)?);
    if end < start {
        return Err(GarminError::bad_request(&format!(
            "{end_key} is before {start_key}"
        )));
    }
    if end - start > max_s {
        return Err(GarminError::bad_request(&format!(
            "time range exceeds the maximum of {max_s} seconds"
        )));
    }
    Ok((start, end))
}

/// The Unix-seconds window a windowed endpoint reads: its two query keys and longest span.
struct WindowKeys {
    start: &'static str,
    end: &'static str,
    max_s: i64,
}

/// `GET /{type}`: summaries uploaded in the window.
const UPLOAD_WINDOW: WindowKeys = WindowKeys {
    start: "uploadStartTimeInSeconds",
    end: "uploadEndTimeInSeconds",
    max_s: MAX_UPLOAD_WINDOW_S,
};

/// `GET /backfill/{type}`: summaries of the window's period.
const BACKFILL_WINDOW: WindowKeys = WindowKeys {
    start: "summaryStartTimeInSeconds",
    end: "summaryEndTimeInSeconds",
    max_s: MAX_BACKFILL_S,
};

/// The account behind the bearer token and the query's window (`keys`): how the summary
/// and backfill endpoints both open, token first, so they refuse in the same order.
fn authorized_window(
    state: &GarminState,
    headers: &HeaderMap,
    query: &Option<String>,
    keys: &WindowKeys,
) -> Result<(String, i64, i64), GarminError> {
    let account = authenticate(state, headers)?;
    let (start, end) = window(query.as_deref(), keys.start, keys.end, keys.max_s)?;
    Ok((account, start, end))
}

async fn summaries(
    State(state): State<GarminState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (account, start, end) = match authorized_window(&state, &headers, &query, &UPLOAD_WINDOW) {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let person = state.sim.person(&account);
    match uploaded_between(&person, &account, &kind, start, end) {
        Some(items) => axum::Json(Value::Array(items)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            &format!("unknown summary type {kind:?}"),
        ),
    }
}

/// Every summary of type `kind` uploaded in `[start, end)`; `None` for an unknown type.
fn uploaded_between(
    person: &Person,
    account: &str,
    kind: &str,
    start: i64,
    end: i64,
) -> Option<Vec<Value>> {
    if EMPTY_TYPES.contains(&kind) {
        return Some(Vec::new());
    }
    // A summary is uploaded after its period ends: look from two days before the window
    // (a daily ends a day after it starts) to the window's own last day.
    let offset = person.offset().fixed();
    let local_date = |s: i64| {
        DateTime::<Utc>::from_timestamp(s, 0).map(|t| t.with_timezone(&offset).date_naive())
    };
    let first = local_date(start)?.checked_sub_days(Days::new(2))?;
    let last = local_date(end)?;
    let dates: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let keep = |upload_s: i64| (start..end).contains(&upload_s);
    let mut out = Vec::new();
    let mut push = |item: Option<Value>| out.extend(item);
    for date in &dates {
        let date = *date;
        match kind {
            "dailies" => {
                let day = person.day(date);
                let week = week_avg_hr(person, date);
                push(wire::daily(account, &day, week).and_then(|u| kept(u, &keep)));
            }
            "epochs" => wire::epochs(account, &person.day(date))
                .into_iter()
                .for_each(|u| push(kept(u, &keep))),
            "sleeps" => push(kept(
                wire::sleep(account, date, &person.sleep_ending_on(date)),
                &keep,
            )),
            "hrv" => push(kept(
                wire::hrv(account, date, &person.sleep_ending_on(date)),
                &keep,
            )),
            "bodyComps" => push(kept(wire::body_comp(account, &person.body_on(date)), &keep)),
            "activities" => wire::activities(&person.day(date))
                .into_iter()
                .for_each(|u| push(kept(u, &keep))),
            "activityDetails" => wire::activity_details(&person.day(date))
                .into_iter()
                .for_each(|u| push(kept(u, &keep))),
            "mct" => push(
                person
                    .menstruation_on(date)
                    .and_then(|cycle| wire::mct(account, person, date, &cycle))
                    .and_then(|u| kept(u, &keep)),
            ),
            _ => return None,
        }
    }
    Some(out)
}

fn kept<T: Serialize>(item: Uploaded<T>, keep: &impl Fn(i64) -> bool) -> Option<Value> {
    keep(item.upload_s)
        .then(|| serde_json::to_value(item.summary).ok())
        .flatten()
}

/// Mean heart rate of the 7 days ending on `date` (Garmin's `averageHeartRateInBeatsPerMinute`).
fn week_avg_hr(person: &Person, date: NaiveDate) -> u32 {
    let days: Vec<u32> = (0..7)
        .filter_map(|back| date.checked_sub_days(Days::new(back)))
        .map(|d| person.day(d).avg_hr_bpm())
        .collect();
    let count = u32::try_from(days.len()).unwrap_or(1).max(1);
    days.iter().sum::<u32>() / count
}

/// `GET /backfill/{type}`: accepted (202, no body) and answered later by notifications;
/// a repeated time range is a 409, a range over 90 days a 400 (spec §8).
async fn backfill(
    State(state): State<GarminState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (account, start, end) = match authorized_window(&state, &headers, &query, &BACKFILL_WINDOW)
    {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let fresh = state
        .backfills
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert((account, kind, start, end));
    if fresh {
        StatusCode::ACCEPTED.into_response()
    } else {
        error(StatusCode::CONFLICT, "duplicate backfill request")
    }
}

// ---------------------------------------------------------------------------------------
// Push.

fn with_user(mut value: Value, account: &str) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.insert("userId".to_owned(), Value::String(account.to_owned()));
    }
    value
}

/// The notification Garmin sends when `data_type` changes on `date`: a PUSH body with the
/// summaries, except body composition, which this simulator delivers as a PING (a
/// `callbackURL` naming the upload window) so both delivery modes are exercised.
fn push_body(person: &Person, account: &str, data_type: &str, date: NaiveDate) -> Option<Value> {
    let all = |s: Option<Value>| s.map(|v| with_user(v, account));
    let (key, items): (&str, Vec<Value>) = match data_type {
        "daily" => {
            let day = person.day(date);
            let summary = wire::daily(account, &day, week_avg_hr(person, date))?;
            (
                "dailies",
                all(serde_json::to_value(summary.summary).ok())
                    .into_iter()
                    .collect(),
            )
        }
        "sleep" => {
            let night = wire::sleep(account, date, &person.sleep_ending_on(date));
            (
                "sleeps",
                all(serde_json::to_value(night.summary).ok())
                    .into_iter()
                    .collect(),
            )
        }
        "activity" => (
            "activities",
            wire::activities(&person.day(date))
                .into_iter()
                .filter_map(|u| all(serde_json::to_value(u.summary).ok()))
                .collect(),
        ),
        "menstruation" => {
            let cycle = person.menstruation_on(date)?;
            let snapshot = wire::mct(account, person, date, &cycle)?;
            (
                "mct",
                all(serde_json::to_value(snapshot.summary).ok())
                    .into_iter()
                    .collect(),
            )
        }
        "body" => {
            let upload = wire::body_comp(account, &person.body_on(date)).upload_s;
            let callback = format!(
                "https://apis.garmin.com/wellness-api/rest/bodyComps?uploadStartTimeInSeconds={upload}&uploadEndTimeInSeconds={}&token=sim-pull-token",
                upload + 1
            );
            (
                "bodyComps",
                vec![json!({ "userId": account, "callbackURL": callback })],
            )
        }
        _ => return None,
    };
    (!items.is_empty()).then(|| json!({ key: items }))
}
