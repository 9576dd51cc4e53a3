//! The sync schedule: the sweep that queues the periodic jobs of the sync engine — polls
//! ([`crate::jobs::poll`]), token refresh-ahead ([`crate::jobs::refresh`]) and provider
//! subscription renewal ([`crate::jobs::renew`]). The jobs run in the `sync-jobs` lane.
//!
//! * a poll row per active connection of a provider that needs polling (each node
//!   sweeping at once still enqueues one, by dedup key);
//! * a refresh row per token expiring within the refresh-ahead margin (plus two sweep
//!   periods, so the job is queued before it is due);
//! * a renewal row per enabled provider, once at start-up.
//!
//! [`sweep`] creates missing poll and refresh jobs; [`run`] is the worker that calls it
//! at start-up and every [`SWEEP_EVERY`].

use std::time::Duration;

use wearbridge_store::StoreError;
use wearbridge_store::ids::UserId;

use crate::clock::micros;
use crate::jobs::renew::enqueue_renewals;
use crate::jobs::{new_job, poll, refresh};
use crate::services::Services;
use crate::shutdown::ShutdownSignal;

/// How often each node looks for connections that lack their poll or refresh job: new
/// connections start polling within this, and refresh jobs are queued this far ahead.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Users per sweep query.
const SWEEP_PAGE: u32 = 500;
/// How often expired connect sessions, OAuth states and SDK tokens are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// The worker: queues the subscription renewals once, then sweeps every
/// [`SWEEP_EVERY`] until shutdown. The jobs themselves run in the `sync-jobs` lane. It
/// also clears expired connect-flow state every [`PURGE_EVERY`]: periodic housekeeping
/// of the same kind, not worth a worker of its own.
pub async fn run(services: Services, mut shutdown: ShutdownSignal) -> anyhow::Result<()> {
    if let Err(error) = enqueue_renewals(&services).await {
        tracing::error!(error = %error, "cannot queue subscription renewals");
    }
    let mut next_purge = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= next_purge {
            purge_expired(&services).await;
            next_purge = tokio::time::Instant::now() + PURGE_EVERY;
        }
        match sweep(&services).await {
            Ok(swept) if swept.polls + swept.refreshes > 0 => {
                tracing::debug!(
                    polls = swept.polls,
                    refreshes = swept.refreshes,
                    "sync schedule: jobs queued"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(error = %error, "sync schedule sweep failed"),
        }
        tokio::select! {
            () = shutdown.wait() => return Ok(()),
            () = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}

async fn purge_expired(services: &Services) {
    match services
        .store
        .purge_expired_connect_state(services.now_micros())
        .await
    {
        Ok(0) => {}
        Ok(removed) => tracing::debug!(removed, "purged expired connect sessions and states"),
        Err(error) => tracing::warn!(error = %error, "cannot purge expired connect state"),
    }
}

/// Runs every due fetch, poll, refresh and renewal job now (tests); the number run.
pub async fn run_pending(services: &Services, worker_id: &str) -> Result<usize, StoreError> {
    crate::jobs::run_pending(services, worker_id, crate::jobs::registry::SYNC.kinds).await
}

/// Jobs a [`sweep`] queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub polls: usize,
    pub refreshes: usize,
}

/// Queues the poll job of every active connection that needs one and lacks it, and a
/// refresh job for every token expiring within the refresh-ahead margin (plus two sweep
/// periods, so the job is queued before it is due).
pub async fn sweep(services: &Services) -> Result<Swept, StoreError> {
    Ok(Swept {
        polls: enqueue_polls(services).await?,
        refreshes: enqueue_refreshes(services).await?,
    })
}

async fn enqueue_polls(services: &Services) -> Result<usize, StoreError> {
    let mut queued = 0;
    for info in services.providers.enabled() {
        let Some(provider) = services.providers.get(info.id) else {
            continue;
        };
        let Some(interval) = services.settings.poll_interval(provider.as_ref()) else {
            continue;
        };
        let mut after: Option<UserId> = None;
        loop {
            let page = services
                .store
                .connected_users_without_job(info.id, poll::KEY, after.as_ref(), SWEEP_PAGE)
                .await?;
            for user in &page {
                queued += usize::from(enqueue_poll(services, user, interval).await?);
            }
            match page.last() {
                Some(last) if page.len() == SWEEP_PAGE as usize => {
                    after = Some(last.user_id.clone());
                }
                _ => break,
            }
        }
    }
    Ok(queued)
}

async fn enqueue_poll(
    services: &Services,
    user: &wearbridge_store::schedule::ConnectedUser,
    interval: Duration,
) -> Result<bool, StoreError> {
    let payload = poll::PollPayload {
        user_id: user.user_id.clone(),
    };
    let job = new_job::<poll::Poll>(
        &payload,
        Some(format!("{}{}", poll::KEY, user.user_id)),
        services
            .now_micros()
            .saturating_add(micros(poll::jittered(interval))),
        Some((&user.developer_id, &user.user_id)),
    )?;
    Ok(services.store.enqueue_job(&job).await?.is_some())
}

async fn enqueue_refreshes(services: &Services) -> Result<usize, StoreError> {
    let now = services.now_micros();
    let margin = micros(services.settings.refresh_ahead);
    let horizon = now
        .saturating_add(margin)
        .saturating_add(micros(SWEEP_EVERY * 2));
    let mut queued = 0;
    loop {
        let page = services
            .store
            .expiring_tokens_without_job(horizon, refresh::KEY, SWEEP_PAGE)
            .await?;
        let mut added = 0;
        for token in &page {
            // A provider this node cannot talk to would only produce failing jobs.
            if services.providers.get(&token.provider).is_none() {
                continue;
            }
            let payload = refresh::RefreshPayload {
                user_id: token.user_id.clone(),
            };
            let job = new_job::<refresh::Refresh>(
                &payload,
                Some(format!("{}{}", refresh::KEY, token.user_id)),
                token.expires_at.saturating_sub(margin).max(now),
                Some((&token.developer_id, &token.user_id)),
            )?;
            added += usize::from(services.store.enqueue_job(&job).await?.is_some());
        }
        queued += added;
        // Skipped rows come back on every page: stop when a page adds nothing new.
        if page.len() < SWEEP_PAGE as usize || added == 0 {
            return Ok(queued);
        }
    }
}
