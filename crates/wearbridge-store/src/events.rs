//! The transactional outbox. Rows are appended inside the transaction that makes the
//! change they announce; the delivery worker (a later migration, `0200_delivery`) claims
//! and updates them.

use sqlx::AnyConnection;

use crate::ids::{DeveloperId, EventId};
use crate::rows::{self, event_columns};
use crate::types::{EventFilter, EventRow, NewEvent};
use crate::{DEFAULT_LIST_LIMIT, Result, Store, StoreTx, now_micros};

const APPEND: &str = "INSERT INTO events \
     (id, developer_id, user_id, event_type, body, reference, created_at, state, \
      attempt_count, next_attempt_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $7)";
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
    /// Appends a pending event, due immediately; it becomes visible to the delivery worker
    /// only when this transaction commits.
    pub async fn append_event(&mut self, event: &NewEvent) -> Result<EventId> {
        append(&mut self.tx, event).await
    }
}
