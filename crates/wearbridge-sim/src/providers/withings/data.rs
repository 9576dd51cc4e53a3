//! Withings's data actions: `getmeas` (`/measure`), `getactivity`, `getintradayactivity`
//! and `getworkouts` (`/v2/measure`), `getsummary` and `get` (`/v2/sleep`), each rendering
//! the person through [`super::render`] and paging with `more`/`offset`. Separate from
//! OAuth and notifications so the data handlers sit together.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::params::{
    Failure, Params, authenticate, date_range, dates, envelope, epoch_window, local_dates, page,
    respond, unknown_action,
};
use super::{WithingsState, render};
use crate::person::Person;

/// Items per page: small, so a month's backfill exercises `more`/`offset` paging.
const MEASURE_PAGE: usize = 10;
const ACTIVITY_PAGE: usize = 10;
const WORKOUT_PAGE: usize = 10;
const SLEEP_PAGE: usize = 10;
/// Longest window of the epoch-based detail calls (intraday, sleep get).
const MAX_DETAIL_WINDOW_S: i64 = 24 * 3_600;

/// One data action: authenticates and answers from the parameters.
type Action = fn(&WithingsState, &HeaderMap, &Params) -> Result<Response, Failure>;

/// Runs the action `params` names among `actions`, or answers "Unknown action". Withings
/// serves several actions on one path, so every data path routes the same way.
fn dispatch(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
    actions: &[(&str, Action)],
) -> Response {
    let action = params
        .get("action")
        .and_then(|name| actions.iter().find(|(known, _)| *known == name));
    respond(match action {
        Some((_, run)) => run(state, headers, params),
        None => Err(unknown_action()),
    })
}

pub(super) async fn measure(
    State(state): State<WithingsState>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    dispatch(&state, &headers, &params, &[("getmeas", getmeas)])
}

pub(super) async fn measure_v2(
    State(state): State<WithingsState>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let actions: [(&str, Action); 3] = [
        ("getactivity", getactivity),
        ("getintradayactivity", getintradayactivity),
        ("getworkouts", getworkouts),
    ];
    dispatch(&state, &headers, &params, &actions)
}

pub(super) async fn sleep(
    State(state): State<WithingsState>,
    headers: HeaderMap,
    params: Params,
) -> Response {
    let actions: [(&str, Action); 2] = [("getsummary", getsummary), ("get", sleep_get)];
    dispatch(&state, &headers, &params, &actions)
}

/// The date-range actions (`getactivity`, `getworkouts`, `getsummary`): authenticate, take
/// the `startdateymd`..`enddateymd` (or `lastupdate`) dates, render each, and answer one
/// page as `{key: [...], "more": bool, "offset": next}`. They differ only in `key` and
/// what a date renders to.
fn dated_page(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
    key: &str,
    page_size: usize,
    render: impl Fn(&Person, NaiveDate) -> Vec<Value>,
) -> Result<Response, Failure> {
    let account = authenticate(state, headers, params)?;
    let person = state.sim.person(&account);
    let (start, end) = date_range(params)?;
    let items: Vec<Value> = dates(start, end)
        .flat_map(|date| render(&person, date))
        .collect();
    let (items, more, next) = page(items, params.offset()?, page_size);
    Ok(envelope(json!({key: items, "more": more, "offset": next})))
}

/// The epoch detail actions (`getintradayactivity`, sleep `get`): authenticate, take a
/// `startdate`..`enddate` window of at most a day, and the person's local dates it touches.
/// Returns (person, start, end, dates).
fn detail_window(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<(Person, i64, i64, Vec<NaiveDate>), Failure> {
    let account = authenticate(state, headers, params)?;
    let person = state.sim.person(&account);
    let (start, end) = epoch_window(params, Some(MAX_DETAIL_WINDOW_S))?;
    let dates = local_dates(&person, start, end);
    Ok((person, start, end, dates))
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
    dated_page(
        state,
        headers,
        params,
        "activities",
        ACTIVITY_PAGE,
        |person, date| vec![render::activity_day(person, &person.day(date))],
    )
}

fn getintradayactivity(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let (person, start, end, dates) = detail_window(state, headers, params)?;
    let mut series = Map::new();
    for date in dates {
        render::intraday_points(&person.day(date), start, end, &mut series);
    }
    Ok(envelope(json!({"series": series})))
}

fn getworkouts(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    dated_page(
        state,
        headers,
        params,
        "series",
        WORKOUT_PAGE,
        |person, date| {
            let day = person.day(date);
            day.workouts
                .iter()
                .map(|w| render::workout(person, date, w))
                .collect()
        },
    )
}

fn getsummary(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    dated_page(
        state,
        headers,
        params,
        "series",
        SLEEP_PAGE,
        |person, date| {
            vec![render::sleep_summary(
                person,
                date,
                &person.sleep_ending_on(date),
            )]
        },
    )
}

fn sleep_get(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, Failure> {
    let (person, start, end, dates) = detail_window(state, headers, params)?;
    let mut segments = Vec::new();
    for date in dates {
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
