//! Terra Daily: a local day's `dailies`, `epochs` and `stressDetails` merged into one record.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use wearbridge_model::{
    ActiveDurationsData, ActivityLevel, ActivityLevelSample, BodyBatterySample, CaloriesData,
    Daily, DailyDistanceData, DailyMetadata, DistanceDataDetailed, DistanceSample, HeartRateData,
    HeartRateDataDetailed, HeartRateDataSummary, MetData, MetSample, StepSample, StressData,
    StressLevel, StressSample, UploadType,
};

use super::common::{
    count, day_bounds, device, display_offset, finite, hr_samples, instant, mean, series, some,
    summary_day, ts,
};
use crate::garmin::wire;

/// Everything Garmin sent about one local day.
#[derive(Debug, Default)]
struct DayParts<'a> {
    offset: Option<FixedOffset>,
    daily: Option<&'a wire::Daily>,
    epochs: Vec<(DateTime<FixedOffset>, &'a wire::Epoch)>,
    stress: Vec<(DateTime<FixedOffset>, &'a wire::StressDetails)>,
}

/// One Terra Daily per local day found in `dailies`, `epochs` and `stress` (any may be
/// empty), in date order. A later daily summary of the same day wins (Garmin re-sends a
/// day with a longer duration after each sync).
pub fn daily_days(
    dailies: &[wire::Daily],
    epochs: &[wire::Epoch],
    stress: &[wire::StressDetails],
) -> Vec<Daily> {
    let mut days: BTreeMap<NaiveDate, DayParts<'_>> = BTreeMap::new();
    for daily in dailies {
        let offset = display_offset(daily.start_time_offset_in_seconds);
        let start = instant(daily.start_time_in_seconds, offset);
        if let Some(date) = summary_day(daily.calendar_date.as_deref(), start) {
            let parts = days.entry(date).or_default();
            parts.offset = Some(offset);
            parts.daily = Some(daily);
        }
    }
    for epoch in epochs {
        let offset = display_offset(epoch.start_time_offset_in_seconds);
        if let Some(start) = instant(epoch.start_time_in_seconds, offset) {
            let parts = days.entry(start.date_naive()).or_default();
            parts.offset.get_or_insert(offset);
            parts.epochs.push((start, epoch));
        }
    }
    for details in stress {
        let offset = display_offset(details.start_time_offset_in_seconds);
        let start = instant(details.start_time_in_seconds, offset);
        if let (Some(start), Some(date)) =
            (start, summary_day(details.calendar_date.as_deref(), start))
        {
            let parts = days.entry(date).or_default();
            parts.offset.get_or_insert(offset);
            parts.stress.push((start, details));
        }
    }
    days.into_iter()
        .filter_map(|(date, parts)| daily_record(date, &parts))
        .collect()
}

fn daily_record(date: NaiveDate, parts: &DayParts<'_>) -> Option<Daily> {
    let offset = parts.offset?;
    let (start_time, end_time) = day_bounds(date, offset)?;
    let empty = wire::Daily::default();
    let day = parts.daily.unwrap_or(&empty);
    let day_start = instant(day.start_time_in_seconds, offset);
    let heart = day_start
        .map(|start| series(day.time_offset_heart_rate_samples.as_ref(), start))
        .unwrap_or_default();
    let epochs = EpochSeries::of(&parts.epochs);
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: if day.source.is_some() {
                UploadType::ThirdPartyUpload
            } else {
                UploadType::Automatic
            },
            timestamp_localization: None,
        },
        distance_data: Some(DailyDistanceData {
            steps: count(day.steps).or(epochs.total_steps),
            distance_meters: finite(day.distance_in_meters),
            floors_climbed: count(day.floors_climbed),
            detailed: Some(DistanceDataDetailed {
                step_samples: some(epochs.steps),
                distance_samples: some(epochs.distance),
                ..DistanceDataDetailed::default()
            }),
            ..DailyDistanceData::default()
        }),
        calories_data: Some(daily_calories(day)),
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: finite(day.active_time_in_seconds),
            moderate_intensity_seconds: finite(day.moderate_intensity_duration_in_seconds),
            vigorous_intensity_seconds: finite(day.vigorous_intensity_duration_in_seconds),
            activity_levels_samples: some(epochs.levels),
            ..ActiveDurationsData::default()
        }),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                // `averageHeartRateInBeatsPerMinute` is a 7-day mean (spec §7.1): the
                // day's average comes from the day's own samples.
                avg_hr_bpm: mean(&heart),
                min_hr_bpm: finite(day.min_heart_rate_in_beats_per_minute),
                max_hr_bpm: finite(day.max_heart_rate_in_beats_per_minute),
                resting_hr_bpm: finite(day.resting_heart_rate_in_beats_per_minute),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: some(hr_samples(&heart)),
                ..HeartRateDataDetailed::default()
            }),
        }),
        met_data: Some(MetData {
            met_samples: some(epochs.met),
            num_moderate_intensity_minutes: finite(day.moderate_intensity_duration_in_seconds)
                .map(|seconds| seconds / 60.0),
            num_high_intensity_minutes: finite(day.vigorous_intensity_duration_in_seconds)
                .map(|seconds| seconds / 60.0),
            ..MetData::default()
        }),
        stress_data: Some(stress_data(day, &parts.stress)),
        oxygen_data: (day.average_spo2.is_some()).then(|| wearbridge_model::OxygenData {
            avg_saturation_percentage: finite(day.average_spo2),
            ..wearbridge_model::OxygenData::default()
        }),
        device_data: Some(device()),
        ..Daily::default()
    })
}

/// Active + BMR is the day's total; consumed calories are intake, not expenditure.
fn daily_calories(day: &wire::Daily) -> CaloriesData {
    let active = finite(day.active_kilocalories);
    let bmr = finite(day.bmr_kilocalories);
    CaloriesData {
        net_activity_calories: active,
        bmr_calories: bmr,
        total_burned_calories: match (active, bmr) {
            (Some(active), Some(bmr)) => Some(active + bmr),
            _ => None,
        },
        net_intake_calories: finite(day.consumed_calories),
        ..CaloriesData::default()
    }
}

/// Garmin's stress bands (spec §7.1): 1–25 rest, 26–50 low, 51–75 medium, 76–100 high;
/// −1 and other codes mean "not measured".
fn stress_rating(level: Option<f64>) -> Option<StressLevel> {
    let level = finite(level)?;
    Some(match level {
        l if (1.0..=25.0).contains(&l) => StressLevel::Rest,
        l if l > 25.0 && l <= 50.0 => StressLevel::Low,
        l if l > 50.0 && l <= 75.0 => StressLevel::Medium,
        l if l > 75.0 && l <= 100.0 => StressLevel::High,
        _ => StressLevel::Unknown,
    })
}

fn stress_data(
    day: &wire::Daily,
    details: &[(DateTime<FixedOffset>, &wire::StressDetails)],
) -> StressData {
    let level = finite(day.stress_level()).filter(|level| *level >= 0.0);
    let mut samples = Vec::new();
    let mut battery = Vec::new();
    for (start, detail) in details {
        // Negative stress values are codes (off wrist, large motion, ...), not levels.
        samples.extend(
            series(detail.time_offset_stress_level_values.as_ref(), *start)
                .into_iter()
                .filter(|(_, level)| *level >= 0.0)
                .map(|(timestamp, level)| StressSample {
                    timestamp: Some(timestamp),
                    level: Some(level),
                }),
        );
        battery.extend(
            series(detail.time_offset_body_battery_values.as_ref(), *start)
                .into_iter()
                .map(|(timestamp, level)| BodyBatterySample {
                    timestamp: Some(timestamp),
                    level: Some(level),
                }),
        );
    }
    StressData {
        avg_stress_level: level,
        max_stress_level: finite(day.max_stress_level).filter(|level| *level >= 0.0),
        stress_duration_seconds: finite(day.stress_duration_in_seconds),
        rest_stress_duration_seconds: finite(day.rest_stress_duration_in_seconds),
        activity_stress_duration_seconds: finite(day.activity_stress_duration_in_seconds),
        low_stress_duration_seconds: finite(day.low_stress_duration_in_seconds),
        medium_stress_duration_seconds: finite(day.medium_stress_duration_in_seconds),
        high_stress_duration_seconds: finite(day.high_stress_duration_in_seconds),
        stress_rating: stress_rating(level),
        samples: some(samples),
        body_battery_samples: some(battery),
    }
}

/// The sample series a day's epochs give.
struct EpochSeries {
    steps: Vec<StepSample>,
    distance: Vec<DistanceSample>,
    met: Vec<MetSample>,
    levels: Vec<ActivityLevelSample>,
    total_steps: Option<i64>,
}

impl EpochSeries {
    /// One sample per epoch record (Garmin sends one record per activity type within a
    /// slice; each keeps its own step count, MET and intensity).
    fn of(epochs: &[(DateTime<FixedOffset>, &wire::Epoch)]) -> EpochSeries {
        let mut sorted: Vec<&(DateTime<FixedOffset>, &wire::Epoch)> = epochs.iter().collect();
        sorted.sort_by_key(|(start, _)| *start);
        let duration = |epoch: &wire::Epoch| {
            finite(epoch.active_time_in_seconds.or(epoch.duration_in_seconds))
        };
        EpochSeries {
            steps: sorted
                .iter()
                .filter_map(|(start, epoch)| {
                    Some(StepSample {
                        timestamp: Some(ts(*start)),
                        steps: Some(count(epoch.steps)? as f64),
                        timer_duration_seconds: duration(epoch),
                    })
                })
                .collect(),
            distance: sorted
                .iter()
                .filter_map(|(start, epoch)| {
                    Some(DistanceSample {
                        timestamp: Some(ts(*start)),
                        distance_meters: Some(finite(epoch.distance_in_meters)?),
                        timer_duration_seconds: duration(epoch),
                    })
                })
                .collect(),
            met: sorted
                .iter()
                .filter_map(|(start, epoch)| {
                    Some(MetSample {
                        timestamp: Some(ts(*start)),
                        level: Some(finite(epoch.met)?),
                    })
                })
                .collect(),
            levels: sorted
                .iter()
                .map(|(start, epoch)| ActivityLevelSample {
                    timestamp: Some(ts(*start)),
                    activity_level: Some(activity_level(epoch.intensity.as_deref())),
                    timer_duration_seconds: duration(epoch),
                })
                .collect(),
            total_steps: if epochs.is_empty() {
                None
            } else {
                Some(
                    sorted
                        .iter()
                        .filter_map(|(_, epoch)| count(epoch.steps))
                        .sum(),
                )
            },
        }
    }
}

/// Garmin's monitoring intensity (Appendix B) as Terra's activity level.
fn activity_level(intensity: Option<&str>) -> ActivityLevel {
    match intensity.map(str::to_ascii_uppercase).as_deref() {
        Some("SEDENTARY") => ActivityLevel::Inactive,
        Some("ACTIVE") => ActivityLevel::MediumIntensity,
        Some("HIGHLY_ACTIVE") => ActivityLevel::HighIntensity,
        _ => ActivityLevel::Unknown,
    }
}
