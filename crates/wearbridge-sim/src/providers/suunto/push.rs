//! Suunto's push notifications: the full data in a JSON body, posted to the app's
//! notification URL and signed with `X-HMAC-SHA256-Signature`, the lower-case hex
//! HMAC-SHA256 of the body under the app's notification secret. No handshake.

use chrono::{NaiveDate, Utc};
use serde_json::json;

use super::wire;
use crate::person::Person;
use crate::providers::PushMessage;
use crate::providers::common::hmac_sha256;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-HMAC-SHA256-Signature";

/// The notification Suunto posts when `data_type` changes for `account` on `date`:
/// `activity` is `WORKOUT_CREATED` for that day's first ended workout (without `stopTime`,
/// `gear` beside it, as fresh pushes are), `sleep` is `SUUNTO_247_SLEEP_CREATED` with the
/// night ending that morning, `daily` is `SUUNTO_247_ACTIVITY_CREATED` with a few of the
/// day's samples. Signed with `secret`.
pub fn push_message(
    person: &Person,
    account: &str,
    data_type: &str,
    date: NaiveDate,
    secret: &str,
) -> Option<PushMessage> {
    let body = match data_type {
        "activity" => {
            let now = Utc::now();
            let workouts = person.day(date).workouts;
            let index = workouts.iter().position(|workout| workout.end <= now)?;
            let workout = wire::workout(person, account, date, index, &workouts[index], true);
            json!({
                "type": "WORKOUT_CREATED",
                "username": account,
                "workout": workout,
                "gear": wire::gear(account),
            })
        }
        "sleep" => json!({
            "type": "SUUNTO_247_SLEEP_CREATED",
            "username": account,
            "samples": [wire::sleep(person, date)],
        }),
        "daily" => json!({
            "type": "SUUNTO_247_ACTIVITY_CREATED",
            "username": account,
            "samples": wire::activity_samples(person, date),
        }),
        _ => return None,
    };
    let body = body.to_string().into_bytes();
    let signature = hex::encode(hmac_sha256(secret.as_bytes(), &[&body])?);
    Some(PushMessage {
        method: "POST",
        query: String::new(),
        content_type: "application/json",
        headers: vec![(SIGNATURE_HEADER.to_owned(), signature)],
        body,
    })
}
