//! The sync engine's core: a plan of chunks (one data type × a few days) fetched through
//! the rate budgets with a usable token, mapped, stored and announced, with a checkpoint
//! after each chunk. The backfill and the periodic poll run plans; a push-triggered
//! fetch runs a single chunk through the same steps.
//!
//! Tokens come from the vault (refreshed when near expiry, or once when the provider
//! rejects one mid-plan); a rejected grant marks the user inactive with an
//! `access_revoked` event.

use chrono::{Days, NaiveDate};
use serde::Serialize;
use tracing::Instrument;
use wearbridge_model::DataType;
use wearbridge_providers::{FetchRange, Provider, ProviderCtx, ProviderError};
use wearbridge_store::ids::UserId;
use wearbridge_store::{Job, User, UserPatch};

use crate::clock::micros;
use crate::connect::ConnectError;
use crate::connect::vault::access_token;
use crate::ingest::{FetchedWindow, ingest_records};
use crate::jobs::{JobError, JobRun, backoff, retry_with_backoff};
use crate::services::Services;
use crate::sync::budget::{self, Admission};
use crate::sync::coverage::{self, DaySpan, Horizon};

/// Days per fetch: small enough that a chunk (one provider page or two) finishes well
/// inside the lease, large enough to keep the request count low.
pub const CHUNK_DAYS: u64 = 7;

/// One fetch of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub data_type: DataType,
    pub range: FetchRange,
}

/// Whether a plan fetches every chunk or only what the coverage ledger lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanMode {
    /// Fetch every chunk (polls, re-pulls: the point is to fetch again).
    Refresh,
    /// Skip a chunk whose days are all covered and fresh (the connect-time backfill: a
    /// read may have fetched them first).
    FillGaps,
}

/// How a run over a chunk plan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanEnd {
    /// Every chunk is fetched and stored.
    Finished,
    /// The provider no longer accepts the grant: the user is now inactive.
    Revoked,
}

/// The fetch plan of `start..=end`: each [`CHUNK_DAYS`]-day window, oldest first, × each
/// supported type in the provider's order. Deterministic, so a checkpoint index means the
/// same chunk on every node.
pub fn chunks(start: NaiveDate, end: NaiveDate, types: &[DataType]) -> Vec<Chunk> {
    let mut plan = Vec::new();
    let mut window_start = start;
    while window_start <= end {
        let window_end = window_start
            .checked_add_days(Days::new(CHUNK_DAYS - 1))
            .map_or(end, |window_end| window_end.min(end));
        for data_type in types {
            plan.push(Chunk {
                data_type: *data_type,
                range: FetchRange {
                    start: window_start,
                    end: window_end,
                },
            });
        }
        match window_end.checked_add_days(Days::new(1)) {
            Some(next) => window_start = next,
            None => break,
        }
    }
    plan
}

/// The job's user, looked up in the job's developer; `None` when gone.
pub async fn job_user(
    services: &Services,
    job: &Job,
    user_id: &UserId,
) -> Result<Option<User>, JobError> {
    let dev = job
        .developer_id
        .as_ref()
        .ok_or_else(|| JobError::Payload("job has no developer".to_owned()))?;
    Ok(services.store.get_user(dev, user_id).await?)
}

/// Fetches and stores `plan` from chunk `done` on, through the budgets, writing
/// `save(chunks done)` as the job's checkpoint and extending the lease after each chunk.
pub async fn run_plan<P: Serialize>(
    run: &JobRun<'_>,
    user: &User,
    plan: &[Chunk],
    mode: PlanMode,
    mut done: usize,
    save: impl Fn(usize) -> P,
) -> Result<PlanEnd, JobError> {
    let services = run.services;
    let (provider, ctx) = crate::adapters::user_adapter(services, user)?;
    let mut rejected = None;
    let mut done_now = 0;
    while let Some(chunk) = plan.get(done) {
        let _fetching = services
            .fetch_locks
            .lock((user.id.clone(), chunk.data_type))
            .await;
        if mode == PlanMode::Refresh || !chunk_covered(services, user, *chunk).await? {
            admit(services, provider.as_ref(), user, *chunk, done_now).await?;
            let fetched = fetch_and_store(
                services,
                provider.as_ref(),
                &ctx,
                user,
                *chunk,
                &mut rejected,
            )
            .await;
            match fetched {
                Ok(()) => {}
                Err(error) if is_revoked(&error) => {
                    revoke_access(services, user).await?;
                    return Ok(PlanEnd::Revoked);
                }
                Err(error) => return Err(interrupted(services, user, error, done_now > 0).await?),
            }
        }
        done += 1;
        done_now += 1;
        checkpoint(run, &save(done)).await?;
    }
    Ok(PlanEnd::Finished)
}

/// Whether every day of `chunk` is covered and fresh in the ledger (see
/// [`crate::sync::coverage`]).
async fn chunk_covered(services: &Services, user: &User, chunk: Chunk) -> Result<bool, JobError> {
    let days = DaySpan {
        first: chunk.range.start,
        last: chunk.range.end,
    };
    let covered = services
        .store
        .coverage(&user.id, chunk.data_type, days.first, days.last)
        .await?;
    let horizon = Horizon {
        now: services.clock.now(),
        history_days: None,
        freshness: services.settings.read_freshness,
    };
    Ok(coverage::gaps(days, &covered, &horizon).is_empty())
}

/// Whether a fetch failed because the provider no longer accepts the grant.
pub fn is_revoked(error: &JobError) -> bool {
    matches!(error.provider(), Some(ProviderError::InvalidGrant(_)))
}

/// Fetches `chunk` with a usable token and stores its records, the chunk's days
/// recorded as covered in the same transaction. Callers hold the fetch lock of
/// `(user, chunk.data_type)` and have passed the budgets.
pub async fn fetch_and_store(
    services: &Services,
    provider: &dyn Provider,
    ctx: &ProviderCtx,
    user: &User,
    chunk: Chunk,
    rejected: &mut Option<i64>,
) -> Result<(), JobError> {
    ask_and_store(
        services,
        (provider, ctx),
        user,
        (chunk, Ask::Records),
        rejected,
    )
    .await
}

/// Asks the provider to push `chunk` later ([`Provider::request_history`]) and records
/// its days as covered: what the provider sends arrives through the push route, so a
/// later read finds the days asked for and does not ask again.
pub async fn request_history(
    services: &Services,
    provider: &dyn Provider,
    ctx: &ProviderCtx,
    user: &User,
    chunk: Chunk,
    rejected: &mut Option<i64>,
) -> Result<(), JobError> {
    ask_and_store(
        services,
        (provider, ctx),
        user,
        (chunk, Ask::History),
        rejected,
    )
    .await
}

async fn ask_and_store(
    services: &Services,
    (provider, ctx): (&dyn Provider, &ProviderCtx),
    user: &User,
    (chunk, ask): (Chunk, Ask),
    rejected: &mut Option<i64>,
) -> Result<(), JobError> {
    let at = services.now_micros();
    let records = call_with_token(services, (provider, ctx), user, (chunk, ask), rejected).await?;
    let window = FetchedWindow {
        data_type: chunk.data_type,
        first: chunk.range.start,
        last: chunk.range.end,
        at,
    };
    ingest_records(&services.store, user, records, Some(window)).await?;
    Ok(())
}

/// Lets the next chunk go when this claim's slice is not used up and the provider's rate
/// budgets allow it; otherwise the job waits (see [`JobError::Wait`]).
pub async fn admit(
    services: &Services,
    provider: &dyn Provider,
    user: &User,
    chunk: Chunk,
    done_now: usize,
) -> Result<(), JobError> {
    if done_now >= services.settings.slice_chunks.max(1) {
        return Err(JobError::Wait {
            run_at: services.now_micros(),
            progressed: true,
            note: None,
        });
    }
    let admission =
        budget::acquire(services, provider, &user.id, chunk.data_type, chunk.range).await?;
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
/// [`fetch_chunk`]) appends `connection_error`; anything else stays an error for the
/// runner to settle.
pub async fn interrupted(
    services: &Services,
    user: &User,
    error: JobError,
    progressed: bool,
) -> Result<JobError, JobError> {
    match error.provider() {
        Some(ProviderError::RateLimited { retry_after }) => {
            let run_at = budget::pause(services, &user.provider, &user.id, *retry_after).await?;
            Ok(JobError::Wait {
                run_at,
                progressed,
                note: Some(error.to_string()),
            })
        }
        Some(provider) if progressed && retry_with_backoff(provider) => Ok(JobError::Wait {
            run_at: services.now_micros().saturating_add(micros(backoff(1))),
            progressed,
            note: Some(error.to_string()),
        }),
        Some(ProviderError::Unauthorized(_)) => {
            let event = crate::events::connection_error(user).map_err(ConnectError::from)?;
            services.store.append_event(&event).await?;
            Ok(error)
        }
        _ => Ok(error),
    }
}

/// What a chunk asks of the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// Its records, now ([`Provider::fetch`]).
    Records,
    /// A later push of its days ([`Provider::request_history`]); no records now.
    History,
}

/// Fetches one chunk with a usable token; when the provider rejects the token, refreshes
/// once and tries again (an access token can expire in the middle of a backfill).
pub async fn fetch_chunk(
    services: &Services,
    provider: &dyn Provider,
    ctx: &ProviderCtx,
    user: &User,
    chunk: Chunk,
    rejected: &mut Option<i64>,
) -> Result<Vec<wearbridge_providers::TerraRecordData>, JobError> {
    call_with_token(
        services,
        (provider, ctx),
        user,
        (chunk, Ask::Records),
        rejected,
    )
    .await
}

async fn call_with_token(
    services: &Services,
    (provider, ctx): (&dyn Provider, &ProviderCtx),
    user: &User,
    (chunk, ask): (Chunk, Ask),
    rejected: &mut Option<i64>,
) -> Result<Vec<wearbridge_providers::TerraRecordData>, JobError> {
    let span = tracing::info_span!(
        "provider.fetch",
        provider = %user.provider,
        user.id = %user.id,
        data_type = %chunk.data_type.as_str(),
        start = %chunk.range.start,
        end = %chunk.range.end,
        history_request = ask == Ask::History,
    );
    async {
        let dev = &user.developer_id;
        let token = access_token(services, provider, ctx, dev, &user.id, *rejected).await?;
        match ask_provider(provider, ctx, &token.token, chunk, ask).await {
            Err(ProviderError::Unauthorized(_)) => {
                *rejected = Some(token.version);
                let fresh = access_token(services, provider, ctx, dev, &user.id, *rejected).await?;
                Ok(ask_provider(provider, ctx, &fresh.token, chunk, ask).await?)
            }
            other => Ok(other?),
        }
    }
    .instrument(span)
    .await
}

async fn ask_provider(
    provider: &dyn Provider,
    ctx: &ProviderCtx,
    token: &secrecy::SecretString,
    chunk: Chunk,
    ask: Ask,
) -> Result<Vec<wearbridge_providers::TerraRecordData>, ProviderError> {
    match ask {
        Ask::Records => {
            provider
                .fetch(ctx, token, chunk.data_type, chunk.range)
                .await
        }
        Ask::History => provider
            .request_history(ctx, token, chunk.data_type, chunk.range)
            .await
            .map(|()| Vec::new()),
    }
}

/// The provider no longer accepts the grant: the user is inactive until they reconnect.
pub async fn revoke_access(services: &Services, user: &User) -> Result<(), JobError> {
    let mut tx = services.store.begin().await?;
    let patch = UserPatch {
        active: Some(false),
        ..UserPatch::default()
    };
    if let Some(updated) = tx.update_user(&user.developer_id, &user.id, patch).await? {
        let event = crate::events::access_revoked(&updated).map_err(ConnectError::from)?;
        tx.append_event(&event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Writes the checkpoint and extends the lease; [`JobError::LeaseLost`] when another
/// worker took the job over meanwhile.
async fn checkpoint<P: Serialize>(run: &JobRun<'_>, progress: &P) -> Result<(), JobError> {
    let services = run.services;
    let text =
        serde_json::to_string(progress).map_err(|error| JobError::Payload(error.to_string()))?;
    services
        .store
        .update_job_progress(&run.job.id, &text)
        .await?;
    extend_lease(run).await
}

/// Extends the job's lease by another lease period; [`JobError::LeaseLost`] when another
/// worker took the job over meanwhile.
pub async fn extend_lease(run: &JobRun<'_>) -> Result<(), JobError> {
    let services = run.services;
    if !services
        .store
        .extend_lease(&run.job.id, run.worker_id, run.lease, services.now_micros())
        .await?
    {
        return Err(JobError::LeaseLost);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn thirty_days_make_five_windows_per_type_covering_every_day_once() {
        let plan = chunks(
            date("2026-01-01"),
            date("2026-01-30"),
            &[DataType::Sleep, DataType::Daily],
        );
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
