//! Garmin Health API and Activity API JSON (`https://apis.garmin.com/wellness-api/rest/...`),
//! deserialize-only.
//!
//! Field names follow the Garmin Connect Developer Program Health API specification
//! (v1.2.2, §7) and the field facts collected in `provider-specs/garmin/FIELD-FACTS.md`.
//! Conventions that hold for every summary:
//! * instants are Unix seconds UTC (`…InSeconds`) and a sibling `…OffsetInSeconds` is the
//!   device's display offset to *add* to get local time (not necessarily a real time zone);
//! * weights and masses are **grams** (`weightInGrams`, `muscleMassInGrams`);
//! * series are objects keyed by the offset in seconds from the summary start, as a
//!   string (`{"0": 62, "15": 64}`); a missing key means "no data".
//!
//! Every field is optional: Garmin documents each summary as one that "may contain" its
//! fields and devices differ. Numbers are read as `f64` (the spec types `startTimeInSeconds`
//! as float for some summaries and integer for others). Series values stay raw JSON and are
//! filtered in the mapper, so one odd value does not drop a whole page. Unknown fields are
//! ignored.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A Garmin time series: offset in seconds from the summary start (a decimal string) →
/// value. Kept raw; [`super::mapper`] keeps entries whose key is an integer and whose
/// value is a finite number.
pub type OffsetSeries = BTreeMap<String, Value>;

/// `GET /wellness-api/rest/user/id`: the Garmin user id behind the access token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserId {
    pub user_id: String,
}

/// `GET /wellness-api/rest/user/permissions`: what the user currently shares with the app
/// (`ACTIVITY_EXPORT`, `HEALTH_EXPORT`, ...; providers.md §4.1).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Permissions {
    #[serde(default)]
    pub permissions: Vec<String>,
}

/// The error body of every Health API error status (spec Appendix E).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub error_message: Option<String>,
}

/// `dailies` element: one local calendar day ("My Day" in Garmin Connect).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Daily {
    /// Present on push payloads (and ping elements); absent on pull responses.
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    /// `YYYY-MM-DD`, the day Garmin Connect shows the summary on.
    pub calendar_date: Option<String>,
    pub start_time_in_seconds: Option<f64>,
    pub start_time_offset_in_seconds: Option<f64>,
    /// 86 400 for a complete day, less after a mid-day sync.
    pub duration_in_seconds: Option<f64>,
    pub steps: Option<f64>,
    /// Metres.
    pub distance_in_meters: Option<f64>,
    pub active_time_in_seconds: Option<f64>,
    /// Kilocalories burned by movement only (no BMR).
    pub active_kilocalories: Option<f64>,
    /// Kilocalories of basal metabolism.
    pub bmr_kilocalories: Option<f64>,
    /// Kilocalories eaten (MyFitnessPal), not burned.
    pub consumed_calories: Option<f64>,
    /// Seconds at MET 3–6.
    pub moderate_intensity_duration_in_seconds: Option<f64>,
    /// Seconds above MET 6.
    pub vigorous_intensity_duration_in_seconds: Option<f64>,
    pub floors_climbed: Option<f64>,
    pub min_heart_rate_in_beats_per_minute: Option<f64>,
    /// The mean of the **last 7 days**, not of this day (spec §7.1): never mapped as the
    /// day's average.
    pub average_heart_rate_in_beats_per_minute: Option<f64>,
    pub max_heart_rate_in_beats_per_minute: Option<f64>,
    pub resting_heart_rate_in_beats_per_minute: Option<f64>,
    /// Offset (s) → bpm; each entry stands for the 15 s from its offset.
    pub time_offset_heart_rate_samples: Option<OffsetSeries>,
    /// 1–100, −1 when there was not enough data.
    pub average_stress_level: Option<f64>,
    /// The spelling of one of Garmin's own examples; read as a fallback.
    #[serde(rename = "averageStresslevel")]
    pub average_stress_level_legacy: Option<f64>,
    pub max_stress_level: Option<f64>,
    /// Seconds with stress 26–100.
    pub stress_duration_in_seconds: Option<f64>,
    /// Seconds with stress 1–25.
    pub rest_stress_duration_in_seconds: Option<f64>,
    /// Seconds of physical activity (stress not measurable).
    pub activity_stress_duration_in_seconds: Option<f64>,
    pub low_stress_duration_in_seconds: Option<f64>,
    pub medium_stress_duration_in_seconds: Option<f64>,
    pub high_stress_duration_in_seconds: Option<f64>,
    /// `calm`, `balanced`, `stressful`, `very_stressful`, the same with `_awake`, `unknown`.
    pub stress_qualifier: Option<String>,
    pub body_battery_charged_value: Option<f64>,
    pub body_battery_drained_value: Option<f64>,
    pub steps_goal: Option<f64>,
    /// Percent.
    pub average_spo2: Option<f64>,
    /// Percent.
    pub lowest_spo2: Option<f64>,
    /// Third-party summaries only (e.g. `FITBIT`).
    pub source: Option<String>,
}

impl Daily {
    /// `averageStressLevel`, or the misspelled `averageStresslevel` of Garmin's example.
    pub fn stress_level(&self) -> Option<f64> {
        self.average_stress_level
            .or(self.average_stress_level_legacy)
    }
}

/// `epochs` element: one activity type within one 15-minute slice.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Epoch {
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    pub start_time_in_seconds: Option<f64>,
    pub start_time_offset_in_seconds: Option<f64>,
    /// `SEDENTARY`, `WALKING`, `RUNNING`, `GENERIC`, `WHEELCHAIR_PUSH`, `SLEEP` (Appendix A).
    pub activity_type: Option<String>,
    /// ≤ 900.
    pub duration_in_seconds: Option<f64>,
    /// Seconds of this activity type within the slice.
    pub active_time_in_seconds: Option<f64>,
    pub steps: Option<f64>,
    pub distance_in_meters: Option<f64>,
    pub active_kilocalories: Option<f64>,
    /// MET level of the active time.
    pub met: Option<f64>,
    /// `SEDENTARY`, `ACTIVE`, `HIGHLY_ACTIVE` (Appendix B).
    pub intensity: Option<String>,
    pub mean_motion_intensity: Option<f64>,
    pub max_motion_intensity: Option<f64>,
}

/// One span of a sleep level, Unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LevelSpan {
    pub start_time_in_seconds: Option<f64>,
    pub end_time_in_seconds: Option<f64>,
}

/// `sleepLevelsMap`: spans per level.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SleepLevels {
    pub deep: Vec<LevelSpan>,
    pub light: Vec<LevelSpan>,
    pub rem: Vec<LevelSpan>,
    pub awake: Vec<LevelSpan>,
}

/// A score `{value, qualifierKey}` (`EXCELLENT`, `GOOD`, `FAIR`, `POOR`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Score {
    pub value: Option<f64>,
    pub qualifier_key: Option<String>,
}

/// `sleeps` element: one sleep window.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sleep {
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    /// The day the sleep is shown on (the wake-up day).
    pub calendar_date: Option<String>,
    pub start_time_in_seconds: Option<f64>,
    pub start_time_offset_in_seconds: Option<f64>,
    /// The whole window, every level included (Garmin's examples: deep + light + REM +
    /// awake = duration).
    pub duration_in_seconds: Option<f64>,
    /// Spelled both ways in Garmin's documentation.
    pub unmeasurable_sleep_duration_in_seconds: Option<f64>,
    pub unmeasurable_sleep_in_seconds: Option<f64>,
    pub deep_sleep_duration_in_seconds: Option<f64>,
    pub light_sleep_duration_in_seconds: Option<f64>,
    /// No "Duration" in this one name.
    pub rem_sleep_in_seconds: Option<f64>,
    pub awake_duration_in_seconds: Option<f64>,
    pub sleep_levels_map: Option<SleepLevels>,
    /// `MANUAL`, `DEVICE`, `OFF_WRIST`, `AUTO_TENTATIVE`, `AUTO_FINAL`, `AUTO_MANUAL`,
    /// `ENHANCED_TENTATIVE`, `ENHANCED_FINAL` (case varies in examples).
    pub validation: Option<String>,
    /// Offset → breaths per minute.
    pub time_offset_sleep_respiration: Option<OffsetSeries>,
    /// Offset → SpO2 percent.
    pub time_offset_sleep_spo2: Option<OffsetSeries>,
    pub overall_sleep_score: Option<Score>,
}

/// `bodyComps` element: one weigh-in.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BodyComp {
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    pub measurement_time_in_seconds: Option<f64>,
    pub measurement_time_offset_in_seconds: Option<f64>,
    /// Grams.
    pub muscle_mass_in_grams: Option<f64>,
    /// Grams.
    pub bone_mass_in_grams: Option<f64>,
    /// Percent.
    pub body_water_in_percent: Option<f64>,
    /// Percent.
    pub body_fat_in_percent: Option<f64>,
    /// kg/m².
    pub body_mass_index: Option<f64>,
    /// **Grams**.
    pub weight_in_grams: Option<f64>,
}

/// `stressDetails` element: 3-minute stress and Body Battery series of one day.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StressDetails {
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    pub calendar_date: Option<String>,
    pub start_time_in_seconds: Option<f64>,
    pub start_time_offset_in_seconds: Option<f64>,
    pub duration_in_seconds: Option<f64>,
    /// Offset → 1–100; negative values are codes (−1 off wrist, −2 large motion, …).
    pub time_offset_stress_level_values: Option<OffsetSeries>,
    /// Offset → Body Battery 0–100.
    pub time_offset_body_battery_values: Option<OffsetSeries>,
}

/// `userMetrics` element: per-day fitness estimates (a date, no time range).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserMetrics {
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    pub calendar_date: Option<String>,
    /// ml/kg/min.
    pub vo2_max: Option<f64>,
    /// ml/kg/min, cycling.
    pub vo2_max_cycling: Option<f64>,
    /// Years.
    pub fitness_age: Option<f64>,
    pub enhanced: Option<bool>,
}

/// `pulseox` (push key) / `pulseOx` (endpoint) element.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PulseOx {
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    pub calendar_date: Option<String>,
    pub start_time_in_seconds: Option<f64>,
    pub start_time_offset_in_seconds: Option<f64>,
    /// 0 for on-demand spot checks.
    pub duration_in_seconds: Option<f64>,
    /// Offset → SpO2 percent (one a minute).
    pub time_offset_spo2_values: Option<OffsetSeries>,
    /// True: exact spot checks; false: acclimation averages.
    pub on_demand: Option<bool>,
}

/// `hrv` element: the overnight HRV window. Values are RMSSD in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Hrv {
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    pub calendar_date: Option<String>,
    pub start_time_in_seconds: Option<f64>,
    pub start_time_offset_in_seconds: Option<f64>,
    pub duration_in_seconds: Option<f64>,
    /// RMSSD (ms), mean of the night.
    pub last_night_avg: Option<f64>,
    /// RMSSD (ms), highest 5-minute value of the night.
    pub last_night5_min_high: Option<f64>,
    /// Offset → RMSSD (ms), 5-minute spacing.
    pub hrv_values: Option<OffsetSeries>,
}

/// `bloodPressures` element: one reading.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BloodPressure {
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    pub measurement_time_in_seconds: Option<f64>,
    pub measurement_time_offset_in_seconds: Option<f64>,
    /// mmHg.
    pub systolic: Option<f64>,
    /// mmHg.
    pub diastolic: Option<f64>,
    /// Beats per minute at the reading.
    pub pulse: Option<f64>,
    /// `MANUAL` or `DEVICE`.
    pub source_type: Option<String>,
}

/// `mct` element (Women's Health, menstrual cycle tracking). Garmin publishes no example
/// payload; names follow providers.md §4.3 (recalled), all read leniently.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Mct {
    pub user_id: Option<String>,
    pub summary_id: Option<String>,
    /// `YYYY-MM-DD`, first day of the cycle's period.
    pub period_start_date: Option<String>,
    /// 1 on `periodStartDate`.
    pub day_in_cycle: Option<f64>,
    /// Days.
    pub period_length: Option<f64>,
    /// Phase name, e.g. `MENSTRUATION`, `FOLLICULAR`, `OVULATION`, `LUTEAL`.
    pub current_phase_type: Option<String>,
    /// Days.
    pub length_of_current_phase: Option<f64>,
    pub days_until_next_phase: Option<f64>,
    /// Days.
    pub predicted_cycle_length: Option<f64>,
    pub is_predicted_cycle: Option<bool>,
    /// Days.
    pub cycle_length: Option<f64>,
    pub last_updated_time_in_seconds: Option<f64>,
    /// Day in cycle on which the fertile window starts.
    pub fertile_window_start: Option<f64>,
    /// Days.
    pub length_of_fertile_window: Option<f64>,
}

/// `activities` element (Activity API): one recorded activity, or the `summary` of an
/// `activityDetails` element.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Activity {
    pub user_id: Option<String>,
    /// Equals the activity id for summaries; `<activityId>-detail` for details.
    pub summary_id: Option<String>,
    /// A number in pushes; some clients see a string.
    pub activity_id: Option<Value>,
    pub activity_name: Option<String>,
    /// Upper case, e.g. `RUNNING`, `CYCLING`, `LAP_SWIMMING`.
    pub activity_type: Option<String>,
    pub start_time_in_seconds: Option<f64>,
    pub start_time_offset_in_seconds: Option<f64>,
    pub duration_in_seconds: Option<f64>,
    pub average_speed_in_meters_per_second: Option<f64>,
    pub max_speed_in_meters_per_second: Option<f64>,
    pub average_pace_in_minutes_per_kilometer: Option<f64>,
    pub max_pace_in_minutes_per_kilometer: Option<f64>,
    pub distance_in_meters: Option<f64>,
    /// Kilocalories above BMR.
    pub active_kilocalories: Option<f64>,
    pub device_name: Option<String>,
    pub steps: Option<f64>,
    pub average_heart_rate_in_beats_per_minute: Option<f64>,
    pub max_heart_rate_in_beats_per_minute: Option<f64>,
    pub average_run_cadence_in_steps_per_minute: Option<f64>,
    pub max_run_cadence_in_steps_per_minute: Option<f64>,
    pub average_biking_cadence_in_rev_per_minute: Option<f64>,
    pub max_biking_cadence_in_rev_per_minute: Option<f64>,
    pub average_swim_cadence_in_strokes_per_minute: Option<f64>,
    pub starting_latitude_in_degree: Option<f64>,
    pub starting_longitude_in_degree: Option<f64>,
    pub total_elevation_gain_in_meters: Option<f64>,
    pub total_elevation_loss_in_meters: Option<f64>,
    pub manual: Option<bool>,
    pub is_web_upload: Option<bool>,
}

/// One `activityDetails` sample (as often as 1 Hz); sensor fields appear only when
/// recorded.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActivitySample {
    pub start_time_in_seconds: Option<f64>,
    pub latitude_in_degree: Option<f64>,
    pub longitude_in_degree: Option<f64>,
    pub elevation_in_meters: Option<f64>,
    pub heart_rate: Option<f64>,
    pub speed_meters_per_second: Option<f64>,
    pub total_distance_in_meters: Option<f64>,
    pub timer_duration_in_seconds: Option<f64>,
    pub clock_duration_in_seconds: Option<f64>,
    pub moving_duration_in_seconds: Option<f64>,
    pub power_in_watts: Option<f64>,
    pub steps_per_minute: Option<f64>,
    #[serde(rename = "bikeCadenceInRPM")]
    pub bike_cadence_rpm: Option<f64>,
    pub swim_cadence_in_strokes_per_minute: Option<f64>,
}

/// One lap start.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Lap {
    pub start_time_in_seconds: Option<f64>,
}

/// `activityDetails` element: the activity summary plus its samples and laps.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ActivityDetails {
    pub user_id: Option<String>,
    /// `<activityId>-detail`.
    pub summary_id: Option<String>,
    pub activity_id: Option<Value>,
    pub summary: Option<Activity>,
    pub samples: Vec<ActivitySample>,
    pub laps: Vec<Lap>,
}
