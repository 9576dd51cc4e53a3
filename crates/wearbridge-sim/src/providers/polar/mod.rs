//! POLAR: a simulated Polar AccessLink v3 cloud serving the synthetic person.
//!
//! Real paths under `/polar/`: OAuth at `/polar/oauth2/authorization` (flow.polar.com) and
//! `/polar/v2/oauth2/token` (polarremote.com), data at `/polar/v3/...`
//! (www.polaraccesslink.com). Quirks reproduced: HTTP Basic client authentication, a token
//! answer without refresh token carrying `x_user_id` (a number), long-lived access tokens,
//! mandatory user registration (`POST /v3/users`, 409 when repeated; data endpoints answer
//! 403 before it), deregistration (`DELETE /v3/users/{id}`) ending the token, 28/30-day
//! list windows relative to today, 28-day range limits, 404/204 for empty single days,
//! Polar's error body, and signed webhook notifications (`Polar-Webhook-Signature`).
//!
//! This file holds the cloud, its state and routes, and the error and access helpers every
//! handler shares; OAuth and registration are in [`auth`], the data endpoints in [`data`],
//! webhook notifications in [`push`], documents in `wire`.

mod auth;
mod data;
mod push;
mod wire;

use auth::{delete_user, get_user, register, token};
use data::{
    get_activity, get_exercise, get_heart_rate, get_night, get_recharge, list_exercises,
    list_nights, list_recharges, range_activities, range_heart_rate,
};
pub use push::{push_message, sign};
pub use wire::{
    continuous_heart_rate, daily_activity, exercise, iso_duration, nightly_recharge, sleep_night,
    user,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Days, NaiveDate, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::common::{authenticate, authorize_page, authorize_submit};
use crate::SimState;
use crate::oauth::{ClientAuthStyle, OAuthServer, OAuthSettings};
use crate::person::Person;

pub const AUTHORIZE_PATH: &str = "/polar/oauth2/authorization";
pub const TOKEN_PATH: &str = "/polar/v2/oauth2/token";
/// Ten years: Polar documents no expiry for its access tokens (`expires_in` is years).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(10 * 365 * 86_400);

/// The Polar user id of a simulated account: a stable positive number derived from the
/// account name (Polar ids are integers; account names are free text).
pub fn polar_user_id(account: &str) -> u64 {
    let digest = Sha256::digest(account.as_bytes());
    let bytes = [digest[0], digest[1], digest[2], digest[3]];
    u64::from(u32::from_be_bytes(bytes) >> 1) + 1
}

/// POLAR's cloud ([`super::SimCloud`]).
pub(crate) struct Cloud;

impl super::SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        OAuthSettings {
            display_name: "Polar",
            authorize_path: AUTHORIZE_PATH,
            client_auth: ClientAuthStyle::Basic,
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            code_ttl: Duration::from_secs(600),
            rotate_refresh_tokens: false,
        }
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        router(oauth, sim)
    }

    fn token_paths(&self) -> &'static [&'static str] {
        &[TOKEN_PATH]
    }

    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        secret: &str,
    ) -> Option<super::PushMessage> {
        push_message(&sim.person(account), account, data_type, date, secret)
    }
}

#[derive(Clone, FromRef)]
struct PolarState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
    /// Registered accounts → their member id.
    registered: Arc<Mutex<HashMap<String, String>>>,
}

impl PolarState {
    fn member_id(&self, account: &str) -> Option<String> {
        self.registered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(account)
            .cloned()
    }
}

fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    let state = PolarState {
        oauth,
        sim,
        registered: Arc::new(Mutex::new(HashMap::new())),
    };
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route("/polar/v3/users", post(register))
        .route("/polar/v3/users/{id}", get(get_user).delete(delete_user))
        .route("/polar/v3/exercises", get(list_exercises))
        .route("/polar/v3/exercises/{id}", get(get_exercise))
        .route("/polar/v3/users/sleep", get(list_nights))
        .route("/polar/v3/users/sleep/{date}", get(get_night))
        .route("/polar/v3/users/nightly-recharge", get(list_recharges))
        .route("/polar/v3/users/nightly-recharge/{date}", get(get_recharge))
        .route(
            "/polar/v3/users/continuous-heart-rate",
            get(range_heart_rate),
        )
        .route(
            "/polar/v3/users/continuous-heart-rate/{date}",
            get(get_heart_rate),
        )
        .route("/polar/v3/users/activities", get(range_activities))
        .route("/polar/v3/users/activities/", get(range_activities))
        .route("/polar/v3/users/activities/{date}", get(get_activity))
        .with_state(state)
}

// ---------------------------------------------------------------------------------------
// Errors and access.

/// Polar's error model: `{timestamp, status, errorType, message, corrId}`.
fn polar_error(status: StatusCode, message: &str) -> Response {
    let body = json!({
        "timestamp": Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "status": status.as_u16(),
        "errorType": status.canonical_reason().unwrap_or("Error"),
        "message": message,
        "corrId": uuid::Uuid::new_v4().to_string(),
    });
    (status, axum::Json(body)).into_response()
}

/// The account behind the bearer token, which must be registered.
/// An answer that ends a request early (boxed: responses are large).
type Rejected = Box<Response>;

fn registered(state: &PolarState, headers: &HeaderMap) -> Result<(String, String), Rejected> {
    let account =
        authenticate(&state.oauth, headers).map_err(|error| Box::new(error.into_response()))?;
    match state.member_id(&account) {
        Some(member) => Ok((account, member)),
        None => Err(Box::new(polar_error(
            StatusCode::FORBIDDEN,
            "User is not registered to this client (POST /v3/users first)",
        ))),
    }
}

/// The person's local today (Polar's "last N days" windows count back from it).
fn today(person: &Person) -> NaiveDate {
    Utc::now()
        .with_timezone(&person.offset().fixed())
        .date_naive()
}

fn days_back(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days - 1)).unwrap_or(today)
}
