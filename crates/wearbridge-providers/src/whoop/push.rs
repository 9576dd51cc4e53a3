//! WHOOP webhooks (providers.md §7.4, §0.3): the signature check and the notification body.
//! Pure functions; the server's push route does the IO.
//!
//! WHOOP has no handshake (the URL is set in the developer dashboard) and sends
//! notify-only events: `{user_id, id, type, trace_id}` naming one sleep, workout or
//! recovery that changed; the adapter then fetches it from the REST API.

use chrono::{DateTime, Days};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer};
use sha2::Sha256;
use wearbridge_model::DataType;

use crate::FetchRange;
use crate::push::PushItem;

/// Days fetched before the day a notification was sent: WHOOP notifies when it finishes
/// scoring, minutes to hours after the sleep or workout, which may have started the
/// previous evening; one more day covers any UTC offset.
const DAYS_BEFORE: u64 = 2;
/// Days after: the send day in UTC may be the previous local day east of Greenwich.
const DAYS_AFTER: u64 = 1;

/// Header carrying base64(HMAC-SHA256(client secret, timestamp ‖ raw body)).
pub const SIGNATURE_HEADER: &str = "x-whoop-signature";
/// Header carrying the timestamp (epoch milliseconds) that is signed with the body.
pub const TIMESTAMP_HEADER: &str = "x-whoop-signature-timestamp";

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Notification {
    /// WHOOP's user id (an integer on the wire): our provider_user_id.
    #[serde(deserialize_with = "id_text")]
    pub user_id: String,
    /// The changed object: a UUID in v2 (for `recovery.*`, the id of the related sleep),
    /// an integer in v1.
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    /// `workout.updated`, `sleep.deleted`, `recovery.updated`, ...
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub trace_id: Option<String>,
}

fn id_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Integer(i64),
        Unsigned(u64),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(text) => text,
        Id::Integer(number) => number.to_string(),
        Id::Unsigned(number) => number.to_string(),
    })
}

/// What a notification asks us to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The Terra data types whose records the change affects.
    pub data_types: &'static [DataType],
    /// True for `*.deleted`.
    pub deleted: bool,
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

/// Checks `signature` (standard base64, padded) over `timestamp ‖ body` with the app's
/// client secret. The comparison is over the decoded MAC, in constant time
/// (`hmac`'s `verify_slice`).
pub fn verify_signature(
    client_secret: &[u8],
    timestamp: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), PushError> {
    let timestamp = timestamp.trim();
    if timestamp.is_empty() {
        return Err(PushError::MissingSignature);
    }
    let expected = base64_decode(signature.trim()).ok_or(PushError::MissingSignature)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(client_secret).map_err(|_| PushError::BadSignature)?;
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| PushError::BadSignature)
}

/// The signature WHOOP sends for `timestamp ‖ body` (used by tests and the simulator's
/// counterpart; the server only verifies).
pub fn sign(client_secret: &[u8], timestamp: &str, body: &[u8]) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(client_secret).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(body);
    Some(base64_encode(&mac.finalize().into_bytes()))
}

/// Parses a notification body.
pub fn parse_notification(body: &[u8]) -> Result<Notification, PushError> {
    serde_json::from_slice(body).map_err(|error| PushError::Body(error.to_string()))
}

/// The Terra data types a notification type touches; `None` for types WHOOP may add later.
/// A recovery feeds the Body record of its morning and the Daily of its cycle.
pub fn event(kind: &str) -> Option<Event> {
    let (object, action) = kind.split_once('.')?;
    let deleted = match action {
        "updated" | "created" => false,
        "deleted" => true,
        _ => return None,
    };
    let data_types: &'static [DataType] = match object {
        "workout" => &[DataType::Activity],
        // A new sleep closes the previous cycle, which WHOOP then scores: cycles have no
        // webhook of their own, so this is when the day's strain and energy become final.
        "sleep" => &[DataType::Sleep, DataType::Daily],
        "recovery" => &[DataType::Body, DataType::Daily],
        _ => return None,
    };
    Some(Event {
        data_types,
        deleted,
    })
}

/// The fetches a verified notification asks for. WHOOP names the object but not its date,
/// so the range is the days around the send time (`timestamp_ms`, the signed
/// `X-WHOOP-Signature-Timestamp`): no clock needed. Deletions and unknown types ask for
/// nothing (records are not deleted through push, and re-fetching cannot remove one).
pub fn items(notification: &Notification, timestamp_ms: &str) -> Result<Vec<PushItem>, PushError> {
    let Some(event) = event(&notification.kind).filter(|event| !event.deleted) else {
        return Ok(Vec::new());
    };
    let sent = timestamp_ms
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .ok_or(PushError::MissingSignature)?
        .date_naive();
    let range = FetchRange {
        start: sent
            .checked_sub_days(Days::new(DAYS_BEFORE))
            .unwrap_or(sent),
        end: sent.checked_add_days(Days::new(DAYS_AFTER)).unwrap_or(sent),
    };
    Ok(event
        .data_types
        .iter()
        .map(|data_type| PushItem::Fetch {
            provider_user_id: notification.user_id.clone(),
            data_type: *data_type,
            range,
        })
        .collect())
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4).
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18_u32, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                let sextet = usize::try_from((n >> shift) & 63).unwrap_or(0);
                out.push(char::from(BASE64.get(sextet).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional); `None` for anything else.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    if text.len() - trimmed.len() > 2 || trimmed.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0_u32;
    for byte in trimmed.bytes() {
        let value = BASE64.iter().position(|c| *c == byte)?;
        buffer = (buffer << 6) | u32::try_from(value).ok()?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xFF).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"client-secret";
    const BODY: &[u8] = br#"{"user_id":10129,"id":"ecfc6a15-4661-442f-a9a4-f160dd7afae8","type":"workout.updated","trace_id":"e369c784-5100-49e8-8098-75d35c47b31b"}"#;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded), Some(plain.as_bytes().to_vec()));
        }
        assert_eq!(base64_decode("Zg"), Some(b"f".to_vec()));
        assert_eq!(base64_decode("Z"), None);
        assert_eq!(base64_decode("Zm9v!"), None);
        assert_eq!(base64_decode("Zg==="), None);
    }

    #[test]
    fn a_correct_signature_verifies_and_tampering_fails() {
        let Some(signature) = sign(SECRET, "1700000000000", BODY) else {
            panic!("any key length works");
        };
        assert_eq!(
            verify_signature(SECRET, "1700000000000", BODY, &signature),
            Ok(())
        );
        assert_eq!(
            verify_signature(SECRET, "1700000000001", BODY, &signature),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            verify_signature(SECRET, "1700000000000", b"{}", &signature),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            verify_signature(b"other", "1700000000000", BODY, &signature),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            verify_signature(SECRET, "", BODY, &signature),
            Err(PushError::MissingSignature)
        );
        assert_eq!(
            verify_signature(SECRET, "1700000000000", BODY, "not base64!"),
            Err(PushError::MissingSignature)
        );
    }

    #[test]
    fn notification_ids_are_text_and_types_name_terra_types() {
        let Ok(notification) = parse_notification(BODY) else {
            panic!("body parses");
        };
        assert_eq!(notification.user_id, "10129");
        assert_eq!(notification.id, "ecfc6a15-4661-442f-a9a4-f160dd7afae8");
        assert_eq!(
            event(&notification.kind),
            Some(Event {
                data_types: &[DataType::Activity],
                deleted: false
            })
        );
        assert_eq!(
            event("recovery.deleted").map(|e| (e.data_types, e.deleted)),
            Some((&[DataType::Body, DataType::Daily][..], true))
        );
        assert_eq!(
            event("sleep.updated").map(|e| e.data_types),
            Some(&[DataType::Sleep, DataType::Daily][..])
        );
        assert_eq!(event("cycle.updated"), None);
        assert_eq!(event("workout"), None);
        assert!(parse_notification(b"[]").is_err());
    }

    #[test]
    fn items_fetch_the_days_around_the_send_time() {
        let Ok(notification) = parse_notification(BODY) else {
            panic!("body parses");
        };
        // 2023-11-14T22:13:20Z.
        let Ok(items) = items(&notification, "1700000000000") else {
            panic!("timestamp parses");
        };
        let (Some(start), Some(end)) = (
            chrono::NaiveDate::from_ymd_opt(2023, 11, 12),
            chrono::NaiveDate::from_ymd_opt(2023, 11, 15),
        ) else {
            panic!("valid dates");
        };
        assert_eq!(
            items,
            vec![PushItem::Fetch {
                provider_user_id: "10129".to_owned(),
                data_type: DataType::Activity,
                range: FetchRange { start, end },
            }]
        );
        let deleted = Notification {
            kind: "workout.deleted".to_owned(),
            ..notification.clone()
        };
        assert_eq!(items_of(&deleted), Some(0));
        let recovery = Notification {
            kind: "recovery.updated".to_owned(),
            ..notification.clone()
        };
        assert_eq!(items_of(&recovery), Some(2));
        assert_eq!(
            super::items(&notification, "yesterday"),
            Err(PushError::MissingSignature)
        );
    }

    fn items_of(notification: &Notification) -> Option<usize> {
        super::items(notification, "1700000000000")
            .ok()
            .map(|items| items.len())
    }
}
