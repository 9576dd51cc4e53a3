//! The documents Oura files per night, under the day the night ends on: `sleep` (with its
//! hypnograms and 5-minute heart-rate and HRV samples), `daily_readiness` and
//! `daily_spo2`. Separate from the activity day and workouts, which read the person's
//! intervals rather than a night.

use chrono::{NaiveDate, SecondsFormat, TimeDelta};
use serde::Serialize;

use super::{FIVE_MINUTES_S, Meta, Sample, localized, localized_ms, mean, meta};
use crate::person::{Sleep, SleepStage, round_to};

/// Spacing of `sleep_phase_30_sec`.
const THIRTY_SECONDS_S: i64 = 30;

/// `PublicModifiedSleepModel`, only the fields the person fills plus the required ones.
#[derive(Serialize)]
pub(in crate::providers::oura) struct SleepDoc {
    id: String,
    meta: Meta,
    /// Breaths per minute.
    average_breath: f64,
    /// Beats per minute (mean of the 5-minute samples).
    average_heart_rate: f64,
    /// RMSSD, milliseconds.
    average_hrv: i64,
    awake_time: i64,
    bedtime_end: String,
    bedtime_start: String,
    day: NaiveDate,
    deep_sleep_duration: i64,
    efficiency: i64,
    heart_rate: Sample,
    hrv: Sample,
    latency: i64,
    light_sleep_duration: i64,
    low_battery_alert: bool,
    lowest_heart_rate: i64,
    movement_30_sec: Option<String>,
    period: i64,
    readiness: Option<()>,
    readiness_score_delta: Option<i64>,
    rem_sleep_duration: i64,
    restless_periods: Option<i64>,
    sleep_algorithm_version: &'static str,
    sleep_analysis_reason: Option<&'static str>,
    sleep_phase_30_sec: String,
    sleep_phase_5_min: String,
    sleep_score_delta: Option<i64>,
    time_in_bed: i64,
    total_sleep_duration: i64,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// Oura's hypnogram digit: 1 deep, 2 light, 3 REM, 4 awake.
fn phase_digit(stage: SleepStage) -> char {
    match stage {
        SleepStage::Deep => '1',
        SleepStage::Light => '2',
        SleepStage::Rem => '3',
        SleepStage::Awake => '4',
    }
}

/// One digit per `step` seconds from bedtime, the stage in the middle of each window.
fn phases(night: &Sleep, step: i64) -> String {
    let windows = (night.in_bed_s + step - 1) / step;
    (0..windows)
        .map(|index| {
            let middle = night.start + TimeDelta::seconds(index * step + step / 2);
            let stage = night
                .stages
                .iter()
                .find(|span| span.start <= middle && middle < span.end)
                .map_or(SleepStage::Awake, |span| span.stage);
            phase_digit(stage)
        })
        .collect()
}

/// The night that ended on the morning of `day` (Oura files a sleep under its wake-up day).
pub(in crate::providers::oura) fn sleep(id: String, day: NaiveDate, night: &Sleep) -> SleepDoc {
    let heart_rate: Vec<f64> = night.hr_samples.iter().map(|s| s.value).collect();
    let hrv: Vec<f64> = night.hrv_samples.iter().map(|s| s.value).collect();
    SleepDoc {
        id,
        meta: meta(night.end),
        average_breath: night.respiration_rate_brpm,
        average_heart_rate: round_to(mean(&heart_rate), 0.001),
        average_hrv: night.hrv_rmssd_ms.round() as i64,
        awake_time: night.awake_s,
        bedtime_end: localized(night.end),
        bedtime_start: localized(night.start),
        day,
        deep_sleep_duration: night.deep_s,
        efficiency: night.efficiency_percent.round() as i64,
        heart_rate: Sample {
            interval: FIVE_MINUTES_S as f64,
            items: heart_rate.into_iter().map(Some).collect(),
            timestamp: localized_ms(night.start),
        },
        hrv: Sample {
            interval: FIVE_MINUTES_S as f64,
            items: hrv.into_iter().map(Some).collect(),
            timestamp: localized_ms(night.start),
        },
        latency: night.latency_s,
        light_sleep_duration: night.light_s,
        low_battery_alert: false,
        lowest_heart_rate: i64::from(night.resting_hr_bpm),
        movement_30_sec: None,
        period: 0,
        readiness: None,
        readiness_score_delta: None,
        rem_sleep_duration: night.rem_s,
        restless_periods: None,
        sleep_algorithm_version: "v2",
        sleep_analysis_reason: None,
        sleep_phase_30_sec: phases(night, THIRTY_SECONDS_S),
        sleep_phase_5_min: phases(night, FIVE_MINUTES_S),
        sleep_score_delta: None,
        time_in_bed: night.in_bed_s,
        total_sleep_duration: night.asleep_s,
        kind: "long_sleep",
    }
}

#[derive(Serialize, Default)]
pub(in crate::providers::oura) struct ReadinessContributors {
    activity_balance: Option<i64>,
    body_temperature: Option<i64>,
    hrv_balance: Option<i64>,
    previous_day_activity: Option<i64>,
    previous_night: Option<i64>,
    recovery_index: Option<i64>,
    resting_heart_rate: Option<i64>,
    sleep_balance: Option<i64>,
    sleep_regularity: Option<i64>,
}

/// `PublicDailyReadiness`: the person has no readiness model, so score, contributors and
/// temperature deviations are `null`; the document exists so clients see Oura's shape.
#[derive(Serialize)]
pub(in crate::providers::oura) struct DailyReadinessDoc {
    id: String,
    meta: Meta,
    contributors: ReadinessContributors,
    day: NaiveDate,
    score: Option<i64>,
    temperature_deviation: Option<f64>,
    temperature_trend_deviation: Option<f64>,
    /// Midnight UTC of `day`, as in Oura's recorded responses (not the local midnight).
    timestamp: String,
}

pub(in crate::providers::oura) fn daily_readiness(
    id: String,
    day: NaiveDate,
    night: &Sleep,
) -> DailyReadinessDoc {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    DailyReadinessDoc {
        id,
        meta: meta(night.end),
        contributors: ReadinessContributors::default(),
        day,
        score: None,
        temperature_deviation: None,
        temperature_trend_deviation: None,
        timestamp: midnight
            .fixed_offset()
            .to_rfc3339_opts(SecondsFormat::Secs, false),
    }
}

#[derive(Serialize)]
pub(in crate::providers::oura) struct Spo2Average {
    /// Percent.
    average: f64,
}

/// `PublicDailySpO2`: the average SpO2 of the night that ended on `day`.
#[derive(Serialize)]
pub(in crate::providers::oura) struct DailySpo2Doc {
    id: String,
    meta: Meta,
    breathing_disturbance_index: Option<i64>,
    day: NaiveDate,
    spo2_percentage: Spo2Average,
}

pub(in crate::providers::oura) fn daily_spo2(
    id: String,
    day: NaiveDate,
    night: &Sleep,
) -> DailySpo2Doc {
    DailySpo2Doc {
        id,
        meta: meta(night.end),
        breathing_disturbance_index: None,
        day,
        spo2_percentage: Spo2Average {
            average: night.spo2_avg_percent,
        },
    }
}
