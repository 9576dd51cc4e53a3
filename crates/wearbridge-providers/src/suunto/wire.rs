//! Suunto Cloud API documents as the API sends them (providers.md §11; Suunto's API Zone
//! webhook page; open-wearables' Suunto tests for the live workout and 24/7 sleep shapes).
//!
//! Every field Suunto may leave out is optional, and unknown fields are ignored, so a new
//! field never breaks a fetch. Numbers are read as `f64` wherever Suunto has been seen to
//! send either integers or floats (`totalTime`, `totalDistance`, the sleep durations).

use serde::Deserialize;
use serde_json::Value;

/// The token endpoint's answer (code exchange and refresh). `user` is the Suunto username,
/// which is also the access token's (JWT) `user` claim and what push notifications name.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

/// `GET /v3/workouts/` (a list) and `GET /v3/workouts/{workoutKey}` (one workout) both wrap
/// their answer in `payload`; `error` is `null` on success.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope<T> {
    pub payload: T,
    #[serde(default)]
    pub error: Option<Value>,
}

/// One workout (the list's items, the single read, and a `WORKOUT_CREATED` push).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workout {
    /// Suunto's stable key (a 24-hex-digit id); the Terra `summary_id`.
    #[serde(default)]
    pub workout_key: Option<String>,
    /// Numeric id; `0` in fresh captures, so only a fallback for the key.
    #[serde(default)]
    pub workout_id: Option<i64>,
    /// Suunto's sport code (API Zone "Activities" list).
    #[serde(default)]
    pub activity_id: Option<i64>,
    /// Epoch milliseconds, UTC.
    pub start_time: i64,
    /// Epoch milliseconds, UTC; missing in fresh webhook payloads.
    #[serde(default)]
    pub stop_time: Option<i64>,
    /// Seconds of recorded (timer) time, pauses excluded.
    #[serde(default)]
    pub total_time: Option<f64>,
    /// Minutes east of UTC where the workout was recorded.
    #[serde(default)]
    pub time_offset_in_minutes: Option<i64>,
    /// Metres.
    #[serde(default)]
    pub total_distance: Option<f64>,
    #[serde(default)]
    pub step_count: Option<f64>,
    /// Kilocalories.
    #[serde(default)]
    pub energy_consumption: Option<f64>,
    /// Metres per second.
    #[serde(default)]
    pub max_speed: Option<f64>,
    #[serde(default)]
    pub avg_speed: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub total_ascent: Option<f64>,
    #[serde(default)]
    pub total_descent: Option<f64>,
    #[serde(default)]
    pub max_altitude: Option<f64>,
    #[serde(default)]
    pub min_altitude: Option<f64>,
    /// Watts.
    #[serde(default)]
    pub avg_power: Option<f64>,
    #[serde(default)]
    pub max_power: Option<f64>,
    /// Per minute.
    #[serde(default)]
    pub avg_cadence: Option<f64>,
    #[serde(default)]
    pub max_cadence: Option<f64>,
    /// `{max, avg}` per minute, in the v3 shape.
    #[serde(default)]
    pub cadence: Option<Cadence>,
    #[serde(default)]
    pub hrdata: Option<HrData>,
    /// `{x: longitude, y: latitude}` in degrees; `{0, 0}` when nothing was recorded.
    #[serde(default)]
    pub start_position: Option<Position>,
    #[serde(default)]
    pub stop_position: Option<Position>,
    #[serde(default)]
    pub center_position: Option<Position>,
    #[serde(default)]
    pub is_manually_added: Option<bool>,
    #[serde(default)]
    pub gear: Option<Gear>,
    /// Typed extensions (`{"type": "PauseMarkerExtension", ...}`, `SummaryExtension`, ...),
    /// present when asked for; read leniently (an unknown or malformed one is skipped).
    #[serde(default)]
    pub extensions: Option<Vec<Value>>,
}

impl Workout {
    /// The extension of `kind`, if present.
    pub fn extension(&self, kind: &str) -> Option<&Value> {
        self.extensions
            .as_deref()?
            .iter()
            .find(|extension| extension.get("type").and_then(Value::as_str) == Some(kind))
    }

    /// Seconds the workout was paused (`PauseMarkerExtension` markers, epoch ms), when the
    /// extension is present.
    pub fn paused_seconds(&self) -> Option<f64> {
        let markers = self
            .extension("PauseMarkerExtension")?
            .get("pauseMarkers")?;
        let total_ms: i64 = markers
            .as_array()?
            .iter()
            .filter_map(|marker| {
                let start = marker.get("startTime")?.as_i64()?;
                let end = marker.get("endTime")?.as_i64()?;
                end.checked_sub(start).filter(|span| *span > 0)
            })
            .fold(0_i64, i64::saturating_add);
        Some(total_ms as f64 / 1000.0)
    }

    /// The device named inside a `SummaryExtension` (newer watches put it there rather than
    /// at the root).
    pub fn summary_gear(&self) -> Option<Gear> {
        let gear = self.extension("SummaryExtension")?.get("gear")?;
        serde_json::from_value(gear.clone()).ok()
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Cadence {
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub avg: Option<f64>,
}

/// `hrdata`: `workoutAvgHR`/`workoutMaxHR` (with `avg`/`hrmax` as older names for the
/// same), `min`, and `userMaxHR` with `max`, both the user's configured maximum (not what
/// the workout reached).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HrData {
    #[serde(default, rename = "workoutAvgHR")]
    pub workout_avg_hr: Option<f64>,
    #[serde(default, rename = "workoutMaxHR")]
    pub workout_max_hr: Option<f64>,
    #[serde(default)]
    pub avg: Option<f64>,
    #[serde(default)]
    pub hrmax: Option<f64>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default, rename = "userMaxHR")]
    pub user_max_hr: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Position {
    /// Longitude, degrees.
    #[serde(default)]
    pub x: Option<f64>,
    /// Latitude, degrees.
    #[serde(default)]
    pub y: Option<f64>,
}

/// The recording device. `softwareVersion`/`hardwareVersion` are the names inside a
/// summary extension; the workout root and pushes use `swVersion`/`hwVersion`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gear {
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub serial_number: Option<String>,
    #[serde(default, alias = "softwareVersion")]
    pub sw_version: Option<String>,
    #[serde(default, alias = "hardwareVersion")]
    pub hw_version: Option<String>,
    #[serde(default)]
    pub product_type: Option<String>,
}

/// One 24/7 sample (`GET /247samples/{activity,sleep,recovery}` items, and the `samples`
/// of a 24/7 push): an ISO 8601 `timestamp` with offset and the sample's `entryData`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sample<T> {
    pub timestamp: String,
    pub entry_data: T,
}

/// A sleep's `entryData`: bedtime (ISO 8601 with offset), durations in seconds, heart rate
/// in bpm, HRV (RMSSD) in ms, SpO2 as a fraction or percent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SleepEntry {
    #[serde(default)]
    pub bedtime_start: Option<String>,
    #[serde(default)]
    pub bedtime_end: Option<String>,
    #[serde(default)]
    pub duration: Option<f64>,
    #[serde(default)]
    pub deep_sleep_duration: Option<f64>,
    #[serde(default)]
    pub light_sleep_duration: Option<f64>,
    #[serde(default, rename = "REMSleepDuration")]
    pub rem_sleep_duration: Option<f64>,
    #[serde(default, rename = "HRAvg")]
    pub hr_avg: Option<f64>,
    #[serde(default, rename = "HRMin")]
    pub hr_min: Option<f64>,
    #[serde(default, rename = "AvgHRV")]
    pub avg_hrv: Option<f64>,
    #[serde(default)]
    pub max_spo2: Option<f64>,
    #[serde(default)]
    pub sleep_quality_score: Option<f64>,
    #[serde(default)]
    pub is_nap: Option<bool>,
    #[serde(default)]
    pub sleep_id: Option<i64>,
}

/// One statistic of `GET /247/daily-activity-statistics` (`Name` `stepcount` or
/// `energyconsumption`), its values per day and per source device.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DailyStatistic {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub sources: Vec<StatisticSource>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StatisticSource {
    #[serde(default)]
    pub samples: Vec<StatisticSample>,
}

/// One day's value: `TimeISO8601` is the local midnight it starts at, with its offset.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatisticSample {
    #[serde(default, rename = "TimeISO8601")]
    pub time: Option<String>,
    #[serde(default, rename = "Value")]
    pub value: Option<f64>,
}

/// A push notification (JSON form): `type`, the account's `username`, and the data the
/// type carries (`workout` with `gear` beside it, or 24/7 `samples`).
#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub workout: Option<Workout>,
    #[serde(default)]
    pub gear: Option<Gear>,
    #[serde(default)]
    pub samples: Option<Vec<Value>>,
}
