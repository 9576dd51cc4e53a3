//! The app-level webhook subscription API (`/v2/webhook/subscription`), authenticated by
//! the `x-client-id` and `x-client-secret` headers, with Oura's verification handshake:
//! creating a subscription (or moving it to another callback URL) first `GET`s
//! `<callback_url>?verification_token=<token>&challenge=<random>`, and succeeds only when
//! the callback answers 2xx with JSON `{"challenge": "<challenge>"}`.
//!
//! Answers follow the recorded responses: 201 on create, 204 on delete, 403 for an
//! unknown id on `GET`, 404 `{"detail": ...}` for an unknown id on update, renew and
//! delete, 422 `{"detail": [{type, loc, msg}]}` for invalid bodies; 409 for a second
//! subscription of one (data_type, event_type) (providers.md §2.4).

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::{Refusal, detail};

/// Subscriptions expire this long after creation or renewal (the simulator's choice;
/// Oura documents only that they expire and must be renewed).
pub const SUBSCRIPTION_TTL: TimeDelta = TimeDelta::days(7);
/// How long the verification `GET` may take.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// `ExtApiV2DataType` of the 1.29 spec.
const DATA_TYPES: [&str; 23] = [
    "tag",
    "enhanced_tag",
    "workout",
    "session",
    "sleep",
    "daily_sleep",
    "daily_readiness",
    "daily_activity",
    "daily_spo2",
    "sleep_time",
    "rest_mode_period",
    "ring_configuration",
    "daily_stress",
    "daily_cycle_phases",
    "activation_status",
    "daily_cardiovascular_age",
    "daily_resilience",
    "vo2_max",
    "period_start",
    "pregnancy",
    "fertile_window",
    "ovulation_confirmed",
    "blood_glucose",
];
/// `WebhookOperation`.
const EVENT_TYPES: [&str; 3] = ["create", "update", "delete"];

/// One subscription, owned by the client that created it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: String,
    pub client_id: String,
    pub callback_url: String,
    pub verification_token: String,
    pub event_type: String,
    pub data_type: String,
    pub expiration_time: DateTime<Utc>,
}

impl Subscription {
    /// `WebhookSubscriptionModel`. `expiration_time` is UTC without a zone designator, as
    /// Oura sends it (tidepool parses it that way); clients must accept both forms.
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "callback_url": self.callback_url,
            "event_type": self.event_type,
            "data_type": self.data_type,
            "expiration_time": self.expiration_time.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        })
    }
}

/// Every subscription of this simulated cloud.
#[derive(Debug, Default)]
pub struct Subscriptions {
    inner: Mutex<Vec<Subscription>>,
}

impl Subscriptions {
    fn lock(&self) -> MutexGuard<'_, Vec<Subscription>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A snapshot, for tests and the push helper.
    pub fn all(&self) -> Vec<Subscription> {
        self.lock().clone()
    }

    /// Makes every subscription expire at `at` (tests of renewal).
    pub fn set_expiration(&self, at: DateTime<Utc>) {
        for subscription in self.lock().iter_mut() {
            subscription.expiration_time = at;
        }
    }
}

/// The calling app, from `x-client-id` / `x-client-secret` (both must be non-empty).
fn client(headers: &HeaderMap) -> Result<String, Refusal> {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match (value("x-client-id"), value("x-client-secret")) {
        (Some(id), Some(_secret)) => Ok(id),
        _ => Err(Refusal::detail(
            StatusCode::UNAUTHORIZED,
            "Invalid client credentials",
        )),
    }
}

/// Oura's (FastAPI's) validation error for a body field.
fn invalid(kind: &str, field: &str, msg: &str) -> Refusal {
    Refusal::invalid("body", field, kind, msg)
}

#[derive(Deserialize)]
struct Fields {
    callback_url: Option<Value>,
    verification_token: Option<Value>,
    event_type: Option<Value>,
    data_type: Option<Value>,
}

/// A string field, or the 422 Oura answers for it.
fn text(value: Option<&Value>, field: &str, required: bool) -> Result<Option<String>, Refusal> {
    match value {
        Some(Value::String(text)) => Ok(Some(text.clone())),
        None | Some(Value::Null) if !required => Ok(None),
        _ => Err(invalid(
            "string_type",
            field,
            &format!("{field} is required"),
        )),
    }
}

fn one_of(value: Option<String>, allowed: &[&str], field: &str) -> Result<Option<String>, Refusal> {
    match value {
        Some(value) if !allowed.contains(&value.as_str()) => {
            Err(invalid("enum", field, &format!("Invalid {field} value")))
        }
        other => Ok(other),
    }
}

fn parse_fields(body: &[u8]) -> Result<Fields, Refusal> {
    serde_json::from_slice(body)
        .map_err(|_| invalid("json_invalid", "body", "JSON object expected"))
}

/// The verification handshake against `callback_url`.
async fn verify(callback_url: &str, token: &str) -> Result<(), Refusal> {
    let refuse = |why: String| {
        Refusal::detail(
            StatusCode::BAD_REQUEST,
            &format!("Callback URL verification failed: {why}"),
        )
    };
    let mut url = Url::parse(callback_url).map_err(|e| refuse(format!("bad URL ({e})")))?;
    let challenge = uuid::Uuid::new_v4().simple().to_string();
    url.query_pairs_mut()
        .append_pair("verification_token", token)
        .append_pair("challenge", &challenge);
    let client = reqwest::Client::builder()
        .timeout(VERIFY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| refuse(e.to_string()))?;
    let answer = client
        .get(url)
        .send()
        .await
        .map_err(|e| refuse(format!("callback unreachable ({e})")))?;
    let status = answer.status();
    if !status.is_success() {
        return Err(refuse(format!(
            "callback answered HTTP {}",
            status.as_u16()
        )));
    }
    let body = answer.bytes().await.unwrap_or_default();
    let echoed = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|body| {
            body.get("challenge")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    if echoed.as_deref() == Some(challenge.as_str()) {
        Ok(())
    } else {
        Err(refuse("the challenge was not echoed".to_owned()))
    }
}

fn not_found(id: &str) -> Refusal {
    Refusal::detail(
        StatusCode::NOT_FOUND,
        &format!("Subscription with id {id} not found."),
    )
}

/// `POST /v2/webhook/subscription`.
pub(super) async fn create(store: &Subscriptions, headers: &HeaderMap, body: &[u8]) -> Response {
    let client_id = match client(headers) {
        Ok(id) => id,
        Err(refusal) => return refusal.into_response(),
    };
    let result: Result<Response, Refusal> = async {
        let fields = parse_fields(body)?;
        let callback_url = text(fields.callback_url.as_ref(), "callback_url", true)?;
        let token = text(
            fields.verification_token.as_ref(),
            "verification_token",
            true,
        )?;
        let event = text(fields.event_type.as_ref(), "event_type", true)?;
        let data = text(fields.data_type.as_ref(), "data_type", true)?;
        let event = one_of(event, &EVENT_TYPES, "event_type")?;
        let data = one_of(data, &DATA_TYPES, "data_type")?;
        let (Some(callback_url), Some(token), Some(event), Some(data)) =
            (callback_url, token, event, data)
        else {
            return Err(invalid("missing", "body", "Field required"));
        };
        let duplicate = store
            .lock()
            .iter()
            .any(|s| s.client_id == client_id && s.event_type == event && s.data_type == data);
        if duplicate {
            return Err(Refusal::detail(
                StatusCode::CONFLICT,
                "A subscription for this data_type and event_type already exists.",
            ));
        }
        verify(&callback_url, &token).await?;
        let subscription = Subscription {
            id: uuid::Uuid::new_v4().to_string(),
            client_id: client_id.clone(),
            callback_url,
            verification_token: token,
            event_type: event,
            data_type: data,
            expiration_time: Utc::now() + SUBSCRIPTION_TTL,
        };
        let json = subscription.to_json();
        store.lock().push(subscription);
        Ok((StatusCode::CREATED, Json(json)).into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `GET /v2/webhook/subscription`: the caller's subscriptions.
pub(super) fn list(store: &Subscriptions, headers: &HeaderMap) -> Response {
    match client(headers) {
        Ok(client_id) => {
            let mine: Vec<Value> = store
                .lock()
                .iter()
                .filter(|s| s.client_id == client_id)
                .map(Subscription::to_json)
                .collect();
            Json(mine).into_response()
        }
        Err(refusal) => refusal.into_response(),
    }
}

/// `GET /v2/webhook/subscription/{id}`: 403 for ids that are not the caller's.
pub(super) fn get(store: &Subscriptions, headers: &HeaderMap, id: &str) -> Response {
    match client(headers) {
        Ok(client_id) => store
            .lock()
            .iter()
            .find(|s| s.id == id && s.client_id == client_id)
            .map_or_else(
                || detail(StatusCode::FORBIDDEN, "Forbidden"),
                |s| Json(s.to_json()).into_response(),
            ),
        Err(refusal) => refusal.into_response(),
    }
}

/// `PUT /v2/webhook/subscription/{id}`: `verification_token` required, other fields
/// optional; a new callback URL is verified first.
pub(super) async fn update(
    store: &Subscriptions,
    headers: &HeaderMap,
    id: &str,
    body: &[u8],
) -> Response {
    let client_id = match client(headers) {
        Ok(id) => id,
        Err(refusal) => return refusal.into_response(),
    };
    let result: Result<Response, Refusal> = async {
        let fields = parse_fields(body)?;
        let token = text(
            fields.verification_token.as_ref(),
            "verification_token",
            true,
        )?
        .unwrap_or_default();
        let callback_url = text(fields.callback_url.as_ref(), "callback_url", false)?;
        let event = one_of(
            text(fields.event_type.as_ref(), "event_type", false)?,
            &EVENT_TYPES,
            "event_type",
        )?;
        let data = one_of(
            text(fields.data_type.as_ref(), "data_type", false)?,
            &DATA_TYPES,
            "data_type",
        )?;
        let current = owned(store, &client_id, id).ok_or_else(|| not_found(id))?;
        let callback_url = callback_url.unwrap_or(current.callback_url.clone());
        if callback_url != current.callback_url || token != current.verification_token {
            verify(&callback_url, &token).await?;
        }
        let mut subscriptions = store.lock();
        let entry = subscriptions
            .iter_mut()
            .find(|s| s.id == id && s.client_id == client_id)
            .ok_or_else(|| not_found(id))?;
        entry.callback_url = callback_url;
        entry.verification_token = token;
        entry.event_type = event.unwrap_or(entry.event_type.clone());
        entry.data_type = data.unwrap_or(entry.data_type.clone());
        Ok(Json(entry.to_json()).into_response())
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

fn owned(store: &Subscriptions, client_id: &str, id: &str) -> Option<Subscription> {
    store
        .lock()
        .iter()
        .find(|s| s.id == id && s.client_id == client_id)
        .cloned()
}

/// `PUT /v2/webhook/subscription/renew/{id}`: a new expiration time.
pub(super) fn renew(store: &Subscriptions, headers: &HeaderMap, id: &str) -> Response {
    let client_id = match client(headers) {
        Ok(id) => id,
        Err(refusal) => return refusal.into_response(),
    };
    let mut subscriptions = store.lock();
    match subscriptions
        .iter_mut()
        .find(|s| s.id == id && s.client_id == client_id)
    {
        Some(entry) => {
            entry.expiration_time = Utc::now() + SUBSCRIPTION_TTL;
            Json(entry.to_json()).into_response()
        }
        None => not_found(id).into_response(),
    }
}

/// `DELETE /v2/webhook/subscription/{id}`: 204, or 404 for unknown ids.
pub(super) fn delete(store: &Subscriptions, headers: &HeaderMap, id: &str) -> Response {
    let client_id = match client(headers) {
        Ok(id) => id,
        Err(refusal) => return refusal.into_response(),
    };
    let mut subscriptions = store.lock();
    let before = subscriptions.len();
    subscriptions.retain(|s| !(s.id == id && s.client_id == client_id));
    if subscriptions.len() < before {
        StatusCode::NO_CONTENT.into_response()
    } else {
        detail(StatusCode::NOT_FOUND, &format!("No webhook id {id} found."))
    }
}
