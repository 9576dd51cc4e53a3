//! Garmin's Training API V2: planned workouts pushed to a user's Garmin Connect calendar
//! (and from there to the watch). A workout is created (`POST
//! /workoutportal/workout/v2`), then pinned to its day (`POST /training-api/schedule/`);
//! rescheduling moves the schedule (`PUT /training-api/schedule/{id}`); deleting removes
//! the schedule and the workout. Calls carry the user's OAuth 2 bearer token and need
//! the `WORKOUT_IMPORT` permission (Garmin answers 412 without it).
//!
//! [`wire`] is Garmin's format, [`mapper`] turns Terra's planned workout into it.

pub mod mapper;
pub mod wire;

use async_trait::async_trait;
use chrono::NaiveDate;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error;
use crate::http::read;
use crate::workout::{PushedIds, PushedWorkout, WorkoutCalendar, WorkoutPlan};
use crate::{ProviderCtx, ProviderError};

/// Workout create (Garmin keeps it on a different path from the other workout calls).
pub const CREATE_WORKOUT_PATH: &str = "workoutportal/workout/v2";
/// Workout retrieve / update / delete: `{WORKOUT_PATH}/{workoutId}`.
pub const WORKOUT_PATH: &str = "training-api/workout/v2";
/// Schedule create (`{SCHEDULE_PATH}/`) and update / delete (`{SCHEDULE_PATH}/{id}`).
pub const SCHEDULE_PATH: &str = "training-api/schedule";

/// The Training API side of the GARMIN adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrainingApi;

#[async_trait]
impl WorkoutCalendar for TrainingApi {
    async fn create(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        plan: &WorkoutPlan,
    ) -> Result<PushedWorkout, ProviderError> {
        let (workout, coercion_warnings) = mapper::workout(plan);
        let created: wire::Workout = send(
            ctx,
            reqwest::Method::POST,
            url(ctx, CREATE_WORKOUT_PATH)?,
            access_token,
            Some(&workout),
        )
        .await?
        .ok_or_else(|| ProviderError::Malformed("workout create answered no body".to_owned()))?;
        let workout_id = created.workout_id.ok_or_else(|| {
            ProviderError::Malformed("workout create answered no workoutId".to_owned())
        })?;
        let schedule = wire::Schedule {
            schedule_id: None,
            workout_id,
            date: plan.planned_date.to_string(),
        };
        let scheduled: Result<Option<wire::ScheduleCreated>, _> = send(
            ctx,
            reqwest::Method::POST,
            url(ctx, &format!("{SCHEDULE_PATH}/"))?,
            access_token,
            Some(&schedule),
        )
        .await;
        let scheduled = match scheduled {
            Ok(scheduled) => scheduled,
            Err(error) => {
                // An unscheduled workout would sit in the user's library: take it back.
                let pushed = PushedIds {
                    workout_id: workout_id.to_string(),
                    schedule_id: None,
                };
                if let Err(cleanup) = self.delete(ctx, access_token, &pushed).await {
                    tracing::warn!(%cleanup, "could not remove an unscheduled Garmin workout");
                }
                return Err(error);
            }
        };
        Ok(PushedWorkout {
            workout_id: workout_id.to_string(),
            schedule_id: scheduled
                .as_ref()
                .and_then(wire::ScheduleCreated::id)
                .map(|id| id.to_string()),
            coercion_warnings,
        })
    }

    async fn reschedule(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        pushed: &PushedIds,
        date: NaiveDate,
    ) -> Result<Option<String>, ProviderError> {
        let workout_id = garmin_id(&pushed.workout_id)?;
        match pushed.schedule_id.as_deref().map(garmin_id).transpose()? {
            Some(schedule_id) => {
                let schedule = wire::Schedule {
                    schedule_id: Some(schedule_id),
                    workout_id,
                    date: date.to_string(),
                };
                let _: Option<serde_json::Value> = send(
                    ctx,
                    reqwest::Method::PUT,
                    url(ctx, &format!("{SCHEDULE_PATH}/{schedule_id}"))?,
                    access_token,
                    Some(&schedule),
                )
                .await?;
                Ok(Some(schedule_id.to_string()))
            }
            None => {
                let schedule = wire::Schedule {
                    schedule_id: None,
                    workout_id,
                    date: date.to_string(),
                };
                let created: Option<wire::ScheduleCreated> = send(
                    ctx,
                    reqwest::Method::POST,
                    url(ctx, &format!("{SCHEDULE_PATH}/"))?,
                    access_token,
                    Some(&schedule),
                )
                .await?;
                Ok(created
                    .as_ref()
                    .and_then(wire::ScheduleCreated::id)
                    .map(|id| id.to_string()))
            }
        }
    }

    async fn delete(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        pushed: &PushedIds,
    ) -> Result<(), ProviderError> {
        if let Some(schedule_id) = pushed.schedule_id.as_deref() {
            let schedule_id = garmin_id(schedule_id)?;
            gone_or_done(
                ctx,
                url(ctx, &format!("{SCHEDULE_PATH}/{schedule_id}"))?,
                access_token,
            )
            .await?;
        }
        let workout_id = garmin_id(&pushed.workout_id)?;
        gone_or_done(
            ctx,
            url(ctx, &format!("{WORKOUT_PATH}/{workout_id}"))?,
            access_token,
        )
        .await
    }
}

/// Garmin's ids are Longs; a stored id that is not one was not written by this adapter.
fn garmin_id(id: &str) -> Result<i64, ProviderError> {
    id.parse()
        .map_err(|_| ProviderError::Malformed(format!("{id:?} is not a Garmin id")))
}

fn url(ctx: &ProviderCtx, path: &str) -> Result<Url, ProviderError> {
    ctx.api_base
        .join(path)
        .map_err(|error| ProviderError::Malformed(format!("Training API URL: {error}")))
}

/// One call with a JSON body (or none); the JSON answer, `None` for an empty one.
async fn send<B: Serialize + Sync, T: DeserializeOwned>(
    ctx: &ProviderCtx,
    method: reqwest::Method,
    url: Url,
    access_token: &SecretString,
    body: Option<&B>,
) -> Result<Option<T>, ProviderError> {
    let mut request = ctx
        .http
        .request(method, url)
        .bearer_auth(access_token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    let (status, headers, body) = read(response).await?;
    if !status.is_success() {
        return Err(classify(status, &headers, &body));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|error| ProviderError::Malformed(format!("Training API answer: {error}")))
}

/// `DELETE url`; a 404 means it is already gone, which is what was asked.
async fn gone_or_done(
    ctx: &ProviderCtx,
    url: Url,
    access_token: &SecretString,
) -> Result<(), ProviderError> {
    let response = ctx
        .http
        .delete(url)
        .bearer_auth(access_token.expose_secret())
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    let (status, headers, body) = read(response).await?;
    if status.is_success() || status == StatusCode::NOT_FOUND {
        return Ok(());
    }
    Err(classify(status, &headers, &body))
}

/// Garmin's answer statuses (§3.2.7): 401/403 token problems, 429 quota, 412 a missing
/// `WORKOUT_IMPORT` permission, 400 a workout Garmin refuses (its `errorMessage` says
/// why, and is safe to repeat: it never holds a token).
fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    let message = serde_json::from_slice::<wire::ErrorBody>(body)
        .ok()
        .and_then(|body| body.error_message)
        .map(|message| message.chars().take(200).collect::<String>());
    match status {
        StatusCode::PRECONDITION_FAILED => ProviderError::Malformed(
            "Garmin refused: the user has not granted the WORKOUT_IMPORT permission (HTTP 412)"
                .to_owned(),
        ),
        StatusCode::BAD_REQUEST => ProviderError::Malformed(format!(
            "Garmin rejected the workout (HTTP 400): {}",
            message.as_deref().unwrap_or("no reason given")
        )),
        other => error::from_status(other, headers, body),
    }
}
