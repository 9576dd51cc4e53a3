//! Terra Sleep: sleep-analysis segments grouped into nights.
//!
//! A night is a run of segments (any source) with gaps under two hours; it belongs to the
//! local day it ends on. In-bed time spans the whole run (the iPhone's "InBed" and the
//! Watch's stages together); stage durations come from the highest-priority source that
//! recorded stages, so the Watch's hypnogram is not added to the iPhone's.

use chrono::TimeDelta;
use wearbridge_model::{
    AsleepDurations, AwakeDurations, BreathsData, HeartRateData, HeartRateDataDetailed,
    HeartRateDataSample, HeartRateDataSummary, HeartRateVariabilityDataSampleSdnn,
    OtherSleepDurations, RespirationData, Sleep, SleepDurationsData, SleepHypnogramSample,
    SleepLevel, SleepMetadata, SleepUploadType,
};

use super::{average, device, max, min, points_between, ts};
use crate::apple_health::collect::{Collected, Instant, SleepSegment};

const NIGHT_GAP: TimeDelta = TimeDelta::hours(2);

/// One night's segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Night {
    pub start: Instant,
    pub end: Instant,
    pub segments: Vec<SleepSegment>,
}

/// Groups segments (any order) into nights.
pub fn nights(segments: &[SleepSegment]) -> Vec<Night> {
    let mut sorted = segments.to_vec();
    sorted.sort_by_key(|s| s.start);
    let mut nights: Vec<Night> = Vec::new();
    for segment in sorted {
        match nights.last_mut() {
            Some(night) if segment.start <= night.end + NIGHT_GAP => {
                night.end = night.end.max(segment.end);
                night.segments.push(segment);
            }
            _ => nights.push(Night {
                start: segment.start,
                end: segment.end,
                segments: vec![segment],
            }),
        }
    }
    nights
}

fn level(value: &str) -> Option<SleepLevel> {
    Some(match value.strip_prefix("HKCategoryValueSleepAnalysis")? {
        "Awake" => SleepLevel::Awake,
        "AsleepCore" => SleepLevel::LightSleep,
        "AsleepDeep" => SleepLevel::DeepSleep,
        "AsleepREM" => SleepLevel::RemSleep,
        "Asleep" | "AsleepUnspecified" => SleepLevel::Sleeping,
        _ => return None,
    })
}

/// The stage segments of the night's best source.
fn stages(night: &Night) -> Vec<(&SleepSegment, SleepLevel)> {
    let staged = night
        .segments
        .iter()
        .filter_map(|s| Some((s, level(&s.value)?)));
    let best = staged.clone().map(|(s, _)| s.priority).max();
    staged.filter(|(s, _)| Some(s.priority) == best).collect()
}

pub fn sleep(night: &Night, collected: &Collected) -> Option<Sleep> {
    let stages = stages(night);
    let seconds = |wanted: &[SleepLevel]| -> f64 {
        stages
            .iter()
            .filter(|(_, level)| wanted.contains(level))
            .map(|(s, _)| (s.end - s.start).num_seconds() as f64)
            .sum()
    };
    let light = seconds(&[SleepLevel::LightSleep, SleepLevel::Sleeping]);
    let deep = seconds(&[SleepLevel::DeepSleep]);
    let rem = seconds(&[SleepLevel::RemSleep]);
    let awake = seconds(&[SleepLevel::Awake]);
    let in_bed = (night.end - night.start).num_seconds() as f64;
    let asleep = light + deep + rem;
    let first_asleep = stages
        .iter()
        .filter(|(_, level)| *level != SleepLevel::Awake)
        .map(|(s, _)| s.start)
        .min();
    let durations = SleepDurationsData {
        asleep: Some(AsleepDurations {
            duration_asleep_state_seconds: Some(asleep),
            duration_light_sleep_state_seconds: Some(light),
            duration_deep_sleep_state_seconds: Some(deep),
            duration_rem_sleep_state_seconds: Some(rem),
            num_rem_events: None,
        }),
        awake: Some(AwakeDurations {
            duration_awake_state_seconds: Some(awake),
            sleep_latency_seconds: first_asleep.map(|at| (at - night.start).num_seconds() as f64),
            ..AwakeDurations::default()
        }),
        other: Some(OtherSleepDurations {
            duration_in_bed_seconds: Some(in_bed),
            duration_unmeasurable_sleep_seconds: None,
        }),
        sleep_efficiency: (in_bed > 0.0).then(|| (asleep / in_bed * 1000.0).round() / 10.0),
        hypnogram_samples: Some(
            stages
                .iter()
                .map(|(s, level)| SleepHypnogramSample {
                    timestamp: Some(ts(s.start)),
                    level: Some(*level),
                })
                .collect(),
        ),
    };
    Some(Sleep {
        metadata: SleepMetadata {
            start_time: ts(night.start),
            end_time: ts(night.end),
            summary_id: Some(format!("apple-sleep-{}", night.start.timestamp())),
            is_nap: Some(in_bed < 3.0 * 3600.0),
            upload_type: SleepUploadType::Automatic,
            timestamp_localization: None,
        },
        sleep_durations_data: Some(durations),
        heart_rate_data: Some(night_heart_rate(night, collected)),
        respiration_data: respiration(night, collected),
        device_data: Some(device()),
        ..Sleep::default()
    })
}

fn night_heart_rate(night: &Night, collected: &Collected) -> HeartRateData {
    let hr = points_between(collected, night.start, night.end, |d| &d.heart_rate);
    let hrv = points_between(collected, night.start, night.end, |d| &d.hrv_sdnn);
    HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: average(&hr),
            min_hr_bpm: min(&hr),
            max_hr_bpm: max(&hr),
            avg_hrv_sdnn: average(&hrv),
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: Some(
                hr.iter()
                    .map(|p| HeartRateDataSample {
                        timestamp: Some(ts(p.at)),
                        bpm: Some(p.value),
                        ..HeartRateDataSample::default()
                    })
                    .collect(),
            ),
            hrv_samples_sdnn: Some(
                hrv.iter()
                    .map(|p| HeartRateVariabilityDataSampleSdnn {
                        timestamp: Some(ts(p.at)),
                        hrv_sdnn: Some(p.value),
                    })
                    .collect(),
            ),
            ..HeartRateDataDetailed::default()
        }),
    }
}

/// Respiratory rate measured during the night or written at its end (the Watch writes
/// the night's value at wake-up).
fn respiration(night: &Night, collected: &Collected) -> Option<RespirationData> {
    let end = night.end + TimeDelta::minutes(1);
    let rates = points_between(collected, night.start, end, |d| &d.respiratory);
    (!rates.is_empty()).then(|| RespirationData {
        breaths_data: Some(BreathsData {
            avg_breaths_per_min: average(&rates),
            start_time: Some(ts(night.start)),
            end_time: Some(ts(night.end)),
            ..BreathsData::default()
        }),
        ..RespirationData::default()
    })
}
