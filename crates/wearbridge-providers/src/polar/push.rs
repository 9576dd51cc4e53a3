//! Polar AccessLink webhook deliveries (providers.md §5.4, §0.3): the signature check, the
//! PING that Polar sends when a webhook is created or changed, and the notification body.
//! Pure functions; the server's push route does the IO.
//!
//! Polar's webhooks are notify-only: a notification names a user (`user_id`), an event type
//! and the data (`entity_id` for exercises, `date` for day data, `from`/`to` for SleepWise)
//! with a `url` to fetch it from.

use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use wearbridge_model::DataType;

/// Header carrying hex(HMAC-SHA256(signature_secret_key, raw body)). The key is the
/// `signature_secret_key` Polar returns once when the webhook is created.
pub const SIGNATURE_HEADER: &str = "Polar-Webhook-Signature";

/// The event types a webhook can subscribe to, as Polar spells them.
pub const EVENTS: [&str; 6] = [
    "EXERCISE",
    "SLEEP",
    "CONTINUOUS_HEART_RATE",
    "ACTIVITY_SUMMARY",
    "SLEEP_WISE_CIRCADIAN_BEDTIME",
    "SLEEP_WISE_ALERTNESS",
];

/// One delivery body: a PING (`{"event": "PING", "timestamp": ...}`) or a notification.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Notification {
    pub event: String,
    /// Polar user id (our provider_user_id, as decimal text). Absent on PING.
    #[serde(default)]
    pub user_id: Option<u64>,
    /// Hashed exercise id (EXERCISE).
    #[serde(default)]
    pub entity_id: Option<String>,
    /// `YYYY-MM-DD` (SLEEP, CONTINUOUS_HEART_RATE, ACTIVITY_SUMMARY).
    #[serde(default)]
    pub date: Option<String>,
    /// SleepWise periods.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// When Polar sent it; kept as text (only logged).
    #[serde(default)]
    pub timestamp: Option<String>,
    /// Where the new data is.
    #[serde(default)]
    pub url: Option<String>,
}

/// What a delivery asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Polar checks the URL is ours: answer 200 (nothing to fetch).
    Ping,
    /// New or changed data: fetch `data_type` for `start..=end` (local days) of the user.
    Fetch {
        provider_user_id: String,
        data_type: DataType,
        start: NaiveDate,
        end: NaiveDate,
        /// The exercise's hashed id, for EXERCISE.
        entity_id: Option<String>,
    },
    /// An event type without a Terra mapping (SleepWise): acknowledged, nothing fetched.
    Ignored { event: String },
}

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    #[error("missing or malformed {SIGNATURE_HEADER}")]
    MissingSignature,
    #[error("signature does not match")]
    BadSignature,
    #[error("notification body: {0}")]
    Body(String),
}

/// Checks `signature` (hex, either case) over the raw `body` with the webhook's signature
/// secret, in constant time (`hmac`'s `verify_slice`).
pub fn verify_signature(secret: &[u8], body: &[u8], signature: &str) -> Result<(), PushError> {
    let expected = hex::decode(signature.trim()).map_err(|_| PushError::MissingSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| PushError::BadSignature)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| PushError::BadSignature)
}

/// The signature Polar would send for `body` (the simulator and tests sign with it).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC takes keys of any length; this arm is unreachable in practice.
        Err(_) => String::new(),
    }
}

/// Parses a delivery body.
pub fn parse_notification(body: &[u8]) -> Result<Notification, PushError> {
    serde_json::from_slice(body).map_err(|error| PushError::Body(error.to_string()))
}

/// Whether a body is Polar's PING. Polar documents PING as signed, but deliveries of
/// the ping have been seen unsigned (open-wearables accepts them so), so a PING is
/// recognised before the signature check; it carries no data and triggers nothing.
pub fn is_ping(body: &[u8]) -> bool {
    parse_notification(body).is_ok_and(|notification| notification.event == "PING")
}

/// What a notification asks for. A day event names the day; an exercise event carries no
/// date, so the fetch covers the exercise's upload window (the day before the notification
/// through the notification day, which the adapter widens as needed); without a
/// timestamp, `fallback_day` is used.
pub fn notice(notification: &Notification, fallback_day: NaiveDate) -> Result<Notice, PushError> {
    if notification.event == "PING" {
        return Ok(Notice::Ping);
    }
    let user = notification
        .user_id
        .ok_or_else(|| PushError::Body("notification without user_id".to_owned()))?
        .to_string();
    let day = |text: Option<&str>| -> Result<NaiveDate, PushError> {
        text.and_then(|t| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok())
            .ok_or_else(|| PushError::Body(format!("{} without a valid date", notification.event)))
    };
    let (data_type, start, end) = match notification.event.as_str() {
        "SLEEP" => {
            let date = day(notification.date.as_deref())?;
            (DataType::Sleep, date, date)
        }
        "CONTINUOUS_HEART_RATE" => {
            let date = day(notification.date.as_deref())?;
            (DataType::Body, date, date)
        }
        "ACTIVITY_SUMMARY" => {
            let date = day(notification.date.as_deref())?;
            (DataType::Daily, date, date)
        }
        "EXERCISE" => {
            let sent = notification
                .timestamp
                .as_deref()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t.trim()).ok())
                .map_or(fallback_day, |t| t.date_naive());
            let start = sent.pred_opt().unwrap_or(sent);
            (DataType::Activity, start, sent)
        }
        other => {
            return Ok(Notice::Ignored {
                event: other.to_owned(),
            });
        }
    };
    Ok(Notice::Fetch {
        provider_user_id: user,
        data_type,
        start,
        end,
        entity_id: notification.entity_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"abe1f3ae-fd33-11e8-8eb2-f2801f1b9fd1";
    const BODY: &[u8] = br#"{"event":"SLEEP","user_id":475,"date":"2019-12-31","timestamp":"2018-05-15T14:22:24Z","url":"https://www.polaraccesslink.com/v3/users/sleep/2019-12-31"}"#;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_lower_or_upper_hex_signature_verifies_and_tampering_fails() {
        let signature = sign(SECRET, BODY);
        assert_eq!(signature.len(), 64);
        assert_eq!(verify_signature(SECRET, BODY, &signature), Ok(()));
        assert_eq!(
            verify_signature(SECRET, BODY, &signature.to_uppercase()),
            Ok(())
        );
        assert_eq!(
            verify_signature(SECRET, b"{}", &signature),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            verify_signature(b"other", BODY, &signature),
            Err(PushError::BadSignature)
        );
        assert_eq!(
            verify_signature(SECRET, BODY, "zz"),
            Err(PushError::MissingSignature)
        );
    }

    #[test]
    fn day_events_fetch_their_day_and_exercises_their_upload_window() {
        let Ok(sleep) = parse_notification(BODY) else {
            panic!("parses");
        };
        assert_eq!(
            notice(&sleep, day("2000-01-01")),
            Ok(Notice::Fetch {
                provider_user_id: "475".to_owned(),
                data_type: DataType::Sleep,
                start: day("2019-12-31"),
                end: day("2019-12-31"),
                entity_id: None,
            })
        );
        let exercise = br#"{"event":"EXERCISE","user_id":475,"entity_id":"aQlC83","timestamp":"2018-05-15T14:22:24Z","url":"https://www.polaraccesslink.com/v3/exercises/aQlC83"}"#;
        let Ok(exercise) = parse_notification(exercise) else {
            panic!("parses");
        };
        assert_eq!(
            notice(&exercise, day("2000-01-01")),
            Ok(Notice::Fetch {
                provider_user_id: "475".to_owned(),
                data_type: DataType::Activity,
                start: day("2018-05-14"),
                end: day("2018-05-15"),
                entity_id: Some("aQlC83".to_owned()),
            })
        );
    }

    #[test]
    fn ping_and_sleepwise_trigger_nothing() {
        let ping = br#"{"timestamp":"2018-05-15T14:22:24Z","event":"PING"}"#;
        assert!(is_ping(ping));
        assert!(!is_ping(BODY));
        let Ok(ping) = parse_notification(ping) else {
            panic!("parses");
        };
        assert_eq!(notice(&ping, day("2000-01-01")), Ok(Notice::Ping));
        let wise = br#"{"event":"SLEEP_WISE_ALERTNESS","user_id":1,"from":"2022-09-30","to":"2022-10-02"}"#;
        let Ok(wise) = parse_notification(wise) else {
            panic!("parses");
        };
        assert!(matches!(
            notice(&wise, day("2000-01-01")),
            Ok(Notice::Ignored { .. })
        ));
        let no_date = br#"{"event":"SLEEP","user_id":1}"#;
        let Ok(no_date) = parse_notification(no_date) else {
            panic!("parses");
        };
        assert!(notice(&no_date, day("2000-01-01")).is_err());
    }
}
