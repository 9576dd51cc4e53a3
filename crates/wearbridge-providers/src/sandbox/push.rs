//! SANDBOX push (notify-only, like Fitbit's and Oura's). The simulator has no push of its
//! own for SANDBOX, so the format is ours:
//!
//! ```json
//! {"notifications": [{"user_id": "<provider account>", "data_type": "daily",
//!                     "start_date": "2026-01-01", "end_date": "2026-01-01"}]}
//! ```
//!
//! signed with `x-sandbox-signature: sha256=<hex HMAC-SHA256(client_secret, raw body)>`
//! (the provider app's client secret, as Fitbit signs with its). The verification
//! handshake is `GET ...?challenge=X`, answered with `X` as text; `HEAD` answers 200.

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use wearbridge_model::DataType;

use crate::FetchRange;
use crate::push::{
    MAX_NOTIFICATIONS, PushAnswer, PushError, PushItem, PushRequest, check_notified_range,
};

/// Header carrying SANDBOX's body signature.
pub const SIGNATURE_HEADER: &str = "x-sandbox-signature";

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

/// Handles one push-endpoint request (see the module docs for the format).
pub fn handle(secret: &str, request: &PushRequest<'_>) -> Result<PushAnswer, PushError> {
    match request.method {
        "GET" | "HEAD" => Ok(PushAnswer::Handshake {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: request.query_param("challenge").unwrap_or_default(),
        }),
        "POST" => {
            verify_signature(secret, request.header(SIGNATURE_HEADER), request.body)?;
            parse(request.body).map(PushAnswer::Items)
        }
        other => Err(PushError::NotSupported(other.to_owned())),
    }
}

fn parse(body: &[u8]) -> Result<Vec<PushItem>, PushError> {
    let push: SandboxPush =
        serde_json::from_slice(body).map_err(|error| PushError::Malformed(error.to_string()))?;
    if push.notifications.len() > MAX_NOTIFICATIONS {
        return Err(PushError::Malformed(format!(
            "at most {MAX_NOTIFICATIONS} notifications per request"
        )));
    }
    push.notifications
        .into_iter()
        .enumerate()
        .map(|(index, notification)| item(notification, index))
        .collect()
}

fn item(notification: SandboxNotification, index: usize) -> Result<PushItem, PushError> {
    let malformed =
        |message: String| PushError::Malformed(format!("notifications[{index}]: {message}"));
    let data_type: DataType = notification
        .data_type
        .parse()
        .map_err(|_| malformed(format!("unknown data_type {:?}", notification.data_type)))?;
    let range = FetchRange {
        start: notification.start_date,
        end: notification.end_date,
    };
    check_notified_range(range).map_err(|error| malformed(error.to_string()))?;
    Ok(PushItem::Fetch {
        provider_user_id: notification.user_id,
        data_type,
        range,
    })
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
pub fn signature(secret: &str, body: &[u8]) -> String {
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
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    fn post<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> PushRequest<'a> {
        PushRequest {
            method: "POST",
            headers,
            query: None,
            body,
        }
    }

    fn signed(secret: &str, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&signature(secret, body)) {
            headers.insert(SIGNATURE_HEADER, value);
        }
        headers
    }

    #[test]
    fn signatures_verify_only_with_the_same_secret_and_body() {
        let body = br#"{"notifications":[]}"#;
        let header = signature("secret", body);
        assert!(verify_signature("secret", Some(&header), body).is_ok());
        assert!(verify_signature("other", Some(&header), body).is_err());
        assert!(verify_signature("secret", Some(&header), b"{}").is_err());
        assert!(verify_signature("secret", None, body).is_err());
        assert!(verify_signature("secret", Some("sha256=zz"), body).is_err());
    }

    #[test]
    fn a_signed_notification_becomes_a_fetch() {
        let body = br#"{"notifications":[{"user_id":"alice","data_type":"daily","start_date":"2026-01-01","end_date":"2026-01-02"}]}"#;
        let headers = signed("secret", body);
        let answer = handle("secret", &post(&headers, body));
        let Ok(PushAnswer::Items(items)) = answer else {
            panic!("expected items, got {answer:?}");
        };
        assert_eq!(items.len(), 1);
        assert!(matches!(
            &items[0],
            PushItem::Fetch { provider_user_id, data_type: DataType::Daily, range }
                if provider_user_id == "alice" && (range.end - range.start).num_days() == 1
        ));
        assert_eq!(
            handle("other", &post(&headers, body)),
            Err(PushError::BadSignature)
        );
    }

    #[test]
    fn notifications_are_validated() {
        for bad in [
            r#"{"notifications":[{"user_id":"a","data_type":"steps","start_date":"2026-01-01","end_date":"2026-01-01"}]}"#,
            r#"{"notifications":[{"user_id":"a","data_type":"sleep","start_date":"2026-01-02","end_date":"2026-01-01"}]}"#,
            r#"{"notifications":[{"user_id":"a","data_type":"sleep","start_date":"2026-01-01","end_date":"2026-03-01"}]}"#,
            r#"{"nope":1}"#,
        ] {
            let headers = signed("s", bad.as_bytes());
            assert!(
                matches!(
                    handle("s", &post(&headers, bad.as_bytes())),
                    Err(PushError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_handshake_echoes_the_challenge() {
        let headers = HeaderMap::new();
        let request = PushRequest {
            method: "GET",
            headers: &headers,
            query: Some("challenge=abc%20d"),
            body: b"",
        };
        assert_eq!(
            handle("s", &request),
            Ok(PushAnswer::Handshake {
                status: 200,
                content_type: "text/plain; charset=utf-8",
                body: "abc d".to_owned()
            })
        );
    }
}
