//! OURA: the Oura Ring cloud, API v2, at Oura's real paths under `/oura/`
//! (`https://api.ouraring.com/v2/usercollection/sleep` → `/oura/v2/usercollection/sleep`;
//! `https://cloud.ouraring.com/oauth/authorize` → `/oura/oauth/authorize`).
//!
//! Serves the synthetic person as Oura's documents ([`wire`]): per-user collections with
//! Oura's date filtering and `next_token` paging ([`collections`], [`heartrate`]), single
//! documents by id, `personal_info`; OAuth through the shared server (single-use refresh
//! tokens, client credentials in the body or as Basic) with Oura's revoke by query
//! parameter; the app-level webhook subscription API with its verification handshake
//! ([`webhook`]); and signed notifications ([`push`]). Errors are Oura's FastAPI bodies
//! (`{"detail": ...}`). Field by field in docs/simulator.md §OURA.

mod collections;
mod heartrate;
pub mod push;
pub mod webhook;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::FromRef;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::SimState;
use crate::faults::FaultKind;
use crate::oauth::{ClientAuthStyle, OAuthServer, OAuthSettings, TokenProblem};
use crate::person::Person;
use crate::providers::PushMessage;
use crate::providers::common::{authorize_page, authorize_submit, bearer_account, token};
use collections::{Collection, Window};
use webhook::Subscriptions;

pub const AUTHORIZE_PATH: &str = "/oura/oauth/authorize";
pub const TOKEN_PATH: &str = "/oura/oauth/token";
pub const REVOKE_PATH: &str = "/oura/oauth/revoke";
/// Prefix of the per-user collections.
pub const COLLECTION_PREFIX: &str = "/oura/v2/usercollection/";
/// The app-level subscription API.
pub const SUBSCRIPTION_PATH: &str = "/oura/v2/webhook/subscription";

/// Oura's access tokens last a day (`expires_in` 86400); tests shorten it at runtime.
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(86_400);

/// OURA's cloud ([`super::SimCloud`]).
pub(crate) struct Cloud;

impl super::SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        oauth_settings()
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        router(oauth, sim)
    }

    fn token_paths(&self) -> &'static [&'static str] {
        &[TOKEN_PATH, REVOKE_PATH]
    }

    /// Oura signs with the app's client secret (`secret`).
    fn push_message(
        &self,
        sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        secret: &str,
    ) -> Option<PushMessage> {
        let person = sim.person(account);
        push::message(&person, account, data_type, date, secret, Utc::now())
    }

    /// Oura's 429 has an empty body (providers.md §2.5); the `Retry-After` header is
    /// kept, as secondary sources report it. 5xx answers carry FastAPI's `detail`.
    fn fault_response(&self, kind: &FaultKind) -> Option<Response> {
        match kind {
            FaultKind::RateLimit { retry_after_s } => {
                let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
                if let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                Some(response)
            }
            FaultKind::ServerError { status } => {
                let status =
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                Some(detail(status, "Internal Server Error"))
            }
            _ => None,
        }
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "Oura",
        authorize_path: AUTHORIZE_PATH,
        // Oura documents body credentials; Basic works with standard libraries [R].
        client_auth: ClientAuthStyle::Either,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        code_ttl: Duration::from_secs(600),
        // "a refresh token can only be used once".
        rotate_refresh_tokens: true,
    }
}

#[derive(Clone, FromRef)]
struct OuraState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
    subscriptions: Arc<Subscriptions>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    router_with(oauth, sim, Arc::new(Subscriptions::default()))
}

/// [`router`] with a given subscription store, so tests can inspect it.
pub(crate) fn router_with(
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
    subscriptions: Arc<Subscriptions>,
) -> Router {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route(REVOKE_PATH, get(revoke).post(revoke))
        .route("/oura/v2/usercollection/{collection}", get(collection))
        .route(
            "/oura/v2/usercollection/{collection}/{document_id}",
            get(document),
        )
        .route(
            SUBSCRIPTION_PATH,
            get(list_subscriptions).post(create_subscription),
        )
        .route(
            "/oura/v2/webhook/subscription/{id}",
            get(get_subscription)
                .put(update_subscription)
                .delete(delete_subscription),
        )
        .route(
            "/oura/v2/webhook/subscription/renew/{id}",
            put(renew_subscription),
        )
        .with_state(OuraState {
            oauth,
            sim,
            subscriptions,
        })
}

/// Oura's error body: `{"detail": "<message>"}`.
pub(super) fn detail(status: StatusCode, message: &str) -> Response {
    Refusal::detail(status, message).into_response()
}

/// An error answer not yet rendered (a `Response` is too large for a `Result`'s error).
#[derive(Debug)]
pub(super) struct Refusal {
    status: StatusCode,
    body: Value,
}

impl Refusal {
    pub(super) fn detail(status: StatusCode, message: &str) -> Refusal {
        Refusal {
            status,
            body: json!({ "detail": message }),
        }
    }

    /// FastAPI's 422: `{"detail": [{type, loc, msg}]}`.
    pub(super) fn invalid(location: &str, field: &str, kind: &str, msg: &str) -> Refusal {
        Refusal {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({ "detail": [{ "type": kind, "loc": [location, field], "msg": msg }] }),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

/// A 422 for one query parameter, as Oura (FastAPI) words it.
fn invalid_query((name, message, input): collections::QueryProblem) -> Response {
    let body = json!({
        "detail": [{ "type": "value_error", "loc": ["query", name], "msg": message, "input": input }]
    });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// The account behind the bearer token, or Oura's 401.
fn authenticate(state: &OuraState, headers: &HeaderMap) -> Result<String, Refusal> {
    bearer_account(&state.oauth, headers, |problem| {
        let message = match problem {
            TokenProblem::Missing => "Missing access token",
            other => other.description(),
        };
        Refusal::detail(StatusCode::UNAUTHORIZED, message)
    })
}

fn now_for(person: &Person) -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&person.offset().fixed())
}

#[derive(Deserialize, Default)]
struct RevokeParams {
    access_token: Option<String>,
    token: Option<String>,
}

/// `GET|POST /oauth/revoke?access_token=<token>` (Oura's form; a form body is accepted
/// too). Revoking ends the whole grant. 200 when a live token was revoked, 401 when the
/// token is unknown or already revoked (clients treat that as done).
async fn revoke(
    State(state): State<OuraState>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let from_query: RevokeParams =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let from_body: RevokeParams = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let token = [from_query, from_body]
        .into_iter()
        .find_map(|p| p.access_token.or(p.token))
        .filter(|t| !t.is_empty());
    match token {
        Some(token) if state.oauth.revoke_token(&token) > 0 => StatusCode::OK.into_response(),
        Some(_) => detail(StatusCode::UNAUTHORIZED, "Token already used or revoked"),
        None => detail(StatusCode::BAD_REQUEST, "access_token is required"),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    start_date: Option<String>,
    end_date: Option<String>,
    start_datetime: Option<String>,
    end_datetime: Option<String>,
    next_token: Option<String>,
}

/// `GET /v2/usercollection/{collection}`.
async fn collection(
    State(state): State<OuraState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let account = match authenticate(&state, &headers) {
        Ok(account) => account,
        Err(refusal) => return refusal.into_response(),
    };
    let query: ListQuery = match serde_urlencoded::from_str(query.as_deref().unwrap_or_default()) {
        Ok(query) => query,
        Err(error) => return detail(StatusCode::BAD_REQUEST, &format!("Bad query: {error}")),
    };
    let person = state.sim.person(&account);
    match name.as_str() {
        "personal_info" => {
            let today = now_for(&person).date_naive();
            axum::Json(wire::personal_info(&account, &person, today)).into_response()
        }
        "heartrate" => heart_rate(&person, &query),
        "ring_configuration" => rings(&person, &account),
        other => match Collection::from_name(other) {
            Some(collection) => documents(&person, &account, collection, &query),
            None => detail(StatusCode::NOT_FOUND, "Not Found"),
        },
    }
}

fn documents(
    person: &Person,
    account: &str,
    collection: Collection,
    query: &ListQuery,
) -> Response {
    let window = match Window::parse(
        query.start_date.as_deref(),
        query.end_date.as_deref(),
        ("start_date", "end_date"),
        person,
        now_for(person),
    ) {
        Ok(window) => window,
        Err(problem) => return invalid_query(problem),
    };
    let cursor = match query.next_token.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(token) => match collections::decode_cursor(token) {
            Some(cursor) => Some(cursor),
            None => return detail(StatusCode::BAD_REQUEST, "Invalid next_token"),
        },
    };
    let (data, next) = collections::page(person, account, collection, window, cursor);
    axum::Json(json!({
        "data": data,
        "next_token": next.map(collections::encode_cursor),
    }))
    .into_response()
}

/// `ring_configuration` takes no dates: every ring the person has (one), on one page.
fn rings(person: &Person, account: &str) -> Response {
    let (year, month, day) = wire::RING_SETUP_DAY;
    let setup_day = NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default();
    let data: Vec<Value> =
        collections::docs_on(person, account, Collection::RingConfiguration, setup_day)
            .into_iter()
            .map(|doc| doc.body)
            .collect();
    axum::Json(json!({ "data": data, "next_token": null })).into_response()
}

fn heart_rate(person: &Person, query: &ListQuery) -> Response {
    let window = match Window::parse(
        query.start_datetime.as_deref(),
        query.end_datetime.as_deref(),
        ("start_datetime", "end_datetime"),
        person,
        now_for(person),
    ) {
        Ok(window) => window,
        Err(problem) => return invalid_query(problem),
    };
    if (window.end - window.start).num_seconds() > heartrate::MAX_DAYS * 86_400 {
        return invalid_query((
            "end_datetime",
            format!("Range must be at most {} days", heartrate::MAX_DAYS),
            query.end_datetime.clone().unwrap_or_default(),
        ));
    }
    let from = match query.next_token.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(token) => match heartrate::decode_cursor(token) {
            Some(from) => Some(from),
            None => return detail(StatusCode::BAD_REQUEST, "Invalid next_token"),
        },
    };
    let (data, next) = heartrate::page(person, window, from);
    axum::Json(json!({
        "data": data,
        "next_token": next.map(heartrate::encode_cursor),
    }))
    .into_response()
}

/// `GET /v2/usercollection/{collection}/{document_id}`: 422 for ids not of this
/// simulator's shape (as Oura answers malformed ids), 404 for well-formed unknown ones.
async fn document(
    State(state): State<OuraState>,
    Path((name, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let account = match authenticate(&state, &headers) {
        Ok(account) => account,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(collection) = Collection::from_name(&name) else {
        return detail(StatusCode::NOT_FOUND, "Not Found");
    };
    if collections::day_of_id(&id).is_none() {
        let body = json!({ "detail": [{
            "type": "value_error", "loc": ["path", "document_id"],
            "msg": "Invalid document ID format", "input": id,
        }]});
        return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
    }
    let person = state.sim.person(&account);
    match collections::find_doc(&person, &account, collection, &id) {
        Some(doc) => axum::Json::<Value>(doc).into_response(),
        None => detail(StatusCode::NOT_FOUND, "Document not found."),
    }
}

async fn list_subscriptions(State(state): State<OuraState>, headers: HeaderMap) -> Response {
    webhook::list(&state.subscriptions, &headers)
}

async fn create_subscription(
    State(state): State<OuraState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    webhook::create(&state.subscriptions, &headers, &body).await
}

async fn get_subscription(
    State(state): State<OuraState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    webhook::get(&state.subscriptions, &headers, &id)
}

async fn update_subscription(
    State(state): State<OuraState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    webhook::update(&state.subscriptions, &headers, &id, &body).await
}

async fn delete_subscription(
    State(state): State<OuraState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    webhook::delete(&state.subscriptions, &headers, &id)
}

async fn renew_subscription(
    State(state): State<OuraState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    webhook::renew(&state.subscriptions, &headers, &id)
}
