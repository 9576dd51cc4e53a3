//! WITHINGS: the Withings Public Health Data API (providers.md §3), under `/withings/`.
//!
//! Real paths, real quirks: one path per service with the operation in `action` (query or
//! form body, GET or POST); every answer HTTP 200 with `{"status": N, "body": {...}}`
//! (401 bad token, 503 invalid parameters, 2554 unknown action, 601 too many requests);
//! epoch seconds with an IANA zone name; `more`/`offset` paging; the token endpoint
//! (`/v2/oauth2`, `action=requesttoken`) wraps the shared OAuth server's answer in the
//! envelope. Paths and formats are listed in `docs/simulator.md` ("WITHINGS").
//!
//! This file holds the cloud, its settings, state and routes; the envelope and parameters
//! every action shares are in [`params`], OAuth and signed calls in [`auth`], the data
//! actions in [`data`], notifications in [`notify`], documents in [`render`].

mod auth;
mod data;
mod notify;
mod params;
mod render;
#[cfg(test)]
mod tests;

pub use auth::request_signature;
pub use notify::{Subscription, appli_for, notification_body, push_message};

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;

use super::common::{authorize_page, authorize_submit};
use crate::SimState;
use crate::faults::FaultKind;
use crate::oauth::{ClientAuthStyle, OAuthServer, OAuthSettings};
use auth::{signature, token};
use data::{measure, measure_v2, sleep};
use notify::notify;
use params::envelope_error;

pub const AUTHORIZE_PATH: &str = "/withings/oauth2_user/authorize2";
pub const TOKEN_PATH: &str = "/withings/v2/oauth2";
pub const MEASURE_PATH: &str = "/withings/measure";
pub const MEASURE_V2_PATH: &str = "/withings/v2/measure";
pub const SLEEP_PATH: &str = "/withings/v2/sleep";
pub const NOTIFY_PATH: &str = "/withings/notify";
pub const SIGNATURE_PATH: &str = "/withings/v2/signature";

/// Withings access tokens live 3 hours.
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(10_800);

/// Envelope statuses the simulator answers with.
pub mod status {
    pub const OK: i64 = 0;
    pub const INVALID_TOKEN: i64 = 401;
    pub const INVALID_PARAMS: i64 = 503;
    /// A signed request whose signature, nonce or timestamp does not check out.
    pub const INVALID_SIGNATURE: i64 = 2555;
    pub const UNKNOWN_ACTION: i64 = 2554;
    pub const TOO_MANY_REQUESTS: i64 = 601;
}

/// WITHINGS's cloud ([`super::SimCloud`]).
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

    /// Withings signs nothing, so `secret` is unused.
    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        _secret: &str,
    ) -> Option<super::PushMessage> {
        let (content_type, body) = push_message(&sim.person(account), account, data_type, date)?;
        Some(super::PushMessage {
            method: "POST",
            query: String::new(),
            content_type,
            headers: Vec::new(),
            body: body.into_bytes(),
        })
    }

    fn fault_response(&self, kind: &FaultKind) -> Option<Response> {
        fault_response(kind)
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "Withings",
        authorize_path: AUTHORIZE_PATH,
        // Withings takes client_id and client_secret as form fields.
        client_auth: ClientAuthStyle::Body,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        // The authorization code is valid for 30 seconds.
        code_ttl: Duration::from_secs(30),
        rotate_refresh_tokens: true,
    }
}

#[derive(Clone, FromRef)]
struct WithingsState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
    subscriptions: Arc<Mutex<Vec<Subscription>>>,
    /// Nonces issued by `getnonce` and not used yet (each is good for one signed call).
    nonces: Arc<Mutex<HashSet<String>>>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    let state = WithingsState {
        oauth,
        sim,
        subscriptions: Arc::new(Mutex::new(Vec::new())),
        nonces: Arc::new(Mutex::new(HashSet::new())),
    };
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route(SIGNATURE_PATH, post(signature))
        .route(MEASURE_PATH, get(measure).post(measure))
        .route(MEASURE_V2_PATH, get(measure_v2).post(measure_v2))
        .route(SLEEP_PATH, get(sleep).post(sleep))
        .route(NOTIFY_PATH, get(notify).post(notify))
        .with_state(state)
}

/// The answer Withings gives for a generic fault, in its own form: rate limits are
/// `status 601` and a revoked or expired token `status 401`, both with HTTP 200; server
/// errors and hangs stay HTTP-level (as a proxy in front of Withings would answer).
pub fn fault_response(kind: &FaultKind) -> Option<Response> {
    match kind {
        FaultKind::RateLimit { .. } => Some(envelope_error(
            status::TOO_MANY_REQUESTS,
            "Too many requests (simulated)",
        )),
        _ => None,
    }
}
