//! Terra records for tests, built as JSON in Terra's wire shape (field names from the
//! committed schemas in `wearbridge-model/schemas`; values invented). Each carries a
//! sample array so `with_samples` is observable.

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};

/// Day `n` after 2024-01-01.
pub fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1)
        .and_then(|start| start.checked_add_days(Days::new(n)))
        .expect("fixture dates are valid")
}

/// Local midnight of `date` at `offset` (e.g. `+02:00`), in Terra's timestamp format.
pub fn midnight(date: NaiveDate, offset: &str) -> String {
    format!("{date}T00:00:00.000000{offset}")
}

/// A daily summary for `date` in the user's zone `offset`, with heart-rate samples.
pub fn daily(date: NaiveDate, offset: &str, steps: u32) -> Value {
    let next = date.checked_add_days(Days::new(1)).expect("valid date");
    json!({
        "metadata": {
            "start_time": midnight(date, offset),
            "end_time": midnight(next, offset),
            "upload_type": 1
        },
        "distance_data": { "steps": steps },
        "heart_rate_data": {
            "summary": { "avg_hr_bpm": 61.5 },
            "detailed": {
                "hr_samples": [
                    { "timestamp": format!("{date}T08:00:00.000000{offset}"), "bpm": 60.0 },
                    { "timestamp": format!("{date}T08:01:00.000000{offset}"), "bpm": 63.0 }
                ]
            }
        }
    })
}

/// A workout starting at `start` (RFC 3339) lasting 30 minutes.
pub fn activity(summary_id: &str, date: NaiveDate, calories: f64) -> Value {
    json!({
        "metadata": {
            "summary_id": summary_id,
            "start_time": format!("{date}T07:00:00.000000+01:00"),
            "end_time": format!("{date}T07:30:00.000000+01:00"),
            "upload_type": 1,
            "type": 1,
            "name": "Morning run"
        },
        "calories_data": { "total_burned_calories": calories },
        "heart_rate_data": {
            "detailed": {
                "hr_samples": [
                    { "timestamp": format!("{date}T07:00:00.000000+01:00"), "bpm": 120.0 }
                ]
            }
        }
    })
}

/// A body record for `date` with one weight measurement.
pub fn body(date: NaiveDate, weight_kg: f64) -> Value {
    let next = date.checked_add_days(Days::new(1)).expect("valid date");
    json!({
        "metadata": {
            "start_time": midnight(date, "+00:00"),
            "end_time": midnight(next, "+00:00")
        },
        "measurements_data": {
            "measurements": [
                { "measurement_time": format!("{date}T06:30:00.000000+00:00"), "weight_kg": weight_kg }
            ]
        }
    })
}

/// A nutrition record for `date`.
pub fn nutrition(date: NaiveDate, calories: f64) -> Value {
    let next = date.checked_add_days(Days::new(1)).expect("valid date");
    json!({
        "metadata": {
            "start_time": midnight(date, "+00:00"),
            "end_time": midnight(next, "+00:00")
        },
        "summary": { "macros": { "calories": calories } }
    })
}

/// A night of sleep starting the evening of `date`.
pub fn sleep(summary_id: &str, date: NaiveDate) -> Value {
    let next = date.checked_add_days(Days::new(1)).expect("valid date");
    json!({
        "metadata": {
            "summary_id": summary_id,
            "start_time": format!("{date}T23:00:00.000000+00:00"),
            "end_time": format!("{next}T07:00:00.000000+00:00"),
            "upload_type": 1
        },
        "heart_rate_data": {
            "detailed": {
                "hr_samples": [ { "timestamp": format!("{next}T01:00:00.000000+00:00"), "bpm": 52.0 } ]
            }
        }
    })
}

/// A menstruation record for `date`.
pub fn menstruation(date: NaiveDate) -> Value {
    let next = date.checked_add_days(Days::new(1)).expect("valid date");
    json!({
        "metadata": {
            "start_time": midnight(date, "+00:00"),
            "end_time": midnight(next, "+00:00")
        },
        "menstruation_data": { "day_in_cycle": 3 }
    })
}

/// An athlete profile.
pub fn athlete() -> Value {
    json!({ "first_name": "Ada", "age": 36, "sex": "female" })
}
