//! Terra Sleep: one `sleeps` summary per record, with its hypnogram and SpO2 samples.

use chrono::{DateTime, FixedOffset};
use wearbridge_model::{
    AsleepDurations, AwakeDurations, BreathSample, BreathsData, OtherSleepDurations,
    OxygenSaturationData, RespirationData, Sleep, SleepDurationsData, SleepHypnogramSample,
    SleepLevel, SleepMetadata, SleepScores, SleepUploadType,
};

use super::common::{
    MAX_SAMPLES, device, display_offset, finite, instant, mean, plus, series, some, spo2_samples,
    ts, values,
};
use crate::garmin::wire;

/// Garmin's `validation` as Terra's sleep upload type.
fn sleep_upload_type(validation: Option<&str>) -> SleepUploadType {
    match validation.map(str::to_ascii_uppercase).as_deref() {
        Some("MANUAL" | "AUTO_MANUAL") => SleepUploadType::Manual,
        Some("AUTO_TENTATIVE" | "ENHANCED_TENTATIVE") => SleepUploadType::Tentative,
        Some("DEVICE" | "AUTO_FINAL" | "ENHANCED_FINAL") => SleepUploadType::Automatic,
        Some("OFF_WRIST") => SleepUploadType::Indeterminate,
        _ => SleepUploadType::Unknown,
    }
}

/// One sleep window. `None` without a start time or summary id.
pub fn sleep(night: &wire::Sleep) -> Option<Sleep> {
    let offset = display_offset(night.start_time_offset_in_seconds);
    let start = instant(night.start_time_in_seconds, offset)?;
    let duration = finite(night.duration_in_seconds)
        .filter(|d| *d >= 0.0)
        .unwrap_or(0.0);
    let end = plus(start, duration)?;
    let deep = finite(night.deep_sleep_duration_in_seconds);
    let light = finite(night.light_sleep_duration_in_seconds);
    let rem = finite(night.rem_sleep_in_seconds);
    let asleep = [deep, light, rem]
        .into_iter()
        .flatten()
        .reduce(|a, b| a + b);
    let respiration = series(night.time_offset_sleep_respiration.as_ref(), start);
    let spo2 = series(night.time_offset_sleep_spo2.as_ref(), start);
    Some(Sleep {
        metadata: SleepMetadata {
            start_time: ts(start),
            end_time: ts(end),
            summary_id: Some(night.summary_id.clone()?),
            // Garmin reports naps separately (`naps`); a sleep summary is the main sleep.
            is_nap: Some(false),
            upload_type: sleep_upload_type(night.validation.as_deref()),
            timestamp_localization: None,
        },
        sleep_durations_data: Some(SleepDurationsData {
            asleep: Some(AsleepDurations {
                duration_asleep_state_seconds: asleep,
                duration_deep_sleep_state_seconds: deep,
                duration_light_sleep_state_seconds: light,
                duration_rem_sleep_state_seconds: rem,
                num_rem_events: None,
            }),
            awake: Some(AwakeDurations {
                duration_awake_state_seconds: finite(night.awake_duration_in_seconds),
                ..AwakeDurations::default()
            }),
            other: Some(OtherSleepDurations {
                duration_in_bed_seconds: Some(duration),
                duration_unmeasurable_sleep_seconds: finite(
                    night
                        .unmeasurable_sleep_duration_in_seconds
                        .or(night.unmeasurable_sleep_in_seconds),
                ),
            }),
            // Percent, as Terra documents it (example 87.5).
            sleep_efficiency: asleep
                .filter(|_| duration > 0.0)
                .map(|asleep| 100.0 * asleep / duration),
            hypnogram_samples: some(hypnogram(night.sleep_levels_map.as_ref(), offset)),
        }),
        respiration_data: Some(RespirationData {
            breaths_data: Some(BreathsData {
                avg_breaths_per_min: mean(&respiration),
                max_breaths_per_min: values(&respiration).reduce(f64::max),
                min_breaths_per_min: values(&respiration).reduce(f64::min),
                samples: some(
                    respiration
                        .iter()
                        .map(|(timestamp, rate)| BreathSample {
                            timestamp: Some(*timestamp),
                            breaths_per_min: Some(*rate),
                        })
                        .collect(),
                ),
                start_time: Some(ts(start)),
                end_time: Some(ts(end)),
                on_demand_reading: None,
            }),
            oxygen_saturation_data: Some(OxygenSaturationData {
                avg_saturation_percentage: mean(&spo2),
                samples: some(spo2_samples(&spo2)),
                start_time: Some(ts(start)),
                end_time: Some(ts(end)),
            }),
            snoring_data: None,
        }),
        scores: night.overall_sleep_score.as_ref().map(|score| SleepScores {
            sleep: finite(score.value),
        }),
        device_data: Some(device()),
        ..Sleep::default()
    })
}

/// The hypnogram: one sample at the start of every level span, in time order.
fn hypnogram(levels: Option<&wire::SleepLevels>, offset: FixedOffset) -> Vec<SleepHypnogramSample> {
    let Some(levels) = levels else {
        return Vec::new();
    };
    let mut spans: Vec<(DateTime<FixedOffset>, SleepLevel)> = [
        (&levels.deep, SleepLevel::DeepSleep),
        (&levels.light, SleepLevel::LightSleep),
        (&levels.rem, SleepLevel::RemSleep),
        (&levels.awake, SleepLevel::Awake),
    ]
    .into_iter()
    .flat_map(|(spans, level)| {
        spans
            .iter()
            .take(MAX_SAMPLES)
            .filter_map(move |span| Some((instant(span.start_time_in_seconds, offset)?, level)))
    })
    .collect();
    spans.sort_by_key(|(start, _)| *start);
    spans
        .into_iter()
        .map(|(start, level)| SleepHypnogramSample {
            timestamp: Some(ts(start)),
            level: Some(level),
        })
        .collect()
}
