//! Polar's webhook notifications: the JSON event Polar POSTs for a changed day or a new
//! exercise, and its `Polar-Webhook-Signature`. Separate from the HTTP handlers because it
//! is called from the push scheduler (and tests), never from a route.

use chrono::{NaiveDate, Utc};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::{polar_user_id, wire};
use crate::person::Person;
use crate::providers::PushMessage;

/// The notification Polar sends for `data_type` on `date`, signed with `secret`:
/// `sleep` → SLEEP, `daily` → ACTIVITY_SUMMARY, `body` → CONTINUOUS_HEART_RATE,
/// `activity` → EXERCISE for the day's first workout (`None` on a day without one).
pub fn push_message(
    person: &Person,
    account: &str,
    data_type: &str,
    date: NaiveDate,
    secret: &str,
) -> Option<PushMessage> {
    let user_id = polar_user_id(account);
    let day = date.format("%Y-%m-%d");
    let timestamp = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let body = match data_type {
        "sleep" => {
            json!({"event": "SLEEP", "user_id": user_id, "date": day.to_string(), "timestamp": timestamp,
            "url": format!("{}/v3/users/sleep/{day}", wire::POLAR_API)})
        }
        "daily" => {
            json!({"event": "ACTIVITY_SUMMARY", "user_id": user_id, "date": day.to_string(), "timestamp": timestamp,
            "url": format!("{}/v3/users/activities/{day}", wire::POLAR_API)})
        }
        "body" => {
            json!({"event": "CONTINUOUS_HEART_RATE", "user_id": user_id, "date": day.to_string(), "timestamp": timestamp,
            "url": format!("{}/v3/users/continuous-heart-rate/{day}", wire::POLAR_API)})
        }
        "activity" => {
            let workout = person.day(date).workouts.into_iter().next()?;
            // Sent when the exercise is uploaded, shortly after it ends.
            let sent = workout.end.with_timezone(&Utc) + chrono::TimeDelta::minutes(10);
            json!({"event": "EXERCISE", "user_id": user_id, "entity_id": workout.id,
                "timestamp": sent.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "url": format!("{}/v3/exercises/{}", wire::POLAR_API, workout.id)})
        }
        _ => return None,
    };
    let body = body.to_string().into_bytes();
    Some(PushMessage {
        method: "POST",
        query: String::new(),
        content_type: "application/json",
        headers: vec![("Polar-Webhook-Signature".to_owned(), sign(secret, &body))],
        body,
    })
}

/// hex(HMAC-SHA256(secret, body)).
pub fn sign(secret: &str, body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        }
        Err(_) => String::new(),
    }
}
