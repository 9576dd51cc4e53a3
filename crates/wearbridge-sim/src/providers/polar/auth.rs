//! How a client gets and loses access to a Polar user: the OAuth endpoints (the shared
//! server's token answer reshaped as Polar's) and AccessLink user registration
//! (`POST /v3/users`, `GET`/`DELETE /v3/users/{id}`), without which data endpoints answer
//! 403. Separate from the data handlers, which only read what these grant.

use std::sync::PoisonError;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PolarState, polar_error, polar_user_id, registered, wire};
use crate::oauth;
use crate::providers::common::authenticate;

// ---------------------------------------------------------------------------------------
// OAuth.

/// The shared token endpoint, answered in Polar's shape: `{access_token, token_type:
/// "bearer", expires_in, x_user_id}`, no refresh token, no scope.
pub(super) async fn token(
    State(state): State<PolarState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let response = oauth::token(&state.oauth, &headers, &body);
    if response.status() != StatusCode::OK {
        return response;
    }
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let Ok(standard) = serde_json::from_slice::<Value>(&bytes) else {
        return polar_error(StatusCode::INTERNAL_SERVER_ERROR, "token answer unreadable");
    };
    let account = standard
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    axum::Json(json!({
        "access_token": standard.get("access_token"),
        "token_type": "bearer",
        "expires_in": standard.get("expires_in"),
        "x_user_id": polar_user_id(account),
    }))
    .into_response()
}

// ---------------------------------------------------------------------------------------
// Users.

#[derive(Deserialize)]
struct Register {
    #[serde(rename = "member-id")]
    member_id: String,
}

pub(super) async fn register(
    State(state): State<PolarState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let account = match authenticate(&state.oauth, &headers) {
        Ok(account) => account,
        Err(error) => return error.into_response(),
    };
    let Ok(request) = serde_json::from_slice::<Register>(&body) else {
        return polar_error(
            StatusCode::BAD_REQUEST,
            "body must be {\"member-id\": \"...\"}",
        );
    };
    {
        let mut registered = state
            .registered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if registered.contains_key(&account)
            || registered
                .values()
                .any(|member| *member == request.member_id)
        {
            return polar_error(
                StatusCode::CONFLICT,
                "User already registered to partner or duplicated member-id",
            );
        }
        registered.insert(account.clone(), request.member_id.clone());
    }
    let person = state.sim.person(&account);
    axum::Json(wire::user(
        &person,
        polar_user_id(&account),
        &request.member_id,
    ))
    .into_response()
}

pub(super) async fn get_user(
    State(state): State<PolarState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (account, member) = match registered(&state, &headers) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    if id != polar_user_id(&account).to_string() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let person = state.sim.person(&account);
    axum::Json(wire::user(&person, polar_user_id(&account), &member)).into_response()
}

/// Deregistration ends the user's access token too, as Polar documents.
pub(super) async fn delete_user(
    State(state): State<PolarState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let account = match authenticate(&state.oauth, &headers) {
        Ok(account) => account,
        Err(error) => return error.into_response(),
    };
    if id != polar_user_id(&account).to_string() {
        return polar_error(StatusCode::FORBIDDEN, "not this token's user");
    }
    state
        .registered
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&account);
    state.oauth.revoke_account(&account);
    StatusCode::NO_CONTENT.into_response()
}
