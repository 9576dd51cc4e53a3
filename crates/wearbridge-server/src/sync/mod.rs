//! The sync engine: what keeps provider data current after a connection.
//!
//! * [`budget`]: provider rate budgets (per provider app and per provider user), stored in
//!   the database so every node on one PostgreSQL shares them; a provider's 429 pauses
//!   the budget until its `Retry-After`.
//! * [`plan`]: the engine's core: a plan of chunks fetched through [`budget::acquire`],
//!   mapped, stored and announced, checkpointed per chunk, yielding its turn after
//!   [`SyncSettings::slice_chunks`] chunks (fair scheduling) and waiting (without
//!   spending attempts) when a budget is empty. The backfill, poll and fetch jobs
//!   (`crate::jobs`) run it.
//! * [`coverage`] and [`fill`]: on-demand reads. The coverage ledger says which days
//!   were fetched; a read (or a `to_webhook` data request) fetches exactly the days it
//!   lacks, under the same budgets, token vault and ingest as the plans, one fetch per
//!   (user, data type) at a time.
//! * [`status`]: per-connection backfill progress for the API and the CLI.
//! * [`push`]: provider push notifications become deduplicated fetch jobs.
//! * [`schedule`]: the sweep that queues polls, token refresh-ahead and provider
//!   subscription renewals once per connection, whatever the number of nodes.

pub mod budget;
pub mod coverage;
pub mod fill;
pub mod plan;
pub mod push;
pub mod reads;
pub mod repull;
pub mod schedule;
pub mod status;

pub use crate::config::{
    DEFAULT_POLL_WINDOW_DAYS, DEFAULT_REFRESH_AHEAD, DEFAULT_SLICE_CHUNKS, SyncSettings,
};
pub use budget::{ProviderBudget, Rate};
