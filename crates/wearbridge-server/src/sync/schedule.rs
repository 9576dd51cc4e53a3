//! The sync schedule: periodic polls, token refresh-ahead and provider subscription
//! renewal, each a durable job kind.
//!
//! * **Poll** ([`POLL_KIND`]): one job row per active connection of a provider that
//!   needs polling ([`SyncSettings::poll_interval`](super::SyncSettings::poll_interval)),
//!   dedup key `poll:<user id>`. A run fetches the last
//!   [`poll_window_days`](super::SyncSettings::poll_window_days) of every supported type
//!   through the backfill's chunk path (budgets, token refresh, upsert-on-change, events)
//!   and then puts the *same row* back in the queue for the next slot, `interval ± 20 %`
//!   later. The key therefore never lapses: N nodes sweeping at once enqueue one job, and
//!   the claim lease hands each slot to one node.
//! * **Refresh-ahead** ([`REFRESH_KIND`]): a job per connection whose access token
//!   expires within [`refresh_ahead`](super::SyncSettings::refresh_ahead), due that margin
//!   before expiry, dedup key `refresh:<user id>`. It refreshes through the vault's
//!   serialised path (lease on the connection, rotated refresh token stored before use);
//!   `invalid_grant` marks the user inactive with `access_revoked`.
//! * **Subscription renewal** ([`RENEW_KIND`]): one job per enabled provider, queued at
//!   start-up (dedup key `renew:<PROVIDER>`), re-queued for the time the provider's
//!   renewal returns, retried with backoff on any failure.
//!
//! [`sweep`] creates missing poll and refresh jobs; [`run`] is the worker that calls it
//! at start-up and every [`SWEEP_EVERY`].

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use wearbridge_providers::ProviderError;
use wearbridge_store::ids::UserId;
use wearbridge_store::{Job, NewJob, StoreError};

use crate::connect::oauth::push_url;
use crate::connect::vault::access_token;
use crate::connect::{micros, now_micros};
use crate::state::AppState;
use crate::workers::backfill::{self, PlanEnd, job_user, revoke_access, run_plan};
use crate::workers::{JobError, JobFuture, JobKind, Outcome, ShutdownSignal};

/// Job kind of the periodic poll.
pub const POLL_KIND: &str = "poll";
/// Job kind of the token refresh-ahead.
pub const REFRESH_KIND: &str = "refresh";
/// Job kind of the provider subscription renewal.
pub const RENEW_KIND: &str = "renew_subscriptions";

const POLL_KEY: &str = "poll:";
const REFRESH_KEY: &str = "refresh:";
const RENEW_KEY: &str = "renew:";

/// How often each node looks for connections that lack their poll or refresh job: new
/// connections start polling within this, and refresh jobs are queued this far ahead.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Users per sweep query.
const SWEEP_PAGE: u32 = 500;
/// Poll intervals are drawn from `interval × (1 ± JITTER)`, so connections made at the
/// same moment (a cohort import) do not poll the provider in lockstep.
pub const JITTER: f64 = 0.2;
/// A poll is a handful of one-page fetches.
const POLL_LEASE: Duration = Duration::from_secs(120);
/// A refresh is one token call (plus waiting for another node's refresh).
const REFRESH_LEASE: Duration = Duration::from_secs(60);
const RENEW_LEASE: Duration = Duration::from_secs(120);
/// Claims before a poll is given up; the next sweep starts a new one.
const POLL_ATTEMPTS: i32 = 6;
/// Claims before a refresh is given up; fetches still refresh on demand.
const REFRESH_ATTEMPTS: i32 = 5;
/// Claims before a renewal is given up until the next start-up: with the backoff capped
/// at an hour, about half a day of retries.
const RENEW_ATTEMPTS: i32 = 16;

pub(crate) const POLL: JobKind = JobKind {
    kind: POLL_KIND,
    lease: POLL_LEASE,
    run: start_poll,
};
pub(crate) const REFRESH: JobKind = JobKind {
    kind: REFRESH_KIND,
    lease: REFRESH_LEASE,
    run: start_refresh,
};
pub(crate) const RENEW: JobKind = JobKind {
    kind: RENEW_KIND,
    lease: RENEW_LEASE,
    run: start_renew,
};

fn start_poll<'a>(state: &'a AppState, job: &'a Job, worker_id: &'a str) -> JobFuture<'a> {
    Box::pin(run_poll(state, job, worker_id))
}

fn start_refresh<'a>(state: &'a AppState, job: &'a Job, _worker_id: &'a str) -> JobFuture<'a> {
    Box::pin(run_refresh(state, job))
}

fn start_renew<'a>(state: &'a AppState, job: &'a Job, _worker_id: &'a str) -> JobFuture<'a> {
    Box::pin(run_renew(state, job))
}

/// The worker: queues the subscription renewals once, then sweeps every
/// [`SWEEP_EVERY`] until shutdown. The jobs themselves run in the sync job worker.
pub async fn run(state: AppState, mut shutdown: ShutdownSignal) -> anyhow::Result<()> {
    if let Err(error) = enqueue_renewals(&state).await {
        tracing::error!(error = %error, "cannot queue subscription renewals");
    }
    loop {
        match sweep(&state).await {
            Ok(swept) if swept.polls + swept.refreshes > 0 => {
                tracing::debug!(
                    polls = swept.polls,
                    refreshes = swept.refreshes,
                    "sync schedule: jobs queued"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(error = %error, "sync schedule sweep failed"),
        }
        tokio::select! {
            () = shutdown.wait() => return Ok(()),
            () = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}

/// Runs every due fetch, poll, refresh and renewal job now (tests); the number run.
pub async fn run_pending(state: &AppState, worker_id: &str) -> Result<usize, StoreError> {
    crate::workers::run_pending(state, worker_id, super::JOB_KINDS).await
}

/// Jobs a [`sweep`] queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub polls: usize,
    pub refreshes: usize,
}

/// Queues the poll job of every active connection that needs one and lacks it, and a
/// refresh job for every token expiring within the refresh-ahead margin (plus two sweep
/// periods, so the job is queued before it is due).
pub async fn sweep(state: &AppState) -> Result<Swept, StoreError> {
    Ok(Swept {
        polls: enqueue_polls(state).await?,
        refreshes: enqueue_refreshes(state).await?,
    })
}

// ---- Poll ----

/// The poll job's input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PollPayload {
    pub user_id: UserId,
}

/// The days one poll fetches, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollWindow {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The poll checkpoint: the run's window (written before the first fetch, so a resumed
/// run fetches the days its count refers to) and the chunks of it finished.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct PollProgress {
    pub window: PollWindow,
    pub chunks_done: usize,
}

/// `interval` scaled by a random factor in `1 ± JITTER`.
pub fn jittered(interval: Duration) -> Duration {
    let factor = rand::thread_rng().gen_range((1.0 - JITTER)..=(1.0 + JITTER));
    interval.mul_f64(factor)
}

async fn enqueue_polls(state: &AppState) -> Result<usize, StoreError> {
    let mut queued = 0;
    for info in state.providers.enabled() {
        let Some(provider) = state.providers.get(info.id) else {
            continue;
        };
        let Some(interval) = state.sync.poll_interval(provider.as_ref()) else {
            continue;
        };
        let mut after: Option<UserId> = None;
        loop {
            let page = state
                .store
                .connected_users_without_job(info.id, POLL_KEY, after.as_ref(), SWEEP_PAGE)
                .await?;
            for user in &page {
                queued += usize::from(enqueue_poll(state, user, interval).await?);
            }
            match page.last() {
                Some(last) if page.len() == SWEEP_PAGE as usize => {
                    after = Some(last.user_id.clone());
                }
                _ => break,
            }
        }
    }
    Ok(queued)
}

async fn enqueue_poll(
    state: &AppState,
    user: &wearbridge_store::schedule::ConnectedUser,
    interval: Duration,
) -> Result<bool, StoreError> {
    let payload = PollPayload {
        user_id: user.user_id.clone(),
    };
    let queued = state
        .store
        .enqueue_job(&NewJob {
            kind: POLL_KIND.to_owned(),
            payload: to_json(&payload)?,
            dedup_key: Some(format!("{POLL_KEY}{}", user.user_id)),
            run_at: now_micros(state).saturating_add(micros(jittered(interval))),
            max_attempts: POLL_ATTEMPTS,
            developer_id: Some(user.developer_id.clone()),
            user_id: Some(user.user_id.clone()),
        })
        .await?;
    Ok(queued.is_some())
}

/// One poll: the window's chunks through the backfill path, then the same row again for
/// the next slot. Ends (completes) when the user is gone or inactive, or polling was
/// turned off; the sweep starts a new one if the user reconnects.
async fn run_poll(state: &AppState, job: &Job, worker_id: &str) -> Result<Outcome, JobError> {
    let payload: PollPayload = from_json(&job.payload)?;
    let Some(user) = job_user(state, job, &payload.user_id).await? else {
        return Ok(Outcome::Done);
    };
    let (provider, _) = super::adapter(state, &user.provider)?;
    let interval = state.sync.poll_interval(provider.as_ref());
    let Some(interval) = interval.filter(|_| user.active) else {
        return Ok(Outcome::Done);
    };
    let resumed = job
        .progress
        .as_deref()
        .and_then(|text| serde_json::from_str::<PollProgress>(text).ok());
    let progress = match resumed {
        Some(progress) => progress,
        None => {
            let fresh = PollProgress {
                window: poll_window(state),
                chunks_done: 0,
            };
            state
                .store
                .update_job_progress(&job.id, &to_json(&fresh)?)
                .await?;
            fresh
        }
    };
    let window = progress.window;
    let plan = backfill::chunks(
        &backfill::Payload {
            user_id: user.id.clone(),
            start: window.start,
            end: window.end,
        },
        provider.supported_types(),
    );
    let save = |chunks_done| PollProgress {
        window,
        chunks_done,
    };
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
    if end == PlanEnd::Revoked {
        return Ok(Outcome::Done);
    }
    let now = now_micros(state);
    state
        .store
        .touch_last_polled_at(&user.developer_id, &user.id, now)
        .await?;
    Ok(Outcome::Again {
        run_at: now.saturating_add(micros(jittered(interval))),
        payload: job.payload.clone(),
    })
}

/// Today and the days before it, `poll_window_days` in all.
fn poll_window(state: &AppState) -> PollWindow {
    let end = state.clock.now().date_naive();
    let back = u64::from(state.sync.poll_window_days.max(1) - 1);
    PollWindow {
        start: end.checked_sub_days(Days::new(back)).unwrap_or(end),
        end,
    }
}

// ---- Refresh-ahead ----

/// The refresh job's input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshPayload {
    pub user_id: UserId,
}

async fn enqueue_refreshes(state: &AppState) -> Result<usize, StoreError> {
    let now = now_micros(state);
    let margin = micros(state.sync.refresh_ahead);
    let horizon = now
        .saturating_add(margin)
        .saturating_add(micros(SWEEP_EVERY * 2));
    let mut queued = 0;
    loop {
        let page = state
            .store
            .expiring_tokens_without_job(horizon, REFRESH_KEY, SWEEP_PAGE)
            .await?;
        let mut added = 0;
        for token in &page {
            // A provider this node cannot talk to would only produce failing jobs.
            if state.providers.get(&token.provider).is_none() {
                continue;
            }
            let payload = RefreshPayload {
                user_id: token.user_id.clone(),
            };
            let job = NewJob {
                kind: REFRESH_KIND.to_owned(),
                payload: to_json(&payload)?,
                dedup_key: Some(format!("{REFRESH_KEY}{}", token.user_id)),
                run_at: token.expires_at.saturating_sub(margin).max(now),
                max_attempts: REFRESH_ATTEMPTS,
                developer_id: Some(token.developer_id.clone()),
                user_id: Some(token.user_id.clone()),
            };
            added += usize::from(state.store.enqueue_job(&job).await?.is_some());
        }
        queued += added;
        // Skipped rows come back on every page: stop when a page adds nothing new.
        if page.len() < SWEEP_PAGE as usize || added == 0 {
            return Ok(queued);
        }
    }
}

/// Refreshes the user's tokens when they still expire within the margin (another node
/// or a fetch may have refreshed them since the job was queued).
async fn run_refresh(state: &AppState, job: &Job) -> Result<Outcome, JobError> {
    let payload: RefreshPayload = from_json(&job.payload)?;
    let Some(user) = job_user(state, job, &payload.user_id).await? else {
        return Ok(Outcome::Done);
    };
    let Some(connection) = state
        .store
        .get_connection(&user.developer_id, &user.id)
        .await?
    else {
        return Ok(Outcome::Done);
    };
    let deadline = now_micros(state).saturating_add(micros(state.sync.refresh_ahead));
    let due = connection.expires_at.is_some_and(|at| at <= deadline);
    if !user.active || !due {
        return Ok(Outcome::Done);
    }
    let (provider, ctx) = super::user_adapter(state, &user)?;
    // Passing the stored version as "rejected" makes the vault refresh it (once, under
    // the connection's lease) unless a newer version is already stored.
    let refreshed = access_token(
        state,
        provider.as_ref(),
        &ctx,
        &user.developer_id,
        &user.id,
        Some(connection.version),
    )
    .await;
    match refreshed {
        Ok(_) => Ok(Outcome::Done),
        Err(crate::connect::ConnectError::Provider(ProviderError::InvalidGrant(_))) => {
            revoke_access(state, &user).await?;
            Ok(Outcome::Done)
        }
        Err(error) => Err(error.into()),
    }
}

// ---- Subscription renewal ----

/// The renewal job's input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewPayload {
    /// Terra provider id.
    pub provider: String,
}

/// Queues (once across nodes, by dedup key) the subscription renewal of every enabled
/// provider, due now; returns how many were queued.
pub async fn enqueue_renewals(state: &AppState) -> Result<usize, StoreError> {
    let mut queued = 0;
    for info in state.providers.enabled() {
        if state.providers.get(info.id).is_none() {
            continue;
        }
        let payload = RenewPayload {
            provider: info.id.to_owned(),
        };
        let job = NewJob {
            kind: RENEW_KIND.to_owned(),
            payload: to_json(&payload)?,
            dedup_key: Some(format!("{RENEW_KEY}{}", info.id)),
            run_at: now_micros(state),
            max_attempts: RENEW_ATTEMPTS,
            developer_id: None,
            user_id: None,
        };
        queued += usize::from(state.store.enqueue_job(&job).await?.is_some());
    }
    Ok(queued)
}

async fn run_renew(state: &AppState, job: &Job) -> Result<Outcome, JobError> {
    let payload: RenewPayload = from_json(&job.payload)?;
    let (provider, ctx) = super::adapter(state, &payload.provider)?;
    let url = push_url(state, provider.info().id)?;
    let renewed = provider.renew_subscriptions(&ctx, &url).await;
    renewal_outcome(renewed, &job.payload)
}

/// What a renewal result means for its job: a next time re-queues the same row for then,
/// none completes it, and every failure (whatever its class: a lapsed subscription
/// silently loses pushes) is retried with backoff.
fn renewal_outcome(
    renewed: Result<Option<DateTime<Utc>>, ProviderError>,
    payload: &str,
) -> Result<Outcome, JobError> {
    match renewed {
        Ok(Some(next)) => Ok(Outcome::Again {
            run_at: next.timestamp_micros(),
            payload: payload.to_owned(),
        }),
        Ok(None) => Ok(Outcome::Done),
        Err(error) => Err(JobError::Retry(format!(
            "subscription renewal failed: {error}"
        ))),
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::InvalidInput(error.to_string()))
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, JobError> {
    serde_json::from_str(text).map_err(|error| JobError::Payload(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let hour = Duration::from_secs(3_600);
        let draws: Vec<Duration> = (0..500).map(|_| jittered(hour)).collect();
        assert!(
            draws
                .iter()
                .all(|d| *d >= hour.mul_f64(0.8) && *d <= hour.mul_f64(1.2))
        );
        let distinct: std::collections::BTreeSet<_> = draws.iter().collect();
        assert!(distinct.len() > 100, "jitter spreads the draws");
    }

    #[test]
    fn a_renewal_reschedules_completes_or_retries() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(
            renewal_outcome(Ok(Some(at)), "{}").ok(),
            Some(Outcome::Again {
                run_at: at.timestamp_micros(),
                payload: "{}".to_owned()
            })
        );
        assert_eq!(renewal_outcome(Ok(None), "{}").ok(), Some(Outcome::Done));
        let refused = renewal_outcome(Err(ProviderError::Unauthorized("no".into())), "{}");
        assert!(matches!(refused, Err(JobError::Retry(_))));
    }
}
