//! Sync-engine persistence: provider rate budgets shared by every node, and re-queueing a
//! job without spending an attempt (a job that waits for a budget or yields its turn has
//! not failed).
//!
//! # Rate budgets (GCRA)
//! A budget is one row holding its "theoretical arrival time" (`tat`, unix µs): the
//! instant up to which the budget is spent. With `interval` = time per request and
//! `burst` = requests allowed back to back, a request of `cost` n is allowed when
//! `max(tat, now) + n·interval − now ≤ burst·interval`; allowing it advances `tat` by
//! n·interval. Check and update are one `UPDATE ... WHERE`, so on PostgreSQL the row lock
//! makes concurrent nodes queue on it and never both spend the last token; on SQLite the
//! single writer does the same. In any window of length `burst·interval + k·interval` at
//! most `burst + k` requests are allowed.

use crate::ids::{JobId, UserId};
use crate::rows::{self, user_columns};
use crate::types::User;
use crate::{Result, Store, now_micros};

/// Spends `$3` (= cost × interval) when the budget allows it: `$2` is now, `$4` is
/// burst × interval.
const ACQUIRE: &str = "UPDATE rate_budgets \
     SET tat = (CASE WHEN tat > $2 THEN tat ELSE $2 END) + $3 \
     WHERE key = $1 AND (CASE WHEN tat > $2 THEN tat ELSE $2 END) + $3 - $2 <= $4";
const READ_TAT: &str = "SELECT tat FROM rate_budgets WHERE key = $1";
/// A budget that was never used starts full (`tat` in the past).
const CREATE: &str = "INSERT INTO rate_budgets (key, tat) VALUES ($1, 0) ON CONFLICT DO NOTHING";
/// Moves `tat` forward to `$2` (never back): the budget is empty until then.
const PAUSE: &str = "INSERT INTO rate_budgets (key, tat) VALUES ($1, $2) \
     ON CONFLICT (key) DO UPDATE SET tat = CASE WHEN rate_budgets.tat > excluded.tat \
     THEN rate_budgets.tat ELSE excluded.tat END";
/// Back to `queued` at `$3` with `attempts = $4`; only by the lease holder.
const YIELD: &str = "UPDATE jobs SET state = 'queued', run_at = $3, attempts = $4, \
     last_error = COALESCE($5, last_error), locked_by = NULL, locked_until = NULL, \
     updated_at = $6 WHERE id = $1 AND state = 'running' AND locked_by = $2";

/// Connected users of one provider account, across developers (a provider push names
/// the account, not the developer; several developers may have connected it).
const BY_ACCOUNT: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE provider = $1 AND provider_user_id = $2 AND deauthenticated = 0 \
     ORDER BY created_at, id"
);

/// A visible user by id, whatever its developer (operator tools: `wearbridge users show`).
const BY_ID_ANY_DEVELOPER: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE id = $1 AND deauthenticated = 0"
);

/// A budget's shape: the time one request costs and how many may go back to back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetShape {
    /// Microseconds of budget one request uses (period ÷ requests per period).
    pub interval_micros: i64,
    /// Requests allowed back to back on a full budget (at least 1).
    pub burst: i64,
}

/// The answer of [`Store::acquire_budget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetDecision {
    /// The cost was spent; go ahead.
    Granted,
    /// Not enough budget; the earliest unix µs at which the same request may succeed
    /// (a hint: other nodes may spend the budget first).
    RetryAt(i64),
}

impl Store {
    /// Spends `cost` requests of the budget `key` at `now_micros`, or says when to retry.
    /// A cost above the burst is clamped to the burst (it could otherwise never be
    /// granted); callers size their requests so that this does not happen.
    pub async fn acquire_budget(
        &self,
        key: &str,
        shape: BudgetShape,
        cost: i64,
        now_micros: i64,
    ) -> Result<BudgetDecision> {
        let burst = shape.burst.max(1);
        let interval = shape.interval_micros.max(0);
        let spend = cost.clamp(1, burst).saturating_mul(interval);
        let window = burst.saturating_mul(interval);
        for _ in 0..3 {
            let done = sqlx::query(ACQUIRE)
                .bind(key)
                .bind(now_micros)
                .bind(spend)
                .bind(window)
                .execute(&self.write)
                .await?;
            if done.rows_affected() > 0 {
                return Ok(BudgetDecision::Granted);
            }
            let tat: Option<i64> = sqlx::query_scalar(READ_TAT)
                .bind(key)
                .fetch_optional(&self.write)
                .await?;
            match tat {
                // The row may have been created by a concurrent caller after this one's
                // update found none: if it still has room, try the update again.
                Some(tat) if tat.max(now_micros).saturating_add(spend) - now_micros <= window => {
                    continue;
                }
                Some(tat) => {
                    let retry_at = tat.max(now_micros).saturating_add(spend - window);
                    return Ok(BudgetDecision::RetryAt(retry_at.max(now_micros)));
                }
                None => {
                    sqlx::query(CREATE).bind(key).execute(&self.write).await?;
                }
            }
        }
        // Only reachable if the row vanished between the insert and the update.
        Ok(BudgetDecision::RetryAt(now_micros.saturating_add(interval)))
    }

    /// Empties the budget `key` until `until_micros` (a provider's 429 or quota reset):
    /// nothing is granted before then. Never shortens an existing pause.
    pub async fn pause_budget(
        &self,
        key: &str,
        shape: BudgetShape,
        until_micros: i64,
    ) -> Result<()> {
        // With tat = until + (burst-1)·interval the first request is allowed at `until`.
        let tolerance = (shape.burst.max(1) - 1).saturating_mul(shape.interval_micros.max(0));
        sqlx::query(PAUSE)
            .bind(key)
            .bind(until_micros.saturating_add(tolerance))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Every visible user connected to the provider account `account` of `provider`, in
    /// any developer (for provider push notifications, which name only the account).
    pub async fn users_for_provider_account(
        &self,
        provider: &str,
        account: &str,
    ) -> Result<Vec<User>> {
        let found = sqlx::query(BY_ACCOUNT)
            .bind(provider)
            .bind(account)
            .fetch_all(&self.read)
            .await?;
        found.iter().map(rows::user).collect()
    }

    /// The visible user `id`, in any developer. For operator tools only: API paths must
    /// use the developer-scoped lookups.
    pub async fn find_user_any_developer(&self, id: &UserId) -> Result<Option<User>> {
        let found = sqlx::query(BY_ID_ANY_DEVELOPER)
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        found.as_ref().map(rows::user).transpose()
    }

    /// Puts a running job back in the queue for `run_at` with its attempt counter set to
    /// `attempts` (the caller refunds the claim's attempt when the job only waited, or
    /// resets it after progress). `note` replaces `last_error` when given. False when
    /// `worker_id` does not hold the job.
    pub async fn yield_job(
        &self,
        id: &JobId,
        worker_id: &str,
        run_at: i64,
        attempts: i32,
        note: Option<&str>,
    ) -> Result<bool> {
        let done = sqlx::query(YIELD)
            .bind(id.as_str())
            .bind(worker_id)
            .bind(run_at)
            .bind(attempts.max(0))
            .bind(note)
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::testing::fresh_store;
    use crate::{Backend, JobState, NewJob};

    /// 10 requests per second, 3 back to back.
    const SHAPE: BudgetShape = BudgetShape {
        interval_micros: 100_000,
        burst: 3,
    };
    const T0: i64 = 1_000_000_000;

    async fn each_backend<F, Fut>(body: F)
    where
        F: Fn(Store) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            match fresh_store(backend).await {
                Ok(Some((store, _database))) => body(store).await,
                Ok(None) => eprintln!("{backend:?} not configured; skipped"),
                Err(error) => panic!("{backend:?}: {error}"),
            }
        }
    }

    async fn acquire(store: &Store, cost: i64, now: i64) -> BudgetDecision {
        match store.acquire_budget("app:TEST", SHAPE, cost, now).await {
            Ok(decision) => decision,
            Err(error) => panic!("acquire: {error}"),
        }
    }

    #[tokio::test]
    async fn a_full_budget_grants_its_burst_then_one_per_interval() {
        each_backend(|store| async move {
            for _ in 0..3 {
                assert_eq!(acquire(&store, 1, T0).await, BudgetDecision::Granted);
            }
            // Spent: the next request fits one interval after the first.
            assert_eq!(
                acquire(&store, 1, T0).await,
                BudgetDecision::RetryAt(T0 + 100_000)
            );
            assert_eq!(
                acquire(&store, 1, T0 + 100_000).await,
                BudgetDecision::Granted
            );
            assert!(matches!(
                acquire(&store, 1, T0 + 100_000).await,
                BudgetDecision::RetryAt(_)
            ));
        })
        .await;
    }

    #[tokio::test]
    async fn a_cost_spends_that_many_requests() {
        each_backend(|store| async move {
            assert_eq!(acquire(&store, 2, T0).await, BudgetDecision::Granted);
            assert_eq!(
                acquire(&store, 2, T0).await,
                BudgetDecision::RetryAt(T0 + 100_000)
            );
            assert_eq!(acquire(&store, 1, T0).await, BudgetDecision::Granted);
        })
        .await;
    }

    #[tokio::test]
    async fn a_pause_empties_the_budget_until_its_end() {
        each_backend(|store| async move {
            let until = T0 + 30_000_000;
            store
                .pause_budget("app:TEST", SHAPE, until)
                .await
                .unwrap_or_else(|error| panic!("pause: {error}"));
            assert_eq!(acquire(&store, 1, T0).await, BudgetDecision::RetryAt(until));
            assert_eq!(acquire(&store, 1, until).await, BudgetDecision::Granted);
            // A shorter pause does not cut the running one short.
            store
                .pause_budget("app:TEST", SHAPE, T0)
                .await
                .unwrap_or_else(|error| panic!("pause: {error}"));
            assert!(matches!(
                acquire(&store, 1, until).await,
                BudgetDecision::RetryAt(_)
            ));
        })
        .await;
    }

    #[tokio::test]
    async fn budgets_are_independent_per_key() {
        each_backend(|store| async move {
            for _ in 0..3 {
                assert_eq!(acquire(&store, 1, T0).await, BudgetDecision::Granted);
            }
            let other = store.acquire_budget("user:TEST:1", SHAPE, 1, T0).await;
            assert!(matches!(other, Ok(BudgetDecision::Granted)));
        })
        .await;
    }

    #[tokio::test]
    async fn concurrent_acquires_never_exceed_the_burst() {
        each_backend(|store| async move {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..20 {
                let store = store.clone();
                tasks.spawn(async move { store.acquire_budget("app:TEST", SHAPE, 1, T0).await });
            }
            let mut granted = 0;
            while let Some(joined) = tasks.join_next().await {
                if matches!(joined, Ok(Ok(BudgetDecision::Granted))) {
                    granted += 1;
                }
            }
            assert_eq!(granted, 3);
        })
        .await;
    }

    #[tokio::test]
    async fn a_yielded_job_is_queued_again_with_the_given_attempts() {
        each_backend(|store| async move {
            let job = NewJob {
                kind: "sync-test".to_owned(),
                payload: "{}".to_owned(),
                dedup_key: None,
                run_at: 0,
                max_attempts: 2,
                developer_id: None,
                user_id: None,
            };
            let lease = Duration::from_secs(30);
            let id = store.enqueue_job(&job).await.ok().flatten();
            let Some(id) = id else { panic!("enqueue") };
            for round in 0..4 {
                let claimed = store.claim_job("w", &["sync-test"], lease, T0).await;
                let Ok(Some(claimed)) = claimed else {
                    panic!("claim {round}")
                };
                assert_eq!(claimed.attempts, 1, "the yield refunded the attempt");
                let yielded = store.yield_job(&id, "w", T0, 0, Some("waiting")).await;
                assert!(matches!(yielded, Ok(true)));
            }
            let Ok(Some(stored)) = store.get_job(&id).await else {
                panic!("get")
            };
            assert_eq!(stored.state, JobState::Queued);
            assert_eq!(stored.last_error.as_deref(), Some("waiting"));
            let other = store.yield_job(&id, "not-the-holder", T0, 0, None).await;
            assert!(matches!(other, Ok(false)));
        })
        .await;
    }
}
