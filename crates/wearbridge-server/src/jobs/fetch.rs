//! Fetch jobs: one user, one data type, one range of days, queued by provider push
//! notifications ([`crate::sync::push`]). Same budget, token, retry and revocation
//! handling as a plan chunk ([`crate::sync::plan`]); the dedup key makes a notification
//! delivered twice while its fetch is pending one job, and the upsert-on-change ingest
//! makes a later duplicate store and announce nothing.

use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use wearbridge_model::DataType;
use wearbridge_providers::FetchRange;
use wearbridge_store::ids::UserId;
use wearbridge_store::{StoreError, User};

use super::{Job, JobError, JobRun, Outcome, Retry, SettlePolicy, new_job};
use crate::services::Services;
use crate::sync::plan::{
    Chunk, admit, fetch_and_store, interrupted, is_revoked, job_user, revoke_access,
};

/// Job kind on the jobs table.
pub const KIND: &str = "fetch";

/// The fetch job kind.
pub struct Fetch;

/// The job's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchPayload {
    pub user_id: UserId,
    pub data_type: DataType,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Job for Fetch {
    const KIND: &'static str = KIND;
    /// A fetch is one chunk, well inside the lease; 6 claims give up (a notification's
    /// data also arrives with the next poll or backfill, so giving up is not data loss
    /// forever).
    const POLICY: SettlePolicy = SettlePolicy {
        lease: Duration::from_secs(120),
        max_attempts: 6,
        retry: Retry::Backoff,
    };
    type Payload = FetchPayload;

    async fn run(run: &JobRun<'_>, payload: FetchPayload) -> Result<Outcome, JobError> {
        let services = run.services;
        let Some(user) = job_user(services, run.job, &payload.user_id).await? else {
            return Ok(Outcome::Done);
        };
        let (provider, ctx) = crate::adapters::user_adapter(services, &user)?;
        let chunk = Chunk {
            data_type: payload.data_type,
            range: FetchRange {
                start: payload.start,
                end: payload.end,
            },
        };
        let _fetching = services
            .fetch_locks
            .lock((user.id.clone(), chunk.data_type))
            .await;
        admit(services, provider.as_ref(), &user, chunk, 0).await?;
        let mut rejected = None;
        match fetch_and_store(
            services,
            provider.as_ref(),
            &ctx,
            &user,
            chunk,
            &mut rejected,
        )
        .await
        {
            Ok(()) => Ok(Outcome::Done),
            Err(error) if is_revoked(&error) => {
                revoke_access(services, &user).await?;
                Ok(Outcome::Done)
            }
            Err(error) => Err(interrupted(services, &user, error, false).await?),
        }
    }
}

/// Queues a fetch; `false` when the same fetch is already queued or running.
pub async fn enqueue_fetch(
    services: &Services,
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
    let dedup_key = format!(
        "{KIND}:{}:{}:{}:{}",
        user.id,
        data_type.as_str(),
        range.start,
        range.end
    );
    let job = new_job::<Fetch>(
        &payload,
        Some(dedup_key),
        services.now_micros(),
        Some((&user.developer_id, &user.id)),
    )?;
    Ok(services.store.enqueue_job(&job).await?.is_some())
}

/// Runs every due fetch job now (tests); the number of jobs run.
pub async fn run_pending(services: &Services, worker_id: &str) -> Result<usize, StoreError> {
    let fetch = [super::entry::<Fetch>()];
    super::run_pending(services, worker_id, &fetch).await
}
