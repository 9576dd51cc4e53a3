//! Events of the sync engine's on-demand fetches.

use chrono::NaiveDate;
use wearbridge_model::{RateLimitHitEvent, WebhookEvent};
use wearbridge_store::{NewEvent, User};

use super::outbox_row;
use crate::wire::{terra_timestamp, terra_user};

/// `rate_limit_hit` (terra-api-notes D.3): fetching `first..=last` for a request hit the
/// provider's rate limit; it is retried at `retrying_at` (unix µs). `reference` ties it
/// to the data request waiting for it, when there is one.
pub fn rate_limit_hit(
    user: &User,
    (first, last): (NaiveDate, NaiveDate),
    retrying_at: i64,
    reference: Option<&str>,
) -> Result<NewEvent, serde_json::Error> {
    // The SDK-era event's `TerraUser` has no `created_at` (sdk/TerraUser.json).
    let mut wire_user = terra_user(user);
    wire_user.created_at = None;
    let event = WebhookEvent::RateLimitHit(RateLimitHitEvent {
        user: wire_user,
        start_date: first.to_string(),
        end_date: last.to_string(),
        retrying_at: terra_timestamp(retrying_at).unwrap_or_default(),
        message: "Provider rate limit reached; the request is retried automatically".to_owned(),
        status: None,
    });
    let mut row = outbox_row(&user.developer_id, Some(&user.id), &event)?;
    row.reference = reference.map(str::to_owned);
    Ok(row)
}
