//! WHOOP API v2 JSON (`https://api.prod.whoop.com/developer/v2/...`), deserialize-only.
//!
//! Shapes follow WHOOP's OpenAPI document (`/developer/doc/openapi.json`, see
//! `tests/fixtures/whoop/SOURCES.md`). Every instant is UTC (`...Z`); the person's local
//! offset at the time travels separately in `timezone_offset` (`-05:00`), which the mapper
//! applies. `score` is present only when `score_state` is `SCORED`, so it is optional
//! everywhere, as is anything else the spec does not mark required. Numbers are read as
//! `f64` (the spec's int32 fields are whole numbers in JSON either way), ids as text
//! whether WHOOP sends a number (cycles, users, v1 activities) or a UUID (v2 activities).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer};

/// `score_state` value of a record whose `score` is filled in.
pub const SCORED: &str = "SCORED";

/// The envelope of every collection: `{records: [...], next_token?: str}`. Repeat the
/// request with `nextToken=<next_token>` (note the camel case in the query) until the
/// token is absent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub records: Vec<T>,
    #[serde(default)]
    pub next_token: Option<String>,
}

/// Reads an id that WHOOP sends as a JSON number or a string, as text.
fn id_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Integer(i64),
        Unsigned(u64),
    }
    Ok(match Id::deserialize(deserializer)? {
        Id::Text(text) => text,
        Id::Integer(number) => number.to_string(),
        Id::Unsigned(number) => number.to_string(),
    })
}

/// Optional variant of [`id_text`].
fn optional_id_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapper(#[serde(deserialize_with = "id_text")] String);
    Ok(Option::<Wrapper>::deserialize(deserializer)?.map(|Wrapper(id)| id))
}

/// `GET /v2/user/profile/basic` (requires `read:profile`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Profile {
    /// WHOOP's user id (an integer): our `provider_user_id`, and the `user_id` of webhooks.
    #[serde(deserialize_with = "id_text")]
    pub user_id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// `GET /v2/user/measurement/body` (requires `read:body_measurement`): the current values,
/// with no measurement time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BodyMeasurement {
    /// Metres.
    #[serde(default)]
    pub height_meter: Option<f64>,
    /// Kilograms.
    #[serde(default)]
    pub weight_kilogram: Option<f64>,
    /// Beats per minute; WHOOP's estimate of the person's maximum.
    #[serde(default)]
    pub max_heart_rate: Option<f64>,
}

/// `GET /v2/cycle` element: one physiological cycle, from falling asleep to falling asleep
/// the next night (so it starts the evening before the day it mostly covers).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Cycle {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    #[serde(default, deserialize_with = "optional_id_text")]
    pub user_id: Option<String>,
    /// UTC.
    pub start: DateTime<FixedOffset>,
    /// UTC; absent (or null) while the person is still in this cycle.
    #[serde(default)]
    pub end: Option<DateTime<FixedOffset>>,
    /// `+hh:mm`, `-hh:mm` or `Z`.
    #[serde(default)]
    pub timezone_offset: Option<String>,
    #[serde(default)]
    pub score_state: Option<String>,
    #[serde(default)]
    pub score: Option<CycleScore>,
}

/// A scored cycle's values.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CycleScore {
    /// WHOOP Strain, a 0–21 scale of cardiovascular load.
    #[serde(default)]
    pub strain: Option<f64>,
    /// Kilojoules expended over the whole cycle (not kilocalories).
    #[serde(default)]
    pub kilojoule: Option<f64>,
    /// Beats per minute.
    #[serde(default)]
    pub average_heart_rate: Option<f64>,
    #[serde(default)]
    pub max_heart_rate: Option<f64>,
}

/// `GET /v2/recovery` element (also `GET /v2/cycle/{id}/recovery`): the morning's recovery,
/// measured during the sleep that started the cycle. Carries no time of its own besides
/// `created_at`/`updated_at`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Recovery {
    #[serde(deserialize_with = "id_text")]
    pub cycle_id: String,
    #[serde(default, deserialize_with = "optional_id_text")]
    pub sleep_id: Option<String>,
    #[serde(default, deserialize_with = "optional_id_text")]
    pub user_id: Option<String>,
    /// UTC; when WHOOP recorded the recovery (shortly after waking).
    #[serde(default)]
    pub created_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub score_state: Option<String>,
    #[serde(default)]
    pub score: Option<RecoveryScore>,
}

/// A scored recovery's values.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RecoveryScore {
    /// True while WHOOP is still learning the person's baselines.
    #[serde(default)]
    pub user_calibrating: Option<bool>,
    /// Percent (0–100).
    #[serde(default)]
    pub recovery_score: Option<f64>,
    /// Beats per minute.
    #[serde(default)]
    pub resting_heart_rate: Option<f64>,
    /// Heart-rate variability as RMSSD, in milliseconds (never SDNN).
    #[serde(default)]
    pub hrv_rmssd_milli: Option<f64>,
    /// Percent; WHOOP 4.0 and later only.
    #[serde(default)]
    pub spo2_percentage: Option<f64>,
    /// Degrees Celsius, absolute skin temperature; WHOOP 4.0 and later only.
    #[serde(default)]
    pub skin_temp_celsius: Option<f64>,
}

/// `GET /v2/activity/sleep` element: one sleep or nap.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sleep {
    /// UUID in v2.
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    #[serde(default, deserialize_with = "optional_id_text")]
    pub cycle_id: Option<String>,
    #[serde(default, deserialize_with = "optional_id_text")]
    pub user_id: Option<String>,
    /// UTC.
    pub start: DateTime<FixedOffset>,
    /// UTC.
    pub end: DateTime<FixedOffset>,
    #[serde(default)]
    pub timezone_offset: Option<String>,
    #[serde(default)]
    pub nap: Option<bool>,
    #[serde(default)]
    pub score_state: Option<String>,
    #[serde(default)]
    pub score: Option<SleepScore>,
}

/// A scored sleep's values.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SleepScore {
    #[serde(default)]
    pub stage_summary: Option<StageSummary>,
    #[serde(default)]
    pub sleep_needed: Option<SleepNeeded>,
    /// Breaths per minute.
    #[serde(default)]
    pub respiratory_rate: Option<f64>,
    /// Percent of the sleep the person needed that they got (WHOOP's sleep performance).
    #[serde(default)]
    pub sleep_performance_percentage: Option<f64>,
    /// Percent similarity of sleep and wake times to the previous day.
    #[serde(default)]
    pub sleep_consistency_percentage: Option<f64>,
    /// Percent of time in bed spent asleep.
    #[serde(default)]
    pub sleep_efficiency_percentage: Option<f64>,
}

/// Time per stage, all in milliseconds. "Slow wave sleep" is deep sleep.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StageSummary {
    #[serde(default)]
    pub total_in_bed_time_milli: Option<f64>,
    #[serde(default)]
    pub total_awake_time_milli: Option<f64>,
    /// Time the strap sent nothing (not worn, out of battery).
    #[serde(default)]
    pub total_no_data_time_milli: Option<f64>,
    #[serde(default)]
    pub total_light_sleep_time_milli: Option<f64>,
    #[serde(default)]
    pub total_slow_wave_sleep_time_milli: Option<f64>,
    #[serde(default)]
    pub total_rem_sleep_time_milli: Option<f64>,
    #[serde(default)]
    pub sleep_cycle_count: Option<f64>,
    /// Times the person was disturbed (woke) during the sleep.
    #[serde(default)]
    pub disturbance_count: Option<f64>,
}

/// How much sleep the person needed before this sleep, in milliseconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SleepNeeded {
    #[serde(default)]
    pub baseline_milli: Option<f64>,
    #[serde(default)]
    pub need_from_sleep_debt_milli: Option<f64>,
    #[serde(default)]
    pub need_from_recent_strain_milli: Option<f64>,
    /// Zero or negative.
    #[serde(default)]
    pub need_from_recent_nap_milli: Option<f64>,
}

/// `GET /v2/activity/workout` element.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Workout {
    /// UUID in v2.
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    #[serde(default, deserialize_with = "optional_id_text")]
    pub user_id: Option<String>,
    /// UTC.
    pub start: DateTime<FixedOffset>,
    /// UTC.
    pub end: DateTime<FixedOffset>,
    #[serde(default)]
    pub timezone_offset: Option<String>,
    /// WHOOP sport name, lower case (`running`, `cycling`, `functional-fitness`, ...).
    #[serde(default)]
    pub sport_name: Option<String>,
    /// Deprecated numeric sport id (gone after 2025-09-01).
    #[serde(default)]
    pub sport_id: Option<f64>,
    #[serde(default)]
    pub score_state: Option<String>,
    #[serde(default)]
    pub score: Option<WorkoutScore>,
}

/// A scored workout's values.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkoutScore {
    /// WHOOP Strain (0–21).
    #[serde(default)]
    pub strain: Option<f64>,
    /// Beats per minute.
    #[serde(default)]
    pub average_heart_rate: Option<f64>,
    #[serde(default)]
    pub max_heart_rate: Option<f64>,
    /// Kilojoules (not kilocalories).
    #[serde(default)]
    pub kilojoule: Option<f64>,
    /// Percent of the workout with heart-rate data.
    #[serde(default)]
    pub percent_recorded: Option<f64>,
    /// Metres; only when distance data reached WHOOP.
    #[serde(default)]
    pub distance_meter: Option<f64>,
    /// Metres climbed (ascent only).
    #[serde(default)]
    pub altitude_gain_meter: Option<f64>,
    /// Metres between start and end altitude (net, may be negative).
    #[serde(default)]
    pub altitude_change_meter: Option<f64>,
    #[serde(default)]
    pub zone_durations: Option<ZoneDurations>,
}

/// Milliseconds in each WHOOP heart-rate zone (0 very light … 5 maximum).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ZoneDurations {
    #[serde(default)]
    pub zone_zero_milli: Option<f64>,
    #[serde(default)]
    pub zone_one_milli: Option<f64>,
    #[serde(default)]
    pub zone_two_milli: Option<f64>,
    #[serde(default)]
    pub zone_three_milli: Option<f64>,
    #[serde(default)]
    pub zone_four_milli: Option<f64>,
    #[serde(default)]
    pub zone_five_milli: Option<f64>,
}

impl ZoneDurations {
    /// (zone number, milliseconds) for zones 0–5.
    pub fn zones(&self) -> [(i64, Option<f64>); 6] {
        [
            (0, self.zone_zero_milli),
            (1, self.zone_one_milli),
            (2, self.zone_two_milli),
            (3, self.zone_three_milli),
            (4, self.zone_four_milli),
            (5, self.zone_five_milli),
        ]
    }
}
