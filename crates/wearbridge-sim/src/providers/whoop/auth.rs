//! WHOOP's OAuth quirks on top of the shared server: the 8-character minimum `state`, the
//! token answer reshaped (no `user_id`; a refresh token only with `offline`), and
//! revocation by `DELETE /developer/v2/user/access`. Separate from the data endpoints,
//! which only check the tokens issued here.

use axum::body::{Bytes, to_bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::WhoopState;
use crate::oauth;
use crate::providers::common::{ApiError, authenticate, bearer_token};

/// WHOOP's shortest accepted `state`.
const MIN_STATE_LEN: usize = 8;

#[derive(Deserialize)]
struct StateOnly {
    state: Option<String>,
}

/// WHOOP refuses a `state` shorter than 8 characters before showing anything.
fn state_problem(fields: Result<StateOnly, serde_urlencoded::de::Error>) -> Option<Response> {
    let long_enough = fields
        .ok()
        .and_then(|fields| fields.state)
        .is_some_and(|state| state.chars().count() >= MIN_STATE_LEN);
    (!long_enough).then(|| {
        ApiError::bad_request(format!(
            "state is required and must be at least {MIN_STATE_LEN} characters"
        ))
        .into_response()
    })
}

pub(super) async fn authorize_page(
    State(state): State<WhoopState>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    state_problem(serde_urlencoded::from_str(&query))
        .unwrap_or_else(|| oauth::authorize_query(&state.oauth, Some(&query)))
}

pub(super) async fn authorize_submit(State(state): State<WhoopState>, body: Bytes) -> Response {
    state_problem(serde_urlencoded::from_bytes(&body))
        .unwrap_or_else(|| oauth::authorize_form(&state.oauth, &body))
}

/// The shared token endpoint, reshaped as WHOOP answers: no `user_id`, and no
/// `refresh_token` unless the grant has the `offline` scope.
pub(super) async fn token(
    State(state): State<WhoopState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let response = oauth::token(&state.oauth, &headers, &body);
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_slice(&bytes) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    fields.remove("user_id");
    let offline = fields
        .get("scope")
        .and_then(|scope| scope.as_str())
        .is_some_and(|scope| scope.split(' ').any(|s| s == "offline"));
    if !offline {
        fields.remove("refresh_token");
    }
    let mut reshaped = axum::Json(serde_json::Value::Object(fields)).into_response();
    if let Some(value) = parts.headers.get(header::CACHE_CONTROL) {
        reshaped
            .headers_mut()
            .insert(header::CACHE_CONTROL, value.clone());
    }
    reshaped
}

/// `DELETE /developer/v2/user/access`: ends the grant of the presented access token.
pub(super) async fn revoke(State(state): State<WhoopState>, headers: HeaderMap) -> Response {
    match authenticate(&state.oauth, &headers) {
        Ok(_) => {
            let token = bearer_token(&headers).unwrap_or_default();
            state.oauth.revoke_token(token);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => error.into_response(),
    }
}
