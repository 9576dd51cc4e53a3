//! The reads behind the delivery API and the CLI: one event, a developer's events, an
//! event's attempts, delivered counts.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{AttemptOutcome, DeliveryAttempt, DeliveryEventFilter};
use crate::ids::{DeveloperId, EventId};
use crate::rows::{self, event_columns};
use crate::types::{EventRow, EventState};
use crate::{DEFAULT_LIST_LIMIT, Result, Store};

const GET_EVENT: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE id = $1 AND developer_id = $2"
);
/// `$N IS NULL OR ...` keeps one prepared statement for every filter combination.
const LIST_EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE developer_id = $1 \
     AND ($2 IS NULL OR created_at >= $2) \
     AND ($3 IS NULL OR state = $3) \
     AND ($4 IS NULL OR event_type = $4) \
     ORDER BY id LIMIT $5"
);
const LIST_ATTEMPTS: &str = "SELECT id, event_id, attempt_number, started_at, latency_micros, \
     status_code, error, outcome FROM delivery_attempts \
     WHERE event_id = $1 AND developer_id = $2 ORDER BY started_at, id";
const COUNT_DELIVERED: &str = "SELECT COUNT(*) AS n FROM events \
     WHERE developer_id = $1 AND state = 'delivered' AND delivered_at >= $2 AND delivered_at < $3";

fn attempt(row: &AnyRow) -> Result<DeliveryAttempt> {
    let outcome: String = row.try_get("outcome")?;
    let attempt_number: i64 = row.try_get("attempt_number")?;
    let status_code: Option<i64> = row.try_get("status_code")?;
    Ok(DeliveryAttempt {
        id: row.try_get("id")?,
        event_id: EventId::from_db(row.try_get("event_id")?),
        attempt_number: i32::try_from(attempt_number).unwrap_or(i32::MAX),
        started_at: row.try_get("started_at")?,
        latency_micros: row.try_get("latency_micros")?,
        status_code: status_code.and_then(|code| i32::try_from(code).ok()),
        error: row.try_get("error")?,
        outcome: AttemptOutcome::parse(&outcome)?,
    })
}

impl Store {
    /// One event of `dev`, if it exists.
    pub async fn get_event(&self, dev: &DeveloperId, id: &EventId) -> Result<Option<EventRow>> {
        let row = sqlx::query(GET_EVENT)
            .bind(id.as_str())
            .bind(dev.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rows::event).transpose()
    }

    /// `dev`'s events matching `filter`, oldest first.
    pub async fn list_delivery_events(
        &self,
        dev: &DeveloperId,
        filter: &DeliveryEventFilter,
    ) -> Result<Vec<EventRow>> {
        let limit = i64::from(filter.limit.unwrap_or(DEFAULT_LIST_LIMIT));
        let rows = sqlx::query(LIST_EVENTS)
            .bind(dev.as_str())
            .bind(filter.since)
            .bind(filter.state.map(EventState::as_str))
            .bind(filter.event_type.as_deref())
            .bind(limit)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(rows::event).collect()
    }

    /// Every attempt at one of `dev`'s events, oldest first.
    pub async fn list_delivery_attempts(
        &self,
        dev: &DeveloperId,
        event_id: &EventId,
    ) -> Result<Vec<DeliveryAttempt>> {
        let rows = sqlx::query(LIST_ATTEMPTS)
            .bind(event_id.as_str())
            .bind(dev.as_str())
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(attempt).collect()
    }

    /// `dev`'s events delivered in `[from_micros, to_micros)`.
    pub async fn count_delivered_between(
        &self,
        dev: &DeveloperId,
        from_micros: i64,
        to_micros: i64,
    ) -> Result<i64> {
        let row = sqlx::query(COUNT_DELIVERED)
            .bind(dev.as_str())
            .bind(from_micros)
            .bind(to_micros)
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get("n")?)
    }
}
