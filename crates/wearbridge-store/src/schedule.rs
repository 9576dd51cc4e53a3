//! Queries of the sync schedule: which connections still lack their periodic poll job,
//! which tokens expire soon and have no refresh job yet, and putting a finished periodic
//! job back in the queue for its next run (the same row, so its dedup key never lapses).
//!
//! "Has a job" means a queued or running job with the dedup key `prefix || user id`: the
//! same condition as the partial unique index `jobs_dedup_active`, so the sweep and the
//! index agree on what a duplicate is, and N nodes sweeping at once enqueue one job.

use sqlx::Row;

use crate::ids::{DeveloperId, JobId, UserId};
use crate::{Result, Store, now_micros};

/// Active, connected users of provider `$1` without an active job keyed `$2 || id`,
/// after user id `$3`, in id order, at most `$4`.
const WITHOUT_JOB: &str = "SELECT u.id, u.developer_id FROM users u \
     JOIN connections c ON c.user_id = u.id \
     WHERE u.provider = $1 AND u.active = 1 AND u.deauthenticated = 0 AND u.id > $3 \
     AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.dedup_key = $2 || u.id \
                     AND j.state IN ('queued', 'running')) \
     ORDER BY u.id LIMIT $4";

/// Refreshable connections of active users expiring at or before `$1` without an active
/// job keyed `$2 || user id`, soonest first, at most `$3`.
const EXPIRING: &str = "SELECT c.user_id, c.developer_id, c.provider, c.expires_at \
     FROM connections c JOIN users u ON u.id = c.user_id \
     WHERE c.refresh_token_enc IS NOT NULL AND c.expires_at <= $1 \
     AND u.active = 1 AND u.deauthenticated = 0 \
     AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.dedup_key = $2 || c.user_id \
                     AND j.state IN ('queued', 'running')) \
     ORDER BY c.expires_at, c.user_id LIMIT $3";

/// Back to `queued` for `$3` with a fresh attempt count, no error, no checkpoint and
/// payload `$4`; only by the lease holder.
const RESCHEDULE: &str = "UPDATE jobs SET state = 'queued', run_at = $3, attempts = 0, \
     last_error = NULL, progress = NULL, payload = $4, locked_by = NULL, \
     locked_until = NULL, updated_at = $5 \
     WHERE id = $1 AND state = 'running' AND locked_by = $2";

/// A connected user, by developer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectedUser {
    pub developer_id: DeveloperId,
    pub user_id: UserId,
}

/// A refreshable connection whose access token expires soon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringToken {
    pub developer_id: DeveloperId,
    pub user_id: UserId,
    /// Uppercase provider id.
    pub provider: String,
    /// Access-token expiry, unix microseconds.
    pub expires_at: i64,
}

impl Store {
    /// Active, connected users of `provider` with no queued or running job whose dedup
    /// key is `key_prefix` + user id; a page of at most `limit` after `after` (user id
    /// order; `None` starts at the beginning).
    pub async fn connected_users_without_job(
        &self,
        provider: &str,
        key_prefix: &str,
        after: Option<&UserId>,
        limit: u32,
    ) -> Result<Vec<ConnectedUser>> {
        let rows = sqlx::query(WITHOUT_JOB)
            .bind(provider)
            .bind(key_prefix)
            .bind(after.map_or("", UserId::as_str))
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ConnectedUser {
                    user_id: UserId::from_db(row.try_get("id")?),
                    developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
                })
            })
            .collect()
    }

    /// Refreshable connections of active users whose access token expires at or before
    /// `before_micros`, with no queued or running job keyed `key_prefix` + user id;
    /// soonest first, at most `limit`.
    pub async fn expiring_tokens_without_job(
        &self,
        before_micros: i64,
        key_prefix: &str,
        limit: u32,
    ) -> Result<Vec<ExpiringToken>> {
        let rows = sqlx::query(EXPIRING)
            .bind(before_micros)
            .bind(key_prefix)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ExpiringToken {
                    user_id: UserId::from_db(row.try_get("user_id")?),
                    developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
                    provider: row.try_get("provider")?,
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .collect()
    }

    /// Puts a periodic job that just ran back in the queue for `run_at` with `payload`,
    /// a fresh attempt count and no error or checkpoint. False when `worker_id` does not
    /// hold the job.
    pub async fn reschedule_job(
        &self,
        id: &JobId,
        worker_id: &str,
        run_at: i64,
        payload: &str,
    ) -> Result<bool> {
        let done = sqlx::query(RESCHEDULE)
            .bind(id.as_str())
            .bind(worker_id)
            .bind(run_at)
            .bind(payload)
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;
    use crate::types::{NewJob, NewUser};
    use crate::{Backend, JobState, NewDeveloper};

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

    fn job(key: &str) -> NewJob {
        NewJob {
            kind: "poll".to_owned(),
            payload: "{}".to_owned(),
            dedup_key: Some(key.to_owned()),
            run_at: 0,
            max_attempts: 3,
            developer_id: None,
            user_id: None,
        }
    }

    #[tokio::test]
    async fn users_with_an_active_job_are_left_out_until_it_ends() {
        each_backend(|store| async move {
            let dev = store
                .create_developer(NewDeveloper {
                    name: "schedule".to_owned(),
                    api_key_hash: "hash".to_owned(),
                    webhook_url: None,
                    webhook_secret_enc: "secret".to_owned(),
                })
                .await
                .expect("developer");
            let mut users = Vec::new();
            for _ in 0..3 {
                let new = NewUser {
                    provider: "SANDBOX".to_owned(),
                    provider_user_id: None,
                    reference_id: None,
                    scopes: None,
                };
                let mut tx = store.begin().await.expect("tx");
                let user = tx.create_user(&dev.id, new).await.expect("user");
                let tokens = crate::connections::NewTokens {
                    access_token_enc: "a".to_owned(),
                    refresh_token_enc: Some("r".to_owned()),
                    expires_at: Some(1_000),
                    scopes: None,
                };
                tx.insert_connection(&dev.id, &user.id, "SANDBOX", &tokens)
                    .await
                    .expect("connection");
                tx.commit().await.expect("commit");
                users.push(user.id);
            }
            // The sweep pages by user id (random UUIDs): put the expectation in that order.
            users.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            let first = &users[0];
            store
                .enqueue_job(&job(&format!("poll:{first}")))
                .await
                .expect("enqueue");
            let due = store
                .connected_users_without_job("SANDBOX", "poll:", None, 10)
                .await
                .expect("query");
            let ids: Vec<_> = due.iter().map(|user| user.user_id.clone()).collect();
            assert_eq!(ids, users[1..].to_vec());
            let page = store
                .connected_users_without_job("SANDBOX", "poll:", Some(&users[1]), 10)
                .await
                .expect("query");
            assert_eq!(page.len(), 1);
            assert!(
                store
                    .connected_users_without_job("OURA", "poll:", None, 10)
                    .await
                    .expect("query")
                    .is_empty()
            );

            let expiring = store
                .expiring_tokens_without_job(1_000, "poll:", 10)
                .await
                .expect("query");
            assert_eq!(expiring.len(), 2, "the first has a job under that prefix");
            assert!(
                store
                    .expiring_tokens_without_job(999, "refresh:", 10)
                    .await
                    .expect("query")
                    .is_empty(),
                "not expiring yet"
            );

            // A periodic job goes back to queued under the same row and key.
            let claimed = store
                .claim_job("w", &["poll"], std::time::Duration::from_secs(60), 10)
                .await
                .expect("claim")
                .expect("a job");
            assert!(
                !store
                    .reschedule_job(&claimed.id, "other", 99, "{\"n\":1}")
                    .await
                    .expect("reschedule")
            );
            assert!(
                store
                    .reschedule_job(&claimed.id, "w", 99, "{\"n\":1}")
                    .await
                    .expect("reschedule")
            );
            let again = store.get_job(&claimed.id).await.expect("get").expect("job");
            assert_eq!(again.state, JobState::Queued);
            assert_eq!((again.run_at, again.attempts), (99, 0));
            assert_eq!(again.payload, "{\"n\":1}");
            assert!(
                store
                    .enqueue_job(&job(&format!("poll:{first}")))
                    .await
                    .expect("enqueue")
                    .is_none(),
                "the key is still taken"
            );
        })
        .await;
    }
}
