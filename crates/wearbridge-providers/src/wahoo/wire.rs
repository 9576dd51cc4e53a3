//! Wahoo Cloud API JSON (`https://api.wahooligan.com/v1/...`), deserialize-only.
//!
//! Shapes follow Wahoo's Cloud API reference (cloud-api.wahooligan.com: "Get User",
//! "Get all Workouts", "Get a Workout", "Get a Workout Summary", the `workout_summary`
//! webhook sample) and providers.md §10. Two things the reference leaves loose are read
//! leniently, because real payloads differ from the samples:
//!
//! * Summary metrics (`ascent_accum`, `calories_accum`, ...) are JSON numbers in the
//!   reference's samples but decimal *strings* (`"450.00"`) in payloads clients record in
//!   production, and `null` when a sensor was absent; [`decimal`] reads all three.
//! * Fields the reference shows may be missing (a planned workout has no summary yet, a
//!   summary may be `null`), so everything but the ids and `starts` is optional.
//!
//! Ids are integers. `starts` is an ISO 8601 instant (UTC, `...Z`); the summary's
//! `time_zone` (an IANA name, seen in production payloads) places it locally.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A Wahoo decimal: a JSON number, a numeric string, or `null`/absent. Anything else
/// (an object, a non-numeric string, a non-finite value) is treated as absent, so one odd
/// field never discards a workout.
pub fn decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(value.as_ref().and_then(number))
}

/// The number in a JSON value, if it holds a finite one (directly or as text).
pub fn number(value: &Value) -> Option<f64> {
    let parsed = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    };
    parsed.filter(|value| value.is_finite())
}

/// `GET /v1/user`: the authenticated user.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    /// Wahoo's user id: our `provider_user_id`, and `user.id` of webhook deliveries.
    pub id: i64,
    #[serde(default)]
    pub first: Option<String>,
    #[serde(default)]
    pub last: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Metres, as a decimal string (`"1.83"`).
    #[serde(default, deserialize_with = "decimal")]
    pub height: Option<f64>,
    /// Kilograms, as a decimal string (`"82.5"`).
    #[serde(default, deserialize_with = "decimal")]
    pub weight: Option<f64>,
    /// Birth date, `YYYY-MM-DD`.
    #[serde(default)]
    pub birth: Option<String>,
    /// Wahoo's gender code: 0 male, 1 female, 2 other (read as raw JSON: some payloads send
    /// it as text).
    #[serde(default)]
    pub gender: Option<Value>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `GET /v1/workouts?page&per_page`: one page of the user's workouts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkoutPage {
    pub workouts: Vec<Workout>,
    /// Workouts in the whole list (all pages).
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub per_page: Option<u64>,
    /// `descending` (newest first, the default) or `ascending`.
    #[serde(default)]
    pub order: Option<String>,
    /// The field the list is sorted by (`starts`).
    #[serde(default)]
    pub sort: Option<String>,
}

/// A workout (`GET /v1/workouts/{id}`, an item of the list, or the `workout` inside a
/// webhook's summary).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Workout {
    pub id: i64,
    /// The start, ISO 8601 (UTC).
    pub starts: DateTime<FixedOffset>,
    /// Duration in whole minutes (the summary's seconds are exact).
    #[serde(default, deserialize_with = "decimal")]
    pub minutes: Option<f64>,
    #[serde(default)]
    pub name: Option<String>,
    /// The application's own identifier of the workout (`"ELEMNT AE48:209"`).
    #[serde(default)]
    pub workout_token: Option<String>,
    /// Wahoo's workout type ([`super::mapper::activity_type`]).
    #[serde(default)]
    pub workout_type_id: Option<i64>,
    /// The structured plan the workout followed, if any.
    #[serde(default)]
    pub plan_id: Option<i64>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The results, once the device has uploaded them (`null` before).
    #[serde(default)]
    pub workout_summary: Option<WorkoutSummary>,
}

/// A workout summary (`GET /v1/workouts/{id}/workout_summary`, the list's embedded one,
/// or the webhook's `workout_summary`). Units from the reference's parameter table.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct WorkoutSummary {
    #[serde(default)]
    pub id: Option<i64>,
    /// Metres climbed.
    #[serde(default, deserialize_with = "decimal")]
    pub ascent_accum: Option<f64>,
    /// Revolutions (or steps) per minute.
    #[serde(default, deserialize_with = "decimal")]
    pub cadence_avg: Option<f64>,
    /// Kilocalories.
    #[serde(default, deserialize_with = "decimal")]
    pub calories_accum: Option<f64>,
    /// Metres.
    #[serde(default, deserialize_with = "decimal")]
    pub distance_accum: Option<f64>,
    /// Seconds moving.
    #[serde(default, deserialize_with = "decimal")]
    pub duration_active_accum: Option<f64>,
    /// Seconds paused.
    #[serde(default, deserialize_with = "decimal")]
    pub duration_paused_accum: Option<f64>,
    /// Seconds from start to end.
    #[serde(default, deserialize_with = "decimal")]
    pub duration_total_accum: Option<f64>,
    /// Beats per minute.
    #[serde(default, deserialize_with = "decimal")]
    pub heart_rate_avg: Option<f64>,
    /// Normalized power of the ride, watts.
    #[serde(default, deserialize_with = "decimal")]
    pub power_bike_np_last: Option<f64>,
    /// Training stress score (no unit).
    #[serde(default, deserialize_with = "decimal")]
    pub power_bike_tss_last: Option<f64>,
    /// Watts.
    #[serde(default, deserialize_with = "decimal")]
    pub power_avg: Option<f64>,
    /// Metres per second.
    #[serde(default, deserialize_with = "decimal")]
    pub speed_avg: Option<f64>,
    /// Joules of mechanical work.
    #[serde(default, deserialize_with = "decimal")]
    pub work_accum: Option<f64>,
    /// Entered by hand rather than recorded (production payloads).
    #[serde(default)]
    pub manual: Option<bool>,
    /// IANA zone the workout was recorded in (production payloads).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The FIT file of the workout.
    #[serde(default)]
    pub file: Option<FileRef>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The workout this summary belongs to (webhook deliveries carry it).
    #[serde(default)]
    pub workout: Option<Box<Workout>>,
}

/// `{ "url": ... }` of a FIT file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FileRef {
    #[serde(default)]
    pub url: Option<String>,
}

/// The `workout_summary` webhook body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WebhookEvent {
    /// `workout_summary` (the only event Wahoo sends).
    #[serde(default)]
    pub event_type: Option<String>,
    /// The token set in Wahoo's developer portal, echoed in every delivery.
    #[serde(default)]
    pub webhook_token: Option<String>,
    #[serde(default)]
    pub user: Option<UserRef>,
    #[serde(default)]
    pub workout_summary: Option<WorkoutSummary>,
}

/// `{ "id": ... }` of a user.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserRef {
    pub id: i64,
}
