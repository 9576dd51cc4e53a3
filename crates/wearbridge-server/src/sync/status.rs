//! Backfill progress per connection, for `GET /wearbridge/v1/users/{user_id}/sync` and
//! `wearbridge users show`.
//!
//! Nothing extra is stored: a backfill job's payload (range), its checkpoint (chunks
//! finished) and its state determine every chunk's status, because the chunk plan is
//! deterministic ([`crate::sync::plan::chunks`]). Chunks before the checkpoint are `done`;
//! the one at the checkpoint is `running` (job running), `failed` (job failed) or
//! `pending`; the rest are `pending`. Consecutive chunks of a type with one status are
//! merged into one range.

use chrono::{DateTime, NaiveDate};
use serde::Serialize;
use wearbridge_model::DataType;
use wearbridge_store::{Job, JobFilter, JobState, Store, StoreError, User};

use crate::jobs::backfill::{self, Payload, Progress};
use crate::sync::plan::{self, Chunk};

/// Sync state of one connection.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SyncStatus {
    pub user_id: String,
    pub provider: String,
    /// Whether the provider still accepts the grant (false after `access_revoked`).
    pub active: bool,
    /// Last successful provider sync (RFC 3339), if any.
    pub last_polled_at: Option<String>,
    /// Backfills of this connection, oldest first.
    pub backfills: Vec<BackfillStatus>,
}

/// One backfill job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BackfillStatus {
    pub job_id: String,
    /// `queued`, `running`, `completed` or `failed`.
    pub state: String,
    /// First and last day requested (provider-local calendar days, inclusive).
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// A re-pull (`POST /wearbridge/v1/users/{id}/backfill`), not the connect backfill.
    pub repull: bool,
    pub chunks_total: usize,
    pub chunks_done: usize,
    /// The completion marker: true once every chunk is stored.
    pub completed: bool,
    /// When it completed (RFC 3339).
    pub completed_at: Option<String>,
    /// Claims since the last progress.
    pub attempts: i32,
    /// Last failure or wait reason.
    pub last_error: Option<String>,
    /// Per data type, its ranges and their status.
    pub types: Vec<TypeProgress>,
}

/// The ranges of one data type.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TypeProgress {
    pub data_type: String,
    pub ranges: Vec<RangeStatus>,
}

/// Consecutive days with one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RangeStatus {
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// `done`, `running`, `failed` or `pending`.
    pub status: &'static str,
}

/// The status of `user`'s connection; `types` is the provider adapter's type list (its
/// order defines the chunk plan), `None` when no adapter is configured (then only the
/// chunk counts are known).
pub async fn sync_status(
    store: &Store,
    user: &User,
    types: Option<&[DataType]>,
) -> Result<SyncStatus, StoreError> {
    let filter = JobFilter {
        kind: Some(backfill::KIND.to_owned()),
        developer_id: Some(user.developer_id.clone()),
        user_id: Some(user.id.clone()),
        ..JobFilter::default()
    };
    let jobs = store.list_jobs(filter).await?;
    Ok(SyncStatus {
        user_id: user.id.to_string(),
        provider: user.provider.clone(),
        active: user.active,
        last_polled_at: user.last_polled_at.and_then(rfc3339),
        backfills: jobs
            .iter()
            .filter_map(|job| backfill_status(job, types.unwrap_or(&[])))
            .collect(),
    })
}

fn rfc3339(micros: i64) -> Option<String> {
    DateTime::from_timestamp_micros(micros).map(|at| at.to_rfc3339())
}

/// `None` for a job whose payload does not parse (not a backfill this build wrote).
fn backfill_status(job: &Job, types: &[DataType]) -> Option<BackfillStatus> {
    let payload: Payload = serde_json::from_str(&job.payload).ok()?;
    let progress: Progress = job
        .progress
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let types = payload.types_of(types);
    let plan = plan::chunks(payload.start, payload.end, &types);
    let completed = job.state == JobState::Completed;
    let chunks_done = if completed {
        plan.len()
    } else {
        progress.chunks_done.min(plan.len())
    };
    let current = match job.state {
        JobState::Running => "running",
        JobState::Failed => "failed",
        _ => "pending",
    };
    let status_of = |index: usize| match index.cmp(&chunks_done) {
        std::cmp::Ordering::Less => "done",
        std::cmp::Ordering::Equal => current,
        std::cmp::Ordering::Greater => "pending",
    };
    Some(BackfillStatus {
        job_id: job.id.to_string(),
        state: job.state.as_str().to_owned(),
        start_date: payload.start,
        end_date: payload.end,
        repull: payload.refresh,
        chunks_total: plan.len(),
        chunks_done,
        completed,
        completed_at: completed.then(|| rfc3339(job.updated_at)).flatten(),
        attempts: job.attempts,
        last_error: job.last_error.clone(),
        types: types
            .iter()
            .map(|data_type| type_progress(*data_type, &plan, status_of))
            .collect(),
    })
}

fn type_progress(
    data_type: DataType,
    plan: &[Chunk],
    status_of: impl Fn(usize) -> &'static str,
) -> TypeProgress {
    let mut ranges: Vec<RangeStatus> = Vec::new();
    let chunks = plan
        .iter()
        .enumerate()
        .filter(|(_, chunk)| chunk.data_type == data_type);
    for (index, chunk) in chunks {
        let status = status_of(index);
        match ranges.last_mut() {
            Some(last) if last.status == status => last.end_date = chunk.range.end,
            _ => ranges.push(RangeStatus {
                start_date: chunk.range.start,
                end_date: chunk.range.end,
                status,
            }),
        }
    }
    TypeProgress {
        data_type: data_type.as_str().to_owned(),
        ranges,
    }
}

#[cfg(test)]
mod tests {
    use wearbridge_providers::FetchRange;

    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn ranges_of_one_status_are_merged() {
        let chunk = |start: &str, end: &str| Chunk {
            data_type: DataType::Daily,
            range: FetchRange {
                start: day(start),
                end: day(end),
            },
        };
        let plan = [
            chunk("2026-01-01", "2026-01-07"),
            chunk("2026-01-08", "2026-01-14"),
            chunk("2026-01-15", "2026-01-21"),
            chunk("2026-01-22", "2026-01-28"),
        ];
        let progress = type_progress(DataType::Daily, &plan, |index| match index {
            0 | 1 => "done",
            2 => "running",
            _ => "pending",
        });
        assert_eq!(
            progress.ranges,
            vec![
                RangeStatus {
                    start_date: day("2026-01-01"),
                    end_date: day("2026-01-14"),
                    status: "done"
                },
                RangeStatus {
                    start_date: day("2026-01-15"),
                    end_date: day("2026-01-21"),
                    status: "running"
                },
                RangeStatus {
                    start_date: day("2026-01-22"),
                    end_date: day("2026-01-28"),
                    status: "pending"
                },
            ]
        );
    }
}
