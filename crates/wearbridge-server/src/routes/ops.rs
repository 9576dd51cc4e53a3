//! Operational endpoints outside Terra's API: `/health`, `/ready`, `/metrics`,
//! `/openapi.json`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusBody {
    pub status: &'static str,
}

#[utoipa::path(
    get,
    path = "/health",
    operation_id = "health",
    tag = "operations",
    responses((status = 200, description = "The process is up", body = StatusBody))
)]
async fn health() -> Json<StatusBody> {
    Json(StatusBody { status: "ok" })
}

#[utoipa::path(
    get,
    path = "/ready",
    operation_id = "ready",
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = StatusBody),
        (status = 503, description = "The database does not answer", body = crate::error::ErrorBody),
    )
)]
async fn ready(State(state): State<AppState>) -> Result<Json<StatusBody>, ApiError> {
    match state.store.ping().await {
        Ok(()) => Ok(Json(StatusBody { status: "ready" })),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            Err(ApiError::Rejected {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: "database unavailable".to_owned(),
            })
        }
    }
}

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    responses((status = 200, description = "OpenMetrics text: request counts and latencies by route template and status", content_type = "application/openmetrics-text"))
)]
async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let text = state.metrics.render().map_err(ApiError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        text,
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    responses((status = 200, description = "This document", content_type = "application/json"))
)]
async fn openapi_document() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}

/// The operational routes (no credentials).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_document))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(health, ready, metrics, openapi_document))]
pub struct OpsApi;
