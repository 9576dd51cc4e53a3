//! Wahoo's data endpoints for the synthetic person, and its documents: the user, the
//! workout list (`page`/`per_page`, newest first, summaries embedded), one workout, one
//! summary, and the revocation of the grant. Only workouts that have ended by the
//! wall-clock "now" exist, as at Wahoo; the simulated history starts [`HISTORY_DAYS`] ago.
//!
//! Ids are chosen so a workout is found again from its id alone (no stored state): the
//! user id is the account when it is a positive integer below 10⁹, else a number hashed
//! from it; a workout id is `(user id mod 10⁶) · 10⁸ + days since 1970-01-01 · 10 +
//! index`; its summary's id is the workout id + 10¹⁴ (all below 2⁵³).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, FixedOffset, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::WahooState;
use crate::person::{Person, Sex, Workout, WorkoutKind};
use crate::providers::common::authenticate;

/// `per_page` default (Wahoo's) and the largest the simulator serves.
const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 100;
/// How far back the simulated account's workouts go.
pub const HISTORY_DAYS: i64 = 1_000;
const USER_MODULUS: i64 = 1_000_000;
const DAY_FACTOR: i64 = 100_000_000;
const SUMMARY_OFFSET: i64 = 100_000_000_000_000;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Wahoo's user id for a simulated account.
pub fn user_id(account: &str) -> i64 {
    match account.parse::<i64>() {
        Ok(number) if (1..1_000_000_000).contains(&number) => number,
        _ => {
            let digest = Sha256::digest(account.as_bytes());
            let mut first = [0u8; 8];
            first.copy_from_slice(&digest[..8]);
            10_000_000 + i64::try_from(u64::from_le_bytes(first) % 90_000_000).unwrap_or(0)
        }
    }
}

/// The id of workout `index` of `date` of `user`.
pub(crate) fn workout_id(user: i64, date: NaiveDate, index: usize) -> i64 {
    let days = (date - epoch()).num_days().clamp(0, DAY_FACTOR / 10 - 1);
    let index = i64::try_from(index).unwrap_or(0).clamp(0, 9);
    (user % USER_MODULUS) * DAY_FACTOR + days * 10 + index
}

/// The day and index a workout id of `user` names, if it is one.
fn decode(user: i64, id: i64) -> Option<(NaiveDate, usize)> {
    if id < 0 || id / DAY_FACTOR != user % USER_MODULUS {
        return None;
    }
    let rest = id % DAY_FACTOR;
    let date = epoch().checked_add_days(Days::new(u64::try_from(rest / 10).ok()?))?;
    Some((date, usize::try_from(rest % 10).ok()?))
}

/// An IANA zone with the person's fixed offset and no daylight saving (`Etc/GMT±N`, sign
/// inverted by IANA convention), so the adapter's zone rules give back the person's
/// offset; `Etc/UTC` for an offset that is not whole hours.
pub(crate) fn zone_name(offset_s: i32) -> String {
    match offset_s {
        0 => "Etc/UTC".to_owned(),
        seconds if seconds % 3_600 == 0 => format!("Etc/GMT{:+}", -seconds / 3_600),
        _ => "Etc/UTC".to_owned(),
    }
}

fn instant(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Wahoo's workout type for a model workout (0 BIKING, 1 RUNNING, 6 WALKING, 42 WORKOUT,
/// 66 YOGA).
fn type_id(kind: WorkoutKind) -> i64 {
    match kind {
        WorkoutKind::Cycling => 0,
        WorkoutKind::Running => 1,
        WorkoutKind::Walking => 6,
        WorkoutKind::StrengthTraining => 42,
        WorkoutKind::Yoga => 66,
    }
}

fn decimal(value: f64, places: usize) -> Value {
    Value::String(format!("{value:.places$}"))
}

/// The workout summary document: metrics as decimal strings, as Wahoo sends them; no
/// power meter in the model, so the power fields are `null`.
pub(crate) fn summary_json(
    person: &Person,
    account: &str,
    date: NaiveDate,
    index: usize,
    w: &Workout,
) -> Value {
    let id = workout_id(user_id(account), date, index);
    let uploaded = instant(w.end + TimeDelta::minutes(5));
    json!({
        "id": id + SUMMARY_OFFSET,
        "ascent_accum": decimal(w.elevation_gain_m, 1),
        "cadence_avg": null,
        "calories_accum": decimal(w.total_kcal, 1),
        "distance_accum": decimal(w.distance_m, 2),
        "duration_active_accum": decimal(w.duration_s as f64, 1),
        "duration_paused_accum": decimal(0.0, 1),
        "duration_total_accum": decimal(w.duration_s as f64, 1),
        "heart_rate_avg": decimal(f64::from(w.avg_hr_bpm), 1),
        "power_bike_np_last": null,
        "power_bike_tss_last": null,
        "power_avg": null,
        "speed_avg": decimal(w.avg_speed_m_s, 2),
        "work_accum": null,
        "manual": false,
        "time_zone": zone_name(person.offset().seconds()),
        "created_at": uploaded,
        "updated_at": uploaded,
        "file": {"url": format!("https://cdn.wahooligan.com/wahoo-cloud/sim/uploads/workout_file/{id}.fit")},
    })
}

/// The workout document, with its summary embedded when `with_summary`.
pub(crate) fn workout_json(
    person: &Person,
    account: &str,
    date: NaiveDate,
    index: usize,
    w: &Workout,
    with_summary: bool,
) -> Value {
    let id = workout_id(user_id(account), date, index);
    let uploaded = instant(w.end + TimeDelta::minutes(5));
    let mut workout = json!({
        "id": id,
        "starts": instant(w.start),
        "minutes": (w.duration_s + 30) / 60,
        "name": format!("{:?}", w.kind),
        "plan_id": null,
        "workout_token": format!("ELEMNT SIM:{id}"),
        "workout_type_id": type_id(w.kind),
        "created_at": uploaded,
        "updated_at": uploaded,
    });
    if with_summary && let Value::Object(fields) = &mut workout {
        fields.insert(
            "workout_summary".into(),
            summary_json(person, account, date, index, w),
        );
    }
    workout
}

fn refused(error: impl IntoResponse) -> Response {
    error.into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"error": "Not Found"})),
    )
        .into_response()
}

fn now_in(person: &Person) -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&person.offset().fixed())
}

/// `GET /v1/user`.
pub(super) async fn user(State(state): State<WahooState>, headers: HeaderMap) -> Response {
    let account = match authenticate(&state.oauth, &headers) {
        Ok(account) => account,
        Err(error) => return refused(error),
    };
    let person = state.sim.person(&account);
    let profile = person.profile();
    let created = instant(now_in(&person) - TimeDelta::days(HISTORY_DAYS));
    axum::Json(json!({
        "id": user_id(&account),
        "height": decimal(profile.height_m, 2),
        "weight": decimal(profile.base_weight_kg, 1),
        "first": profile.first_name,
        "last": profile.last_name,
        "email": format!("{}@example.com", account.to_ascii_lowercase()),
        "birth": profile.birth_date.format("%Y-%m-%d").to_string(),
        "gender": match profile.sex { Sex::Male => 0, Sex::Female => 1 },
        "created_at": created,
        "updated_at": created,
    }))
    .into_response()
}

fn query(raw: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// One workout of an account's history: its day, its index in the day, and its end.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Listed {
    date: NaiveDate,
    index: usize,
    end: DateTime<FixedOffset>,
}

/// Each account's workout history (every workout of [`HISTORY_DAYS`], newest first), kept
/// for the local day it was built on: the list's `total` needs all of it, and building it
/// generates a thousand days of the person, so once a day is enough.
#[derive(Debug, Default)]
pub(crate) struct HistoryCache {
    inner: Mutex<HashMap<String, Built>>,
}

/// A history and the local day it was built on.
type Built = (NaiveDate, Arc<Vec<Listed>>);

impl HistoryCache {
    /// The history of `account` (built now unless built earlier today).
    fn of(&self, person: &Person, account: &str) -> Arc<Vec<Listed>> {
        let today = now_in(person).date_naive();
        let lock = || self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((built, history)) = lock().get(account)
            && *built == today
        {
            return Arc::clone(history);
        }
        let mut found = Vec::new();
        for back in 0..=HISTORY_DAYS {
            let Some(day) = today.checked_sub_days(Days::new(back.unsigned_abs())) else {
                break;
            };
            let workouts = person.day(day).workouts;
            for (index, workout) in workouts.iter().enumerate().rev() {
                found.push(Listed {
                    date: day,
                    index,
                    end: workout.end,
                });
            }
        }
        let history = Arc::new(found);
        lock().insert(account.to_owned(), (today, Arc::clone(&history)));
        history
    }
}

/// `GET /v1/workouts?page&per_page`: newest first, with summaries, and the list's `total`.
pub(super) async fn list(
    State(state): State<WahooState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let account = match authenticate(&state.oauth, &headers) {
        Ok(account) => account,
        Err(error) => return refused(error),
    };
    let fields = query(raw.as_deref());
    // `Err(name)`: the parameter that is not a positive integer.
    let number = |name: &'static str, default: usize| -> Result<usize, &'static str> {
        match fields.get(name).map(|text| text.trim()) {
            None | Some("") => Ok(default),
            Some(text) => text.parse::<usize>().ok().filter(|n| *n >= 1).ok_or(name),
        }
    };
    let (page, per_page) = match (number("page", 1), number("per_page", DEFAULT_PER_PAGE)) {
        (Ok(page), Ok(per_page)) => (page, per_page.min(MAX_PER_PAGE)),
        (Err(name), _) | (_, Err(name)) => {
            return refused(crate::providers::common::ApiError::bad_request(format!(
                "{name} must be a positive integer"
            )));
        }
    };
    let person = state.sim.person(&account);
    let now = now_in(&person);
    let history = state.history.of(&person, &account);
    let ended: Vec<&Listed> = history.iter().filter(|one| one.end <= now).collect();
    let workouts: Vec<Value> = ended
        .iter()
        .skip(page.saturating_sub(1).saturating_mul(per_page))
        .take(per_page)
        .filter_map(|one| {
            let workout = person.day(one.date).workouts.into_iter().nth(one.index)?;
            Some(workout_json(
                &person, &account, one.date, one.index, &workout, true,
            ))
        })
        .collect();
    let all = ended;
    axum::Json(json!({
        "workouts": workouts,
        "total": all.len(),
        "page": page,
        "per_page": per_page,
        "order": "descending",
        "sort": "starts",
    }))
    .into_response()
}

/// The ended workout `id` names for the bearer's account, rendered by `render`.
fn with_workout(
    state: &WahooState,
    headers: &HeaderMap,
    id: &str,
    render: impl FnOnce(&Person, &str, NaiveDate, usize, &Workout) -> Value,
) -> Response {
    let account = match authenticate(&state.oauth, headers) {
        Ok(account) => account,
        Err(error) => return refused(error),
    };
    let person = state.sim.person(&account);
    let found = id
        .parse::<i64>()
        .ok()
        .and_then(|id| decode(user_id(&account), id))
        .and_then(|(date, index)| {
            let workout = person.day(date).workouts.into_iter().nth(index)?;
            (workout.end <= now_in(&person)).then_some((date, index, workout))
        });
    match found {
        Some((date, index, workout)) => {
            axum::Json(render(&person, &account, date, index, &workout)).into_response()
        }
        None => not_found(),
    }
}

/// `GET /v1/workouts/{id}` (with its summary, as the list shows it).
pub(super) async fn workout(
    State(state): State<WahooState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_workout(&state, &headers, &id, |person, account, date, index, w| {
        workout_json(person, account, date, index, w, true)
    })
}

/// `GET /v1/workouts/{id}/workout_summary`.
pub(super) async fn summary(
    State(state): State<WahooState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_workout(&state, &headers, &id, summary_json)
}

/// `DELETE /v1/permissions`: the bearer's grant ends (every token of the account).
pub(super) async fn revoke(State(state): State<WahooState>, headers: HeaderMap) -> Response {
    match authenticate(&state.oauth, &headers) {
        Ok(account) => {
            state.oauth.revoke_account(&account);
            axum::Json(json!({})).into_response()
        }
        Err(error) => refused(error),
    }
}
