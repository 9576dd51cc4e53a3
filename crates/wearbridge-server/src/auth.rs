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
use wearbridge_store::Developer;
use wearbridge_store::ids::DeveloperId;

use crate::error::ApiError;
use crate::secrets::api_key_matches;
use crate::state::AppState;

/// Header carrying the developer id (header names are case-insensitive).
pub const DEV_ID_HEADER: &str = "dev-id";
/// Header carrying the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthDeveloper(pub Developer);

impl AuthDeveloper {
    pub fn id(&self) -> &DeveloperId {
        &self.0.id
    }
}

impl FromRequestParts<AppState> for AuthDeveloper {
    type Rejection = ApiError;

    #[tracing::instrument(name = "authenticate", skip_all)]
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let dev_id = header_text(&parts.headers, DEV_ID_HEADER).ok_or(ApiError::Unauthorized)?;
        let api_key = header_text(&parts.headers, API_KEY_HEADER).ok_or(ApiError::Unauthorized)?;
        let dev_id = DeveloperId::parse(dev_id).map_err(|_| ApiError::Unauthorized)?;
        let developer = state
            .store
            .find_developer(&dev_id)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        if !api_key_matches(api_key, &developer.api_key_hash) {
            return Err(ApiError::Unauthorized);
        }
        Ok(AuthDeveloper(developer))
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
