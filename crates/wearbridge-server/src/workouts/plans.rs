//! Planned workouts of the current spec: `POST /v2/workouts/{workout_id}/plan`,
//! `GET /v2/plannedWorkouts`, and `GET|PATCH|DELETE /v2/plannedWorkouts/{id}`.

use serde::{Deserialize, Serialize};
use wearbridge_model::{AthleteMetrics, PlannedWorkoutItem};
use wearbridge_providers::workout::WorkoutPlan;
use wearbridge_store::{NewPlannedWorkout, PlannedWorkoutRow, User};

use super::{
    CalendarCall, CalendarOutcome, PLANNED_WORKOUT_NOT_FOUND, WorkoutError, call_calendar,
    joined_warnings, new_id, parse_date, push, pushed_ids, remove_at_provider, require_calendar,
    save, templates, undo_pushes,
};
use crate::events::planned_workout_item;
use crate::services::Services;

/// `POST /v2/workouts/{id}/plan` body: the day, and athlete metrics for this plan only.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PlanRequest {
    /// `YYYY-MM-DD` (required).
    pub planned_date: Option<String>,
    /// Functional threshold power, watts.
    pub ftp: Option<f64>,
    /// Beats per minute.
    pub max_heart_rate: Option<f64>,
    /// Beats per minute.
    pub threshold_heart_rate: Option<f64>,
    /// Metres per second.
    pub threshold_speed: Option<f64>,
    /// Overrides the template's pool length, metres.
    pub pool_length_meters: Option<f64>,
}

/// `PATCH /v2/plannedWorkouts/{id}` body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RescheduleRequest {
    /// The new day, `YYYY-MM-DD` (required).
    pub planned_date: Option<String>,
}

/// Terra's `PlannedWorkoutSummary` (get and reschedule answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlannedWorkoutSummary {
    pub planned_workout_id: String,
    pub planned_date: String,
    pub is_external: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workout_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_workout_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coercion_warnings: Option<String>,
}

impl From<&PlannedWorkoutRow> for PlannedWorkoutSummary {
    fn from(row: &PlannedWorkoutRow) -> Self {
        PlannedWorkoutSummary {
            planned_workout_id: row.id.clone(),
            planned_date: row.planned_date.clone(),
            is_external: false,
            workout_id: row.workout_id.clone(),
            provider_workout_id: row.provider_workout_id.clone(),
            coercion_warnings: row.coercion_warnings.clone(),
        }
    }
}

/// Plans `dev`'s template `workout_id` for `user`: pushes it to the user's provider,
/// stores it and announces it (`planned_workout`).
pub async fn plan(
    services: &Services,
    user: &User,
    workout_id: &str,
    request: PlanRequest,
) -> Result<PlannedWorkoutRow, WorkoutError> {
    let template = templates::get(services, &user.developer_id, workout_id).await?;
    let date = request
        .planned_date
        .as_deref()
        .ok_or_else(|| WorkoutError::BadRequest("planned_date is required".to_owned()))
        .and_then(|date| parse_date(date, "planned_date"))?;
    require_calendar(services, user)?;
    let metrics = AthleteMetrics {
        threshold_heart_rate: request.threshold_heart_rate,
        max_heart_rate: request.max_heart_rate,
        threshold_speed: request.threshold_speed,
        ftp: request.ftp,
        pool_length_meters: request.pool_length_meters,
    };
    let plan = WorkoutPlan {
        template,
        planned_date: date,
        metrics: metrics.clone(),
    };
    let pushed = push(services, user, &plan).await?;
    let new = NewPlannedWorkout {
        user_id: user.id.clone(),
        id: new_id(),
        workout_id: Some(workout_id.to_owned()),
        planned_date: date.to_string(),
        sdk_body: None,
        athlete_metrics: (metrics != AthleteMetrics::default())
            .then(|| serde_json::to_string(&metrics))
            .transpose()?,
        provider: user.provider.clone(),
        provider_workout_id: Some(pushed.workout_id.clone()),
        provider_schedule_id: pushed.schedule_id.clone(),
        coercion_warnings: joined_warnings(&pushed.coercion_warnings),
    };
    match save(services, user, std::slice::from_ref(&new)).await {
        Ok(mut rows) => rows
            .pop()
            .ok_or(WorkoutError::NotFound(PLANNED_WORKOUT_NOT_FOUND)),
        Err(error) => {
            if let Some(ids) = pushed_ids_of(&new) {
                undo_pushes(services, user, &[ids]).await;
            }
            Err(error)
        }
    }
}

fn pushed_ids_of(new: &NewPlannedWorkout) -> Option<wearbridge_providers::workout::PushedIds> {
    new.provider_workout_id
        .as_ref()
        .map(|workout_id| wearbridge_providers::workout::PushedIds {
            workout_id: workout_id.clone(),
            schedule_id: new.provider_schedule_id.clone(),
        })
}

/// `user`'s planned workouts between two optional `YYYY-MM-DD` days (inclusive).
pub async fn list(
    services: &Services,
    user: &User,
    start_date: Option<&str>,
    end_date: Option<&str>,
) -> Result<Vec<PlannedWorkoutItem>, WorkoutError> {
    let start = start_date
        .map(|date| parse_date(date, "start_date"))
        .transpose()?;
    let end = end_date
        .map(|date| parse_date(date, "end_date"))
        .transpose()?;
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(WorkoutError::BadRequest(
            "end_date must not be before start_date".to_owned(),
        ));
    }
    let (start, end) = (start.map(|d| d.to_string()), end.map(|d| d.to_string()));
    let rows = services
        .store
        .list_planned_workouts(
            &user.developer_id,
            &user.id,
            start.as_deref(),
            end.as_deref(),
        )
        .await?;
    Ok(rows.iter().map(planned_workout_item).collect())
}

/// `user`'s planned workout `id`, or 404.
pub async fn get(
    services: &Services,
    user: &User,
    id: &str,
) -> Result<PlannedWorkoutRow, WorkoutError> {
    services
        .store
        .get_planned_workout(&user.developer_id, &user.id, id)
        .await?
        .ok_or(WorkoutError::NotFound(PLANNED_WORKOUT_NOT_FOUND))
}

/// Moves `user`'s planned workout `id` to `planned_date` at the provider and here, and
/// announces it.
pub async fn reschedule(
    services: &Services,
    user: &User,
    id: &str,
    request: RescheduleRequest,
) -> Result<PlannedWorkoutRow, WorkoutError> {
    let date = request
        .planned_date
        .as_deref()
        .ok_or_else(|| WorkoutError::BadRequest("planned_date is required".to_owned()))
        .and_then(|date| parse_date(date, "planned_date"))?;
    let row = get(services, user, id).await?;
    let mut schedule_id = row.provider_schedule_id.clone();
    if let Some(pushed) = pushed_ids(&row)
        && let CalendarOutcome::Rescheduled(moved) =
            call_calendar(services, user, CalendarCall::Reschedule(&pushed, date)).await?
    {
        schedule_id = moved.or(schedule_id);
    }
    let new = NewPlannedWorkout {
        user_id: row.user_id.clone(),
        id: row.id.clone(),
        workout_id: row.workout_id.clone(),
        planned_date: date.to_string(),
        sdk_body: row
            .sdk_body
            .as_deref()
            .map(|body| super::sdk::with_planned_date(body, date))
            .transpose()?,
        athlete_metrics: row.athlete_metrics.clone(),
        provider: row.provider.clone(),
        provider_workout_id: row.provider_workout_id.clone(),
        provider_schedule_id: schedule_id,
        coercion_warnings: row.coercion_warnings.clone(),
    };
    let mut rows = save(services, user, std::slice::from_ref(&new)).await?;
    rows.pop()
        .ok_or(WorkoutError::NotFound(PLANNED_WORKOUT_NOT_FOUND))
}

/// Removes `user`'s planned workout `id` from the provider, then here.
pub async fn delete(services: &Services, user: &User, id: &str) -> Result<(), WorkoutError> {
    let row = get(services, user, id).await?;
    remove_at_provider(services, user, &row).await?;
    let mut tx = services.store.begin().await?;
    tx.delete_planned_workout(&user.developer_id, &user.id, id)
        .await?;
    tx.commit().await?;
    Ok(())
}
