//! `GET /wearbridge/v1/users/{user_id}/sync`: backfill progress of one connection. Our
//! own prefix, because Terra's API has no such resource.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::auth::AuthDeveloper;
use crate::error::{ApiError, ErrorBody};
use crate::routes::params::lookup_user;
use crate::state::AppState;
use crate::sync::status::{SyncStatus, sync_status};

#[utoipa::path(
    get,
    path = "/wearbridge/v1/users/{user_id}/sync",
    operation_id = "wearbridge_sync_status",
    tag = "sync",
    params(("user_id" = String, Path, description = "Terra user id")),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Backfills of the connection: per type, which day ranges are done, running, failed or pending, and a completion marker", body = SyncStatus),
        (status = 400, description = "Malformed user id", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "No such user for this developer", body = ErrorBody),
    )
)]
async fn status(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    Path(user_id): Path<String>,
) -> Result<Json<SyncStatus>, ApiError> {
    let user = lookup_user(&state, &developer, &user_id).await?;
    let adapter = state.providers.get(&user.provider);
    let types = adapter.as_ref().map(|provider| provider.supported_types());
    Ok(Json(sync_status(&state.store, &user, types).await?))
}

/// The sync status route (developer credentials).
pub fn router() -> Router<AppState> {
    Router::new().route("/wearbridge/v1/users/{user_id}/sync", get(status))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(status))]
pub struct SyncStatusApi;
