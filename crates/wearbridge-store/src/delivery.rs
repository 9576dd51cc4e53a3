//! Webhook delivery state: claiming due outbox events with a lease, recording every
//! attempt together with the event's new state, resending, and the per-developer
//! destination state (disabled / failing since / previous signing secret / healthcheck
//! slot). Tables: `0200_delivery.sql`.
//!
//! The retry *policy* (delays, jitter, when to give up) belongs to the server's delivery
//! worker; the store only applies the decision it is handed, atomically.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::{DeveloperId, EventId};
use crate::rows::{self, event_columns, lease_micros};
use crate::types::{EventRow, EventState, NewEvent};
use crate::{Backend, DEFAULT_LIST_LIMIT, Result, Store, StoreError};

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

/// Every state change after a claim is guarded by `locked_by = $2`: a worker whose lease
/// expired (and whose event another worker now holds) cannot overwrite the newer state.
const MARK_DELIVERED: &str = "UPDATE events SET state = 'delivered', delivered_at = $3, \
     last_error = NULL, locked_by = NULL, locked_until = NULL \
     WHERE id = $1 AND state = 'pending' AND locked_by = $2";
const MARK_RETRY: &str = "UPDATE events SET next_attempt_at = $3, last_error = $4, \
     locked_by = NULL, locked_until = NULL \
     WHERE id = $1 AND state = 'pending' AND locked_by = $2";
const MARK_FAILED: &str = "UPDATE events SET state = 'failed', last_error = $3, \
     locked_by = NULL, locked_until = NULL \
     WHERE id = $1 AND state = 'pending' AND locked_by = $2";
/// PostgreSQL only, inside the recording transaction (see [`Store::record_deliveries`]).
const ASYNC_COMMIT: &str = "SET LOCAL synchronous_commit TO OFF";
const INSERT_ATTEMPT: &str = "INSERT INTO delivery_attempts \
     (id, event_id, developer_id, attempt_number, started_at, latency_micros, status_code, \
      error, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
/// A success ends a failure streak; a no-op (no write) while healthy.
const CLEAR_FAILING: &str = "UPDATE webhook_destinations SET failing_since = NULL \
     WHERE developer_id = $1 AND failing_since IS NOT NULL";
/// Starts a failure streak at `$2` unless one is running.
const START_FAILING: &str = "INSERT INTO webhook_destinations (developer_id, failing_since) \
     VALUES ($1, $2) ON CONFLICT (developer_id) DO UPDATE \
     SET failing_since = COALESCE(webhook_destinations.failing_since, excluded.failing_since)";
/// Disables at `$2` with reason `$3` when the streak began at or before `$4` (pass
/// `i64::MAX` to disable unconditionally, e.g. on 410).
const DISABLE_IF_FAILING_SINCE: &str = "UPDATE webhook_destinations \
     SET disabled_at = $2, disabled_reason = $3 \
     WHERE developer_id = $1 AND disabled_at IS NULL AND failing_since <= $4";
const ENABLE: &str = "INSERT INTO webhook_destinations (developer_id) VALUES ($1) \
     ON CONFLICT (developer_id) DO UPDATE \
     SET disabled_at = NULL, disabled_reason = NULL, failing_since = NULL";
const ENSURE_DESTINATION: &str = "INSERT INTO webhook_destinations (developer_id) VALUES ($1) \
     ON CONFLICT (developer_id) DO NOTHING";
const DESTINATION: &str = "SELECT d.id AS developer_id, d.webhook_url, d.webhook_secret_enc, \
     w.previous_secret_enc, w.previous_secret_until, w.disabled_at, w.disabled_reason, \
     w.failing_since FROM developers d \
     LEFT JOIN webhook_destinations w ON w.developer_id = d.id WHERE d.id = $1";
const DEVELOPER_SECRET: &str = "SELECT webhook_secret_enc FROM developers WHERE id = $1";
const KEEP_PREVIOUS_SECRET: &str = "INSERT INTO webhook_destinations \
     (developer_id, previous_secret_enc, previous_secret_until) VALUES ($1, $2, $3) \
     ON CONFLICT (developer_id) DO UPDATE \
     SET previous_secret_enc = excluded.previous_secret_enc, \
         previous_secret_until = excluded.previous_secret_until";
const SET_SECRET: &str = "UPDATE developers SET webhook_secret_enc = $2 WHERE id = $1";
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
/// Back to pending, due at `$3`, with a fresh retry schedule. Any lease is dropped, so a
/// worker still sending it cannot record over the resend.
const RESEND: &str = "UPDATE events SET state = 'pending', next_attempt_at = $3, \
     attempt_count = 0, delivered_at = NULL, locked_by = NULL, locked_until = NULL \
     WHERE id = $1 AND developer_id = $2";
const RESEND_FAILED: &str = "UPDATE events SET state = 'pending', next_attempt_at = $3, \
     attempt_count = 0, locked_by = NULL, locked_until = NULL \
     WHERE developer_id = $1 AND state = 'failed' AND created_at >= $2";
const COUNT_DELIVERED: &str = "SELECT COUNT(*) AS n FROM events \
     WHERE developer_id = $1 AND state = 'delivered' AND delivered_at >= $2 AND delivered_at < $3";
/// Takes the healthcheck slot when the last one is at least the interval old; on
/// PostgreSQL the row lock makes exactly one node win.
const TAKE_HEALTHCHECK_SLOT: &str = "UPDATE webhook_destinations SET last_healthcheck_at = $2 \
     WHERE developer_id = $1 AND (last_healthcheck_at IS NULL OR last_healthcheck_at <= $3)";

/// What the worker decided after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// 2xx: delivered at this time (unix microseconds).
    Delivered { at: i64 },
    /// Failed; attempt again at this time (unix microseconds).
    RetryAt(i64),
    /// Failed and the schedule is spent: the event is kept as `failed` (resendable).
    GiveUp,
}

/// How an attempt ended, as stored in `delivery_attempts.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptOutcome {
    Delivered,
    Retry,
    Failed,
}

impl AttemptOutcome {
    fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retry => "retry",
            AttemptOutcome::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<AttemptOutcome> {
        match text {
            "delivered" => Ok(AttemptOutcome::Delivered),
            "retry" => Ok(AttemptOutcome::Retry),
            "failed" => Ok(AttemptOutcome::Failed),
            other => Err(StoreError::Corrupt(format!(
                "unknown attempt outcome {other:?}"
            ))),
        }
    }
}

/// One finished attempt and the decision about the event, recorded atomically by
/// [`Store::record_delivery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryResult {
    pub event_id: EventId,
    pub developer_id: DeveloperId,
    /// The worker holding the lease (from the claim).
    pub worker_id: String,
    /// 1-based attempt number (the event's `attempt_count` after the claim).
    pub attempt_number: i32,
    /// When the request started, unix microseconds.
    pub started_at: i64,
    /// Request duration until the response head (or the error), microseconds.
    pub latency_micros: i64,
    /// HTTP status, when a response came back.
    pub status_code: Option<u16>,
    /// Transport error or non-2xx description.
    pub error: Option<String>,
    pub next: NextStep,
    /// Disable the destination now with this reason (a 410 Gone).
    pub disable_reason: Option<String>,
    /// Disable the destination when its failure streak began at or before this time
    /// (unix microseconds): "only failures for 5 days".
    pub disable_if_failing_since: i64,
}

/// A stored attempt, for the API and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub id: String,
    pub event_id: EventId,
    pub attempt_number: i32,
    /// Unix microseconds.
    pub started_at: i64,
    /// Microseconds.
    pub latency_micros: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub outcome: AttemptOutcome,
}

/// A developer's webhook destination: URL, secrets (encrypted) and health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    pub developer_id: DeveloperId,
    pub webhook_url: Option<String>,
    /// Current signing secret, encrypted by the server.
    pub secret_enc: String,
    /// Secret before the last rotation, encrypted; signs too until `previous_secret_until`.
    pub previous_secret_enc: Option<String>,
    /// Unix microseconds.
    pub previous_secret_until: Option<i64>,
    /// Unix microseconds; `Some` means deliveries are paused.
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    /// Start of the current failure streak, unix microseconds.
    pub failing_since: Option<i64>,
}

/// Filter for [`Store::list_delivery_events`]; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryEventFilter {
    /// Only events appended at or after this time (unix microseconds).
    pub since: Option<i64>,
    pub state: Option<EventState>,
    pub event_type: Option<String>,
    /// Default [`DEFAULT_LIST_LIMIT`].
    pub limit: Option<u32>,
}

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

fn destination(row: &AnyRow) -> Result<Destination> {
    Ok(Destination {
        developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
        webhook_url: row.try_get("webhook_url")?,
        secret_enc: row.try_get("webhook_secret_enc")?,
        previous_secret_enc: row.try_get("previous_secret_enc")?,
        previous_secret_until: row.try_get("previous_secret_until")?,
        disabled_at: row.try_get("disabled_at")?,
        disabled_reason: row.try_get("disabled_reason")?,
        failing_since: row.try_get("failing_since")?,
    })
}

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

    /// Records one attempt, the event's new state and the destination's health in one
    /// transaction. Returns false (and records nothing) when `worker_id` no longer holds
    /// the event: its lease expired or it was resent meanwhile.
    pub async fn record_delivery(&self, result: &DeliveryResult) -> Result<bool> {
        let recorded = self.record_deliveries(std::slice::from_ref(result)).await?;
        Ok(recorded.first().copied().unwrap_or(false))
    }

    /// [`Store::record_delivery`] for several results in one transaction (group commit:
    /// one commit for many events, which is what lets a single SQLite writer keep up).
    /// Each result is still all-or-nothing; per result, whether it was recorded.
    pub async fn record_deliveries(&self, results: &[DeliveryResult]) -> Result<Vec<bool>> {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            // A lost commit of delivery bookkeeping (a PostgreSQL crash in the next few
            // hundred ms) only makes an event pending again, so it is resent: the
            // at-least-once contract holds without waiting for the WAL flush per batch.
            sqlx::query(ASYNC_COMMIT).execute(&mut *tx.tx).await?;
        }
        let mut recorded = Vec::with_capacity(results.len());
        for result in results {
            let (update, outcome) = mark_event(result);
            let changed = update.execute(&mut *tx.tx).await?;
            let held = changed.rows_affected() > 0;
            if held {
                insert_attempt(&mut tx.tx, result, outcome).await?;
                update_destination_health(&mut tx.tx, result, outcome).await?;
            }
            recorded.push(held);
        }
        tx.commit().await?;
        Ok(recorded)
    }

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

    /// The destination of `dev`; `None` when the developer does not exist.
    pub async fn destination(&self, dev: &DeveloperId) -> Result<Option<Destination>> {
        let row = sqlx::query(DESTINATION)
            .bind(dev.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(destination).transpose()
    }

    /// Re-enables a disabled destination and forgets its failure streak; its waiting
    /// events flow again. False when the developer does not exist.
    pub async fn enable_destination(&self, dev: &DeveloperId) -> Result<bool> {
        if self.destination(dev).await?.is_none() {
            return Ok(false);
        }
        sqlx::query(ENABLE)
            .bind(dev.as_str())
            .execute(&self.write)
            .await?;
        Ok(true)
    }

    /// Replaces the encrypted signing secret and keeps the old one (signing as a second
    /// `v1`) until `previous_until_micros`. False when the developer does not exist.
    pub async fn rotate_webhook_secret(
        &self,
        dev: &DeveloperId,
        new_secret_enc: &str,
        previous_until_micros: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let Some(row) = sqlx::query(DEVELOPER_SECRET)
            .bind(dev.as_str())
            .fetch_optional(&mut *tx.tx)
            .await?
        else {
            return Ok(false);
        };
        let previous: String = row.try_get("webhook_secret_enc")?;
        sqlx::query(KEEP_PREVIOUS_SECRET)
            .bind(dev.as_str())
            .bind(previous)
            .bind(previous_until_micros)
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query(SET_SECRET)
            .bind(dev.as_str())
            .bind(new_secret_enc)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        Ok(true)
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

    /// Appends `event` (a periodic healthcheck) unless `dev` got one less than
    /// `interval` before `now_micros`. Exactly one of several nodes racing wins the
    /// slot. Returns whether the event was appended.
    pub async fn append_healthcheck_if_due(
        &self,
        event: &NewEvent,
        interval: Duration,
        now_micros: i64,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        sqlx::query(ENSURE_DESTINATION)
            .bind(event.developer_id.as_str())
            .execute(&mut *tx.tx)
            .await?;
        let taken = sqlx::query(TAKE_HEALTHCHECK_SLOT)
            .bind(event.developer_id.as_str())
            .bind(now_micros)
            .bind(now_micros.saturating_sub(lease_micros(interval)))
            .execute(&mut *tx.tx)
            .await?;
        if taken.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        tx.append_event(event).await?;
        tx.commit().await?;
        Ok(true)
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// The statement moving a claimed event to its next state (guarded by the lease
/// holder), and the outcome the attempt is recorded with.
fn mark_event(result: &DeliveryResult) -> (AnyQuery<'_>, AttemptOutcome) {
    let guard = |sql| {
        sqlx::query(sql)
            .bind(result.event_id.as_str())
            .bind(result.worker_id.as_str())
    };
    match &result.next {
        NextStep::Delivered { at } => (guard(MARK_DELIVERED).bind(*at), AttemptOutcome::Delivered),
        NextStep::RetryAt(at) => (
            guard(MARK_RETRY).bind(*at).bind(result.error.as_deref()),
            AttemptOutcome::Retry,
        ),
        NextStep::GiveUp => (
            guard(MARK_FAILED).bind(result.error.as_deref()),
            AttemptOutcome::Failed,
        ),
    }
}

async fn insert_attempt(
    conn: &mut sqlx::AnyConnection,
    result: &DeliveryResult,
    outcome: AttemptOutcome,
) -> Result<()> {
    sqlx::query(INSERT_ATTEMPT)
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(result.event_id.as_str())
        .bind(result.developer_id.as_str())
        .bind(result.attempt_number)
        .bind(result.started_at)
        .bind(result.latency_micros)
        .bind(result.status_code.map(i32::from))
        .bind(result.error.as_deref())
        .bind(outcome.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

async fn update_destination_health(
    conn: &mut sqlx::AnyConnection,
    result: &DeliveryResult,
    outcome: AttemptOutcome,
) -> Result<()> {
    let dev = result.developer_id.as_str();
    if outcome == AttemptOutcome::Delivered {
        sqlx::query(CLEAR_FAILING).bind(dev).execute(conn).await?;
        return Ok(());
    }
    sqlx::query(START_FAILING)
        .bind(dev)
        .bind(result.started_at)
        .execute(&mut *conn)
        .await?;
    let (reason, cutoff) = match &result.disable_reason {
        Some(reason) => (reason.clone(), i64::MAX),
        None => (
            "every delivery failed for 5 days".to_owned(),
            result.disable_if_failing_since,
        ),
    };
    sqlx::query(DISABLE_IF_FAILING_SINCE)
        .bind(dev)
        .bind(result.started_at)
        .bind(reason)
        .bind(cutoff)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewDeveloper;
    use crate::testing::fresh_store;

    const SECOND: i64 = 1_000_000;

    fn result(event: &EventRow, worker: &str, next: NextStep) -> DeliveryResult {
        DeliveryResult {
            event_id: event.id.clone(),
            developer_id: event.developer_id.clone(),
            worker_id: worker.to_owned(),
            attempt_number: event.attempt_count,
            started_at: event.next_attempt_at,
            latency_micros: 1_000,
            status_code: Some(200),
            error: None,
            next,
            disable_reason: None,
            disable_if_failing_since: 0,
        }
    }

    /// A worker whose lease expired cannot record over the worker that took the event
    /// over; the takeover records normally, and only its attempt is stored.
    async fn expired_lease_cannot_record(backend: Backend) -> Result<()> {
        let Some((store, _guard)) = fresh_store(backend).await? else {
            return Ok(());
        };
        let dev = store
            .create_developer(NewDeveloper {
                name: "d".into(),
                api_key_hash: "h".into(),
                webhook_url: Some("http://127.0.0.1:9/hook".into()),
                webhook_secret_enc: "s".into(),
            })
            .await?;
        store
            .append_event(&NewEvent {
                developer_id: dev.id.clone(),
                user_id: None,
                event_type: "healthcheck".into(),
                body: "{}".into(),
                reference: None,
            })
            .await?;
        let now = crate::now_micros() + SECOND;
        let lease = Duration::from_secs(10);
        let first = store.claim_deliveries("a", 10, lease, now).await?;
        assert_eq!(first.len(), 1);
        // Leased: nobody else gets it.
        assert!(
            store
                .claim_deliveries("b", 10, lease, now)
                .await?
                .is_empty()
        );
        // After the lease, worker b takes it over.
        let later = now + 11 * SECOND;
        let second = store.claim_deliveries("b", 10, lease, later).await?;
        assert_eq!(second.len(), 1);
        let (Some(stale), Some(current)) = (first.first(), second.first()) else {
            return Err(StoreError::Corrupt("claims returned nothing".into()));
        };
        assert_eq!(current.attempt_count, 2, "every claim counts an attempt");
        let delivered = NextStep::Delivered { at: later };
        assert!(
            !store
                .record_delivery(&result(stale, "a", delivered.clone()))
                .await?
        );
        assert!(
            store
                .record_delivery(&result(current, "b", delivered))
                .await?
        );
        let attempts = store.list_delivery_attempts(&dev.id, &current.id).await?;
        assert_eq!(attempts.len(), 1);
        assert_eq!(
            attempts.first().map(|a| a.outcome),
            Some(AttemptOutcome::Delivered)
        );
        let event = store.get_event(&dev.id, &current.id).await?;
        assert_eq!(event.map(|e| e.state), Some(EventState::Delivered));
        Ok(())
    }

    #[tokio::test]
    async fn expired_lease_cannot_record_sqlite() -> Result<()> {
        expired_lease_cannot_record(Backend::Sqlite).await
    }

    #[tokio::test]
    async fn expired_lease_cannot_record_postgres() -> Result<()> {
        expired_lease_cannot_record(Backend::Postgres).await
    }
}
