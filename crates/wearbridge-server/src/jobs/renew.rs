//! Provider subscription renewal: one job per enabled provider, queued at start-up
//! (dedup key `renew:<PROVIDER>`), re-queued for the time the provider's renewal
//! returns, retried with backoff on any failure (a lapsed subscription silently loses
//! pushes).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wearbridge_providers::ProviderError;
use wearbridge_store::StoreError;

use super::{Job, JobError, JobRun, Outcome, Retry, SettlePolicy, new_job};
use crate::adapters::push_url;
use crate::services::Services;

/// Job kind of the provider subscription renewal.
pub const KIND: &str = "renew_subscriptions";
const KEY: &str = "renew:";

/// The renewal job kind.
pub struct Renew;

/// The renewal job's input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewPayload {
    /// Terra provider id.
    pub provider: String,
}

impl Job for Renew {
    const KIND: &'static str = KIND;
    /// 16 claims: with the backoff capped at an hour, about half a day of retries before
    /// the renewal waits for the next start-up.
    const POLICY: SettlePolicy = SettlePolicy {
        lease: Duration::from_secs(120),
        max_attempts: 16,
        retry: Retry::Backoff,
    };
    type Payload = RenewPayload;

    async fn run(run: &JobRun<'_>, payload: RenewPayload) -> Result<Outcome, JobError> {
        let (provider, ctx) = crate::adapters::sync_adapter(run.services, &payload.provider)?;
        let url = push_url(run.services, provider.info().id)?;
        let renewed = provider.renew_subscriptions(&ctx, &url).await;
        renewal_outcome(renewed, &run.job.payload)
    }
}

/// Queues (once across nodes, by dedup key) the subscription renewal of every enabled
/// provider, due now; returns how many were queued.
pub async fn enqueue_renewals(services: &Services) -> Result<usize, StoreError> {
    let mut queued = 0;
    for info in services.providers.enabled() {
        if services.providers.get(info.id).is_none() {
            continue;
        }
        let payload = RenewPayload {
            provider: info.id.to_owned(),
        };
        let key = Some(format!("{KEY}{}", info.id));
        let job = new_job::<Renew>(&payload, key, services.now_micros(), None)?;
        queued += usize::from(services.store.enqueue_job(&job).await?.is_some());
    }
    Ok(queued)
}

/// What a renewal result means for its job: a next time re-queues the same row for then,
/// none completes it, and every failure (whatever its class) is retried with backoff.
fn renewal_outcome(
    renewed: Result<Option<DateTime<Utc>>, ProviderError>,
    payload: &str,
) -> Result<Outcome, JobError> {
    match renewed {
        Ok(Some(next)) => Ok(Outcome::Again {
            run_at: next.timestamp_micros(),
            payload: payload.to_owned(),
        }),
        Ok(None) => Ok(Outcome::Done),
        Err(error) => Err(JobError::Retry(format!(
            "subscription renewal failed: {error}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renewal_reschedules_completes_or_retries() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(
            renewal_outcome(Ok(Some(at)), "{}").ok(),
            Some(Outcome::Again {
                run_at: at.timestamp_micros(),
                payload: "{}".to_owned()
            })
        );
        assert_eq!(renewal_outcome(Ok(None), "{}").ok(), Some(Outcome::Done));
        let refused = renewal_outcome(Err(ProviderError::Unauthorized("no".into())), "{}");
        assert!(matches!(refused, Err(JobError::Retry(_))));
    }
}
