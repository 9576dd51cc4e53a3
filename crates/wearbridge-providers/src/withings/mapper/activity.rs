//! Terra Activity from `getworkouts`.

use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, CaloriesData, DistanceData,
    DistanceDataSummary, ElevationData, HeartRateData, HeartRateDataSummary, OxygenData,
    SwimmingData, Timestamp, UploadType,
};

use super::common::{
    ATTRIB_MANUAL, count, device, finite, hr_zones, local_at, measured, model_name,
};
use crate::withings::wire;

/// Terra's activity type and a name for a Withings workout category. Codes from
/// providers.md §3.3; unknown codes become "Other" (108).
pub fn workout_type(category: i64) -> (ActivityType, &'static str) {
    match category {
        1 => (ActivityType::Walking, "Walk"),
        2 => (ActivityType::Running, "Run"),
        3 => (ActivityType::Hiking, "Hiking"),
        6 => (ActivityType::Biking, "Bicycling"),
        7 => (ActivityType::Swimming, "Swimming"),
        12 => (ActivityType::Tennis, "Tennis"),
        16 => (ActivityType::Weightlifting, "Lift weights"),
        28 => (ActivityType::Yoga, "Yoga"),
        187 => (ActivityType::Rowing, "Rowing"),
        306 => (ActivityType::TreadmillWalking, "Indoor walk"),
        307 => (ActivityType::TreadmillRunning, "Indoor running"),
        308 => (ActivityType::StationaryBiking, "Indoor cycling"),
        _ => (ActivityType::Other108, "Other"),
    }
}

/// One workout. Its id is Withings's workout id; active energy goes to
/// `net_activity_calories` (Withings's `calories` excludes basal energy).
pub fn workout(session: &wire::Workout) -> Option<Activity> {
    let zone_name = session.timezone.as_deref();
    let start = local_at(session.startdate, zone_name)?;
    let end = local_at(session.enddate, zone_name)?;
    let data = session.data.clone().unwrap_or_default();
    let (kind, name) = workout_type(session.category.unwrap_or(-1));
    let summary_id = match session.id {
        Some(id) => id.to_string(),
        None => format!("{}-{}", session.startdate, session.category.unwrap_or(-1)),
    };
    let manual = session.attrib.is_some_and(|a| ATTRIB_MANUAL.contains(&a));
    let has_hr = [data.hr_average, data.hr_min, data.hr_max]
        .iter()
        .any(|v| measured(*v).is_some());
    Some(Activity {
        metadata: ActivityMetadata {
            summary_id,
            start_time: Timestamp::from_datetime(start),
            end_time: Timestamp::from_datetime(end),
            r#type: kind,
            name: Some(name.to_owned()),
            upload_type: if manual {
                UploadType::Manual
            } else {
                UploadType::Automatic
            },
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: finite(data.effduration)
                .or_else(|| Some((end - start).num_seconds().max(0) as f64)),
            ..ActiveDurationsData::default()
        }),
        calories_data: Some(CaloriesData {
            net_activity_calories: measured(data.calories).or(measured(data.manual_calories)),
            ..CaloriesData::default()
        }),
        distance_data: Some(DistanceData {
            summary: Some(workout_distance(&data)),
            detailed: None,
        }),
        heart_rate_data: has_hr.then(|| HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: measured(data.hr_average),
                min_hr_bpm: measured(data.hr_min),
                max_hr_bpm: measured(data.hr_max),
                hr_zone_data: hr_zones([
                    data.hr_zone_0,
                    data.hr_zone_1,
                    data.hr_zone_2,
                    data.hr_zone_3,
                ]),
                ..HeartRateDataSummary::default()
            }),
            detailed: None,
        }),
        oxygen_data: measured(data.spo2_average).map(|average| OxygenData {
            avg_saturation_percentage: Some(average),
            ..OxygenData::default()
        }),
        device_data: Some(device(model_name(session.model.as_ref()))),
        ..Activity::default()
    })
}

fn workout_distance(data: &wire::WorkoutData) -> DistanceDataSummary {
    let swimming = [data.pool_laps, data.strokes, data.pool_length]
        .iter()
        .any(|v| measured(*v).is_some())
        .then(|| SwimmingData {
            num_laps: count(measured(data.pool_laps)),
            num_strokes: count(measured(data.strokes)),
            pool_length_meters: count(measured(data.pool_length)),
        });
    DistanceDataSummary {
        distance_meters: finite(data.distance).or(measured(data.manual_distance)),
        steps: count(data.steps),
        elevation: finite(data.elevation).map(|gain| ElevationData {
            gain_actual_meters: Some(gain),
            ..ElevationData::default()
        }),
        swimming,
        ..DistanceDataSummary::default()
    }
}
