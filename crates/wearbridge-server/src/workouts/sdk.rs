//! The SDK-era planned workouts (terra-api-notes B.3, E.8b): `POST /v2/plannedWorkout?
//! user_id=` with `{data: [PlannedWorkout]}`, `GET /v2/plannedWorkout` with the data
//! endpoints' parameters, `DELETE /v2/plannedWorkout?user_id=` with `{data: [ids]}`.
//!
//! A posted workout is kept exactly as sent (the SDKs parse their own step unions back,
//! discriminated by the class name in `type`), with `metadata.id` (its log id: the one
//! the client gave, else a new one) and `metadata.provider` filled in. It is pushed to the
//! user's provider after conversion to the current template form
//! ([`wearbridge_providers::workout::sdk`]). A repeated `metadata.id` replaces the
//! earlier workout, at the provider too.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde_json::Value;
use wearbridge_model::{DataType, PlannedWorkout, Timestamp};
use wearbridge_providers::workout::{PushedIds, WorkoutPlan, sdk::template_of};
use wearbridge_store::{NewPlannedWorkout, User};

use super::{
    MAX_ID_CHARS, WorkoutError, joined_warnings, new_id, push, remove_at_provider,
    require_calendar, save, undo_pushes,
};
use crate::delivery::data_request::{acknowledgement_body, no_destination_body};
use crate::services::Services;

/// Terra's default 201 message.
pub const WRITE_MESSAGE: &str = "Planned workout successfully created";
/// Most workouts in one write or delete: each is a provider call.
pub const MAX_PER_REQUEST: usize = 100;

/// One posted workout, checked.
struct Posted {
    id: String,
    date: NaiveDate,
    workout: PlannedWorkout,
    /// As sent, with `metadata.id` and `metadata.provider` set.
    body: Value,
}

/// The batch rule shared with the other SDK writes: 1 to [`MAX_PER_REQUEST`] entries.
pub fn check_batch(len: usize) -> Result<(), WorkoutError> {
    if len == 0 {
        return Err(WorkoutError::BadRequest(
            "data must not be empty".to_owned(),
        ));
    }
    if len > MAX_PER_REQUEST {
        return Err(WorkoutError::BadRequest(format!(
            "data holds {len} entries; at most {MAX_PER_REQUEST} are accepted"
        )));
    }
    Ok(())
}

/// The local calendar day of a planned date: `YYYY-MM-DD`, or an ISO 8601 date-time
/// (its day in its own offset, as every Terra day is the user's).
fn planned_day(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .or_else(|| value.parse::<Timestamp>().ok().map(|t| t.local_date()))
}

fn parse_one(index: usize, mut body: Value, provider: &str) -> Result<Posted, WorkoutError> {
    let bad = |message: String| WorkoutError::BadRequest(format!("data[{index}]: {message}"));
    let Some(metadata) = body.get("metadata").and_then(Value::as_object) else {
        return Err(bad("metadata is required".to_owned()));
    };
    let date = metadata
        .get("planned_date")
        .and_then(Value::as_str)
        .and_then(planned_day)
        .ok_or_else(|| {
            bad(
                "metadata.planned_date is required (YYYY-MM-DD or an ISO 8601 date-time)"
                    .to_owned(),
            )
        })?;
    let id = match metadata.get("id") {
        None | Some(Value::Null) => new_id(),
        Some(Value::String(id)) if !id.trim().is_empty() && id.chars().count() <= MAX_ID_CHARS => {
            id.trim().to_owned()
        }
        Some(_) => {
            return Err(bad(format!(
                "metadata.id must be a string of 1 to {MAX_ID_CHARS} characters"
            )));
        }
    };
    // The model reads a date-time; a plain date is its midnight.
    let mut typed = body.clone();
    if let Some(planned) = typed.pointer_mut("/metadata/planned_date") {
        *planned = Value::String(format!("{date}T00:00:00"));
    }
    let workout: PlannedWorkout =
        serde_json::from_value(typed).map_err(|error| bad(error.to_string()))?;
    if let Some(Value::Object(metadata)) = body.get_mut("metadata") {
        metadata.insert("id".to_owned(), Value::String(id.clone()));
        metadata.insert("provider".to_owned(), Value::String(provider.to_owned()));
    }
    Ok(Posted {
        id,
        date,
        workout,
        body,
    })
}

/// Pushes, stores and announces posted workouts for `user`; their log ids in order.
pub async fn write(
    services: &Services,
    user: &User,
    data: Vec<Value>,
) -> Result<Vec<String>, WorkoutError> {
    check_batch(data.len())?;
    require_calendar(services, user)?;
    let mut posted = Vec::with_capacity(data.len());
    let mut seen = HashSet::new();
    for (index, body) in data.into_iter().enumerate() {
        let one = parse_one(index, body, &user.provider)?;
        if !seen.insert(one.id.clone()) {
            return Err(WorkoutError::BadRequest(format!(
                "data[{index}]: metadata.id {:?} appears twice",
                one.id
            )));
        }
        posted.push(one);
    }
    let mut plans = Vec::with_capacity(posted.len());
    for (index, one) in posted.iter().enumerate() {
        let (template, warnings) = template_of(&one.workout)
            .map_err(|error| WorkoutError::BadRequest(format!("data[{index}]: {error}")))?;
        plans.push((
            WorkoutPlan {
                template,
                planned_date: one.date,
                metrics: Default::default(),
            },
            warnings,
        ));
    }
    // A workout written again under its id replaces the earlier one, at the provider too.
    for one in &posted {
        if let Some(earlier) = services
            .store
            .get_planned_workout(&user.developer_id, &user.id, &one.id)
            .await?
        {
            remove_at_provider(services, user, &earlier).await?;
        }
    }
    let mut pushed: Vec<PushedIds> = Vec::new();
    let mut rows = Vec::with_capacity(posted.len());
    for (one, (plan, mut warnings)) in posted.iter().zip(plans) {
        let created = match push(services, user, &plan).await {
            Ok(created) => created,
            Err(error) => {
                undo_pushes(services, user, &pushed).await;
                return Err(error);
            }
        };
        pushed.push(PushedIds {
            workout_id: created.workout_id.clone(),
            schedule_id: created.schedule_id.clone(),
        });
        warnings.extend(created.coercion_warnings);
        rows.push(NewPlannedWorkout {
            user_id: user.id.clone(),
            id: one.id.clone(),
            workout_id: None,
            planned_date: one.date.to_string(),
            sdk_body: Some(serde_json::to_string(&one.body)?),
            athlete_metrics: None,
            provider: user.provider.clone(),
            provider_workout_id: Some(created.workout_id),
            provider_schedule_id: created.schedule_id,
            coercion_warnings: joined_warnings(&warnings),
        });
    }
    match save(services, user, &rows).await {
        Ok(saved) => Ok(saved.into_iter().map(|row| row.id).collect()),
        Err(error) => {
            undo_pushes(services, user, &pushed).await;
            Err(error)
        }
    }
}

/// `user`'s workouts planned on `first..=last`. For `to_webhook=false` the SDK-era bodies
/// are served (workouts planned from a template have none: `/plannedWorkouts` lists
/// them); `to_webhook=true` announces every row as `planned_workout` events.
pub async fn read(
    services: &Services,
    user: &User,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<wearbridge_store::PlannedWorkoutRow>, WorkoutError> {
    let (first, last) = (first.to_string(), last.to_string());
    Ok(services
        .store
        .list_planned_workouts(&user.developer_id, &user.id, Some(&first), Some(&last))
        .await?)
}

/// `to_webhook=true`: appends `planned_workout` events for `rows` tagged with a new
/// reference (in one transaction) and returns the acknowledgement the data endpoints give
/// (`{status, type, reference, trace_id, message, user}`); without a webhook URL, Terra's "no destinations"
/// answer and no events. The events are built here, not by the data-request job: that
/// job reads the records table, and planned workouts are few per user.
pub async fn announce(
    services: &Services,
    user: &User,
    rows: &[wearbridge_store::PlannedWorkoutRow],
) -> Result<String, WorkoutError> {
    let destination = services.store.destination(&user.developer_id).await?;
    if destination.and_then(|d| d.webhook_url).is_none() {
        return Ok(no_destination_body(DataType::PlannedWorkout));
    }
    let reference = uuid::Uuid::new_v4().to_string();
    let events = crate::events::planned_workout(user, rows, Some(&reference))?;
    let mut tx = services.store.begin().await?;
    tx.append_events(&events).await?;
    tx.commit().await?;
    crate::delivery::wake();
    Ok(acknowledgement_body(
        user,
        DataType::PlannedWorkout,
        &reference,
        false,
    )?)
}

/// Deletes `ids` of `user` at the provider and here. Per id (in order) the status Terra
/// reports: 200 deleted, 404 unknown, or the provider's refusal (424).
pub async fn delete(
    services: &Services,
    user: &User,
    ids: &[String],
) -> Result<Vec<(String, u16)>, WorkoutError> {
    check_batch(ids.len())?;
    require_calendar(services, user)?;
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(row) = services
            .store
            .get_planned_workout(&user.developer_id, &user.id, id)
            .await?
        else {
            results.push((id.clone(), 404));
            continue;
        };
        match remove_at_provider(services, user, &row).await {
            Ok(()) => {}
            Err(WorkoutError::Provider { provider, source }) => {
                tracing::warn!(provider, %source, planned_workout = id, "provider kept a planned workout");
                results.push((id.clone(), 424));
                continue;
            }
            Err(other) => return Err(other),
        }
        let mut tx = services.store.begin().await?;
        tx.delete_planned_workout(&user.developer_id, &user.id, id)
            .await?;
        tx.commit().await?;
        results.push((id.clone(), 200));
    }
    Ok(results)
}

/// A stored SDK-era body moved to `date` (its `metadata.planned_date` becomes that day's
/// midnight, keeping the offset it was written with).
pub fn with_planned_date(body: &str, date: NaiveDate) -> Result<String, serde_json::Error> {
    let mut value: Value = serde_json::from_str(body)?;
    if let Some(planned) = value.pointer_mut("/metadata/planned_date") {
        let offset = planned
            .as_str()
            .and_then(|text| text.parse::<Timestamp>().ok())
            .and_then(|timestamp| timestamp.offset());
        *planned = Value::String(match offset {
            Some(offset) => format!("{date}T00:00:00{offset}"),
            None => date.to_string(),
        });
    }
    serde_json::to_string(&value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn planned_days_are_local_days() {
        assert_eq!(
            planned_day("2024-03-05"),
            NaiveDate::from_ymd_opt(2024, 3, 5)
        );
        assert_eq!(
            planned_day("2024-03-05T23:30:00-05:00"),
            NaiveDate::from_ymd_opt(2024, 3, 5)
        );
        assert_eq!(
            planned_day("2024-03-05T00:00:00Z"),
            NaiveDate::from_ymd_opt(2024, 3, 5)
        );
        assert_eq!(planned_day("March 5th"), None);
    }

    #[test]
    fn a_posted_workout_keeps_its_shape_and_gets_an_id() {
        let body = json!({"metadata": {"planned_date": "2024-03-05", "type": "RUNNING"},
                          "steps": [{"type": "PlannedWorkoutStep", "order": 1}]});
        let Ok(posted) = parse_one(0, body, "GARMIN") else {
            panic!("a valid workout");
        };
        assert_eq!(posted.body["metadata"]["id"], posted.id.as_str());
        assert_eq!(posted.body["metadata"]["provider"], "GARMIN");
        assert_eq!(posted.body["metadata"]["planned_date"], "2024-03-05");
        assert_eq!(posted.body["steps"][0]["type"], "PlannedWorkoutStep");
        let missing = parse_one(3, json!({"metadata": {"type": "RUNNING"}}), "GARMIN");
        assert!(
            matches!(&missing, Err(WorkoutError::BadRequest(m)) if m.starts_with("data[3]: metadata.planned_date")),
            "{:?}",
            missing.err()
        );
    }

    #[test]
    fn rescheduling_keeps_the_offset() -> Result<(), serde_json::Error> {
        let day = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap_or_default();
        let moved = with_planned_date(
            r#"{"metadata":{"planned_date":"2024-03-05T06:00:00+02:00"}}"#,
            day,
        )?;
        assert!(moved.contains("2024-04-01T00:00:00+02:00"), "{moved}");
        Ok(())
    }
}
