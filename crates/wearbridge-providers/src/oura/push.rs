//! Oura webhook notifications (providers.md §2.4, §0.3): the verification handshake, the
//! signature check and the notification body. Pure functions (no IO, no clock); the
//! server's push route does the IO.
//!
//! * Handshake: when a subscription is created, Oura `GET`s the callback with
//!   `verification_token` and `challenge`; we answer `{"challenge": ...}` when the token is
//!   the one we subscribed with ([`verification_token`]).
//! * Notification: `POST` JSON `{event_type, data_type, object_id, user_id, event_time}`
//!   signed with `x-oura-signature` = upper-case hex of HMAC-SHA256(client secret,
//!   `x-oura-timestamp` ‖ raw body). Notify-only: it names a document, not its day, so we
//!   fetch the days around `event_time` (Oura notifies about 30 s after the ring syncs,
//!   and a sync carries the last few days).

use chrono::{DateTime, Days};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::Sha256;
use wearbridge_model::DataType;

use crate::push::{PushAnswer, PushError, PushItem, PushRequest, check_notified_range};
use crate::{FetchRange, ProviderCredentials};

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-oura-signature";
/// Header carrying the timestamp that is signed together with the body.
pub const TIMESTAMP_HEADER: &str = "x-oura-timestamp";
/// Days before `event_time`'s date that a notification refetches (a ring offline for a
/// couple of days syncs them all at once).
const DAYS_BEFORE_EVENT: u64 = 3;

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
    /// RFC 3339 with nanoseconds.
    #[serde(default)]
    pub event_time: Option<String>,
}

/// The Terra data type an Oura webhook `data_type` feeds, for the types this adapter maps.
pub fn terra_type(oura_data_type: &str) -> Option<DataType> {
    match oura_data_type {
        "sleep" => Some(DataType::Sleep),
        // Every collection folded into the day's Daily: the push refetches that Daily.
        "daily_activity" | "daily_readiness" | "daily_sleep" | "daily_stress" | "vo2_max"
        | "enhanced_tag" | "rest_mode_period" | "ring_configuration" => Some(DataType::Daily),
        "daily_spo2" => Some(DataType::Body),
        "workout" | "session" => Some(DataType::Activity),
        _ => None,
    }
}

/// The `verification_token` we subscribe with and expect back in the handshake: the
/// configured webhook secret, else one derived from the client secret (so the secret
/// itself never travels as a query parameter).
pub fn verification_token(creds: &ProviderCredentials) -> String {
    match &creds.webhook_secret {
        Some(secret) => secret.expose_secret().to_owned(),
        None => hmac_hex(
            creds.client_secret.expose_secret().as_bytes(),
            &[b"wearbridge oura verification token"],
        ),
    }
}

fn hmac_hex(key: &[u8], parts: &[&[u8]]) -> String {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            for part in parts {
                mac.update(part);
            }
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC accepts keys of any length; this arm cannot be taken.
        Err(_) => String::new(),
    }
}

/// Handles one request to the push endpoint.
pub fn handle(
    creds: &ProviderCredentials,
    request: &PushRequest<'_>,
) -> Result<PushAnswer, PushError> {
    match request.method {
        "GET" => {
            let token = request
                .query_param("verification_token")
                .unwrap_or_default();
            let challenge = request
                .query_param("challenge")
                .ok_or_else(|| PushError::Malformed("no challenge".to_owned()))?;
            let body = handshake(&verification_token(creds), &token, &challenge)
                .ok_or(PushError::BadSignature)?;
            Ok(PushAnswer::Handshake {
                status: 200,
                content_type: "application/json",
                body: body.to_string(),
            })
        }
        "POST" => {
            let timestamp = request
                .header(TIMESTAMP_HEADER)
                .ok_or(PushError::BadSignature)?;
            let signature = request
                .header(SIGNATURE_HEADER)
                .ok_or(PushError::BadSignature)?;
            verify_signature(
                creds.client_secret.expose_secret().as_bytes(),
                timestamp,
                request.body,
                signature,
            )?;
            let notification = parse_notification(request.body)?;
            Ok(PushAnswer::Items(items(&notification)?))
        }
        other => Err(PushError::NotSupported(other.to_owned())),
    }
}

/// What a verified notification asks for: a fetch of the days around `event_time` for
/// types we map; nothing for deletions (Terra has no delete) and unmapped types.
pub fn items(notification: &Notification) -> Result<Vec<PushItem>, PushError> {
    let Some(data_type) = terra_type(&notification.data_type) else {
        return Ok(Vec::new());
    };
    if notification.event_type == "delete" {
        return Ok(Vec::new());
    }
    let event_time = notification
        .event_time
        .as_deref()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .ok_or_else(|| PushError::Malformed("event_time is not RFC 3339".to_owned()))?;
    let day = event_time.date_naive();
    let range = FetchRange {
        start: day
            .checked_sub_days(Days::new(DAYS_BEFORE_EVENT))
            .unwrap_or(day),
        // The user's local day can be a day ahead of the UTC date.
        end: day.checked_add_days(Days::new(1)).unwrap_or(day),
    };
    check_notified_range(range)?;
    Ok(vec![PushItem::Fetch {
        provider_user_id: notification.user_id.clone(),
        data_type,
        range,
    }])
}

/// Checks `signature` (hex, either case) over `timestamp ‖ body` with the app's client
/// secret, in constant time (`hmac`'s `verify_slice`).
pub fn verify_signature(
    client_secret: &[u8],
    timestamp: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), PushError> {
    let expected = hex::decode(signature.trim()).map_err(|_| PushError::BadSignature)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(client_secret).map_err(|_| PushError::BadSignature)?;
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| PushError::BadSignature)
}

/// Parses a notification body.
pub fn parse_notification(body: &[u8]) -> Result<Notification, PushError> {
    serde_json::from_slice(body).map_err(|error| PushError::Malformed(error.to_string()))
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
/// one we registered the subscription with (compared in constant time), else `None`.
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
    use reqwest::header::{HeaderMap, HeaderValue};
    use secrecy::SecretString;

    use super::*;

    const SECRET: &[u8] = b"client-secret";
    const BODY: &[u8] = br#"{"event_type":"create","data_type":"vo2_max","object_id":"abc","user_id":"u1","event_time":"2024-11-11T10:00:00.123456789+00:00"}"#;

    fn sign(timestamp: &str, body: &[u8]) -> String {
        hmac_hex(SECRET, &[timestamp.as_bytes(), body]).to_uppercase()
    }

    fn creds(webhook_secret: Option<&str>) -> ProviderCredentials {
        ProviderCredentials {
            client_id: "app".to_owned(),
            client_secret: SecretString::from("client-secret"),
            api_base_url: None,
            auth_base_url: None,
            webhook_secret: webhook_secret.map(SecretString::from),
            api_key: None,
        }
    }

    fn post(headers: &HeaderMap, body: &[u8]) -> Result<PushAnswer, PushError> {
        let request = PushRequest {
            method: "POST",
            headers,
            query: None,
            body,
        };
        handle(&creds(None), &request)
    }

    fn signed_headers(timestamp: &str, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let (Ok(ts), Ok(sig)) = (
            HeaderValue::from_str(timestamp),
            HeaderValue::from_str(&sign(timestamp, body)),
        ) {
            headers.insert(TIMESTAMP_HEADER, ts);
            headers.insert(SIGNATURE_HEADER, sig);
        }
        headers
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
        for (secret, timestamp, body, signature) in [
            (SECRET, "1731319201", BODY, signature.as_str()),
            (SECRET, "1731319200", b"{}".as_slice(), signature.as_str()),
            (b"other".as_slice(), "1731319200", BODY, signature.as_str()),
            (SECRET, "1731319200", BODY, "not hex"),
        ] {
            assert_eq!(
                verify_signature(secret, timestamp, body, signature),
                Err(PushError::BadSignature)
            );
        }
    }

    #[test]
    fn a_signed_sleep_notification_fetches_the_days_around_the_event() {
        let body = br#"{"event_type":"create","data_type":"sleep","object_id":"abc","user_id":"u1","event_time":"2024-11-11T06:00:00.123456789+00:00"}"#;
        let answer = post(&signed_headers("1731304800", body), body);
        let Ok(PushAnswer::Items(items)) = answer else {
            panic!("accepted: {answer:?}");
        };
        assert_eq!(
            items,
            [PushItem::Fetch {
                provider_user_id: "u1".to_owned(),
                data_type: DataType::Sleep,
                range: FetchRange {
                    start: chrono::NaiveDate::from_ymd_opt(2024, 11, 8).unwrap_or_default(),
                    end: chrono::NaiveDate::from_ymd_opt(2024, 11, 12).unwrap_or_default(),
                },
            }]
        );
        // Unsigned, or signed over another body: refused.
        assert_eq!(post(&HeaderMap::new(), body), Err(PushError::BadSignature));
        assert_eq!(
            post(&signed_headers("1731304800", b"{}"), body),
            Err(PushError::BadSignature)
        );
    }

    #[test]
    fn unmapped_types_and_deletions_ask_for_nothing() {
        for body in [
            br#"{"event_type":"create","data_type":"tag","object_id":"a","user_id":"u","event_time":"2024-11-11T06:00:00Z"}"#.as_slice(),
            br#"{"event_type":"delete","data_type":"sleep","object_id":"a","user_id":"u","event_time":"2024-11-11T06:00:00Z"}"#.as_slice(),
        ] {
            assert_eq!(
                post(&signed_headers("1", body), body),
                Ok(PushAnswer::Items(Vec::new()))
            );
        }
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
    fn the_handshake_echoes_the_challenge_only_for_our_token() {
        let headers = HeaderMap::new();
        let ours = verification_token(&creds(None));
        assert_ne!(
            ours, "client-secret",
            "the secret itself is never the token"
        );
        let query = format!("verification_token={ours}&challenge=c-1");
        let request = PushRequest {
            method: "GET",
            headers: &headers,
            query: Some(&query),
            body: b"",
        };
        assert_eq!(
            handle(&creds(None), &request),
            Ok(PushAnswer::Handshake {
                status: 200,
                content_type: "application/json",
                body: r#"{"challenge":"c-1"}"#.to_owned(),
            })
        );
        let wrong = PushRequest {
            query: Some("verification_token=guess&challenge=c-1"),
            ..request
        };
        assert_eq!(handle(&creds(None), &wrong), Err(PushError::BadSignature));
        assert_eq!(verification_token(&creds(Some("configured"))), "configured");
        assert_eq!(handshake("tok", "tok2", "c-1"), None);
    }
}
