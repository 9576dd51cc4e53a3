//! Webhook notifications as Oura sends them (providers.md §2.4, §0.3): `POST` to the
//! subscription's callback URL, JSON `{event_type, data_type, object_id, user_id,
//! event_time}`, signed with `x-oura-signature` = upper-case hex of
//! HMAC-SHA256(client secret, `x-oura-timestamp` ‖ body).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;

use super::collections::{Collection, docs_on};
use crate::person::Person;
use crate::providers::PushMessage;
use crate::providers::common::hmac_sha256;

pub const SIGNATURE_HEADER: &str = "x-oura-signature";
pub const TIMESTAMP_HEADER: &str = "x-oura-timestamp";

#[derive(Serialize)]
struct Notification<'a> {
    event_type: &'a str,
    data_type: &'a str,
    object_id: &'a str,
    user_id: &'a str,
    event_time: String,
}

/// The Oura collection that carries a Terra data type's data, for notifications:
/// `sleep` → sleep, `daily` → daily_activity, `body` → daily_spo2, `activity` → workout.
/// Athlete data (personal_info) has no webhook data type at Oura.
fn collection_for(terra_type: &str) -> Option<Collection> {
    match terra_type {
        "sleep" => Some(Collection::Sleep),
        "daily" => Some(Collection::DailyActivity),
        "body" => Some(Collection::DailySpo2),
        "activity" => Some(Collection::Workout),
        _ => None,
    }
}

/// The `create` notification for the first document of `terra_type` on `date` of
/// `account`, signed with `secret` at `now`; `None` when Oura would not notify (no such
/// document that day, or a type without webhooks).
pub fn message(
    person: &Person,
    account: &str,
    terra_type: &str,
    date: NaiveDate,
    secret: &str,
    now: DateTime<Utc>,
) -> Option<PushMessage> {
    let collection = collection_for(terra_type)?;
    let doc = docs_on(person, account, collection, date)
        .into_iter()
        .next()?;
    let body = serde_json::to_vec(&Notification {
        event_type: "create",
        data_type: collection.name(),
        object_id: &doc.id,
        user_id: account,
        event_time: now.to_rfc3339_opts(SecondsFormat::Nanos, false),
    })
    .ok()?;
    let timestamp = now.timestamp().to_string();
    let signature = sign(secret.as_bytes(), &timestamp, &body);
    Some(PushMessage {
        method: "POST",
        query: String::new(),
        content_type: "application/json",
        headers: vec![
            (TIMESTAMP_HEADER.to_owned(), timestamp),
            (SIGNATURE_HEADER.to_owned(), signature),
        ],
        body,
    })
}

/// Upper-case hex of HMAC-SHA256(secret, timestamp ‖ body).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    hmac_sha256(secret, &[timestamp.as_bytes(), body]).map_or_else(String::new, hex::encode_upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_upper_hex_hmac_sha256_of_timestamp_then_body() {
        // RFC 4231 test case 2, split between timestamp and body.
        assert_eq!(
            sign(b"Jefe", "what do ya want ", b"for nothing?"),
            "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843"
        );
    }

    #[test]
    fn a_sleep_push_names_the_night_and_is_signed_over_timestamp_and_body() {
        let person = Person::new("acct");
        let date = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap_or_default();
        let now = DateTime::from_timestamp(1_772_600_000, 5).unwrap_or_default();
        let Some(push) = message(&person, "acct", "sleep", date, "secret", now) else {
            panic!("every day has a night");
        };
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(&push.body) else {
            panic!("JSON body");
        };
        assert_eq!(body["data_type"], "sleep");
        assert_eq!(body["user_id"], "acct");
        assert_eq!(body["event_type"], "create");
        let header = |name: &str| {
            push.headers
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        assert_eq!(header(TIMESTAMP_HEADER), "1772600000");
        assert_eq!(
            header(SIGNATURE_HEADER),
            sign(b"secret", "1772600000", &push.body)
        );
        assert!(message(&person, "acct", "athlete", date, "s", now).is_none());
    }
}
