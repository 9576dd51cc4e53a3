//! `planned_workout` events (terra-api-notes D.3, current spec's `PlannedWorkoutEvent`):
//! `{type, data: [PlannedWorkout], user, version}`, the current spec's planned workout
//! (template plus schedule) for every workout planned, rescheduled or requested with
//! `to_webhook=true`. Only the current spec defines this event, so its items are the
//! current spec's model even for workouts written through the SDK-era
//! `POST /v2/plannedWorkout` (then `workout_id` is absent).

use wearbridge_model::{
    AthleteMetrics, MODEL_VERSION, PlannedWorkoutEvent, PlannedWorkoutItem, WebhookEvent,
};
use wearbridge_store::{NewEvent, PlannedWorkoutRow, User};

use super::{RECORDS_PER_EVENT, outbox_row};
use crate::wire::{terra_timestamp, terra_user};

/// The current spec's `PlannedWorkout` for a stored one (also the list endpoint's item).
/// `is_external` is false: every stored workout was planned through this server.
pub fn planned_workout_item(row: &PlannedWorkoutRow) -> PlannedWorkoutItem {
    PlannedWorkoutItem {
        planned_workout_id: Some(row.id.clone()),
        workout_id: row.workout_id.clone(),
        planned_date: Some(row.planned_date.clone()),
        provider_workout_id: row.provider_workout_id.clone(),
        coercion_warnings: row.coercion_warnings.clone(),
        created_at: terra_timestamp(row.created_at),
        last_updated_at: terra_timestamp(row.updated_at),
        is_external: Some(false),
        athlete_metrics: row
            .athlete_metrics
            .as_deref()
            .and_then(|json| serde_json::from_str::<AthleteMetrics>(json).ok()),
        details: None,
    }
}

/// `planned_workout` events about `user`'s `rows`, at most [`RECORDS_PER_EVENT`] each;
/// one event with an empty `data` when `rows` is empty (a `to_webhook=true` read of an
/// empty range still answers). Tagged with `reference` when a request asked for them.
pub fn planned_workout(
    user: &User,
    rows: &[PlannedWorkoutRow],
    reference: Option<&str>,
) -> Result<Vec<NewEvent>, serde_json::Error> {
    let items: Vec<PlannedWorkoutItem> = rows.iter().map(planned_workout_item).collect();
    let chunks: Vec<&[PlannedWorkoutItem]> = if items.is_empty() {
        vec![&[]]
    } else {
        items.chunks(RECORDS_PER_EVENT).collect()
    };
    chunks
        .into_iter()
        .map(|chunk| {
            let event = WebhookEvent::PlannedWorkout(PlannedWorkoutEvent {
                data: chunk.to_vec(),
                user: terra_user(user),
                version: MODEL_VERSION.to_owned(),
                status: None,
            });
            let mut row = outbox_row(&user.developer_id, Some(&user.id), &event)?;
            row.reference = reference.map(str::to_owned);
            Ok(row)
        })
        .collect()
}
