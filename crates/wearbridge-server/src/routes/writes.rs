//! The writes Terra's official SDKs still call (terra-api-notes B.3): `POST /v2/activity`,
//! `POST /v2/body`, `POST /v2/nutrition`, `DELETE /v2/body`, `DELETE /v2/nutrition`.
//!
//! Terra forwards these to the user's provider. Wearbridge stores them like fetched data,
//! so they are readable back through the GET endpoints, and announces the new and changed
//! records with data events, as it does for fetched data.
//!
//! The official SDKs send the POSTs with no user at all (terra-python 1.1:
//! `POST /v2/activity` with `{"data": [...]}` only; the spec declares no user parameter,
//! terra-api-notes open question 9). The user is, in this order: `?user_id=` (what the
//! DELETEs and `plannedWorkout` send, and what an SDK caller adds with
//! `request_options={"additional_query_parameters": {"user_id": ...}}`), a top-level
//! `user_id` in the body (`additional_body_parameters`), or, when the developer has
//! exactly one user, that user (DECISIONS.md, Server).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wearbridge_model::{Activity, Body, DataType, Nutrition, TerraRecord};

use crate::auth::AuthDeveloper;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, QueryParams};
use crate::ingest::{CheckedBatch, IngestRecordsError, check_batch, ingest_records};
use crate::routes::params::{USER_NOT_FOUND, lookup_user, require};
use crate::state::AppState;
use wearbridge_model::TerraUser;
use wearbridge_providers::TerraRecordData;
use wearbridge_store::{Page, StoreError, User};

use crate::wire::{TerraUserDoc, terra_user};

/// Most records accepted in one write.
const MAX_RECORDS_PER_WRITE: usize = 1_000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WriteQuery {
    /// The user the records belong to (see the module docs when absent).
    pub user_id: Option<String>,
}

/// `{"data": [<record>, ...]}`, optionally with the target `user_id`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WriteBody {
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<Value>,
    /// The user the records belong to, when not in the query string.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// `{"user", "log_ids", "message"}` (201).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WriteResponse {
    #[schema(value_type = TerraUserDoc)]
    pub user: TerraUser,
    /// Identities of the stored records, in request order.
    pub log_ids: Vec<String>,
    pub message: &'static str,
}

/// The user a write names: `?user_id=`, else the body's `user_id`, else the developer's
/// only user. Several users and none named is a 400 saying how to name one.
async fn write_target(
    state: &AppState,
    developer: &AuthDeveloper,
    query: &WriteQuery,
    body_user: Option<&str>,
) -> Result<User, ApiError> {
    let named = query
        .user_id
        .as_deref()
        .or(body_user)
        .filter(|id| !id.trim().is_empty());
    if let Some(user_id) = named {
        return lookup_user(state, developer, user_id).await;
    }
    let first_two = Page {
        page: 0,
        per_page: 2,
    };
    let (mut users, total) = state.store.list_users(developer.id(), first_two).await?;
    match (users.pop(), total) {
        (Some(user), 1) => Ok(user),
        (None, _) => Err(ApiError::not_found(USER_NOT_FOUND)),
        (Some(_), total) => Err(ApiError::bad_request(format!(
            "user_id is required: this developer has {total} users; send ?user_id= \
             (terra-python: request_options={{\"additional_query_parameters\": {{\"user_id\": ...}}}})"
        ))),
    }
}

/// Parses, validates and stores the posted records of one type, announcing the new and
/// changed ones with data events.
async fn write_records<T: TerraRecord + Into<TerraRecordData>>(
    state: &AppState,
    developer: &AuthDeveloper,
    query: &WriteQuery,
    body: WriteBody,
    message: &'static str,
) -> Result<(StatusCode, Json<WriteResponse>), ApiError> {
    check_batch_size(body.data.len(), "data")?;
    let CheckedBatch { log_ids, records } =
        check_batch::<T>(body.data).map_err(ApiError::BadRequest)?;
    let user = write_target(state, developer, query, body.user_id.as_deref()).await?;
    ingest_records(&state.store, &user, records, None)
        .await
        .map_err(ingest_failure)?;
    Ok((
        StatusCode::CREATED,
        Json(WriteResponse {
            user: terra_user(&user),
            log_ids,
            message,
        }),
    ))
}

/// A failed [`ingest_records`] as an HTTP answer: the user vanished mid-request is a
/// 404, anything else ours.
pub fn ingest_failure(error: IngestRecordsError) -> ApiError {
    match error {
        IngestRecordsError::Store(StoreError::NotFound) => ApiError::not_found(USER_NOT_FOUND),
        other => ApiError::internal(other),
    }
}

/// At least one record and at most [`MAX_RECORDS_PER_WRITE`], or a 400 naming `field`.
pub fn check_batch_size(len: usize, field: &str) -> Result<(), ApiError> {
    if len == 0 {
        return Err(ApiError::bad_request(format!("{field} must not be empty")));
    }
    if len > MAX_RECORDS_PER_WRITE {
        return Err(ApiError::bad_request(format!(
            "{field} holds {len} entries; at most {MAX_RECORDS_PER_WRITE} are accepted"
        )));
    }
    Ok(())
}

macro_rules! write_endpoint {
    ($fn_name:ident, $model:ty, $path:literal, $operation:literal, $message:literal) => {
        #[utoipa::path(
            post,
            path = $path,
            operation_id = $operation,
            tag = "data",
            params(WriteQuery),
            request_body = WriteBody,
            security(("dev_id" = [], "api_key" = [])),
            responses(
                (status = 201, description = "Stored; readable back through GET", body = WriteResponse),
                (status = 400, description = "Malformed body or parameter", body = ErrorBody),
                (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
                (status = 404, description = "Unknown user", body = ErrorBody),
                (status = 413, description = "Body over the configured limit", body = ErrorBody),
            )
        )]
        async fn $fn_name(
            State(state): State<AppState>,
            developer: AuthDeveloper,
            QueryParams(query): QueryParams<WriteQuery>,
            JsonBody(body): JsonBody<WriteBody>,
        ) -> Result<(StatusCode, Json<WriteResponse>), ApiError> {
            write_records::<$model>(&state, &developer, &query, body, $message).await
        }
    };
}

write_endpoint!(
    post_activity,
    Activity,
    "/v2/activity",
    "activity_write",
    "Activity successfully logged"
);
write_endpoint!(
    post_body,
    Body,
    "/v2/body",
    "body_write",
    "Body data successfully logged"
);
write_endpoint!(
    post_nutrition,
    Nutrition,
    "/v2/nutrition",
    "nutrition_write",
    "Nutrition successfully logged"
);

/// `DELETE /v2/body` body: `{"log_ids": [...]}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeleteBodyRequest {
    pub log_ids: Vec<String>,
}

/// `DELETE /v2/nutrition` body: `{"data": [...]}` (Terra's key differs from `/body`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeleteNutritionRequest {
    pub data: Vec<String>,
}

/// `{"user", "processed_data": [{"id", "response_code"}]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeleteResponse {
    #[schema(value_type = TerraUserDoc)]
    pub user: TerraUser,
    pub processed_data: Vec<ProcessedRecord>,
}

/// Per-record outcome: 200 deleted, 404 no such record for this user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProcessedRecord {
    pub id: String,
    pub response_code: u16,
}

/// Deletes records by identity; 200 when all were deleted, 207 when some were not.
async fn delete_records(
    state: &AppState,
    developer: &AuthDeveloper,
    query: &WriteQuery,
    data_type: DataType,
    ids: Vec<String>,
    field: &str,
) -> Result<(StatusCode, Json<DeleteResponse>), ApiError> {
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    check_batch_size(ids.len(), field)?;
    let user = lookup_user(state, developer, user_id).await?;
    let mut tx = state.store.begin().await?;
    let results = tx
        .delete_records(developer.id(), &user.id, data_type, &ids)
        .await?;
    tx.commit().await?;
    let all_deleted = results.iter().all(|(_, deleted)| *deleted);
    let processed_data = results
        .into_iter()
        .map(|(id, deleted)| ProcessedRecord {
            id,
            response_code: if deleted { 200 } else { 404 },
        })
        .collect();
    let status = if all_deleted {
        StatusCode::OK
    } else {
        StatusCode::MULTI_STATUS
    };
    Ok((
        status,
        Json(DeleteResponse {
            user: terra_user(&user),
            processed_data,
        }),
    ))
}

#[utoipa::path(
    delete,
    path = "/v2/body",
    operation_id = "body_delete",
    tag = "data",
    params(WriteQuery),
    request_body = DeleteBodyRequest,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Every record deleted", body = DeleteResponse),
        (status = 207, description = "Some records were not found", body = DeleteResponse),
        (status = 400, description = "Malformed body or parameter", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
    )
)]
async fn delete_body(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<WriteQuery>,
    JsonBody(body): JsonBody<DeleteBodyRequest>,
) -> Result<(StatusCode, Json<DeleteResponse>), ApiError> {
    delete_records(
        &state,
        &developer,
        &query,
        Body::DATA_TYPE,
        body.log_ids,
        "log_ids",
    )
    .await
}

#[utoipa::path(
    delete,
    path = "/v2/nutrition",
    operation_id = "nutrition_delete",
    tag = "data",
    params(WriteQuery),
    request_body = DeleteNutritionRequest,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Every record deleted", body = DeleteResponse),
        (status = 207, description = "Some records were not found", body = DeleteResponse),
        (status = 400, description = "Malformed body or parameter", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
    )
)]
async fn delete_nutrition(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<WriteQuery>,
    JsonBody(body): JsonBody<DeleteNutritionRequest>,
) -> Result<(StatusCode, Json<DeleteResponse>), ApiError> {
    delete_records(
        &state,
        &developer,
        &query,
        Nutrition::DATA_TYPE,
        body.data,
        "data",
    )
    .await
}

/// The write routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/activity", post(post_activity))
        .route("/v2/body", post(post_body).delete(delete_body))
        .route(
            "/v2/nutrition",
            post(post_nutrition).delete(delete_nutrition),
        )
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    post_activity,
    post_body,
    post_nutrition,
    delete_body,
    delete_nutrition
))]
pub struct WritesApi;
