//! Oura API v2 JSON (`https://api.ouraring.com/v2/usercollection/...`), deserialize-only.
//!
//! Shapes follow Oura's OpenAPI 1.29 and real recorded responses (tgrk/ex_oura cassettes).
//! Nearly every field is optional: Oura omits or nulls fields the ring could not measure
//! (no `distance` on a walk, `null` items in 5-minute series), and a missing value must
//! not drop a whole page. Numbers are read as `f64` because Oura documents some integers
//! (`average_hrv`, `lowest_heart_rate`) that other versions send as decimals.
//! Enumerations stay strings and are matched in the mapper, so a new Oura value maps to
//! "unknown" instead of failing.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;

/// Every collection's envelope: `{data: [...], next_token: str|null}`; repeat the request
/// with `next_token=<token>` until it is null.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub next_token: Option<String>,
}

/// A regularly spaced series: `items[i]` was measured at `timestamp + i * interval`.
/// `interval` is in seconds (300 for sleep heart rate and HRV, 60 for daily MET, 5 for
/// sessions); `null` items are gaps (ring off, bad signal).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Series {
    pub interval: f64,
    #[serde(default)]
    pub items: Vec<Option<f64>>,
    pub timestamp: DateTime<FixedOffset>,
}

/// `GET /v2/usercollection/personal_info` (a single document, no envelope).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PersonalInfo {
    pub id: String,
    #[serde(default)]
    pub age: Option<f64>,
    /// Kilograms.
    #[serde(default)]
    pub weight: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub height: Option<f64>,
    /// `male` / `female` (free text in the spec).
    #[serde(default)]
    pub biological_sex: Option<String>,
    /// Present only with the `email` scope.
    #[serde(default)]
    pub email: Option<String>,
}

/// The readiness contribution nested in a sleep document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SleepReadiness {
    #[serde(default)]
    pub score: Option<f64>,
    /// Degrees Celsius relative to the person's baseline (not an absolute temperature).
    #[serde(default)]
    pub temperature_deviation: Option<f64>,
}

/// `/v2/usercollection/sleep` element: one sleep period (a night or a nap).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sleep {
    pub id: String,
    #[serde(default)]
    pub day: Option<NaiveDate>,
    /// With the person's local offset at the time, e.g. `+02:00`.
    pub bedtime_start: DateTime<FixedOffset>,
    pub bedtime_end: DateTime<FixedOffset>,
    /// `long_sleep`, `sleep` (short), `late_nap`, `rest`, `deleted`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Durations, all in seconds.
    #[serde(default)]
    pub total_sleep_duration: Option<f64>,
    #[serde(default)]
    pub time_in_bed: Option<f64>,
    #[serde(default)]
    pub awake_time: Option<f64>,
    #[serde(default)]
    pub light_sleep_duration: Option<f64>,
    #[serde(default)]
    pub deep_sleep_duration: Option<f64>,
    #[serde(default)]
    pub rem_sleep_duration: Option<f64>,
    #[serde(default)]
    pub latency: Option<f64>,
    /// Percent (0–100) of time in bed spent asleep.
    #[serde(default)]
    pub efficiency: Option<f64>,
    /// Beats per minute.
    #[serde(default)]
    pub average_heart_rate: Option<f64>,
    #[serde(default)]
    pub lowest_heart_rate: Option<f64>,
    /// RMSSD in milliseconds (Oura measures RMSSD, never SDNN).
    #[serde(default)]
    pub average_hrv: Option<f64>,
    /// Breaths per minute.
    #[serde(default)]
    pub average_breath: Option<f64>,
    /// One digit per 5 minutes from `bedtime_start`: 1 deep, 2 light, 3 REM, 4 awake.
    #[serde(default)]
    pub sleep_phase_5_min: Option<String>,
    /// Beats per minute, 5-minute spacing.
    #[serde(default)]
    pub heart_rate: Option<Series>,
    /// RMSSD in milliseconds, 5-minute spacing.
    #[serde(default)]
    pub hrv: Option<Series>,
    #[serde(default)]
    pub readiness: Option<SleepReadiness>,
}

/// `/v2/usercollection/daily_activity` element: one Oura day (which starts at 04:00 local).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DailyActivity {
    pub id: String,
    pub day: NaiveDate,
    /// Start of Oura's day, with the local offset (`2024-11-11T04:00:00+01:00`).
    pub timestamp: DateTime<FixedOffset>,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default)]
    pub steps: Option<f64>,
    /// Kilocalories.
    #[serde(default)]
    pub active_calories: Option<f64>,
    #[serde(default)]
    pub total_calories: Option<f64>,
    /// Metres: distance *equivalent* to the day's activity if walked, not a GPS distance.
    #[serde(default)]
    pub equivalent_walking_distance: Option<f64>,
    /// Seconds in each activity class.
    #[serde(default)]
    pub high_activity_time: Option<f64>,
    #[serde(default)]
    pub medium_activity_time: Option<f64>,
    #[serde(default)]
    pub low_activity_time: Option<f64>,
    #[serde(default)]
    pub sedentary_time: Option<f64>,
    #[serde(default)]
    pub resting_time: Option<f64>,
    #[serde(default)]
    pub non_wear_time: Option<f64>,
    /// Mean MET level of the day (a level, despite the name).
    #[serde(default)]
    pub average_met_minutes: Option<f64>,
    #[serde(default)]
    pub inactivity_alerts: Option<f64>,
    /// One digit per 5 minutes from `timestamp`: 0 non-wear, 1 rest, 2 inactive, 3 low,
    /// 4 medium, 5 high.
    #[serde(default)]
    pub class_5_min: Option<String>,
    /// MET level, 1-minute spacing.
    #[serde(default)]
    pub met: Option<Series>,
}

/// `/v2/usercollection/daily_readiness` element.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DailyReadiness {
    pub id: String,
    pub day: NaiveDate,
    pub timestamp: DateTime<FixedOffset>,
    /// 0–100.
    #[serde(default)]
    pub score: Option<f64>,
    /// Degrees Celsius relative to the person's baseline.
    #[serde(default)]
    pub temperature_deviation: Option<f64>,
}

/// The nested SpO2 object of a daily_spo2 document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Spo2Percentage {
    /// Percent.
    #[serde(default)]
    pub average: Option<f64>,
}

/// `/v2/usercollection/daily_spo2` element. Carries no time of day and no offset.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DailySpo2 {
    pub id: String,
    pub day: NaiveDate,
    #[serde(default)]
    pub spo2_percentage: Option<Spo2Percentage>,
}

/// `/v2/usercollection/heartrate` element: one reading.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HeartRate {
    pub bpm: f64,
    /// `awake`, `rest`, `sleep`, `session`, `live`, `workout`.
    #[serde(default)]
    pub source: Option<String>,
    /// UTC (`+00:00`) in every recorded response.
    pub timestamp: DateTime<FixedOffset>,
}

/// `/v2/usercollection/workout` element.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Workout {
    pub id: String,
    /// The local day the workout belongs to.
    #[serde(default)]
    pub day: Option<NaiveDate>,
    /// Oura's activity name (`walking`, `running`, `cycling`, ...).
    pub activity: String,
    /// Kilocalories.
    #[serde(default)]
    pub calories: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub distance: Option<f64>,
    pub start_datetime: DateTime<FixedOffset>,
    pub end_datetime: DateTime<FixedOffset>,
    /// `easy`, `moderate`, `hard`.
    #[serde(default)]
    pub intensity: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    /// `manual`, `autodetected`, `confirmed`, `workout_heart_rate`.
    #[serde(default)]
    pub source: Option<String>,
}

/// `/v2/usercollection/session` element: a guided or unguided moment (meditation,
/// breathing, nap, ...).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Session {
    pub id: String,
    /// The local day the session belongs to.
    #[serde(default)]
    pub day: Option<NaiveDate>,
    pub start_datetime: DateTime<FixedOffset>,
    pub end_datetime: DateTime<FixedOffset>,
    /// `breathing`, `meditation`, `nap`, `relaxation`, `rest`, `body_status`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Beats per minute, 5-second spacing.
    #[serde(default)]
    pub heart_rate: Option<Series>,
    /// RMSSD in milliseconds, 5-second spacing.
    #[serde(default)]
    pub heart_rate_variability: Option<Series>,
}

/// Oura's error body (RFC 7807 style); 404 sends only `detail`, 429 often nothing.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub status: Option<f64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
}

/// A document filed under one local `day` (Oura's `day` field), so a fetch can keep
/// exactly the days it asked for.
pub trait OnDay {
    fn on_day(&self) -> Option<NaiveDate>;
}

impl OnDay for Sleep {
    fn on_day(&self) -> Option<NaiveDate> {
        self.day
    }
}

impl OnDay for DailyActivity {
    fn on_day(&self) -> Option<NaiveDate> {
        Some(self.day)
    }
}

impl OnDay for DailyReadiness {
    fn on_day(&self) -> Option<NaiveDate> {
        Some(self.day)
    }
}

impl OnDay for DailySpo2 {
    fn on_day(&self) -> Option<NaiveDate> {
        Some(self.day)
    }
}

impl OnDay for Workout {
    fn on_day(&self) -> Option<NaiveDate> {
        self.day
    }
}

impl OnDay for Session {
    fn on_day(&self) -> Option<NaiveDate> {
        self.day
    }
}

/// `WebhookSubscriptionModel` (`/v2/webhook/subscription`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub callback_url: String,
    pub event_type: String,
    pub data_type: String,
    /// UTC; sent without a zone designator (`2025-01-01T00:00:00.123456`) in practice,
    /// with one (`...Z`) in the documentation's examples.
    pub expiration_time: String,
}

/// `/v2/usercollection/daily_sleep` element (`PublicDailySleep`): the sleep score of the
/// night that ended on `day`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DailySleep {
    pub id: String,
    pub day: NaiveDate,
    /// Midnight of `day`; UTC (`+00:00`) in every recorded response.
    pub timestamp: DateTime<FixedOffset>,
    /// 0–100.
    #[serde(default)]
    pub score: Option<f64>,
    /// Sub-scores (1–100) of the score; Terra has no place for them.
    #[serde(default)]
    pub contributors: Option<serde_json::Value>,
}

/// `/v2/usercollection/daily_stress` element (`PublicDailyStress`). Carries no time of day
/// and no offset.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DailyStress {
    pub id: String,
    pub day: NaiveDate,
    /// Seconds in the high-stress zone (the top quartile of the person's own daytime data).
    #[serde(default)]
    pub stress_high: Option<f64>,
    /// Seconds in the high-recovery zone (the bottom quartile of that data).
    #[serde(default)]
    pub recovery_high: Option<f64>,
    /// `restored`, `normal`, `stressful`.
    #[serde(default)]
    pub day_summary: Option<String>,
}

/// `/v2/usercollection/vO2_max` element (`PublicVO2Max`; capital O in the path).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Vo2Max {
    pub id: String,
    pub day: NaiveDate,
    /// When the estimate was made.
    pub timestamp: DateTime<FixedOffset>,
    /// mL/min/kg (an integer in the spec).
    #[serde(default)]
    pub vo2_max: Option<f64>,
}

/// `/v2/usercollection/ring_configuration` element (`PublicRingConfiguration`); the
/// collection takes no dates.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RingConfiguration {
    pub id: String,
    /// `gen1`, `gen2`, `gen2m`, `gen3`, `gen4`.
    #[serde(default)]
    pub hardware_type: Option<String>,
    #[serde(default)]
    pub firmware_version: Option<String>,
    /// UTC. Real responses carry `1970-01-01T00:00:00+00:00` for rings set up before Oura
    /// recorded the date.
    #[serde(default)]
    pub set_up_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub design: Option<String>,
    /// US ring size.
    #[serde(default)]
    pub size: Option<f64>,
}

/// `/v2/usercollection/enhanced_tag` element (`EnhancedTagModel`): a tag the person
/// entered in the app, at one instant or over a span.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EnhancedTag {
    pub id: String,
    /// `tag_generic_fasting`, ...; `custom` for custom tags; `null` for text-only tags.
    #[serde(default)]
    pub tag_type_code: Option<String>,
    /// Local time with offset.
    pub start_time: DateTime<FixedOffset>,
    #[serde(default)]
    pub end_time: Option<DateTime<FixedOffset>>,
    pub start_day: NaiveDate,
    #[serde(default)]
    pub end_day: Option<NaiveDate>,
    #[serde(default)]
    pub comment: Option<String>,
    /// The name of a `custom` tag.
    #[serde(default)]
    pub custom_name: Option<String>,
}

/// One episode of a rest mode period: the tags the person chose at that moment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RestModeEpisode {
    #[serde(default)]
    pub tags: Vec<String>,
    pub timestamp: DateTime<FixedOffset>,
}

/// `/v2/usercollection/rest_mode_period` element (`PublicRestModePeriod`): a span the
/// person put the ring in rest mode (ill, recovering).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RestModePeriod {
    pub id: String,
    pub start_day: NaiveDate,
    #[serde(default)]
    pub start_time: Option<DateTime<FixedOffset>>,
    /// `null` while rest mode is still on.
    #[serde(default)]
    pub end_day: Option<NaiveDate>,
    #[serde(default)]
    pub end_time: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub episodes: Vec<RestModeEpisode>,
}

impl OnDay for DailySleep {
    fn on_day(&self) -> Option<NaiveDate> {
        Some(self.day)
    }
}

impl OnDay for DailyStress {
    fn on_day(&self) -> Option<NaiveDate> {
        Some(self.day)
    }
}

impl OnDay for Vo2Max {
    fn on_day(&self) -> Option<NaiveDate> {
        Some(self.day)
    }
}

/// Tags are filed under their start day.
impl OnDay for EnhancedTag {
    fn on_day(&self) -> Option<NaiveDate> {
        Some(self.start_day)
    }
}

/// A rest mode period spans days; the fetch keeps all of them and the mapper files each
/// entry under its own day.
impl OnDay for RestModePeriod {
    fn on_day(&self) -> Option<NaiveDate> {
        None
    }
}
