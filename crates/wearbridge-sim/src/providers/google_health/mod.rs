//! GOOGLE_HEALTH: the Google Health API v4 cloud (`https://health.googleapis.com/v4/...`)
//! with Google's OAuth (`accounts.google.com/o/oauth2/v2/auth`, `oauth2.googleapis.com/
//! token` and `/revoke`), all under `/google_health/` with the real paths. Documented in
//! `docs/simulator.md`, "GOOGLE_HEALTH".
//!
//! Quirks reproduced: the authorize page refuses a request without a `googlehealth.*`
//! scope; the token answer is Google's (`access_token`, `expires_in: 3599`, `scope`,
//! `token_type`, and `refresh_token` on the code exchange only: a refresh answers without
//! one, and the refresh token never rotates); revocation is `POST /revoke` with `token`;
//! `GET v4/users/me/identity` names the account (`healthUserId`, `legacyUserId`); data
//! points are listed per kebab-case data type with an AIP-160 `filter` on civil time,
//! `pageSize` (default 1440, max 10000; exercise and sleep 25) and `pageToken`, newest
//! first, int64 values as JSON strings, errors in Google's `{"error": {code, message,
//! status}}` shape ([`data`]). Webhook deliveries echo the subscriber's `Authorization`
//! secret (no ECDSA signature: the simulator holds no Google key).

mod data;

pub use data::health_user_id;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Bytes, to_bytes};
use axum::extract::{FromRef, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Days, NaiveDate};
use serde_json::json;

use crate::SimState;
use crate::oauth::{self, ClientAuthStyle, OAuthServer, OAuthSettings};
use crate::providers::common::{ApiError, revoke};

pub const AUTHORIZE_PATH: &str = "/google_health/o/oauth2/v2/auth";
pub const TOKEN_PATH: &str = "/google_health/token";
pub const REVOKE_PATH: &str = "/google_health/revoke";
pub const API_PREFIX: &str = "/google_health/v4/users/me";

/// Google access tokens last an hour (`expires_in: 3599`).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3_599);
/// Every Google Health scope starts so.
pub const SCOPE_PREFIX: &str = "https://www.googleapis.com/auth/googlehealth.";

/// The Google Health cloud for [`super::SimProvider::GoogleHealth`].
pub(crate) struct Cloud;

impl super::SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        OAuthSettings {
            display_name: "Google",
            authorize_path: AUTHORIZE_PATH,
            client_auth: ClientAuthStyle::Either,
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            code_ttl: Duration::from_secs(600),
            rotate_refresh_tokens: false,
        }
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        router(oauth, sim)
    }

    fn token_paths(&self) -> &'static [&'static str] {
        &[TOKEN_PATH, REVOKE_PATH]
    }

    /// A notification for the local `date` of `account`: Terra `daily` → `steps`, `sleep`
    /// → `sleep`, `body` → `weight` (three of the six types Google's subscriptions
    /// cover), with `secret` as the echoed `Authorization` value.
    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        secret: &str,
    ) -> Option<super::PushMessage> {
        let google_type = match data_type {
            "daily" => "steps",
            "sleep" => "sleep",
            "body" => "weight",
            _ => return None,
        };
        let offset = sim.person(account).offset().fixed();
        let start = date
            .and_hms_opt(0, 0, 0)?
            .and_local_timezone(offset)
            .single()?;
        let end = date
            .checked_add_days(Days::new(1))?
            .and_hms_opt(0, 0, 0)?
            .and_local_timezone(offset)
            .single()?;
        let utc = |at: chrono::DateTime<chrono::FixedOffset>| {
            at.with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        let body = json!({"data": {
            "healthUserId": data::health_user_id(account),
            "operation": "UPSERT",
            "dataType": google_type,
            "intervals": [{"physicalTimeInterval": {"startTime": utc(start), "endTime": utc(end)}}],
            "clientProvidedSubscriptionName": "wearbridge",
            "version": "1",
        }});
        Some(super::PushMessage {
            method: "POST",
            query: String::new(),
            content_type: "application/json",
            headers: vec![("Authorization".to_owned(), secret.to_owned())],
            body: serde_json::to_vec(&body).ok()?,
        })
    }
}

#[derive(Clone, FromRef)]
struct GoogleState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route(REVOKE_PATH, post(revoke))
        .route("/google_health/v4/users/me/identity", get(data::identity))
        .route(
            "/google_health/v4/users/me/dataTypes/{data_type}/dataPoints",
            get(data::list),
        )
        .with_state(GoogleState { oauth, sim })
}

/// The authorize request must ask for at least one Google Health scope.
fn scope_problem(query: &[u8]) -> Option<Response> {
    let scoped = url::form_urlencoded::parse(query)
        .find(|(key, _)| key == "scope")
        .is_some_and(|(_, scope)| scope.split(' ').any(|one| one.starts_with(SCOPE_PREFIX)));
    (!scoped).then(|| {
        ApiError::bad_request("invalid_scope: a googlehealth scope is required").into_response()
    })
}

async fn authorize_page(State(state): State<GoogleState>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    scope_problem(query.as_bytes())
        .unwrap_or_else(|| oauth::authorize_query(&state.oauth, Some(&query)))
}

async fn authorize_submit(State(state): State<GoogleState>, body: Bytes) -> Response {
    scope_problem(&body).unwrap_or_else(|| oauth::authorize_form(&state.oauth, &body))
}

/// The shared token endpoint, reshaped as Google answers: no `user_id`, and no
/// `refresh_token` on a refresh (the one from the code exchange stays valid).
async fn token(State(state): State<GoogleState>, headers: HeaderMap, body: Bytes) -> Response {
    let refreshing = url::form_urlencoded::parse(&body)
        .any(|(key, value)| key == "grant_type" && value == "refresh_token");
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
    if refreshing {
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
