//! The `/_sim/...` control API: the HTTP twin of [`crate::SimHandle`], for tests in other
//! processes (or languages) and for poking a standalone simulator by hand.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::SimState;
use crate::faults::{DeliveryFaults, FaultError, FaultKind, FaultTarget};
use crate::oauth::OAuthServer;
use crate::providers::SimProvider;

pub(crate) fn router(sim: Arc<SimState>) -> Router {
    Router::new()
        .route("/_sim/health", get(health))
        .route("/_sim/faults", post(inject).delete(clear_faults))
        .route("/_sim/faults/random", post(inject_randomly))
        .route("/_sim/faults/delivery", post(set_delivery))
        .route("/_sim/revoke", post(revoke_account))
        .route("/_sim/expire", post(expire_tokens))
        .route("/_sim/config", get(get_config).post(set_config))
        .route("/_sim/requests", get(requests).delete(clear_requests))
        .route("/_sim/accounts", get(accounts))
        .route("/_sim/people/{sim_user}", get(person_profile))
        .route("/_sim/people/{sim_user}/days/{date}", get(person_day))
        .with_state(sim)
}

/// A control-API error: 400 for bad input, 404 for unknown providers.
struct ControlError(StatusCode, String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": "invalid_request", "error_description": self.1 });
        (self.0, axum::Json(body)).into_response()
    }
}

/// What a control handler answers: axum renders the `Err` side as the JSON error, so
/// handlers use `?` rather than each wrapping its body and unwrapping the error.
type ControlResult = Result<Response, ControlError>;

/// A fault setting the injector refuses (bad probability, a fault that cannot target
/// that endpoint): a 400 with its reason, the same for every fault endpoint.
fn refused(error: FaultError) -> ControlError {
    ControlError(StatusCode::BAD_REQUEST, error.to_string())
}

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(body)
        .map_err(|e| ControlError(StatusCode::BAD_REQUEST, format!("bad JSON body: {e}")))
}

fn parse_query<T: DeserializeOwned>(query: Option<&str>) -> Result<T, ControlError> {
    serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ControlError(StatusCode::BAD_REQUEST, format!("bad query string: {e}")))
}

fn oauth_of<'a>(sim: &'a SimState, provider: &str) -> Result<&'a Arc<OAuthServer>, ControlError> {
    let not_found = || {
        ControlError(
            StatusCode::NOT_FOUND,
            format!("provider {provider:?} is not enabled"),
        )
    };
    let parsed = SimProvider::from_str(provider).map_err(|_| not_found())?;
    sim.providers.get(&parsed).ok_or_else(not_found)
}

fn json(value: impl Serialize) -> Response {
    axum::Json(value).into_response()
}

async fn health(State(sim): State<Arc<SimState>>) -> Response {
    let providers: Vec<&str> = sim.providers.keys().map(|p| p.as_str()).collect();
    json(serde_json::json!({ "status": "ok", "providers": providers }))
}

#[derive(Deserialize)]
struct InjectRequest {
    provider: String,
    fault: FaultKind,
    #[serde(default)]
    target: FaultTarget,
    #[serde(default = "one")]
    times: u32,
    /// Matching requests to let through first.
    #[serde(default)]
    after: u32,
}

fn one() -> u32 {
    1
}

async fn inject(State(sim): State<Arc<SimState>>, body: Bytes) -> ControlResult {
    let request: InjectRequest = parse_json(&body)?;
    oauth_of(&sim, &request.provider)?;
    sim.faults
        .inject_after(
            &request.provider,
            request.fault,
            request.target,
            request.after,
            request.times,
        )
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct RandomRequest {
    provider: String,
    fault: FaultKind,
    #[serde(default)]
    target: FaultTarget,
    probability: f64,
}

async fn inject_randomly(State(sim): State<Arc<SimState>>, body: Bytes) -> ControlResult {
    let request: RandomRequest = parse_json(&body)?;
    oauth_of(&sim, &request.provider)?;
    sim.faults
        .inject_randomly(
            &request.provider,
            request.fault,
            request.target,
            request.probability,
        )
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct DeliveryRequest {
    provider: String,
    #[serde(flatten)]
    delivery: DeliveryFaults,
}

async fn set_delivery(State(sim): State<Arc<SimState>>, body: Bytes) -> ControlResult {
    let request: DeliveryRequest = parse_json(&body)?;
    oauth_of(&sim, &request.provider)?;
    sim.faults
        .set_delivery(&request.provider, request.delivery)
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
struct ProviderFilter {
    provider: Option<String>,
}

async fn clear_faults(
    State(sim): State<Arc<SimState>>,
    RawQuery(query): RawQuery,
) -> ControlResult {
    let filter: ProviderFilter = parse_query(query.as_deref())?;
    sim.faults.clear(filter.provider.as_deref());
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct AccountRequest {
    provider: String,
    sim_user: Option<String>,
}

async fn revoke_account(State(sim): State<Arc<SimState>>, body: Bytes) -> ControlResult {
    let request: AccountRequest = parse_json(&body)?;
    let oauth = oauth_of(&sim, &request.provider)?;
    let account = request
        .sim_user
        .ok_or_else(|| ControlError(StatusCode::BAD_REQUEST, "sim_user is required".into()))?;
    Ok(json(
        serde_json::json!({ "revoked": oauth.revoke_account(&account) }),
    ))
}

async fn expire_tokens(State(sim): State<Arc<SimState>>, body: Bytes) -> ControlResult {
    let request: AccountRequest = parse_json(&body)?;
    let oauth = oauth_of(&sim, &request.provider)?;
    let expired = oauth.expire_access_tokens(request.sim_user.as_deref());
    Ok(json(serde_json::json!({ "expired": expired })))
}

#[derive(Serialize, Deserialize)]
struct ProviderConfig {
    provider: String,
    access_token_ttl_s: u64,
}

async fn get_config(State(sim): State<Arc<SimState>>) -> Response {
    let providers: Vec<ProviderConfig> = sim
        .providers
        .iter()
        .map(|(provider, oauth)| ProviderConfig {
            provider: provider.as_str().to_owned(),
            access_token_ttl_s: oauth.access_token_ttl().as_secs(),
        })
        .collect();
    json(serde_json::json!({ "providers": providers }))
}

async fn set_config(State(sim): State<Arc<SimState>>, body: Bytes) -> ControlResult {
    let request: ProviderConfig = parse_json(&body)?;
    let oauth = oauth_of(&sim, &request.provider)?;
    if request.access_token_ttl_s == 0 {
        return Err(ControlError(
            StatusCode::BAD_REQUEST,
            "access_token_ttl_s must be at least 1".into(),
        ));
    }
    oauth.set_access_token_ttl(Duration::from_secs(request.access_token_ttl_s));
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Serialize)]
struct MinuteCount {
    minute: DateTime<Utc>,
    count: u64,
}

async fn requests(State(sim): State<Arc<SimState>>, RawQuery(query): RawQuery) -> ControlResult {
    let filter: ProviderFilter = parse_query(query.as_deref())?;
    let provider = filter
        .provider
        .ok_or_else(|| ControlError(StatusCode::BAD_REQUEST, "provider is required".into()))?;
    let per_minute: Vec<MinuteCount> = sim
        .requests
        .per_minute(&provider)
        .into_iter()
        .map(|(minute, count)| MinuteCount { minute, count })
        .collect();
    Ok(json(serde_json::json!({
        "provider": provider,
        "total": sim.requests.count(&provider),
        "per_minute": per_minute,
        "records": sim.requests.records(Some(&provider)),
    })))
}

async fn clear_requests(State(sim): State<Arc<SimState>>) -> Response {
    sim.requests.clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn accounts(State(sim): State<Arc<SimState>>, RawQuery(query): RawQuery) -> ControlResult {
    let filter: ProviderFilter = parse_query(query.as_deref())?;
    let provider = filter
        .provider
        .ok_or_else(|| ControlError(StatusCode::BAD_REQUEST, "provider is required".into()))?;
    let oauth = oauth_of(&sim, &provider)?;
    Ok(json(
        serde_json::json!({ "provider": provider, "accounts": oauth.accounts() }),
    ))
}

async fn person_profile(
    State(sim): State<Arc<SimState>>,
    Path(sim_user): Path<String>,
) -> Response {
    json(sim.person(&sim_user).profile())
}

async fn person_day(
    State(sim): State<Arc<SimState>>,
    Path((sim_user, date)): Path<(String, String)>,
) -> Response {
    match NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
        Ok(date) if (1970..=2100).contains(&date.year()) => json(sim.person(&sim_user).day(date)),
        _ => ControlError(
            StatusCode::BAD_REQUEST,
            "date must be YYYY-MM-DD in 1970-2100".into(),
        )
        .into_response(),
    }
}
