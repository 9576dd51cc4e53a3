//! Suunto's data endpoints for the synthetic person, behind the APIM gate (a non-empty
//! `Ocp-Apim-Subscription-Key`, then the bearer token): the workout list and one workout,
//! 24/7 sleep samples, and the daily activity statistics. Only workouts that have ended by
//! the wall-clock "now" exist, as at Suunto.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::{SuuntoState, wire};
use crate::providers::common::bearer_account;

/// The APIM subscription key header.
pub const SUBSCRIPTION_KEY_HEADER: &str = "ocp-apim-subscription-key";
/// Largest `limit` of the workout list.
pub const MAX_LIMIT: i64 = 100;
/// Longest span one 24/7 request may cover.
pub const MAX_SAMPLE_DAYS: i64 = 28;
/// How far back a list with `since=0` looks (the simulated history).
const HISTORY_DAYS: u64 = 3_660;

/// An answer that ends a request early (boxed: responses are large).
type Refused = Box<Response>;

fn query(raw: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn bad_request(message: &str) -> Refused {
    let body = json!({"error": {"code": 400, "description": message}, "payload": null});
    Box::new((StatusCode::BAD_REQUEST, axum::Json(body)).into_response())
}

/// APIM's gate, then the bearer token: the account, or the refusal Suunto (or APIM in
/// front of it) sends.
fn account(state: &SuuntoState, headers: &HeaderMap) -> Result<String, Refused> {
    let key = headers
        .get(SUBSCRIPTION_KEY_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if key.trim().is_empty() {
        let body = json!({
            "statusCode": 401,
            "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
        });
        return Err(Box::new(
            (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response(),
        ));
    }
    bearer_account(&state.oauth, headers, |problem| {
        let body = json!({"error": "invalid_token", "error_description": problem.description()});
        Box::new((StatusCode::UNAUTHORIZED, axum::Json(body)).into_response())
    })
}

/// An optional integer parameter; present but not an integer is a 400.
fn integer(fields: &HashMap<String, String>, name: &str) -> Result<Option<i64>, Refused> {
    match fields.get(name).map(String::as_str) {
        None | Some("") => Ok(None),
        Some(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| bad_request(&format!("{name} must be an integer"))),
    }
}

fn envelope(payload: Value) -> Response {
    axum::Json(json!({
        "error": null,
        "payload": payload,
        "metadata": {"ts": Utc::now().timestamp_millis().to_string()},
    }))
    .into_response()
}

/// `GET /v3/workouts/?since&limit&offset`: ended workouts starting after `since` (epoch
/// ms), oldest first, `limit` (≤ 100, default 50) from `offset`.
pub(super) async fn list(
    State(state): State<SuuntoState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = (|| -> Result<Response, Refused> {
        let account = account(&state, &headers)?;
        let fields = query(raw.as_deref());
        let since = integer(&fields, "since")?.unwrap_or(0);
        let limit = integer(&fields, "limit")?.unwrap_or(50);
        let offset = integer(&fields, "offset")?.unwrap_or(0);
        if !(1..=MAX_LIMIT).contains(&limit) || offset < 0 {
            return Err(bad_request("limit must be 1..100 and offset ≥ 0"));
        }
        let person = state.sim.person(&account);
        let now = Utc::now();
        let today = now.with_timezone(&person.offset().fixed()).date_naive();
        let oldest = today
            .checked_sub_days(Days::new(HISTORY_DAYS))
            .unwrap_or(today);
        let first = DateTime::from_timestamp_millis(since)
            .map(|at| at.with_timezone(&person.offset().fixed()).date_naive())
            .unwrap_or(oldest)
            .max(oldest)
            .min(today);
        let mut items = Vec::new();
        for date in first.iter_days().take_while(|day| *day <= today) {
            for (index, workout) in person.day(date).workouts.iter().enumerate() {
                if workout.end <= now && workout.start.timestamp_millis() > since {
                    items.push(wire::workout(
                        &person, &account, date, index, workout, false,
                    ));
                }
            }
        }
        let page: Vec<Value> = items
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(0))
            .collect();
        Ok(envelope(Value::Array(page)))
    })();
    result.unwrap_or_else(|refused| *refused)
}

/// `GET /v3/workouts/{workoutKey}`.
pub(super) async fn workout(
    State(state): State<SuuntoState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    let account = match account(&state, &headers) {
        Ok(account) => account,
        Err(refused) => return *refused,
    };
    let person = state.sim.person(&account);
    let found = wire::decode_key(&account, &key).and_then(|(date, index)| {
        let workout = person.day(date).workouts.get(index).cloned()?;
        (workout.end <= Utc::now()).then_some((date, index, workout))
    });
    match found {
        Some((date, index, workout)) => envelope(wire::workout(
            &person, &account, date, index, &workout, false,
        )),
        None => {
            let body = json!({"error": {"code": 404, "description": "Workout not found"}, "payload": null});
            (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
        }
    }
}

/// `from`/`to` (epoch ms), required, forwards and at most 28 days apart.
fn window(fields: &HashMap<String, String>) -> Result<(DateTime<Utc>, DateTime<Utc>), Refused> {
    let from = integer(fields, "from")?.and_then(DateTime::from_timestamp_millis);
    let to = integer(fields, "to")?.and_then(DateTime::from_timestamp_millis);
    let (Some(from), Some(to)) = (from, to) else {
        return Err(bad_request("from and to (epoch ms) are required"));
    };
    if to < from || to - from > TimeDelta::days(MAX_SAMPLE_DAYS) {
        return Err(bad_request(
            "from..to must run forwards over at most 28 days",
        ));
    }
    Ok((from, to))
}

/// `GET /247samples/sleep?from&to`: the nights starting in `[from, to)` that have ended.
pub(super) async fn sleep(
    State(state): State<SuuntoState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = (|| -> Result<Response, Refused> {
        let account = account(&state, &headers)?;
        let (from, to) = window(&query(raw.as_deref()))?;
        let person = state.sim.person(&account);
        let offset = person.offset().fixed();
        let first = from.with_timezone(&offset).date_naive();
        let last = to.with_timezone(&offset).date_naive() + Days::new(1);
        let now = Utc::now();
        let nights: Vec<Value> = first
            .iter_days()
            .take_while(|day| *day <= last)
            .filter(|date| {
                let night = person.sleep_ending_on(*date);
                night.start >= from && night.start < to && night.end <= now
            })
            .map(|date| wire::sleep(&person, date))
            .collect();
        Ok(axum::Json(nights).into_response())
    })();
    result.unwrap_or_else(|refused| *refused)
}

fn local_date_time(text: Option<&String>) -> Option<NaiveDate> {
    NaiveDateTime::parse_from_str(text?.trim(), "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|at| at.date())
}

/// `GET /247/daily-activity-statistics?startdate&enddate` (local `YYYY-MM-DDTHH:MM:SS`):
/// the days up to today, at most 28.
pub(super) async fn daily_statistics(
    State(state): State<SuuntoState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = (|| -> Result<Response, Refused> {
        let account = account(&state, &headers)?;
        let fields = query(raw.as_deref());
        let (Some(first), Some(last)) = (
            local_date_time(fields.get("startdate")),
            local_date_time(fields.get("enddate")),
        ) else {
            return Err(bad_request(
                "startdate and enddate (YYYY-MM-DDTHH:MM:SS) are required",
            ));
        };
        if last < first || (last - first).num_days() >= MAX_SAMPLE_DAYS {
            return Err(bad_request("startdate..enddate must span at most 28 days"));
        }
        let person = state.sim.person(&account);
        let today = Utc::now()
            .with_timezone(&person.offset().fixed())
            .date_naive();
        Ok(axum::Json(wire::daily_statistics(&person, first, last.min(today))).into_response())
    })();
    result.unwrap_or_else(|refused| *refused)
}
