//! WHOOP's data endpoints: profile and body measurement, the cycle, recovery, sleep and
//! workout collections (paged by [`super::paging`]), and single records by id. Separate
//! from OAuth ([`super::auth`]) and from the paging rules, so each handler reads as "which
//! records, in which period".

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

use super::paging::{Item, Window, collect};
use super::wire::{self, Days};
use super::{WhoopState, ids};
use crate::providers::common::{ApiError, authenticate};

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

pub(super) async fn profile(State(state): State<WhoopState>, headers: HeaderMap) -> Response {
    with_days(&state, &headers, |days, _| {
        Ok(axum::Json(days.profile()).into_response())
    })
}

pub(super) async fn body_measurement(
    State(state): State<WhoopState>,
    headers: HeaderMap,
) -> Response {
    with_days(&state, &headers, |days, now| {
        Ok(axum::Json(days.body_measurement(now.date_naive())).into_response())
    })
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

pub(super) async fn cycles(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list(&state, &headers, q.as_deref(), cycle_item)
}

/// Recoveries are filtered and ordered by their cycle's period.
pub(super) async fn recoveries(
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

pub(super) async fn sleeps(
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

pub(super) async fn workouts(
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

/// The record (of `pick`) for the cycle whose id is in the path, or a 404: `/cycle/{id}`,
/// its recovery and its sleep are the same lookup and differ only in the record taken.
fn by_cycle<T: Serialize>(
    state: &WhoopState,
    headers: &HeaderMap,
    id: &str,
    pick: impl FnOnce(&mut Days<'_>, NaiveDate, DateTime<FixedOffset>) -> Option<T>,
) -> Response {
    with_days(state, headers, |days, now| {
        Ok(json(
            cycle_date(days, id).and_then(|date| pick(days, date, now)),
        ))
    })
}

/// The day a record UUID in the path encodes, if it is this account's and of `kind`
/// ([`ids::SLEEP`], [`ids::WORKOUT`]); shared by the two by-UUID lookups.
fn uuid_date(days: &Days<'_>, id: &str, kind: u8) -> Option<NaiveDate> {
    ids::decode_uuid(days.account, id)
        .filter(|(found, _, _)| *found == kind)
        .map(|(_, _, date)| date)
}

pub(super) async fn cycle_by_id(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    by_cycle(&state, &headers, &id, |days, date, now| {
        days.cycle(date, now)
    })
}

pub(super) async fn recovery_by_cycle(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    by_cycle(&state, &headers, &id, |days, date, now| {
        days.recovery(date, now)
    })
}

pub(super) async fn sleep_by_cycle(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    by_cycle(&state, &headers, &id, |days, date, now| {
        days.sleep(date, now)
    })
}

pub(super) async fn sleep_by_id(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_days(&state, &headers, |days, now| {
        let date = uuid_date(days, &id, ids::SLEEP);
        Ok(json(date.and_then(|date| days.sleep(date, now))))
    })
}

pub(super) async fn workout_by_id(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_days(&state, &headers, |days, now| {
        let found = uuid_date(days, &id, ids::WORKOUT).and_then(|date| {
            days.workouts(date, now)
                .into_iter()
                .find(|workout| workout.id == id.to_ascii_lowercase())
        });
        Ok(json(found))
    })
}
