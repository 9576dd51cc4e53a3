//! The durable job queue: enqueue with de-duplication, claim with a lease, complete,
//! fail (with retry), extend, checkpoint.
//!
//! A claim sets `state = 'running'`, `locked_by` and `locked_until`, and counts an
//! attempt. A running job whose lease has expired is claimable again: that is how the job
//! of a crashed worker resumes (from its last `progress` checkpoint). Every state change
//! after the claim requires `locked_by = worker_id`, so a worker that lost its lease
//! cannot complete or fail a job another worker now holds.

use std::time::Duration;

use sqlx::AnyConnection;

use crate::ids::JobId;
use crate::rows::{self, job_columns, json_list, lease_micros};
use crate::types::{Job, JobFilter, NewJob};
use crate::{Backend, DEFAULT_LIST_LIMIT, Result, Store, StoreError, StoreTx, now_micros};

/// `ON CONFLICT DO NOTHING` hits the partial unique index on active dedup keys; then no
/// row comes back and the job counts as already queued.
const ENQUEUE: &str = "INSERT INTO jobs \
     (id, kind, payload, dedup_key, state, attempts, max_attempts, run_at, developer_id, \
      user_id, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $8, $9, $9) \
     ON CONFLICT DO NOTHING RETURNING id";
/// A running job whose lease expired after its last allowed attempt is failed instead of
/// being handed out again (a job that keeps crashing its worker must stop somewhere).
const EXPIRE_EXHAUSTED: &str = "UPDATE jobs SET state = 'failed', \
     last_error = COALESCE(last_error, 'lease expired after the last attempt'), \
     locked_by = NULL, locked_until = NULL, updated_at = $1 \
     WHERE state = 'running' AND locked_until < $1 AND attempts >= max_attempts";
/// `$4` is 0 when any kind may be claimed, else `$5` is a JSON array of kinds. `$due` is
/// the claimable condition and `$order` its index order. There are two claims, each a
/// walk along one partial index that stops at the first match: a single `OR` of both
/// conditions made SQLite and PostgreSQL collect and sort every due job on each claim.
macro_rules! claim_sql {
    ($due:literal, $order:literal, $kinds:literal, $lock:literal) => {
        concat!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
             locked_until = $2, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE ",
            $due,
            " AND ($4 = 0 OR kind IN (",
            $kinds,
            ")) ORDER BY ",
            $order,
            " LIMIT 1",
            $lock,
            ") RETURNING ",
            job_columns!()
        )
    };
}
/// SQLite needs no row lock: the single writer connection and `BEGIN IMMEDIATE` across
/// processes serialise claims, and one statement is atomic.
/// Running jobs whose lease expired (their worker crashed), resumed before new work.
const RECLAIM_SQLITE: &str = claim_sql!(
    "state = 'running' AND locked_until < $3",
    "locked_until, id",
    "SELECT value FROM json_each($5)",
    ""
);
/// Queued jobs that are due, earliest `run_at` first.
const CLAIM_SQLITE: &str = claim_sql!(
    "state = 'queued' AND run_at <= $3",
    "run_at, id",
    "SELECT value FROM json_each($5)",
    ""
);
/// PostgreSQL: concurrent workers skip rows another claim has locked instead of waiting.
const RECLAIM_POSTGRES: &str = claim_sql!(
    "state = 'running' AND locked_until < $3",
    "locked_until, id",
    "SELECT jsonb_array_elements_text($5::jsonb)",
    " FOR UPDATE SKIP LOCKED"
);
const CLAIM_POSTGRES: &str = claim_sql!(
    "state = 'queued' AND run_at <= $3",
    "run_at, id",
    "SELECT jsonb_array_elements_text($5::jsonb)",
    " FOR UPDATE SKIP LOCKED"
);
const COMPLETE: &str = "UPDATE jobs SET state = 'completed', locked_by = NULL, \
     locked_until = NULL, updated_at = $3 \
     WHERE id = $1 AND state = 'running' AND locked_by = $2";
/// Back to `queued` at `$4` when a retry time is given and attempts remain, else `failed`.
const FAIL: &str = "UPDATE jobs SET \
     state = CASE WHEN $4 IS NOT NULL AND attempts < max_attempts \
                  THEN 'queued' ELSE 'failed' END, \
     run_at = COALESCE($4, run_at), last_error = $3, locked_by = NULL, \
     locked_until = NULL, updated_at = $5 \
     WHERE id = $1 AND state = 'running' AND locked_by = $2";
const EXTEND: &str = "UPDATE jobs SET locked_until = $3, updated_at = $4 \
     WHERE id = $1 AND state = 'running' AND locked_by = $2";
const PROGRESS: &str = "UPDATE jobs SET progress = $2, updated_at = $3 WHERE id = $1";
const GET: &str = concat!("SELECT ", job_columns!(), " FROM jobs WHERE id = $1");
const LIST: &str = concat!(
    "SELECT ",
    job_columns!(),
    " FROM jobs WHERE ($1 IS NULL OR kind = $1) \
     AND ($2 IS NULL OR state = $2) \
     AND ($3 IS NULL OR developer_id = $3) \
     AND ($4 IS NULL OR user_id = $4) \
     ORDER BY id LIMIT $5"
);

async fn enqueue(conn: &mut AnyConnection, job: &NewJob) -> Result<Option<JobId>> {
    if job.max_attempts < 1 {
        return Err(StoreError::InvalidInput(format!(
            "max_attempts must be at least 1, got {}",
            job.max_attempts
        )));
    }
    let id = JobId::new();
    let row = sqlx::query(ENQUEUE)
        .bind(id.as_str())
        .bind(&job.kind)
        .bind(&job.payload)
        .bind(job.dedup_key.as_deref())
        .bind(job.max_attempts)
        .bind(job.run_at)
        .bind(job.developer_id.as_ref().map(|dev| dev.as_str()))
        .bind(job.user_id.as_ref().map(|user| user.as_str()))
        .bind(now_micros())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|_| id))
}

impl Store {
    /// [`StoreTx::enqueue_job`] on its own.
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<Option<JobId>> {
        enqueue(&mut *self.write.acquire().await?, job).await
    }

    /// Claims one job of `kinds` (all kinds when empty), leasing it to `worker_id` until
    /// `now_micros + lease`: first a running job whose lease expired (oldest lease first),
    /// else the queued job with the earliest `run_at <= now_micros`.
    pub async fn claim_job(
        &self,
        worker_id: &str,
        kinds: &[&str],
        lease: Duration,
        now_micros: i64,
    ) -> Result<Option<Job>> {
        let mut conn = self.write.acquire().await?;
        sqlx::query(EXPIRE_EXHAUSTED)
            .bind(now_micros)
            .execute(&mut *conn)
            .await?;
        let (reclaim, claim) = match self.backend {
            Backend::Sqlite => (RECLAIM_SQLITE, CLAIM_SQLITE),
            Backend::Postgres => (RECLAIM_POSTGRES, CLAIM_POSTGRES),
        };
        let filter_kinds = i32::from(!kinds.is_empty());
        let kinds = json_list(kinds)?;
        for sql in [reclaim, claim] {
            let row = sqlx::query(sql)
                .bind(worker_id)
                .bind(now_micros.saturating_add(lease_micros(lease)))
                .bind(now_micros)
                .bind(filter_kinds)
                .bind(kinds.as_str())
                .fetch_optional(&mut *conn)
                .await?;
            if let Some(row) = row {
                return rows::job(&row).map(Some);
            }
        }
        Ok(None)
    }

    /// Marks the job completed; false when `worker_id` does not hold it.
    pub async fn complete_job(&self, id: &JobId, worker_id: &str) -> Result<bool> {
        let done = sqlx::query(COMPLETE)
            .bind(id.as_str())
            .bind(worker_id)
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records a failed attempt. With `retry_at` and attempts left the job is queued
    /// again for then; otherwise it is failed for good. False when `worker_id` does not
    /// hold the job.
    pub async fn fail_job(
        &self,
        id: &JobId,
        worker_id: &str,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<bool> {
        let done = sqlx::query(FAIL)
            .bind(id.as_str())
            .bind(worker_id)
            .bind(error)
            .bind(retry_at)
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Extends the lease to `now_micros + lease`; false when `worker_id` no longer holds
    /// the job (the worker should then stop working on it).
    pub async fn extend_lease(
        &self,
        id: &JobId,
        worker_id: &str,
        lease: Duration,
        now_micros: i64,
    ) -> Result<bool> {
        let done = sqlx::query(EXTEND)
            .bind(id.as_str())
            .bind(worker_id)
            .bind(now_micros.saturating_add(lease_micros(lease)))
            .bind(now_micros)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores a checkpoint so that a resumed job continues where it stopped.
    pub async fn update_job_progress(&self, id: &JobId, progress_json: &str) -> Result<bool> {
        let done = sqlx::query(PROGRESS)
            .bind(id.as_str())
            .bind(progress_json)
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The job with this id, if any.
    pub async fn get_job(&self, id: &JobId) -> Result<Option<Job>> {
        let row = sqlx::query(GET)
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rows::job).transpose()
    }

    /// Jobs matching `filter`, oldest first.
    pub async fn list_jobs(&self, filter: JobFilter) -> Result<Vec<Job>> {
        let limit = i64::from(filter.limit.unwrap_or(DEFAULT_LIST_LIMIT));
        let rows = sqlx::query(LIST)
            .bind(filter.kind.as_deref())
            .bind(filter.state.map(|state| state.as_str()))
            .bind(filter.developer_id.as_ref().map(|dev| dev.as_str()))
            .bind(filter.user_id.as_ref().map(|user| user.as_str()))
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(rows::job).collect()
    }
}

impl StoreTx<'_> {
    /// Queues a job, committed with this transaction. `None` when a queued or running job
    /// with the same `dedup_key` exists. `InvalidInput` when `max_attempts < 1`.
    pub async fn enqueue_job(&mut self, job: &NewJob) -> Result<Option<JobId>> {
        enqueue(&mut self.tx, job).await
    }
}
