//! Planned workouts: workout templates (`/v2/workouts`), workouts planned onto a user's
//! calendar (`/v2/workouts/{id}/plan`, `/v2/plannedWorkouts`), and the SDK-era
//! `/v2/plannedWorkout` the official SDKs call.
//!
//! Every planned workout is pushed to the user's provider *inline*, within the request:
//! Terra's answers carry the provider's outcome (`provider_workout_id` in the 201, 424
//! when the provider refuses, a per-workout provider status on the SDK-era delete), so a
//! queued push could only answer "accepted" and report failures nowhere the caller looks.
//! A push is one or two provider calls (create, schedule); the HTTP client's timeouts
//! bound the wait. Only providers with a [`WorkoutCalendar`] take planned workouts (Garmin's
//! Training API); every other provider is a 400, as Terra answers writes for unsupported
//! providers. What is stored and announced (`planned_workout` events) is what the
//! provider accepted.
//!
//! * [`templates`]: create, list, read and delete templates (delete cascades to plans).
//! * [`plans`]: plan a template, list, read, reschedule and delete planned workouts.
//! * [`sdk`]: the SDK-era write, read and delete.

pub mod plans;
pub mod sdk;
pub mod templates;

use axum::http::StatusCode;
use chrono::NaiveDate;
use rand::Rng;
use wearbridge_providers::ProviderError;
use wearbridge_providers::workout::{PushedIds, PushedWorkout, WorkoutCalendar, WorkoutPlan};
use wearbridge_store::{PlannedWorkoutRow, StoreError, User};

use crate::adapters::user_adapter;
use crate::connect::ConnectError;
use crate::connect::vault::access_token;
use crate::error::ApiError;
use crate::services::Services;

/// Message of every unknown-template 404 (another developer's template is absent too).
pub const WORKOUT_NOT_FOUND: &str = "workout not found";
/// Message of every unknown planned workout 404.
pub const PLANNED_WORKOUT_NOT_FOUND: &str = "planned workout not found";

/// Why a planned-workout operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkoutError {
    /// Malformed input, or a provider that takes no planned workouts (400).
    #[error("{0}")]
    BadRequest(String),
    /// Unknown (or another developer's) user, template or planned workout (404).
    #[error("{0}")]
    NotFound(&'static str),
    /// The provider refused or could not take the change (424, "retry later").
    #[error("{provider} did not accept the change: {source}")]
    Provider {
        provider: String,
        source: ProviderError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Connect(ConnectError),
    #[error("cannot encode: {0}")]
    Encode(#[from] serde_json::Error),
}

impl From<WorkoutError> for ApiError {
    fn from(error: WorkoutError) -> ApiError {
        match error {
            WorkoutError::BadRequest(message) => ApiError::BadRequest(message),
            WorkoutError::NotFound(message) => ApiError::not_found(message),
            WorkoutError::Provider { .. } => ApiError::Rejected {
                status: StatusCode::FAILED_DEPENDENCY,
                message: error.to_string(),
            },
            WorkoutError::Store(error) => ApiError::internal(error),
            WorkoutError::Connect(error) => ApiError::from(error),
            WorkoutError::Encode(error) => ApiError::internal(error),
        }
    }
}

impl From<ConnectError> for WorkoutError {
    /// Token trouble (a revoked grant, a provider down during a refresh) is the
    /// provider's side of the change failing; the rest is ours.
    fn from(error: ConnectError) -> Self {
        match error {
            ConnectError::Provider(source) => WorkoutError::Provider {
                provider: "the provider".to_owned(),
                source,
            },
            ConnectError::Store(error) => WorkoutError::Store(error),
            other => WorkoutError::Connect(other),
        }
    }
}

/// A fresh id for a template or a planned workout: a positive integer below 2^53 (Terra's
/// paths take int64 ids; below 2^53 JavaScript clients read them exactly), as text.
pub fn new_id() -> String {
    rand::thread_rng()
        .gen_range(1_000_000_000_i64..(1_i64 << 53))
        .to_string()
}

/// The 400 for a user whose provider takes no planned workouts.
fn unsupported(user: &User) -> WorkoutError {
    WorkoutError::BadRequest(format!(
        "planned workouts cannot be written to {} users: its public API takes none",
        user.provider
    ))
}

/// Whether `user`'s provider takes planned workouts; 400 otherwise (before any work).
pub fn require_calendar(services: &Services, user: &User) -> Result<(), WorkoutError> {
    let (provider, _) = user_adapter(services, user).map_err(|_| unsupported(user))?;
    if provider.workout_calendar().is_none() {
        return Err(unsupported(user));
    }
    Ok(())
}

/// One call to the user's provider calendar.
pub enum CalendarCall<'a> {
    Create(&'a WorkoutPlan),
    Reschedule(&'a PushedIds, NaiveDate),
    Delete(&'a PushedIds),
}

/// What a [`CalendarCall`] returned.
pub enum CalendarOutcome {
    Created(PushedWorkout),
    Rescheduled(Option<String>),
    Deleted,
}

/// Makes `call` on `user`'s provider with the user's token; a token the provider refuses
/// is refreshed once and the call repeated (as the sync engine does).
pub async fn call_calendar(
    services: &Services,
    user: &User,
    call: CalendarCall<'_>,
) -> Result<CalendarOutcome, WorkoutError> {
    let (provider, ctx) = user_adapter(services, user).map_err(|_| unsupported(user))?;
    let calendar: &dyn WorkoutCalendar = provider
        .workout_calendar()
        .ok_or_else(|| unsupported(user))?;
    let mut rejected = None;
    loop {
        let token = access_token(
            services,
            provider.as_ref(),
            &ctx,
            &user.developer_id,
            &user.id,
            rejected,
        )
        .await
        .map_err(|error| with_provider(WorkoutError::from(error), user))?;
        let result = match &call {
            CalendarCall::Create(plan) => calendar
                .create(&ctx, &token.token, plan)
                .await
                .map(CalendarOutcome::Created),
            CalendarCall::Reschedule(pushed, date) => calendar
                .reschedule(&ctx, &token.token, pushed, *date)
                .await
                .map(CalendarOutcome::Rescheduled),
            CalendarCall::Delete(pushed) => calendar
                .delete(&ctx, &token.token, pushed)
                .await
                .map(|()| CalendarOutcome::Deleted),
        };
        match result {
            Err(ProviderError::Unauthorized(_)) if rejected.is_none() => {
                rejected = Some(token.version);
            }
            Err(source) => {
                return Err(WorkoutError::Provider {
                    provider: user.provider.clone(),
                    source,
                });
            }
            Ok(outcome) => return Ok(outcome),
        }
    }
}

fn with_provider(error: WorkoutError, user: &User) -> WorkoutError {
    match error {
        WorkoutError::Provider { source, .. } => WorkoutError::Provider {
            provider: user.provider.clone(),
            source,
        },
        other => other,
    }
}

/// Creates `plan` at the user's provider.
pub async fn push(
    services: &Services,
    user: &User,
    plan: &WorkoutPlan,
) -> Result<PushedWorkout, WorkoutError> {
    match call_calendar(services, user, CalendarCall::Create(plan)).await? {
        CalendarOutcome::Created(pushed) => Ok(pushed),
        _ => Err(WorkoutError::BadRequest(
            "unexpected calendar answer".to_owned(),
        )),
    }
}

/// The provider-side ids of a stored planned workout, if it was pushed.
pub fn pushed_ids(row: &PlannedWorkoutRow) -> Option<PushedIds> {
    row.provider_workout_id
        .as_ref()
        .map(|workout_id| PushedIds {
            workout_id: workout_id.clone(),
            schedule_id: row.provider_schedule_id.clone(),
        })
}

/// Removes a stored planned workout from the provider (nothing to do if never pushed).
pub async fn remove_at_provider(
    services: &Services,
    user: &User,
    row: &PlannedWorkoutRow,
) -> Result<(), WorkoutError> {
    match pushed_ids(row) {
        Some(pushed) => call_calendar(services, user, CalendarCall::Delete(&pushed))
            .await
            .map(|_| ()),
        None => Ok(()),
    }
}

/// Coercion warnings as Terra's single string, `None` when there are none.
pub fn joined_warnings(warnings: &[String]) -> Option<String> {
    (!warnings.is_empty()).then(|| warnings.join("; "))
}

/// A `YYYY-MM-DD` parameter, or 400 naming it.
pub fn parse_date(value: &str, name: &str) -> Result<NaiveDate, WorkoutError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| WorkoutError::BadRequest(format!("{name} must be a date (YYYY-MM-DD)")))
}

/// Longest planned-workout id accepted (SDK-era writes may name their own).
pub const MAX_ID_CHARS: usize = 128;

/// A planned workout id: Terra's are int64s; SDK-era writes may have named their own
/// (`metadata.id`), so any short non-empty text is looked up.
pub fn parse_key(value: &str, name: &str) -> Result<String, WorkoutError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_ID_CHARS {
        return Err(WorkoutError::BadRequest(format!(
            "{name} must be 1 to {MAX_ID_CHARS} characters"
        )));
    }
    Ok(value.to_owned())
}

/// An id path parameter: Terra's paths take int64 ids.
pub fn parse_id(value: &str, name: &str) -> Result<String, WorkoutError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(|id| id.to_string())
        .ok_or_else(|| WorkoutError::BadRequest(format!("{name} must be a positive integer")))
}

/// Stores `plans` of `user` and appends their `planned_workout` events, in one
/// transaction; the stored rows. A user gone meanwhile is a 404.
pub async fn save(
    services: &Services,
    user: &User,
    plans: &[wearbridge_store::NewPlannedWorkout],
) -> Result<Vec<PlannedWorkoutRow>, WorkoutError> {
    let now = services.now_micros();
    let mut tx = services.store.begin().await?;
    let mut rows = Vec::with_capacity(plans.len());
    for plan in plans {
        match tx.put_planned_workout(&user.developer_id, plan, now).await {
            Ok(row) => rows.push(row),
            Err(StoreError::NotFound) => {
                return Err(WorkoutError::NotFound(
                    crate::routes::params::USER_NOT_FOUND,
                ));
            }
            Err(error) => return Err(error.into()),
        }
    }
    let events = crate::events::planned_workout(user, &rows, None)?;
    tx.append_events(&events).await?;
    tx.commit().await?;
    crate::delivery::wake();
    Ok(rows)
}

/// After a failed save, takes back what was pushed (best effort: the error that stopped
/// the save is what the caller reports).
pub async fn undo_pushes(services: &Services, user: &User, pushed: &[PushedIds]) {
    for ids in pushed {
        if let Err(error) = call_calendar(services, user, CalendarCall::Delete(ids)).await {
            tracing::warn!(%error, workout = ids.workout_id, "could not take back a pushed workout");
        }
    }
}
