//! Durable jobs: one [`Job`] trait, one registry ([`registry`]), one runner
//! ([`runner`]), one file per job kind.
//!
//! Why one system: the database is the queue (`wearbridge_store::jobs`), so every kind
//! shares the same claim, lease, retry and crash-recovery rules; a kind states only what
//! differs (its payload, how it runs, its [`SettlePolicy`]). See `docs/ARCHITECTURE.md`,
//! "Adding a job".

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Notify;
use wearbridge_providers::ProviderError;
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{NewJob, StoreError};

use crate::connect::ConnectError;
use crate::ingest::IngestRecordsError;
use crate::services::Services;

pub mod backfill;
pub mod data_request;
pub mod fetch;
pub mod import;
pub mod poll;
pub mod refresh;
pub mod registry;
pub mod renew;
pub mod runner;

pub use registry::lanes;
pub use runner::{run_lane, run_one, run_pending};

/// One kind of durable job.
///
/// The runner claims a row of [`Job::KIND`], parses its payload into
/// [`Job::Payload`], calls [`Job::run`] and settles the result by [`Job::POLICY`].
pub trait Job: Send + Sync + 'static {
    /// The `kind` column.
    const KIND: &'static str;
    /// Lease, attempt limit and retry rule.
    const POLICY: SettlePolicy;
    /// The job's input, stored as JSON in the `payload` column.
    type Payload: Serialize + DeserializeOwned + Send + Sync;

    /// Runs one claimed job.
    fn run(
        run: &JobRun<'_>,
        payload: Self::Payload,
    ) -> impl Future<Output = Result<Outcome, JobError>> + Send;

    /// The lease per claim; a kind whose lease is configured overrides this.
    fn lease(_services: &Services) -> Duration {
        Self::POLICY.lease
    }
}

/// How the runner settles a kind's runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlePolicy {
    /// Lease per claim; a run that takes longer extends it (see the backfill).
    pub lease: Duration,
    /// Claims before the job is given up (written to the row at enqueue time).
    pub max_attempts: i32,
    /// When a failed run is tried again.
    pub retry: Retry,
}

/// The delay before a failed run is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// [`runner::RETRY_BASE`] doubling per attempt, capped at an hour; only failures
    /// worth retrying (provider's retryable ones, store errors, [`JobError::Retry`]).
    Backoff,
    /// The same delay after any failure but a bad payload.
    Fixed(Duration),
}

/// One claimed job as its kind sees it.
pub struct JobRun<'a> {
    pub services: &'a Services,
    pub job: &'a wearbridge_store::Job,
    /// Holds the job's lease.
    pub worker_id: &'a str,
    /// The lease per claim (for extending it).
    pub lease: Duration,
}

/// What a successful run asks of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Finished for good: the job is completed.
    Done,
    /// A periodic job: the same row is queued again for `run_at` with `payload` (so its
    /// dedup key stays taken and no second copy can be scheduled meanwhile).
    Again { run_at: i64, payload: String },
}

/// What ended a job run without success.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("bad job payload: {0}")]
    Payload(String),
    #[error("lost the job lease")]
    LeaseLost,
    /// Not a failure: the job waits (rate budget empty, provider pause, slice used) and is
    /// queued again for `run_at` without spending an attempt; after progress in this claim
    /// the attempt counter restarts, so only claims without progress count toward the
    /// kind's attempt limit (a 365-day backfill may meet many transient faults).
    #[error("waiting: {}", note.as_deref().unwrap_or("yielding its turn"))]
    Wait {
        run_at: i64,
        progressed: bool,
        note: Option<String>,
    },
    /// A failure to retry by the kind's [`Retry`] whatever its cause (within the attempt
    /// limit).
    #[error("{0}")]
    Retry(String),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Ingest(#[from] IngestRecordsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ProviderError> for JobError {
    fn from(error: ProviderError) -> JobError {
        JobError::Connect(ConnectError::Provider(error))
    }
}

impl JobError {
    pub(crate) fn provider(&self) -> Option<&ProviderError> {
        match self {
            JobError::Connect(ConnectError::Provider(error)) => Some(error),
            _ => None,
        }
    }
}

/// The row that queues a `J` job with `payload`: its kind and attempt limit come from
/// `J`, so no caller can get them wrong.
pub fn new_job<J: Job>(
    payload: &J::Payload,
    dedup_key: Option<String>,
    run_at: i64,
    owner: Option<(&DeveloperId, &UserId)>,
) -> Result<NewJob, StoreError> {
    let payload = serde_json::to_string(payload)
        .map_err(|error| StoreError::InvalidInput(error.to_string()))?;
    Ok(NewJob {
        kind: J::KIND.to_owned(),
        payload,
        dedup_key,
        run_at,
        max_attempts: J::POLICY.max_attempts,
        developer_id: owner.map(|(developer, _)| developer.clone()),
        user_id: owner.map(|(_, user)| user.clone()),
    })
}

/// First retry delay of [`Retry::Backoff`]; doubles per attempt.
pub const RETRY_BASE: Duration = Duration::from_secs(30);

/// `RETRY_BASE × 2^(attempts-1)`, capped at an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 7)).unwrap_or(0);
    RETRY_BASE
        .saturating_mul(2_u32.saturating_pow(exponent))
        .min(Duration::from_secs(3600))
}

/// Failures worth another try later: the provider's retryable ones, plus a malformed
/// body (a truncated or garbled page is usually a one-off; the attempt limit stops a
/// provider that keeps answering garbage).
pub fn retry_with_backoff(error: &ProviderError) -> bool {
    error.is_retryable() || matches!(error, ProviderError::Malformed(_))
}

/// A job kind with its payload type erased, as the runner holds it.
pub struct JobEntry {
    pub kind: &'static str,
    pub policy: SettlePolicy,
    pub lease: fn(&Services) -> Duration,
    pub run: for<'a> fn(&'a JobRun<'a>) -> JobFuture<'a>,
}

/// The entry of kind `J`.
pub const fn entry<J: Job>() -> JobEntry {
    JobEntry {
        kind: J::KIND,
        policy: J::POLICY,
        lease: J::lease,
        run: run_erased::<J>,
    }
}

fn run_erased<'a, J: Job>(run: &'a JobRun<'a>) -> JobFuture<'a> {
    Box::pin(async move {
        let payload: J::Payload = serde_json::from_str(&run.job.payload)
            .map_err(|error| JobError::Payload(error.to_string()))?;
        J::run(run, payload).await
    })
}

/// One runner loop's kinds.
pub struct Lane {
    /// Worker name in logs, prefix of the worker id.
    pub name: &'static str,
    pub kinds: &'static [JobEntry],
    /// Woken by producers right after an enqueue, so the lane does not wait for its idle
    /// poll (`None`: the idle poll is soon enough).
    pub wake: Option<&'static Notify>,
    /// Runs only when webhook delivery is enabled in this process.
    pub needs_webhooks: bool,
}

/// The future of one erased run (see [`JobEntry`]).
pub(crate) type JobFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Outcome, JobError>> + Send + 'a>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), RETRY_BASE);
        assert_eq!(backoff(2), RETRY_BASE * 2);
        assert_eq!(backoff(50), Duration::from_secs(3600));
    }
}
