//! Provider push notifications: the adapter verifies and parses
//! ([`wearbridge_providers::Provider::push`]); this module acts on what it found. Notify-only
//! pings become deduplicated fetch jobs, pushed data is stored (new and changed records
//! become data events), deregistrations end the connection with `access_revoked`, and
//! permission changes update the user's scopes with a `permission_change` event.
//!
//! Cheap by design (one signature check, one lookup and one insert per notification for
//! notify-only providers), so the provider gets its acknowledgement fast.

use wearbridge_providers::{PushAnswer, PushItem, PushRequest};
use wearbridge_store::{StoreError, User};

use crate::adapters::adapter;
use crate::events;
use crate::ingest::{IngestRecordsError, ingest_records};
use crate::jobs::fetch::enqueue_fetch;
use crate::services::Services;
use crate::sync::plan::revoke_access;

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
#[tracing::instrument(name = "provider.push", skip_all, fields(provider = %provider_id))]
pub async fn handle(
    services: &Services,
    provider_id: &str,
    request: &PushRequest<'_>,
) -> Result<PushReply, PushError> {
    let info = services
        .providers
        .info(provider_id)
        .ok_or_else(|| PushError::UnknownProvider(provider_id.to_owned()))?;
    let (provider, ctx) =
        adapter(services, info.id).map_err(|_| PushError::NotEnabled(info.id.to_owned()))?;
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
                act(services, info.id, item, &mut outcome).await?;
            }
            Ok(PushReply::Accepted(outcome))
        }
    }
}

async fn act(
    services: &Services,
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
            for user in active_users(services, provider, &provider_user_id).await? {
                if enqueue_fetch(services, &user, data_type, range).await? {
                    outcome.queued += 1;
                }
            }
        }
        PushItem::Records {
            provider_user_id,
            records,
        } => {
            for user in active_users(services, provider, &provider_user_id).await? {
                let summary = ingest_records(&services.store, &user, records.clone(), None)
                    .await
                    .map_err(|error| match error {
                        IngestRecordsError::Store(store) => PushError::Store(store),
                        other => PushError::Ingest(other.to_string()),
                    })?;
                outcome.stored += summary.inserted + summary.updated;
            }
        }
        PushItem::Deauthorized { provider_user_id } => {
            for user in active_users(services, provider, &provider_user_id).await? {
                revoke_access(services, &user)
                    .await
                    .map_err(|error| PushError::Ingest(error.to_string()))?;
            }
        }
        PushItem::PermissionsChanged {
            provider_user_id,
            scopes,
        } => {
            for user in active_users(services, provider, &provider_user_id).await? {
                change_scopes(services, &user, &scopes).await?;
            }
        }
    }
    Ok(())
}

/// How often [`change_scopes`] re-reads after losing a race before it gives up (and the
/// provider, answered with an error, sends the notice again).
const SCOPE_SWAP_TRIES: usize = 3;

/// Stores `granted` (the full new set) as the user's scopes and appends
/// `permission_change` with what was added and removed, in one transaction. Nothing
/// happens when the set is unchanged, so a repeated notice is idempotent. The update is a
/// compare-and-swap against the scopes the diff was computed from: a concurrent change
/// makes it re-read, so each change is announced exactly once. True when it changed.
async fn change_scopes(
    services: &Services,
    user: &User,
    granted: &[String],
) -> Result<bool, PushError> {
    let mut current = user.scopes.clone();
    for _ in 0..SCOPE_SWAP_TRIES {
        let (added, removed) = scope_diff(current.as_deref(), granted);
        if added.is_empty() && removed.is_empty() {
            return Ok(false);
        }
        let change = ScopeChange {
            expected: current.as_deref(),
            granted: scope_list(&granted.join(",")).join(","),
            added,
            removed,
        };
        if swap_scopes(services, user, &change).await? {
            return Ok(true);
        }
        match services
            .store
            .get_user(&user.developer_id, &user.id)
            .await?
        {
            Some(fresh) => current = fresh.scopes,
            None => return Ok(false),
        }
    }
    Err(PushError::Store(StoreError::Conflict(
        "the user's scopes kept changing concurrently".to_owned(),
    )))
}

/// One computed change of a user's scopes.
struct ScopeChange<'a> {
    /// The stored scopes the change was computed from.
    expected: Option<&'a str>,
    /// The new scopes, comma-separated.
    granted: String,
    added: Vec<String>,
    removed: Vec<String>,
}

/// Applies `change` with its event in one transaction; false when the stored scopes are no
/// longer `change.expected` (nothing written).
async fn swap_scopes(
    services: &Services,
    user: &User,
    change: &ScopeChange<'_>,
) -> Result<bool, PushError> {
    let mut tx = services.store.begin().await?;
    let Some(updated) = tx
        .swap_user_scopes(
            &user.developer_id,
            &user.id,
            change.expected,
            &change.granted,
        )
        .await?
    else {
        return Ok(false);
    };
    let event = events::permission_change(&updated, &change.added, &change.removed)
        .map_err(|error| StoreError::InvalidInput(error.to_string()))?;
    tx.append_event(&event).await?;
    tx.commit().await?;
    crate::delivery::wake();
    Ok(true)
}

/// (added, removed) from the stored scopes to `granted`. Stored scopes are free text as
/// providers reported them, so both commas and spaces separate them.
fn scope_diff(stored: Option<&str>, granted: &[String]) -> (Vec<String>, Vec<String>) {
    let old = scope_list(stored.unwrap_or_default());
    let new = scope_list(&granted.join(","));
    let added = new.iter().filter(|s| !old.contains(s)).cloned().collect();
    let removed = old.iter().filter(|s| !new.contains(s)).cloned().collect();
    (added, removed)
}

/// The distinct scopes of a comma- or space-separated list, in order.
fn scope_list(text: &str) -> Vec<String> {
    let mut scopes: Vec<String> = Vec::new();
    for scope in text.split([',', ' ']).map(str::trim) {
        if !scope.is_empty() && !scopes.iter().any(|known| known == scope) {
            scopes.push(scope.to_owned());
        }
    }
    scopes
}

/// The active users of this deployment connected to `account` at `provider` (one per
/// developer that connected the same account).
async fn active_users(
    services: &Services,
    provider: &str,
    account: &str,
) -> Result<Vec<User>, StoreError> {
    let users = services
        .store
        .users_for_provider_account(provider, account)
        .await?;
    Ok(users.into_iter().filter(|user| user.active).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    #[test]
    fn the_diff_names_added_and_removed_scopes_in_order() {
        let granted = list(&["ACTIVITY_EXPORT", "WORKOUT_IMPORT"]);
        let (added, removed) = scope_diff(Some("ACTIVITY_EXPORT,HEALTH_EXPORT"), &granted);
        assert_eq!(added, list(&["WORKOUT_IMPORT"]));
        assert_eq!(removed, list(&["HEALTH_EXPORT"]));
        // Same set, other order or separators: no change.
        let (added, removed) = scope_diff(Some("WORKOUT_IMPORT ACTIVITY_EXPORT"), &granted);
        assert!(added.is_empty() && removed.is_empty());
        // Unknown before: everything is added.
        let (added, removed) = scope_diff(None, &granted);
        assert_eq!((added, removed), (granted.clone(), Vec::new()));
        let (added, removed) = scope_diff(Some("A,B"), &[]);
        assert_eq!((added, removed), (Vec::new(), list(&["A", "B"])));
    }
}
