//! Withings's data actions: `getmeas` (`/measure`), `getactivity`, `getintradayactivity`
//! and `getworkouts` (`/v2/measure`), `getsummary` and `get` (`/v2/sleep`), each rendering
//! the person through [`super::render`] and paging with `more`/`offset`. Separate from
//! OAuth and notifications so the data handlers sit together.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use serde_json::{Map, Value, json};

use super::params::{
    Failure, Params, authenticate, date_range, dates, envelope, epoch_window, local_dates, page,
    respond,
};
use super::{WithingsState, render, status};

/// Items per page: small, so a month's backfill exercises `more`/`offset` paging.
const MEASURE_PAGE: usize = 10;
const ACTIVITY_PAGE: usize = 10;
const WORKOUT_PAGE: usize = 10;
const SLEEP_PAGE: usize = 10;
/// Longest window of the epoch-based detail calls (intraday, sleep get).
const MAX_DETAIL_WINDOW_S: i64 = 24 * 3_600;

pub(super) async fn measure(
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

pub(super) async fn measure_v2(
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

pub(super) async fn sleep(
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
