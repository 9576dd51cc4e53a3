//! Pure mappers from Wahoo Cloud API documents ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Wahoo answers in SI units already (metres, seconds, m/s, bpm,
//! watts, kilocalories), except mechanical work in joules, which Terra states in
//! kilojoules. Meanings where Wahoo's names leave room:
//!
//! * `duration_active_accum` is Terra's `activity_seconds`, `duration_paused_accum` its
//!   `rest_seconds`; the record ends `duration_total_accum` after `starts` (else after the
//!   workout's whole `minutes`).
//! * `calories_accum` is `total_burned_calories`; `work_accum` (joules) is
//!   `work_data.work_kilojoules`, not `energy_data` (Terra's energy is energy expended).
//! * `power_bike_np_last` and `power_bike_tss_last` are the ride's normalized power and
//!   training stress score: one `TSS_samples` entry (`actual`, `normalized_power_watts`).
//! * `ascent_accum` is the elevation gain; Wahoo reports no descent, maximum or minimum.
//! * Timestamps are written in the summary's `time_zone` (an IANA zone) when it names
//!   one, else in UTC, as `starts` is.
//! * A workout without a summary (planned, or not yet uploaded) maps to its start, end
//!   (`minutes`), type and name only.

use chrono::{DateTime, FixedOffset, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, Athlete, CaloriesData,
    DistanceData, DistanceDataSummary, ElevationData, HeartRateData, HeartRateDataSummary,
    MovementData, PowerData, Timestamp, TssData, TssSample, UploadType, WorkData,
};

use super::wire;

/// A finite, non-negative value.
fn amount(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite() && *value >= 0.0)
}

fn non_empty(text: Option<&String>) -> Option<String> {
    text.map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// `value` placed in the IANA zone `zone` names, else kept in its own offset (Wahoo's
/// `starts` is UTC).
pub fn localize(value: DateTime<FixedOffset>, zone: Option<&str>) -> DateTime<FixedOffset> {
    let Some(tz) = zone.and_then(|name| name.trim().parse::<Tz>().ok()) else {
        return value;
    };
    let utc = value.with_timezone(&Utc);
    let offset = tz.offset_from_utc_datetime(&utc.naive_utc()).fix();
    utc.with_timezone(&offset)
}

/// Terra's activity type for Wahoo's `workout_type_id` (the Cloud API's "Workout Types"
/// table); cyclocross, recumbent and track biking are plain biking. Types without a Terra
/// counterpart (fitness equipment in general, transition, TICKR offline, mental strength,
/// unknown 255, new values) become "Other" (108).
pub fn activity_type(workout_type_id: Option<i64>) -> ActivityType {
    match workout_type_id.unwrap_or(255) {
        0 | 11 | 14 | 16 => ActivityType::Biking,
        1 | 3 | 67 => ActivityType::Running,
        4 => ActivityType::TrailRunning,
        5 | 19 => ActivityType::TreadmillRunning,
        71 => ActivityType::IndoorRunning,
        6 => ActivityType::Walking,
        7 => ActivityType::WalkingForFitness,
        8 => ActivityType::NordicWalking,
        9 => ActivityType::Hiking,
        10 => ActivityType::Mountaineering,
        12 | 21 | 49 | 61 | 68 => ActivityType::StationaryBiking,
        13 => ActivityType::MountainBiking,
        15 => ActivityType::RoadBiking,
        17 => ActivityType::Motorbiking,
        20 => ActivityType::Elliptical,
        22 => ActivityType::RowingMachine,
        23 | 44 => ActivityType::StairClimbingMachine,
        25 => ActivityType::SwimmingInPool,
        26 => ActivityType::OpenWaterSwimming,
        27 => ActivityType::Snowboarding,
        28 => ActivityType::Skiing,
        29 => ActivityType::DownhillSkiing,
        30 => ActivityType::CrossCountrySkiing,
        31 | 34 => ActivityType::Skating,
        32 => ActivityType::IceSkating,
        33 => ActivityType::InlineSkating,
        35 => ActivityType::Sailing,
        36 => ActivityType::Windsurfing,
        37 => ActivityType::Canoeing,
        38 => ActivityType::Kayaking,
        39 => ActivityType::Rowing,
        40 => ActivityType::Kitesurfing,
        41 => ActivityType::StandUpPaddleboarding,
        42 => ActivityType::StrengthTraining,
        43 => ActivityType::CardioTraining,
        45 => ActivityType::Wheelchair,
        46 => ActivityType::Golf,
        56 => ActivityType::TreadmillWalking,
        62 => ActivityType::Multisport,
        64 => ActivityType::EBiking,
        66 => ActivityType::Yoga,
        70 => ActivityType::HandBiking,
        _ => ActivityType::Other108,
    }
}

/// The user (`GET /v1/user`). Height and weight are what the user typed into their
/// profile, with no measurement time, so they are not a Body record; `gender` 0/1 is
/// male/female (2, "other", is left out rather than guessed).
pub fn athlete(user: &wire::User) -> Athlete {
    let sex = user
        .gender
        .as_ref()
        .and_then(wire::number)
        .and_then(|code| match code as i64 {
            0 => Some("male".to_owned()),
            1 => Some("female".to_owned()),
            _ => None,
        });
    let date = |text: Option<&String>| {
        let text = text?.trim();
        let day = text.get(..10)?;
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()
            .map(|day| day.format("%Y-%m-%d").to_string())
    };
    Athlete {
        first_name: non_empty(user.first.as_ref()),
        last_name: non_empty(user.last.as_ref()),
        email: non_empty(user.email.as_ref()),
        date_of_birth: date(user.birth.as_ref()),
        sex: sex.clone(),
        gender: sex,
        account_creation_date: user
            .created_at
            .as_deref()
            .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
            .map(|at| at.naive_utc().date().format("%Y-%m-%d").to_string()),
        provider_user_id: Some(user.id.to_string()),
        ..Athlete::default()
    }
}

/// One workout with its summary (`summary`, else the one embedded in the workout).
pub fn activity(workout: &wire::Workout, summary: Option<&wire::WorkoutSummary>) -> Activity {
    let summary = summary.or(workout.workout_summary.as_ref());
    let empty = wire::WorkoutSummary::default();
    let s = summary.unwrap_or(&empty);
    let start = localize(workout.starts, s.time_zone.as_deref());
    let total = amount(s.duration_total_accum)
        .or_else(|| amount(workout.minutes).map(|minutes| minutes * 60.0));
    let end = total
        .filter(|seconds| *seconds < 1e9)
        .and_then(|seconds| TimeDelta::try_milliseconds((seconds * 1000.0).round() as i64))
        .and_then(|span| start.checked_add_signed(span))
        .unwrap_or(start);
    let active = amount(s.duration_active_accum);
    let paused = amount(s.duration_paused_accum);
    let heart = amount(s.heart_rate_avg);
    let movement = MovementData {
        avg_speed_meters_per_second: amount(s.speed_avg),
        avg_cadence_rpm: amount(s.cadence_avg),
        ..MovementData::default()
    };
    let tss = TssSample {
        actual: amount(s.power_bike_tss_last),
        normalized_power_watts: amount(s.power_bike_np_last),
        ..TssSample::default()
    };
    Activity {
        metadata: ActivityMetadata {
            summary_id: workout.id.to_string(),
            start_time: Timestamp::from_datetime(start),
            end_time: Timestamp::from_datetime(end),
            r#type: activity_type(workout.workout_type_id),
            name: non_empty(workout.name.as_ref()),
            upload_type: match s.manual {
                Some(true) => UploadType::Manual,
                Some(false) => UploadType::Automatic,
                None => UploadType::Unknown,
            },
            city: None,
            state: None,
            country: None,
            timestamp_localization: None,
        },
        active_durations_data: (active.is_some() || paused.is_some()).then(|| {
            ActiveDurationsData {
                activity_seconds: active,
                rest_seconds: paused,
                ..ActiveDurationsData::default()
            }
        }),
        calories_data: amount(s.calories_accum).map(|kcal| CaloriesData {
            total_burned_calories: Some(kcal),
            ..CaloriesData::default()
        }),
        work_data: amount(s.work_accum).map(|joules| WorkData {
            work_kilojoules: Some(joules / 1000.0),
        }),
        distance_data: distance(s),
        heart_rate_data: heart.map(|bpm| HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: Some(bpm),
                ..HeartRateDataSummary::default()
            }),
            detailed: None,
        }),
        movement_data: (movement != MovementData::default()).then_some(movement),
        power_data: amount(s.power_avg).map(|watts| PowerData {
            avg_watts: Some(watts),
            ..PowerData::default()
        }),
        tss_data: (tss != TssSample::default()).then(|| TssData {
            tss_samples: Some(vec![tss]),
        }),
        ..Activity::default()
    }
}

fn distance(summary: &wire::WorkoutSummary) -> Option<DistanceData> {
    let elevation = amount(summary.ascent_accum).map(|gain| ElevationData {
        gain_actual_meters: Some(gain),
        ..ElevationData::default()
    });
    let distance = amount(summary.distance_accum);
    (distance.is_some() || elevation.is_some()).then(|| DistanceData {
        summary: Some(DistanceDataSummary {
            distance_meters: distance,
            elevation,
            ..DistanceDataSummary::default()
        }),
        detailed: None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn workout(value: serde_json::Value) -> wire::Workout {
        match serde_json::from_value(value) {
            Ok(workout) => workout,
            Err(error) => panic!("test workout parses: {error}"),
        }
    }

    #[test]
    fn a_time_zone_places_the_workout_locally() {
        let ride = workout(json!({
            "id": 1, "starts": "2026-04-25T09:36:48.000Z", "minutes": 75,
            "workout_type_id": 0,
            "workout_summary": {"duration_total_accum": "4521.0", "time_zone": "Europe/Helsinki"}
        }));
        let mapped = activity(&ride, None);
        assert_eq!(
            mapped.metadata.start_time.to_datetime(),
            DateTime::parse_from_rfc3339("2026-04-25T12:36:48+03:00").ok()
        );
        assert_eq!(
            mapped.metadata.end_time.to_datetime(),
            DateTime::parse_from_rfc3339("2026-04-25T13:52:09+03:00").ok()
        );
        let nowhere = workout(json!({
            "id": 1, "starts": "2026-04-25T09:36:48.000Z", "minutes": 75,
            "workout_summary": {"time_zone": "Mars/Olympus"}
        }));
        let mapped = activity(&nowhere, None);
        assert_eq!(
            mapped.metadata.end_time.to_datetime(),
            DateTime::parse_from_rfc3339("2026-04-25T10:51:48Z").ok()
        );
    }

    #[test]
    fn work_is_kilojoules_and_strings_read_as_numbers() {
        let ride = workout(json!({
            "id": 7, "starts": "2026-04-25T09:36:48.000Z",
            "workout_summary": {"work_accum": "797068.0", "calories_accum": 806, "heart_rate_avg": null}
        }));
        let mapped = activity(&ride, None);
        assert_eq!(
            mapped.work_data.and_then(|work| work.work_kilojoules),
            Some(797.068)
        );
        assert_eq!(
            mapped.calories_data.and_then(|c| c.total_burned_calories),
            Some(806.0)
        );
        assert!(mapped.heart_rate_data.is_none());
    }

    #[test]
    fn unknown_types_are_other() {
        assert_eq!(activity_type(Some(61)), ActivityType::StationaryBiking);
        assert_eq!(activity_type(Some(255)), ActivityType::Other108);
        assert_eq!(activity_type(None), ActivityType::Other108);
        assert_eq!(activity_type(Some(-3)), ActivityType::Other108);
    }
}
