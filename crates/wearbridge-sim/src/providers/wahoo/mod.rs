//! WAHOO: the Wahoo Cloud API (`https://api.wahooligan.com`), under `/wahoo/` with the real
//! paths: OAuth at `/wahoo/oauth/{authorize,token}`, data at `/wahoo/v1/...`, revocation at
//! `DELETE /wahoo/v1/permissions`. Documented in `docs/simulator.md`, "WAHOO".
//!
//! Quirks reproduced: space-separated scopes from Wahoo's list (anything else is refused
//! before the consent page); client credentials in the token request; Doorkeeper's token
//! answer (`access_token, token_type, expires_in, refresh_token, scope, created_at`, no
//! user id), two-hour access tokens and single-use refresh tokens (a used one is refused
//! with `invalid_grant`); `DELETE /v1/permissions` ending the whole grant; the workout
//! list paged by `page`/`per_page`, newest first, with each workout's summary embedded and
//! its metrics as decimal strings; the `workout_summary` webhook carrying the portal's
//! webhook token; and 429s with Wahoo's three-window `X-RateLimit-*` headers.
//!
//! This file holds the cloud, its settings, state, routes and OAuth; the data endpoints
//! and documents are in [`data`], webhooks in [`push`].

mod data;
pub mod push;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use serde_json::Value;

use crate::SimState;
use crate::faults::FaultKind;
use crate::oauth::{self, ClientAuthStyle, OAuthServer, OAuthSettings};
use crate::providers::common::ApiError;

pub const AUTHORIZE_PATH: &str = "/wahoo/oauth/authorize";
pub const TOKEN_PATH: &str = "/wahoo/oauth/token";
pub const PERMISSIONS_PATH: &str = "/wahoo/v1/permissions";
pub const API_PREFIX: &str = "/wahoo/v1";

/// Wahoo access tokens last two hours (`expires_in` 7200).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(7_200);

/// Wahoo's scopes (Cloud API reference, "Authentication").
pub const SCOPES: [&str; 12] = [
    "email",
    "user_read",
    "user_write",
    "workouts_read",
    "workouts_write",
    "offline_data",
    "plans_read",
    "plans_write",
    "routes_read",
    "routes_write",
    "power_zones_read",
    "power_zones_write",
];

/// Wahoo's production limits as its headers state them: day, hour, 5 minutes.
pub const RATE_LIMIT: &str = "5000, 1000, 200";

/// The Wahoo cloud for [`super::SimProvider::Wahoo`].
pub(crate) struct Cloud;

impl super::SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        oauth_settings()
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        router(oauth, sim)
    }

    fn token_paths(&self) -> &'static [&'static str] {
        &[TOKEN_PATH, PERMISSIONS_PATH]
    }

    /// `secret` is the webhook token the app set in Wahoo's developer portal; the delivery
    /// carries it ([`push::push_message`]).
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

    /// Wahoo's rate limit: 429 with its three-window headers and the reset seconds.
    fn fault_response(&self, kind: &FaultKind) -> Option<Response> {
        match kind {
            FaultKind::RateLimit { retry_after_s } => Some(rate_limit_response(*retry_after_s)),
            _ => None,
        }
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "Wahoo",
        authorize_path: AUTHORIZE_PATH,
        client_auth: ClientAuthStyle::Body,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        code_ttl: Duration::from_secs(600),
        rotate_refresh_tokens: true,
    }
}

/// Wahoo's 429: `X-RateLimit-Limit` and `-Remaining` as "day, hour, 5 minutes" (the 5-minute
/// window spent) and `X-RateLimit-Reset` in seconds.
pub fn rate_limit_response(reset_s: u64) -> Response {
    let body = serde_json::json!({"error": "Rate limit exceeded"});
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from_static(RATE_LIMIT));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from_static("4790, 790, 0"),
    );
    if let Ok(value) = HeaderValue::from_str(&reset_s.to_string()) {
        headers.insert("x-ratelimit-reset", value);
    }
    response
}

#[derive(Clone)]
struct WahooState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
    history: Arc<data::HistoryCache>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    let api = |path: &str| format!("{API_PREFIX}{path}");
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route(PERMISSIONS_PATH, axum::routing::delete(data::revoke))
        .route(&api("/user"), get(data::user))
        .route(&api("/workouts"), get(data::list))
        .route(&api("/workouts/{id}"), get(data::workout))
        .route(&api("/workouts/{id}/workout_summary"), get(data::summary))
        .with_state(WahooState {
            oauth,
            sim,
            history: Arc::new(data::HistoryCache::default()),
        })
}

/// `Some(refusal)` unless `scope` (form or query) is a space-separated list of Wahoo scopes.
fn scope_problem(fields: &[u8]) -> Option<Response> {
    let scope = url::form_urlencoded::parse(fields)
        .find(|(key, _)| key == "scope")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let valid = !scope.trim().is_empty()
        && scope
            .split(' ')
            .filter(|one| !one.is_empty())
            .all(|one| SCOPES.contains(&one));
    (!valid).then(|| {
        ApiError::bad_request("scope must be Wahoo scopes separated by spaces").into_response()
    })
}

async fn authorize_page(State(state): State<WahooState>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    scope_problem(query.as_bytes())
        .unwrap_or_else(|| oauth::authorize_query(&state.oauth, Some(&query)))
}

async fn authorize_submit(State(state): State<WahooState>, body: Bytes) -> Response {
    scope_problem(&body).unwrap_or_else(|| oauth::authorize_form(&state.oauth, &body))
}

/// The shared token endpoint in Doorkeeper's shape: no `user_id`, plus `created_at`
/// (epoch seconds). Failures keep the RFC 6749 body (`invalid_grant` for a used refresh
/// token), as Doorkeeper answers.
async fn token(State(state): State<WahooState>, headers: HeaderMap, body: Bytes) -> Response {
    let response = oauth::token(&state.oauth, &headers, &body);
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(Value::Object(mut fields)) = serde_json::from_slice(&bytes) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    fields.remove("user_id");
    fields.insert("created_at".into(), Utc::now().timestamp().into());
    let mut reshaped = axum::Json(Value::Object(fields)).into_response();
    if let Some(value) = parts.headers.get(header::CACHE_CONTROL) {
        reshaped
            .headers_mut()
            .insert(header::CACHE_CONTROL, value.clone());
    }
    reshaped
}
