//! Token refresh-ahead: a job per connection whose access token expires within
//! [`refresh_ahead`](crate::sync::SyncSettings::refresh_ahead), due that margin before
//! expiry, dedup key `refresh:<user id>`, queued by the sweep. It refreshes through the
//! vault's serialised path (lease on the connection, rotated refresh token stored before
//! use); `invalid_grant` marks the user inactive with `access_revoked`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use wearbridge_providers::ProviderError;
use wearbridge_store::ids::UserId;

use super::{Job, JobError, JobRun, Outcome, Retry, SettlePolicy};
use crate::clock::micros;
use crate::connect::vault::access_token;
use crate::sync::plan::{job_user, revoke_access};

/// Job kind of the token refresh-ahead.
pub const KIND: &str = "refresh";
/// Dedup key prefix: one refresh row per user.
pub const KEY: &str = "refresh:";

/// The refresh job kind.
pub struct Refresh;

/// The refresh job's input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshPayload {
    pub user_id: UserId,
}

impl Job for Refresh {
    const KIND: &'static str = KIND;
    /// A refresh is one token call (plus waiting for another node's refresh); 5 claims
    /// give up (fetches still refresh on demand).
    const POLICY: SettlePolicy = SettlePolicy {
        lease: Duration::from_secs(60),
        max_attempts: 5,
        retry: Retry::Backoff,
    };
    type Payload = RefreshPayload;

    /// Refreshes the user's tokens when they still expire within the margin (another
    /// node or a fetch may have refreshed them since the job was queued).
    async fn run(run: &JobRun<'_>, payload: RefreshPayload) -> Result<Outcome, JobError> {
        let services = run.services;
        let Some(user) = job_user(services, run.job, &payload.user_id).await? else {
            return Ok(Outcome::Done);
        };
        let Some(connection) = services
            .store
            .get_connection(&user.developer_id, &user.id)
            .await?
        else {
            return Ok(Outcome::Done);
        };
        let deadline = services
            .now_micros()
            .saturating_add(micros(services.settings.refresh_ahead));
        let due = connection.expires_at.is_some_and(|at| at <= deadline);
        if !user.active || !due {
            return Ok(Outcome::Done);
        }
        let (provider, ctx) = crate::adapters::user_adapter(services, &user)?;
        // Passing the stored version as "rejected" makes the vault refresh it (once,
        // under the connection's lease) unless a newer version is already stored.
        let refreshed = access_token(
            services,
            provider.as_ref(),
            &ctx,
            &user.developer_id,
            &user.id,
            Some(connection.version),
        )
        .await;
        match refreshed {
            Ok(_) => Ok(Outcome::Done),
            Err(crate::connect::ConnectError::Provider(ProviderError::InvalidGrant(_))) => {
                revoke_access(services, &user).await?;
                Ok(Outcome::Done)
            }
            Err(error) => Err(error.into()),
        }
    }
}
