//! A `to_webhook=false` read whose provider fetch cannot finish now (it outlasted the
//! read's wait, or a provider rate limit stopped it): Terra's SDK-era `processing` and
//! `rate_limit` bodies (terra-api-notes B.2 (4)), and, when the developer has a webhook,
//! a durable `data_request` job that finishes the fetch and delivers the range tagged
//! with the body's `reference` (an addition to Terra's shapes, so the app can match the
//! delivery; see docs/DECISIONS.md).

use std::time::Duration;

use wearbridge_model::DataType;
use wearbridge_store::User;

use super::data_request::{enqueue, has_destination};
use crate::dates::DateRange;
use crate::error::ApiError;
use crate::services::Services;
use crate::sync::coverage::DaySpan;
use crate::wire::terra_user;

/// Why the read is answered later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deferral {
    /// The fetch still runs; ask again after `retry_after`.
    StillFetching { retry_after: Duration },
    /// A provider rate limit holds the fetch until `retry_at` (unix µs).
    RateLimited { retry_at: i64 },
}

/// What the read of `range` (its provider days `days`) answers now.
pub async fn defer(
    services: &Services,
    user: &User,
    (data_type, range, days): (DataType, Option<&DateRange>, DaySpan),
    with_samples: bool,
    deferral: Deferral,
) -> Result<String, ApiError> {
    let reference = if has_destination(services, user).await? {
        let request = enqueue(services, user, data_type, range, with_samples).await?;
        Some(request.reference)
    } else {
        None
    };
    let user_json = terra_user(user);
    let body = match deferral {
        Deferral::StillFetching { retry_after } => serde_json::json!({
            "retry_after_seconds": retry_after.as_secs().max(1),
            "message": message(reference.is_some(), "The provider is still sending this range"),
            "type": "processing",
            "user": user_json,
        }),
        Deferral::RateLimited { retry_at } => {
            if let Some(reference) = &reference {
                let event = crate::events::rate_limit_hit(
                    user,
                    (days.first, days.last),
                    retry_at,
                    Some(reference),
                )
                .map_err(ApiError::internal)?;
                services.store.append_event(&event).await?;
                super::wake();
            }
            let now = services.now_micros();
            let seconds =
                (retry_at.saturating_sub(now).max(0).saturating_add(999_999) / 1_000_000).max(1);
            serde_json::json!({
                "message": message(reference.is_some(), "The provider's rate limit was reached"),
                "type": "rate_limit",
                "user": user_json,
                "retry_after_seconds": seconds,
            })
        }
    };
    let mut body = body;
    if let (Some(reference), Some(object)) = (reference, body.as_object_mut()) {
        object.insert("reference".to_owned(), reference.into());
    }
    serde_json::to_string(&body).map_err(ApiError::internal)
}

fn message(by_webhook: bool, what: &str) -> String {
    if by_webhook {
        format!("{what}; the data will be sent to your webhook with this reference")
    } else {
        format!("{what}; try again later")
    }
}
