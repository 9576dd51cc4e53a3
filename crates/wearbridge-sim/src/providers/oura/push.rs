//! Webhook notifications as Oura sends them (providers.md §2.4, §0.3): `POST` to the
//! subscription's callback URL, JSON `{event_type, data_type, object_id, user_id,
//! event_time}`, signed with `x-oura-signature` = upper-case hex of
//! HMAC-SHA256(client secret, `x-oura-timestamp` ‖ body).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::collections::{Collection, docs_on};
use crate::person::Person;

pub const SIGNATURE_HEADER: &str = "x-oura-signature";
pub const TIMESTAMP_HEADER: &str = "x-oura-timestamp";

/// One notification ready to send: method `POST`, these headers, this body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OuraPush {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

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
) -> Option<OuraPush> {
    let collection = collection_for(terra_type)?;
    let doc = docs_on(person, account, collection, date).into_iter().next()?;
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
    Some(OuraPush {
        headers: vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            (TIMESTAMP_HEADER.to_owned(), timestamp),
            (SIGNATURE_HEADER.to_owned(), signature),
        ],
        body,
    })
}

/// Upper-case hex of HMAC-SHA256(secret, timestamp ‖ body).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    hmac_sha256(secret, &message)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect()
}

/// HMAC (RFC 2104) over SHA-256, written out because this crate depends on `sha2` only.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0_u8; BLOCK];
    if key.len() > BLOCK {
        block
            .iter_mut()
            .zip(Sha256::digest(key))
            .for_each(|(slot, byte)| *slot = byte);
    } else {
        block
            .iter_mut()
            .zip(key)
            .for_each(|(slot, byte)| *slot = *byte);
    }
    let pad = |value: u8| block.map(|byte| byte ^ value);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231_vectors() {
        // Test case 2 (short key) and test case 6 (key longer than the block).
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
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
