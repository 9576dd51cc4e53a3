//! STRAVA: the Strava API v3 cloud (`https://www.strava.com`), under `/strava/` with the
//! real paths: OAuth at `/strava/oauth/{authorize,token,deauthorize}`, data and push
//! subscriptions at `/strava/api/v3/...`. Documented in `docs/simulator.md`, "STRAVA".
//!
//! Quirks reproduced: comma-separated scopes from Strava's list, the granted `scope` on the
//! redirect, client credentials in the token request body, token answers with `expires_at`
//! and (code exchange only) the summary `athlete`, refresh tokens that rotate (the old one
//! is then refused), six-hour access tokens, deauthorization ending the whole grant, every
//! failure as Strava's `Fault` body (`{message, errors: [{resource, field, code}]}`), the
//! activity list filtered by epoch `before`/`after` and paged by `page`/`per_page`, streams
//! keyed by type or listed, one push subscription per app verified by the `hub.challenge`
//! handshake, unsigned webhook events, and 429s with `X-RateLimit-*` headers and no
//! `Retry-After`.
//!
//! This file holds the cloud, its settings, state and routes, and the `Fault` body; OAuth
//! is in [`auth`], the data endpoints in [`data`], webhooks in [`push`], ids in `ids`,
//! documents in `wire`.

mod auth;
mod data;
mod ids;
pub mod push;
mod wire;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use chrono::NaiveDate;
use serde_json::json;

use crate::SimState;
use crate::faults::FaultKind;
use crate::oauth::{ClientAuthStyle, OAuthServer, OAuthSettings};

pub const AUTHORIZE_PATH: &str = "/strava/oauth/authorize";
pub const TOKEN_PATH: &str = "/strava/oauth/token";
pub const DEAUTHORIZE_PATH: &str = "/strava/oauth/deauthorize";
pub const API_PREFIX: &str = "/strava/api/v3";

/// Strava access tokens last six hours (`expires_in` 21600).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(6 * 3_600);

/// Strava's default app limits as its headers state them: overall 200 per 15 minutes and
/// 2,000 a day, reads ("non-upload") 100 and 1,000.
pub const RATE_LIMIT: &str = "200,2000";
pub const READ_RATE_LIMIT: &str = "100,1000";

/// The Strava cloud for [`super::SimProvider::Strava`].
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

    /// Unsigned: `secret` is read as the client id of the app whose subscription delivers
    /// the event ([`push::push_message`]).
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

    /// Strava's rate limit: 429 with its `Fault` and usage headers, no `Retry-After`.
    fn fault_response(&self, kind: &FaultKind) -> Option<Response> {
        match kind {
            FaultKind::RateLimit { retry_after_s } => Some(rate_limit_response(*retry_after_s)),
            _ => None,
        }
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "Strava",
        authorize_path: AUTHORIZE_PATH,
        client_auth: ClientAuthStyle::Body,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        code_ttl: Duration::from_secs(600),
        rotate_refresh_tokens: true,
    }
}

/// Strava's 429: `retry_after_s` of 900 or more marks the daily read window spent (the
/// client waits for midnight UTC), anything less the 15-minute one.
pub fn rate_limit_response(retry_after_s: u64) -> Response {
    let read_usage = if retry_after_s >= 900 {
        "12,1000"
    } else {
        "101,400"
    };
    let mut response = fault(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate Limit Exceeded",
        "Application",
        "rate limit",
        "exceeded",
    );
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", RATE_LIMIT),
        ("x-ratelimit-usage", "120,410"),
        ("x-readratelimit-limit", READ_RATE_LIMIT),
        ("x-readratelimit-usage", read_usage),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Strava's error body (`Fault`) with one `Error`.
pub(crate) fn fault(
    status: StatusCode,
    message: &str,
    resource: &str,
    field: &str,
    code: &str,
) -> Response {
    let body = json!({
        "message": message,
        "errors": [{"resource": resource, "field": field, "code": code}],
    });
    (status, axum::Json(body)).into_response()
}

#[derive(Clone)]
struct StravaState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
    subscriptions: Arc<push::Subscriptions>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    let state = StravaState {
        oauth,
        sim,
        subscriptions: Arc::new(push::Subscriptions::default()),
    };
    let api = |path: &str| format!("{API_PREFIX}{path}");
    Router::new()
        .route(
            AUTHORIZE_PATH,
            get(auth::authorize_page).post(auth::authorize_submit),
        )
        .route(TOKEN_PATH, post(auth::token))
        .route(DEAUTHORIZE_PATH, post(auth::deauthorize))
        .route(&api("/athlete"), get(data::athlete))
        .route(&api("/athlete/activities"), get(data::list))
        .route(&api("/activities/{id}"), get(data::activity))
        .route(&api("/activities/{id}/laps"), get(data::laps))
        .route(&api("/activities/{id}/streams"), get(data::streams))
        .route(
            &api("/push_subscriptions"),
            get(push::list).post(push::create),
        )
        .route(&api("/push_subscriptions/{id}"), delete(push::delete))
        .with_state(state)
}
