//! Every Terra event body this server sends, built in one place.
//!
//! Why one module: an event's shape is part of the wire contract (Terra's schemas), so
//! it is decided here once — from the model's event types where a body is assembled from
//! records, or by splicing stored JSON for `to_webhook` reads — and every producer (the
//! connect flow, ingest, the sync engine, data requests, healthchecks) appends what these
//! functions return, in the transaction of the change it announces. The data-model
//! version is [`wearbridge_model::MODEL_VERSION`], nowhere else.
//!
//! Adding an event: a model type in `wearbridge-model` (a `WebhookEvent` variant), a
//! builder here returning a [`NewEvent`], and the producer appending it.

mod connection;
mod data;
mod sync;
mod workouts;

pub use connection::{
    access_revoked, auth_cancelled, auth_failure, auth_success, connection_error, deauth,
    permission_change, user_reauth,
};
pub use data::{
    MAX_CHUNK_BYTES, RECORDS_PER_EVENT, RequestEvent, data_events, data_request_bodies,
};
pub use sync::rate_limit_hit;
pub use workouts::{planned_workout, planned_workout_item};

use chrono::{DateTime, Utc};
use wearbridge_model::WebhookEvent;
use wearbridge_store::NewEvent;
use wearbridge_store::ids::{DeveloperId, UserId};

use crate::wire::terra_timestamp;

/// Wraps a model event into an outbox row about `user_id`.
fn outbox_row(
    developer_id: &DeveloperId,
    user_id: Option<&UserId>,
    event: &WebhookEvent,
) -> Result<NewEvent, serde_json::Error> {
    Ok(NewEvent {
        developer_id: developer_id.clone(),
        user_id: user_id.cloned(),
        event_type: event.event_type().to_owned(),
        body: serde_json::to_string(event)?,
        reference: None,
        trace_id: None,
    })
}

/// The periodic `healthcheck` (terra-api-notes D.3) for `developer_id` at `now`, from the
/// deliveries of the last hour and of the hour before it.
pub fn healthcheck(
    developer_id: &DeveloperId,
    now: DateTime<Utc>,
    last_hour: i64,
    hour_before: i64,
) -> NewEvent {
    let body = serde_json::json!({
        "type": "healthcheck",
        "status": "success",
        "creation_timestamp": terra_timestamp(now.timestamp_micros()),
        "trend_percentage": trend_percentage(hour_before, last_hour),
        "sent_webhooks_last_hour": last_hour,
    });
    NewEvent {
        developer_id: developer_id.clone(),
        user_id: None,
        event_type: "healthcheck".to_owned(),
        body: body.to_string(),
        reference: None,
        trace_id: None,
    }
}

/// Percent change from `previous` to `current`, rounded toward zero; 0 when both are 0,
/// 100 when traffic appears from nothing.
pub fn trend_percentage(previous: i64, current: i64) -> i64 {
    match previous {
        0 if current == 0 => 0,
        0 => 100,
        _ => (current - previous).saturating_mul(100) / previous,
    }
}
