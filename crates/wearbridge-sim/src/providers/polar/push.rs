//! Polar's webhook notifications: the JSON event Polar POSTs for a changed day or a new
//! exercise, and its `Polar-Webhook-Signature`. Separate from the HTTP handlers because it
//! is called from the push scheduler (and tests), never from a route.

use chrono::{NaiveDate, Utc};
use serde_json::json;

use super::{polar_user_id, wire};
use crate::person::Person;
use crate::providers::PushMessage;
use crate::providers::common::hmac_sha256;

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
    // The day events (all but EXERCISE) differ only in their name and resource path.
    let day_event = |event: &str, resource: &str| {
        json!({"event": event, "user_id": user_id, "date": day.to_string(), "timestamp": timestamp,
        "url": format!("{}/v3/users/{resource}/{day}", wire::POLAR_API)})
    };
    let body = match data_type {
        "sleep" => day_event("SLEEP", "sleep"),
        "daily" => day_event("ACTIVITY_SUMMARY", "activities"),
        "body" => day_event("CONTINUOUS_HEART_RATE", "continuous-heart-rate"),
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
    hmac_sha256(secret.as_bytes(), &[body]).map_or_else(String::new, hex::encode)
}
