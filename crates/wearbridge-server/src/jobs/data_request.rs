//! The `data_request` job behind `to_webhook=true` reads: fetches from the provider what
//! the range lacks (the same fill as a `to_webhook=false` read, [`crate::sync::fill`]),
//! then reads the range from the store and appends its events (bodies from [`crate::events::data_request_bodies`]) tagged
//! with the acknowledgement's reference, in one transaction.
//!
//! At-least-once: if the process dies after the events commit but before the job is
//! marked complete, the job runs again and the events are appended again (same
//! reference, new event ids).

use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use wearbridge_model::DataType;
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{NewEvent, RecordQuery, Store};

use super::{Job, JobError, JobRun, Outcome, Retry, SettlePolicy};
use crate::services::Services;
use crate::sync::coverage::{self, DaySpan};
use crate::sync::fill::{FillStop, fill};

/// Job kind on the durable queue.
pub const JOB_KIND: &str = "data_request";

/// Wakes the `data-requests` lane of this process after an enqueue.
pub static QUEUED: Notify = Notify::const_new();

/// The data request job kind.
pub struct DataRequestJob;

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

impl Job for DataRequestJob {
    const KIND: &'static str = JOB_KIND;
    /// Five attempts, 30 s apart whatever failed (the store, usually). The lease is the
    /// webhook lease (`webhooks.lease_secs`), see [`Job::lease`].
    const POLICY: SettlePolicy = SettlePolicy {
        lease: Duration::from_secs(300),
        max_attempts: 5,
        retry: Retry::Fixed(Duration::from_secs(30)),
    };
    type Payload = DataRequest;

    async fn run(run: &JobRun<'_>, request: DataRequest) -> Result<Outcome, JobError> {
        fill_first(run, &request).await?;
        let appended = append_events(&run.services.store, &request).await?;
        tracing::debug!(events = appended, "data request delivered to the outbox");
        Ok(Outcome::Done)
    }

    fn lease(services: &Services) -> Duration {
        services.webhook_lease
    }
}

/// Fetches what the request's range lacks. A rate limit makes the job wait for it
/// (`rate_limit_hit` tells the app, with the request's reference); a provider failure is
/// retried while attempts remain, then the stored part is delivered.
async fn fill_first(run: &JobRun<'_>, request: &DataRequest) -> Result<(), JobError> {
    let services = run.services;
    let Some(user) = services
        .store
        .get_user(&request.developer_id, &request.user_id)
        .await?
    else {
        return Ok(());
    };
    let days = request_days(services, request);
    match fill(services, &user, request.data_type, days, Some(run)).await {
        Ok(_) => Ok(()),
        Err(FillStop::RateLimited { retry_at }) => {
            let event = crate::events::rate_limit_hit(
                &user,
                (days.first, days.last),
                retry_at,
                Some(&request.reference),
            )
            .map_err(|error| JobError::Payload(error.to_string()))?;
            services.store.append_event(&event).await?;
            crate::delivery::wake();
            Err(JobError::Wait {
                run_at: retry_at,
                progressed: true,
                note: Some("waiting for the provider rate limit".to_owned()),
            })
        }
        Err(FillStop::Failed(error)) if run.job.attempts < run.job.max_attempts => Err(error),
        Err(FillStop::Failed(error)) => {
            tracing::warn!(error = %error, "data request fill failed; delivering what is stored");
            Ok(())
        }
    }
}

/// The provider days the request covers: its local days, or the days its instants can
/// touch; today for an athlete request (a profile has no period).
fn request_days(services: &Services, request: &DataRequest) -> DaySpan {
    if let Some((first, last)) = request.local_days {
        return DaySpan { first, last };
    }
    match (request.start_ts, request.end_ts) {
        (Some(start), Some(end)) => coverage::instant_days(start, end),
        _ => {
            let today = services.clock.now().date_naive();
            DaySpan {
                first: today,
                last: today,
            }
        }
    }
}

/// Reads the records and appends the events; how many were appended.
pub async fn append_events(store: &Store, request: &DataRequest) -> Result<usize, JobError> {
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
    let bodies = crate::events::data_request_bodies(
        &user,
        request.data_type,
        &request.reference,
        request.large,
        &records,
    )
    .map_err(|error| JobError::Payload(error.to_string()))?;
    let events: Vec<NewEvent> = bodies
        .into_iter()
        .map(|event| NewEvent {
            developer_id: request.developer_id.clone(),
            user_id: Some(request.user_id.clone()),
            event_type: event.event_type,
            body: event.body,
            reference: Some(request.reference.clone()),
            trace_id: Some(event.trace_id),
        })
        .collect();
    let mut tx = store.begin().await?;
    tx.append_events(&events).await?;
    tx.commit().await?;
    crate::delivery::wake();
    Ok(events.len())
}

/// Runs every due data request now (tests); the number run.
pub async fn run_pending(
    services: &Services,
    worker_id: &str,
) -> Result<usize, wearbridge_store::StoreError> {
    super::run_pending(services, worker_id, &[super::entry::<DataRequestJob>()]).await
}
