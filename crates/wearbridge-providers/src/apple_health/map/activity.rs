//! Terra Activity: one per `Workout`, with the heart-rate samples recorded in its window
//! and, when the route file is at hand, its positions.

use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, CaloriesData, DistanceData,
    DistanceDataSummary, HeartRateData, HeartRateDataDetailed, HeartRateDataSample,
    HeartRateDataSummary, PositionData, PositionSample, UploadType,
};

use super::{RouteSource, average, device, max, min, points_between, ts};
use crate::apple_health::collect::{Collected, WorkoutData};
use crate::apple_health::gpx::RoutePoint;

/// Terra's type for a HealthKit activity type; anything else is Terra's "Other".
pub fn activity_type(apple: &str) -> ActivityType {
    match apple.strip_prefix("HKWorkoutActivityType").unwrap_or(apple) {
        "Running" => ActivityType::Running,
        "Cycling" => ActivityType::Biking,
        "Walking" => ActivityType::Walking,
        "Hiking" => ActivityType::Hiking,
        "Swimming" => ActivityType::Swimming,
        "Yoga" => ActivityType::Yoga,
        "Pilates" => ActivityType::Pilates,
        "Rowing" => ActivityType::Rowing,
        "Elliptical" => ActivityType::Elliptical,
        "Dance" | "SocialDance" | "CardioDance" => ActivityType::Dancing,
        "TraditionalStrengthTraining" | "FunctionalStrengthTraining" => {
            ActivityType::StrengthTraining
        }
        _ => ActivityType::Other108,
    }
}

/// "HKWorkoutActivityTypeTraditionalStrengthTraining" → "Traditional Strength Training".
fn display_name(apple: &str) -> String {
    let bare = apple.strip_prefix("HKWorkoutActivityType").unwrap_or(apple);
    let mut name = String::with_capacity(bare.len() + 4);
    for (index, c) in bare.chars().enumerate() {
        if index > 0 && c.is_uppercase() {
            name.push(' ');
        }
        name.push(c);
    }
    name
}

pub fn activity(
    workout: &WorkoutData,
    collected: &Collected,
    routes: &dyn RouteSource,
) -> Option<Activity> {
    let (start, end) = (workout.start?, workout.end?);
    let stat = |kind: &str| workout.statistic(kind);
    let active = stat("ActiveEnergyBurned").and_then(|s| s.sum);
    let basal = stat("BasalEnergyBurned").and_then(|s| s.sum);
    let distance = [
        "DistanceWalkingRunning",
        "DistanceCycling",
        "DistanceSwimming",
    ]
    .iter()
    .find_map(|kind| stat(kind).and_then(|s| s.sum));
    let heart = stat("HeartRate").unwrap_or_default();
    let samples = points_between(collected, start, end, |d| &d.heart_rate);
    let route = workout
        .route_path
        .as_deref()
        .and_then(|path| routes.route(path))
        .filter(|points| !points.is_empty());
    Some(Activity {
        metadata: ActivityMetadata {
            summary_id: format!(
                "apple-workout-{}-{}",
                start.timestamp(),
                workout
                    .activity_type
                    .trim_start_matches("HKWorkoutActivityType")
            ),
            start_time: ts(start),
            end_time: ts(end),
            r#type: activity_type(&workout.activity_type),
            name: Some(display_name(&workout.activity_type)),
            upload_type: UploadType::Automatic,
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: workout
                .duration_s
                .or(Some((end - start).num_seconds() as f64)),
            ..ActiveDurationsData::default()
        }),
        calories_data: Some(CaloriesData {
            net_activity_calories: active,
            total_burned_calories: active.map(|a| a + basal.unwrap_or(0.0)),
            ..CaloriesData::default()
        }),
        distance_data: Some(DistanceData {
            summary: Some(DistanceDataSummary {
                distance_meters: distance,
                steps: stat("StepCount")
                    .and_then(|s| s.sum)
                    .map(|s| s.round() as i64),
                ..DistanceDataSummary::default()
            }),
            detailed: None,
        }),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: heart.average.or_else(|| average(&samples)),
                min_hr_bpm: heart.minimum.or_else(|| min(&samples)),
                max_hr_bpm: heart.maximum.or_else(|| max(&samples)),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: Some(
                    samples
                        .iter()
                        .map(|p| HeartRateDataSample {
                            timestamp: Some(ts(p.at)),
                            bpm: Some(p.value),
                            timer_duration_seconds: Some((p.at - start).num_seconds() as f64),
                            ..HeartRateDataSample::default()
                        })
                        .collect(),
                ),
                ..HeartRateDataDetailed::default()
            }),
        }),
        position_data: route.map(|points| positions(&points)),
        device_data: Some(device()),
        ..Activity::default()
    })
}

/// Terra positions are `[latitude, longitude]` in degrees.
fn positions(points: &[RoutePoint]) -> PositionData {
    let coords = |p: &RoutePoint| vec![p.latitude, p.longitude];
    PositionData {
        start_pos_lat_lng_deg: points.first().map(coords),
        end_pos_lat_lng_deg: points.last().map(coords),
        position_samples: Some(
            points
                .iter()
                .map(|p| PositionSample {
                    timestamp: p.time.map(ts),
                    coords_lat_lng_deg: Some(coords(p)),
                    timer_duration_seconds: None,
                })
                .collect(),
        ),
        center_pos_lat_lng_deg: None,
    }
}
