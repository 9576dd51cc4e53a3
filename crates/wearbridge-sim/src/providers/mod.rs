//! One module per simulated provider cloud. Each module owns its paths, its OAuth settings
//! and its wire format; this file registers them and wraps every provider router in the
//! shared fault-injection and request-logging layer.
//!
//! Adding a provider: a module with a type implementing [`SimCloud`], a variant of
//! [`SimProvider`], and one arm in [`SimProvider::cloud`].

pub(crate) mod common;
pub mod dexcom;
pub mod garmin;
pub mod google_health;
pub mod oura;
pub mod polar;
pub mod sandbox;
pub mod strava;
pub mod suunto;
pub mod wahoo;
pub mod whoop;
pub mod withings;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::SimState;
use crate::faults::{FaultKind, RequestClass};
use crate::oauth::{OAuthServer, OAuthSettings};
use crate::requests::RequestRecord;

/// A simulated provider. The lowercase name is both the path prefix (`/sandbox/...`) and the
/// key used by the fault and request-log APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimProvider {
    Sandbox,
    Garmin,
    Oura,
    Polar,
    Whoop,
    Withings,
    Dexcom,
    Strava,
    Suunto,
    Wahoo,
    #[serde(rename = "google_health")]
    GoogleHealth,
}

impl SimProvider {
    pub const ALL: [SimProvider; 11] = [
        SimProvider::Sandbox,
        SimProvider::Garmin,
        SimProvider::Oura,
        SimProvider::Polar,
        SimProvider::Whoop,
        SimProvider::Withings,
        SimProvider::Dexcom,
        SimProvider::Strava,
        SimProvider::Suunto,
        SimProvider::Wahoo,
        SimProvider::GoogleHealth,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Whoop => "whoop",
            Self::Garmin => "garmin",
            Self::Oura => "oura",
            Self::Polar => "polar",
            Self::Withings => "withings",
            Self::Dexcom => "dexcom",
            Self::Strava => "strava",
            Self::Suunto => "suunto",
            Self::Wahoo => "wahoo",
            Self::GoogleHealth => "google_health",
        }
    }

    /// The provider's simulated cloud.
    pub(crate) fn cloud(self) -> &'static dyn SimCloud {
        match self {
            Self::Sandbox => &sandbox::Cloud,
            Self::Whoop => &whoop::Cloud,
            Self::Garmin => &garmin::Cloud,
            Self::Oura => &oura::Cloud,
            Self::Polar => &polar::Cloud,
            Self::Withings => &withings::Cloud,
            Self::Dexcom => &dexcom::Cloud,
            Self::Strava => &strava::Cloud,
            Self::Suunto => &suunto::Cloud,
            Self::Wahoo => &wahoo::Cloud,
            Self::GoogleHealth => &google_health::Cloud,
        }
    }

    pub(crate) fn oauth_settings(self) -> OAuthSettings {
        self.cloud().oauth_settings()
    }

    fn router(self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        self.cloud().router(oauth, sim)
    }

    /// Which kind of endpoint a path is, for fault targeting and the request log.
    fn classify(self, path: &str) -> RequestClass {
        self.cloud().classify(path)
    }
}

/// One simulated provider cloud: its OAuth settings, its routes (full paths, under
/// `/<name>/`), and how it pushes and fails.
pub(crate) trait SimCloud: Send + Sync {
    fn oauth_settings(&self) -> OAuthSettings;

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router;

    /// The paths of the provider's token endpoints: the token path, and the revoke path
    /// where it has one.
    fn token_paths(&self) -> &'static [&'static str];

    /// Which kind of endpoint a path is, for fault targeting and the request log. The rule
    /// is the same for every provider (its authorize path, its token paths, the rest is
    /// API), so only the paths are per provider.
    fn classify(&self, path: &str) -> RequestClass {
        if path == self.oauth_settings().authorize_path {
            RequestClass::Authorize
        } else if self.token_paths().contains(&path) {
            RequestClass::Token
        } else {
            RequestClass::Api
        }
    }

    /// The push notification this provider sends when `data_type` (a Terra type name:
    /// `daily`, `sleep`, `activity`, `body`, ...) changes for `account` on `date`, signed
    /// with `secret` as the provider signs. `None` when the provider does not push that.
    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: chrono::NaiveDate,
        secret: &str,
    ) -> Option<PushMessage> {
        let _ = (sim, account, data_type, date, secret);
        None
    }

    /// The provider's own rendering of an injected fault, where it differs from the
    /// generic HTTP one (Withings answers HTTP 200 with `{"status": 601}` for a rate
    /// limit). `None`: the generic rendering.
    fn fault_response(&self, kind: &FaultKind) -> Option<Response> {
        let _ = kind;
        None
    }
}

/// A push notification as the provider sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushMessage {
    /// `POST` for every provider we simulate.
    pub method: &'static str,
    /// Query string to append to the target URL, without `?` (empty for none).
    pub query: String,
    pub content_type: &'static str,
    /// Extra headers (signatures, timestamps).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl std::fmt::Display for SimProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown provider name.
#[derive(Debug, thiserror::Error)]
#[error("unknown simulated provider {0:?}")]
pub struct UnknownProvider(pub String);

impl FromStr for SimProvider {
    type Err = UnknownProvider;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownProvider(name.to_owned()))
    }
}

/// The routers of all enabled providers, each behind the fault/log layer.
pub(crate) fn routers(sim: &Arc<SimState>) -> Router {
    sim.providers
        .iter()
        .fold(Router::new(), |app, (provider, oauth)| {
            let layer = LayerContext {
                provider: *provider,
                sim: Arc::clone(sim),
            };
            let router = provider
                .router(Arc::clone(oauth), Arc::clone(sim))
                .layer(middleware::from_fn_with_state(layer, fault_and_log));
            app.merge(router)
        })
}

#[derive(Clone)]
struct LayerContext {
    provider: SimProvider,
    sim: Arc<SimState>,
}

async fn fault_and_log(
    State(context): State<LayerContext>,
    request: Request,
    next: Next,
) -> Response {
    let provider = context.provider.as_str();
    let class = context.provider.classify(request.uri().path());
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let at = chrono::Utc::now();
    let fault = match class {
        RequestClass::Authorize => None,
        _ => context.sim.faults.take(provider, class),
    };
    let started = Instant::now();
    let oauth = context
        .sim
        .providers
        .get(&context.provider)
        .map(Arc::as_ref);
    let custom = fault
        .as_ref()
        .and_then(|kind| context.provider.cloud().fault_response(kind));
    let response = match custom {
        Some(response) => response,
        None => apply_fault(fault.clone(), oauth, request, next).await,
    };
    tracing::debug!(
        provider.name = provider,
        http.method = %method,
        http.status = response.status().as_u16(),
        duration_ms = started.elapsed().as_millis() as u64,
        fault = ?fault,
        "simulated provider request"
    );
    context.sim.requests.record(RequestRecord {
        provider: provider.to_owned(),
        method,
        path,
        class,
        at,
        status: response.status().as_u16(),
        fault: fault.map(|f| fault_name(&f).to_owned()),
    });
    response
}

fn fault_name(kind: &FaultKind) -> &'static str {
    match kind {
        FaultKind::RateLimit { .. } => "rate_limit",
        FaultKind::ServerError { .. } => "server_error",
        FaultKind::Hang { .. } => "hang",
        FaultKind::MalformedJson => "malformed_json",
        FaultKind::ExpireToken => "expire_token",
        FaultKind::RevokeToken => "revoke_token",
    }
}

async fn apply_fault(
    fault: Option<FaultKind>,
    oauth: Option<&OAuthServer>,
    request: Request,
    next: Next,
) -> Response {
    match fault {
        None => next.run(request).await,
        Some(FaultKind::RateLimit { retry_after_s }) => {
            let body = serde_json::json!({
                "error": "rate_limited",
                "error_description": "too many requests (simulated)",
            });
            let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            if let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(FaultKind::ServerError { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::json!({
                "error": "server_error",
                "error_description": "internal error (simulated)",
            });
            (status, axum::Json(body)).into_response()
        }
        Some(FaultKind::Hang { seconds }) => {
            tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
            next.run(request).await
        }
        Some(FaultKind::MalformedJson) => truncate_body(next.run(request).await).await,
        Some(kind @ (FaultKind::ExpireToken | FaultKind::RevokeToken)) => {
            if let (Some(oauth), Some(token)) = (oauth, common::bearer_token(request.headers())) {
                if kind == FaultKind::ExpireToken {
                    oauth.expire_access_token(token);
                } else {
                    oauth.revoke_token(token);
                }
            }
            next.run(request).await
        }
    }
}

/// Keeps status and headers but cuts the body in half (at least one byte short of a complete
/// JSON document), as a dropped connection or buggy proxy would.
async fn truncate_body(response: Response) -> Response {
    const LIMIT: usize = 256 * 1024 * 1024;
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, LIMIT).await.unwrap_or_default();
    let cut = if bytes.len() < 2 {
        axum::body::Bytes::from_static(b"{\"data\": [")
    } else {
        bytes.slice(..bytes.len() / 2)
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_classifies_its_oauth_paths() {
        let cases = [
            (
                SimProvider::Sandbox,
                sandbox::AUTHORIZE_PATH,
                sandbox::REVOKE_PATH,
            ),
            (SimProvider::Oura, oura::AUTHORIZE_PATH, oura::REVOKE_PATH),
            (SimProvider::Whoop, whoop::AUTHORIZE_PATH, whoop::TOKEN_PATH),
            (
                SimProvider::Garmin,
                garmin::AUTHORIZE_PATH,
                garmin::TOKEN_PATH,
            ),
            (SimProvider::Polar, polar::AUTHORIZE_PATH, polar::TOKEN_PATH),
            (
                SimProvider::Withings,
                withings::AUTHORIZE_PATH,
                withings::TOKEN_PATH,
            ),
            (
                SimProvider::Dexcom,
                dexcom::AUTHORIZE_PATH,
                dexcom::TOKEN_PATH,
            ),
            (
                SimProvider::Strava,
                strava::AUTHORIZE_PATH,
                strava::TOKEN_PATH,
            ),
            (
                SimProvider::Suunto,
                suunto::AUTHORIZE_PATH,
                suunto::TOKEN_PATH,
            ),
            (
                SimProvider::GoogleHealth,
                google_health::AUTHORIZE_PATH,
                google_health::REVOKE_PATH,
            ),
        ];
        for (provider, authorize, token) in cases {
            assert_eq!(provider.classify(authorize), RequestClass::Authorize);
            assert_eq!(provider.classify(token), RequestClass::Token);
            let api = format!("/{provider}/some/data");
            assert_eq!(provider.classify(&api), RequestClass::Api);
        }
        assert_eq!(
            SimProvider::Sandbox.classify(sandbox::TOKEN_PATH),
            RequestClass::Token
        );
    }
}
