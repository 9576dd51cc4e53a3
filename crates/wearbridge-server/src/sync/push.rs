//! Provider push notifications: the adapter verifies and parses
//! ([`wearbridge_providers::Provider::push`]); this module acts on what it found. Notify-only
//! pings become deduplicated fetch jobs, pushed data is stored (new and changed records
//! become data events), deregistrations end the connection with `access_revoked`.
//!
//! Cheap by design (one signature check, one lookup and one insert per notification for
//! notify-only providers), so the provider gets its acknowledgement fast.

use wearbridge_providers::{PushAnswer, PushItem, PushRequest};
use wearbridge_store::{StoreError, User};

use crate::connect::oauth::adapter;
use crate::ingest::{IngestRecordsError, ingest_records};
use crate::state::AppState;
use crate::sync::fetch::enqueue_fetch;
use crate::workers::backfill::revoke_access;

/// Why a push was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("unknown provider {0}")]
    UnknownProvider(String),
    #[error("provider {0} is not enabled on this deployment")]
    NotEnabled(String),
    #[error(transparent)]
    Provider(#[from] wearbridge_providers::PushError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot store pushed records: {0}")]
    Ingest(String),
}

/// What a push did, or the handshake answer to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushReply {
    Handshake {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    Accepted(PushOutcome),
}

/// What a push did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushOutcome {
    pub notifications: usize,
    /// Fetch jobs queued (a notification for an unknown account queues none; one already
    /// queued is not queued again).
    pub queued: usize,
    /// Records stored from providers that push the data itself (new or changed only).
    pub stored: usize,
}

/// Handles one request to `/v2/providers/{provider}/webhook`.
pub async fn handle(
    state: &AppState,
    provider_id: &str,
    request: &PushRequest<'_>,
) -> Result<PushReply, PushError> {
    let info = state
        .providers
        .info(provider_id)
        .ok_or_else(|| PushError::UnknownProvider(provider_id.to_owned()))?;
    let (provider, ctx) =
        adapter(state, info.id).map_err(|_| PushError::NotEnabled(info.id.to_owned()))?;
    match provider.push(&ctx.creds, request)? {
        PushAnswer::Handshake {
            status,
            content_type,
            body,
        } => Ok(PushReply::Handshake {
            status,
            content_type,
            body,
        }),
        PushAnswer::Items(items) => {
            let mut outcome = PushOutcome::default();
            for item in items {
                outcome.notifications += 1;
                act(state, info.id, item, &mut outcome).await?;
            }
            Ok(PushReply::Accepted(outcome))
        }
    }
}

async fn act(
    state: &AppState,
    provider: &str,
    item: PushItem,
    outcome: &mut PushOutcome,
) -> Result<(), PushError> {
    match item {
        PushItem::Fetch {
            provider_user_id,
            data_type,
            range,
        } => {
            for user in active_users(state, provider, &provider_user_id).await? {
                if enqueue_fetch(state, &user, data_type, range).await? {
                    outcome.queued += 1;
                }
            }
        }
        PushItem::Records {
            provider_user_id,
            records,
        } => {
            for user in active_users(state, provider, &provider_user_id).await? {
                let summary = ingest_records(&state.store, &user, records.clone())
                    .await
                    .map_err(|error| match error {
                        IngestRecordsError::Store(store) => PushError::Store(store),
                        other => PushError::Ingest(other.to_string()),
                    })?;
                outcome.stored += summary.inserted + summary.updated;
            }
        }
        PushItem::Deauthorized { provider_user_id } => {
            for user in active_users(state, provider, &provider_user_id).await? {
                revoke_access(state, &user)
                    .await
                    .map_err(|error| PushError::Ingest(error.to_string()))?;
            }
        }
    }
    Ok(())
}

/// The active users of this deployment connected to `account` at `provider` (one per
/// developer that connected the same account).
async fn active_users(
    state: &AppState,
    provider: &str,
    account: &str,
) -> Result<Vec<User>, StoreError> {
    let users = state
        .store
        .users_for_provider_account(provider, account)
        .await?;
    Ok(users.into_iter().filter(|user| user.active).collect())
}
