//! Dexcom's v3 data endpoints: `egvs`, `events`, `calibrations` and `alerts` for a time
//! window (`startDate`/`endDate`, UTC against `systemTime`, at most 30 days), `devices`,
//! and `dataRange`. Records are those of the synthetic person from [`render::history_start`]
//! up to what the account has uploaded ([`super::uploads`]), newest first.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::DexcomState;
use super::render::{self, Display, history_start};
use crate::person::Person;
use crate::providers::common::{ApiError, authenticate};

/// Longest window one request may ask for.
pub const MAX_WINDOW_DAYS: i64 = 30;
/// How far `dataRange` looks for the first and last event (a person eats every day).
const EVENT_SCAN_DAYS: u64 = 30;

/// The caller's account, with what it has uploaded so far.
struct Account {
    id: String,
    person: Person,
    display: Display,
    uploaded_until: DateTime<Utc>,
}

fn account(state: &DexcomState, headers: &HeaderMap) -> Result<Account, ApiError> {
    let id = authenticate(&state.oauth, headers)?;
    Ok(Account {
        person: state.sim.person(&id),
        display: Display::of(&id),
        uploaded_until: state.sim.dexcom_uploads.uploaded_until(&id, Utc::now()),
        id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WindowQuery {
    start_date: Option<String>,
    end_date: Option<String>,
}

/// A requested window, `[start, end)`.
#[derive(Clone, Copy, Debug)]
struct Window {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// A query date: `YYYY-MM-DDThh:mm:ss` (UTC, as Dexcom documents it), or with an offset.
fn query_time(name: &str, value: Option<&str>) -> Result<DateTime<Utc>, ApiError> {
    let text = value
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))?;
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|time| time.and_utc())
        })
        .map_err(|_| {
            ApiError::bad_request(format!(
                "{name} must be a date-time like 2023-01-01T09:12:35"
            ))
        })
}

fn window(query: Option<&str>) -> Result<Window, ApiError> {
    let query: WindowQuery = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|error| ApiError::bad_request(format!("malformed query: {error}")))?;
    let start = query_time("startDate", query.start_date.as_deref())?;
    let end = query_time("endDate", query.end_date.as_deref())?;
    if end <= start {
        return Err(ApiError::bad_request("endDate must be after startDate"));
    }
    if end - start > TimeDelta::days(MAX_WINDOW_DAYS) {
        return Err(ApiError::bad_request(format!(
            "the time window may not exceed {MAX_WINDOW_DAYS} days"
        )));
    }
    Ok(Window { start, end })
}

impl Account {
    /// The person's local days that can hold records of `window`, from the history start.
    fn days(&self, window: Window) -> Vec<NaiveDate> {
        let offset = self.person.offset().fixed();
        let first = window.start.with_timezone(&offset).date_naive();
        let last = window.end.with_timezone(&offset).date_naive();
        first
            .max(history_start())
            .iter_days()
            .take_while(|day| *day <= last)
            .collect()
    }

    /// Whether a record at `at` is in `window` and uploaded.
    fn shows(&self, window: Window, at: DateTime<Utc>) -> bool {
        window.start <= at && at < window.end && at <= self.uploaded_until
    }

    fn envelope(&self, record_type: &str, mut records: Vec<Value>) -> Response {
        records.reverse();
        axum::Json(json!({
            "recordType": record_type,
            "recordVersion": "3.0",
            "userId": render::user_id(&self.id),
            "records": records,
        }))
        .into_response()
    }
}

/// Runs `render` for the caller's account and a valid window.
fn windowed(
    state: &DexcomState,
    headers: &HeaderMap,
    query: Option<&str>,
    render: impl FnOnce(&Account, Window) -> Response,
) -> Response {
    let account = match account(state, headers) {
        Ok(account) => account,
        Err(error) => return error.into_response(),
    };
    match window(query) {
        Ok(window) => render(&account, window),
        Err(error) => error.into_response(),
    }
}

/// `GET /v3/users/self/egvs`.
pub(super) async fn egvs(
    State(state): State<DexcomState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    windowed(&state, &headers, query.as_deref(), |account, window| {
        let records = account
            .days(window)
            .into_iter()
            .flat_map(|day| account.person.glucose_on(day))
            .filter(|reading| account.shows(window, reading.at.with_timezone(&Utc)))
            .map(|reading| render::egv(&account.id, account.display, &reading))
            .collect();
        account.envelope("egv", records)
    })
}

/// `GET /v3/users/self/events`.
pub(super) async fn events(
    State(state): State<DexcomState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    windowed(&state, &headers, query.as_deref(), |account, window| {
        let records = account
            .days(window)
            .into_iter()
            .flat_map(|day| render::events_on(&account.person, &account.id, account.display, day))
            .filter(|(at, _)| account.shows(window, at.with_timezone(&Utc)))
            .map(|(_, event)| event)
            .collect();
        account.envelope("events", records)
    })
}

/// `GET /v3/users/self/calibrations`: none (G7 sensors need no fingerstick calibration,
/// and the person enters none).
pub(super) async fn calibrations(
    State(state): State<DexcomState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    windowed(&state, &headers, query.as_deref(), |account, _| {
        account.envelope("calibrations", Vec::new())
    })
}

/// `GET /v3/users/self/alerts`: none (the simulated sensor raises no alert).
pub(super) async fn alerts(
    State(state): State<DexcomState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    windowed(&state, &headers, query.as_deref(), |account, _| {
        account.envelope("alert", Vec::new())
    })
}

/// `GET /v3/users/self/devices`: the account's one display device, last uploaded when its
/// uploads stop, with no alert schedule.
pub(super) async fn devices(State(state): State<DexcomState>, headers: HeaderMap) -> Response {
    let account = match account(&state, &headers) {
        Ok(account) => account,
        Err(error) => return error.into_response(),
    };
    let device = json!({
        "transmitterGeneration": "g7",
        "displayDevice": account.display.device(),
        "displayApp": account.display.app(),
        "lastUploadDate": account.uploaded_until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "alertSchedules": [],
    });
    account.envelope("device", vec![device])
}

/// `GET /v3/users/self/dataRange` (`lastSyncTime` accepted and ignored: the spans are the
/// same with or without it here).
pub(super) async fn data_range(State(state): State<DexcomState>, headers: HeaderMap) -> Response {
    let account = match account(&state, &headers) {
        Ok(account) => account,
        Err(error) => return error.into_response(),
    };
    let egvs = egv_span(&account);
    let events = event_span(&account);
    axum::Json(json!({
        "recordType": "dataRange",
        "recordVersion": "3.0",
        "userId": render::user_id(&account.id),
        "calibrations": Value::Null,
        "egvs": egvs,
        "events": events,
    }))
    .into_response()
}

fn span(
    display: Display,
    first: DateTime<chrono::FixedOffset>,
    last: DateTime<chrono::FixedOffset>,
) -> Value {
    json!({"start": render::moment(display, first), "end": render::moment(display, last)})
}

/// The first and last uploaded reading; `null` before any upload.
fn egv_span(account: &Account) -> Value {
    let until = account.uploaded_until;
    let first = account
        .person
        .glucose_on(history_start())
        .first()
        .map(|r| r.at);
    let offset = account.person.offset().fixed();
    let last_day = until.with_timezone(&offset).date_naive();
    let last = [last_day, last_day - Days::new(1)]
        .into_iter()
        .filter(|day| *day >= history_start())
        .flat_map(|day| account.person.glucose_on(day))
        .filter(|reading| reading.at.with_timezone(&Utc) <= until)
        .map(|reading| reading.at)
        .max();
    match (first, last) {
        (Some(first), Some(last)) if first <= last => span(account.display, first, last),
        _ => Value::Null,
    }
}

/// The first and last uploaded event; `null` when there is none.
fn event_span(account: &Account) -> Value {
    let until = account.uploaded_until;
    let on = |day: NaiveDate| {
        render::events_on(&account.person, &account.id, account.display, day)
            .into_iter()
            .map(|(at, _)| at)
            .filter(|at| at.with_timezone(&Utc) <= until)
            .collect::<Vec<_>>()
    };
    let first = history_start()
        .iter_days()
        .take(usize::try_from(EVENT_SCAN_DAYS).unwrap_or(0))
        .find_map(|day| on(day).into_iter().min());
    let offset = account.person.offset().fixed();
    let last_day = until.with_timezone(&offset).date_naive();
    let last = (0..EVENT_SCAN_DAYS)
        .filter_map(|back| last_day.checked_sub_days(Days::new(back)))
        .take_while(|day| *day >= history_start())
        .find_map(|day| on(day).into_iter().max());
    match (first, last) {
        (Some(first), Some(last)) if first <= last => span(account.display, first, last),
        _ => Value::Null,
    }
}
