//! The transactional outbox. Rows are appended inside the transaction that makes the
//! change they announce; claiming and delivering them lives in [`crate::delivery`]
//! (`0200_delivery`), which also knows which destinations are disabled.

use std::sync::LazyLock;

use sqlx::AnyConnection;

use crate::ids::{DeveloperId, EventId};
use crate::rows::{self, event_columns};
use crate::types::{EventFilter, EventRow, NewEvent};
use crate::{DEFAULT_LIST_LIMIT, Result, Store, StoreTx, now_micros};

const APPEND: &str = "INSERT INTO events \
     (id, developer_id, user_id, event_type, body, reference, trace_id, created_at, state, \
      attempt_count, next_attempt_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $8)";
/// Rows per multi-row INSERT in [`StoreTx::append_events`]: one round trip per 32 events
/// instead of 32, with only two statement texts in the cache (full chunk, single row).
const BATCH_ROWS: usize = 32;
/// Bound parameters per event row in [`APPEND_BATCH`].
const PARAMS_PER_ROW: usize = 8;
/// [`APPEND`] for [`BATCH_ROWS`] rows at once.
static APPEND_BATCH: LazyLock<String> = LazyLock::new(|| {
    let rows: Vec<String> = (0..BATCH_ROWS)
        .map(|row| {
            let p = |n: usize| format!("${}", row * PARAMS_PER_ROW + n);
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {}, 'pending', 0, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(8),
                p(8)
            )
        })
        .collect();
    format!(
        "INSERT INTO events (id, developer_id, user_id, event_type, body, reference, \
         trace_id, created_at, state, attempt_count, next_attempt_at) VALUES {}",
        rows.join(", ")
    )
});
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
        .bind(event.trace_id.as_deref())
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
            .bind(event.trace_id.as_deref())
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
