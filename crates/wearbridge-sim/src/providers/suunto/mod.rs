//! SUUNTO: the Suunto Cloud API (`https://cloudapi-oauth.suunto.com` for OAuth,
//! `https://cloudapi.suunto.com` for data), under `/suunto/` with the real paths: OAuth at
//! `/suunto/oauth/{authorize,token,deauthorize}`, data at `/suunto/api/...`. Documented in
//! `docs/simulator.md`, "SUUNTO".
//!
//! Quirks reproduced: client credentials as HTTP Basic only, 24-hour access tokens, the
//! token answer naming the account as `user` (Suunto's username) with `scope: "workout"`,
//! deauthorization by `GET /oauth/deauthorize?client_id=` with the bearer token, the Azure
//! APIM gate (every data call needs a non-empty `Ocp-Apim-Subscription-Key`, else APIM's
//! own 401 body), answers wrapped in `{error, payload, metadata}` for workouts, the workout
//! list paged by `since`/`limit` (≤ 100)/`offset`, 24/7 samples limited to 28 days a
//! request, and full-payload pushes signed with `X-HMAC-SHA256-Signature` (lower-case hex
//! HMAC-SHA256 of the body under the notification secret).
//!
//! This file holds the cloud, its settings, routes and OAuth; the data endpoints are in
//! [`data`], documents and workout keys in [`wire`], pushes in [`push`].

mod data;
pub mod push;
mod wire;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::SimState;
use crate::oauth::{self, ClientAuthStyle, OAuthServer, OAuthSettings};
use crate::providers::common::bearer_token;

pub const AUTHORIZE_PATH: &str = "/suunto/oauth/authorize";
pub const TOKEN_PATH: &str = "/suunto/oauth/token";
pub const DEAUTHORIZE_PATH: &str = "/suunto/oauth/deauthorize";
pub const API_PREFIX: &str = "/suunto/api";

/// Suunto access tokens last a day (`expires_in` ≈ 86 400).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(24 * 3_600);

/// The Suunto cloud for [`super::SimProvider::Suunto`].
pub(crate) struct Cloud;

impl super::SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        oauth_settings()
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        router(oauth, sim)
    }

    fn token_paths(&self) -> &'static [&'static str] {
        &[TOKEN_PATH, DEAUTHORIZE_PATH]
    }

    /// Signed with `secret` (the app's notification secret).
    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        secret: &str,
    ) -> Option<super::PushMessage> {
        push::push_message(&sim.person(account), account, data_type, date, secret)
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "Suunto",
        authorize_path: AUTHORIZE_PATH,
        client_auth: ClientAuthStyle::Basic,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        code_ttl: Duration::from_secs(600),
        // Suunto's refresh tokens are long-lived (about 180 days) and not replaced.
        rotate_refresh_tokens: false,
    }
}

#[derive(Clone)]
struct SuuntoState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    let state = SuuntoState { oauth, sim };
    let api = |path: &str| format!("{API_PREFIX}{path}");
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, axum::routing::post(token))
        .route(DEAUTHORIZE_PATH, get(deauthorize))
        .route(&api("/v3/workouts/"), get(data::list))
        .route(&api("/v3/workouts"), get(data::list))
        .route(&api("/v3/workouts/{key}"), get(data::workout))
        .route(&api("/247samples/sleep"), get(data::sleep))
        .route(
            &api("/247/daily-activity-statistics"),
            get(data::daily_statistics),
        )
        .with_state(state)
}

async fn authorize_page(State(state): State<SuuntoState>, RawQuery(query): RawQuery) -> Response {
    oauth::authorize_query(&state.oauth, query.as_deref())
}

async fn authorize_submit(State(state): State<SuuntoState>, body: Bytes) -> Response {
    oauth::authorize_form(&state.oauth, &body)
}

/// The shared token endpoint (Basic client authentication only), its success reshaped as
/// Suunto answers: `{access_token, token_type, refresh_token, expires_in, scope, user,
/// jti}`, `user` being the account's username. Failures stay RFC 6749 bodies, as Suunto's
/// Spring OAuth server writes them.
async fn token(State(state): State<SuuntoState>, headers: HeaderMap, body: Bytes) -> Response {
    let response = oauth::token(&state.oauth, &headers, &body);
    let status = response.status();
    if !status.is_success() {
        return response;
    }
    let Ok(bytes) = to_bytes(response.into_body(), 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let standard: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let answer = json!({
        "access_token": standard["access_token"],
        "token_type": "bearer",
        "refresh_token": standard["refresh_token"],
        "expires_in": standard["expires_in"],
        "scope": "workout",
        "user": standard["user_id"],
        "jti": crate::oauth::random_token("jti"),
    });
    let mut reshaped = axum::Json(answer).into_response();
    reshaped.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    reshaped
}

/// `GET /oauth/deauthorize?client_id=…` with the bearer token: ends the whole grant.
async fn deauthorize(
    State(state): State<SuuntoState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let fields: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    if fields.get("client_id").is_none_or(|id| id.is_empty()) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "client_id");
    }
    let token = bearer_token(&headers).unwrap_or_default().to_owned();
    if token.is_empty() || state.oauth.check_access(&token).is_err() {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token", "access token");
    }
    state.oauth.revoke_token(&token);
    StatusCode::OK.into_response()
}

fn oauth_error(status: StatusCode, error: &str, what: &str) -> Response {
    let body = json!({"error": error, "error_description": format!("bad or missing {what}")});
    (status, axum::Json(body)).into_response()
}
