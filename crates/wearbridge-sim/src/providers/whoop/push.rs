//! WHOOP webhooks as WHOOP sends them: `POST` to the app's webhook URL with a JSON body
//! `{user_id, id, type, trace_id}` and `X-WHOOP-Signature` = base64(HMAC-SHA256(client
//! secret, `X-WHOOP-Signature-Timestamp` ‖ body)), the timestamp in epoch milliseconds.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::ids;
use crate::person::Person;
use crate::providers::PushMessage;
use crate::providers::common::hmac_sha256;

pub const SIGNATURE_HEADER: &str = "X-WHOOP-Signature";
pub const TIMESTAMP_HEADER: &str = "X-WHOOP-Signature-Timestamp";

/// The notification WHOOP sends when the record of Terra type `data_type` (`sleep`,
/// `activity`, `body`, `daily`) for `date` is scored: `sleep.updated` for the night ending
/// that morning, `workout.updated` for the day's first workout (`None` without one),
/// `recovery.updated` (id = the night's sleep id, as in v2) for `body` and `daily`.
pub fn push_message(
    person: &Person,
    account: &str,
    data_type: &str,
    date: NaiveDate,
    secret: &str,
    timestamp_ms: i64,
) -> Option<PushMessage> {
    let (kind, id) = match data_type {
        "sleep" => ("sleep.updated", ids::uuid(account, ids::SLEEP, 0, date)),
        "body" | "daily" => ("recovery.updated", ids::uuid(account, ids::SLEEP, 0, date)),
        "activity" => {
            person.day(date).workouts.first()?;
            ("workout.updated", ids::uuid(account, ids::WORKOUT, 0, date))
        }
        _ => return None,
    };
    let trace_id = trace_id(account, kind, &id, timestamp_ms);
    let body = serde_json::json!({
        "user_id": ids::user_id(account),
        "id": id,
        "type": kind,
        "trace_id": trace_id,
    })
    .to_string();
    let timestamp = timestamp_ms.to_string();
    let signature = sign(secret.as_bytes(), &timestamp, body.as_bytes());
    Some(PushMessage {
        method: "POST",
        query: String::new(),
        content_type: "application/json",
        headers: vec![
            (SIGNATURE_HEADER.to_owned(), signature),
            (TIMESTAMP_HEADER.to_owned(), timestamp),
        ],
        body: body.into_bytes(),
    })
}

/// base64(HMAC-SHA256(secret, timestamp ‖ body)).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    hmac_sha256(secret, &[timestamp.as_bytes(), body])
        .map_or_else(String::new, |mac| STANDARD.encode(mac))
}

/// A UUID-shaped trace id, stable for the same notification.
fn trace_id(account: &str, kind: &str, id: &str, timestamp_ms: i64) -> String {
    let digest = Sha256::digest(format!("{account}/{kind}/{id}/{timestamp_ms}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let signature = sign(b"Jefe", "what do ya want ", b"for nothing?");
        let expected_hex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let expected: Vec<u8> = (0..32)
            .filter_map(|i| u8::from_str_radix(expected_hex.get(i * 2..i * 2 + 2)?, 16).ok())
            .collect();
        assert_eq!(signature, STANDARD.encode(expected));
    }

    #[test]
    fn a_sleep_push_names_the_night_and_is_signed() {
        let person = Person::new("alice");
        let Some(date) = NaiveDate::from_ymd_opt(2026, 1, 10) else {
            panic!("valid date");
        };
        let Some(push) = push_message(&person, "alice", "sleep", date, "s3cret", 1_700_000_000_000)
        else {
            panic!("sleep push exists");
        };
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(&push.body) else {
            panic!("JSON body");
        };
        assert_eq!(body["type"], "sleep.updated");
        assert_eq!(body["user_id"], ids::user_id("alice"));
        assert_eq!(body["id"], ids::uuid("alice", ids::SLEEP, 0, date));
        assert_eq!(
            push.headers,
            vec![
                (
                    SIGNATURE_HEADER.to_owned(),
                    sign(b"s3cret", "1700000000000", &push.body)
                ),
                (TIMESTAMP_HEADER.to_owned(), "1700000000000".to_owned())
            ]
        );
        assert!(push_message(&person, "alice", "nutrition", date, "s", 0).is_none());
    }
}
