//! The durable backfill job: on connect, fetch the provider's last
//! [`Provider::backfill_days`] days so reads return data at once.
//!
//! The job (kind [`KIND`], one per user by dedup key) splits the range into chunks of
//! [`CHUNK_DAYS`] days × each supported type, in a fixed order, and writes the number of
//! finished chunks to the job's `progress` after each one. A worker that crashes leaves
//! the job `running` until its lease expires; the next claim resumes at the checkpoint.
//! Tokens come from the vault (refreshed when near expiry, or once when the provider
//! rejects one mid-backfill); a rejected grant marks the user inactive with an
//! `access_revoked` event.

use std::time::Duration;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use wearbridge_model::DataType;
use wearbridge_providers::{FetchRange, Provider, ProviderCtx, ProviderError};
use wearbridge_store::ids::UserId;
use wearbridge_store::{Job, NewJob, StoreError, StoreTx, User, UserPatch};

use crate::connect::vault::access_token;
use crate::connect::{ConnectError, events, micros, now_micros};
use crate::ingest::ingest_records;
use crate::state::AppState;
use crate::sync::budget::{self, Admission};
use crate::workers::{
    JobError, JobFuture, JobKind, Outcome, ShutdownSignal, backoff, retry_with_backoff,
};

/// Job kind on the jobs table.
pub const KIND: &str = "backfill";
/// Days per fetch: small enough that a chunk (one provider page or two) finishes well
/// inside the lease, large enough to keep the request count low.
pub const CHUNK_DAYS: u64 = 7;
/// Lease per claim; extended after every chunk.
const LEASE: Duration = Duration::from_secs(120);
/// Claims before a job is given up.
const MAX_ATTEMPTS: i32 = 8;
/// Idle pause of the worker loop when no job is due.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// How often expired connect sessions, states and SDK tokens are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// The backfill job kind.
pub(crate) const JOB: JobKind = JobKind {
    kind: KIND,
    lease: LEASE,
    run: start,
};

fn start<'a>(state: &'a AppState, job: &'a Job, worker_id: &'a str) -> JobFuture<'a> {
    Box::pin(run_job(state, job, worker_id))
}

/// The job's input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Payload {
    pub(crate) user_id: UserId,
    pub(crate) start: NaiveDate,
    pub(crate) end: NaiveDate,
}

/// The checkpoint: chunks finished.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Progress {
    pub(crate) chunks_done: usize,
}

/// One fetch of the backfill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) data_type: DataType,
    pub(crate) range: FetchRange,
}

/// Queues the backfill of `user`'s last `days` days up to `today`, committed with `tx`.
pub async fn enqueue_backfill(
    tx: &mut StoreTx<'_>,
    user: &User,
    days: u32,
    today: NaiveDate,
) -> Result<(), StoreError> {
    let start = today
        .checked_sub_days(Days::new(u64::from(days.saturating_sub(1))))
        .unwrap_or(today);
    let payload = Payload {
        user_id: user.id.clone(),
        start,
        end: today,
    };
    let payload = serde_json::to_string(&payload)
        .map_err(|error| StoreError::InvalidInput(error.to_string()))?;
    tx.enqueue_job(&NewJob {
        kind: KIND.to_owned(),
        payload,
        dedup_key: Some(format!("{KIND}:{}", user.id)),
        run_at: 0,
        max_attempts: MAX_ATTEMPTS,
        developer_id: Some(user.developer_id.clone()),
        user_id: Some(user.id.clone()),
    })
    .await?;
    Ok(())
}

/// The worker loop: claims and runs due backfill jobs until shutdown. It also clears
/// expired widget sessions, OAuth states and SDK tokens every [`PURGE_EVERY`]: the same
/// connect-flow housekeeping, not worth a worker of its own.
pub async fn run(state: AppState, mut shutdown: ShutdownSignal) -> anyhow::Result<()> {
    let worker_id = format!("backfill-{}", uuid::Uuid::new_v4());
    let mut next_purge = tokio::time::Instant::now();
    loop {
        if shutdown.is_shutting_down() {
            return Ok(());
        }
        if tokio::time::Instant::now() >= next_purge {
            purge_expired(&state).await;
            next_purge = tokio::time::Instant::now() + PURGE_EVERY;
        }
        let ran = match crate::workers::run_one(&state, &worker_id, &[&JOB]).await {
            Ok(ran) => ran,
            Err(error) => {
                tracing::error!(error = %error, "backfill worker: store error");
                false
            }
        };
        if !ran {
            tokio::select! {
                () = shutdown.wait() => return Ok(()),
                () = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
}

async fn purge_expired(state: &AppState) {
    match state
        .store
        .purge_expired_connect_state(now_micros(state))
        .await
    {
        Ok(0) => {}
        Ok(removed) => tracing::debug!(removed, "purged expired connect sessions and states"),
        Err(error) => tracing::warn!(error = %error, "cannot purge expired connect state"),
    }
}

/// Runs every due backfill job now (tests, benchmarks); the number of jobs run.
pub async fn run_pending(state: &AppState, worker_id: &str) -> Result<usize, StoreError> {
    crate::workers::run_pending(state, worker_id, &[&JOB]).await
}

async fn run_job(state: &AppState, job: &Job, worker_id: &str) -> Result<Outcome, JobError> {
    let payload: Payload =
        serde_json::from_str(&job.payload).map_err(|error| JobError::Payload(error.to_string()))?;
    let Some(user) = job_user(state, job, &payload.user_id).await? else {
        // Deauthenticated or replaced since the job was queued: nothing to fetch.
        return Ok(Outcome::Done);
    };
    let (provider, _) = crate::sync::adapter(state, &user.provider)?;
    let plan = chunks(&payload, provider.supported_types());
    let progress: Progress = job
        .progress
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let save = |chunks_done| Progress { chunks_done };
    let end = run_plan(
        state,
        job,
        worker_id,
        &user,
        &plan,
        progress.chunks_done,
        save,
    )
    .await?;
    if end == PlanEnd::Finished {
        state
            .store
            .touch_last_polled_at(&user.developer_id, &user.id, now_micros(state))
            .await?;
    }
    Ok(Outcome::Done)
}

/// The job's user, looked up in the job's developer; `None` when gone.
pub(crate) async fn job_user(
    state: &AppState,
    job: &Job,
    user_id: &UserId,
) -> Result<Option<User>, JobError> {
    let dev = job
        .developer_id
        .as_ref()
        .ok_or_else(|| JobError::Payload("job has no developer".to_owned()))?;
    Ok(state.store.get_user(dev, user_id).await?)
}

/// How a run over a chunk plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlanEnd {
    /// Every chunk is fetched and stored.
    Finished,
    /// The provider no longer accepts the grant: the user is now inactive.
    Revoked,
}

/// Fetches and stores `plan` from chunk `done` on, through the budgets, writing
/// `save(chunks done)` as the job's checkpoint and extending the lease after each chunk
/// (shared by the backfill and the periodic poll).
pub(crate) async fn run_plan<P: Serialize>(
    state: &AppState,
    job: &Job,
    worker_id: &str,
    user: &User,
    plan: &[Chunk],
    mut done: usize,
    save: impl Fn(usize) -> P,
) -> Result<PlanEnd, JobError> {
    let (provider, ctx) = crate::sync::user_adapter(state, user)?;
    let mut rejected = None;
    let mut done_now = 0;
    while let Some(chunk) = plan.get(done) {
        admit(state, provider.as_ref(), user, *chunk, done_now).await?;
        match fetch_chunk(state, provider.as_ref(), &ctx, user, *chunk, &mut rejected).await {
            Ok(records) => {
                ingest_records(&state.store, user, records).await?;
            }
            Err(error) if matches!(error.provider(), Some(ProviderError::InvalidGrant(_))) => {
                revoke_access(state, user).await?;
                return Ok(PlanEnd::Revoked);
            }
            Err(error) => return Err(interrupted(state, user, error, done_now > 0).await?),
        }
        done += 1;
        done_now += 1;
        checkpoint(state, job, worker_id, &save(done)).await?;
    }
    Ok(PlanEnd::Finished)
}

/// Lets the next chunk go when this claim's slice is not used up and the provider's rate
/// budgets allow it; otherwise the job waits (see [`JobError::Wait`]).
pub(crate) async fn admit(
    state: &AppState,
    provider: &dyn Provider,
    user: &User,
    chunk: Chunk,
    done_now: usize,
) -> Result<(), JobError> {
    if done_now >= state.sync.slice_chunks.max(1) {
        return Err(JobError::Wait {
            run_at: now_micros(state),
            progressed: true,
            note: None,
        });
    }
    let admission =
        budget::acquire(state, provider, &user.id, chunk.data_type, chunk.range).await?;
    match admission {
        Admission::Go => Ok(()),
        Admission::WaitUntil(run_at) => Err(JobError::Wait {
            run_at,
            progressed: done_now > 0,
            note: Some("waiting for the provider rate budget".to_owned()),
        }),
    }
}

/// What a failed fetch means for the job: a provider 429 pauses the budget and waits for
/// its reset; a retryable failure after progress in this claim waits one backoff step
/// with a fresh attempt count; a persistent 401/403 (after the refresh in
/// [`fetch_chunk`]) appends `connection_error`; anything else stays an error for
/// [`settle`].
pub(crate) async fn interrupted(
    state: &AppState,
    user: &User,
    error: JobError,
    progressed: bool,
) -> Result<JobError, JobError> {
    match error.provider() {
        Some(ProviderError::RateLimited { retry_after }) => {
            let run_at = budget::pause(state, &user.provider, &user.id, *retry_after).await?;
            Ok(JobError::Wait {
                run_at,
                progressed,
                note: Some(error.to_string()),
            })
        }
        Some(provider) if progressed && retry_with_backoff(provider) => Ok(JobError::Wait {
            run_at: now_micros(state).saturating_add(micros(backoff(1))),
            progressed,
            note: Some(error.to_string()),
        }),
        Some(ProviderError::Unauthorized(_)) => {
            crate::sync::connection_error(state, user).await?;
            Ok(error)
        }
        _ => Ok(error),
    }
}

/// Fetches one chunk with a usable token; when the provider rejects the token, refreshes
/// once and tries again (an access token can expire in the middle of a backfill).
pub(crate) async fn fetch_chunk(
    state: &AppState,
    provider: &dyn Provider,
    ctx: &ProviderCtx,
    user: &User,
    chunk: Chunk,
    rejected: &mut Option<i64>,
) -> Result<Vec<wearbridge_providers::TerraRecordData>, JobError> {
    let dev = &user.developer_id;
    let token = access_token(state, provider, ctx, dev, &user.id, *rejected).await?;
    match provider
        .fetch(ctx, &token.token, chunk.data_type, chunk.range)
        .await
    {
        Err(ProviderError::Unauthorized(_)) => {
            *rejected = Some(token.version);
            let fresh = access_token(state, provider, ctx, dev, &user.id, *rejected).await?;
            Ok(provider
                .fetch(ctx, &fresh.token, chunk.data_type, chunk.range)
                .await?)
        }
        other => Ok(other?),
    }
}

/// The provider no longer accepts the grant: the user is inactive until they reconnect.
pub(crate) async fn revoke_access(state: &AppState, user: &User) -> Result<(), JobError> {
    let mut tx = state.store.begin().await?;
    let patch = UserPatch {
        active: Some(false),
        ..UserPatch::default()
    };
    if let Some(updated) = tx.update_user(&user.developer_id, &user.id, patch).await? {
        let event = events::access_revoked(&updated).map_err(ConnectError::from)?;
        tx.append_event(&event).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn checkpoint<P: Serialize>(
    state: &AppState,
    job: &Job,
    worker_id: &str,
    progress: &P,
) -> Result<(), JobError> {
    let text =
        serde_json::to_string(progress).map_err(|error| JobError::Payload(error.to_string()))?;
    state.store.update_job_progress(&job.id, &text).await?;
    if !state
        .store
        .extend_lease(&job.id, worker_id, LEASE, now_micros(state))
        .await?
    {
        return Err(JobError::LeaseLost);
    }
    Ok(())
}

/// The fetch plan: each [`CHUNK_DAYS`]-day window, oldest first, × each supported type in
/// the provider's order. Deterministic, so a checkpoint index means the same chunk on
/// every node.
pub(crate) fn chunks(payload: &Payload, types: &[DataType]) -> Vec<Chunk> {
    let mut plan = Vec::new();
    let mut start = payload.start;
    while start <= payload.end {
        let end = start
            .checked_add_days(Days::new(CHUNK_DAYS - 1))
            .map_or(payload.end, |end| end.min(payload.end));
        for data_type in types {
            plan.push(Chunk {
                data_type: *data_type,
                range: FetchRange { start, end },
            });
        }
        match end.checked_add_days(Days::new(1)) {
            Some(next) => start = next,
            None => break,
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn thirty_days_make_five_windows_per_type_covering_every_day_once() {
        let payload = Payload {
            user_id: UserId::new(),
            start: date("2026-01-01"),
            end: date("2026-01-30"),
        };
        let plan = chunks(&payload, &[DataType::Sleep, DataType::Daily]);
        assert_eq!(plan.len(), 10);
        let sleep: Vec<_> = plan
            .iter()
            .filter(|c| c.data_type == DataType::Sleep)
            .collect();
        assert_eq!(
            sleep.first().map(|c| c.range.start),
            Some(date("2026-01-01"))
        );
        assert_eq!(sleep.last().map(|c| c.range.end), Some(date("2026-01-30")));
        let days: i64 = sleep
            .iter()
            .map(|c| (c.range.end - c.range.start).num_days() + 1)
            .sum();
        assert_eq!(days, 30);
    }
}
