//! Developer account management: the one code path the CLI (`wearbridge developer ...`),
//! development mode and the integration tests all use.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use wearbridge_store::ids::DeveloperId;
use wearbridge_store::{NewDeveloper, Store, StoreError};

use crate::crypto::{Cipher, CryptoError};
use crate::outbound::TargetPolicy;
use crate::secrets::{generate_api_key, generate_webhook_secret, hash_api_key};

#[derive(Debug, thiserror::Error)]
pub enum DeveloperError {
    #[error("developer name must not be empty")]
    EmptyName,
    #[error("webhook url {0:?} is not an absolute http or https URL")]
    BadWebhookUrl(String),
    #[error("webhook url refused: {0}")]
    RefusedTarget(String),
    #[error("no developer with id {0}")]
    NotFound(String),
    #[error("invalid developer id {0:?}")]
    BadId(String),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Credentials of a new developer; the API key is shown only here.
#[derive(Debug)]
pub struct NewCredentials {
    pub dev_id: DeveloperId,
    pub api_key: SecretString,
    pub webhook_signing_secret: SecretString,
}

impl NewCredentials {
    /// The one JSON object `developer create` prints:
    /// `{"dev_id", "api_key", "webhook_signing_secret"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "dev_id": self.dev_id.as_str(),
            "api_key": self.api_key.expose_secret(),
            "webhook_signing_secret": self.webhook_signing_secret.expose_secret(),
        })
    }
}

/// A developer as `developer list` shows it (no secrets, not even hashes).
#[derive(Debug, Serialize)]
pub struct DeveloperSummary {
    pub dev_id: String,
    pub name: String,
    pub webhook_url: Option<String>,
    pub created_at: Option<String>,
}

/// Creates a developer with a fresh API key and webhook signing secret.
/// The webhook URL must pass the target guard `policy` ([`crate::outbound`]).
pub async fn create_developer(
    store: &Store,
    cipher: &Cipher,
    name: &str,
    (webhook_url, policy): (Option<&str>, &TargetPolicy),
) -> Result<NewCredentials, DeveloperError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DeveloperError::EmptyName);
    }
    let webhook_url = match webhook_url {
        Some(url) => Some(checked_webhook_url(url, policy).await?),
        None => None,
    };
    let api_key = generate_api_key();
    let webhook_signing_secret = generate_webhook_secret();
    let developer = store
        .create_developer(NewDeveloper {
            name: name.to_owned(),
            api_key_hash: hash_api_key(api_key.expose_secret()),
            webhook_url,
            webhook_secret_enc: cipher.encrypt_str(webhook_signing_secret.expose_secret())?,
        })
        .await?;
    Ok(NewCredentials {
        dev_id: developer.id,
        api_key,
        webhook_signing_secret,
    })
}

/// Replaces a developer's API key; the old key stops working at once.
pub async fn rotate_api_key(store: &Store, dev_id: &str) -> Result<SecretString, DeveloperError> {
    let dev_id = parse_dev_id(dev_id)?;
    let api_key = generate_api_key();
    let updated = store
        .set_api_key_hash(&dev_id, &hash_api_key(api_key.expose_secret()))
        .await?;
    if !updated {
        return Err(DeveloperError::NotFound(dev_id.to_string()));
    }
    Ok(api_key)
}

/// Sets (or with `None` clears) the webhook destination; a new URL must pass the target
/// guard `policy`.
pub async fn set_webhook_url(
    store: &Store,
    dev_id: &str,
    (url, policy): (Option<&str>, &TargetPolicy),
) -> Result<(), DeveloperError> {
    let dev_id = parse_dev_id(dev_id)?;
    let url = match url {
        Some(url) => Some(checked_webhook_url(url, policy).await?),
        None => None,
    };
    if !store.set_webhook_url(&dev_id, url.as_deref()).await? {
        return Err(DeveloperError::NotFound(dev_id.to_string()));
    }
    Ok(())
}

/// Every developer, oldest first as the store lists them.
pub async fn list_developers(store: &Store) -> Result<Vec<DeveloperSummary>, DeveloperError> {
    let developers = store.list_developers().await?;
    Ok(developers
        .into_iter()
        .map(|developer| DeveloperSummary {
            dev_id: developer.id.to_string(),
            name: developer.name,
            webhook_url: developer.webhook_url,
            created_at: crate::wire::terra_timestamp(developer.created_at),
        })
        .collect())
}

fn parse_dev_id(dev_id: &str) -> Result<DeveloperId, DeveloperError> {
    DeveloperId::parse(dev_id.trim()).map_err(|_| DeveloperError::BadId(dev_id.to_owned()))
}

/// `url` well formed and allowed by `policy` now (the send-time guard checks again).
async fn checked_webhook_url(url: &str, policy: &TargetPolicy) -> Result<String, DeveloperError> {
    let url = validate_webhook_url(url)?;
    let parsed = url::Url::parse(&url).map_err(|_| DeveloperError::BadWebhookUrl(url.clone()))?;
    policy
        .check_url(&parsed)
        .await
        .map_err(|error| DeveloperError::RefusedTarget(error.to_string()))?;
    Ok(url)
}

fn validate_webhook_url(url: &str) -> Result<String, DeveloperError> {
    match url::Url::parse(url.trim()) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(parsed.to_string())
        }
        _ => Err(DeveloperError::BadWebhookUrl(url.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_must_be_http() {
        assert!(validate_webhook_url("https://example.com/hook").is_ok());
        assert!(validate_webhook_url("http://127.0.0.1:9000/").is_ok());
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "javascript:alert(1)",
        ] {
            assert!(validate_webhook_url(bad).is_err(), "{bad:?} accepted");
        }
    }
}
