//! The transactional outbox. Rows are appended inside the transaction that makes the
//! change they announce; the delivery worker (a later migration, `0200_delivery`) claims
//! and updates them.

use std::sync::LazyLock;
use std::time::Duration;

use sqlx::AnyConnection;

use crate::ids::{DeveloperId, EventId};
use crate::rows::{self, event_columns, lease_micros};
use crate::types::{EventFilter, EventRow, NewEvent};
use crate::{Backend, DEFAULT_LIST_LIMIT, Result, Store, StoreTx, now_micros};

const APPEND: &str = "INSERT INTO events \
     (id, developer_id, user_id, event_type, body, reference, created_at, state, \
      attempt_count, next_attempt_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $7)";
/// Rows per multi-row INSERT in [`StoreTx::append_events`]: one round trip per 32 events
/// instead of 32, with only two statement texts in the cache (full chunk, single row).
const BATCH_ROWS: usize = 32;
/// Bound parameters per event row in [`APPEND_BATCH`].
const PARAMS_PER_ROW: usize = 7;
/// [`APPEND`] for [`BATCH_ROWS`] rows at once.
static APPEND_BATCH: LazyLock<String> = LazyLock::new(|| {
    let rows: Vec<String> = (0..BATCH_ROWS)
        .map(|row| {
            let p = |n: usize| format!("${}", row * PARAMS_PER_ROW + n);
            format!(
                "({}, {}, {}, {}, {}, {}, {}, 'pending', 0, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(7)
            )
        })
        .collect();
    format!(
        "INSERT INTO events (id, developer_id, user_id, event_type, body, reference, \
         created_at, state, attempt_count, next_attempt_at) VALUES {}",
        rows.join(", ")
    )
});
/// Leases up to `$4` due, unleased pending events to worker `$1` until `$2` (now = `$3`).
macro_rules! claim_events_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE events SET locked_by = $1, locked_until = $2, \
             attempt_count = attempt_count + 1 \
             WHERE id IN (SELECT id FROM events \
               WHERE state = 'pending' AND next_attempt_at <= $3 \
               AND (locked_until IS NULL OR locked_until < $3) \
               ORDER BY next_attempt_at, id LIMIT $4",
            $lock,
            ") RETURNING ",
            event_columns!()
        )
    };
}
/// SQLite: the single writer serialises claims; one statement is atomic.
const CLAIM_SQLITE: &str = claim_events_sql!("");
/// PostgreSQL: concurrent delivery workers skip each other's rows instead of waiting.
const CLAIM_POSTGRES: &str = claim_events_sql!(" FOR UPDATE SKIP LOCKED");
const DELIVERED: &str = "UPDATE events SET state = 'delivered', delivered_at = $3, \
     locked_by = NULL, locked_until = NULL \
     WHERE id = $1 AND state = 'pending' AND locked_by = $2";
/// Pending again at `$4` when given, else failed for good.
const FAILED: &str = "UPDATE events SET \
     state = CASE WHEN $4 IS NULL THEN 'failed' ELSE 'pending' END, \
     next_attempt_at = COALESCE($4, next_attempt_at), last_error = $3, \
     locked_by = NULL, locked_until = NULL \
     WHERE id = $1 AND state = 'pending' AND locked_by = $2";
/// `$N IS NULL OR ...` keeps one prepared statement for every filter combination.
const LIST: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE developer_id = $1 \
     AND ($2 IS NULL OR user_id = $2) \
     AND ($3 IS NULL OR event_type = $3) \
     AND ($4 IS NULL OR state = $4) \
     ORDER BY id LIMIT $5"
);

async fn append(conn: &mut AnyConnection, event: &NewEvent) -> Result<EventId> {
    let id = EventId::new();
    sqlx::query(APPEND)
        .bind(id.as_str())
        .bind(event.developer_id.as_str())
        .bind(event.user_id.as_ref().map(|user| user.as_str()))
        .bind(&event.event_type)
        .bind(&event.body)
        .bind(event.reference.as_deref())
        .bind(now_micros())
        .execute(conn)
        .await?;
    Ok(id)
}

async fn append_batch(conn: &mut AnyConnection, events: &[NewEvent]) -> Result<Vec<EventId>> {
    let created_at = now_micros();
    let ids: Vec<EventId> = events.iter().map(|_| EventId::new()).collect();
    let mut query = sqlx::query(APPEND_BATCH.as_str());
    for (id, event) in ids.iter().zip(events) {
        query = query
            .bind(id.as_str())
            .bind(event.developer_id.as_str())
            .bind(event.user_id.as_ref().map(|user| user.as_str()))
            .bind(event.event_type.as_str())
            .bind(event.body.as_str())
            .bind(event.reference.as_deref())
            .bind(created_at);
    }
    query.execute(conn).await?;
    Ok(ids)
}

async fn append_many(conn: &mut AnyConnection, events: &[NewEvent]) -> Result<Vec<EventId>> {
    let mut ids = Vec::with_capacity(events.len());
    let chunks = events.chunks_exact(BATCH_ROWS);
    let rest = chunks.remainder();
    for chunk in chunks {
        ids.extend(append_batch(&mut *conn, chunk).await?);
    }
    for event in rest {
        ids.push(append(&mut *conn, event).await?);
    }
    Ok(ids)
}

impl Store {
    /// `dev`'s events matching `filter`, oldest first.
    pub async fn list_events(
        &self,
        dev: &DeveloperId,
        filter: EventFilter,
    ) -> Result<Vec<EventRow>> {
        let limit = i64::from(filter.limit.unwrap_or(DEFAULT_LIST_LIMIT));
        let rows = sqlx::query(LIST)
            .bind(dev.as_str())
            .bind(filter.user_id.as_ref().map(|user| user.as_str()))
            .bind(filter.event_type.as_deref())
            .bind(filter.state.map(|state| state.as_str()))
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(rows::event).collect()
    }

    /// [`StoreTx::append_event`] on its own (for events not tied to another change).
    pub async fn append_event(&self, event: &NewEvent) -> Result<EventId> {
        append(&mut *self.write.acquire().await?, event).await
    }
}

impl Store {
    /// Leases up to `limit` due pending events (oldest due first) to `worker_id` until
    /// `now_micros + lease`, counting an attempt on each. Events whose lease expired
    /// (a crashed worker) are claimable again.
    pub async fn claim_events(
        &self,
        worker_id: &str,
        limit: u32,
        lease: Duration,
        now_micros: i64,
    ) -> Result<Vec<EventRow>> {
        let sql = match self.backend {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let rows = sqlx::query(sql)
            .bind(worker_id)
            .bind(now_micros.saturating_add(lease_micros(lease)))
            .bind(now_micros)
            .bind(i64::from(limit))
            .fetch_all(&self.write)
            .await?;
        let mut events = rows.iter().map(rows::event).collect::<Result<Vec<_>>>()?;
        // RETURNING order is unspecified; hand events out in the order they were chosen.
        events.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
        Ok(events)
    }

    /// Marks a claimed event delivered at `now_micros`; false when `worker_id` does not
    /// hold it.
    pub async fn mark_event_delivered(
        &self,
        id: &EventId,
        worker_id: &str,
        now_micros: i64,
    ) -> Result<bool> {
        let done = sqlx::query(DELIVERED)
            .bind(id.as_str())
            .bind(worker_id)
            .bind(now_micros)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records a failed delivery: pending again at `retry_at`, or failed for good when
    /// `None` (the retry policy is the worker's). False when `worker_id` does not hold it.
    pub async fn mark_event_failed(
        &self,
        id: &EventId,
        worker_id: &str,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<bool> {
        let done = sqlx::query(FAILED)
            .bind(id.as_str())
            .bind(worker_id)
            .bind(error)
            .bind(retry_at)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl StoreTx<'_> {
    /// Appends many pending events in multi-row INSERTs (see [`BATCH_ROWS`]); ids in
    /// input order.
    pub async fn append_events(&mut self, events: &[NewEvent]) -> Result<Vec<EventId>> {
        append_many(&mut self.tx, events).await
    }

    /// Appends a pending event, due immediately; it becomes visible to the delivery worker
    /// only when this transaction commits.
    pub async fn append_event(&mut self, event: &NewEvent) -> Result<EventId> {
        append(&mut self.tx, event).await
    }
}
