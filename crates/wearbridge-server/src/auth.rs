//! Developer authentication: the `dev-id` and `x-api-key` headers on every `/v2` call
//! that Terra does not mark public.
//!
//! Handlers take [`AuthDeveloper`] as an argument; there is no way to reach user data
//! without one, and every store call is scoped by its id. Every failure (a header
//! missing, an unknown developer, a wrong key) is the same 401 so a caller cannot probe
//! which developer ids exist.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use wearbridge_store::ids::DeveloperId;

use crate::error::ApiError;
use crate::secrets::{hash_api_key, hashes_match};
use crate::state::AppState;

/// Header carrying the developer id (header names are case-insensitive).
pub const DEV_ID_HEADER: &str = "dev-id";
/// Header carrying the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The authenticated caller: only the developer's id, which is all a handler needs to scope
/// its queries (a handler that needs the developer's row reads it).
#[derive(Debug, Clone)]
pub struct AuthDeveloper(pub DeveloperId);

impl AuthDeveloper {
    pub fn id(&self) -> &DeveloperId {
        &self.0
    }
}

impl FromRequestParts<AppState> for AuthDeveloper {
    type Rejection = ApiError;

    #[tracing::instrument(name = "authenticate", skip_all)]
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let dev_id = header_text(&parts.headers, DEV_ID_HEADER).ok_or(ApiError::Unauthorized)?;
        let api_key = header_text(&parts.headers, API_KEY_HEADER).ok_or(ApiError::Unauthorized)?;
        let presented_hash = hash_api_key(api_key);
        if let Some(id) = state.auth_cache.check(dev_id, &presented_hash) {
            return Ok(AuthDeveloper(id));
        }
        let dev_id = DeveloperId::parse(dev_id).map_err(|_| ApiError::Unauthorized)?;
        let developer = state
            .store
            .find_developer(&dev_id)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if !hashes_match(&presented_hash, &developer.api_key_hash) {
            return Err(ApiError::Unauthorized);
        }
        state
            .auth_cache
            .remember(&developer.id, &developer.api_key_hash);
        Ok(AuthDeveloper(developer.id))
    }
}

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

    fn remember(&self, id: &DeveloperId, key_hash: &str) {
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

/// The `dev-id` header alone, for endpoints Terra serves without an API key
/// (`/integrations/detailed` reads it only to tailor the list).
#[derive(Debug, Clone)]
pub struct DevIdHint(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for DevIdHint {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(DevIdHint(
            header_text(&parts.headers, DEV_ID_HEADER).map(str::to_owned),
        ))
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_answers_only_for_the_remembered_key() {
        let cache = AuthCache::default();
        let id = DeveloperId::new();
        let good = hash_api_key("right-key");
        assert!(cache.check(id.as_str(), &good).is_none(), "empty cache");
        cache.remember(&id, &good);
        assert_eq!(cache.check(id.as_str(), &good), Some(id.clone()));
        assert!(
            cache
                .check(id.as_str(), &hash_api_key("wrong-key"))
                .is_none()
        );
        assert!(cache.check("someone-else", &good).is_none());
        cache.forget(&id);
        assert!(cache.check(id.as_str(), &good).is_none(), "forgotten");
    }
}
