//! A `to_webhook=false` read waits for its fill ([`super::fill`]) at most
//! `sync.read_wait_secs`, then says how to answer.
//!
//! The fill runs as its own task: a client that gives up, or a read that stops waiting,
//! does not cut a provider fetch in half, and whatever the task stores is covered for the
//! next read. Failures of the provider do not fail the read: the stored part is served
//! (terra-api-notes: data responses never fail for a provider's sake).

use std::time::Duration;

use wearbridge_model::DataType;
use wearbridge_store::User;

use super::coverage::DaySpan;
use super::fill::{FillStop, Filled, fill};
use crate::services::Services;

/// How to answer a read after its fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadReady {
    /// Answer from the store. `complete`: every wanted day the provider can serve is
    /// stored (a body that is not complete must not be cached).
    Serve { complete: bool },
    /// The fill still runs after the read's wait: answer `processing`, retry after
    /// `retry_after`.
    StillFetching { retry_after: Duration },
    /// A provider rate limit stopped the fill until `retry_at` (unix µs).
    RateLimited { retry_at: i64 },
}

/// Fills `wanted` of `user`'s `data_type`, waiting at most the configured read wait.
pub async fn prepare_read(
    services: &Services,
    user: &User,
    data_type: DataType,
    wanted: DaySpan,
) -> ReadReady {
    let task = {
        let services = services.clone();
        let user = user.clone();
        tokio::spawn(async move { fill(&services, &user, data_type, wanted, None).await })
    };
    let wait = services.settings.read_wait;
    let outcome = match tokio::time::timeout(wait, task).await {
        Ok(joined) => joined,
        Err(_elapsed) => {
            return ReadReady::StillFetching {
                retry_after: wait.max(Duration::from_secs(1)),
            };
        }
    };
    match outcome {
        Ok(Ok(Filled::Covered { windows })) => {
            tracing::debug!(windows, "read filled its gaps");
            ReadReady::Serve { complete: true }
        }
        Ok(Ok(Filled::Unfetchable)) => ReadReady::Serve { complete: true },
        // The provider pushes the days it was asked for: answer `processing` now; the
        // next read serves what has arrived.
        Ok(Ok(Filled::Requested { windows })) => {
            tracing::debug!(windows, "read asked the provider for history by push");
            ReadReady::StillFetching {
                retry_after: wait.max(Duration::from_secs(1)),
            }
        }
        Ok(Ok(Filled::Revoked)) => ReadReady::Serve { complete: false },
        Ok(Err(FillStop::RateLimited { retry_at })) => ReadReady::RateLimited { retry_at },
        Ok(Err(FillStop::Failed(error))) => {
            tracing::warn!(error = %error, user.id = %user.id, "read fill failed; serving what is stored");
            ReadReady::Serve { complete: false }
        }
        Err(join_error) => {
            tracing::error!(error = %join_error, "read fill task ended abnormally");
            ReadReady::Serve { complete: false }
        }
    }
}
