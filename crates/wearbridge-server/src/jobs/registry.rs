//! Every job kind this build runs, and the lanes that run them.
//!
//! A lane is one runner loop over a set of kinds: kinds share a lane when they may wait
//! behind each other (the sync kinds), and get their own when they must not (a long
//! backfill must not hold up a `to_webhook` data request).

use super::{Lane, entry};

/// Backfills: long, checkpointed, one per new connection.
pub const BACKFILL: Lane = Lane {
    name: "backfill",
    kinds: &[entry::<super::backfill::Backfill>()],
    wake: Some(&super::backfill::QUEUED),
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

/// File imports (Apple Health exports): long, so they wait behind nothing else.
pub const IMPORTS: Lane = Lane {
    name: "imports",
    kinds: &[entry::<super::import::ImportJob>()],
    wake: Some(&super::import::QUEUED),
    needs_webhooks: false,
};

/// Every lane; `workers::start_workers` starts one loop per lane.
pub fn lanes() -> [&'static Lane; 4] {
    [&BACKFILL, &SYNC, &DATA_REQUESTS, &IMPORTS]
}
