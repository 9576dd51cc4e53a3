//! Strava's data endpoints for the synthetic person: the athlete, the activity list
//! (`before`/`after` epoch filters, `page`/`per_page` paging), one activity, its laps and
//! its streams. Only workouts that have ended by the wall-clock "now" exist, as at Strava.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde_json::Value;

use super::{StravaState, fault, ids, wire};
use crate::person::{Person, Workout};
use crate::providers::common::bearer_account;

/// `per_page` default and maximum.
const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 200;
/// How far back a list without `after` looks (the simulated history).
const HISTORY_DAYS: i64 = 3_660;

/// An answer that ends a request early (boxed: responses are large).
type Refused = Box<Response>;

/// The account behind the bearer token, or Strava's 401.
fn account(state: &StravaState, headers: &HeaderMap) -> Result<String, Refused> {
    bearer_account(&state.oauth, headers, |_| {
        Box::new(fault(
            StatusCode::UNAUTHORIZED,
            "Authorization Error",
            "Athlete",
            "access_token",
            "invalid",
        ))
    })
}

fn invalid(field: &str) -> Refused {
    Box::new(fault(
        StatusCode::BAD_REQUEST,
        "Bad Request",
        "Application",
        field,
        "invalid",
    ))
}

fn not_found() -> Response {
    fault(
        StatusCode::NOT_FOUND,
        "Record Not Found",
        "Activity",
        "id",
        "invalid",
    )
}

fn query(raw: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// An optional integer parameter; present but not an integer is a 400.
fn integer(fields: &HashMap<String, String>, name: &str) -> Result<Option<i64>, Refused> {
    match fields.get(name).map(String::as_str) {
        None | Some("") => Ok(None),
        Some(text) => text.trim().parse().map(Some).map_err(|_| invalid(name)),
    }
}

fn now_in(person: &Person) -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&person.offset().fixed())
}

/// `GET /athlete`.
pub(super) async fn athlete(State(state): State<StravaState>, headers: HeaderMap) -> Response {
    match account(&state, &headers) {
        Ok(account) => {
            let person = state.sim.person(&account);
            axum::Json(wire::athlete(&person, &account, true)).into_response()
        }
        Err(refused) => *refused,
    }
}

/// `GET /athlete/activities`: summaries of the activities starting after `after` and
/// before `before` (epoch seconds), newest first, or oldest first when `after` is given
/// (Strava's order), `per_page` (≤ 200) at a time.
pub(super) async fn list(
    State(state): State<StravaState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let result = (|| -> Result<Response, Refused> {
        let account = account(&state, &headers)?;
        let fields = query(raw.as_deref());
        let page = integer(&fields, "page")?.unwrap_or(1);
        let per_page = integer(&fields, "per_page")?.map_or(DEFAULT_PER_PAGE, |n| {
            usize::try_from(n).unwrap_or(0).min(MAX_PER_PAGE)
        });
        if page < 1 || per_page < 1 {
            return Err(invalid(if page < 1 { "page" } else { "per_page" }));
        }
        let person = state.sim.person(&account);
        let now = now_in(&person);
        let before = integer(&fields, "before")?;
        let after = integer(&fields, "after")?;
        let epoch = |seconds: i64| DateTime::from_timestamp(seconds, 0).map(|at| at.fixed_offset());
        let upper = before.and_then(epoch).unwrap_or(now).min(now);
        let history = now - TimeDelta::days(HISTORY_DAYS);
        let lower = after.and_then(epoch).unwrap_or(history).max(history);
        let wanted = usize::try_from(page)
            .unwrap_or(usize::MAX)
            .saturating_mul(per_page);
        let ascending = after.is_some();
        let found = walk(&person, lower, upper, now, ascending, wanted);
        let skip = wanted - per_page;
        let items: Vec<Value> = found
            .into_iter()
            .skip(skip)
            .map(|(date, index, workout)| {
                wire::activity(&person, &account, date, index, &workout, false)
            })
            .collect();
        Ok(axum::Json(items).into_response())
    })();
    result.unwrap_or_else(|refused| *refused)
}

/// Up to `wanted` ended workouts starting strictly between `lower` and `upper`, in the
/// list's order, walking the person's days from the near end.
fn walk(
    person: &Person,
    lower: DateTime<FixedOffset>,
    upper: DateTime<FixedOffset>,
    now: DateTime<FixedOffset>,
    ascending: bool,
    wanted: usize,
) -> Vec<(NaiveDate, usize, Workout)> {
    let offset = person.offset().fixed();
    let first = lower.with_timezone(&offset).date_naive();
    let last = upper.with_timezone(&offset).date_naive();
    let mut found = Vec::new();
    let mut day = if ascending { first } else { last };
    while first <= day && day <= last && found.len() < wanted {
        let mut workouts: Vec<(NaiveDate, usize, Workout)> = person
            .day(day)
            .workouts
            .into_iter()
            .enumerate()
            .filter(|(_, w)| w.start > lower && w.start < upper && w.end <= now)
            .map(|(index, workout)| (day, index, workout))
            .collect();
        if !ascending {
            workouts.reverse();
        }
        found.extend(workouts);
        let next = if ascending {
            day.checked_add_days(Days::new(1))
        } else {
            day.checked_sub_days(Days::new(1))
        };
        match next {
            Some(next) => day = next,
            None => break,
        }
    }
    found.truncate(wanted);
    found
}

/// The ended workout an activity id names for this account, with its day and index.
fn find(person: &Person, account: &str, id: &str) -> Option<(NaiveDate, usize, Workout)> {
    let id: i64 = id.parse().ok()?;
    let (date, index) = ids::decode_activity(ids::athlete_id(account), id)?;
    let workout = person.day(date).workouts.into_iter().nth(index)?;
    (workout.end <= now_in(person)).then_some((date, index, workout))
}

/// Runs `render` on the workout the path names, or answers 401/404.
fn with_activity(
    state: &StravaState,
    headers: &HeaderMap,
    id: &str,
    render: impl FnOnce(&Person, &str, NaiveDate, usize, &Workout) -> Response,
) -> Response {
    let account = match account(state, headers) {
        Ok(account) => account,
        Err(refused) => return *refused,
    };
    let person = state.sim.person(&account);
    match find(&person, &account, id) {
        Some((date, index, workout)) => render(&person, &account, date, index, &workout),
        None => not_found(),
    }
}

/// `GET /activities/{id}`: the detailed representation.
pub(super) async fn activity(
    State(state): State<StravaState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_activity(&state, &headers, &id, |person, account, date, index, w| {
        axum::Json(wire::activity(person, account, date, index, w, true)).into_response()
    })
}

/// `GET /activities/{id}/laps`.
pub(super) async fn laps(
    State(state): State<StravaState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_activity(&state, &headers, &id, |person, account, date, index, w| {
        axum::Json(wire::laps(person, account, date, index, w)).into_response()
    })
}

/// `GET /activities/{id}/streams?keys=...&key_by_type=true`: `keys` is required.
pub(super) async fn streams(
    State(state): State<StravaState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let fields = query(raw.as_deref());
    let keys: Vec<String> = fields
        .get("keys")
        .map(|keys| keys.split(',').map(|key| key.trim().to_owned()).collect())
        .unwrap_or_default();
    let keyed = fields.get("key_by_type").map(String::as_str) == Some("true");
    with_activity(&state, &headers, &id, |_, _, _, _, workout| {
        if keys.iter().all(String::is_empty) {
            return *invalid("keys");
        }
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        axum::Json(wire::streams(workout, &keys, keyed)).into_response()
    })
}
