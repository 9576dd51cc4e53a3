//! Terra Activity from Polar exercises (`/v3/exercises`), with their samples, zones and
//! route.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, CaloriesData, DistanceData,
    DistanceDataDetailed, DistanceDataSummary, DistanceSample, ElevationData, ElevationSample,
    HeartRateData, HeartRateDataDetailed, HeartRateDataSample, HeartRateDataSummary,
    HeartRateZoneData, MovementData, PositionData, PositionSample, SpeedSample, Timestamp,
    UploadType,
};

use super::common::{MAX_SAMPLES, count, device, max_of, mean, min_of, non_negative, ts};
use crate::polar::time::{
    add_seconds, add_seconds_local, duration_seconds, local_datetime, offset_minutes,
};
use crate::polar::wire;

/// Polar's exercise sample type codes mapped here.
const SAMPLE_HEART_RATE: i64 = 0;
const SAMPLE_SPEED_KMH: i64 = 1;
const SAMPLE_ALTITUDE: i64 = 3;
const SAMPLE_DISTANCE: i64 = 10;

/// Terra's activity type for Polar's `detailed_sport_info` (preferred) or `sport`.
pub fn activity_type(sport: &str) -> ActivityType {
    match sport {
        "RUNNING" | "ROAD_RUNNING" => ActivityType::Running,
        "TRAIL_RUNNING" => ActivityType::TrailRunning,
        "TREADMILL_RUNNING" => ActivityType::TreadmillRunning,
        "CYCLING" | "ROAD_BIKING" | "OUTDOOR_CYCLING" => ActivityType::Biking,
        "MOUNTAIN_BIKING" => ActivityType::MountainBiking,
        "INDOOR_CYCLING" => ActivityType::StationaryBiking,
        "WALKING" => ActivityType::Walking,
        "NORDIC_WALKING" => ActivityType::NordicWalking,
        "HIKING" => ActivityType::Hiking,
        "STRENGTH_TRAINING" => ActivityType::StrengthTraining,
        "YOGA" => ActivityType::Yoga,
        "PILATES" => ActivityType::Pilates,
        "SWIMMING" | "POOL_SWIMMING" => ActivityType::Swimming,
        "OPEN_WATER_SWIMMING" => ActivityType::OpenWaterSwimming,
        "ROWING" => ActivityType::Rowing,
        "INDOOR_ROWING" => ActivityType::RowingMachine,
        "CROSS-COUNTRY_SKIING" | "CROSS_COUNTRY_SKIING" => ActivityType::CrossCountrySkiing,
        "DOWNHILL_SKIING" => ActivityType::DownhillSkiing,
        "ELLIPTICAL_TRAINER" => ActivityType::Elliptical,
        "DANCING" => ActivityType::Dancing,
        "GOLF" => ActivityType::Golf,
        "TENNIS" => ActivityType::Tennis,
        "CIRCUIT_TRAINING" => ActivityType::CircuitTraining,
        _ => ActivityType::Other108,
    }
}

/// `ROAD_RUNNING` → `Road running`.
fn sport_name(sport: &str) -> String {
    let spaced = sport.replace(['_', '-'], " ").to_ascii_lowercase();
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Start of an exercise: local start plus its offset, or local time alone when Polar
/// sent no (valid) offset.
enum Start {
    Zoned(DateTime<FixedOffset>),
    Local(NaiveDateTime),
}

impl Start {
    fn of(exercise: &wire::Exercise) -> Option<Start> {
        let local = local_datetime(exercise.start_time.as_deref()?)?;
        match exercise.start_time_utc_offset.and_then(offset_minutes) {
            Some(offset) => local.and_local_timezone(offset).single().map(Start::Zoned),
            None => Some(Start::Local(local)),
        }
    }

    /// The instant `seconds` after the start.
    fn plus(&self, seconds: f64) -> Option<Timestamp> {
        match self {
            Start::Zoned(start) => add_seconds(*start, seconds).map(ts),
            Start::Local(start) => add_seconds_local(*start, seconds).map(Timestamp::from_local),
        }
    }
}

/// One exercise with its samples, zones and route. `None` without a readable start.
pub fn exercise(session: &wire::Exercise) -> Option<Activity> {
    let start = Start::of(session)?;
    let duration = session
        .duration
        .as_deref()
        .and_then(duration_seconds)
        .unwrap_or(0.0);
    let sport = session
        .detailed_sport_info
        .as_deref()
        .or(session.sport.as_deref())
        .unwrap_or("OTHER");
    let series = Series::of(session);
    Some(Activity {
        metadata: ActivityMetadata {
            summary_id: session.id.clone(),
            start_time: start.plus(0.0)?,
            end_time: start.plus(duration)?,
            r#type: activity_type(sport),
            name: Some(sport_name(sport)),
            upload_type: UploadType::Automatic,
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: Some(duration),
            ..ActiveDurationsData::default()
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: non_negative(session.calories),
            ..CaloriesData::default()
        }),
        distance_data: Some(exercise_distance(session, &start, &series)),
        heart_rate_data: Some(exercise_heart_rate(session, &start, &series)),
        movement_data: exercise_movement(&start, &series, duration, session.distance),
        position_data: exercise_route(session, &start),
        device_data: Some(device(session.device.as_deref())),
        ..Activity::default()
    })
}

/// The mapped sample series of an exercise as (seconds since start, value).
#[derive(Default)]
struct Series {
    heart_rate: Vec<(f64, f64)>,
    speed_kmh: Vec<(f64, f64)>,
    altitude: Vec<(f64, f64)>,
    distance: Vec<(f64, f64)>,
}

impl Series {
    fn of(session: &wire::Exercise) -> Series {
        let mut series = Series::default();
        for sample in session.samples.iter().flatten() {
            let Some(kind) = sample_type(sample) else {
                continue;
            };
            let target = match kind {
                SAMPLE_HEART_RATE => &mut series.heart_rate,
                SAMPLE_SPEED_KMH => &mut series.speed_kmh,
                SAMPLE_ALTITUDE => &mut series.altitude,
                SAMPLE_DISTANCE => &mut series.distance,
                _ => continue,
            };
            *target = regular_values(sample);
        }
        series
    }
}

fn sample_type(sample: &wire::Sample) -> Option<i64> {
    match sample.sample_type.as_ref()? {
        serde_json::Value::String(text) => text.trim().parse().ok(),
        serde_json::Value::Number(number) => number.as_i64(),
        _ => None,
    }
}

/// Values of a regularly recorded series with their offsets; gaps (`null`, empty, not a
/// number) are skipped and keep their slot.
fn regular_values(sample: &wire::Sample) -> Vec<(f64, f64)> {
    let Some(rate) = non_negative(sample.recording_rate).filter(|rate| *rate > 0.0) else {
        return Vec::new();
    };
    let Some(data) = sample.data.as_deref() else {
        return Vec::new();
    };
    data.split(',')
        .take(MAX_SAMPLES)
        .enumerate()
        .filter_map(|(index, text)| {
            let value: f64 = text.trim().parse().ok()?;
            value.is_finite().then_some((index as f64 * rate, value))
        })
        .collect()
}

fn exercise_distance(session: &wire::Exercise, start: &Start, series: &Series) -> DistanceData {
    let altitudes: Vec<f64> = series.altitude.iter().map(|(_, v)| *v).collect();
    let elevation = (!altitudes.is_empty()).then(|| ElevationData {
        min_meters: min_of(&altitudes),
        max_meters: max_of(&altitudes),
        avg_meters: mean(&altitudes),
        gain_actual_meters: Some(
            altitudes
                .windows(2)
                .map(|pair| (pair[1] - pair[0]).max(0.0))
                .sum(),
        ),
        ..ElevationData::default()
    });
    let distance_samples: Vec<DistanceSample> = series
        .distance
        .iter()
        .map(|(offset, meters)| DistanceSample {
            timestamp: start.plus(*offset),
            distance_meters: Some(*meters),
            timer_duration_seconds: Some(*offset),
        })
        .collect();
    let elevation_samples: Vec<ElevationSample> = series
        .altitude
        .iter()
        .map(|(offset, meters)| ElevationSample {
            timestamp: start.plus(*offset),
            elev_meters: Some(*meters),
            timer_duration_seconds: Some(*offset),
        })
        .collect();
    DistanceData {
        summary: Some(DistanceDataSummary {
            distance_meters: non_negative(session.distance),
            elevation,
            ..DistanceDataSummary::default()
        }),
        detailed: Some(DistanceDataDetailed {
            distance_samples: (!distance_samples.is_empty()).then_some(distance_samples),
            elevation_samples: (!elevation_samples.is_empty()).then_some(elevation_samples),
            ..DistanceDataDetailed::default()
        }),
    }
}

fn exercise_heart_rate(session: &wire::Exercise, start: &Start, series: &Series) -> HeartRateData {
    let summary = session.heart_rate.clone().unwrap_or_default();
    let bpm: Vec<f64> = series.heart_rate.iter().map(|(_, v)| *v).collect();
    let zones: Vec<HeartRateZoneData> = session
        .heart_rate_zones
        .iter()
        .flatten()
        .map(|zone| HeartRateZoneData {
            zone: count(zone.index),
            duration_seconds: zone.in_zone.as_deref().and_then(duration_seconds),
            name: Some(format!(
                "{}–{} bpm",
                count(zone.lower_limit).unwrap_or_default(),
                count(zone.upper_limit).unwrap_or_default()
            )),
            ..HeartRateZoneData::default()
        })
        .collect();
    HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: non_negative(summary.average),
            max_hr_bpm: non_negative(summary.maximum),
            // Polar's HR sample stream reports 0 while the sensor has no contact.
            min_hr_bpm: min_of(&bpm.iter().copied().filter(|v| *v > 0.0).collect::<Vec<_>>()),
            hr_zone_data: (!zones.is_empty()).then_some(zones),
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: Some(
                series
                    .heart_rate
                    .iter()
                    .map(|(offset, bpm)| HeartRateDataSample {
                        timestamp: start.plus(*offset),
                        bpm: Some(*bpm),
                        timer_duration_seconds: Some(*offset),
                        ..HeartRateDataSample::default()
                    })
                    .collect(),
            ),
            ..HeartRateDataDetailed::default()
        }),
    }
}

/// Speed samples (km/h on the wire, m/s in Terra) and the average speed over the
/// exercise's distance and duration.
fn exercise_movement(
    start: &Start,
    series: &Series,
    duration: f64,
    distance: Option<f64>,
) -> Option<MovementData> {
    let speeds: Vec<SpeedSample> = series
        .speed_kmh
        .iter()
        .map(|(offset, kmh)| SpeedSample {
            timestamp: start.plus(*offset),
            speed_meters_per_second: Some(kmh / 3.6),
            timer_duration_seconds: Some(*offset),
        })
        .collect();
    let average = non_negative(distance)
        .filter(|_| duration > 0.0)
        .map(|meters| meters / duration);
    if speeds.is_empty() && average.is_none() {
        return None;
    }
    let max_kmh = max_of(&series.speed_kmh.iter().map(|(_, v)| *v).collect::<Vec<_>>());
    Some(MovementData {
        avg_speed_meters_per_second: average,
        max_speed_meters_per_second: max_kmh.map(|kmh| kmh / 3.6),
        speed_samples: (!speeds.is_empty()).then_some(speeds),
        ..MovementData::default()
    })
}

fn exercise_route(session: &wire::Exercise, start: &Start) -> Option<PositionData> {
    let points: Vec<(f64, f64, f64)> = session
        .route
        .iter()
        .flatten()
        .take(MAX_SAMPLES)
        .filter_map(|point| {
            let latitude = point.latitude.filter(|v| (-90.0..=90.0).contains(v))?;
            let longitude = point.longitude.filter(|v| (-180.0..=180.0).contains(v))?;
            let offset = point.time.as_deref().and_then(duration_seconds)?;
            Some((offset, latitude, longitude))
        })
        .collect();
    let first = points.first()?;
    let last = points.last()?;
    Some(PositionData {
        start_pos_lat_lng_deg: Some(vec![first.1, first.2]),
        end_pos_lat_lng_deg: Some(vec![last.1, last.2]),
        position_samples: Some(
            points
                .iter()
                .map(|(offset, latitude, longitude)| PositionSample {
                    timestamp: start.plus(*offset),
                    coords_lat_lng_deg: Some(vec![*latitude, *longitude]),
                    timer_duration_seconds: Some(*offset),
                })
                .collect(),
        ),
        ..PositionData::default()
    })
}
