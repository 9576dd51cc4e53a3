//! Polar's data endpoints: exercises, sleep and Nightly Recharge (lists of the last days
//! and single nights), and the date-range endpoints (continuous heart rate, daily
//! activity) with Polar's window and range limits. Separate from registration and OAuth
//! ([`super::auth`]): every handler here starts from an already registered user.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PolarState, Rejected, days_back, polar_error, polar_user_id, registered, today, wire};
use crate::person::{Person, Workout};
use crate::providers::common::parse_iso_date;

/// Days in the exercise list, and in the sleep and Nightly Recharge lists.
const EXERCISE_LIST_DAYS: u64 = 30;
const NIGHT_LIST_DAYS: u64 = 28;
/// Longest `from`..`to` range, and the oldest date served, as Polar enforces them.
const MAX_RANGE_DAYS: i64 = 28;
const MAX_AGE_DAYS: u64 = 365;

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

impl ExerciseQuery {
    /// `w` as an exercise document, with samples and route only when asked for.
    fn render(&self, w: &Workout, polar_user_id: u64) -> Value {
        wire::exercise(
            w,
            polar_user_id,
            self.samples.unwrap_or(false),
            self.route.unwrap_or(false),
        )
    }
}

/// Runs `answer` with the registered account behind the bearer token and its person, or
/// answers with the refusal: the opening every Polar data handler shares.
fn for_registered(
    state: &PolarState,
    headers: &HeaderMap,
    answer: impl FnOnce(&str, Person) -> Response,
) -> Response {
    match registered(state, headers) {
        Ok((account, _)) => answer(&account, state.sim.person(&account)),
        Err(response) => *response,
    }
}

/// The workouts of the last [`EXERCISE_LIST_DAYS`] days, oldest first: what the exercise
/// list shows and the only exercises a lookup by id finds.
fn recent_workouts(person: &Person) -> impl Iterator<Item = Workout> + '_ {
    let today = today(person);
    days_back(today, EXERCISE_LIST_DAYS)
        .iter_days()
        .take_while(move |d| *d <= today)
        .flat_map(|d| person.day(d).workouts)
}

pub(super) async fn list_exercises(
    State(state): State<PolarState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    for_registered(&state, &headers, |account, person| {
        let flags = exercise_query(query.as_deref());
        let id = polar_user_id(account);
        let list: Vec<Value> = recent_workouts(&person)
            .map(|w| flags.render(&w, id))
            .collect();
        axum::Json(list).into_response()
    })
}

pub(super) async fn get_exercise(
    State(state): State<PolarState>,
    Path(exercise_id): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    for_registered(&state, &headers, |account, person| {
        let flags = exercise_query(query.as_deref());
        match recent_workouts(&person).find(|w| w.id == exercise_id) {
            Some(w) => axum::Json(flags.render(&w, polar_user_id(account))).into_response(),
            None => polar_error(StatusCode::NOT_FOUND, "Exercise not found"),
        }
    })
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
    for_registered(state, headers, |account, person| {
        let today = today(&person);
        let id = polar_user_id(account);
        let items: Vec<Value> = days_back(today, NIGHT_LIST_DAYS)
            .iter_days()
            .take_while(|d| *d <= today)
            .filter_map(|d| render(&person, d, id))
            .collect();
        axum::Json(json!({ key: items })).into_response()
    })
}

fn night_on(state: &PolarState, headers: &HeaderMap, date: &str, render: Render) -> Response {
    for_registered(state, headers, |account, person| {
        let Some(date) = parse_iso_date(date) else {
            return polar_error(StatusCode::BAD_REQUEST, "Invalid date");
        };
        if date > today(&person) {
            return polar_error(StatusCode::NOT_FOUND, "No data found for date");
        }
        match render(&person, date, polar_user_id(account)) {
            Some(doc) => axum::Json(doc).into_response(),
            None => polar_error(StatusCode::NOT_FOUND, "No data found for date"),
        }
    })
}

pub(super) async fn list_nights(State(state): State<PolarState>, headers: HeaderMap) -> Response {
    night_list(&state, &headers, "nights", render_night)
}

pub(super) async fn get_night(
    State(state): State<PolarState>,
    Path(date): Path<String>,
    headers: HeaderMap,
) -> Response {
    night_on(&state, &headers, &date, render_night)
}

pub(super) async fn list_recharges(
    State(state): State<PolarState>,
    headers: HeaderMap,
) -> Response {
    night_list(&state, &headers, "recharges", render_recharge)
}

pub(super) async fn get_recharge(
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

pub(super) async fn range_heart_rate(
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

pub(super) async fn get_heart_rate(
    State(state): State<PolarState>,
    Path(date): Path<String>,
    headers: HeaderMap,
) -> Response {
    for_registered(&state, &headers, |account, person| {
        match parse_iso_date(&date) {
            Some(date) if date <= today(&person) => axum::Json(wire::continuous_heart_rate(
                &person.day(date),
                polar_user_id(account),
            ))
            .into_response(),
            Some(_) => polar_error(StatusCode::NOT_FOUND, "No data found for date"),
            None => polar_error(StatusCode::BAD_REQUEST, "Invalid request"),
        }
    })
}

pub(super) async fn range_activities(
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

pub(super) async fn get_activity(
    State(state): State<PolarState>,
    Path(date): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    for_registered(&state, &headers, |_, person| {
        let steps = serde_urlencoded::from_str::<RangeQuery>(query.as_deref().unwrap_or_default())
            .map(|q| q.steps.unwrap_or(false))
            .unwrap_or(false);
        match parse_iso_date(&date) {
            Some(date) if date <= today(&person) => {
                axum::Json(wire::daily_activity(&person.day(date), steps)).into_response()
            }
            Some(_) => StatusCode::NO_CONTENT.into_response(),
            None => polar_error(StatusCode::BAD_REQUEST, "Invalid or too old date"),
        }
    })
}
