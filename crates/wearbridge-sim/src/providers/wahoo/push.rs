//! Wahoo's `workout_summary` webhook: Wahoo posts the summary with its workout to the URL
//! set in the developer portal, carrying the portal's webhook token; no signature, no
//! handshake. A non-200 answer would be retried after 30 minutes, 4, 24 and 72 hours (the
//! simulator sends once; the test decides about retries).

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

pub use super::data::user_id;

use super::data;
use crate::person::Person;
use crate::providers::PushMessage;

/// The delivery for `data_type` `activity` on `date`: the summary of that day's first
/// ended workout, with the workout, and `webhook_token` = `token`. Nothing for other types
/// or a day without an ended workout.
pub fn push_message(
    person: &Person,
    account: &str,
    data_type: &str,
    date: NaiveDate,
    token: &str,
) -> Option<PushMessage> {
    if data_type != "activity" {
        return None;
    }
    let now = Utc::now();
    let (index, workout) = person
        .day(date)
        .workouts
        .into_iter()
        .enumerate()
        .find(|(_, workout)| workout.end <= now)?;
    let mut summary = data::summary_json(person, account, date, index, &workout);
    if let Value::Object(fields) = &mut summary {
        fields.insert(
            "workout".into(),
            data::workout_json(person, account, date, index, &workout, false),
        );
    }
    let body = json!({
        "event_type": "workout_summary",
        "webhook_token": token,
        "user": {"id": data::user_id(account)},
        "workout_summary": summary,
    });
    Some(PushMessage {
        method: "POST",
        query: String::new(),
        content_type: "application/json",
        headers: Vec::new(),
        body: body.to_string().into_bytes(),
    })
}
