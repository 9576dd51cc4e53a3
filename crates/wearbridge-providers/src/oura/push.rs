//! Oura webhook notifications (providers.md §2.4, §0.3): the verification handshake, the
//! signature check and the notification body. Pure functions; the server's push route
//! does the IO.
//!
//! Oura notifications are notify-only: they name a document (`data_type`, `object_id`),
//! which is then fetched from `/v2/usercollection/{path}/{object_id}`.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// Header carrying the signature: upper-case hex of
/// HMAC-SHA256(client_secret, x-oura-timestamp ‖ raw body).
pub const SIGNATURE_HEADER: &str = "x-oura-signature";
/// Header carrying the timestamp that is signed together with the body.
pub const TIMESTAMP_HEADER: &str = "x-oura-timestamp";

/// One notification: `{event_type, data_type, object_id, user_id, event_time}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Notification {
    /// `create`, `update` or `delete`.
    pub event_type: String,
    /// Collection name, e.g. `sleep`, `daily_activity`, `vo2_max`.
    pub data_type: String,
    pub object_id: String,
    /// Oura's user id (the `id` of personal_info, our provider_user_id).
    pub user_id: String,
    /// RFC 3339 with nanoseconds; kept as text (only logged).
    #[serde(default)]
    pub event_time: Option<String>,
}

/// Why a push request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    #[error("missing or malformed {SIGNATURE_HEADER} / {TIMESTAMP_HEADER}")]
    MissingSignature,
    #[error("signature does not match")]
    BadSignature,
    #[error("notification body: {0}")]
    Body(String),
}

/// Checks `signature` (hex, either case) over `timestamp ‖ body` with the app's client
/// secret, in constant time (`hmac`'s `verify_slice`).
pub fn verify_signature(
    client_secret: &[u8],
    timestamp: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), PushError> {
    let expected = hex::decode(signature.trim()).map_err(|_| PushError::MissingSignature)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(client_secret).map_err(|_| PushError::BadSignature)?;
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| PushError::BadSignature)
}

/// Parses a notification body.
pub fn parse_notification(body: &[u8]) -> Result<Notification, PushError> {
    serde_json::from_slice(body).map_err(|error| PushError::Body(error.to_string()))
}

/// The collection path of a notification's document: Oura's path for `vo2_max` is
/// `vO2_max` (capital O), every other data type is its own path.
pub fn document_path(notification: &Notification) -> String {
    let collection = match notification.data_type.as_str() {
        "vo2_max" => "vO2_max",
        other => other,
    };
    format!("v2/usercollection/{collection}/{}", notification.object_id)
}

/// The handshake answer: `Some({"challenge": ...})` when `verification_token` matches the
/// one we registered the subscription with, else `None` (answer 401).
pub fn handshake(
    expected_token: &str,
    verification_token: &str,
    challenge: &str,
) -> Option<serde_json::Value> {
    let matches: bool = expected_token.len() == verification_token.len()
        && expected_token
            .bytes()
            .zip(verification_token.bytes())
            .fold(0_u8, |diff, (a, b)| diff | (a ^ b))
            == 0;
    matches.then(|| serde_json::json!({ "challenge": challenge }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"client-secret";
    const BODY: &[u8] = br#"{"event_type":"create","data_type":"vo2_max","object_id":"abc","user_id":"u1","event_time":"2024-11-11T10:00:00.123456789+00:00"}"#;

    fn sign(timestamp: &str, body: &[u8]) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(SECRET) else {
            panic!("any key length works");
        };
        mac.update(timestamp.as_bytes());
        mac.update(body);
        hex::encode_upper(mac.finalize().into_bytes())
    }

    #[test]
    fn a_correct_upper_hex_signature_verifies() {
        let signature = sign("1731319200", BODY);
        assert!(signature.chars().all(|c| !c.is_ascii_lowercase()));
        assert_eq!(
            verify_signature(SECRET, "1731319200", BODY, &signature),
            Ok(())
        );
    }

    #[test]
    fn tampered_body_timestamp_or_secret_fail() {
        let signature = sign("1731319200", BODY);
        assert_eq!(
            verify_signature(SECRET, "1731319201", BODY, &signature),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            verify_signature(SECRET, "1731319200", b"{}", &signature),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            verify_signature(b"other", "1731319200", BODY, &signature),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            verify_signature(SECRET, "1731319200", BODY, "not hex"),
            Err(PushError::MissingSignature)
        );
    }

    #[test]
    fn notification_names_the_document_with_oura_path_spelling() {
        let Ok(notification) = parse_notification(BODY) else {
            panic!("body parses");
        };
        assert_eq!(notification.user_id, "u1");
        assert_eq!(
            document_path(&notification),
            "v2/usercollection/vO2_max/abc"
        );
        assert!(parse_notification(b"[]").is_err());
    }

    #[test]
    fn handshake_echoes_the_challenge_only_for_our_token() {
        assert_eq!(
            handshake("tok", "tok", "c-1"),
            Some(serde_json::json!({"challenge": "c-1"}))
        );
        assert_eq!(handshake("tok", "tox", "c-1"), None);
        assert_eq!(handshake("tok", "tok2", "c-1"), None);
    }
}
