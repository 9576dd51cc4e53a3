//! Leasing due events to a delivery worker, and queueing events again (resend), which
//! takes any lease away from the worker holding it.

use std::time::Duration;

use crate::ids::{DeveloperId, EventId};
use crate::rows::{self, event_columns, lease_micros};
use crate::types::EventRow;
use crate::{Backend, Result, Store};

/// Leases up to `$4` due pending events to worker `$1` until `$2` (now = `$3`), skipping
/// developers without a webhook URL and disabled destinations (their events wait). The
/// claim counts an attempt, so a crash mid-send still shows up in `attempt_count`.
macro_rules! claim_deliveries_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE events SET locked_by = $1, locked_until = $2, \
             attempt_count = attempt_count + 1 \
             WHERE id IN (SELECT id FROM events \
               WHERE state = 'pending' AND next_attempt_at <= $3 \
               AND (locked_until IS NULL OR locked_until < $3) \
               AND EXISTS (SELECT 1 FROM developers d \
                   WHERE d.id = events.developer_id AND d.webhook_url IS NOT NULL) \
               AND NOT EXISTS (SELECT 1 FROM webhook_destinations w \
                   WHERE w.developer_id = events.developer_id AND w.disabled_at IS NOT NULL) \
               ORDER BY next_attempt_at, id LIMIT $4",
            $lock,
            ") RETURNING ",
            event_columns!()
        )
    };
}
/// SQLite: the single writer connection serialises claims; one statement is atomic.
const CLAIM_SQLITE: &str = claim_deliveries_sql!("");
/// PostgreSQL: concurrent nodes skip each other's rows instead of waiting on them.
const CLAIM_POSTGRES: &str = claim_deliveries_sql!(" FOR UPDATE SKIP LOCKED");

/// Back to pending, due at `$3`, with a fresh retry schedule. Any lease is dropped, so a
/// worker still sending it cannot record over the resend.
const RESEND: &str = "UPDATE events SET state = 'pending', next_attempt_at = $3, \
     attempt_count = 0, delivered_at = NULL, locked_by = NULL, locked_until = NULL \
     WHERE id = $1 AND developer_id = $2";
const RESEND_FAILED: &str = "UPDATE events SET state = 'pending', next_attempt_at = $3, \
     attempt_count = 0, locked_by = NULL, locked_until = NULL \
     WHERE developer_id = $1 AND state = 'failed' AND created_at >= $2";

impl Store {
    /// Leases up to `limit` due events of enabled destinations to `worker_id` until
    /// `now_micros + lease`, oldest due first. An event whose lease expired (its worker
    /// crashed mid-send) is claimable again: at-least-once delivery.
    pub async fn claim_deliveries(
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

    /// Queues one event again (whatever its state) with a fresh schedule, due at
    /// `now_micros`; false when `dev` has no such event.
    pub async fn resend_event(
        &self,
        dev: &DeveloperId,
        id: &EventId,
        now_micros: i64,
    ) -> Result<bool> {
        let done = sqlx::query(RESEND)
            .bind(id.as_str())
            .bind(dev.as_str())
            .bind(now_micros)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Queues every failed event of `dev` appended at or after `since_micros` again;
    /// returns how many.
    pub async fn resend_failed_since(
        &self,
        dev: &DeveloperId,
        since_micros: i64,
        now_micros: i64,
    ) -> Result<u64> {
        let done = sqlx::query(RESEND_FAILED)
            .bind(dev.as_str())
            .bind(since_micros)
            .bind(now_micros)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
