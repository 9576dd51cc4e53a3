//! `POST /v2/providers/{provider}/webhook`: where providers push notifications, plus the
//! verification handshakes (`GET ?challenge=`, `HEAD`). Public (providers carry no
//! Wearbridge credentials); authenticity comes from the provider's signature
//! ([`crate::sync::push`]). The answer is sent once the fetch jobs are queued, so the
//! provider's delivery does not wait for any provider call.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::sync::push::{self, PushError, SANDBOX_SIGNATURE_HEADER};

/// Acknowledgement of a push.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PushAck {
    /// `"ok"`.
    pub status: &'static str,
    /// Notifications in the body.
    pub notifications: usize,
    /// Fetch jobs queued (duplicates of pending fetches are not queued again).
    pub queued: usize,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HandshakeQuery {
    /// The value to echo (SANDBOX's verification handshake).
    pub challenge: Option<String>,
}

fn api_error(error: PushError) -> ApiError {
    match error {
        PushError::UnknownProvider(_) | PushError::NoPush(_) => {
            ApiError::not_found(error.to_string())
        }
        PushError::BadSignature => ApiError::Unauthorized,
        PushError::Malformed(_) => ApiError::bad_request(error.to_string()),
        PushError::Store(store) => ApiError::internal(store),
    }
}

#[utoipa::path(
    post,
    path = "/v2/providers/{provider}/webhook",
    operation_id = "provider_push",
    tag = "sync",
    params(("provider" = String, Path, description = "Provider id, e.g. SANDBOX")),
    request_body(content = Object, description = "The provider's own notification format (SANDBOX: see the sync section of ARCHITECTURE.md)"),
    responses(
        (status = 200, description = "Notifications accepted and fetches queued", body = PushAck),
        (status = 400, description = "Malformed notification", body = ErrorBody),
        (status = 401, description = "Missing or invalid provider signature", body = ErrorBody),
        (status = 404, description = "Unknown provider, or one that does not push", body = ErrorBody),
    )
)]
async fn receive(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PushAck>, ApiError> {
    let signature = headers
        .get(SANDBOX_SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok());
    let outcome = push::accept(&state, &provider, signature, &body)
        .await
        .map_err(api_error)?;
    Ok(Json(PushAck {
        status: "ok",
        notifications: outcome.notifications,
        queued: outcome.queued,
    }))
}

#[utoipa::path(
    get,
    path = "/v2/providers/{provider}/webhook",
    operation_id = "provider_push_handshake",
    tag = "sync",
    params(("provider" = String, Path, description = "Provider id"), HandshakeQuery),
    responses(
        (status = 200, description = "The challenge, echoed as text (or empty for a reachability check)", body = String),
        (status = 404, description = "Unknown provider, or one that does not push", body = ErrorBody),
    )
)]
async fn handshake(
    Path(provider): Path<String>,
    Query(query): Query<HandshakeQuery>,
) -> Result<Response, ApiError> {
    let answer = push::handshake(&provider, query.challenge.as_deref()).map_err(api_error)?;
    Ok((StatusCode::OK, answer.unwrap_or_default()).into_response())
}

/// The provider push routes (public; `GET` also answers `HEAD`).
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/v2/providers/{provider}/webhook",
        get(handshake).post(receive),
    )
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(receive, handshake))]
pub struct ProviderPushApi;
