//! The durable job queue on both backends.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{TestResult, developer};
use wearbridge_store::ids::JobId;
use wearbridge_store::{JobFilter, JobState, NewJob, Store, StoreError, now_micros};

on_both_backends!(
    dedup_key_blocks_only_active_duplicates,
    invalid_max_attempts_is_rejected,
    claim_respects_run_at_and_kinds,
    expired_lease_lets_another_worker_resume,
    fail_retries_until_attempts_run_out,
    lease_expiry_after_last_attempt_fails_the_job,
    only_the_holder_can_extend_or_finish,
    progress_checkpoints_survive_a_reclaim,
    list_jobs_filters,
    enqueue_commits_with_the_transaction,
    concurrent_workers_claim_each_job_once,
    crashed_work_resumes_before_new_work,
);

const LEASE: Duration = Duration::from_secs(30);
const LEASE_MICROS: i64 = 30_000_000;

fn job(kind: &str, dedup_key: Option<&str>, run_at: i64) -> NewJob {
    NewJob {
        kind: kind.to_owned(),
        payload: format!(r#"{{"kind":"{kind}"}}"#),
        dedup_key: dedup_key.map(str::to_owned),
        run_at,
        max_attempts: 3,
        developer_id: None,
        user_id: None,
    }
}

async fn enqueue(store: &Store, new: &NewJob) -> Result<JobId, StoreError> {
    store
        .enqueue_job(new)
        .await?
        .ok_or_else(|| StoreError::Conflict("job unexpectedly deduplicated".to_owned()))
}

async fn dedup_key_blocks_only_active_duplicates(store: Store) -> TestResult {
    let now = now_micros();
    let first = enqueue(&store, &job("sync", Some("user-1"), now)).await?;
    assert_eq!(
        store.enqueue_job(&job("sync", Some("user-1"), now)).await?,
        None
    );
    // Other keys and keyless jobs are unaffected.
    enqueue(&store, &job("sync", Some("user-2"), now)).await?;
    enqueue(&store, &job("sync", None, now)).await?;
    enqueue(&store, &job("sync", None, now)).await?;
    // Still blocked while running...
    let claimed = store
        .claim_job("w", &["sync"], LEASE, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(claimed.id, first);
    assert_eq!(
        store.enqueue_job(&job("sync", Some("user-1"), now)).await?,
        None
    );
    // ...and free again once the job is done.
    assert!(store.complete_job(&first, "w").await?);
    assert!(
        store
            .enqueue_job(&job("sync", Some("user-1"), now))
            .await?
            .is_some()
    );
    Ok(())
}

async fn invalid_max_attempts_is_rejected(store: Store) -> TestResult {
    let bad = NewJob {
        max_attempts: 0,
        ..job("sync", None, 0)
    };
    let result = store.enqueue_job(&bad).await;
    assert!(
        matches!(result, Err(StoreError::InvalidInput(_))),
        "{result:?}"
    );
    Ok(())
}

async fn claim_respects_run_at_and_kinds(store: Store) -> TestResult {
    let now = now_micros();
    let later = enqueue(&store, &job("backfill", None, now + 1_000_000)).await?;
    let due = enqueue(&store, &job("backfill", None, now - 10)).await?;
    let other = enqueue(&store, &job("poll", None, now - 20)).await?;

    let claimed = store
        .claim_job("w1", &["backfill"], LEASE, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(claimed.id, due);
    assert_eq!(claimed.state, JobState::Running);
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.locked_by.as_deref(), Some("w1"));
    assert_eq!(claimed.locked_until, Some(now + LEASE_MICROS));
    assert_eq!(claimed.payload, r#"{"kind":"backfill"}"#);
    // The future job is not due and the other kind was not asked for.
    assert_eq!(
        store.claim_job("w1", &["backfill"], LEASE, now).await?,
        None
    );
    // An empty kind list claims any kind.
    let any = store.claim_job("w2", &[], LEASE, now).await?.map(|j| j.id);
    assert_eq!(any, Some(other));
    let at_run_time = store
        .claim_job("w3", &["backfill", "poll"], LEASE, now + 1_000_000)
        .await?;
    assert_eq!(at_run_time.map(|j| j.id), Some(later));
    Ok(())
}

async fn expired_lease_lets_another_worker_resume(store: Store) -> TestResult {
    let now = now_micros();
    let id = enqueue(&store, &job("sync", Some("k"), now)).await?;
    store
        .claim_job("crashed", &[], LEASE, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    // Within the lease nobody else gets it.
    assert_eq!(
        store
            .claim_job("other", &[], LEASE, now + LEASE_MICROS - 1)
            .await?,
        None
    );
    let resumed = store
        .claim_job("other", &[], LEASE, now + LEASE_MICROS + 1)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!((resumed.id.clone(), resumed.attempts), (id.clone(), 2));
    assert_eq!(resumed.locked_by.as_deref(), Some("other"));
    // The crashed worker has lost the job.
    assert!(!store.complete_job(&id, "crashed").await?);
    assert!(store.complete_job(&id, "other").await?);
    let done = store.get_job(&id).await?.ok_or(StoreError::NotFound)?;
    assert_eq!(done.state, JobState::Completed);
    assert_eq!((done.locked_by, done.locked_until), (None, None));
    Ok(())
}

async fn fail_retries_until_attempts_run_out(store: Store) -> TestResult {
    let now = now_micros();
    let id = enqueue(&store, &job("sync", None, now)).await?;
    for attempt in 1..=3 {
        let at = now + attempt * 1_000;
        let claimed = store
            .claim_job("w", &[], LEASE, at)
            .await?
            .ok_or(StoreError::NotFound)?;
        assert_eq!(claimed.attempts, i32::try_from(attempt).unwrap_or_default());
        assert!(
            store
                .fail_job(&id, "w", &format!("boom {attempt}"), Some(at + 500))
                .await?
        );
    }
    let failed = store.get_job(&id).await?.ok_or(StoreError::NotFound)?;
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("boom 3"));
    assert_eq!(
        store.claim_job("w", &[], LEASE, now + 10_000_000).await?,
        None
    );

    // Without a retry time a failure is final at once.
    let once = enqueue(&store, &job("sync", None, now)).await?;
    store
        .claim_job("w", &[], LEASE, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert!(store.fail_job(&once, "w", "fatal", None).await?);
    let state = store.get_job(&once).await?.map(|j| j.state);
    assert_eq!(state, Some(JobState::Failed));

    // With a retry time it is queued again for then, not before.
    let retried = enqueue(&store, &job("sync", None, now)).await?;
    store
        .claim_job("w", &[], LEASE, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert!(
        store
            .fail_job(&retried, "w", "transient", Some(now + 5_000_000))
            .await?
    );
    let queued = store.get_job(&retried).await?.ok_or(StoreError::NotFound)?;
    assert_eq!(
        (queued.state, queued.run_at),
        (JobState::Queued, now + 5_000_000)
    );
    assert_eq!(
        store.claim_job("w", &[], LEASE, now + 4_999_999).await?,
        None
    );
    let again = store
        .claim_job("w", &[], LEASE, now + 5_000_000)
        .await?
        .map(|j| j.id);
    assert_eq!(again, Some(retried));
    Ok(())
}

async fn lease_expiry_after_last_attempt_fails_the_job(store: Store) -> TestResult {
    let now = now_micros();
    let id = enqueue(
        &store,
        &NewJob {
            max_attempts: 1,
            ..job("sync", None, now)
        },
    )
    .await?;
    store
        .claim_job("crashed", &[], LEASE, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(
        store
            .claim_job("other", &[], LEASE, now + 2 * LEASE_MICROS)
            .await?,
        None
    );
    let failed = store.get_job(&id).await?.ok_or(StoreError::NotFound)?;
    assert_eq!(failed.state, JobState::Failed);
    assert!(
        failed
            .last_error
            .is_some_and(|e| e.contains("lease expired"))
    );
    Ok(())
}

async fn only_the_holder_can_extend_or_finish(store: Store) -> TestResult {
    let now = now_micros();
    let id = enqueue(&store, &job("sync", None, now)).await?;
    store
        .claim_job("holder", &[], LEASE, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert!(!store.extend_lease(&id, "intruder", LEASE, now + 1).await?);
    assert!(!store.fail_job(&id, "intruder", "x", None).await?);
    assert!(!store.complete_job(&id, "intruder").await?);
    assert!(
        store
            .extend_lease(&id, "holder", LEASE, now + LEASE_MICROS)
            .await?
    );
    // The extended lease keeps others out past the original expiry.
    assert_eq!(
        store
            .claim_job("other", &[], LEASE, now + LEASE_MICROS + 1)
            .await?,
        None
    );
    let extended = store.get_job(&id).await?.and_then(|j| j.locked_until);
    assert_eq!(extended, Some(now + 2 * LEASE_MICROS));
    assert!(store.complete_job(&id, "holder").await?);
    assert!(
        !store.complete_job(&id, "holder").await?,
        "completing twice must not succeed"
    );
    Ok(())
}

async fn progress_checkpoints_survive_a_reclaim(store: Store) -> TestResult {
    let now = now_micros();
    let id = enqueue(&store, &job("backfill", None, now)).await?;
    store
        .claim_job("first", &[], LEASE, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert!(
        store
            .update_job_progress(&id, r#"{"done_until":"2026-01-10"}"#)
            .await?
    );
    let resumed = store
        .claim_job("second", &[], LEASE, now + LEASE_MICROS + 1)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(
        resumed.progress.as_deref(),
        Some(r#"{"done_until":"2026-01-10"}"#)
    );
    assert!(!store.update_job_progress(&JobId::new(), "{}").await?);
    Ok(())
}

async fn list_jobs_filters(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let now = now_micros();
    let owned = NewJob {
        developer_id: Some(dev.id.clone()),
        ..job("backfill", None, now)
    };
    let a = enqueue(&store, &owned).await?;
    let b = enqueue(&store, &job("poll", None, now + 1_000_000)).await?;
    let all: Vec<_> = store
        .list_jobs(JobFilter::default())
        .await?
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(all, vec![a.clone(), b.clone()]);
    let by_kind = JobFilter {
        kind: Some("poll".to_owned()),
        ..JobFilter::default()
    };
    assert_eq!(
        store
            .list_jobs(by_kind)
            .await?
            .into_iter()
            .map(|j| j.id)
            .collect::<Vec<_>>(),
        vec![b]
    );
    let by_dev = JobFilter {
        developer_id: Some(dev.id.clone()),
        ..JobFilter::default()
    };
    let found = store.list_jobs(by_dev).await?;
    assert_eq!(found.iter().map(|j| &j.id).collect::<Vec<_>>(), vec![&a]);
    assert_eq!(
        found.first().and_then(|j| j.developer_id.clone()),
        Some(dev.id)
    );
    let running = JobFilter {
        state: Some(JobState::Running),
        ..JobFilter::default()
    };
    assert!(store.list_jobs(running).await?.is_empty());
    Ok(())
}

async fn enqueue_commits_with_the_transaction(store: Store) -> TestResult {
    let now = now_micros();
    {
        let mut tx = store.begin().await?;
        tx.enqueue_job(&job("sync", Some("k"), now)).await?;
    }
    assert!(store.list_jobs(JobFilter::default()).await?.is_empty());
    let mut tx = store.begin().await?;
    let id = tx.enqueue_job(&job("sync", Some("k"), now)).await?;
    let duplicate = tx.enqueue_job(&job("sync", Some("k"), now)).await?;
    tx.commit().await?;
    assert!(id.is_some());
    assert_eq!(duplicate, None);
    assert_eq!(store.list_jobs(JobFilter::default()).await?.len(), 1);
    Ok(())
}

/// Four workers race for 60 jobs: every job is claimed exactly once.
async fn concurrent_workers_claim_each_job_once(store: Store) -> TestResult {
    let now = now_micros();
    let mut expected = HashSet::new();
    for n in 0..60 {
        expected.insert(enqueue(&store, &job("sync", None, now + n)).await?);
    }
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let store = store.clone();
        workers.spawn(async move {
            let name = format!("worker-{worker}");
            let mut claimed = Vec::new();
            while let Some(job) = store.claim_job(&name, &["sync"], LEASE, now + 100).await? {
                claimed.push(job.id);
            }
            Ok::<_, StoreError>(claimed)
        });
    }
    let mut seen = Vec::new();
    while let Some(joined) = workers.join_next().await {
        seen.extend(joined.map_err(|e| StoreError::Conflict(format!("worker panicked: {e}")))??);
    }
    assert_eq!(seen.len(), 60, "a job was claimed twice or not at all");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
    Ok(())
}

async fn crashed_work_resumes_before_new_work(store: Store) -> TestResult {
    let now = now_micros();
    let crashed = enqueue(&store, &job("sync", None, now)).await?;
    store
        .claim_job("crashed", &[], LEASE, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    // Queued work that is due even earlier than the crashed job's run_at.
    let newer = enqueue(&store, &job("sync", None, now - 1_000)).await?;
    let after_lease = now + LEASE_MICROS + 1;
    let first = store
        .claim_job("w", &["sync"], LEASE, after_lease)
        .await?
        .map(|j| j.id);
    let second = store
        .claim_job("w", &["sync"], LEASE, after_lease)
        .await?
        .map(|j| j.id);
    assert_eq!((first, second), (Some(crashed), Some(newer)));
    Ok(())
}
