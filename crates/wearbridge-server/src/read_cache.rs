//! Finished `GET /v2/{type}?to_webhook=false` response bodies, kept per process.
//!
//! Why: the hot read is one database round trip, and that round trip (a worker-thread hop
//! on SQLite, the server process on PostgreSQL) is the whole cost of the request
//! (docs/BENCHMARKS.md). Developers read the same users' recent days again and again
//! (dashboards, polling after webhooks), so a body is kept until its user changes.
//!
//! Freshness: an entry carries the user's [`ChangeVersion`] read *before* the query; the
//! store moves that version after every commit that changes the user's reads, so an entry
//! is served only while no such commit happened since the read began (see
//! `wearbridge_store::changes`). On PostgreSQL other nodes' commits arrive by `NOTIFY`, and
//! nothing is served from the cache while that listener is down
//! ([`wearbridge_store::UserChanges::shared_safely`]).

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use wearbridge_store::ChangeVersion;
use wearbridge_store::ids::{DeveloperId, UserId};

/// Bytes of response bodies kept at most.
pub const CAPACITY_BYTES: u64 = 64 * 1024 * 1024;
/// Bodies larger than this are not kept (a few long ranges would evict everything else).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Entries the cache sizes its table for.
const ESTIMATED_ENTRIES: usize = 8_192;

/// What a cached body answers: everything the response depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadKey {
    pub developer: DeveloperId,
    pub user: UserId,
    pub data_type: &'static str,
    pub start_ts: i64,
    pub end_ts: i64,
    pub local_days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    pub with_samples: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    version: ChangeVersion,
    body: Bytes,
}

#[derive(Debug, Clone)]
struct BodyWeighter;

impl Weighter<ReadKey, Entry> for BodyWeighter {
    fn weight(&self, _key: &ReadKey, entry: &Entry) -> u64 {
        // At least 1, so empty bodies still count against the capacity.
        entry.body.len().max(1) as u64
    }
}

/// The cache of response bodies (one per process, in `AppState`).
#[derive(Debug)]
pub struct ReadCache {
    entries: Cache<ReadKey, Entry, BodyWeighter>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Default for ReadCache {
    fn default() -> Self {
        ReadCache {
            entries: Cache::with_weighter(ESTIMATED_ENTRIES, CAPACITY_BYTES, BodyWeighter),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }
}

impl ReadCache {
    /// The body stored for `key`, if it was read at `current` (no change since).
    pub fn get(&self, key: &ReadKey, current: ChangeVersion) -> Option<Bytes> {
        let body = self
            .entries
            .get(key)
            .filter(|entry| entry.version == current)
            .map(|entry| entry.body);
        let counter = if body.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        body
    }

    /// Reads answered from the cache, and reads that went to the store, since start.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Keeps `body`, read by a query that started at version `read_at`.
    pub fn insert(&self, key: ReadKey, read_at: ChangeVersion, body: Bytes) {
        if body.len() <= MAX_BODY_BYTES {
            self.entries.insert(
                key,
                Entry {
                    version: read_at,
                    body,
                },
            );
        }
    }
}
