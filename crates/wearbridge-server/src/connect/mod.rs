//! The connect flow, server side: widget sessions, the OAuth engine (single-use `state`
//! and PKCE kept server-side), the encrypted token vault with serialised refresh,
//! deauthentication, mobile-SDK auth tokens, and the connection events.
//!
//! Flow (terra-api-notes C): a session ([`sessions`]) offers providers; choosing one
//! ([`oauth::begin`]) stores a `state` and redirects to the provider; the provider
//! redirects back to `/v2/auth/callback/{provider}` ([`oauth::complete`]), which creates
//! the user, stores its tokens ([`vault`]), appends the `auth` event and queues the
//! backfill in one transaction.

pub mod deauth;
pub mod oauth;
pub mod sdk;
pub mod sessions;
pub mod vault;

use std::time::Duration;

use wearbridge_providers::ProviderError;
use wearbridge_store::StoreError;

use crate::crypto::CryptoError;
use crate::error::ApiError;

/// Lifetime of a widget session: 900 s in every Terra example and SDK default.
pub const SESSION_TTL: Duration = Duration::from_secs(900);
/// Lifetime of an OAuth `state`: long enough to log in at a provider, short enough that a
/// leaked authorize URL is soon useless.
pub const OAUTH_STATE_TTL: Duration = Duration::from_secs(600);
/// Lifetime of a mobile-SDK auth token: 180 s per Terra's docs.
pub const SDK_TOKEN_TTL: Duration = Duration::from_secs(180);

/// Everything the connect flow can fail with, before it becomes an HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unknown provider {0:?}")]
    UnknownProvider(String),
    #[error("providers: unknown provider {0:?}")]
    UnknownProviderInList(String),
    #[error("provider {0} is not enabled on this deployment")]
    ProviderNotEnabled(String),
    #[error(
        "{0} is a mobile-SDK provider: its data comes from the phone (generateAuthToken, the SDK's connection, then POST /wearbridge/v1/sdk/data/{{type}}), not from a web authorization"
    )]
    SdkOnly(String),
    #[error("provider {0} is not offered by this session")]
    ProviderNotInSession(String),
    #[error("{field} must be an absolute URL ({reason})")]
    InvalidRedirectUrl { field: &'static str, reason: String },
    #[error("widget session not found")]
    SessionNotFound,
    #[error("widget session expired")]
    SessionExpired,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("cannot encode an event body: {0}")]
    Encode(#[from] serde_json::Error),
}

impl From<ConnectError> for ApiError {
    fn from(error: ConnectError) -> ApiError {
        match error {
            ConnectError::UnknownProvider(_) | ConnectError::SessionNotFound => {
                ApiError::not_found(error.to_string())
            }
            ConnectError::ProviderNotEnabled(_)
            | ConnectError::SdkOnly(_)
            | ConnectError::UnknownProviderInList(_)
            | ConnectError::ProviderNotInSession(_)
            | ConnectError::InvalidRedirectUrl { .. }
            | ConnectError::SessionExpired => ApiError::bad_request(error.to_string()),
            other => ApiError::internal(other),
        }
    }
}
