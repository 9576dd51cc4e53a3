//! The SANDBOX cloud's JSON, as `wearbridge-sim` serves it (`docs/simulator.md` §2.2, which
//! gives every unit). Deserialize-only. Enumerations arrive as strings and are matched in
//! the mapper, so a value the simulator adds later maps to "unknown" instead of failing a
//! whole page.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;

/// `GET /me`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub profile: Profile,
}

/// `GET /profile`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Profile {
    pub user_id: String,
    pub first_name: String,
    pub last_name: String,
    /// `female` or `male`.
    pub sex: String,
    pub birth_date: NaiveDate,
    /// Metres.
    pub height_m: f64,
    /// Kilograms: the typical weight (daily weigh-ins are under `/body`).
    pub weight_kg: f64,
    /// The person's home offset, e.g. `-05:00`.
    pub utc_offset: String,
}

/// Every list endpoint's envelope. `next_page` is opaque; repeat with `page=<next_page>`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ListPage<T> {
    pub user_id: String,
    pub data: Vec<T>,
    #[serde(default)]
    pub next_page: Option<String>,
}

/// `/daily` element: one local day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Daily {
    pub date: NaiveDate,
    pub start_time: DateTime<FixedOffset>,
    pub end_time: DateTime<FixedOffset>,
    pub steps: u32,
    /// Metres.
    pub distance_m: f64,
    /// Kcal above basal.
    pub active_kcal: f64,
    /// Basal metabolic rate for the day, kcal.
    pub bmr_kcal: f64,
    /// Basal + active, kcal.
    pub total_kcal: f64,
    pub resting_hr_bpm: u32,
    pub avg_hr_bpm: u32,
    pub max_hr_bpm: u32,
    /// 96 × 15 minutes from local midnight.
    pub intervals: Vec<Interval>,
}

/// One 15-minute slice of a day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Interval {
    pub start_time: DateTime<FixedOffset>,
    pub end_time: DateTime<FixedOffset>,
    pub steps: u32,
    /// Metres in this interval (not cumulative).
    pub distance_m: f64,
    /// Basal share + active, kcal.
    pub kcal: f64,
    pub active_kcal: f64,
    pub avg_hr_bpm: u32,
}

/// `/sleep` element: one night, listed under the date it ends.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Sleep {
    pub id: String,
    pub date: NaiveDate,
    pub start_time: DateTime<FixedOffset>,
    pub end_time: DateTime<FixedOffset>,
    /// All durations in seconds; `in_bed_s = awake_s + light_s + deep_s + rem_s`.
    pub in_bed_s: i64,
    pub asleep_s: i64,
    pub awake_s: i64,
    pub light_s: i64,
    pub deep_s: i64,
    pub rem_s: i64,
    pub latency_s: i64,
    /// `100 · asleep_s / in_bed_s`.
    pub efficiency_percent: f64,
    pub resting_hr_bpm: u32,
    pub avg_hr_bpm: u32,
    /// Mean RMSSD, milliseconds.
    pub hrv_rmssd_ms: f64,
    pub spo2_avg_percent: f64,
    pub spo2_min_percent: f64,
    /// Breaths per minute.
    pub respiration_rate_brpm: f64,
    pub stages: Vec<Stage>,
    pub heart_rate_samples: Vec<HeartRateSample>,
    pub hrv_samples: Vec<HrvSample>,
}

/// A contiguous run of one sleep stage (`awake`, `light`, `deep`, `rem`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Stage {
    pub stage: String,
    pub start_time: DateTime<FixedOffset>,
    pub end_time: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HeartRateSample {
    pub time: DateTime<FixedOffset>,
    pub bpm: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HrvSample {
    pub time: DateTime<FixedOffset>,
    /// RMSSD, milliseconds.
    pub rmssd_ms: f64,
}

/// `/workouts` element.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Workout {
    pub id: String,
    pub date: NaiveDate,
    /// `running`, `cycling`, `walking`, `strength_training`, `yoga`.
    #[serde(rename = "type")]
    pub kind: String,
    pub start_time: DateTime<FixedOffset>,
    pub end_time: DateTime<FixedOffset>,
    pub duration_s: i64,
    /// Metres (0 indoors).
    pub distance_m: f64,
    /// Metres.
    pub elevation_gain_m: f64,
    /// Metres per second.
    pub avg_speed_m_s: f64,
    pub avg_hr_bpm: u32,
    pub max_hr_bpm: u32,
    pub steps: u32,
    /// Kcal above basal.
    pub active_kcal: f64,
    /// Kcal including basal.
    pub total_kcal: f64,
    pub has_gps: bool,
    /// 1 Hz; absent when requested with `include_samples=false`.
    #[serde(default)]
    pub samples: Option<Vec<WorkoutSample>>,
}

/// One second of a workout; time = `start_time + offset_s`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkoutSample {
    pub offset_s: i64,
    pub hr_bpm: u32,
    /// WGS 84 degrees, outdoor workouts only.
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Metres, outdoor workouts only.
    #[serde(default)]
    pub elevation_m: Option<f64>,
    /// Cumulative metres.
    pub distance_m: f64,
    pub speed_m_s: f64,
}

/// `/body` element: one morning weigh-in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Body {
    pub id: String,
    pub date: NaiveDate,
    pub measured_at: DateTime<FixedOffset>,
    /// Kilograms.
    pub weight_kg: f64,
    /// Percent.
    pub body_fat_percent: f64,
    /// kg/m².
    pub bmi: f64,
    /// Kilograms (Terra wants grams).
    pub lean_mass_kg: f64,
}

/// `/menstruation` element: one day of a cycle. Carries no time of day and no offset.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Menstruation {
    pub date: NaiveDate,
    /// 1 = first day of bleeding.
    pub cycle_day: u32,
    pub cycle_length_days: u32,
    pub period_length_days: u32,
    pub period_start_date: NaiveDate,
    /// `menstrual`, `follicular`, `ovulation`, `luteal`.
    pub phase: String,
    /// `none`, `spotting`, `light`, `medium`, `heavy`.
    pub flow: String,
}

/// `/nutrition` element: one day of meals. The day itself carries no offset; meals do.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Nutrition {
    pub date: NaiveDate,
    pub totals: Nutrients,
    pub meals: Vec<Meal>,
}

/// Energy in kcal, masses in grams except sodium (mg), water in ml.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Nutrients {
    pub kcal: f64,
    pub carbohydrates_g: f64,
    pub protein_g: f64,
    pub fat_g: f64,
    pub fiber_g: f64,
    pub sugar_g: f64,
    pub sodium_mg: f64,
    pub water_ml: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Meal {
    pub id: String,
    /// `breakfast`, `lunch`, `dinner`, `snack`.
    pub meal_type: String,
    pub name: String,
    pub eaten_at: DateTime<FixedOffset>,
    #[serde(flatten)]
    pub nutrients: Nutrients,
}
