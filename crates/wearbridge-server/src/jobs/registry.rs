//! Every job kind this build runs, and the lanes that run them.
//!
//! A lane is one runner loop over a set of kinds: kinds share a lane when they may wait
//! behind each other (the sync kinds), and get their own when they must not (a long
//! backfill must not hold up a `to_webhook` data request).

use std::time::Duration;

use tokio::sync::Notify;

use super::{Job, JobError, JobFuture, JobRun, SettlePolicy};
use crate::state::AppState;

/// A job kind with its payload type erased, as the runner holds it.
pub struct JobEntry {
    pub kind: &'static str,
    pub policy: SettlePolicy,
    pub lease: fn(&AppState) -> Duration,
    pub run: for<'a> fn(&'a JobRun<'a>) -> JobFuture<'a>,
}

/// The entry of kind `J`.
pub const fn entry<J: Job>() -> JobEntry {
    JobEntry {
        kind: J::KIND,
        policy: J::POLICY,
        lease: J::lease,
        run: run_erased::<J>,
    }
}

fn run_erased<'a, J: Job>(run: &'a JobRun<'a>) -> JobFuture<'a> {
    Box::pin(async move {
        let payload: J::Payload = serde_json::from_str(&run.job.payload)
            .map_err(|error| JobError::Payload(error.to_string()))?;
        J::run(run, payload).await
    })
}

/// One runner loop's kinds.
pub struct Lane {
    /// Worker name in logs, prefix of the worker id.
    pub name: &'static str,
    pub kinds: &'static [JobEntry],
    /// Woken by producers right after an enqueue, so the lane does not wait for its idle
    /// poll (`None`: the idle poll is soon enough).
    pub wake: Option<&'static Notify>,
    /// Runs only when webhook delivery is enabled in this process.
    pub needs_webhooks: bool,
}

/// Backfills: long, checkpointed, one per new connection.
pub const BACKFILL: Lane = Lane {
    name: "backfill",
    kinds: &[entry::<super::backfill::Backfill>()],
    wake: None,
    needs_webhooks: false,
};

/// The sync engine's short jobs: push-triggered fetches, polls, refresh-ahead, renewals.
pub const SYNC: Lane = Lane {
    name: "sync-jobs",
    kinds: &[
        entry::<super::fetch::Fetch>(),
        entry::<super::poll::Poll>(),
        entry::<super::refresh::Refresh>(),
        entry::<super::renew::Renew>(),
    ],
    wake: None,
    needs_webhooks: false,
};

/// `to_webhook=true` data requests.
pub const DATA_REQUESTS: Lane = Lane {
    name: "data-requests",
    kinds: &[entry::<super::data_request::DataRequestJob>()],
    wake: Some(&super::data_request::QUEUED),
    needs_webhooks: true,
};

/// Every lane; `workers::start_workers` starts one loop per lane.
pub fn lanes() -> [&'static Lane; 3] {
    [&BACKFILL, &SYNC, &DATA_REQUESTS]
}
