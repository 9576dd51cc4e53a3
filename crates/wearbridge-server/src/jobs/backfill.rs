//! The backfill job: on connect, fetch the provider's last `backfill_days` days so reads
//! return data at once; on a re-pull (`POST /wearbridge/v1/users/{id}/backfill`, `wearbridge
//! users backfill`), fetch a given range again.
//!
//! The connect backfill is one job per user (dedup key `backfill:<user id>`) and skips
//! the chunks a read already fetched; a re-pull (dedup key `repull:<user>:<range>:<types>`)
//! fetches every chunk. Its plan is
//! [`sync::plan::chunks`](crate::sync::plan::chunks) over the range; the number of
//! finished chunks is the job's `progress` after each one. A worker that crashes leaves
//! the job `running` until its lease expires; the next claim resumes at the checkpoint.

use std::time::Duration;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use wearbridge_model::DataType;
use wearbridge_store::ids::{JobId, UserId};
use wearbridge_store::{Store, StoreError, StoreTx, User};

use super::{Job, JobError, JobRun, Outcome, Retry, SettlePolicy, new_job};
use crate::services::Services;
use crate::sync::plan::{self, PlanEnd, PlanMode};

/// Job kind on the jobs table.
pub const KIND: &str = "backfill";

/// Wakes the `backfill` lane of this process after a re-pull is queued.
pub static QUEUED: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// The backfill job kind.
pub struct Backfill;

/// The job's input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    pub user_id: UserId,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The data types to fetch; `None`: every type the provider supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<DataType>>,
    /// Fetch every chunk again (a re-pull) instead of only what is not covered yet.
    #[serde(default)]
    pub refresh: bool,
}

impl Payload {
    /// The types this backfill fetches, in the provider's order (which, with the range,
    /// fixes the chunk plan): the requested ones the provider supports, or all of them.
    pub fn types_of(&self, supported: &[DataType]) -> Vec<DataType> {
        match &self.types {
            Some(wanted) => supported
                .iter()
                .copied()
                .filter(|data_type| wanted.contains(data_type))
                .collect(),
            None => supported.to_vec(),
        }
    }
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
        let types = payload.types_of(provider.supported_types());
        let chunks = plan::chunks(payload.start, payload.end, &types);
        let mode = if payload.refresh {
            PlanMode::Refresh
        } else {
            PlanMode::FillGaps
        };
        let progress: Progress = run
            .job
            .progress
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        let save = |chunks_done| Progress { chunks_done };
        let end = plan::run_plan(run, &user, &chunks, mode, progress.chunks_done, save).await?;
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
        types: None,
        refresh: false,
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

/// Queues a re-pull of `start..=end` (`types`: `None` for every supported type); the
/// job's id, or `None` when the same re-pull is already queued or running.
pub async fn enqueue_repull(
    store: &Store,
    user: &User,
    (start, end): (NaiveDate, NaiveDate),
    types: Option<Vec<DataType>>,
    now: i64,
) -> Result<Option<JobId>, StoreError> {
    let type_key = types.as_ref().map_or_else(
        || "all".to_owned(),
        |types| {
            let names: Vec<&str> = types.iter().map(|data_type| data_type.as_str()).collect();
            names.join(",")
        },
    );
    let payload = Payload {
        user_id: user.id.clone(),
        start,
        end,
        types,
        refresh: true,
    };
    let dedup = format!("repull:{}:{start}:{end}:{type_key}", user.id);
    let job = new_job::<Backfill>(
        &payload,
        Some(dedup),
        now,
        Some((&user.developer_id, &user.id)),
    )?;
    store.enqueue_job(&job).await
}

/// Runs every due backfill job now (tests, benchmarks); the number of jobs run.
pub async fn run_pending(services: &Services, worker_id: &str) -> Result<usize, StoreError> {
    super::run_pending(services, worker_id, &[super::entry::<Backfill>()]).await
}
