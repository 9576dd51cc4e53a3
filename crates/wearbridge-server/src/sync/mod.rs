//! The sync engine: what keeps provider data current after a connection.
//!
//! * [`budget`]: provider rate budgets (per provider app and per provider user), stored in
//!   the database so every node on one PostgreSQL shares them; a provider's 429 pauses
//!   the budget until its `Retry-After`.
//! * The backfill job (`workers::backfill`) consults [`budget::acquire`] before every
//!   provider fetch, yields its turn after [`SyncSettings::slice_chunks`] chunks (fair
//!   scheduling), and waits (without spending attempts) when a budget is empty.
//! * [`status`]: per-connection backfill progress for the API and the CLI.
//! * [`push`] and [`fetch`]: provider push notifications become deduplicated fetch jobs.

pub mod budget;
pub mod fetch;
pub mod push;
pub mod status;

use std::collections::BTreeMap;

use wearbridge_providers::Provider;

pub use budget::{ProviderBudget, Rate};

/// Sync engine settings. Defaults: the published limits of [`budget::published_limits`],
/// each provider's own backfill depth, slices of [`DEFAULT_SLICE_CHUNKS`] chunks.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Budgets by Terra provider id (uppercase). A provider without an entry is
    /// unbudgeted, but a 429 still pauses it.
    pub budgets: BTreeMap<String, ProviderBudget>,
    /// Backfill depth in days by provider id, overriding [`Provider::backfill_days`].
    pub backfill_days: BTreeMap<String, u32>,
    /// Chunks a backfill job runs per claim before it goes to the back of the queue, so a
    /// cohort of long backfills cannot starve a new connection's.
    pub slice_chunks: usize,
}

/// Chunks per claim: a few seconds of provider calls, short enough that a new
/// connection's backfill starts promptly behind a large cohort.
pub const DEFAULT_SLICE_CHUNKS: usize = 8;

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            budgets: budget::published_limits(),
            backfill_days: BTreeMap::new(),
            slice_chunks: DEFAULT_SLICE_CHUNKS,
        }
    }
}

impl SyncSettings {
    /// The budget configured for `provider_id`, if any.
    pub fn budget(&self, provider_id: &str) -> Option<&ProviderBudget> {
        self.budgets
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(provider_id))
            .map(|(_, budget)| budget)
    }

    /// How many days a new connection to `provider` backfills.
    pub fn backfill_days(&self, provider: &dyn Provider) -> u32 {
        let id = provider.info().id;
        self.backfill_days
            .iter()
            .find(|(configured, _)| configured.eq_ignore_ascii_case(id))
            .map_or_else(|| provider.backfill_days(), |(_, days)| *days)
    }
}

/// Appends Terra's `connection_error` event for `user`: the provider keeps refusing the
/// stored tokens although a refresh succeeded (401/403 after a fresh token), so the user
/// probably has to reconnect. The user stays active: unlike `invalid_grant`, this can be
/// a provider-side outage of its token checks.
pub async fn connection_error(
    state: &crate::state::AppState,
    user: &wearbridge_store::User,
) -> Result<(), wearbridge_store::StoreError> {
    let event =
        wearbridge_model::WebhookEvent::ConnectionError(wearbridge_model::ConnectionErrorEvent {
            user: crate::wire::terra_user(user),
            message: "The provider rejected the user's tokens after a refresh".to_owned(),
        });
    let body = serde_json::to_string(&event)
        .map_err(|error| wearbridge_store::StoreError::InvalidInput(error.to_string()))?;
    state
        .store
        .append_event(&wearbridge_store::NewEvent {
            developer_id: user.developer_id.clone(),
            user_id: Some(user.id.clone()),
            event_type: event.event_type().to_owned(),
            body,
            reference: None,
        })
        .await?;
    Ok(())
}
