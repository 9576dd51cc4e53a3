//! Withings Public API JSON (`https://wbsapi.withings.net/...`), deserialize-only.
//!
//! Every answer, errors included, is HTTP 200 with the envelope `{"status": N, "body": {...}}`
//! ([`Envelope`]); `status` 0 is success. Shapes follow providers.md §3, the community
//! OpenAPI description (tryAGI/Withings) and real recorded answers (aiowithings and shimmer
//! fixtures). Nearly every field is optional: Withings leaves out what a device did not
//! measure and sends `0` for "absent" in workout heart-rate fields. Measured numbers are
//! read as `f64` (some integers arrive as decimals across API versions); enumerations stay
//! integers matched in the mapper, so an unknown code maps to "unknown" instead of failing.
//! Times are epoch seconds (UTC) with an IANA zone name (`timezone`) next to them.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// Every answer: `status` 0 = success, anything else an error (HTTP status stays 200).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Envelope {
    pub status: i64,
    /// The payload on success; `{}` or absent on errors.
    #[serde(default)]
    pub body: Option<Value>,
    /// Human-readable message on some errors (`"Invalid Params: invalid code"`).
    #[serde(default)]
    pub error: Option<String>,
}

/// `/measure?action=getmeas` body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MeasureBody {
    /// Epoch seconds of the server's last update for this user.
    #[serde(default)]
    pub updatetime: Option<i64>,
    /// IANA zone of the user (`Europe/Paris`); the measure groups carry none of their own.
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub measuregrps: Vec<MeasureGroup>,
    /// `1`/`true` when another page follows (request again with `offset`).
    #[serde(default)]
    pub more: Option<Value>,
    #[serde(default)]
    pub offset: Option<i64>,
}

/// One measure group: the values one device (or the user) recorded at one instant.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MeasureGroup {
    #[serde(default)]
    pub grpid: Option<i64>,
    /// 0 device, 1 ambiguous device, 2 manual, 4 manual at signup, 5/7/8/17 device variants.
    #[serde(default)]
    pub attrib: Option<i64>,
    /// Epoch seconds of the measurement.
    pub date: i64,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub modified: Option<i64>,
    /// 1 real measurement, 2 user objective (a goal, not a measurement).
    #[serde(default)]
    pub category: Option<i64>,
    #[serde(default)]
    pub deviceid: Option<String>,
    #[serde(default)]
    pub hash_deviceid: Option<String>,
    /// Device model name (`Body+`), in newer answers.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub measures: Vec<Measure>,
}

/// One value: the real quantity is `value × 10^unit` in the unit of its `type`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Measure {
    pub value: i64,
    #[serde(rename = "type")]
    pub kind: i64,
    pub unit: i64,
    /// Body position of segmental measures (left arm, ...).
    #[serde(default)]
    pub position: Option<i64>,
}

/// `/v2/measure?action=getactivity` body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ActivityBody {
    #[serde(default)]
    pub activities: Vec<ActivityDay>,
    #[serde(default)]
    pub more: Option<Value>,
    #[serde(default)]
    pub offset: Option<i64>,
}

/// One local day of activity, aggregated over the user's devices.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ActivityDay {
    /// Local calendar day `YYYY-MM-DD`.
    pub date: String,
    /// IANA zone of that day.
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub deviceid: Option<String>,
    #[serde(default)]
    pub hash_deviceid: Option<String>,
    /// 1 Withings, 18 an external source (Google Fit, Apple Health).
    #[serde(default)]
    pub brand: Option<i64>,
    #[serde(default)]
    pub is_tracker: Option<bool>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub steps: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub distance: Option<f64>,
    /// Metres climbed.
    #[serde(default)]
    pub elevation: Option<f64>,
    /// Seconds of light, moderate and intense activity, and their sum.
    #[serde(default)]
    pub soft: Option<f64>,
    #[serde(default)]
    pub moderate: Option<f64>,
    #[serde(default)]
    pub intense: Option<f64>,
    #[serde(default)]
    pub active: Option<f64>,
    /// Active energy, kcal.
    #[serde(default)]
    pub calories: Option<f64>,
    /// Active + basal energy, kcal.
    #[serde(default)]
    pub totalcalories: Option<f64>,
    /// Beats per minute.
    #[serde(default)]
    pub hr_average: Option<f64>,
    #[serde(default)]
    pub hr_min: Option<f64>,
    #[serde(default)]
    pub hr_max: Option<f64>,
    /// Seconds in heart-rate zones 0 (light) to 3 (peak).
    #[serde(default)]
    pub hr_zone_0: Option<f64>,
    #[serde(default)]
    pub hr_zone_1: Option<f64>,
    #[serde(default)]
    pub hr_zone_2: Option<f64>,
    #[serde(default)]
    pub hr_zone_3: Option<f64>,
    #[serde(default)]
    pub modified: Option<i64>,
}

/// `/v2/measure?action=getintradayactivity` body: `series` maps an epoch-seconds key to the
/// values of the interval starting then. An empty answer sends `series: []`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IntradayBody {
    #[serde(default)]
    pub series: IntradaySeries,
}

/// The intraday series: an object keyed by epoch seconds, or an empty array.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum IntradaySeries {
    Points(BTreeMap<String, IntradayPoint>),
    Empty(Vec<Value>),
}

impl Default for IntradaySeries {
    fn default() -> Self {
        Self::Empty(Vec::new())
    }
}

/// One intraday interval.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct IntradayPoint {
    #[serde(default)]
    pub steps: Option<f64>,
    /// Metres climbed.
    #[serde(default)]
    pub elevation: Option<f64>,
    /// Active energy, kcal.
    #[serde(default)]
    pub calories: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub distance: Option<f64>,
    /// Seconds the interval lasts.
    #[serde(default)]
    pub duration: Option<f64>,
    /// Beats per minute.
    #[serde(default)]
    pub heart_rate: Option<f64>,
    /// Percent.
    #[serde(default)]
    pub spo2_auto: Option<f64>,
}

/// `/v2/measure?action=getworkouts` body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkoutsBody {
    #[serde(default)]
    pub series: Vec<Workout>,
    #[serde(default)]
    pub more: Option<Value>,
    #[serde(default)]
    pub offset: Option<i64>,
}

/// One workout.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Workout {
    #[serde(default)]
    pub id: Option<i64>,
    /// Withings workout category (1 walk, 2 run, 6 bicycling, 7 swimming, ...).
    #[serde(default)]
    pub category: Option<i64>,
    /// 0 device, 2 manual (as in measure groups).
    #[serde(default)]
    pub attrib: Option<i64>,
    /// Epoch seconds.
    pub startdate: i64,
    pub enddate: i64,
    /// Local day `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub deviceid: Option<String>,
    /// Model id (integer) or name, depending on the API version.
    #[serde(default)]
    pub model: Option<Value>,
    #[serde(default)]
    pub data: Option<WorkoutData>,
    #[serde(default)]
    pub modified: Option<i64>,
}

/// A workout's measured values (requested through `data_fields`). `0` often means absent.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct WorkoutData {
    /// Active energy, kcal.
    #[serde(default)]
    pub calories: Option<f64>,
    /// Seconds of effective (unpaused) duration.
    #[serde(default)]
    pub effduration: Option<f64>,
    /// Withings intensity score 0–100.
    #[serde(default)]
    pub intensity: Option<f64>,
    /// Metres / kcal the user typed in.
    #[serde(default)]
    pub manual_distance: Option<f64>,
    #[serde(default)]
    pub manual_calories: Option<f64>,
    /// Beats per minute.
    #[serde(default)]
    pub hr_average: Option<f64>,
    #[serde(default)]
    pub hr_min: Option<f64>,
    #[serde(default)]
    pub hr_max: Option<f64>,
    /// Seconds in heart-rate zones 0–3.
    #[serde(default)]
    pub hr_zone_0: Option<f64>,
    #[serde(default)]
    pub hr_zone_1: Option<f64>,
    #[serde(default)]
    pub hr_zone_2: Option<f64>,
    #[serde(default)]
    pub hr_zone_3: Option<f64>,
    /// Seconds paused by the user / detected as paused.
    #[serde(default)]
    pub pause_duration: Option<f64>,
    #[serde(default)]
    pub algo_pause_duration: Option<f64>,
    /// Percent.
    #[serde(default)]
    pub spo2_average: Option<f64>,
    #[serde(default)]
    pub steps: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub distance: Option<f64>,
    /// Metres climbed.
    #[serde(default)]
    pub elevation: Option<f64>,
    #[serde(default)]
    pub pool_laps: Option<f64>,
    #[serde(default)]
    pub strokes: Option<f64>,
    /// Metres.
    #[serde(default)]
    pub pool_length: Option<f64>,
}

/// `/v2/sleep?action=get` body: the night split into segments of one sleep state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SleepBody {
    #[serde(default)]
    pub series: Vec<SleepSegment>,
}

/// A time series keyed by epoch seconds (as a string).
pub type EpochSeries = BTreeMap<String, Option<f64>>;

/// One segment of a night.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SleepSegment {
    /// Epoch seconds.
    pub startdate: i64,
    pub enddate: i64,
    /// 0 awake, 1 light, 2 deep, 3 REM, 4 manual, 5 unspecified.
    pub state: i64,
    #[serde(default)]
    pub model: Option<Value>,
    #[serde(default)]
    pub hash_deviceid: Option<String>,
    /// Beats per minute.
    #[serde(default)]
    pub hr: Option<EpochSeries>,
    /// Respiration rate, breaths per minute.
    #[serde(default)]
    pub rr: Option<EpochSeries>,
    /// Seconds of snoring in the sample window.
    #[serde(default)]
    pub snoring: Option<EpochSeries>,
    /// HRV as SDNN over one minute, ms.
    #[serde(default)]
    pub sdnn_1: Option<EpochSeries>,
    /// HRV as RMSSD, ms.
    #[serde(default)]
    pub rmssd: Option<EpochSeries>,
    #[serde(default)]
    pub mvt_score: Option<EpochSeries>,
}

/// `/v2/sleep?action=getsummary` body.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SleepSummaryBody {
    #[serde(default)]
    pub series: Vec<SleepSummary>,
    #[serde(default)]
    pub more: Option<Value>,
    #[serde(default)]
    pub offset: Option<i64>,
}

/// One night's summary.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SleepSummary {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub model: Option<Value>,
    #[serde(default)]
    pub model_id: Option<i64>,
    #[serde(default)]
    pub hash_deviceid: Option<String>,
    /// Epoch seconds: in bed / out of bed.
    pub startdate: i64,
    pub enddate: i64,
    /// Local day the night ended, `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub modified: Option<i64>,
    #[serde(default)]
    pub data: SleepSummaryData,
}

/// A night's figures. Durations in seconds, heart rate in bpm, respiration in breaths per
/// minute; `sleep_efficiency` is a ratio 0–1 (not a percent).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct SleepSummaryData {
    #[serde(default)]
    pub total_sleep_time: Option<f64>,
    #[serde(default)]
    pub total_timeinbed: Option<f64>,
    #[serde(default)]
    pub asleepduration: Option<f64>,
    #[serde(default)]
    pub lightsleepduration: Option<f64>,
    #[serde(default)]
    pub deepsleepduration: Option<f64>,
    #[serde(default)]
    pub remsleepduration: Option<f64>,
    #[serde(default)]
    pub wakeupduration: Option<f64>,
    #[serde(default)]
    pub wakeupcount: Option<f64>,
    #[serde(default)]
    pub durationtosleep: Option<f64>,
    #[serde(default)]
    pub durationtowakeup: Option<f64>,
    #[serde(default)]
    pub sleep_efficiency: Option<f64>,
    #[serde(default)]
    pub sleep_latency: Option<f64>,
    #[serde(default)]
    pub wakeup_latency: Option<f64>,
    /// Wake after sleep onset, seconds.
    #[serde(default)]
    pub waso: Option<f64>,
    #[serde(default)]
    pub nb_rem_episodes: Option<f64>,
    #[serde(default)]
    pub out_of_bed_count: Option<f64>,
    #[serde(default)]
    pub hr_average: Option<f64>,
    #[serde(default)]
    pub hr_min: Option<f64>,
    #[serde(default)]
    pub hr_max: Option<f64>,
    #[serde(default)]
    pub rr_average: Option<f64>,
    #[serde(default)]
    pub rr_min: Option<f64>,
    #[serde(default)]
    pub rr_max: Option<f64>,
    /// 0–100.
    #[serde(default)]
    pub sleep_score: Option<f64>,
    /// Seconds of snoring.
    #[serde(default)]
    pub snoring: Option<f64>,
    #[serde(default)]
    pub snoringepisodecount: Option<f64>,
    #[serde(default)]
    pub breathing_disturbances_intensity: Option<f64>,
    #[serde(default)]
    pub apnea_hypopnea_index: Option<f64>,
}

/// The token endpoint's `body` (`/v2/oauth2`, `action=requesttoken`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TokenBody {
    /// The Withings user id: a number in some answers, a string in others.
    pub userid: Value,
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds (10 800 in production).
    #[serde(default)]
    pub expires_in: Option<f64>,
    /// Comma-separated scopes.
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub token_type: Option<String>,
}

impl TokenBody {
    /// The user id as text, whichever JSON type it came as.
    pub fn user_id(&self) -> Option<String> {
        json_id(&self.userid)
    }
}

/// An id sent as a JSON number or string, as text.
pub fn json_id(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Whether a `more` field says another page follows (`true` or a non-zero number).
pub fn has_more(more: Option<&Value>) -> bool {
    match more {
        Some(Value::Bool(flag)) => *flag,
        Some(Value::Number(number)) => number.as_f64().is_some_and(|n| n != 0.0),
        _ => false,
    }
}
