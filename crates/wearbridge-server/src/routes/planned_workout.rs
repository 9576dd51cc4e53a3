//! The SDK-era planned workouts the official SDKs call (terra-api-notes B.3; terra-python
//! 1.1 `client.plannedworkout.*`): `POST|GET|DELETE /v2/plannedWorkout`. The work is in
//! [`crate::workouts::sdk`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::auth::AuthDeveloper;
use crate::dates::DateRange;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, QueryParams};
use crate::routes::data::DataQuery;
use crate::routes::params::{lookup_user, parse_bool, require};
use crate::routes::writes::{
    DeleteResponse, ProcessedRecord, WriteBody, WriteQuery, WriteResponse,
};
use crate::state::AppState;
use crate::wire::{RawJson, data_response_body, terra_user};
use crate::workouts::sdk;
use wearbridge_model::DataType;

/// `DELETE /v2/plannedWorkout` body: `{"data": [ids]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeletePlannedRequest {
    pub data: Vec<String>,
}

#[utoipa::path(post, path = "/v2/plannedWorkout", operation_id = "plannedworkout_write",
    tag = "data", params(WriteQuery), request_body = WriteBody,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 201, description = "Pushed to the user's provider and stored", body = WriteResponse),
        (status = 400, description = "Malformed body, or a provider that takes no planned workouts", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
        (status = 424, description = "The provider rejected a workout; nothing was stored", body = ErrorBody),
    ))]
async fn write_planned(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<WriteQuery>,
    JsonBody(body): JsonBody<WriteBody>,
) -> Result<(StatusCode, Json<WriteResponse>), ApiError> {
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    sdk::check_batch(body.data.len())?;
    let user = lookup_user(&state, &developer, user_id).await?;
    let log_ids = sdk::write(&state.services(), &user, body.data).await?;
    Ok((
        StatusCode::CREATED,
        Json(WriteResponse {
            user: terra_user(&user),
            log_ids,
            message: sdk::WRITE_MESSAGE,
        }),
    ))
}

#[utoipa::path(get, path = "/v2/plannedWorkout", operation_id = "plannedworkout_fetch",
    tag = "data", params(DataQuery), security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "`{user, data, type}` (to_webhook=false), else the acknowledgement", body = Object),
        (status = 400, description = "Malformed parameter", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
    ))]
async fn fetch_planned(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<DataQuery>,
) -> Result<RawJson, ApiError> {
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    let start = require(query.start_date.as_deref(), "start_date")?;
    let range = DateRange::parse(start, query.end_date.as_deref())?;
    let to_webhook = parse_bool(query.to_webhook.as_deref(), "to_webhook", true)?;
    let user = lookup_user(&state, &developer, user_id).await?;
    // Planned dates are calendar days: a range of instants covers the days it touches.
    let (first, last) = range.local_days().unwrap_or_else(|| {
        let last_instant = range.end() - chrono::Duration::microseconds(1);
        (range.start().date_naive(), last_instant.date_naive())
    });
    let services = state.services();
    let rows = sdk::read(&services, &user, first, last).await?;
    if to_webhook {
        return sdk::announce(&services, &user, &rows)
            .await
            .map(RawJson::from)
            .map_err(ApiError::from);
    }
    let bodies: Vec<String> = rows.into_iter().filter_map(|row| row.sdk_body).collect();
    data_response_body(&terra_user(&user), &bodies, DataType::PlannedWorkout).map(RawJson::from)
}

#[utoipa::path(delete, path = "/v2/plannedWorkout", operation_id = "plannedworkout_delete",
    tag = "data", params(WriteQuery), request_body = DeletePlannedRequest,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Every workout deleted, at the provider too", body = DeleteResponse),
        (status = 207, description = "Some were unknown (404) or kept by the provider (424)", body = DeleteResponse),
        (status = 400, description = "Malformed body or parameter", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
    ))]
async fn delete_planned(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<WriteQuery>,
    JsonBody(body): JsonBody<DeletePlannedRequest>,
) -> Result<(StatusCode, Json<DeleteResponse>), ApiError> {
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    sdk::check_batch(body.data.len())?;
    let user = lookup_user(&state, &developer, user_id).await?;
    let results = sdk::delete(&state.services(), &user, &body.data).await?;
    let status = if results.iter().all(|(_, code)| *code == 200) {
        StatusCode::OK
    } else {
        StatusCode::MULTI_STATUS
    };
    let processed_data = results
        .into_iter()
        .map(|(id, response_code)| ProcessedRecord { id, response_code })
        .collect();
    Ok((
        status,
        Json(DeleteResponse {
            user: terra_user(&user),
            processed_data,
        }),
    ))
}

/// The SDK-era planned workout routes.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/v2/plannedWorkout",
        post(write_planned)
            .get(fetch_planned)
            .delete(delete_planned),
    )
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(write_planned, fetch_planned, delete_planned))]
pub struct PlannedWorkoutApi;
