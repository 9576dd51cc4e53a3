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
use wearbridge_model::DataType;
use wearbridge_store::ChangeVersion;
use wearbridge_store::ids::{DeveloperId, UserId};

/// Default memory for response bodies, in MiB (`read_cache_mb`).
pub const DEFAULT_CAPACITY_MB: u64 = crate::config::DEFAULT_READ_CACHE_MB;
/// Bodies larger than this are not kept (a few long ranges would evict everything else).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Entries the cache sizes its table for.
const ESTIMATED_ENTRIES: usize = 8_192;

/// What a cached body answers: everything the response depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadKey {
    pub developer: DeveloperId,
    pub user: UserId,
    pub data_type: DataType,
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
    /// `None` when configured off (`read_cache_mb = 0`).
    entries: Option<Cache<ReadKey, Entry, BodyWeighter>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Default for ReadCache {
    fn default() -> Self {
        ReadCache::with_capacity_mb(DEFAULT_CAPACITY_MB)
    }
}

impl ReadCache {
    /// A cache of at most `mb` MiB of bodies; 0 keeps nothing.
    pub fn with_capacity_mb(mb: u64) -> ReadCache {
        let entries = (mb > 0).then(|| {
            Cache::with_weighter(
                ESTIMATED_ENTRIES,
                mb.saturating_mul(1024 * 1024),
                BodyWeighter,
            )
        });
        ReadCache {
            entries,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Whether bodies are kept at all.
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The body stored for `key`, if it was read at `current` (no change since).
    pub fn get(&self, key: &ReadKey, current: ChangeVersion) -> Option<Bytes> {
        let body = self
            .entries
            .as_ref()?
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
        if let Some(entries) = &self.entries
            && body.len() <= MAX_BODY_BYTES
        {
            entries.insert(
                key,
                Entry {
                    version: read_at,
                    body,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wearbridge_store::Backend;
    use wearbridge_store::UserChanges;

    fn key(user: &UserId) -> ReadKey {
        ReadKey {
            developer: DeveloperId::new(),
            user: user.clone(),
            data_type: DataType::Daily,
            start_ts: 0,
            end_ts: 1,
            local_days: None,
            with_samples: false,
        }
    }

    #[test]
    fn an_entry_is_served_only_at_the_version_it_was_read_at() {
        let changes = UserChanges::for_tests(Backend::Sqlite);
        let user = UserId::new();
        let cache = ReadCache::default();
        let read_at = changes.version(&user);
        cache.insert(key(&user), read_at, Bytes::from_static(b"{}"));
        let key = key(&user);
        // Another developer's key (a fresh DeveloperId) never matches.
        assert_eq!(cache.get(&key, read_at), None);
        let stored = key.clone();
        cache.insert(stored.clone(), read_at, Bytes::from_static(b"{}"));
        assert_eq!(cache.get(&stored, read_at), Some(Bytes::from_static(b"{}")));
        changes.mark_changed(user.as_str());
        assert_eq!(cache.get(&stored, changes.version(&user)), None);
        assert_eq!(cache.hits_and_misses(), (1, 2));
    }

    #[test]
    fn a_zero_capacity_cache_keeps_nothing() {
        let changes = UserChanges::for_tests(Backend::Sqlite);
        let user = UserId::new();
        let cache = ReadCache::with_capacity_mb(0);
        assert!(!cache.enabled());
        let version = changes.version(&user);
        cache.insert(key(&user), version, Bytes::from_static(b"{}"));
        assert_eq!(cache.get(&key(&user), version), None);
    }
}
