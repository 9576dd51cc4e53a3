//! What developers can see and do about their deliveries, shared by the HTTP API
//! (`/wearbridge/v1/...`, [`crate::routes::deliveries`]) and the CLI (`wearbridge events
//! ...`, `wearbridge developer enable-webhook`): one code path, one set of views.

use chrono::{DateTime, NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use wearbridge_store::delivery::{DeliveryAttempt, DeliveryEventFilter, Destination};
use wearbridge_store::ids::{DeveloperId, EventId};
use wearbridge_store::{EventRow, EventState, Store, StoreError};

use super::PREVIOUS_SECRET_OVERLAP;
use crate::crypto::{Cipher, CryptoError};
use crate::secrets::generate_webhook_secret;
use crate::wire::terra_timestamp;

/// Why a management call failed.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("{0}")]
    BadInput(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// An outbox event as the API and CLI show it (body included only on request).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub user_id: Option<String>,
    /// `terra-reference` of the event, when it answers a request.
    pub reference: Option<String>,
    /// `X-Terra-Trace-Id` of every delivery of the event (the receiver's dedup key).
    pub trace_id: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub created_at: Option<String>,
    /// Next attempt (pending events).
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
    pub last_error: Option<String>,
    /// The exact JSON delivered, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl EventView {
    fn from_row(row: EventRow, with_body: bool) -> EventView {
        let trace_id = row.trace().to_owned();
        EventView {
            id: row.id.to_string(),
            event_type: row.event_type,
            user_id: row.user_id.map(|user| user.to_string()),
            trace_id,
            reference: row.reference,
            state: row.state.as_str().to_owned(),
            attempts: row.attempt_count,
            created_at: terra_timestamp(row.created_at),
            next_attempt_at: (row.state == EventState::Pending)
                .then(|| terra_timestamp(row.next_attempt_at))
                .flatten(),
            delivered_at: row.delivered_at.and_then(terra_timestamp),
            last_error: row.last_error,
            body: with_body.then_some(row.body),
        }
    }
}

/// One attempt: status, response code, latency, error.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub attempt: i32,
    pub started_at: Option<String>,
    /// Milliseconds until the response (or the error).
    pub latency_ms: f64,
    pub response_code: Option<i32>,
    pub error: Option<String>,
    /// `delivered`, `retry` (scheduled again) or `failed` (schedule spent).
    pub outcome: String,
}

impl From<DeliveryAttempt> for AttemptView {
    fn from(attempt: DeliveryAttempt) -> AttemptView {
        AttemptView {
            attempt: attempt.attempt_number,
            started_at: terra_timestamp(attempt.started_at),
            // Microseconds to milliseconds; f64 is exact far beyond any real latency.
            latency_ms: attempt.latency_micros as f64 / 1000.0,
            response_code: attempt.status_code,
            error: attempt.error,
            outcome: serde_json::to_value(attempt.outcome)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default(),
        }
    }
}

/// An event with its attempts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventDetail {
    pub event: EventView,
    pub attempts: Vec<AttemptView>,
}

/// A developer's webhook destination (no secrets).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DestinationView {
    pub webhook_url: Option<String>,
    pub enabled: bool,
    pub disabled_at: Option<String>,
    pub disabled_reason: Option<String>,
    /// Start of the current run of failed attempts (none while healthy).
    pub failing_since: Option<String>,
    /// Until when the previous signing secret still signs (after a rotation).
    pub previous_secret_valid_until: Option<String>,
}

impl From<Destination> for DestinationView {
    fn from(destination: Destination) -> DestinationView {
        DestinationView {
            webhook_url: destination.webhook_url,
            enabled: destination.disabled_at.is_none(),
            disabled_at: destination.disabled_at.and_then(terra_timestamp),
            disabled_reason: destination.disabled_reason,
            failing_since: destination.failing_since.and_then(terra_timestamp),
            previous_secret_valid_until: destination
                .previous_secret_until
                .and_then(terra_timestamp),
        }
    }
}

/// Parses a `since` value: RFC 3339, `YYYY-MM-DD` (midnight UTC) or unix seconds.
pub fn parse_since(value: &str) -> Result<DateTime<Utc>, ManageError> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<i64>() {
        return DateTime::from_timestamp(seconds, 0)
            .ok_or_else(|| ManageError::BadInput(format!("since out of range: {value}")));
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(value) {
        return Ok(instant.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc())
        .ok_or_else(|| {
            ManageError::BadInput(format!(
                "since must be RFC 3339, YYYY-MM-DD or unix seconds, got {value:?}"
            ))
        })
}

/// Parses an event state filter.
pub fn parse_state(value: &str) -> Result<EventState, ManageError> {
    value
        .trim()
        .parse()
        .map_err(|_| ManageError::BadInput("state must be pending, delivered or failed".into()))
}

fn parse_event_id(value: &str) -> Result<EventId, ManageError> {
    EventId::parse(value.trim())
        .map_err(|_| ManageError::BadInput(format!("invalid event id {value:?}")))
}

/// `dev`'s events, oldest first.
pub async fn list_events(
    store: &Store,
    dev: &DeveloperId,
    filter: &DeliveryEventFilter,
) -> Result<Vec<EventView>, ManageError> {
    let rows = store.list_delivery_events(dev, filter).await?;
    Ok(rows
        .into_iter()
        .map(|row| EventView::from_row(row, false))
        .collect())
}

/// One event with its body and every attempt.
pub async fn event_detail(
    store: &Store,
    dev: &DeveloperId,
    event_id: &str,
) -> Result<EventDetail, ManageError> {
    let id = parse_event_id(event_id)?;
    let row = store
        .get_event(dev, &id)
        .await?
        .ok_or(ManageError::NotFound)?;
    let attempts = store.list_delivery_attempts(dev, &id).await?;
    Ok(EventDetail {
        event: EventView::from_row(row, true),
        attempts: attempts.into_iter().map(AttemptView::from).collect(),
    })
}

/// Queues one event again (any state), due now, with a fresh retry schedule.
pub async fn resend(
    store: &Store,
    dev: &DeveloperId,
    event_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ManageError> {
    let id = parse_event_id(event_id)?;
    if !store.resend_event(dev, &id, now.timestamp_micros()).await? {
        return Err(ManageError::NotFound);
    }
    super::wake();
    Ok(())
}

/// Queues every failed event appended since `since` again; returns how many.
pub async fn resend_failed(
    store: &Store,
    dev: &DeveloperId,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, ManageError> {
    let count = store
        .resend_failed_since(dev, since.timestamp_micros(), now.timestamp_micros())
        .await?;
    super::wake();
    Ok(count)
}

/// The destination of `dev`.
pub async fn destination(store: &Store, dev: &DeveloperId) -> Result<DestinationView, ManageError> {
    let destination = store.destination(dev).await?.ok_or(ManageError::NotFound)?;
    Ok(destination.into())
}

/// Re-enables a disabled destination; its waiting events are delivered again.
pub async fn enable(store: &Store, dev: &DeveloperId) -> Result<DestinationView, ManageError> {
    if !store.enable_destination(dev).await? {
        return Err(ManageError::NotFound);
    }
    super::wake();
    destination(store, dev).await
}

/// A rotated signing secret and until when the old one keeps signing.
#[derive(Debug)]
pub struct RotatedSecret {
    pub webhook_signing_secret: SecretString,
    pub previous_valid_until: DateTime<Utc>,
}

impl RotatedSecret {
    /// `{"webhook_signing_secret", "previous_secret_valid_until"}` (shown once).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "webhook_signing_secret": self.webhook_signing_secret.expose_secret(),
            "previous_secret_valid_until": terra_timestamp(self.previous_valid_until.timestamp_micros()),
        })
    }
}

/// Replaces the signing secret; for 24 h deliveries carry a second `v1` made with the
/// old one, so receivers can switch at their own pace.
pub async fn rotate_secret(
    store: &Store,
    cipher: &Cipher,
    dev: &DeveloperId,
    now: DateTime<Utc>,
) -> Result<RotatedSecret, ManageError> {
    let secret = generate_webhook_secret();
    let until = now + PREVIOUS_SECRET_OVERLAP;
    let encrypted = cipher.encrypt_str(secret.expose_secret())?;
    if !store
        .rotate_webhook_secret(dev, &encrypted, until.timestamp_micros())
        .await?
    {
        return Err(ManageError::NotFound);
    }
    Ok(RotatedSecret {
        webhook_signing_secret: secret,
        previous_valid_until: until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_three_forms() {
        let expected = DateTime::from_timestamp(1_704_067_200, 0);
        assert_eq!(parse_since("1704067200").ok(), expected);
        assert_eq!(parse_since("2024-01-01").ok(), expected);
        assert_eq!(parse_since("2024-01-01T01:00:00+01:00").ok(), expected);
        assert!(parse_since("yesterday").is_err());
    }
}
