//! The backfill job: on connect, fetch the provider's last `backfill_days` days so reads
//! return data at once.
//!
//! One job per user (dedup key `backfill:<user id>`). Its plan is
//! [`sync::plan::chunks`](crate::sync::plan::chunks) over the range; the number of
//! finished chunks is the job's `progress` after each one. A worker that crashes leaves
//! the job `running` until its lease expires; the next claim resumes at the checkpoint.

use std::time::Duration;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use wearbridge_store::ids::UserId;
use wearbridge_store::{StoreError, StoreTx, User};

use super::{Job, JobError, JobRun, Outcome, Retry, SettlePolicy, new_job};
use crate::services::Services;
use crate::sync::plan::{self, PlanEnd};

/// Job kind on the jobs table.
pub const KIND: &str = "backfill";

/// The backfill job kind.
pub struct Backfill;

/// The job's input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    pub user_id: UserId,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// The checkpoint: chunks finished.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Progress {
    pub chunks_done: usize,
}

impl Job for Backfill {
    const KIND: &'static str = KIND;
    /// Lease per claim, extended after every chunk; 8 claims without progress give up.
    const POLICY: SettlePolicy = SettlePolicy {
        lease: Duration::from_secs(120),
        max_attempts: 8,
        retry: Retry::Backoff,
    };
    type Payload = Payload;

    async fn run(run: &JobRun<'_>, payload: Payload) -> Result<Outcome, JobError> {
        let services = run.services;
        let Some(user) = plan::job_user(services, run.job, &payload.user_id).await? else {
            // Deauthenticated or replaced since the job was queued: nothing to fetch.
            return Ok(Outcome::Done);
        };
        let (provider, _) = crate::adapters::sync_adapter(services, &user.provider)?;
        let chunks = plan::chunks(payload.start, payload.end, provider.supported_types());
        let progress: Progress = run
            .job
            .progress
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        let save = |chunks_done| Progress { chunks_done };
        let end = plan::run_plan(run, &user, &chunks, progress.chunks_done, save).await?;
        if end == PlanEnd::Finished {
            services
                .store
                .touch_last_polled_at(&user.developer_id, &user.id, services.now_micros())
                .await?;
        }
        Ok(Outcome::Done)
    }
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
    let job = new_job::<Backfill>(
        &payload,
        Some(format!("{KIND}:{}", user.id)),
        0,
        Some((&user.developer_id, &user.id)),
    )?;
    tx.enqueue_job(&job).await?;
    Ok(())
}

/// Runs every due backfill job now (tests, benchmarks); the number of jobs run.
pub async fn run_pending(services: &Services, worker_id: &str) -> Result<usize, StoreError> {
    super::run_pending(services, worker_id, &[super::entry::<Backfill>()]).await
}
