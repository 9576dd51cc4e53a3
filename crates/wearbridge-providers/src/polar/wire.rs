//! Polar AccessLink v3 JSON (`https://www.polaraccesslink.com/v3/...`), deserialize-only.
//!
//! Field names follow Polar's AccessLink OpenAPI (v3) exactly, including its mix of
//! snake_case (`start_time`, newer endpoints) and kebab-case (`running-index`,
//! `polar-user-id`, older ones). Every field is optional unless a record is meaningless
//! without it, and times stay text here: Polar writes local times without a zone
//! (`2008-10-13T10:40:02` + a separate offset in minutes), clock times inside a day
//! (`"23:05"`, `"00:02:08"`) and ISO 8601 durations (`PT2H44M45S`); the mapper resolves
//! each, and a value it cannot read drops that value, not the page. Numbers are `f64`
//! because Polar documents integers that some devices send as decimals.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `GET /v3/exercises` answers a bare JSON array of these; `GET /v3/exercises/{id}` one.
pub type Exercises = Vec<Exercise>;

/// Summary heart rate of an exercise, beats per minute.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
pub struct HeartRate {
    #[serde(default)]
    pub average: Option<f64>,
    #[serde(default)]
    pub maximum: Option<f64>,
}

/// One heart-rate zone of an exercise (`zones=true`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Zone {
    #[serde(default)]
    pub index: Option<f64>,
    /// Beats per minute.
    #[serde(default, rename = "lower-limit")]
    pub lower_limit: Option<f64>,
    /// Beats per minute.
    #[serde(default, rename = "upper-limit")]
    pub upper_limit: Option<f64>,
    /// Time in the zone, ISO 8601 duration.
    #[serde(default, rename = "in-zone")]
    pub in_zone: Option<String>,
}

/// One sample series of an exercise (`samples=true`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sample {
    /// Seconds between values; absent for RR intervals (which are back to back).
    #[serde(default, rename = "recording-rate")]
    pub recording_rate: Option<f64>,
    /// Polar's sample type code, documented as a string (`"0"`) and sent by some clients
    /// as a number: 0 heart rate (bpm), 1 speed (km/h), 3 altitude (m), 10 distance (m),
    /// 11 RR interval (ms); others are not mapped.
    #[serde(default, rename = "sample-type")]
    pub sample_type: Option<serde_json::Value>,
    /// Comma-separated values; empty or `null` entries are gaps (sensor offline).
    #[serde(default)]
    pub data: Option<String>,
}

/// One route point of an exercise (`route=true`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Location {
    /// WGS 84 degrees.
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Time since the exercise start, ISO 8601 duration (`PT210.026S`).
    #[serde(default)]
    pub time: Option<String>,
    #[serde(default)]
    pub satellites: Option<f64>,
    #[serde(default)]
    pub fix: Option<f64>,
}

/// `GET /v3/exercises[/{id}]` element (`exerciseHashId` in Polar's spec).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Exercise {
    /// Polar's hashed exercise id (`2AC312F`).
    pub id: String,
    #[serde(default)]
    pub upload_time: Option<String>,
    /// Absolute URL of the owning user.
    #[serde(default)]
    pub polar_user: Option<String>,
    /// Product name (`Polar M400`).
    #[serde(default)]
    pub device: Option<String>,
    #[serde(default)]
    pub device_id: Option<String>,
    /// Local wall-clock start, no zone (`2008-10-13T10:40:02`).
    #[serde(default)]
    pub start_time: Option<String>,
    /// Minutes east of UTC at the start.
    #[serde(default)]
    pub start_time_utc_offset: Option<f64>,
    /// ISO 8601 duration.
    #[serde(default)]
    pub duration: Option<String>,
    /// Kilocalories.
    #[serde(default)]
    pub calories: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub distance: Option<f64>,
    #[serde(default)]
    pub heart_rate: Option<HeartRate>,
    #[serde(default)]
    pub training_load: Option<f64>,
    /// Sport name (`RUNNING`, `CYCLING`, `OTHER`, ...).
    #[serde(default)]
    pub sport: Option<String>,
    #[serde(default)]
    pub has_route: Option<bool>,
    /// The Polar Flow sport when one is set (`ROAD_RUNNING`, `STRENGTH_TRAINING`, ...).
    #[serde(default)]
    pub detailed_sport_info: Option<String>,
    #[serde(default, rename = "running-index")]
    pub running_index: Option<f64>,
    #[serde(default)]
    pub heart_rate_zones: Option<Vec<Zone>>,
    #[serde(default)]
    pub samples: Option<Vec<Sample>>,
    #[serde(default)]
    pub route: Option<Vec<Location>>,
}

/// `GET /v3/users/sleep`: `{nights: [...]}` (the last 28 days).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Nights {
    #[serde(default)]
    pub nights: Vec<SleepNight>,
}

/// One night (`GET /v3/users/sleep/{date}`, or an element of [`Nights`]). Durations are
/// whole seconds; the hypnogram and heart-rate keys are local clock times (`"23:05"`)
/// between falling asleep and waking up.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SleepNight {
    #[serde(default)]
    pub polar_user: Option<String>,
    /// The night's result date (the morning it ended), `YYYY-MM-DD`.
    pub date: String,
    /// When the person fell asleep, ISO 8601 with offset.
    pub sleep_start_time: String,
    /// When the person woke up, ISO 8601 with offset.
    pub sleep_end_time: String,
    #[serde(default)]
    pub device_id: Option<String>,
    /// 1.0 (fragmented) – 5.0 (continuous).
    #[serde(default)]
    pub continuity: Option<f64>,
    #[serde(default)]
    pub continuity_class: Option<f64>,
    /// Seconds (N1 + N2).
    #[serde(default)]
    pub light_sleep: Option<f64>,
    /// Seconds (N3).
    #[serde(default)]
    pub deep_sleep: Option<f64>,
    /// Seconds.
    #[serde(default)]
    pub rem_sleep: Option<f64>,
    /// Seconds asleep in a stage the device could not tell.
    #[serde(default)]
    pub unrecognized_sleep_stage: Option<f64>,
    /// 1–100.
    #[serde(default)]
    pub sleep_score: Option<f64>,
    /// Seconds awake between falling asleep and waking up.
    #[serde(default)]
    pub total_interruption_duration: Option<f64>,
    /// 1 (much below usual) – 5 (much above usual).
    #[serde(default)]
    pub sleep_charge: Option<f64>,
    /// Seconds.
    #[serde(default)]
    pub sleep_goal: Option<f64>,
    /// The user's own rating 1–5, 0 when not given.
    #[serde(default)]
    pub sleep_rating: Option<f64>,
    /// Seconds of interruptions shorter than 90 s.
    #[serde(default)]
    pub short_interruption_duration: Option<f64>,
    /// Seconds of interruptions of 90 s or more.
    #[serde(default)]
    pub long_interruption_duration: Option<f64>,
    #[serde(default)]
    pub sleep_cycles: Option<f64>,
    #[serde(default)]
    pub group_duration_score: Option<f64>,
    #[serde(default)]
    pub group_solidity_score: Option<f64>,
    #[serde(default)]
    pub group_regeneration_score: Option<f64>,
    /// Local clock time of each stage change → stage: 0 wake, 1 REM, 2 lighter non-REM,
    /// 3 light non-REM, 4 deep non-REM, 5 unknown.
    #[serde(default)]
    pub hypnogram: Option<BTreeMap<String, Option<f64>>>,
    /// Local clock time → 5-minute average heart rate, bpm.
    #[serde(default)]
    pub heart_rate_samples: Option<BTreeMap<String, Option<f64>>>,
}

/// `GET /v3/users/nightly-recharge`: `{recharges: [...]}` (the last 28 days).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Recharges {
    #[serde(default)]
    pub recharges: Vec<NightlyRecharge>,
}

/// One Nightly Recharge (`GET /v3/users/nightly-recharge/{date}`). Averages cover the
/// four hours from 30 minutes after falling asleep.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NightlyRecharge {
    #[serde(default)]
    pub polar_user: Option<String>,
    /// `YYYY-MM-DD`, the morning the night ended (as for sleep).
    pub date: String,
    /// Beats per minute.
    #[serde(default)]
    pub heart_rate_avg: Option<f64>,
    /// Mean RR interval, milliseconds.
    #[serde(default)]
    pub beat_to_beat_avg: Option<f64>,
    /// RMSSD of the RR intervals, milliseconds (Polar documents RMSSD, not SDNN).
    #[serde(default)]
    pub heart_rate_variability_avg: Option<f64>,
    /// Breaths per minute.
    #[serde(default)]
    pub breathing_rate_avg: Option<f64>,
    /// 1 very poor, 2 poor, 3 compromised, 4 OK, 5 good, 6 very good.
    #[serde(default)]
    pub nightly_recharge_status: Option<f64>,
    /// −10.0 … +10.0 around the person's usual level.
    #[serde(default)]
    pub ans_charge: Option<f64>,
    #[serde(default)]
    pub ans_charge_status: Option<f64>,
    /// Local clock time → 5-minute RMSSD, ms.
    #[serde(default)]
    pub hrv_samples: Option<BTreeMap<String, Option<f64>>>,
    /// Local clock time → 5-minute breathing rate, breaths per minute.
    #[serde(default)]
    pub breathing_samples: Option<BTreeMap<String, Option<f64>>>,
}

/// One continuous heart-rate reading.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HeartRateSample {
    /// Beats per minute.
    #[serde(default)]
    pub heart_rate: Option<f64>,
    /// Device (local) clock time `HH:MM:SS` on the day's date.
    #[serde(default)]
    pub sample_time: Option<String>,
}

/// One day of continuous heart rate (`GET /v3/users/continuous-heart-rate/{date}`), 5-minute
/// averages outside exercises.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContinuousHeartRate {
    #[serde(default)]
    pub polar_user: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub heart_rate_samples: Vec<HeartRateSample>,
}

/// The range form (`GET /v3/users/continuous-heart-rate?from=&to=`):
/// `{heart_rates: [day, ...]}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContinuousHeartRates {
    #[serde(default)]
    pub heart_rates: Vec<ContinuousHeartRate>,
}

/// Step counts of a day (`steps=true`). Consecutive samples with the same count are
/// left out by Polar: a gap longer than `interval_ms` repeats the previous count.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StepSamples {
    #[serde(default)]
    pub interval_ms: Option<f64>,
    #[serde(default)]
    pub total_steps: Option<f64>,
    #[serde(default)]
    pub samples: Vec<StepSample>,
}

/// Steps in the interval starting at `timestamp` (local, no zone, `2025-08-14T00:02`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StepSample {
    #[serde(default)]
    pub steps: Option<f64>,
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// Activity zone changes of a day (`activity_zones=true`).
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
pub struct ZoneSamples {
    #[serde(default)]
    pub samples: Vec<ZoneSample>,
}

/// The zone the person is in from `timestamp` until the next sample: `SEDENTARY`,
/// `LIGHT`, `SLEEP`, `MODERATE` or `VIGOROUS`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ZoneSample {
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// One inactivity alert.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InactivityStamp {
    #[serde(default)]
    pub stamp: Option<String>,
}

/// The `samples` object of a daily activity.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ActivityDaySamples {
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub steps: Option<StepSamples>,
    #[serde(default)]
    pub activity_zones: Option<ZoneSamples>,
    #[serde(default)]
    pub inactivity_stamps: Option<Vec<InactivityStamp>>,
}

/// `GET /v3/users/activities[/{date}]`: one day's activity summary. Times are the
/// device's local clock without a zone (Polar: "no timezone information is available").
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DailyActivity {
    /// `2025-08-13T00:00:00`.
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    /// ISO 8601 durations.
    #[serde(default)]
    pub active_duration: Option<String>,
    #[serde(default)]
    pub inactive_duration: Option<String>,
    /// Percent of the day's activity goal (may exceed 100).
    #[serde(default)]
    pub daily_activity: Option<f64>,
    /// Kilocalories, basal included.
    #[serde(default)]
    pub calories: Option<f64>,
    /// Kilocalories above basal metabolism.
    #[serde(default)]
    pub active_calories: Option<f64>,
    #[serde(default)]
    pub steps: Option<f64>,
    #[serde(default)]
    pub inactivity_alert_count: Option<f64>,
    /// Metres estimated from steps.
    #[serde(default)]
    pub distance_from_steps: Option<f64>,
    #[serde(default)]
    pub samples: Option<ActivityDaySamples>,
}

/// `GET /v3/users/{user-id}` and the answer of `POST /v3/users`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    #[serde(rename = "polar-user-id")]
    pub polar_user_id: u64,
    #[serde(default, rename = "member-id")]
    pub member_id: Option<String>,
    #[serde(default, rename = "registration-date")]
    pub registration_date: Option<String>,
    #[serde(default, rename = "first-name")]
    pub first_name: Option<String>,
    #[serde(default, rename = "last-name")]
    pub last_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub birthdate: Option<String>,
    /// `MALE` or `FEMALE`.
    #[serde(default)]
    pub gender: Option<String>,
    /// Kilograms.
    #[serde(default)]
    pub weight: Option<f64>,
    /// Centimetres.
    #[serde(default)]
    pub height: Option<f64>,
}

/// The token endpoint's answer: no refresh token, a very long `expires_in`, and the Polar
/// user id the token belongs to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds.
    #[serde(default)]
    pub expires_in: Option<f64>,
    pub x_user_id: u64,
}
