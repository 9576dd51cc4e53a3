//! Recording what became of a claimed event: the attempt, the event's next state and
//! the destination's health, atomically and only while the worker still holds the lease.

use super::{AttemptOutcome, DeliveryResult, NextStep};
use crate::{Backend, Result, Store};

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

impl Store {
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
