//! The periodic poll: one job row per active connection of a provider that needs polling
//! ([`SyncSettings::poll_interval`](crate::sync::SyncSettings::poll_interval)), dedup key
//! `poll:<user id>`, queued by the sweep ([`crate::sync::schedule`]).
//!
//! A run fetches the last `poll_window_days` of every supported type as a plan
//! ([`crate::sync::plan`]: budgets, token refresh, upsert-on-change, events) and then puts
//! the *same row* back in the queue for the next slot, `interval ± 20 %` later. The key
//! therefore never lapses: N nodes sweeping at once enqueue one job, and the claim lease
//! hands each slot to one node.

use std::time::Duration;

use chrono::{Days, NaiveDate};
use rand::Rng;
use serde::{Deserialize, Serialize};
use wearbridge_store::StoreError;
use wearbridge_store::ids::UserId;

use super::{Job, JobError, JobRun, Outcome, Retry, SettlePolicy};
use crate::clock::micros;
use crate::services::Services;
use crate::sync::plan::{self, PlanEnd, PlanMode};

/// Job kind of the periodic poll.
pub const KIND: &str = "poll";
/// Dedup key prefix: one poll row per user.
pub const KEY: &str = "poll:";

/// Poll intervals are drawn from `interval × (1 ± JITTER)`, so connections made at the
/// same moment (a cohort import) do not poll the provider in lockstep.
pub const JITTER: f64 = 0.2;

/// `interval` scaled by a random factor in `1 ± JITTER`.
pub fn jittered(interval: Duration) -> Duration {
    let factor = rand::thread_rng().gen_range((1.0 - JITTER)..=(1.0 + JITTER));
    interval.mul_f64(factor)
}

/// The poll job kind.
pub struct Poll;

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

impl Job for Poll {
    const KIND: &'static str = KIND;
    /// A poll is a handful of one-page fetches; 6 claims give up (the next sweep starts a
    /// new one).
    const POLICY: SettlePolicy = SettlePolicy {
        lease: Duration::from_secs(120),
        max_attempts: 6,
        retry: Retry::Backoff,
    };
    type Payload = PollPayload;

    /// One poll, then the same row again for the next slot. Ends (completes) when the
    /// user is gone or inactive, or polling was turned off; the sweep starts a new one if
    /// the user reconnects.
    async fn run(run: &JobRun<'_>, payload: PollPayload) -> Result<Outcome, JobError> {
        let services = run.services;
        let Some(user) = plan::job_user(services, run.job, &payload.user_id).await? else {
            return Ok(Outcome::Done);
        };
        let (provider, _) = crate::adapters::sync_adapter(services, &user.provider)?;
        let interval = services.settings.poll_interval(provider.as_ref());
        let Some(interval) = interval.filter(|_| user.active) else {
            return Ok(Outcome::Done);
        };
        let progress = progress(run).await?;
        let window = progress.window;
        let chunks = plan::chunks(window.start, window.end, provider.supported_types());
        let save = |chunks_done| PollProgress {
            window,
            chunks_done,
        };
        let end = plan::run_plan(
            run,
            &user,
            &chunks,
            PlanMode::Refresh,
            progress.chunks_done,
            save,
        )
        .await?;
        if end == PlanEnd::Revoked {
            return Ok(Outcome::Done);
        }
        let now = services.now_micros();
        services
            .store
            .touch_last_polled_at(&user.developer_id, &user.id, now)
            .await?;
        Ok(Outcome::Again {
            run_at: now.saturating_add(micros(jittered(interval))),
            payload: run.job.payload.clone(),
        })
    }
}

/// The resumed checkpoint, or a fresh one for today's window (stored before any fetch).
async fn progress(run: &JobRun<'_>) -> Result<PollProgress, JobError> {
    let resumed = run
        .job
        .progress
        .as_deref()
        .and_then(|text| serde_json::from_str::<PollProgress>(text).ok());
    if let Some(progress) = resumed {
        return Ok(progress);
    }
    let fresh = PollProgress {
        window: poll_window(run.services),
        chunks_done: 0,
    };
    let text = serde_json::to_string(&fresh)
        .map_err(|error| StoreError::InvalidInput(error.to_string()))?;
    run.services
        .store
        .update_job_progress(&run.job.id, &text)
        .await?;
    Ok(fresh)
}

/// Today and the days before it, `poll_window_days` in all.
fn poll_window(services: &Services) -> PollWindow {
    let end = services.clock.now().date_naive();
    let back = u64::from(services.settings.poll_window_days.max(1) - 1);
    PollWindow {
        start: end.checked_sub_days(Days::new(back)).unwrap_or(end),
        end,
    }
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
}
