//! The Google Health API v4 wire format (discovery document `health:v4`, revision
//! 20260527; our condensed reference in `provider-specs/googlehealth/`): the list answer
//! `{dataPoints, nextPageToken}` and the `DataPoint` members Terra has a place for.
//!
//! Conventions this module copies: lowerCamelCase JSON names; int64 fields arrive as JSON
//! strings (`"count": "5231"`), so every int64 is read through [`int64`], which also takes
//! a plain number; `google-duration` is seconds with an `s` suffix (`"3600s"`, `"-25200s"`),
//! read by [`duration_seconds`]; `google-datetime` is RFC 3339 UTC. Unknown members are
//! ignored, so a data point of a type we do not read parses as an empty point.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

/// `ListDataPointsResponse`: one page, newest first.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    #[serde(default)]
    pub data_points: Vec<DataPoint>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

/// `GET v4/users/me/identity`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    #[serde(default)]
    pub name: Option<String>,
    /// The account id every other call and every notification uses.
    #[serde(default)]
    pub health_user_id: Option<String>,
    /// The Fitbit Web API user id of the same person (migration only).
    #[serde(default)]
    pub legacy_user_id: Option<String>,
}

/// One data point: the envelope (`name`, `dataSource`) and exactly one member set. Only
/// the members we map are declared.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataPoint {
    /// `users/{user}/dataTypes/{type}/dataPoints/{id}` for identifiable types (sleep,
    /// exercise).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub data_source: Option<DataSource>,
    pub steps: Option<Count>,
    pub distance: Option<Distance>,
    pub floors: Option<Count>,
    pub active_energy_burned: Option<Energy>,
    pub basal_energy_burned: Option<Energy>,
    pub heart_rate: Option<HeartRate>,
    pub daily_resting_heart_rate: Option<DailyRestingHeartRate>,
    pub heart_rate_variability: Option<HeartRateVariability>,
    pub daily_heart_rate_variability: Option<DailyHeartRateVariability>,
    pub oxygen_saturation: Option<OxygenSaturation>,
    pub daily_oxygen_saturation: Option<DailyOxygenSaturation>,
    pub daily_vo2_max: Option<DailyVo2Max>,
    pub daily_respiratory_rate: Option<DailyRespiratoryRate>,
    pub core_body_temperature: Option<CoreBodyTemperature>,
    pub weight: Option<Weight>,
    pub body_fat: Option<BodyFat>,
    pub exercise: Option<Exercise>,
    pub sleep: Option<Sleep>,
    pub nutrition_log: Option<NutritionLog>,
    pub hydration_log: Option<HydrationLog>,
}

impl DataPoint {
    /// The last segment of `name` (the point's id), when the type is identifiable.
    pub fn id(&self) -> Option<&str> {
        self.name
            .as_deref()
            .and_then(|name| name.rsplit('/').next())
            .filter(|id| !id.is_empty())
    }
}

/// `DataSource`: how and with what the point was recorded.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataSource {
    /// `MANUAL`, `PASSIVELY_MEASURED`, `DERIVED`, `ACTIVELY_MEASURED`, `UNKNOWN`.
    #[serde(default)]
    pub recording_method: Option<String>,
    #[serde(default)]
    pub device: Option<Device>,
    /// `FITBIT`, `HEALTH_CONNECT`, `FITBIT_WEB_API`, ...
    #[serde(default)]
    pub platform: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub manufacturer: Option<String>,
    /// `FITNESS_BAND`, `WATCH`, `PHONE`, `RING`, `SCALE`, ...
    #[serde(default)]
    pub form_factor: Option<String>,
}

/// `ObservationTimeInterval` / `SessionTimeInterval`: UTC instants with the user's UTC
/// offsets (historical ECG aside, the offsets are always present; a missing one reads as
/// UTC).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interval {
    pub start_time: DateTime<Utc>,
    #[serde(default, deserialize_with = "duration_seconds")]
    pub start_utc_offset: Option<f64>,
    pub end_time: DateTime<Utc>,
    #[serde(default, deserialize_with = "duration_seconds")]
    pub end_utc_offset: Option<f64>,
}

/// `ObservationSampleTime`: one instant with the user's offset.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SampleTime {
    pub physical_time: DateTime<Utc>,
    #[serde(default, deserialize_with = "duration_seconds")]
    pub utc_offset: Option<f64>,
}

/// `Date`: a day in the user's time zone (daily types).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn naive(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, self.day)
    }
}

/// `steps`, `floors`: `interval`, `count` (int64).
#[derive(Debug, Clone, Deserialize)]
pub struct Count {
    pub interval: Interval,
    #[serde(default, deserialize_with = "int64")]
    pub count: Option<i64>,
}

/// `distance`: millimetres (int64).
#[derive(Debug, Clone, Deserialize)]
pub struct Distance {
    pub interval: Interval,
    #[serde(default, deserialize_with = "int64")]
    pub millimeters: Option<i64>,
}

/// `active-energy-burned`, `basal-energy-burned`: kcal (double).
#[derive(Debug, Clone, Deserialize)]
pub struct Energy {
    pub interval: Interval,
    #[serde(default)]
    pub kcal: Option<f64>,
}

/// `heart-rate`: one reading, bpm (int64).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartRate {
    pub sample_time: SampleTime,
    #[serde(default, deserialize_with = "int64")]
    pub beats_per_minute: Option<i64>,
}

/// `daily-resting-heart-rate`: bpm (int64) on a date.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyRestingHeartRate {
    pub date: Date,
    #[serde(default, deserialize_with = "int64")]
    pub beats_per_minute: Option<i64>,
}

/// `heart-rate-variability`: RMSSD and SDNN of one reading, ms.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartRateVariability {
    pub sample_time: SampleTime,
    #[serde(default)]
    pub root_mean_square_of_successive_differences_milliseconds: Option<f64>,
    #[serde(default)]
    pub standard_deviation_milliseconds: Option<f64>,
}

/// `daily-heart-rate-variability`: the night's average RMSSD (ms) and more.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyHeartRateVariability {
    pub date: Date,
    #[serde(default)]
    pub average_heart_rate_variability_milliseconds: Option<f64>,
    #[serde(default, deserialize_with = "int64")]
    pub non_rem_heart_rate_beats_per_minute: Option<i64>,
    #[serde(default)]
    pub deep_sleep_root_mean_square_of_successive_differences_milliseconds: Option<f64>,
}

/// `oxygen-saturation`: percent (0–100).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OxygenSaturation {
    pub sample_time: SampleTime,
    #[serde(default)]
    pub percentage: Option<f64>,
}

/// `daily-oxygen-saturation`: the night's average and bounds, percent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyOxygenSaturation {
    pub date: Date,
    #[serde(default)]
    pub average_percentage: Option<f64>,
    #[serde(default)]
    pub lower_bound_percentage: Option<f64>,
    #[serde(default)]
    pub upper_bound_percentage: Option<f64>,
}

/// `daily-vo2-max`: the day's cardio-fitness estimate, mL/kg/min.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyVo2Max {
    pub date: Date,
    #[serde(default)]
    pub vo2_max: Option<f64>,
    /// `POOR` … `EXCELLENT`; Terra has no field for it.
    #[serde(default)]
    pub cardio_fitness_level: Option<String>,
}

/// `daily-respiratory-rate`: breaths per minute over the main sleep ending on `date`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyRespiratoryRate {
    pub date: Date,
    #[serde(default)]
    pub breaths_per_minute: Option<f64>,
}

/// `core-body-temperature`: °C.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoreBodyTemperature {
    pub sample_time: SampleTime,
    #[serde(default)]
    pub temperature_celsius: Option<f64>,
}

/// `weight`: grams (double).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Weight {
    pub sample_time: SampleTime,
    #[serde(default)]
    pub weight_grams: Option<f64>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// `body-fat`: percent (0–100).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BodyFat {
    pub sample_time: SampleTime,
    #[serde(default)]
    pub percentage: Option<f64>,
}

/// `exercise` (§6 of the reference).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exercise {
    #[serde(default)]
    pub display_name: Option<String>,
    /// `RUNNING`, `WALKING`, `BIKING`, `SWIMMING`, `HIKING`, `YOGA`, `PILATES`, `WORKOUT`,
    /// `HIIT`, `WEIGHTLIFTING`, `STRENGTH_TRAINING`, `OTHER`.
    #[serde(default)]
    pub exercise_type: Option<String>,
    pub interval: Interval,
    #[serde(default)]
    pub metrics_summary: Option<MetricsSummary>,
    /// Moving time (pauses excluded).
    #[serde(default, deserialize_with = "duration_seconds")]
    pub active_duration: Option<f64>,
    #[serde(default)]
    pub exercise_metadata: Option<ExerciseMetadata>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExerciseMetadata {
    #[serde(default)]
    pub has_gps: Option<bool>,
}

/// `MetricsSummary`: distances in millimetres, speed mm/s (unlike Fitbit v1's km).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsSummary {
    #[serde(default)]
    pub calories_kcal: Option<f64>,
    #[serde(default)]
    pub distance_millimeters: Option<f64>,
    #[serde(default)]
    pub elevation_gain_millimeters: Option<f64>,
    #[serde(default)]
    pub average_speed_millimeters_per_second: Option<f64>,
    #[serde(default, deserialize_with = "int64")]
    pub steps: Option<i64>,
    #[serde(default, deserialize_with = "int64")]
    pub average_heart_rate_beats_per_minute: Option<i64>,
    #[serde(default)]
    pub heart_rate_zone_durations: Option<HeartRateZoneDurations>,
}

/// Time in each of Google's four heart-rate zones (Karvonen thresholds).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartRateZoneDurations {
    #[serde(default, deserialize_with = "duration_seconds")]
    pub light_time: Option<f64>,
    #[serde(default, deserialize_with = "duration_seconds")]
    pub moderate_time: Option<f64>,
    #[serde(default, deserialize_with = "duration_seconds")]
    pub vigorous_time: Option<f64>,
    #[serde(default, deserialize_with = "duration_seconds")]
    pub peak_time: Option<f64>,
}

/// `sleep` (§8 of the reference).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sleep {
    pub interval: Interval,
    /// `CLASSIC` or `STAGES`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub stages: Vec<SleepStage>,
    #[serde(default)]
    pub metadata: Option<SleepMetadata>,
    #[serde(default)]
    pub summary: Option<SleepSummary>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SleepStage {
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    /// `AWAKE`, `LIGHT`, `DEEP`, `REM`, `ASLEEP`, `RESTLESS`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SleepMetadata {
    #[serde(default)]
    pub nap: Option<bool>,
    #[serde(default)]
    pub manually_edited: Option<bool>,
}

/// Minutes (int64 strings); `minutesAsleep` is LIGHT+REM+DEEP for staged sleep.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SleepSummary {
    #[serde(default, deserialize_with = "int64")]
    pub minutes_asleep: Option<i64>,
    #[serde(default, deserialize_with = "int64")]
    pub minutes_awake: Option<i64>,
    #[serde(default, deserialize_with = "int64")]
    pub minutes_in_sleep_period: Option<i64>,
    #[serde(default, deserialize_with = "int64")]
    pub minutes_to_fall_asleep: Option<i64>,
    #[serde(default, deserialize_with = "int64")]
    pub minutes_after_wake_up: Option<i64>,
}

/// `nutrition-log` (§7 of the reference).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NutritionLog {
    pub interval: Interval,
    #[serde(default)]
    pub food: Option<String>,
    #[serde(default)]
    pub food_display_name: Option<String>,
    /// `BEFORE_BREAKFAST`, `BREAKFAST`, ..., `SNACK`, `ANYTIME`.
    #[serde(default)]
    pub meal_type: Option<String>,
    #[serde(default)]
    pub energy: Option<EnergyQuantity>,
    #[serde(default)]
    pub total_carbohydrate: Option<WeightQuantity>,
    #[serde(default)]
    pub total_fat: Option<WeightQuantity>,
    #[serde(default)]
    pub nutrients: Vec<Nutrient>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EnergyQuantity {
    #[serde(default)]
    pub kcal: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WeightQuantity {
    #[serde(default)]
    pub grams: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Nutrient {
    /// `PROTEIN`, `DIETARY_FIBER`, `SUGAR`, `SODIUM`, ...
    #[serde(default)]
    pub nutrient: Option<String>,
    #[serde(default)]
    pub quantity: Option<WeightQuantity>,
}

/// `hydration-log`: millilitres drunk.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HydrationLog {
    pub interval: Interval,
    #[serde(default)]
    pub amount_consumed: Option<Volume>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Volume {
    #[serde(default)]
    pub milliliters: Option<f64>,
}

/// A webhook delivery: the verification probe (`{"type": "verification"}`) or a
/// notification (`{data: {...}}`, the shape providers.md §8.4 records).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Delivery {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub data: Option<Notification>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub health_user_id: String,
    /// `UPSERT` or `DELETE`.
    #[serde(default)]
    pub operation: Option<String>,
    /// The kebab-case data type (`steps`, `sleep`, `weight`, ...).
    pub data_type: String,
    #[serde(default)]
    pub intervals: Vec<NotifiedInterval>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifiedInterval {
    pub physical_time_interval: PhysicalInterval,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalInterval {
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
}

/// The instant `time` seen at `offset_seconds` east of UTC (UTC when absent or out of
/// chrono's ±24 h range).
pub fn local(time: DateTime<Utc>, offset_seconds: Option<f64>) -> DateTime<FixedOffset> {
    let offset = offset_seconds
        .filter(|seconds| seconds.is_finite() && seconds.fract() == 0.0)
        .and_then(|seconds| FixedOffset::east_opt(seconds as i32))
        .unwrap_or_else(|| chrono::Offset::fix(&Utc));
    time.with_timezone(&offset)
}

/// An int64 field: a JSON string of digits (proto JSON) or a plain number; `null` is none.
fn int64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(i64),
    }
    match Option::<Raw>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Raw::Number(value)) => Ok(Some(value)),
        Some(Raw::Text(text)) => text
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("int64 {text:?} is not an integer"))),
    }
}

/// A `google-duration` (`"3600s"`, `"-25200s"`, `"1.5s"`) as seconds.
fn duration_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    parse_duration(&text)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("duration {text:?} is not like \"60s\"")))
}

/// `"3600s"` → 3600.0; `None` for anything else.
pub fn parse_duration(text: &str) -> Option<f64> {
    let seconds: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    seconds.is_finite().then_some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int64_strings_and_durations_parse() {
        let point: DataPoint = serde_json::from_str(
            r#"{"steps": {"interval": {"startTime": "2026-05-01T07:00:00Z",
                "startUtcOffset": "-25200s", "endTime": "2026-05-01T07:01:00Z",
                "endUtcOffset": "-25200s"}, "count": "87"}}"#,
        )
        .unwrap_or_default();
        let steps = point.steps.unwrap_or_else(|| panic!("steps parsed"));
        assert_eq!(steps.count, Some(87));
        assert_eq!(steps.interval.start_utc_offset, Some(-25_200.0));
        let at = local(steps.interval.start_time, steps.interval.start_utc_offset);
        assert_eq!(at.to_rfc3339(), "2026-05-01T00:00:00-07:00");
        assert_eq!(parse_duration("1.5s"), Some(1.5));
        assert_eq!(parse_duration("15"), None);
        let bad: Result<DataPoint, _> = serde_json::from_str(
            r#"{"floors": {"interval": {"startTime": "2026-05-01T07:00:00Z",
                "endTime": "2026-05-01T07:01:00Z"}, "count": "many"}}"#,
        );
        assert!(bad.is_err());
    }
}
