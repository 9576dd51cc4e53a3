//! Provider push notifications: verify, then turn each notification into a fetch job.
//!
//! Only SANDBOX has an adapter in this build, and the simulator has no push of its own,
//! so SANDBOX's push format is defined here (notify-only, like Fitbit's and Oura's):
//!
//! ```json
//! {"notifications": [{"user_id": "<provider account>", "data_type": "daily",
//!                     "start_date": "2026-01-01", "end_date": "2026-01-01"}]}
//! ```
//!
//! signed with `x-sandbox-signature: sha256=<hex HMAC-SHA256(client_secret, raw body)>`
//! (the provider app's client secret, as Fitbit signs with its). The verification
//! handshake is `GET ...?challenge=X`, answered with `X` as text; `HEAD` answers 200.
//! Another provider adds a branch to [`handshake`] and [`accept`].

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::Sha256;
use wearbridge_model::DataType;
use wearbridge_providers::FetchRange;
use wearbridge_store::StoreError;

use crate::connect::oauth::adapter;
use crate::state::AppState;
use crate::sync::fetch::enqueue_fetch;

/// Header carrying SANDBOX's body signature.
pub const SANDBOX_SIGNATURE_HEADER: &str = "x-sandbox-signature";
/// Most notifications accepted per request (a provider batches; more is abuse).
pub const MAX_NOTIFICATIONS: usize = 1_000;
/// Longest range one notification may ask for: a notification announces new data, not
/// a backfill.
pub const MAX_NOTIFIED_DAYS: i64 = 31;

/// Why a push was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("unknown provider {0}")]
    UnknownProvider(String),
    #[error("provider {0} does not push notifications")]
    NoPush(String),
    #[error("missing or invalid signature")]
    BadSignature,
    #[error("malformed notification: {0}")]
    Malformed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a push did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushOutcome {
    pub notifications: usize,
    /// Fetch jobs queued (a notification for an unknown account queues none; one already
    /// queued is not queued again).
    pub queued: usize,
}

#[derive(Debug, Deserialize)]
struct SandboxPush {
    notifications: Vec<SandboxNotification>,
}

#[derive(Debug, Deserialize)]
struct SandboxNotification {
    user_id: String,
    data_type: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
}

fn is_sandbox(provider: &str) -> bool {
    provider.eq_ignore_ascii_case("SANDBOX")
}

/// The answer to a provider's verification handshake, if it sent one.
pub fn handshake(provider: &str, challenge: Option<&str>) -> Result<Option<String>, PushError> {
    if !is_sandbox(provider) {
        return Err(PushError::NoPush(provider.to_ascii_uppercase()));
    }
    Ok(challenge.map(str::to_owned))
}

/// Verifies and queues a push body. Cheap by design (one signature check, one lookup and
/// one insert per notification), so the provider gets its acknowledgement fast.
pub async fn accept(
    state: &AppState,
    provider: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<PushOutcome, PushError> {
    if state.providers.info(provider).is_none() {
        return Err(PushError::UnknownProvider(provider.to_owned()));
    }
    if !is_sandbox(provider) {
        return Err(PushError::NoPush(provider.to_ascii_uppercase()));
    }
    let (_, ctx) = adapter(state, provider).map_err(|_| PushError::NoPush(provider.to_owned()))?;
    verify_signature(ctx.creds.client_secret.expose_secret(), signature, body)?;
    let push: SandboxPush =
        serde_json::from_slice(body).map_err(|error| PushError::Malformed(error.to_string()))?;
    if push.notifications.len() > MAX_NOTIFICATIONS {
        return Err(PushError::Malformed(format!(
            "at most {MAX_NOTIFICATIONS} notifications per request"
        )));
    }
    let mut outcome = PushOutcome::default();
    for (index, notification) in push.notifications.iter().enumerate() {
        let (data_type, range) = validated(notification, index)?;
        outcome.notifications += 1;
        let users = state
            .store
            .users_for_provider_account("SANDBOX", &notification.user_id)
            .await?;
        for user in users.iter().filter(|user| user.active) {
            if enqueue_fetch(state, user, data_type, range).await? {
                outcome.queued += 1;
            }
        }
    }
    Ok(outcome)
}

fn validated(
    notification: &SandboxNotification,
    index: usize,
) -> Result<(DataType, FetchRange), PushError> {
    let malformed =
        |message: &str| PushError::Malformed(format!("notifications[{index}]: {message}"));
    let data_type: DataType = notification
        .data_type
        .parse()
        .map_err(|_| malformed("unknown data_type"))?;
    let days = (notification.end_date - notification.start_date).num_days();
    if !(0..MAX_NOTIFIED_DAYS).contains(&days) {
        return Err(malformed(
            "end_date must be on or after start_date, within 31 days",
        ));
    }
    let range = FetchRange {
        start: notification.start_date,
        end: notification.end_date,
    };
    Ok((data_type, range))
}

/// `sha256=<hex>` of HMAC-SHA256(secret, body), compared in constant time by `hmac`.
fn verify_signature(secret: &str, header: Option<&str>, body: &[u8]) -> Result<(), PushError> {
    let hex_digest = header
        .and_then(|value| value.strip_prefix("sha256="))
        .ok_or(PushError::BadSignature)?;
    let expected = hex::decode(hex_digest).map_err(|_| PushError::BadSignature)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| PushError::BadSignature)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| PushError::BadSignature)
}

/// The signature header value for `body` (tests and provider-side tooling).
pub fn sandbox_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC accepts keys of any length; this arm cannot be taken.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_same_secret_and_body() {
        let body = br#"{"notifications":[]}"#;
        let header = sandbox_signature("secret", body);
        assert!(verify_signature("secret", Some(&header), body).is_ok());
        assert!(verify_signature("other", Some(&header), body).is_err());
        assert!(verify_signature("secret", Some(&header), b"{}").is_err());
        assert!(verify_signature("secret", None, body).is_err());
        assert!(verify_signature("secret", Some("sha256=zz"), body).is_err());
    }

    #[test]
    fn notifications_are_validated() {
        let notification = |data_type: &str, start: &str, end: &str| SandboxNotification {
            user_id: "alice".to_owned(),
            data_type: data_type.to_owned(),
            start_date: start.parse().unwrap_or_default(),
            end_date: end.parse().unwrap_or_default(),
        };
        assert!(validated(&notification("daily", "2026-01-01", "2026-01-01"), 0).is_ok());
        assert!(validated(&notification("steps", "2026-01-01", "2026-01-01"), 0).is_err());
        assert!(validated(&notification("sleep", "2026-01-02", "2026-01-01"), 0).is_err());
        assert!(validated(&notification("sleep", "2026-01-01", "2026-03-01"), 0).is_err());
    }
}
