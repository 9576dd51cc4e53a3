//! The one runner: claims a due job of a lane's kinds, runs it inside a tracing span
//! (job id, kind, user), and settles the result by the kind's [`SettlePolicy`]
//! (complete, re-queue a periodic job, wait without spending an attempt, retry, or fail).

use std::time::Duration;

use tracing::Instrument;
use wearbridge_providers::ProviderError;
use wearbridge_store::{Job, StoreError};

use super::{
    JobEntry, JobError, JobRun, Lane, Outcome, Retry, SettlePolicy, backoff, retry_with_backoff,
};
use crate::clock::micros;
use crate::services::Services;
use crate::shutdown::ShutdownSignal;

/// Idle pause of a lane when no job is due.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Claims one due job of `kinds`, runs it and settles the result; false when none was
/// due.
pub async fn run_one(
    services: &Services,
    worker_id: &str,
    kinds: &[JobEntry],
) -> Result<bool, StoreError> {
    let names: Vec<&str> = kinds.iter().map(|kind| kind.kind).collect();
    let lease = kinds
        .iter()
        .map(|kind| (kind.lease)(services))
        .max()
        .unwrap_or(Duration::from_secs(60));
    let Some(job) = services
        .store
        .claim_job(worker_id, &names, lease, services.now_micros())
        .await?
    else {
        return Ok(false);
    };
    let span = tracing::info_span!(
        "job",
        job.id = %job.id,
        job.kind = %job.kind,
        user.id = job.user_id.as_ref().map(tracing::field::display),
        job.attempt = job.attempts,
    );
    async {
        let Some(entry) = kinds.iter().find(|kind| kind.kind == job.kind) else {
            let error = JobError::Payload(format!("no handler for kind {}", job.kind));
            return settle(services, &job, worker_id, None, Err(error)).await;
        };
        let run = JobRun {
            services,
            job: &job,
            worker_id,
            lease,
        };
        let result = (entry.run)(&run).await;
        settle(services, &job, worker_id, Some(entry.policy), result).await
    }
    .instrument(span)
    .await?;
    Ok(true)
}

/// Runs every due job of `kinds` now (tests, benchmarks); the number of jobs run.
pub async fn run_pending(
    services: &Services,
    worker_id: &str,
    kinds: &[JobEntry],
) -> Result<usize, StoreError> {
    let mut ran = 0;
    while run_one(services, worker_id, kinds).await? {
        ran += 1;
    }
    Ok(ran)
}

/// A lane's loop: claims and runs due jobs until shutdown, pausing [`IDLE_POLL`] (or
/// until the lane's wake signal) whenever none is due.
pub async fn run_lane(
    services: Services,
    mut shutdown: ShutdownSignal,
    lane: &'static Lane,
) -> anyhow::Result<()> {
    let worker_id = format!("{}-{}", lane.name, uuid::Uuid::new_v4());
    loop {
        if shutdown.is_shutting_down() {
            return Ok(());
        }
        let woken = lane.wake.map(tokio::sync::Notify::notified);
        let ran = run_one(&services, &worker_id, lane.kinds)
            .await
            .unwrap_or_else(|error| {
                tracing::error!(worker.name = lane.name, error = %error, "job lane: store error");
                false
            });
        if ran {
            continue;
        }
        let woken = async {
            match woken {
                Some(woken) => woken.await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shutdown.wait() => return Ok(()),
            () = woken => {}
            () = tokio::time::sleep(IDLE_POLL) => {}
        }
    }
}

/// Completes, re-queues, retries or fails the job after a run.
async fn settle(
    services: &Services,
    job: &Job,
    worker_id: &str,
    policy: Option<SettlePolicy>,
    result: Result<Outcome, JobError>,
) -> Result<(), StoreError> {
    let error = match result {
        Ok(Outcome::Done) => {
            services.store.complete_job(&job.id, worker_id).await?;
            return Ok(());
        }
        Ok(Outcome::Again { run_at, payload }) => {
            services
                .store
                .reschedule_job(&job.id, worker_id, run_at, &payload)
                .await?;
            return Ok(());
        }
        Err(error) => error,
    };
    if matches!(error, JobError::LeaseLost) {
        return Ok(());
    }
    if let JobError::Wait {
        run_at,
        progressed,
        note,
    } = &error
    {
        let attempts = if *progressed {
            0
        } else {
            job.attempts.saturating_sub(1)
        };
        let note = note.as_deref();
        services
            .store
            .yield_job(&job.id, worker_id, *run_at, attempts, note)
            .await?;
        return Ok(());
    }
    let retry_at = policy
        .and_then(|policy| retry_delay(policy.retry, &error, job.attempts))
        .map(|wait| services.now_micros().saturating_add(micros(wait)));
    tracing::warn!(error = %error, retry = retry_at.is_some(), "job attempt failed");
    services
        .store
        .fail_job(&job.id, worker_id, &error.to_string(), retry_at)
        .await?;
    Ok(())
}

/// When a failed run is tried again (`None`: failed for good). A bad payload never
/// retries; a provider's `Retry-After` wins over the kind's rule.
fn retry_delay(retry: Retry, error: &JobError, attempts: i32) -> Option<Duration> {
    if matches!(error, JobError::Payload(_)) {
        return None;
    }
    if let Some(ProviderError::RateLimited {
        retry_after: Some(wait),
    }) = error.provider()
    {
        return Some(*wait);
    }
    match retry {
        Retry::Fixed(delay) => Some(delay),
        Retry::Backoff => match error.provider() {
            Some(provider) if retry_with_backoff(provider) => Some(backoff(attempts)),
            Some(_) => None,
            None if matches!(error, JobError::Store(_) | JobError::Retry(_)) => {
                Some(backoff(attempts))
            }
            None => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::RETRY_BASE;

    #[test]
    fn a_bad_payload_never_retries_and_retry_after_wins() {
        let fixed = Retry::Fixed(Duration::from_secs(30));
        let bad = JobError::Payload("x".to_owned());
        assert_eq!(retry_delay(fixed, &bad, 1), None);
        let limited = JobError::from(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        });
        assert_eq!(
            retry_delay(fixed, &limited, 1),
            Some(Duration::from_secs(7))
        );
        let store = JobError::Retry("down".to_owned());
        assert_eq!(retry_delay(fixed, &store, 3), Some(Duration::from_secs(30)));
        assert_eq!(retry_delay(Retry::Backoff, &store, 2), Some(RETRY_BASE * 2));
    }
}
