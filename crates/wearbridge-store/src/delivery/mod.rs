//! Webhook delivery state: claiming due outbox events with a lease, recording every
//! attempt together with the event's new state, resending, and the per-developer
//! destination state (disabled / failing since / previous signing secret / healthcheck
//! slot). Tables: `0200_delivery.sql`.
//!
//! The retry *policy* (delays, jitter, when to give up) belongs to the server's delivery
//! worker; the store only applies the decision it is handed, atomically.
//!
//! One file per concern, each adding to `impl Store` over the types defined here:
//! - `claims`: leasing due events to a worker, and resending (which drops the lease);
//! - `recording`: an attempt, the event's next state and the destination's health, in
//!   one transaction guarded by the lease;
//! - `destination`: the per-developer destination row (state, enabling, secret
//!   rotation, the healthcheck slot);
//! - `listing`: the reads behind the delivery API and CLI (events, attempts, counts).

use serde::{Deserialize, Serialize};

use crate::ids::{DeveloperId, EventId};
use crate::types::EventState;
use crate::{Result, StoreError};

mod claims;
mod destination;
mod listing;
mod recording;
#[cfg(test)]
mod tests;

/// What the worker decided after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// 2xx: delivered at this time (unix microseconds).
    Delivered { at: i64 },
    /// Failed; attempt again at this time (unix microseconds).
    RetryAt(i64),
    /// Failed and the schedule is spent: the event is kept as `failed` (resendable).
    GiveUp,
}

/// How an attempt ended, as stored in `delivery_attempts.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptOutcome {
    Delivered,
    Retry,
    Failed,
}

impl AttemptOutcome {
    fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retry => "retry",
            AttemptOutcome::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<AttemptOutcome> {
        match text {
            "delivered" => Ok(AttemptOutcome::Delivered),
            "retry" => Ok(AttemptOutcome::Retry),
            "failed" => Ok(AttemptOutcome::Failed),
            other => Err(StoreError::Corrupt(format!(
                "unknown attempt outcome {other:?}"
            ))),
        }
    }
}

/// One finished attempt and the decision about the event, recorded atomically by
/// [`Store::record_delivery`](crate::Store::record_delivery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryResult {
    pub event_id: EventId,
    pub developer_id: DeveloperId,
    /// The worker holding the lease (from the claim).
    pub worker_id: String,
    /// 1-based attempt number (the event's `attempt_count` after the claim).
    pub attempt_number: i32,
    /// When the request started, unix microseconds.
    pub started_at: i64,
    /// Request duration until the response head (or the error), microseconds.
    pub latency_micros: i64,
    /// HTTP status, when a response came back.
    pub status_code: Option<u16>,
    /// Transport error or non-2xx description.
    pub error: Option<String>,
    pub next: NextStep,
    /// Disable the destination now with this reason (a 410 Gone).
    pub disable_reason: Option<String>,
    /// Disable the destination when its failure streak began at or before this time
    /// (unix microseconds): "only failures for 5 days".
    pub disable_if_failing_since: i64,
}

/// A stored attempt, for the API and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub id: String,
    pub event_id: EventId,
    pub attempt_number: i32,
    /// Unix microseconds.
    pub started_at: i64,
    /// Microseconds.
    pub latency_micros: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub outcome: AttemptOutcome,
}

/// A developer's webhook destination: URL, secrets (encrypted) and health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    pub developer_id: DeveloperId,
    pub webhook_url: Option<String>,
    /// Current signing secret, encrypted by the server.
    pub secret_enc: String,
    /// Secret before the last rotation, encrypted; signs too until `previous_secret_until`.
    pub previous_secret_enc: Option<String>,
    /// Unix microseconds.
    pub previous_secret_until: Option<i64>,
    /// Unix microseconds; `Some` means deliveries are paused.
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    /// Start of the current failure streak, unix microseconds.
    pub failing_since: Option<i64>,
}

/// Filter for [`Store::list_delivery_events`](crate::Store::list_delivery_events);
/// `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryEventFilter {
    /// Only events appended at or after this time (unix microseconds).
    pub since: Option<i64>,
    pub state: Option<EventState>,
    pub event_type: Option<String>,
    /// Default [`DEFAULT_LIST_LIMIT`](crate::DEFAULT_LIST_LIMIT).
    pub limit: Option<u32>,
}
