//! Strava's OAuth on top of the shared server: comma-separated scopes from Strava's list
//! (anything else is refused before the consent page), the granted `scope` on the
//! redirect, the token answer reshaped (`expires_at`, the summary `athlete` on a code
//! exchange, no `scope` or `user_id`), errors as Strava's `Fault` bodies, and
//! deauthorization (`POST /oauth/deauthorize` with `access_token`).

use std::collections::HashMap;

use axum::body::{Bytes, to_bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};
use url::Url;

use super::{StravaState, fault, wire};
use crate::oauth;
use crate::providers::common::bearer_token;

/// Strava's scopes (developers.strava.com/docs/authentication).
pub const SCOPES: [&str; 7] = [
    "read",
    "read_all",
    "profile:read_all",
    "profile:write",
    "activity:read",
    "activity:read_all",
    "activity:write",
];

/// The `scope` parameter, if it is a comma-separated list of Strava scopes.
fn valid_scope(fields: &HashMap<String, String>) -> Option<String> {
    let scope = fields.get("scope")?;
    scope
        .split(',')
        .all(|one| SCOPES.contains(&one))
        .then(|| scope.clone())
}

fn fields(text: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(text).into_owned().collect()
}

fn bad_scope() -> Response {
    fault(
        StatusCode::BAD_REQUEST,
        "Bad Request",
        "Authorize",
        "scope",
        "invalid",
    )
}

/// Adds the granted `scope` to a successful consent redirect, as Strava reports it.
fn with_scope(response: Response, scope: &str) -> Response {
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Url::parse(value).ok());
    let Some(mut target) = location.filter(|url| url.query_pairs().any(|(k, _)| k == "code"))
    else {
        return response;
    };
    target.query_pairs_mut().append_pair("scope", scope);
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

pub(super) async fn authorize_page(
    State(state): State<StravaState>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let Some(scope) = valid_scope(&fields(query.as_bytes())) else {
        return bad_scope();
    };
    with_scope(oauth::authorize_query(&state.oauth, Some(&query)), &scope)
}

pub(super) async fn authorize_submit(State(state): State<StravaState>, body: Bytes) -> Response {
    let Some(scope) = valid_scope(&fields(&body)) else {
        return bad_scope();
    };
    with_scope(oauth::authorize_form(&state.oauth, &body), &scope)
}

/// The shared token endpoint, answered as Strava: `{token_type, expires_at, expires_in,
/// refresh_token, access_token}` plus the summary `athlete` for a code exchange; failures
/// as `Fault` bodies naming what was invalid.
pub(super) async fn token(
    State(state): State<StravaState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = fields(&body);
    let exchange = form.get("grant_type").map(String::as_str) == Some("authorization_code");
    let response = oauth::token(&state.oauth, &headers, &body);
    let status = response.status();
    let Ok(bytes) = to_bytes(response.into_body(), 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let standard: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !status.is_success() {
        return match standard["error"].as_str() {
            Some("invalid_grant") if exchange => fault(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "AuthorizationCode",
                "code",
                "invalid",
            ),
            Some("invalid_grant") => fault(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "RefreshToken",
                "refresh_token",
                "invalid",
            ),
            Some("invalid_client") => fault(
                StatusCode::UNAUTHORIZED,
                "Authorization Error",
                "Application",
                "client_id",
                "invalid",
            ),
            _ => fault(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "Application",
                "grant_type",
                "invalid",
            ),
        };
    }
    let expires_in = standard["expires_in"].as_i64().unwrap_or(0);
    let mut answer = json!({
        "token_type": "Bearer",
        "expires_at": Utc::now().timestamp() + expires_in,
        "expires_in": expires_in,
        "refresh_token": standard["refresh_token"],
        "access_token": standard["access_token"],
    });
    if exchange && let Value::Object(fields) = &mut answer {
        let account = standard["user_id"].as_str().unwrap_or_default();
        let person = state.sim.person(account);
        fields.insert("athlete".into(), wire::athlete(&person, account, false));
    }
    let mut reshaped = axum::Json(answer).into_response();
    reshaped.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    reshaped
}

/// `POST /oauth/deauthorize`: the access token in the form (or as a bearer header) ends
/// the whole grant; the answer echoes it.
pub(super) async fn deauthorize(
    State(state): State<StravaState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = fields(&body);
    let token = form
        .get("access_token")
        .cloned()
        .or_else(|| bearer_token(&headers).map(str::to_owned))
        .unwrap_or_default();
    if token.is_empty() || state.oauth.check_access(&token).is_err() {
        return fault(
            StatusCode::UNAUTHORIZED,
            "Authorization Error",
            "Athlete",
            "access_token",
            "invalid",
        );
    }
    state.oauth.revoke_token(&token);
    axum::Json(json!({ "access_token": token })).into_response()
}
