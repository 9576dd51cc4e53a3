//! Terra Activity: `activities` summaries, and `activityDetails` with their samples and laps.

use chrono::{DateTime, FixedOffset};
use serde_json::Value;
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, CaloriesData, DeviceData,
    DistanceData, DistanceDataDetailed, DistanceDataSummary, DistanceSample, ElevationData,
    ElevationSample, HeartRateData, HeartRateDataDetailed, HeartRateDataSample,
    HeartRateDataSummary, LapData, LapSample, MovementData, PositionData, PositionSample,
    PowerData, PowerSample, SpeedSample, UploadType,
};

use super::common::{
    MAX_SAMPLES, avg_of, count, device, display_offset, finite, instant, plus, some, ts,
};
use crate::garmin::wire;

/// Terra's activity type for a Garmin activity type key; unknown keys become "Other" (108).
pub fn activity_type(key: Option<&str>) -> ActivityType {
    match key.map(str::to_ascii_uppercase).as_deref() {
        Some("RUNNING" | "STREET_RUNNING" | "TRACK_RUNNING") => ActivityType::Running,
        Some("TRAIL_RUNNING") => ActivityType::TrailRunning,
        Some("TREADMILL_RUNNING") => ActivityType::TreadmillRunning,
        Some("INDOOR_RUNNING") => ActivityType::IndoorRunning,
        Some("CYCLING") => ActivityType::Biking,
        Some("ROAD_BIKING") => ActivityType::RoadBiking,
        Some("MOUNTAIN_BIKING") => ActivityType::MountainBiking,
        Some("GRAVEL_CYCLING") => ActivityType::GravelCycling,
        Some("INDOOR_CYCLING") => ActivityType::StationaryBiking,
        Some("E_BIKE_FITNESS") => ActivityType::EBiking,
        Some("E_BIKE_MOUNTAIN") => ActivityType::EMountainBiking,
        Some("WALKING" | "CASUAL_WALKING") => ActivityType::Walking,
        Some("SPEED_WALKING") => ActivityType::WalkingForFitness,
        Some("HIKING") => ActivityType::Hiking,
        Some("LAP_SWIMMING") => ActivityType::SwimmingInPool,
        Some("OPEN_WATER_SWIMMING") => ActivityType::OpenWaterSwimming,
        Some("SWIMMING") => ActivityType::Swimming,
        Some("STRENGTH_TRAINING") => ActivityType::StrengthTraining,
        Some("YOGA") => ActivityType::Yoga,
        Some("PILATES") => ActivityType::Pilates,
        Some("ELLIPTICAL") => ActivityType::Elliptical,
        Some("INDOOR_ROWING") => ActivityType::RowingMachine,
        Some("ROWING") => ActivityType::Rowing,
        Some("HIIT") => ActivityType::Hiit,
        Some("CARDIO_TRAINING" | "INDOOR_CARDIO") => ActivityType::CardioTraining,
        Some("BREATHWORK") => ActivityType::GuidedBreathing,
        Some("STAIR_CLIMBING" | "FLOOR_CLIMBING") => ActivityType::StairClimbing,
        Some("RESORT_SKIING_SNOWBOARDING" | "RESORT_SKIING") => ActivityType::DownhillSkiing,
        Some("BACKCOUNTRY_SKIING_SNOWBOARDING" | "BACKCOUNTRY_SKIING") => {
            ActivityType::BackCountrySkiing
        }
        Some("CROSS_COUNTRY_SKIING" | "CROSS_COUNTRY_SKIING_WS") => {
            ActivityType::CrossCountrySkiing
        }
        Some("TENNIS") => ActivityType::Tennis,
        Some("GOLF") => ActivityType::Golf,
        Some("MULTI_SPORT") => ActivityType::Multisport,
        Some("BOXING") => ActivityType::Boxing,
        Some("ROCK_CLIMBING" | "BOULDERING") => ActivityType::RockClimbing,
        _ => ActivityType::Other108,
    }
}

/// The activity's id as text: Garmin sends `activityId` as a number (some clients see a
/// string). Detail summaries carry `<activityId>-detail`, whose prefix is the same id.
fn activity_id(id: Option<&Value>, summary_id: Option<&str>) -> Option<String> {
    match id {
        Some(Value::Number(number)) => Some(number.to_string()),
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        _ => summary_id
            .map(|id| id.strip_suffix("-detail").unwrap_or(id).to_owned())
            .filter(|id| !id.is_empty()),
    }
}

/// One activity summary (no samples).
pub fn activity(summary: &wire::Activity) -> Option<Activity> {
    activity_record(summary, None, &[], &[])
}

/// One activity with its samples and laps. The Terra `summary_id` is the activity's own
/// summary id (the activity id), so the summary and its details are one record.
pub fn activity_details(details: &wire::ActivityDetails) -> Option<Activity> {
    let empty = wire::Activity::default();
    let summary = details.summary.as_ref().unwrap_or(&empty);
    let id = activity_id(details.activity_id.as_ref(), details.summary_id.as_deref())
        .or_else(|| activity_id(summary.activity_id.as_ref(), summary.summary_id.as_deref()));
    activity_record(summary, id, &details.samples, &details.laps)
}

fn activity_record(
    summary: &wire::Activity,
    id: Option<String>,
    samples: &[wire::ActivitySample],
    laps: &[wire::Lap],
) -> Option<Activity> {
    let summary_id = id
        .or_else(|| summary.summary_id.clone().filter(|id| !id.is_empty()))
        .or_else(|| activity_id(summary.activity_id.as_ref(), None))?;
    let offset = display_offset(summary.start_time_offset_in_seconds);
    let start = instant(summary.start_time_in_seconds, offset)?;
    let duration = finite(summary.duration_in_seconds).filter(|d| *d >= 0.0);
    let end = plus(start, duration.unwrap_or(0.0))?;
    let samples = ActivitySamples::of(samples, offset);
    let cadence = finite(summary.average_run_cadence_in_steps_per_minute)
        .or(finite(summary.average_biking_cadence_in_rev_per_minute))
        .or(finite(summary.average_swim_cadence_in_strokes_per_minute));
    Some(Activity {
        metadata: ActivityMetadata {
            summary_id,
            start_time: ts(start),
            end_time: ts(end),
            r#type: activity_type(summary.activity_type.as_deref()),
            name: summary.activity_name.clone(),
            upload_type: if summary.manual == Some(true) || summary.is_web_upload == Some(true) {
                UploadType::Manual
            } else {
                UploadType::Automatic
            },
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: duration,
            ..ActiveDurationsData::default()
        }),
        calories_data: Some(CaloriesData {
            net_activity_calories: finite(summary.active_kilocalories),
            ..CaloriesData::default()
        }),
        distance_data: Some(DistanceData {
            summary: Some(DistanceDataSummary {
                distance_meters: finite(summary.distance_in_meters),
                steps: count(summary.steps),
                elevation: Some(ElevationData {
                    gain_actual_meters: finite(summary.total_elevation_gain_in_meters),
                    loss_actual_meters: finite(summary.total_elevation_loss_in_meters),
                    ..ElevationData::default()
                }),
                ..DistanceDataSummary::default()
            }),
            detailed: Some(DistanceDataDetailed {
                distance_samples: some(samples.distance),
                elevation_samples: some(samples.elevation),
                ..DistanceDataDetailed::default()
            }),
        }),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: finite(summary.average_heart_rate_in_beats_per_minute),
                max_hr_bpm: finite(summary.max_heart_rate_in_beats_per_minute),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: some(samples.heart_rate),
                ..HeartRateDataDetailed::default()
            }),
        }),
        movement_data: Some(MovementData {
            avg_speed_meters_per_second: finite(summary.average_speed_in_meters_per_second),
            max_speed_meters_per_second: finite(summary.max_speed_in_meters_per_second),
            avg_pace_minutes_per_kilometer: finite(summary.average_pace_in_minutes_per_kilometer),
            max_pace_minutes_per_kilometer: finite(summary.max_pace_in_minutes_per_kilometer),
            avg_cadence_rpm: cadence,
            speed_samples: some(samples.speed),
            ..MovementData::default()
        }),
        position_data: Some(PositionData {
            start_pos_lat_lng_deg: match (
                finite(summary.starting_latitude_in_degree),
                finite(summary.starting_longitude_in_degree),
            ) {
                (Some(lat), Some(lng)) => Some(vec![lat, lng]),
                _ => None,
            },
            position_samples: some(samples.position),
            ..PositionData::default()
        }),
        power_data: (!samples.power.is_empty()).then(|| PowerData {
            avg_watts: avg_of(samples.power.iter().filter_map(|p| p.watts)),
            max_watts: samples
                .power
                .iter()
                .filter_map(|p| p.watts)
                .reduce(f64::max),
            power_samples: Some(samples.power),
        }),
        lap_data: (!laps.is_empty()).then(|| LapData {
            laps: Some(lap_samples(laps, offset, end)),
        }),
        device_data: Some(DeviceData {
            name: summary.device_name.clone(),
            ..device()
        }),
        ..Activity::default()
    })
}

/// Laps from their start times; each ends where the next starts (the last at the end).
fn lap_samples(
    laps: &[wire::Lap],
    offset: FixedOffset,
    end: DateTime<FixedOffset>,
) -> Vec<LapSample> {
    let mut starts: Vec<DateTime<FixedOffset>> = laps
        .iter()
        .take(MAX_SAMPLES)
        .filter_map(|lap| instant(lap.start_time_in_seconds, offset))
        .collect();
    starts.sort();
    starts
        .iter()
        .enumerate()
        .map(|(index, start)| LapSample {
            start_time: Some(ts(*start)),
            end_time: Some(ts(starts
                .get(index + 1)
                .copied()
                .unwrap_or(end)
                .max(*start))),
            ..LapSample::default()
        })
        .collect()
}

/// The sample series of an activity detail.
#[derive(Default)]
struct ActivitySamples {
    heart_rate: Vec<HeartRateDataSample>,
    speed: Vec<SpeedSample>,
    distance: Vec<DistanceSample>,
    elevation: Vec<ElevationSample>,
    position: Vec<PositionSample>,
    power: Vec<PowerSample>,
}

impl ActivitySamples {
    fn of(samples: &[wire::ActivitySample], offset: FixedOffset) -> ActivitySamples {
        let mut out = ActivitySamples::default();
        for sample in samples.iter().take(MAX_SAMPLES) {
            let Some(at) = instant(sample.start_time_in_seconds, offset) else {
                continue;
            };
            let timestamp = Some(ts(at));
            let timer = finite(sample.timer_duration_in_seconds);
            if let Some(bpm) = finite(sample.heart_rate) {
                out.heart_rate.push(HeartRateDataSample {
                    timestamp,
                    bpm: Some(bpm),
                    timer_duration_seconds: timer,
                    ..HeartRateDataSample::default()
                });
            }
            if let Some(speed) = finite(sample.speed_meters_per_second) {
                out.speed.push(SpeedSample {
                    timestamp,
                    speed_meters_per_second: Some(speed),
                    timer_duration_seconds: timer,
                });
            }
            if let Some(distance) = finite(sample.total_distance_in_meters) {
                out.distance.push(DistanceSample {
                    timestamp,
                    distance_meters: Some(distance),
                    timer_duration_seconds: timer,
                });
            }
            if let Some(elevation) = finite(sample.elevation_in_meters) {
                out.elevation.push(ElevationSample {
                    timestamp,
                    elev_meters: Some(elevation),
                    timer_duration_seconds: timer,
                });
            }
            if let (Some(lat), Some(lng)) = (
                finite(sample.latitude_in_degree),
                finite(sample.longitude_in_degree),
            ) {
                out.position.push(PositionSample {
                    timestamp,
                    coords_lat_lng_deg: Some(vec![lat, lng]),
                    timer_duration_seconds: timer,
                });
            }
            if let Some(watts) = finite(sample.power_in_watts) {
                out.power.push(PowerSample {
                    timestamp,
                    watts: Some(watts),
                    timer_duration_seconds: timer,
                });
            }
        }
        out
    }
}
