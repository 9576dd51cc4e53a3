//! WHOOP: the WHOOP API v2 cloud (`https://api.prod.whoop.com`), under `/whoop/` with the
//! real paths: OAuth at `/whoop/oauth/oauth2/{auth,token}`, data at
//! `/whoop/developer/v2/...`. Documented in `docs/simulator.md`, "WHOOP".
//!
//! Quirks reproduced: `state` must be at least 8 characters; client credentials go in the
//! token request body; a refresh token is issued only with the `offline` scope and rotates;
//! collections page newest first with `limit` ≤ 25 and an opaque `nextToken`; instants are
//! UTC with the offset in `timezone_offset`; revocation is `DELETE
//! /developer/v2/user/access` (204); a rate limit is a 429 with `X-RateLimit-*` headers.
//!
//! This file holds the cloud, its settings and routes; OAuth is in [`auth`], the data
//! endpoints in [`data`], collection paging in [`paging`], documents in `wire`.

mod auth;
mod data;
mod ids;
mod paging;
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
use chrono::{NaiveDate, Utc};

use crate::SimState;
use crate::faults::FaultKind;
use crate::oauth::{ClientAuthStyle, OAuthServer, OAuthSettings};
use auth::{authorize_page, authorize_submit, revoke, token};
use data::{
    body_measurement, cycle_by_id, cycles, profile, recoveries, recovery_by_cycle, sleep_by_cycle,
    sleep_by_id, sleeps, workout_by_id, workouts,
};

pub const AUTHORIZE_PATH: &str = "/whoop/oauth/oauth2/auth";
pub const TOKEN_PATH: &str = "/whoop/oauth/oauth2/token";
pub const API_PREFIX: &str = "/whoop/developer/v2";
pub const REVOKE_PATH: &str = "/whoop/developer/v2/user/access";

/// WHOOP access tokens last an hour ("refresh every hour").
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3_600);

/// `X-RateLimit-Limit` as WHOOP sends it: 100 a minute, 10 000 a day.
pub const RATE_LIMIT_POLICY: &str = "100, 100;window=60, 10000;window=86400";

/// The WHOOP cloud for [`super::SimProvider::Whoop`].
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

    /// Signed with `secret` (WHOOP signs with the app's client secret), stamped now.
    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        secret: &str,
    ) -> Option<super::PushMessage> {
        let person = sim.person(account);
        let now_ms = Utc::now().timestamp_millis();
        push::push_message(&person, account, data_type, date, secret, now_ms)
    }

    /// WHOOP's rate limit carries `X-RateLimit-*` headers instead of `Retry-After`.
    fn fault_response(&self, kind: &FaultKind) -> Option<Response> {
        match kind {
            FaultKind::RateLimit { retry_after_s } => Some(rate_limit_response(*retry_after_s)),
            _ => None,
        }
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "WHOOP",
        authorize_path: AUTHORIZE_PATH,
        client_auth: ClientAuthStyle::Body,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        code_ttl: Duration::from_secs(600),
        rotate_refresh_tokens: true,
    }
}

/// WHOOP's answer to an exhausted budget: 429 with the rate-limit headers and the seconds
/// until the window resets (no `Retry-After`).
pub fn rate_limit_response(reset_s: u64) -> Response {
    let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
    let headers = response.headers_mut();
    headers.insert(
        "x-ratelimit-limit",
        HeaderValue::from_static(RATE_LIMIT_POLICY),
    );
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    if let Ok(value) = HeaderValue::from_str(&reset_s.to_string()) {
        headers.insert("x-ratelimit-reset", value);
    }
    response
}

#[derive(Clone)]
struct WhoopState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route(REVOKE_PATH, delete(revoke))
        .route("/whoop/developer/v2/user/profile/basic", get(profile))
        .route(
            "/whoop/developer/v2/user/measurement/body",
            get(body_measurement),
        )
        .route("/whoop/developer/v2/cycle", get(cycles))
        .route("/whoop/developer/v2/cycle/{id}", get(cycle_by_id))
        .route(
            "/whoop/developer/v2/cycle/{id}/recovery",
            get(recovery_by_cycle),
        )
        .route("/whoop/developer/v2/cycle/{id}/sleep", get(sleep_by_cycle))
        .route("/whoop/developer/v2/recovery", get(recoveries))
        .route("/whoop/developer/v2/activity/sleep", get(sleeps))
        .route("/whoop/developer/v2/activity/sleep/{id}", get(sleep_by_id))
        .route("/whoop/developer/v2/activity/workout", get(workouts))
        .route(
            "/whoop/developer/v2/activity/workout/{id}",
            get(workout_by_id),
        )
        .with_state(WhoopState { oauth, sim })
}
