//! `POST /v2/providers/{provider}/webhook`: where providers push notifications, plus the
//! verification handshakes (`GET ?challenge=`, `HEAD`). Public (providers carry no
//! Wearbridge credentials); authenticity comes from the provider's signature
//! ([`crate::sync::push`]). The answer is sent once the fetch jobs are queued, so the
//! provider's delivery does not wait for any provider call.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use wearbridge_providers::PushRequest;

use crate::error::{ApiError, ErrorBody};
use crate::extract::RawBody;
use crate::state::AppState;
use crate::sync::push::{self, PushError, PushReply};

/// Acknowledgement of a push.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PushAck {
    /// `"ok"`.
    pub status: &'static str,
    /// Notifications in the body.
    pub notifications: usize,
    /// Fetch jobs queued (duplicates of pending fetches are not queued again).
    pub queued: usize,
    /// Records stored from providers that push the data itself (new or changed only).
    pub stored: usize,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HandshakeQuery {
    /// The provider's verification parameters (SANDBOX: `challenge`, echoed as text;
    /// Oura: `verification_token` and `challenge`).
    pub challenge: Option<String>,
}

fn api_error(error: PushError) -> ApiError {
    use wearbridge_providers::PushError as Refused;
    match error {
        PushError::UnknownProvider(_)
        | PushError::NotEnabled(_)
        | PushError::Provider(Refused::NotSupported(_)) => ApiError::not_found(error.to_string()),
        PushError::Provider(Refused::BadSignature) => ApiError::Unauthorized,
        PushError::Provider(Refused::Malformed(_)) => ApiError::bad_request(error.to_string()),
        PushError::Store(store) => ApiError::internal(store),
        PushError::Ingest(message) => ApiError::internal(anyhow::anyhow!(message)),
    }
}

async fn answer(
    state: &AppState,
    provider: &str,
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request = PushRequest {
        method: method.as_str(),
        headers,
        query,
        body,
    };
    match push::handle(&state.services(), provider, &request)
        .await
        .map_err(api_error)?
    {
        PushReply::Handshake {
            status,
            content_type,
            body,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            Ok(response)
        }
        PushReply::Accepted(outcome) => Ok(Json(PushAck {
            status: "ok",
            notifications: outcome.notifications,
            queued: outcome.queued,
            stored: outcome.stored,
        })
        .into_response()),
    }
}

#[utoipa::path(
    post,
    path = "/v2/providers/{provider}/webhook",
    operation_id = "provider_push",
    tag = "sync",
    params(("provider" = String, Path, description = "Provider id, e.g. SANDBOX")),
    request_body(content = Object, description = "The provider's own notification format (SANDBOX: see the sync section of ARCHITECTURE.md; the others: docs/simulator.md)"),
    responses(
        (status = 200, description = "Notifications accepted: fetches queued or pushed data stored", body = PushAck),
        (status = 400, description = "Malformed notification", body = ErrorBody),
        (status = 401, description = "Missing or invalid provider signature", body = ErrorBody),
        (status = 404, description = "Unknown provider, or one that does not push", body = ErrorBody),
    )
)]
async fn receive(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    answer(
        &state,
        &provider,
        &Method::POST,
        &headers,
        query.as_deref(),
        &body,
    )
    .await
}

#[utoipa::path(
    get,
    path = "/v2/providers/{provider}/webhook",
    operation_id = "provider_push_handshake",
    tag = "sync",
    params(("provider" = String, Path, description = "Provider id"), HandshakeQuery),
    responses(
        (status = 200, description = "The provider's verification answer (SANDBOX: the challenge echoed as text; empty for a reachability check)", body = String),
        (status = 401, description = "Wrong verification token", body = ErrorBody),
        (status = 404, description = "Unknown provider, or one that does not push", body = ErrorBody),
    )
)]
async fn handshake(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    answer(&state, &provider, &method, &headers, query.as_deref(), b"").await
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
