//! `to_webhook=true` on the data GET endpoints: answer at once with an acknowledgement
//! carrying a `reference`, then deliver the data as webhook events tagged with that
//! `terra-reference` (terra-api-notes B.2).
//!
//! The request becomes a durable `data_request` job (it survives a restart); the job
//! handler reads the store and appends the events in one transaction:
//! - a range of at most one calendar month: one data event with every record (possibly
//!   an empty `data`), or for `athlete` one event with the profile;
//! - longer ranges: `large_request_processing`, `large_request_sending` with
//!   `expected_payloads`, then chunks of at most [`CHUNK_RECORDS`] records.
//!
//! At-least-once: if the process dies after the events commit but before the job is
//! marked complete, the job runs again and the events are appended again (same
//! reference, new event ids).

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use wearbridge_model::DataType;
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{Job, NewEvent, NewJob, RecordQuery, Store, User};

use super::DeliveryError;
use crate::dates::DateRange;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::terra_user;
use crate::workers::ShutdownSignal;

/// Job kind on the durable queue.
pub const JOB_KIND: &str = "data_request";
/// Records per chunk of a large request (Terra: at most 10 objects per chunk).
pub const CHUNK_RECORDS: usize = 10;
/// The data-model `version` Terra puts on data events.
pub const DATA_EVENT_VERSION: &str = "2022-03-16";
/// Job attempts before the request is given up.
const JOB_ATTEMPTS: i32 = 5;
/// Delay before a failed job runs again, microseconds.
const JOB_RETRY_MICROS: i64 = 30_000_000;

/// What the job needs to reproduce the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRequest {
    pub developer_id: DeveloperId,
    pub user_id: UserId,
    /// Terra data type, e.g. `activity`, or `athlete` (its wire name in the job payload).
    pub data_type: DataType,
    /// Unix microseconds, inclusive; `None` for `athlete` (no range).
    pub start_ts: Option<i64>,
    /// Unix microseconds, exclusive.
    pub end_ts: Option<i64>,
    /// User-local days (inclusive) when the request gave dates; then the range is matched
    /// against each record's local date instead of `start_ts`/`end_ts`.
    #[serde(default)]
    pub local_days: Option<(NaiveDate, NaiveDate)>,
    pub with_samples: bool,
    /// The acknowledgement's `reference`, sent as `terra-reference` on every event.
    pub reference: String,
    /// More than one calendar month: chunked with the large-request events.
    pub large: bool,
}

/// Whether `[start, end)` spans more than one calendar month (Terra's FAQ threshold).
pub fn is_large(start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    start
        .checked_add_months(Months::new(1))
        .is_some_and(|month_later| end > month_later)
}

/// Accepts a `to_webhook=true` read: enqueues the job and returns the acknowledgement
/// body. Without a webhook URL, answers Terra's "no destinations" body and queues nothing.
pub async fn accept(
    state: &AppState,
    user: &User,
    data_type: DataType,
    range: Option<&DateRange>,
    with_samples: bool,
) -> Result<String, ApiError> {
    let destination = state.store.destination(&user.developer_id).await?;
    if destination.and_then(|d| d.webhook_url).is_none() {
        return Ok(no_destination_body(data_type));
    }
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
    let payload = serde_json::to_string(&request).map_err(ApiError::internal)?;
    state
        .store
        .enqueue_job(&NewJob {
            kind: JOB_KIND.to_owned(),
            payload,
            dedup_key: None,
            run_at: state.clock.now().timestamp_micros(),
            max_attempts: JOB_ATTEMPTS,
            developer_id: Some(user.developer_id.clone()),
            user_id: Some(user.id.clone()),
        })
        .await?;
    JOB_QUEUED.notify_waiters();
    acknowledgement(user, &request)
}

/// `DataSentToWebhook` (`{user, reference, message, type}`), or for a large request the
/// SDK-era `LargeRequestProcessingEvent` shape Terra answers with.
fn acknowledgement(user: &User, request: &DataRequest) -> Result<String, ApiError> {
    let user = terra_user(user);
    let body = if request.large {
        serde_json::json!({
            "type": "large_request_processing",
            "status": "processing",
            "message": "Large request is processing; the data will be sent to your webhook in chunks",
            "user": user,
            "reference": request.reference,
        })
    } else {
        serde_json::json!({
            "user": user,
            "reference": request.reference,
            "message": "Data sent to webhook",
            "type": request.data_type,
        })
    };
    serde_json::to_string(&body).map_err(ApiError::internal)
}

/// terra-api-notes B.2 (3): 200 with a problem-shaped body when no destination exists.
fn no_destination_body(data_type: DataType) -> String {
    serde_json::json!({
        "type": "about:blank",
        "title": "ok",
        "instance": format!("/{data_type}"),
        "detail": "no destinations available for this connection",
    })
    .to_string()
}

/// Wakes the job loop of this process after an enqueue.
static JOB_QUEUED: std::sync::LazyLock<tokio::sync::Notify> =
    std::sync::LazyLock::new(tokio::sync::Notify::new);

/// Runs one claimed job: reads the records and appends the events. Returns how many
/// events were appended.
pub async fn handle(store: &Store, job: &Job) -> Result<usize, DeliveryError> {
    let request: DataRequest = serde_json::from_str(&job.payload)
        .map_err(|error| DeliveryError::BadJob(error.to_string()))?;
    let Some(user) = store
        .get_user(&request.developer_id, &request.user_id)
        .await?
    else {
        // The user disconnected meanwhile: nothing to send.
        return Ok(0);
    };
    let records = store
        .query_records(
            &request.developer_id,
            &request.user_id,
            request.data_type,
            RecordQuery {
                start_ts: request.start_ts.unwrap_or(i64::MIN),
                end_ts: request.end_ts.unwrap_or(i64::MAX),
                local_days: request.local_days,
                with_samples: request.with_samples,
            },
        )
        .await?;
    let bodies = event_bodies(&user, &request, &records)?;
    let events: Vec<NewEvent> = bodies
        .into_iter()
        .map(|(event_type, body)| NewEvent {
            developer_id: request.developer_id.clone(),
            user_id: Some(request.user_id.clone()),
            event_type,
            body,
            reference: Some(request.reference.clone()),
        })
        .collect();
    let mut tx = store.begin().await?;
    tx.append_events(&events).await?;
    tx.commit().await?;
    super::wake();
    Ok(events.len())
}

/// `(event type, body)` of every event a request produces, in delivery order.
fn event_bodies(
    user: &User,
    request: &DataRequest,
    records: &[String],
) -> Result<Vec<(String, String)>, DeliveryError> {
    let user_json = serde_json::to_string(&terra_user(user))
        .map_err(|error| DeliveryError::BadJob(error.to_string()))?;
    if request.data_type == DataType::Athlete {
        // The profile is one object, not an array; the latest stored one.
        return Ok(records
            .last()
            .map(|athlete| {
                let body = format!(
                    r#"{{"type":"athlete","athlete":{athlete},"user":{user_json},"version":"{DATA_EVENT_VERSION}"}}"#
                );
                vec![("athlete".to_owned(), body)]
            })
            .unwrap_or_default());
    }
    if !request.large {
        return Ok(vec![data_event(request.data_type, &user_json, records)]);
    }
    let chunks: Vec<&[String]> = records.chunks(CHUNK_RECORDS).collect();
    let reference_json = serde_json::to_string(&request.reference)
        .map_err(|error| DeliveryError::BadJob(error.to_string()))?;
    let mut bodies = vec![
        (
            "large_request_processing".to_owned(),
            format!(
                r#"{{"type":"large_request_processing","status":"processing","message":"Large request is being processed","user":{user_json},"reference":{reference_json}}}"#
            ),
        ),
        (
            "large_request_sending".to_owned(),
            format!(
                r#"{{"type":"large_request_sending","user":{user_json},"reference":{reference_json},"message":"Large request is being sent","expected_payloads":{}}}"#,
                chunks.len()
            ),
        ),
    ];
    bodies.extend(
        chunks
            .into_iter()
            .map(|chunk| data_event(request.data_type, &user_json, chunk)),
    );
    Ok(bodies)
}

/// `{"type", "data": [...], "user", "version"}` with the stored JSON spliced in verbatim.
fn data_event(data_type: DataType, user_json: &str, records: &[String]) -> (String, String) {
    let data = records.join(",");
    let body = format!(
        r#"{{"type":"{data_type}","data":[{data}],"user":{user_json},"version":"{DATA_EVENT_VERSION}"}}"#
    );
    (data_type.as_str().to_owned(), body)
}

/// The background loop running `data_request` jobs.
pub async fn run(state: AppState, mut shutdown: ShutdownSignal) -> anyhow::Result<()> {
    let worker_id = format!("data-request-{}", uuid::Uuid::new_v4());
    let poll = state.config.webhooks.poll_interval();
    while !shutdown.is_shutting_down() {
        match run_one(&state, &worker_id).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(error) => tracing::error!(error = %error, "data request job failed"),
        }
        let queued = JOB_QUEUED.notified();
        tokio::select! {
            () = shutdown.wait() => break,
            () = queued => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
    Ok(())
}

/// Claims and runs one due job; false when none was due.
pub async fn run_one(state: &AppState, worker_id: &str) -> Result<bool, DeliveryError> {
    let now = state.clock.now().timestamp_micros();
    let Some(job) = state
        .store
        .claim_job(worker_id, &[JOB_KIND], state.config.webhooks.lease(), now)
        .await?
    else {
        return Ok(false);
    };
    match handle(&state.store, &job).await {
        Ok(appended) => {
            tracing::debug!(job.id = %job.id, events = appended, "data request delivered to the outbox");
            state.store.complete_job(&job.id, worker_id).await?;
        }
        Err(error) => {
            let retry_at = now.saturating_add(JOB_RETRY_MICROS);
            state
                .store
                .fail_job(&job.id, worker_id, &error.to_string(), Some(retry_at))
                .await?;
        }
    }
    Ok(true)
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
