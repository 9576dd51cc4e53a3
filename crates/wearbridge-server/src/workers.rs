//! Background workers (job lanes, the sync schedule, webhook delivery, ...) and their
//! shutdown. Durable jobs are not workers of their own: each lane of
//! [`crate::jobs::registry`] is one worker running [`crate::jobs::run_lane`].
//!
//! How to add one: write `async fn run(state: AppState, mut shutdown: ShutdownSignal) ->
//! anyhow::Result<()>` that loops until [`ShutdownSignal::wait`] resolves (use it in a
//! `tokio::select!` next to your work), then register it in [`start_workers`] with
//! `workers.spawn("name", |shutdown| run(state.clone(), shutdown))`. `serve` starts the
//! set after the listener is bound and calls [`WorkerSet::shutdown`] after the HTTP
//! server has drained, so a worker finishes (or abandons, to be resumed from its lease)
//! its current item before the process exits.

use std::time::Duration;

pub use crate::shutdown::{ShutdownSignal, WorkerSet};
use crate::state::AppState;

/// Starts every background worker this build has.
pub fn start_workers(state: &AppState) -> WorkerSet {
    let mut workers = WorkerSet::new();
    for lane in crate::jobs::lanes() {
        if lane.needs_webhooks && !state.config.webhooks.enabled {
            continue;
        }
        workers.spawn(lane.name, |shutdown| {
            crate::jobs::run_lane(state.services(), shutdown, lane)
        });
    }
    workers.spawn("sync-schedule", |shutdown| {
        crate::sync::schedule::run(state.services(), shutdown)
    });
    if state.store.backend() == wearbridge_store::Backend::Postgres {
        workers.spawn("user-changes", |shutdown| {
            follow_user_changes(state.clone(), shutdown)
        });
    }
    if state.config.webhooks.enabled {
        workers.spawn("webhook-delivery", |shutdown| {
            crate::delivery::run(state.services(), state.config.webhooks.clone(), shutdown)
        });
        workers.spawn("healthchecks", |shutdown| {
            crate::delivery::healthcheck::run(
                state.services(),
                Duration::from_secs(state.config.webhooks.healthcheck_interval_secs),
                shutdown,
            )
        });
    }
    workers
}

/// Follows other nodes' user changes (PostgreSQL `LISTEN`) so this node's read cache
/// ([`crate::read_cache`]) stays exact; reconnects after a failure, with a pause. While
/// not listening the cache is bypassed (`UserChanges::shared_safely`).
async fn follow_user_changes(state: AppState, mut shutdown: ShutdownSignal) -> anyhow::Result<()> {
    const RECONNECT_PAUSE: Duration = Duration::from_secs(1);
    loop {
        tokio::select! {
            () = shutdown.wait() => return Ok(()),
            result = state.store.follow_user_changes() => {
                if let Err(error) = result {
                    tracing::warn!(error = %error, "user change listener stopped; read cache bypassed until it reconnects");
                }
            }
        }
        tokio::select! {
            () = shutdown.wait() => return Ok(()),
            () = tokio::time::sleep(RECONNECT_PAUSE) => {}
        }
    }
}
