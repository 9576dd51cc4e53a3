//! Terra Sleep from a Polar night (`/v3/users/sleep`), with its Nightly Recharge when there
//! is one.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use wearbridge_model::{
    AsleepDurations, AwakeDurations, BreathSample, BreathsData, HeartRateData,
    HeartRateDataDetailed, HeartRateDataSummary, OtherSleepDurations, ReadinessData,
    RespirationData, Sleep, SleepDurationsData, SleepHypnogramSample, SleepLevel, SleepMetadata,
    SleepScores, SleepUploadType,
};

use super::common::{
    MAX_SAMPLES, bpm_samples, device, max_of, mean, min_of, non_negative, rmssd_samples, ts,
};
use crate::polar::time::{clock_time, in_night};
use crate::polar::wire;

/// Polar's hypnogram code as Terra's sleep level: 0 wake, 1 REM, 2 and 3 the two light
/// non-REM stages (N1, N2), 4 deep non-REM (N3), anything else unknown.
fn sleep_level(code: f64) -> SleepLevel {
    match code.round() as i64 {
        0 => SleepLevel::Awake,
        1 => SleepLevel::RemSleep,
        2 | 3 => SleepLevel::LightSleep,
        4 => SleepLevel::DeepSleep,
        _ => SleepLevel::Unknown,
    }
}

/// Clock-time keyed values of a night as (instant, value), in time order.
fn night_series(
    start: DateTime<FixedOffset>,
    values: Option<&BTreeMap<String, Option<f64>>>,
) -> Vec<(DateTime<FixedOffset>, f64)> {
    let mut points: Vec<(DateTime<FixedOffset>, f64)> = values
        .into_iter()
        .flatten()
        .take(MAX_SAMPLES)
        .filter_map(|(key, value)| {
            let value = value.filter(|v| v.is_finite())?;
            Some((in_night(start, clock_time(key)?)?, value))
        })
        .collect();
    points.sort_by_key(|(at, _)| *at);
    points
}

/// One night, with the same night's Nightly Recharge merged in when given (HRV as RMSSD,
/// breathing rate, recovery status). `None` without readable start and end times.
pub fn sleep(night: &wire::SleepNight, recharge: Option<&wire::NightlyRecharge>) -> Option<Sleep> {
    let start = DateTime::parse_from_rfc3339(night.sleep_start_time.trim()).ok()?;
    let end = DateTime::parse_from_rfc3339(night.sleep_end_time.trim()).ok()?;
    let heart_rate = night_series(start, night.heart_rate_samples.as_ref());
    let hrv = night_series(start, recharge.and_then(|r| r.hrv_samples.as_ref()));
    let breathing = night_series(start, recharge.and_then(|r| r.breathing_samples.as_ref()));
    let bpm: Vec<f64> = heart_rate.iter().map(|(_, v)| *v).collect();
    Some(Sleep {
        metadata: SleepMetadata {
            start_time: ts(start),
            end_time: ts(end),
            // Polar has no sleep id: a night is addressed by its date (`/sleep/{date}`).
            summary_id: Some(night.date.trim().to_owned()),
            is_nap: Some(false),
            upload_type: SleepUploadType::Automatic,
            timestamp_localization: None,
        },
        sleep_durations_data: Some(sleep_durations(night, start)),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: mean(&bpm),
                min_hr_bpm: min_of(&bpm),
                max_hr_bpm: max_of(&bpm),
                avg_hrv_rmssd: recharge.and_then(|r| non_negative(r.heart_rate_variability_avg)),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: Some(bpm_samples(heart_rate.iter().map(|(t, v)| (ts(*t), *v)))),
                hrv_samples_rmssd: recharge
                    .map(|_| rmssd_samples(hrv.iter().map(|(t, v)| (ts(*t), *v)))),
                hrv_samples_sdnn: None,
            }),
        }),
        respiration_data: recharge.map(|recharge| RespirationData {
            breaths_data: Some(breaths(recharge, &breathing)),
            ..RespirationData::default()
        }),
        readiness_data: recharge
            .and_then(|r| non_negative(r.nightly_recharge_status))
            .map(|status| ReadinessData {
                readiness: None,
                // Polar's 6-step status (very poor … very good) is Terra's RecoveryLevel
                // scale step for step.
                recovery_level: Some(status),
            }),
        scores: night
            .sleep_score
            .map(|score| SleepScores { sleep: Some(score) }),
        device_data: Some(device(None)),
        ..Sleep::default()
    })
}

fn breaths(
    recharge: &wire::NightlyRecharge,
    points: &[(DateTime<FixedOffset>, f64)],
) -> BreathsData {
    let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
    BreathsData {
        avg_breaths_per_min: non_negative(recharge.breathing_rate_avg),
        min_breaths_per_min: min_of(&values),
        max_breaths_per_min: max_of(&values),
        samples: Some(
            points
                .iter()
                .map(|(at, rate)| BreathSample {
                    timestamp: Some(ts(*at)),
                    breaths_per_min: Some(*rate),
                })
                .collect(),
        ),
        ..BreathsData::default()
    }
}

/// Stage totals. Polar's night runs from falling asleep to waking up, so time asleep is
/// light + deep + REM + unrecognised, and the awake time is the interruptions in between.
/// Polar reports no time in bed, so none is given.
fn sleep_durations(night: &wire::SleepNight, start: DateTime<FixedOffset>) -> SleepDurationsData {
    let light = non_negative(night.light_sleep);
    let deep = non_negative(night.deep_sleep);
    let rem = non_negative(night.rem_sleep);
    let unrecognized = non_negative(night.unrecognized_sleep_stage);
    let asleep = match (light, deep, rem) {
        (Some(light), Some(deep), Some(rem)) => {
            Some(light + deep + rem + unrecognized.unwrap_or(0.0))
        }
        _ => None,
    };
    let hypnogram: Vec<SleepHypnogramSample> = night_series(start, night.hypnogram.as_ref())
        .into_iter()
        .map(|(at, code)| SleepHypnogramSample {
            timestamp: Some(ts(at)),
            level: Some(sleep_level(code)),
        })
        .collect();
    SleepDurationsData {
        asleep: Some(AsleepDurations {
            duration_asleep_state_seconds: asleep,
            duration_light_sleep_state_seconds: light,
            duration_deep_sleep_state_seconds: deep,
            duration_rem_sleep_state_seconds: rem,
            num_rem_events: None,
        }),
        awake: Some(AwakeDurations {
            duration_awake_state_seconds: non_negative(night.total_interruption_duration),
            duration_long_interruption_seconds: non_negative(night.long_interruption_duration),
            duration_short_interruption_seconds: non_negative(night.short_interruption_duration),
            ..AwakeDurations::default()
        }),
        other: Some(OtherSleepDurations {
            duration_in_bed_seconds: None,
            duration_unmeasurable_sleep_seconds: unrecognized,
        }),
        sleep_efficiency: None,
        hypnogram_samples: (!hypnogram.is_empty()).then_some(hypnogram),
    }
}
