//! Garmin's Training API V2, simulated: workouts (`POST /workoutportal/workout/v2`,
//! `GET|PUT|DELETE /training-api/workout/v2/{workoutId}`) and schedules (`POST
//! /training-api/schedule/`, `GET /training-api/schedule?startDate=&endDate=`,
//! `GET|PUT|DELETE /training-api/schedule/{scheduleId}`), under `/garmin/` like the rest.
//!
//! It checks what Garmin's specification (Training API V2 v1.0, §3.2–3.3) says a request
//! must be, and answers Garmin's statuses: 400 with `{"errorMessage"}` for a workout
//! Garmin would refuse (unknown sport, step type, intensity, duration or target type; a
//! target on a swim step; more than 100 steps; a `workoutId` on create; a provider name
//! over 20 characters), 401/403 for token problems, 412 when the user does not share
//! `WORKOUT_IMPORT`, 404 for another user's or an unknown workout or schedule. What it
//! accepted is kept per account, readable by tests through
//! [`SimControl::garmin_calendar`](crate::SimControl::garmin_calendar).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::{GarminError, GarminState, authenticate};

const SPORTS: [&str; 8] = [
    "RUNNING",
    "CYCLING",
    "LAP_SWIMMING",
    "STRENGTH_TRAINING",
    "CARDIO_TRAINING",
    "GENERIC",
    "YOGA",
    "PILATES",
];
const INTENSITIES: [&str; 7] = [
    "REST", "WARMUP", "COOLDOWN", "RECOVERY", "ACTIVE", "INTERVAL", "MAIN",
];
const DURATION_TYPES: [&str; 14] = [
    "TIME",
    "DISTANCE",
    "HR_LESS_THAN",
    "HR_GREATER_THAN",
    "CALORIES",
    "OPEN",
    "POWER_LESS_THAN",
    "POWER_GREATER_THAN",
    "TIME_AT_VALID_CDA",
    "FIXED_REST",
    "REPS",
    "REPETITION_SWIM_CSS_OFFSET",
    "FIXED_REPETITION",
    "REPETITION_TIME",
];
const TARGET_TYPES: [&str; 14] = [
    "SPEED",
    "HEART_RATE",
    "CADENCE",
    "POWER",
    "GRADE",
    "RESISTANCE",
    "POWER_3S",
    "POWER_10S",
    "POWER_30S",
    "POWER_LAP",
    "SPEED_LAP",
    "HEART_RATE_LAP",
    "OPEN",
    "PACE",
];
const SECONDARY_SWIM_TARGETS: [&str; 3] = ["SWIM_INSTRUCTION", "SWIM_CSS_OFFSET", "PACE_ZONE"];
const REPEAT_TYPES: [&str; 10] = [
    "REPEAT_UNTIL_STEPS_CMPLT",
    "REPEAT_UNTIL_TIME",
    "REPEAT_UNTIL_DISTANCE",
    "REPEAT_UNTIL_CALORIES",
    "REPEAT_UNTIL_HR_LESS_THAN",
    "REPEAT_UNTIL_HR_GREATER_THAN",
    "REPEAT_UNTIL_POWER_LESS_THAN",
    "REPEAT_UNTIL_POWER_GREATER_THAN",
    "REPEAT_UNTIL_POWER_LAST_LAP_LESS_THAN",
    "REPEAT_UNTIL_MAX_POWER_LAST_LAP_LESS_THAN",
];
/// A single-sport workout holds at most this many steps (§3.2.1).
const MAX_STEPS: usize = 100;
/// `workoutProvider` / `workoutSourceId` length limit (§3.2.1).
const MAX_PROVIDER_CHARS: usize = 20;
/// The permission every Training API call needs (§3.1).
pub const WORKOUT_IMPORT: &str = "WORKOUT_IMPORT";

/// Workouts and schedules the simulated Garmin accepted.
#[derive(Debug, Default)]
pub(crate) struct Calendars {
    inner: Mutex<Stored>,
}

#[derive(Debug, Default)]
struct Stored {
    next_id: i64,
    /// workoutId → (owner account, workout as stored).
    workouts: BTreeMap<i64, (String, Value)>,
    /// scheduleId → (owner account, workoutId, date).
    schedules: BTreeMap<i64, (String, i64, NaiveDate)>,
}

impl Stored {
    fn next(&mut self) -> i64 {
        self.next_id += 1;
        // Garmin's ids are large Longs; start where a real one might.
        9_000_000 + self.next_id
    }
}

/// What one simulated Garmin user has: every workout, and the scheduled ones by day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GarminCalendar {
    /// Workouts as Garmin stored them (with `workoutId`, `ownerId`).
    pub workouts: Vec<Value>,
    /// (scheduleId, date, workoutId), by date.
    pub scheduled: Vec<(i64, NaiveDate, i64)>,
}

impl Calendars {
    fn lock(&self) -> MutexGuard<'_, Stored> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `account`'s calendar now.
    pub(crate) fn of(&self, account: &str) -> GarminCalendar {
        let stored = self.lock();
        let workouts = stored
            .workouts
            .values()
            .filter(|(owner, _)| owner == account)
            .map(|(_, workout)| workout.clone())
            .collect();
        let mut scheduled: Vec<(i64, NaiveDate, i64)> = stored
            .schedules
            .iter()
            .filter(|(_, (owner, _, _))| owner == account)
            .map(|(id, (_, workout, date))| (*id, *date, *workout))
            .collect();
        scheduled.sort_by_key(|(id, date, _)| (*date, *id));
        GarminCalendar {
            workouts,
            scheduled,
        }
    }
}

/// The Training API routes (merged into the GARMIN router).
pub(super) fn routes() -> Router<GarminState> {
    Router::new()
        .route("/garmin/workoutportal/workout/v2", post(create_workout))
        .route(
            "/garmin/training-api/workout/v2/{id}",
            get(get_workout).put(update_workout).delete(delete_workout),
        )
        .route(
            "/garmin/training-api/schedule",
            get(schedules_by_date).post(create_schedule),
        )
        .route("/garmin/training-api/schedule/", post(create_schedule))
        .route(
            "/garmin/training-api/schedule/{id}",
            get(get_schedule)
                .put(update_schedule)
                .delete(delete_schedule),
        )
}

/// The account behind the token, if it shares `WORKOUT_IMPORT` (else 412, §3.2.7).
fn importer(state: &GarminState, headers: &HeaderMap) -> Result<String, GarminError> {
    let account = authenticate(state, headers)?;
    if !state
        .sim
        .garmin_permissions
        .of(&account)
        .iter()
        .any(|permission| permission == WORKOUT_IMPORT)
    {
        return Err(GarminError::new(
            StatusCode::PRECONDITION_FAILED,
            "User Permission error: WORKOUT_IMPORT not granted",
        ));
    }
    Ok(account)
}

fn json_body(body: &[u8]) -> Result<Value, GarminError> {
    serde_json::from_slice(body)
        .map_err(|error| GarminError::bad_request(&format!("body is not JSON: {error}")))
}

fn not_found(what: &str) -> GarminError {
    GarminError::new(StatusCode::NOT_FOUND, &format!("{what} not found"))
}

fn respond(result: Result<Response, GarminError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn create_workout(
    State(state): State<GarminState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        let account = importer(&state, &headers)?;
        let mut workout = json_body(&body)?;
        if workout.get("workoutId").is_some_and(|id| !id.is_null()) {
            return Err(GarminError::bad_request(
                "a workout ID should not be included on create",
            ));
        }
        check_workout(&workout)?;
        let mut stored = state.sim.garmin_calendars.lock();
        let id = stored.next();
        stamp(&mut workout, id, &account);
        stored.workouts.insert(id, (account, workout.clone()));
        Ok(axum::Json(workout).into_response())
    })())
}

/// Sets what Garmin fills in: ids and dates.
fn stamp(workout: &mut Value, id: i64, account: &str) {
    if let Value::Object(map) = workout {
        map.insert("workoutId".into(), json!(id));
        map.insert("ownerId".into(), json!(owner_id(account)));
        map.insert("updatedDate".into(), json!("2026-01-01T00:00:00.0"));
        map.entry("createdDate")
            .or_insert_with(|| json!("2026-01-01T00:00:00.0"));
    }
}

/// A stable numeric owner id for an account (Garmin's `ownerId` is a Long).
fn owner_id(account: &str) -> i64 {
    account
        .bytes()
        .fold(7_i64, |hash, byte| {
            hash.wrapping_mul(31).wrapping_add(i64::from(byte))
        })
        .rem_euclid(1_000_000_000)
}

fn owned_workout(stored: &Stored, account: &str, id: i64) -> Result<Value, GarminError> {
    match stored.workouts.get(&id) {
        Some((owner, workout)) if owner == account => Ok(workout.clone()),
        _ => Err(not_found("workout")),
    }
}

async fn get_workout(
    State(state): State<GarminState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    respond((|| {
        let account = importer(&state, &headers)?;
        let stored = state.sim.garmin_calendars.lock();
        Ok(axum::Json(owned_workout(&stored, &account, id)?).into_response())
    })())
}

async fn update_workout(
    State(state): State<GarminState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        let account = importer(&state, &headers)?;
        let mut workout = json_body(&body)?;
        check_workout(&workout)?;
        let mut stored = state.sim.garmin_calendars.lock();
        owned_workout(&stored, &account, id)?;
        stamp(&mut workout, id, &account);
        stored.workouts.insert(id, (account, workout.clone()));
        Ok(axum::Json(workout).into_response())
    })())
}

async fn delete_workout(
    State(state): State<GarminState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    respond((|| {
        let account = importer(&state, &headers)?;
        let mut stored = state.sim.garmin_calendars.lock();
        owned_workout(&stored, &account, id)?;
        stored.workouts.remove(&id);
        // A deleted workout leaves no schedule behind.
        stored.schedules.retain(|_, (_, workout, _)| *workout != id);
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

/// A schedule body: `{workoutId, date: "YYYY-MM-DD"}` (§3.3.1).
fn schedule_of(value: &Value) -> Result<(i64, NaiveDate), GarminError> {
    let workout = value
        .get("workoutId")
        .and_then(Value::as_i64)
        .ok_or_else(|| GarminError::bad_request("workoutId is required"))?;
    let date = value
        .get("date")
        .and_then(Value::as_str)
        .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .ok_or_else(|| GarminError::bad_request("date must be YYYY-mm-dd"))?;
    Ok((workout, date))
}

fn schedule_json(id: i64, workout: i64, date: NaiveDate) -> Value {
    json!({"scheduleId": id, "workoutId": workout, "date": date.to_string()})
}

async fn create_schedule(
    State(state): State<GarminState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        let account = importer(&state, &headers)?;
        let value = json_body(&body)?;
        if value.get("scheduleId").is_some_and(|id| !id.is_null()) {
            return Err(GarminError::bad_request(
                "a schedule ID should not be included on create",
            ));
        }
        let (workout, date) = schedule_of(&value)?;
        let mut stored = state.sim.garmin_calendars.lock();
        owned_workout(&stored, &account, workout)?;
        let id = stored.next();
        stored.schedules.insert(id, (account, workout, date));
        Ok(axum::Json(schedule_json(id, workout, date)).into_response())
    })())
}

fn owned_schedule(
    stored: &Stored,
    account: &str,
    id: i64,
) -> Result<(i64, NaiveDate), GarminError> {
    match stored.schedules.get(&id) {
        Some((owner, workout, date)) if owner == account => Ok((*workout, *date)),
        _ => Err(not_found("schedule")),
    }
}

async fn get_schedule(
    State(state): State<GarminState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    respond((|| {
        let account = importer(&state, &headers)?;
        let stored = state.sim.garmin_calendars.lock();
        let (workout, date) = owned_schedule(&stored, &account, id)?;
        Ok(axum::Json(schedule_json(id, workout, date)).into_response())
    })())
}

async fn update_schedule(
    State(state): State<GarminState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Response {
    respond((|| {
        let account = importer(&state, &headers)?;
        let (workout, date) = schedule_of(&json_body(&body)?)?;
        let mut stored = state.sim.garmin_calendars.lock();
        owned_schedule(&stored, &account, id)?;
        owned_workout(&stored, &account, workout)?;
        stored.schedules.insert(id, (account, workout, date));
        Ok(axum::Json(schedule_json(id, workout, date)).into_response())
    })())
}

async fn delete_schedule(
    State(state): State<GarminState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    respond((|| {
        let account = importer(&state, &headers)?;
        let mut stored = state.sim.garmin_calendars.lock();
        owned_schedule(&stored, &account, id)?;
        stored.schedules.remove(&id);
        Ok(StatusCode::NO_CONTENT.into_response())
    })())
}

/// `GET /training-api/schedule?startDate=YYYY-mm-dd&endDate=YYYY-mm-dd` (§3.3.7).
async fn schedules_by_date(
    State(state): State<GarminState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    respond((|| {
        let account = importer(&state, &headers)?;
        let params: BTreeMap<String, String> =
            url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        let date = |key: &str| {
            params
                .get(key)
                .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
                .ok_or_else(|| GarminError::bad_request(&format!("{key} must be YYYY-mm-dd")))
        };
        let (start, end) = (date("startDate")?, date("endDate")?);
        let calendar = state.sim.garmin_calendars.of(&account);
        let found: Vec<Value> = calendar
            .scheduled
            .into_iter()
            .filter(|(_, day, _)| (start..=end).contains(day))
            .map(|(id, day, workout)| schedule_json(id, workout, day))
            .collect();
        Ok(axum::Json(found).into_response())
    })())
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// `value[key]`, if present and not null, must be one of `allowed`.
fn one_of(value: &Value, key: &str, allowed: &[&str], at: &str) -> Result<(), GarminError> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(found)) if allowed.contains(&found.as_str()) => Ok(()),
        Some(other) => Err(GarminError::bad_request(&format!(
            "{at}{key}: invalid value {other}"
        ))),
    }
}

/// Garmin's rules for a workout body (§3.2.1).
fn check_workout(workout: &Value) -> Result<(), GarminError> {
    if text(workout, "workoutName").is_none_or(str::is_empty) {
        return Err(GarminError::bad_request("workoutName is required"));
    }
    let sport = text(workout, "sport").unwrap_or_default();
    if !SPORTS.contains(&sport) && sport != "MULTI_SPORT" {
        return Err(GarminError::bad_request(&format!(
            "sport: invalid value {sport:?}"
        )));
    }
    for key in ["workoutProvider", "workoutSourceId"] {
        if text(workout, key).is_some_and(|name| name.chars().count() > MAX_PROVIDER_CHARS) {
            return Err(GarminError::bad_request(&format!(
                "{key} is longer than {MAX_PROVIDER_CHARS} characters"
            )));
        }
    }
    one_of(workout, "poolLengthUnit", &["YARD", "METER"], "")?;
    let segments = workout
        .get("segments")
        .and_then(Value::as_array)
        .filter(|segments| !segments.is_empty())
        .ok_or_else(|| GarminError::bad_request("segments must hold at least one segment"))?;
    let mut count = 0;
    for (index, segment) in segments.iter().enumerate() {
        let at = format!("segments[{index}].");
        let segment_sport = text(segment, "sport").unwrap_or_default();
        if !SPORTS.contains(&segment_sport) {
            return Err(GarminError::bad_request(&format!(
                "{at}sport: invalid value {segment_sport:?}"
            )));
        }
        let steps = segment
            .get("steps")
            .and_then(Value::as_array)
            .ok_or_else(|| GarminError::bad_request(&format!("{at}steps is required")))?;
        for (position, step) in steps.iter().enumerate() {
            count += check_step(step, segment_sport, &format!("{at}steps[{position}]."))?;
        }
    }
    if segments.len() == 1 && count > MAX_STEPS {
        return Err(GarminError::bad_request(&format!(
            "a single-sport workout holds at most {MAX_STEPS} steps, not {count}"
        )));
    }
    Ok(())
}

/// Checks one step (recursively for repeats); how many steps it counts for.
fn check_step(step: &Value, sport: &str, at: &str) -> Result<usize, GarminError> {
    if step
        .get("stepOrder")
        .and_then(Value::as_i64)
        .is_none_or(|order| order < 1)
    {
        return Err(GarminError::bad_request(&format!(
            "{at}stepOrder must be a positive integer"
        )));
    }
    match text(step, "type") {
        Some("WorkoutRepeatStep") => {
            one_of(step, "repeatType", &REPEAT_TYPES, at)?;
            if step
                .get("repeatValue")
                .and_then(Value::as_f64)
                .is_none_or(|v| v <= 0.0)
            {
                return Err(GarminError::bad_request(&format!(
                    "{at}repeatValue must be positive"
                )));
            }
            let inner = step
                .get("steps")
                .and_then(Value::as_array)
                .filter(|steps| !steps.is_empty())
                .ok_or_else(|| GarminError::bad_request(&format!("{at}steps is required")))?;
            let mut count = 1;
            for (position, child) in inner.iter().enumerate() {
                count += check_step(child, sport, &format!("{at}steps[{position}]."))?;
            }
            Ok(count)
        }
        Some("WorkoutStep") => {
            one_of(step, "intensity", &INTENSITIES, at)?;
            if text(step, "intensity").is_none() {
                return Err(GarminError::bad_request(&format!(
                    "{at}intensity is required"
                )));
            }
            one_of(step, "durationType", &DURATION_TYPES, at)?;
            if sport == "LAP_SWIMMING" {
                if step
                    .get("targetType")
                    .is_some_and(|target| !target.is_null())
                {
                    return Err(GarminError::bad_request(&format!(
                        "{at}targetType is not supported for swim workouts"
                    )));
                }
                one_of(step, "secondaryTargetType", &SECONDARY_SWIM_TARGETS, at)?;
            } else {
                one_of(step, "targetType", &TARGET_TYPES, at)?;
                one_of(step, "secondaryTargetType", &TARGET_TYPES, at)?;
            }
            one_of(step, "targetValueType", &["PERCENT"], at)?;
            one_of(step, "durationValueType", &["PERCENT", "METER"], at)?;
            one_of(
                step,
                "strokeType",
                &[
                    "BACKSTROKE",
                    "BREASTSTROKE",
                    "BUTTERFLY",
                    "FREESTYLE",
                    "MIXED",
                    "IM",
                    "RIMO",
                    "CHOICE",
                ],
                at,
            )?;
            one_of(
                step,
                "equipmentType",
                &[
                    "NONE",
                    "SWIM_FINS",
                    "SWIM_KICKBOARD",
                    "SWIM_PADDLES",
                    "SWIM_PULL_BUOY",
                    "SWIM_SNORKEL",
                ],
                at,
            )?;
            one_of(step, "weightDisplayUnit", &["KILOGRAM", "POUND"], at)?;
            Ok(1)
        }
        other => Err(GarminError::bad_request(&format!(
            "{at}type must be WorkoutStep or WorkoutRepeatStep, not {other:?}"
        ))),
    }
}
