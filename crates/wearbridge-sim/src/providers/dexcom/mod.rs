//! DEXCOM: the Dexcom API v3 cloud (`https://api.dexcom.com`; the sandbox, EU and Japan
//! hosts have the same paths), under `/dexcom/` with the real paths: OAuth at
//! `/dexcom/v2/oauth2/{login,token}`, data at `/dexcom/v3/users/self/...`. Documented in
//! `docs/simulator.md`, "DEXCOM".
//!
//! Quirks reproduced: the only scope is `offline_access` (the login page refuses others);
//! client credentials go in the token form; the token answer is Dexcom's (no `scope`, no
//! user id; access tokens last two hours; refresh tokens are single-use and rotate); no
//! revocation endpoint (a user removes access in their Dexcom account:
//! `OAuthServer::revoke_account`); no push; collections are read by time window of at most
//! 30 days, with the three time notations of Dexcom's display devices ([`render`]); data
//! appears only once uploaded ([`uploads`]).

mod data;
pub mod render;
mod uploads;

#[cfg(test)]
mod tests;

pub(crate) use uploads::Uploads;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::SimState;
use crate::oauth::{self, ClientAuthStyle, OAuthServer, OAuthSettings};
use crate::providers::common::ApiError;

pub const AUTHORIZE_PATH: &str = "/dexcom/v2/oauth2/login";
pub const TOKEN_PATH: &str = "/dexcom/v2/oauth2/token";
pub const API_PREFIX: &str = "/dexcom/v3/users/self";

/// Dexcom access tokens last two hours (`expires_in: 7200`).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(7_200);
/// Dexcom's one scope.
pub const SCOPE: &str = "offline_access";

/// The Dexcom cloud for [`super::SimProvider::Dexcom`].
pub(crate) struct Cloud;

impl super::SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        oauth_settings()
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        router(oauth, sim)
    }

    fn token_paths(&self) -> &'static [&'static str] {
        &[TOKEN_PATH]
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "Dexcom",
        authorize_path: AUTHORIZE_PATH,
        client_auth: ClientAuthStyle::Body,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        code_ttl: Duration::from_secs(600),
        rotate_refresh_tokens: true,
    }
}

#[derive(Clone)]
struct DexcomState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    Router::new()
        .route(AUTHORIZE_PATH, get(login_page).post(login_submit))
        .route(TOKEN_PATH, post(token))
        .route("/dexcom/v3/users/self/egvs", get(data::egvs))
        .route("/dexcom/v3/users/self/events", get(data::events))
        .route(
            "/dexcom/v3/users/self/calibrations",
            get(data::calibrations),
        )
        .route("/dexcom/v3/users/self/alerts", get(data::alerts))
        .route("/dexcom/v3/users/self/devices", get(data::devices))
        .route("/dexcom/v3/users/self/dataRange", get(data::data_range))
        .with_state(DexcomState { oauth, sim })
}

#[derive(Deserialize)]
struct ScopeOnly {
    scope: Option<String>,
}

/// Dexcom's login refuses a request without `scope=offline_access`.
fn scope_problem(fields: Result<ScopeOnly, serde_urlencoded::de::Error>) -> Option<Response> {
    let offline = fields
        .ok()
        .and_then(|fields| fields.scope)
        .is_some_and(|scope| scope.split([' ', ',']).any(|s| s == SCOPE));
    (!offline).then(|| ApiError::bad_request(format!("scope must be {SCOPE}")).into_response())
}

async fn login_page(State(state): State<DexcomState>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    scope_problem(serde_urlencoded::from_str(&query))
        .unwrap_or_else(|| oauth::authorize_query(&state.oauth, Some(&query)))
}

async fn login_submit(State(state): State<DexcomState>, body: Bytes) -> Response {
    scope_problem(serde_urlencoded::from_bytes(&body))
        .unwrap_or_else(|| oauth::authorize_form(&state.oauth, &body))
}

/// The shared token endpoint, answered in Dexcom's shape: `access_token`, `expires_in`,
/// `token_type`, `refresh_token` (no `scope`, no user id).
async fn token(State(state): State<DexcomState>, headers: HeaderMap, body: Bytes) -> Response {
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
    fields.remove("scope");
    let mut reshaped = axum::Json(serde_json::Value::Object(fields)).into_response();
    if let Some(value) = parts.headers.get(header::CACHE_CONTROL) {
        reshaped
            .headers_mut()
            .insert(header::CACHE_CONTROL, value.clone());
    }
    reshaped
}
