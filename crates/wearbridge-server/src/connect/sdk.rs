//! Mobile-SDK connections: `generateAuthToken` issues a short-lived single-use token; the
//! app on the device exchanges it for a user of an SDK provider (Apple Health, Samsung
//! Health, Health Connect), which holds no OAuth tokens on our side. Ingesting the phone's
//! data comes with a later issue.

use wearbridge_store::ids::DeveloperId;
use wearbridge_store::{NewUser, User};

use super::{ConnectError, SDK_TOKEN_TTL};
use crate::clock::micros;
use crate::events;
use crate::secrets::{random_secret, secret_hash};
use crate::services::Services;

/// Terra's ids of the providers reachable only through the mobile SDKs (terra-api-notes F).
pub const SDK_PROVIDERS: [&str; 3] = ["APPLE", "SAMSUNG", "HEALTH_CONNECT"];

/// Why a device could not exchange its token.
#[derive(Debug, thiserror::Error)]
pub enum SdkConnectError {
    #[error("the auth token is unknown, already used or expired")]
    InvalidToken,
    #[error("{0:?} is not an SDK provider (expected one of APPLE, SAMSUNG, HEALTH_CONNECT)")]
    NotAnSdkProvider(String),
    #[error(transparent)]
    Connect(#[from] ConnectError),
}

/// Issues a token for `dev`; returns it with its lifetime in seconds.
pub async fn generate_token(
    services: &Services,
    dev: &DeveloperId,
) -> Result<(String, u64), ConnectError> {
    let token = random_secret();
    let now = services.now_micros();
    services
        .store
        .insert_sdk_auth_token(
            &secret_hash(&token),
            dev,
            now,
            now.saturating_add(micros(SDK_TOKEN_TTL)),
        )
        .await?;
    Ok((token, SDK_TOKEN_TTL.as_secs()))
}

/// Consumes `token` and creates the device's user, with an `auth` success event.
pub async fn connect_device(
    services: &Services,
    token: &str,
    provider: &str,
    reference_id: Option<String>,
) -> Result<User, SdkConnectError> {
    let provider = SDK_PROVIDERS
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(provider))
        .ok_or_else(|| SdkConnectError::NotAnSdkProvider(provider.to_owned()))?;
    let consumed = services
        .store
        .consume_sdk_auth_token(&secret_hash(token))
        .await
        .map_err(ConnectError::from)?
        .filter(|found| found.expires_at > services.now_micros())
        .ok_or(SdkConnectError::InvalidToken)?;
    let dev = consumed.developer_id;
    let mut tx = services.store.begin().await.map_err(ConnectError::from)?;
    let user = tx
        .create_user(
            &dev,
            NewUser {
                provider: provider.to_owned(),
                provider_user_id: None,
                reference_id: reference_id.filter(|text| !text.is_empty()),
                scopes: None,
            },
        )
        .await
        .map_err(ConnectError::from)?;
    let event = events::auth_success(&user, None).map_err(ConnectError::from)?;
    tx.append_event(&event).await.map_err(ConnectError::from)?;
    tx.commit().await.map_err(ConnectError::from)?;
    Ok(user)
}
