//! `to_webhook=true` on the data GET endpoints: answer at once with an acknowledgement
//! carrying a `reference`, then deliver the data as webhook events tagged with that
//! `terra-reference` (terra-api-notes B.2).
//!
//! This file answers the request: it queues a durable `data_request` job
//! ([`crate::jobs::data_request`], which survives a restart and appends the events) and
//! returns the acknowledgement.

use chrono::{DateTime, Months, Utc};
use wearbridge_model::DataType;
use wearbridge_store::User;

use crate::dates::DateRange;
use crate::error::ApiError;
use crate::jobs::data_request::DataRequestJob;
use crate::jobs::new_job;
use crate::services::Services;
use crate::wire::terra_user;

use crate::jobs::data_request::DataRequest;

/// Whether `[start, end)` spans more than one calendar month (Terra's FAQ threshold).
pub fn is_large(start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    start
        .checked_add_months(Months::new(1))
        .is_some_and(|month_later| end > month_later)
}

/// Accepts a `to_webhook=true` read: enqueues the job and returns the acknowledgement
/// body. Without a webhook URL, answers Terra's "no destinations" body and queues nothing.
pub async fn accept(
    services: &Services,
    user: &User,
    data_type: DataType,
    range: Option<&DateRange>,
    with_samples: bool,
) -> Result<String, ApiError> {
    if !has_destination(services, user).await? {
        return Ok(no_destination_body(data_type));
    }
    let request = enqueue(services, user, data_type, range, with_samples).await?;
    acknowledgement(user, &request)
}

/// Whether `user`'s developer has a webhook URL to deliver to.
pub async fn has_destination(services: &Services, user: &User) -> Result<bool, ApiError> {
    let destination = services.store.destination(&user.developer_id).await?;
    Ok(destination.and_then(|d| d.webhook_url).is_some())
}

/// Queues the durable `data_request` job for a read of `range`; the request it runs,
/// with its fresh `reference`.
pub async fn enqueue(
    services: &Services,
    user: &User,
    data_type: DataType,
    range: Option<&DateRange>,
    with_samples: bool,
) -> Result<DataRequest, ApiError> {
    let request = DataRequest {
        developer_id: user.developer_id.clone(),
        user_id: user.id.clone(),
        data_type,
        start_ts: range.map(DateRange::start_micros),
        end_ts: range.map(DateRange::end_micros),
        local_days: range.and_then(DateRange::local_days),
        with_samples,
        reference: uuid::Uuid::new_v4().to_string(),
        large: range.is_some_and(|range| is_large(range.start(), range.end())),
    };
    let job = new_job::<DataRequestJob>(
        &request,
        None,
        services.clock.now().timestamp_micros(),
        Some((&user.developer_id, &user.id)),
    )?;
    services.store.enqueue_job(&job).await?;
    crate::jobs::data_request::QUEUED.notify_waiters();
    Ok(request)
}

/// Terra's current `DataSentToWebhook` (terra-api-notes B.2 item 2, the envelope
/// validated against the live service): `{status: "success", type: <data type>,
/// reference, trace_id (= reference), message, user}`. `message` is kept on small
/// requests too (the SDK-era shape has it); a large request says it arrives in chunks.
/// SDK-era clients parse it as their `DataSentToWebhook` (extra keys are ignored).
fn acknowledgement(user: &User, request: &DataRequest) -> Result<String, ApiError> {
    acknowledgement_body(user, request.data_type, &request.reference, request.large)
        .map_err(ApiError::internal)
}

/// Terra's current acknowledgement of a `to_webhook=true` read of `data_type` whose data
/// follows tagged `reference`.
pub fn acknowledgement_body(
    user: &User,
    data_type: DataType,
    reference: &str,
    large: bool,
) -> Result<String, serde_json::Error> {
    let message = if large {
        "Large request submitted. The data is being processed and will be sent to your destination in chunks"
    } else {
        "Data sent to webhook"
    };
    let body = serde_json::json!({
        "status": "success",
        "type": data_type,
        "reference": reference,
        "trace_id": reference,
        "message": message,
        "user": terra_user(user),
    });
    serde_json::to_string(&body)
}

/// terra-api-notes B.2 (3): 200 with a problem-shaped body when no destination exists.
pub fn no_destination_body(data_type: DataType) -> String {
    serde_json::json!({
        "type": "about:blank",
        "title": "ok",
        "instance": format!("/{data_type}"),
        "detail": "no destinations available for this connection",
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn more_than_one_calendar_month_is_large() {
        assert!(!is_large(
            at("2024-01-01T00:00:00Z"),
            at("2024-02-01T00:00:00Z")
        ));
        assert!(is_large(
            at("2024-01-01T00:00:00Z"),
            at("2024-02-01T00:00:01Z")
        ));
        // February is short: 29 days from Feb 1 is within one calendar month (leap year).
        assert!(!is_large(
            at("2024-02-01T00:00:00Z"),
            at("2024-03-01T00:00:00Z")
        ));
        assert!(is_large(
            at("2024-02-01T00:00:00Z"),
            at("2024-03-02T00:00:00Z")
        ));
    }
}
