//! Fetch jobs: one user, one data type, one range of days, queued by provider push
//! notifications ([`super::push`]). Same budget, token, retry and revocation handling as
//! the backfill (shared from `workers::backfill`); the dedup key makes a notification
//! delivered twice while its fetch is pending one job, and the upsert-on-change ingest
//! makes a later duplicate store and announce nothing.

use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use wearbridge_model::DataType;
use wearbridge_providers::{FetchRange, ProviderError};
use wearbridge_store::ids::UserId;
use wearbridge_store::{Job, NewJob, StoreError, User};

use crate::connect::now_micros;
use crate::ingest::ingest_records;
use crate::state::AppState;
use crate::workers::backfill::{Chunk, admit, fetch_chunk, interrupted, job_user, revoke_access};
use crate::workers::{JobError, JobFuture, JobKind, Outcome, ShutdownSignal};

/// Job kind on the jobs table.
pub const KIND: &str = "fetch";
/// A fetch is one chunk: well inside this lease.
const LEASE: Duration = Duration::from_secs(120);
/// Claims before a fetch is given up (a notification's data also arrives with the next
/// poll or backfill, so giving up is not data loss forever).
const MAX_ATTEMPTS: i32 = 6;

/// The fetch job kind.
pub(crate) const JOB: JobKind = JobKind {
    kind: KIND,
    lease: LEASE,
    run: start,
};

fn start<'a>(state: &'a AppState, job: &'a Job, _worker_id: &'a str) -> JobFuture<'a> {
    Box::pin(run_job(state, job))
}

/// The job's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchPayload {
    pub user_id: UserId,
    pub data_type: DataType,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Queues a fetch; `false` when the same fetch is already queued or running.
pub async fn enqueue_fetch(
    state: &AppState,
    user: &User,
    data_type: DataType,
    range: FetchRange,
) -> Result<bool, StoreError> {
    let payload = FetchPayload {
        user_id: user.id.clone(),
        data_type,
        start: range.start,
        end: range.end,
    };
    let text = serde_json::to_string(&payload)
        .map_err(|error| StoreError::InvalidInput(error.to_string()))?;
    let dedup_key = format!(
        "{KIND}:{}:{}:{}:{}",
        user.id,
        data_type.as_str(),
        range.start,
        range.end
    );
    let queued = state
        .store
        .enqueue_job(&NewJob {
            kind: KIND.to_owned(),
            payload: text,
            dedup_key: Some(dedup_key),
            run_at: now_micros(state),
            max_attempts: MAX_ATTEMPTS,
            developer_id: Some(user.developer_id.clone()),
            user_id: Some(user.id.clone()),
        })
        .await?;
    Ok(queued.is_some())
}

/// The worker loop: claims and runs due fetch jobs until shutdown (`serve` runs fetch
/// jobs in the shared sync worker instead; this is for tests that want fetches alone).
pub async fn run(state: AppState, shutdown: ShutdownSignal) -> anyhow::Result<()> {
    crate::workers::run_jobs(state, shutdown, "fetch", &[&JOB]).await
}

/// Runs every due fetch job now (tests); the number of jobs run.
pub async fn run_pending(state: &AppState, worker_id: &str) -> Result<usize, StoreError> {
    crate::workers::run_pending(state, worker_id, &[&JOB]).await
}

async fn run_job(state: &AppState, job: &Job) -> Result<Outcome, JobError> {
    let payload: FetchPayload =
        serde_json::from_str(&job.payload).map_err(|error| JobError::Payload(error.to_string()))?;
    let Some(user) = job_user(state, job, &payload.user_id).await? else {
        return Ok(Outcome::Done);
    };
    let (provider, ctx) = super::user_adapter(state, &user)?;
    let chunk = Chunk {
        data_type: payload.data_type,
        range: FetchRange {
            start: payload.start,
            end: payload.end,
        },
    };
    admit(state, provider.as_ref(), &user, chunk, 0).await?;
    let mut rejected = None;
    match fetch_chunk(state, provider.as_ref(), &ctx, &user, chunk, &mut rejected).await {
        Ok(records) => {
            ingest_records(&state.store, &user, records).await?;
            Ok(Outcome::Done)
        }
        Err(error) if matches!(error.provider(), Some(ProviderError::InvalidGrant(_))) => {
            revoke_access(state, &user).await?;
            Ok(Outcome::Done)
        }
        Err(error) => Err(interrupted(state, &user, error, false).await?),
    }
}
