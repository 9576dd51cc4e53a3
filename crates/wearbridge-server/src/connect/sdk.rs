//! Mobile-SDK connections: `generateAuthToken` issues a short-lived single-use token; the
//! app on the device exchanges it for a user of an SDK provider (Apple Health, Samsung
//! Health, Health Connect), which holds no OAuth tokens on our side, and receives that
//! user's ingest credential: what it presents to post the phone's data
//! (`routes/sdk_ingest.rs`) without ever holding the developer's API key.

use wearbridge_providers::sdk::{sdk_provider, sdk_provider_list};
use wearbridge_store::ids::DeveloperId;
use wearbridge_store::{NewUser, User};

use super::{ConnectError, SDK_TOKEN_TTL};
use crate::clock::micros;
use crate::events;
use crate::secrets::{random_secret, secret_hash};
use crate::services::Services;

/// Why a device could not exchange its token.
#[derive(Debug, thiserror::Error)]
pub enum SdkConnectError {
    #[error("the auth token is unknown, already used or expired")]
    InvalidToken,
    #[error("{0:?} is not an SDK provider (expected one of {list})", list = sdk_provider_list())]
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

/// A device's new connection: its user and the ingest credential (shown once; only its
/// hash is stored).
#[derive(Debug)]
pub struct DeviceConnection {
    pub user: User,
    pub ingest_token: String,
}

/// Consumes `token` and creates the device's user and its ingest credential, with an
/// `auth` success event, in one transaction. `provider` may be an alias
/// (`HEALTH_CONNECT`); the user gets Terra's id (`GOOGLEFIT`).
pub async fn connect_device(
    services: &Services,
    token: &str,
    provider: &str,
    reference_id: Option<String>,
) -> Result<DeviceConnection, SdkConnectError> {
    let provider = sdk_provider(provider)
        .ok_or_else(|| SdkConnectError::NotAnSdkProvider(provider.to_owned()))?
        .id;
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
    let ingest_token = random_secret();
    tx.insert_sdk_credential(
        &secret_hash(&ingest_token),
        &dev,
        &user.id,
        services.now_micros(),
    )
    .await
    .map_err(ConnectError::from)?;
    let event = events::auth_success(&user, None).map_err(ConnectError::from)?;
    tx.append_event(&event).await.map_err(ConnectError::from)?;
    tx.commit().await.map_err(ConnectError::from)?;
    Ok(DeviceConnection { user, ingest_token })
}

/// The live user whose ingest credential is `token`; `None` when the token is unknown or
/// its user was deauthenticated.
pub async fn credential_user(
    services: &Services,
    token: &str,
) -> Result<Option<User>, ConnectError> {
    Ok(services
        .store
        .sdk_credential_user(&secret_hash(token))
        .await?)
}
