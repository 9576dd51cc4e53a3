//! What the sync engine, the token vault, the jobs and the connect flow need, and nothing
//! else (the "services" of the background features): the store, the clock, the cipher, the providers with their HTTP client, the sync
//! settings and the two configuration facts they read.
//!
//! Why not [`AppState`](crate::state::AppState): the state also carries the request
//! path's caches and metrics and the whole configuration, and a feature that takes it
//! can reach anything, which is how the import loops of the past grew. A feature takes
//! [`Services`]; handlers and workers build them with
//! [`AppState::services`](crate::state::AppState::services) (a handful of `Arc` clones).

use std::sync::Arc;
use std::time::Duration;

use wearbridge_model::DataType;
use wearbridge_providers::Registry;
use wearbridge_store::Store;
use wearbridge_store::ids::UserId;

use crate::clock::SharedClock;
use crate::config::SyncSettings;
use crate::crypto::Cipher;
use crate::keyed_locks::KeyedLocks;

/// The narrow context of the background features; cheap to clone.
#[derive(Clone, Debug)]
pub struct Services {
    pub store: Store,
    /// "Now"; tests inject a manual clock.
    pub clock: SharedClock,
    /// Seals provider tokens at rest.
    pub cipher: Arc<Cipher>,
    pub providers: Arc<Registry>,
    /// The client provider calls go through (connection pool, TLS, no redirects).
    pub http: reqwest::Client,
    /// Rate budgets, backfill depth, fairness slice, on-demand read bounds.
    pub settings: Arc<SyncSettings>,
    /// This deployment's public base URL, without a trailing slash (OAuth callbacks,
    /// provider push URLs, widget links).
    pub public_url: Arc<str>,
    /// The webhook lease (`webhooks.lease_secs`), which the data-request job also holds.
    pub webhook_lease: Duration,
    /// One lock per (user, data type) around provider fetches, so concurrent reads,
    /// backfills and data requests of this process never fetch the same days twice.
    pub fetch_locks: Arc<FetchLocks>,
}

/// The locks of [`Services::fetch_locks`].
pub type FetchLocks = KeyedLocks<(UserId, DataType)>;

impl Services {
    /// "Now" as unix microseconds (the store's unit).
    pub fn now_micros(&self) -> i64 {
        self.clock.now().timestamp_micros()
    }
}
