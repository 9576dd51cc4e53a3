//! The cache of recently verified API keys ([`AuthCache`]), held by the application state
//! and consulted by the `dev-id` + `x-api-key` extractor (`crate::auth`).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use wearbridge_store::ids::DeveloperId;

use crate::secrets::hashes_match;

/// Recently verified credentials, so the hot read path does not pay a database round
/// trip for authentication on every request.
///
/// Hand-written rather than a cache crate: a bounded map with a fixed TTL is all it needs.
/// Only successful checks are cached, as (developer id -> stored key hash, when checked);
/// a presented key is compared in constant time with the cached hash exactly as with the
/// stored one. A key rotated by another process stays valid here for at most
/// [`AUTH_CACHE_TTL`] (DECISIONS.md, Server); [`AuthCache::forget`] drops it at once in
/// this process.
#[derive(Debug, Default)]
pub struct AuthCache {
    entries: RwLock<HashMap<String, CachedKey>>,
}

#[derive(Debug, Clone)]
struct CachedKey {
    id: DeveloperId,
    key_hash: String,
    checked_at: Instant,
}

/// How long a verified key is trusted without asking the database again.
pub const AUTH_CACHE_TTL: Duration = Duration::from_secs(10);
/// Most developers cached; beyond it the map is cleared (deployments have far fewer).
const AUTH_CACHE_CAPACITY: usize = 10_000;

impl AuthCache {
    /// The developer id when `dev_id` was verified with the key hashing to
    /// `presented_hash` within the TTL.
    pub fn check(&self, dev_id: &str, presented_hash: &str) -> Option<DeveloperId> {
        let entries = self.entries.read().ok()?;
        let entry = entries.get(dev_id)?;
        let fresh = entry.checked_at.elapsed() < AUTH_CACHE_TTL;
        (fresh && hashes_match(presented_hash, &entry.key_hash)).then(|| entry.id.clone())
    }

    pub(crate) fn remember(&self, id: &DeveloperId, key_hash: &str) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.len() >= AUTH_CACHE_CAPACITY {
            entries.clear();
        }
        entries.insert(
            id.as_str().to_owned(),
            CachedKey {
                id: id.clone(),
                key_hash: key_hash.to_owned(),
                checked_at: Instant::now(),
            },
        );
    }

    /// Drops a developer's cached key (after a rotation in this process).
    pub fn forget(&self, id: &DeveloperId) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(id.as_str());
        }
    }
}
