//! Background workers (webhook delivery, sync engine, ...) and their shutdown, plus the
//! shared runner of durable jobs.
//!
//! How to add one: write `async fn run(state: AppState, mut shutdown: ShutdownSignal) ->
//! anyhow::Result<()>` that loops until [`ShutdownSignal::wait`] resolves (use it in a
//! `tokio::select!` next to your work), then register it in [`start_workers`] with
//! `workers.spawn("name", |shutdown| run(state.clone(), shutdown))`. `serve` starts the
//! set after the listener is bound and calls [`WorkerSet::shutdown`] after the HTTP
//! server has drained, so a worker finishes (or abandons, to be resumed from its lease)
//! its current item before the process exits.
//!
//! A job kind on the jobs table is a [`JobKind`] (name, lease, handler); [`run_one`]
//! claims one due job of the given kinds, runs its handler and settles the result
//! (complete, re-queue a periodic job, wait without spending an attempt, retry with
//! backoff, or fail), and [`run_jobs`] is the worker loop around it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub mod backfill;

use tokio::sync::watch;
use tokio::task::JoinSet;
use wearbridge_providers::ProviderError;
use wearbridge_store::{Job, StoreError};

use crate::connect::{ConnectError, micros, now_micros};
use crate::ingest::IngestRecordsError;
use crate::state::AppState;

/// Tells a worker that the process is stopping.
#[derive(Debug, Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    /// Resolves once shutdown has been requested (immediately if it already was).
    pub async fn wait(&mut self) {
        // An error means the sender is gone, which also means "stop".
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }

    /// Whether shutdown has been requested.
    pub fn is_shutting_down(&self) -> bool {
        *self.0.borrow()
    }
}

/// The running workers.
#[derive(Debug)]
pub struct WorkerSet {
    stop: watch::Sender<bool>,
    tasks: JoinSet<(&'static str, anyhow::Result<()>)>,
}

impl Default for WorkerSet {
    fn default() -> Self {
        WorkerSet::new()
    }
}

impl WorkerSet {
    pub fn new() -> WorkerSet {
        let (stop, _) = watch::channel(false);
        WorkerSet {
            stop,
            tasks: JoinSet::new(),
        }
    }

    /// Starts a worker task; `name` appears in logs.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, worker: F)
    where
        F: FnOnce(ShutdownSignal) -> Fut,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let signal = ShutdownSignal(self.stop.subscribe());
        let task = worker(signal);
        self.tasks.spawn(async move { (name, task.await) });
        tracing::info!(worker.name = name, "worker started");
    }

    /// How many workers were started and have not finished.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Signals every worker to stop and waits up to `grace` for them; stragglers are
    /// aborted (their leases expire and another node resumes their work).
    pub async fn shutdown(mut self, grace: Duration) {
        self.stop.send_replace(true);
        let drained = tokio::time::timeout(grace, async {
            while let Some(joined) = self.tasks.join_next().await {
                log_exit(joined);
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                remaining = self.tasks.len(),
                "workers did not stop in time; aborting"
            );
            self.tasks.abort_all();
        }
    }
}

fn log_exit(joined: Result<(&'static str, anyhow::Result<()>), tokio::task::JoinError>) {
    match joined {
        Ok((name, Ok(()))) => tracing::info!(worker.name = name, "worker stopped"),
        Ok((name, Err(error))) => {
            tracing::error!(
                worker.name = name,
                error = format!("{error:#}"),
                "worker failed"
            );
        }
        Err(error) => tracing::error!(error = %error, "worker panicked or was cancelled"),
    }
}

/// Starts every background worker this build has.
pub fn start_workers(state: &AppState) -> WorkerSet {
    let mut workers = WorkerSet::new();
    workers.spawn("backfill", |shutdown| {
        backfill::run(state.clone(), shutdown)
    });
    workers.spawn("sync-jobs", |shutdown| {
        run_jobs(state.clone(), shutdown, "sync", crate::sync::JOB_KINDS)
    });
    workers.spawn("sync-schedule", |shutdown| {
        crate::sync::schedule::run(state.clone(), shutdown)
    });
    if state.store.backend() == wearbridge_store::Backend::Postgres {
        workers.spawn("user-changes", |shutdown| {
            follow_user_changes(state.clone(), shutdown)
        });
    }
    if state.config.webhooks.enabled {
        workers.spawn("webhook-delivery", |shutdown| {
            crate::delivery::run(state.clone(), shutdown)
        });
        workers.spawn("data-requests", |shutdown| {
            crate::delivery::data_request::run(state.clone(), shutdown)
        });
        workers.spawn("healthchecks", |shutdown| {
            crate::delivery::healthcheck::run(state.clone(), shutdown)
        });
    }
    workers
}

/// Follows other nodes' user changes (PostgreSQL `LISTEN`) so this node's read cache
/// ([`crate::read_cache`]) stays exact; reconnects after a failure, with a pause. While
/// not listening the cache is bypassed (`UserChanges::shared_safely`).
async fn follow_user_changes(state: AppState, mut shutdown: ShutdownSignal) -> anyhow::Result<()> {
    const RECONNECT_PAUSE: Duration = Duration::from_secs(1);
    loop {
        tokio::select! {
            () = shutdown.wait() => return Ok(()),
            result = state.store.follow_user_changes() => {
                if let Err(error) = result {
                    tracing::warn!(error = %error, "user change listener stopped; read cache bypassed until it reconnects");
                }
            }
        }
        tokio::select! {
            () = shutdown.wait() => return Ok(()),
            () = tokio::time::sleep(RECONNECT_PAUSE) => {}
        }
    }
}

/// Handler of one job kind: runs the claimed job (`worker_id` holds its lease).
pub(crate) type JobFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Outcome, JobError>> + Send + 'a>>;

/// A job kind on the durable jobs table.
pub(crate) struct JobKind {
    /// The `kind` column.
    pub(crate) kind: &'static str,
    /// Lease per claim; a handler that runs longer extends it (see `backfill`).
    pub(crate) lease: Duration,
    pub(crate) run: for<'a> fn(&'a AppState, &'a Job, &'a str) -> JobFuture<'a>,
}

/// What a successful run asks of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Finished for good: the job is completed.
    Done,
    /// A periodic job: the same row is queued again for `run_at` with `payload` (so its
    /// dedup key stays taken and no second copy can be scheduled meanwhile).
    Again { run_at: i64, payload: String },
}

/// What ended a job run without success.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JobError {
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
    /// A failure to retry with backoff whatever its cause (within the attempt limit).
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

/// First retry delay after a transient failure; doubles per attempt.
pub(crate) const RETRY_BASE: Duration = Duration::from_secs(30);
/// Idle pause of a job loop when no job is due.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Claims one due job of `kinds`, runs it and settles the result; false when none was
/// due.
pub(crate) async fn run_one(
    state: &AppState,
    worker_id: &str,
    kinds: &[&JobKind],
) -> Result<bool, StoreError> {
    let names: Vec<&str> = kinds.iter().map(|kind| kind.kind).collect();
    let lease = kinds
        .iter()
        .map(|kind| kind.lease)
        .max()
        .unwrap_or(Duration::from_secs(60));
    let Some(job) = state
        .store
        .claim_job(worker_id, &names, lease, now_micros(state))
        .await?
    else {
        return Ok(false);
    };
    let result = match kinds.iter().find(|kind| kind.kind == job.kind) {
        Some(kind) => (kind.run)(state, &job, worker_id).await,
        None => Err(JobError::Payload(format!(
            "no handler for kind {}",
            job.kind
        ))),
    };
    settle(state, &job, worker_id, result).await?;
    Ok(true)
}

/// Runs every due job of `kinds` now (tests, benchmarks); the number of jobs run.
pub(crate) async fn run_pending(
    state: &AppState,
    worker_id: &str,
    kinds: &[&JobKind],
) -> Result<usize, StoreError> {
    let mut ran = 0;
    while run_one(state, worker_id, kinds).await? {
        ran += 1;
    }
    Ok(ran)
}

/// The worker loop: claims and runs due jobs of `kinds` until shutdown, pausing
/// [`IDLE_POLL`] whenever none is due.
pub(crate) async fn run_jobs(
    state: AppState,
    mut shutdown: ShutdownSignal,
    name: &'static str,
    kinds: &'static [&'static JobKind],
) -> anyhow::Result<()> {
    let worker_id = format!("{name}-{}", uuid::Uuid::new_v4());
    loop {
        if shutdown.is_shutting_down() {
            return Ok(());
        }
        let ran = run_one(&state, &worker_id, kinds)
            .await
            .unwrap_or_else(|error| {
                tracing::error!(worker.name = name, error = %error, "job worker: store error");
                false
            });
        if !ran {
            tokio::select! {
                () = shutdown.wait() => return Ok(()),
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
}

/// Completes, re-queues, retries or fails the job after a run.
async fn settle(
    state: &AppState,
    job: &Job,
    worker_id: &str,
    result: Result<Outcome, JobError>,
) -> Result<(), StoreError> {
    let error = match result {
        Ok(Outcome::Done) => {
            state.store.complete_job(&job.id, worker_id).await?;
            return Ok(());
        }
        Ok(Outcome::Again { run_at, payload }) => {
            state
                .store
                .reschedule_job(&job.id, worker_id, run_at, &payload)
                .await?;
            return Ok(());
        }
        Err(error) => error,
    };
    if matches!(error, JobError::LeaseLost) {
        return Ok(());
    }
    if let JobError::Wait {
        run_at,
        progressed,
        note,
    } = &error
    {
        let attempts = if *progressed {
            0
        } else {
            job.attempts.saturating_sub(1)
        };
        let note = note.as_deref();
        state
            .store
            .yield_job(&job.id, worker_id, *run_at, attempts, note)
            .await?;
        return Ok(());
    }
    let retry_at = match error.provider() {
        Some(ProviderError::RateLimited {
            retry_after: Some(wait),
        }) => Some(*wait),
        Some(provider) if retry_with_backoff(provider) => Some(backoff(job.attempts)),
        Some(_) => None,
        None if matches!(error, JobError::Store(_) | JobError::Retry(_)) => {
            Some(backoff(job.attempts))
        }
        None => None,
    }
    .map(|wait| now_micros(state).saturating_add(micros(wait)));
    tracing::warn!(job_id = %job.id, job.kind = %job.kind, error = %error, retry = retry_at.is_some(), "job attempt failed");
    state
        .store
        .fail_job(&job.id, worker_id, &error.to_string(), retry_at)
        .await?;
    Ok(())
}

/// `RETRY_BASE × 2^(attempts-1)`, capped at an hour.
pub(crate) fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 7)).unwrap_or(0);
    RETRY_BASE
        .saturating_mul(2_u32.saturating_pow(exponent))
        .min(Duration::from_secs(3600))
}

/// Failures worth another try later: the provider's retryable ones, plus a malformed
/// body (a truncated or garbled page is usually a one-off; the attempt limit stops a
/// provider that keeps answering garbage).
pub(crate) fn retry_with_backoff(error: &ProviderError) -> bool {
    error.is_retryable() || matches!(error, ProviderError::Malformed(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn shutdown_stops_a_looping_worker() {
        let stopped = Arc::new(AtomicBool::new(false));
        let flag = stopped.clone();
        let mut workers = WorkerSet::new();
        workers.spawn("looper", |mut shutdown| async move {
            loop {
                tokio::select! {
                    () = shutdown.wait() => break,
                    () = tokio::time::sleep(Duration::from_millis(5)) => {}
                }
            }
            flag.store(true, Ordering::SeqCst);
            Ok(())
        });
        assert_eq!(workers.len(), 1);
        workers.shutdown(Duration::from_secs(5)).await;
        assert!(stopped.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_stuck_worker_is_aborted_after_the_grace_period() {
        let mut workers = WorkerSet::new();
        workers.spawn("stuck", |_shutdown| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        });
        // Without the abort this would wait for the hour-long sleep.
        workers.shutdown(Duration::from_millis(50)).await;
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), RETRY_BASE);
        assert_eq!(backoff(2), RETRY_BASE * 2);
        assert_eq!(backoff(50), Duration::from_secs(3600));
    }
}
