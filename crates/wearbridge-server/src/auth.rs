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

use wearbridge_store::ids::DeveloperId;

pub use crate::auth_cache::{AUTH_CACHE_TTL, AuthCache};
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
