//! Terra Daily from Polar daily activity (`/v3/users/activities`).

use chrono::NaiveDateTime;
use wearbridge_model::{
    ActiveDurationsData, ActivityLevel, ActivityLevelSample, CaloriesData, Daily,
    DailyDistanceData, DailyMetadata, DistanceDataDetailed, StepSample, Timestamp, UploadType,
};

use super::common::{MAX_SAMPLES, count, device, local_day_bounds, non_negative};
use crate::polar::time::{add_seconds_local, date, duration_seconds, local_datetime};
use crate::polar::wire;

/// Polar's activity zone as Terra's activity level.
fn activity_level(zone: &str) -> ActivityLevel {
    match zone {
        "SLEEP" => ActivityLevel::Rest,
        "SEDENTARY" => ActivityLevel::Inactive,
        "LIGHT" => ActivityLevel::LowIntensity,
        "MODERATE" => ActivityLevel::MediumIntensity,
        "VIGOROUS" => ActivityLevel::HighIntensity,
        _ => ActivityLevel::Unknown,
    }
}

/// One day of activity, local midnight to midnight (Polar gives no offset).
pub fn daily(day: &wire::DailyActivity) -> Option<Daily> {
    let date = day
        .start_time
        .as_deref()
        .and_then(local_datetime)
        .map(|start| start.date())
        .or_else(|| day.samples.as_ref()?.date.as_deref().and_then(date))?;
    let (start_time, end_time) = local_day_bounds(date)?;
    let day_end = end_time.local();
    let zones = zone_changes(day);
    let zone_seconds = |level: ActivityLevel| -> Option<f64> {
        (!zones.is_empty()).then(|| {
            zones
                .iter()
                .enumerate()
                .filter(|(_, (_, zone))| *zone == level)
                .map(|(index, (at, _))| {
                    let until = zones.get(index + 1).map_or(day_end, |(next, _)| *next);
                    (until - *at).num_seconds().max(0) as f64
                })
                .sum()
        })
    };
    let steps = step_samples(day);
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: UploadType::Automatic,
            timestamp_localization: None,
        },
        distance_data: Some(DailyDistanceData {
            steps: count(day.steps),
            distance_meters: non_negative(day.distance_from_steps),
            detailed: (!steps.is_empty()).then(|| DistanceDataDetailed {
                step_samples: Some(steps),
                ..DistanceDataDetailed::default()
            }),
            ..DailyDistanceData::default()
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: non_negative(day.calories),
            net_activity_calories: non_negative(day.active_calories),
            // Polar's total includes basal metabolism; the difference is the basal part.
            bmr_calories: match (
                non_negative(day.calories),
                non_negative(day.active_calories),
            ) {
                (Some(total), Some(active)) if total >= active => Some(total - active),
                _ => None,
            },
            ..CaloriesData::default()
        }),
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: day.active_duration.as_deref().and_then(duration_seconds),
            inactivity_seconds: day.inactive_duration.as_deref().and_then(duration_seconds),
            low_intensity_seconds: zone_seconds(ActivityLevel::LowIntensity),
            moderate_intensity_seconds: zone_seconds(ActivityLevel::MediumIntensity),
            vigorous_intensity_seconds: zone_seconds(ActivityLevel::HighIntensity),
            rest_seconds: zone_seconds(ActivityLevel::Rest),
            num_continuous_inactive_periods: count(day.inactivity_alert_count),
            activity_levels_samples: (!zones.is_empty()).then(|| {
                zones
                    .iter()
                    .map(|(at, level)| ActivityLevelSample {
                        timestamp: Some(Timestamp::from_local(*at)),
                        activity_level: Some(*level),
                        timer_duration_seconds: None,
                    })
                    .collect()
            }),
            ..ActiveDurationsData::default()
        }),
        device_data: Some(device(None)),
        ..Daily::default()
    })
}

/// Zone changes in time order.
fn zone_changes(day: &wire::DailyActivity) -> Vec<(NaiveDateTime, ActivityLevel)> {
    let mut changes: Vec<(NaiveDateTime, ActivityLevel)> = day
        .samples
        .as_ref()
        .and_then(|samples| samples.activity_zones.as_ref())
        .map(|zones| zones.samples.as_slice())
        .unwrap_or_default()
        .iter()
        .take(MAX_SAMPLES)
        .filter_map(|sample| {
            let at = local_datetime(sample.timestamp.as_deref()?)?;
            Some((
                at,
                activity_level(sample.zone.as_deref().unwrap_or_default()),
            ))
        })
        .collect();
    changes.sort_by_key(|(at, _)| *at);
    changes
}

/// Cumulative step samples, one per interval: Polar leaves out samples that repeat the
/// previous count, so each gap is filled with that count before summing.
fn step_samples(day: &wire::DailyActivity) -> Vec<StepSample> {
    let Some(steps) = day.samples.as_ref().and_then(|s| s.steps.as_ref()) else {
        return Vec::new();
    };
    let Some(interval_s) = non_negative(steps.interval_ms)
        .map(|ms| ms / 1000.0)
        .filter(|s| *s >= 1.0)
    else {
        return Vec::new();
    };
    let mut points: Vec<(NaiveDateTime, f64)> = steps
        .samples
        .iter()
        .take(MAX_SAMPLES)
        .filter_map(|s| {
            Some((
                local_datetime(s.timestamp.as_deref()?)?,
                non_negative(s.steps)?,
            ))
        })
        .collect();
    points.sort_by_key(|(at, _)| *at);
    let mut out = Vec::new();
    let mut total = 0.0;
    for (index, (at, steps)) in points.iter().enumerate() {
        let next = points.get(index + 1).map(|(next, _)| *next);
        let mut slot = *at;
        loop {
            total += steps;
            out.push(StepSample {
                timestamp: Some(Timestamp::from_local(slot)),
                steps: Some(total),
                timer_duration_seconds: None,
            });
            let Some(following) = add_seconds_local(slot, interval_s) else {
                break;
            };
            if next.is_none_or(|next| following >= next) || out.len() >= MAX_SAMPLES {
                break;
            }
            slot = following;
        }
        if out.len() >= MAX_SAMPLES {
            break;
        }
    }
    out
}
