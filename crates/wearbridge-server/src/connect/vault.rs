//! The token vault: provider tokens encrypted at rest with the server's cipher
//! (AES-256-GCM, versioned keys), and access tokens handed out fresh, refreshing them
//! at most once at a time per connection.
//!
//! Refresh protocol (refresh tokens rotate and are single-use): take the connection's
//! refresh lease (compare-and-swap on its `version`), call the provider, store the new
//! tokens with a second compare-and-swap *before* using them, so a crash after the call
//! can at worst lose tokens the provider issued, never reuse a spent refresh token. A
//! caller that loses the race waits for the winner's tokens instead of refreshing again.

use std::time::Duration;

use chrono::DateTime;
use secrecy::{ExposeSecret, SecretString};
use wearbridge_providers::{Provider, ProviderCtx, ProviderError, TokenSet};
use wearbridge_store::connections::{Connection, NewTokens};
use wearbridge_store::ids::{DeveloperId, UserId};

use super::ConnectError;
use crate::clock::micros;
use crate::crypto::Cipher;
use crate::services::Services;

/// An access token this close to expiry is refreshed before use, so it does not expire
/// in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// How long one node may hold the refresh lease; a crashed holder blocks others this long.
const REFRESH_LEASE: Duration = Duration::from_secs(30);
/// Pause between looks at a connection another node is refreshing.
const REFRESH_POLL: Duration = Duration::from_millis(100);
/// Looks before giving up on another node's refresh: a little longer than the lease.
const REFRESH_POLLS: u32 = 350;

/// A usable access token and the connection version it belongs to (pass the version back
/// as `rejected` when the provider refuses the token).
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: SecretString,
    pub version: i64,
}

/// Encrypts tokens for storage.
pub fn seal(cipher: &Cipher, tokens: &TokenSet) -> Result<NewTokens, ConnectError> {
    Ok(NewTokens {
        access_token_enc: cipher.encrypt_str(tokens.access_token.expose_secret())?,
        refresh_token_enc: tokens
            .refresh_token
            .as_ref()
            .map(|token| cipher.encrypt_str(token.expose_secret()))
            .transpose()?,
        expires_at: tokens.expires_at.map(|at| at.timestamp_micros()),
        scopes: tokens.scopes.clone(),
    })
}

/// Decrypts a stored connection.
pub fn open(cipher: &Cipher, connection: &Connection) -> Result<TokenSet, ConnectError> {
    Ok(TokenSet {
        access_token: SecretString::from(cipher.decrypt_str(&connection.access_token_enc)?),
        refresh_token: connection
            .refresh_token_enc
            .as_deref()
            .map(|token| cipher.decrypt_str(token).map(SecretString::from))
            .transpose()?,
        expires_at: connection
            .expires_at
            .and_then(DateTime::from_timestamp_micros),
        scopes: connection.scopes.clone(),
        // The account id is on the user row; callers put it on the ProviderCtx.
        provider_user_id: None,
    })
}

/// An access token for `user` that the provider should accept: the stored one while it is
/// not about to expire and was not `rejected` (the version a provider refused), else a
/// refreshed one.
pub async fn access_token(
    services: &Services,
    provider: &dyn Provider,
    ctx: &ProviderCtx,
    dev: &DeveloperId,
    user: &UserId,
    rejected: Option<i64>,
) -> Result<AccessToken, ConnectError> {
    for _ in 0..REFRESH_POLLS {
        let connection = services
            .store
            .get_connection(dev, user)
            .await?
            .ok_or_else(|| ProviderError::InvalidGrant("no stored tokens".to_owned()))?;
        if !needs_refresh(services, &connection, rejected) {
            let tokens = open(&services.cipher, &connection)?;
            return Ok(AccessToken {
                token: tokens.access_token,
                version: connection.version,
            });
        }
        if let Some(fresh) = try_refresh(services, provider, ctx, &connection).await? {
            return Ok(fresh);
        }
        tokio::time::sleep(REFRESH_POLL).await;
    }
    Err(
        ProviderError::Transient("token refresh held by another worker for too long".to_owned())
            .into(),
    )
}

fn needs_refresh(services: &Services, connection: &Connection, rejected: Option<i64>) -> bool {
    if rejected.is_some_and(|version| connection.version <= version) {
        return true;
    }
    let deadline = services.now_micros().saturating_add(micros(EXPIRY_MARGIN));
    connection
        .expires_at
        .is_some_and(|expires| expires <= deadline)
}

/// Refreshes under the lease; `None` when another caller holds the lease or stored newer
/// tokens first (the caller looks again).
#[tracing::instrument(
    name = "provider.refresh",
    skip_all,
    fields(provider = %provider.info().id, user.id = %connection.user_id)
)]
async fn try_refresh(
    services: &Services,
    provider: &dyn Provider,
    ctx: &ProviderCtx,
    connection: &Connection,
) -> Result<Option<AccessToken>, ConnectError> {
    let Some(refresh_enc) = connection.refresh_token_enc.as_deref() else {
        // Refused or expired, with no refresh token to renew it (Polar issues none): the
        // grant cannot be renewed, so the user must reconnect (`access_revoked`).
        return Err(ProviderError::InvalidGrant(
            "access token refused or expired and no refresh token to renew it".to_owned(),
        )
        .into());
    };
    let user = &connection.user_id;
    let locked = services
        .store
        .try_lock_refresh(
            user,
            connection.version,
            REFRESH_LEASE,
            services.now_micros(),
        )
        .await?;
    if !locked {
        return Ok(None);
    }
    let refresh_token = SecretString::from(services.cipher.decrypt_str(refresh_enc)?);
    let fresh = match provider.refresh(ctx, &refresh_token).await {
        Ok(fresh) => fresh,
        Err(error) => {
            services
                .store
                .unlock_refresh(user, connection.version)
                .await?;
            return Err(error.into());
        }
    };
    let sealed = seal(&services.cipher, &fresh)?;
    if !services
        .store
        .store_refreshed_tokens(user, connection.version, &sealed)
        .await?
    {
        return Ok(None);
    }
    Ok(Some(AccessToken {
        token: fresh.access_token,
        version: connection.version.saturating_add(1),
    }))
}
