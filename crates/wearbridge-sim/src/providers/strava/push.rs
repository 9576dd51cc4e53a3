//! Strava's webhooks: the app's push subscription (`/api/v3/push_subscriptions`, one per
//! app, authenticated by `client_id` and `client_secret`) with its callback verification,
//! and the events Strava posts to the callback.
//!
//! Creating a subscription `GET`s `<callback_url>?hub.mode=subscribe&hub.challenge=<random>
//! &hub.verify_token=<token>` and succeeds (`201 {"id": ...}`) only when the callback
//! answers 200 with JSON `{"hub.challenge": "<challenge>"}`. Strava allows the callback two
//! seconds; the simulator allows ten (a loaded test machine is not a slow receiver).
//! Events are unsigned JSON `{aspect_type, event_time, object_id, object_type, owner_id,
//! subscription_id, updates}`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};
use url::Url;

use super::{StravaState, fault, ids};
use crate::person::Person;
use crate::providers::PushMessage;

/// How long the verification `GET` may take.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// One app's subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub client_id: String,
    pub callback_url: String,
    pub created_at: String,
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

    /// A snapshot (tests).
    pub fn all(&self) -> Vec<Subscription> {
        self.lock().clone()
    }
}

/// The event Strava posts when `data_type` changes for `account` on `date`: `activity`
/// is the creation of that day's first (ended) workout, `athlete` the athlete revoking the
/// app (`updates: {"authorized": "false"}`; revoke the account's grant at the simulator
/// first, as the athlete's click does at Strava). Strava signs nothing, so `client_id`
/// only names the app whose subscription delivers it.
pub fn push_message(
    person: &Person,
    account: &str,
    data_type: &str,
    date: NaiveDate,
    client_id: &str,
) -> Option<PushMessage> {
    let athlete = ids::athlete_id(account);
    let now = Utc::now();
    let (object_type, aspect_type, object_id, updates) = match data_type {
        "activity" => {
            let index = person
                .day(date)
                .workouts
                .iter()
                .position(|workout| workout.end <= now)?;
            let id = ids::activity_id(athlete, date, index);
            ("activity", "create", id, json!({}))
        }
        "athlete" => ("athlete", "update", athlete, json!({"authorized": "false"})),
        _ => return None,
    };
    let body = json!({
        "aspect_type": aspect_type,
        "event_time": now.timestamp(),
        "object_id": object_id,
        "object_type": object_type,
        "owner_id": athlete,
        "subscription_id": ids::subscription_id(client_id),
        "updates": updates,
    });
    Some(PushMessage {
        method: "POST",
        query: String::new(),
        content_type: "application/json",
        headers: Vec::new(),
        body: body.to_string().into_bytes(),
    })
}

fn fields(raw: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// The calling app from `client_id`/`client_secret` (form or query): a registered client
/// must present its secret, any other client a non-empty one.
fn app(state: &StravaState, fields: &HashMap<String, String>) -> Result<String, Box<Response>> {
    let id = fields.get("client_id").filter(|id| !id.is_empty());
    let secret = fields.get("client_secret").filter(|s| !s.is_empty());
    match (id, secret) {
        (Some(id), Some(secret))
            if state
                .oauth
                .client_secret(id)
                .is_none_or(|expected| &expected == secret) =>
        {
            Ok(id.clone())
        }
        _ => Err(Box::new(fault(
            StatusCode::UNAUTHORIZED,
            "Authorization Error",
            "Application",
            "client_id",
            "invalid",
        ))),
    }
}

fn refusal(field: &str, code: &str) -> Response {
    fault(
        StatusCode::BAD_REQUEST,
        "Bad Request",
        "PushSubscription",
        field,
        code,
    )
}

/// `POST /push_subscriptions` (form or query fields).
pub(super) async fn create(
    State(state): State<StravaState>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut fields = fields(query.unwrap_or_default().as_bytes());
    fields.extend(self::fields(&body));
    let client_id = match app(&state, &fields) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    let (Some(callback_url), Some(token)) =
        (fields.get("callback_url"), fields.get("verify_token"))
    else {
        return refusal("callback_url", "missing");
    };
    if state
        .subscriptions
        .lock()
        .iter()
        .any(|s| s.client_id == client_id)
    {
        return refusal("", "already exists");
    }
    if let Err(why) = verify(callback_url, token).await {
        tracing::debug!(why, "strava callback verification failed");
        return refusal("callback url", "GET to callback URL does not return 200");
    }
    let subscription = Subscription {
        id: ids::subscription_id(&client_id),
        client_id,
        callback_url: callback_url.clone(),
        created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    };
    let id = subscription.id;
    {
        // Checked again: another create may have won while the callback was verified.
        let mut subscriptions = state.subscriptions.lock();
        if subscriptions
            .iter()
            .any(|s| s.client_id == subscription.client_id)
        {
            return refusal("", "already exists");
        }
        subscriptions.push(subscription);
    }
    (StatusCode::CREATED, axum::Json(json!({ "id": id }))).into_response()
}

/// The verification handshake against `callback_url`.
async fn verify(callback_url: &str, token: &str) -> Result<(), String> {
    let mut url = Url::parse(callback_url).map_err(|e| format!("bad URL ({e})"))?;
    let challenge = uuid::Uuid::new_v4().simple().to_string();
    url.query_pairs_mut()
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.challenge", &challenge)
        .append_pair("hub.verify_token", token);
    let client = reqwest::Client::builder()
        .timeout(VERIFY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let answer = client.get(url).send().await.map_err(|e| e.to_string())?;
    if answer.status() != reqwest::StatusCode::OK {
        return Err(format!("callback answered HTTP {}", answer.status()));
    }
    let body: Value = answer.json().await.map_err(|e| e.to_string())?;
    if body.get("hub.challenge").and_then(Value::as_str) == Some(challenge.as_str()) {
        Ok(())
    } else {
        Err("the challenge was not echoed".to_owned())
    }
}

/// `GET /push_subscriptions?client_id&client_secret`: the app's subscriptions.
pub(super) async fn list(State(state): State<StravaState>, RawQuery(query): RawQuery) -> Response {
    let fields = fields(query.unwrap_or_default().as_bytes());
    let client_id = match app(&state, &fields) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    let mine: Vec<Value> = state
        .subscriptions
        .lock()
        .iter()
        .filter(|s| s.client_id == client_id)
        .map(|s| {
            json!({
                "id": s.id,
                "resource_state": 2,
                "application_id": ids::subscription_id(&format!("app/{}", s.client_id)),
                "callback_url": s.callback_url,
                "created_at": s.created_at,
                "updated_at": s.created_at,
            })
        })
        .collect();
    axum::Json(mine).into_response()
}

/// `DELETE /push_subscriptions/{id}?client_id&client_secret`: 204, or 404.
pub(super) async fn delete(
    State(state): State<StravaState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let fields = fields(query.unwrap_or_default().as_bytes());
    let client_id = match app(&state, &fields) {
        Ok(id) => id,
        Err(refused) => return *refused,
    };
    let mut subscriptions = state.subscriptions.lock();
    let before = subscriptions.len();
    subscriptions.retain(|s| !(s.id.to_string() == id && s.client_id == client_id));
    if subscriptions.len() < before {
        StatusCode::NO_CONTENT.into_response()
    } else {
        fault(
            StatusCode::NOT_FOUND,
            "Resource Not Found",
            "PushSubscription",
            "id",
            "not found",
        )
    }
}
