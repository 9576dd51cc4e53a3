//! Pure mappers from Suunto Cloud API documents ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Suunto's workout times are epoch milliseconds (UTC) with the offset
//! of the place of recording beside them (`timeOffsetInMinutes`); every timestamp is
//! written in that offset, so a workout stays on the local day it was done. 24/7 samples
//! carry ISO 8601 times with their offset, which are kept as written. Meanings where
//! Suunto's names leave room (see docs/DECISIONS.md, "Suunto"):
//!
//! * `totalTime` is timer time (pauses excluded): Terra's `activity_seconds`. The record
//!   ends at `stopTime`, else (fresh pushes omit it) at start + `totalTime` + the pauses of
//!   the `PauseMarkerExtension`; the difference is `rest_seconds`.
//! * `hrdata.workoutAvgHR`/`workoutMaxHR` are what the workout reached; `hrdata.max` and
//!   `userMaxHR` are the user's configured maximum, Terra's `user_max_hr_bpm`.
//! * A position of exactly `{x: 0, y: 0}` is Suunto's "no GPS" and is left out.
//! * The sport code (`activityId`) maps to Terra's activity type by Suunto's list.

mod days;

pub use days::{daily, sleep};

use chrono::{DateTime, FixedOffset, Offset, TimeDelta, Utc};
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, Athlete, CaloriesData,
    DeviceData, DistanceData, DistanceDataSummary, ElevationData, HeartRateData,
    HeartRateDataSummary, MovementData, PositionData, PowerData, Timestamp, UploadType,
};

use super::wire;

/// Largest offset accepted (±18 h, the RFC 3339 and chrono bound), in minutes.
const MAX_OFFSET_MIN: i64 = 18 * 60;

pub(crate) fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

/// A finite, non-negative value.
pub(crate) fn amount(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite() && *value >= 0.0)
}

/// A finite value (altitudes may be below sea level).
fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite())
}

/// A positive value: Suunto writes `0` for "not measured" in averages and maxima.
fn positive(value: Option<f64>) -> Option<f64> {
    amount(value).filter(|value| *value > 0.0)
}

fn non_empty(text: Option<&String>) -> Option<String> {
    text.map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// The workout's offset (`timeOffsetInMinutes`), UTC when absent or out of range.
pub fn workout_offset(workout: &wire::Workout) -> FixedOffset {
    workout
        .time_offset_in_minutes
        .filter(|minutes| (-MAX_OFFSET_MIN..=MAX_OFFSET_MIN).contains(minutes))
        .and_then(|minutes| FixedOffset::east_opt(i32::try_from(minutes * 60).ok()?))
        .unwrap_or_else(|| Utc.fix())
}

/// Epoch milliseconds in `offset`; `None` out of chrono's range.
pub fn from_epoch_ms(ms: i64, offset: FixedOffset) -> Option<DateTime<FixedOffset>> {
    DateTime::from_timestamp_millis(ms).map(|at| at.with_timezone(&offset))
}

/// The workout's start in its own offset (`None` when `startTime` is out of range).
pub fn workout_start(workout: &wire::Workout) -> Option<DateTime<FixedOffset>> {
    from_epoch_ms(workout.start_time, workout_offset(workout))
}

/// Terra's activity type for a Suunto sport code (Suunto API Zone "Activities" list);
/// codes without a Terra counterpart, the generic "sports" codes 4–9 and new codes are
/// "Other" (108).
pub fn activity_type(code: i64) -> ActivityType {
    use ActivityType as T;
    match code {
        0 => T::Walking,
        1 | 59 | 103 => T::Running,
        2 => T::Biking,
        3 | 117 | 118 => T::CrossCountrySkiing,
        10 => T::MountainBiking,
        11 | 70 => T::Hiking,
        12 => T::InlineSkating,
        13 | 84 => T::DownhillSkiing,
        14 => T::Paddling,
        15 => T::Rowing,
        16 => T::Golf,
        18 => T::Calisthenics,
        19 => T::TeamSports,
        20 | 23 | 63 => T::StrengthTraining,
        21 => T::Swimming,
        22 | 115 => T::Running,
        24 => T::NordicWalking,
        25 => T::HorsebackRiding,
        26 => T::MotorRacing,
        27 => T::Skateboarding,
        29 => T::RockClimbing,
        30 | 110 => T::Snowboarding,
        31 | 107 => T::BackCountrySkiing,
        32 | 69 | 76 => T::Aerobics,
        33 | 67 => T::EnglishFootball,
        34 => T::Tennis,
        35 => T::Basketball,
        36 => T::Badminton,
        37 => T::Baseball,
        38 => T::Volleyball,
        39 => T::AmericanFootball,
        40 => T::TableTennis,
        41 => T::Racquetball,
        42 => T::Squash,
        44 => T::Handball,
        45 => T::Softball,
        47 => T::Cricket,
        48 => T::Rugby,
        49 => T::IceSkating,
        50 | 113 => T::Hockey,
        51 | 121 => T::Yoga,
        52 => T::StationaryBiking,
        53 => T::TreadmillRunning,
        54 => T::Crossfit,
        55 => T::Elliptical,
        56 => T::RollerSkiing,
        57 => T::RowingMachine,
        58 => T::Stretching,
        60 => T::Orienteering,
        61 => T::StandUpPaddleboarding,
        62 => T::MartialArts,
        64 => T::Dancing,
        65 => T::Snowshoeing,
        66 => T::Frisbee,
        71 => T::Sailing,
        72 => T::Kayaking,
        73 => T::CircuitTraining,
        74 => T::Triathlon,
        75 => T::PadelTennis,
        77 => T::Boxing,
        78 | 79 | 90 | 101 => T::Diving,
        82 => T::Canoeing,
        83 | 116 => T::Mountaineering,
        85 => T::OpenWaterSwimming,
        86 => T::Windsurfing,
        87 => T::Kitesurfing,
        88 => T::Paragliding,
        91 => T::Surfing,
        96 => T::Fishing,
        102 => T::JumpingRope,
        104 => T::Calisthenics,
        108 => T::Wheelchair,
        109 => T::HandBiking,
        111 => T::Biathlon,
        112 => T::Meditation,
        120 => T::Pilates,
        _ => T::Other108,
    }
}

/// The athlete: Suunto shares nothing about the person but the username.
pub fn athlete(username: &str) -> Athlete {
    Athlete {
        provider_user_id: Some(username.to_owned()),
        ..Athlete::default()
    }
}

/// `[lat, lng]` in degrees from Suunto's `{x: lng, y: lat}`; `{0, 0}` is "not recorded".
fn lat_lng(position: Option<&wire::Position>) -> Option<Vec<f64>> {
    let position = position?;
    let (lng, lat) = (position.x?, position.y?);
    let valid = (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng);
    (valid && (lat, lng) != (0.0, 0.0)).then(|| vec![lat, lng])
}

/// One workout. `extra_gear` is the device a push names beside the workout (used when the
/// workout carries none). `None` when `startTime` is out of range or no id is present.
pub fn activity(workout: &wire::Workout, extra_gear: Option<&wire::Gear>) -> Option<Activity> {
    let offset = workout_offset(workout);
    let start = from_epoch_ms(workout.start_time, offset)?;
    let summary_id = non_empty(workout.workout_key.as_ref()).or_else(|| {
        workout
            .workout_id
            .filter(|id| *id > 0)
            .map(|id| id.to_string())
    })?;
    let total = amount(workout.total_time);
    // Elapsed time: `stopTime − startTime`, else timer time plus the pauses (fresh pushes
    // have no `stopTime`); what elapsed time holds beyond timer time is rest.
    let stop = workout
        .stop_time
        .and_then(|ms| from_epoch_ms(ms, offset))
        .filter(|end| *end >= start);
    let paused = workout
        .paused_seconds()
        .filter(|seconds| seconds.is_finite());
    let end = stop
        .or_else(|| {
            let elapsed = total? + paused.unwrap_or(0.0);
            let span = TimeDelta::try_milliseconds((elapsed * 1000.0).round() as i64)?;
            start.checked_add_signed(span)
        })
        .unwrap_or(start);
    let rest = match (stop, total) {
        (Some(stop), Some(total)) => {
            Some(((stop - start).num_milliseconds() as f64 / 1000.0 - total).max(0.0))
        }
        _ => paused,
    };
    let hr = workout.hrdata.unwrap_or_default();
    let heart = HeartRateDataSummary {
        avg_hr_bpm: positive(hr.workout_avg_hr.or(hr.avg)),
        max_hr_bpm: positive(hr.workout_max_hr.or(hr.hrmax)),
        min_hr_bpm: positive(hr.min),
        user_max_hr_bpm: positive(hr.user_max_hr.or(hr.max)),
        ..HeartRateDataSummary::default()
    };
    let elevation = ElevationData {
        gain_actual_meters: amount(workout.total_ascent),
        loss_actual_meters: amount(workout.total_descent),
        max_meters: finite(workout.max_altitude),
        min_meters: finite(workout.min_altitude),
        ..ElevationData::default()
    };
    let distance = DistanceDataSummary {
        distance_meters: amount(workout.total_distance),
        steps: positive(workout.step_count)
            .filter(|steps| *steps <= i64::MAX as f64)
            .map(|steps| steps.round() as i64),
        elevation: (elevation != ElevationData::default()).then_some(elevation),
        ..DistanceDataSummary::default()
    };
    let cadence = workout.cadence.unwrap_or_default();
    let movement = MovementData {
        avg_speed_meters_per_second: amount(workout.avg_speed),
        max_speed_meters_per_second: amount(workout.max_speed),
        avg_cadence_rpm: positive(workout.avg_cadence.or(cadence.avg)),
        max_cadence_rpm: positive(workout.max_cadence.or(cadence.max)),
        ..MovementData::default()
    };
    let power = PowerData {
        avg_watts: positive(workout.avg_power),
        max_watts: positive(workout.max_power),
        power_samples: None,
    };
    let position = PositionData {
        start_pos_lat_lng_deg: lat_lng(workout.start_position.as_ref()),
        end_pos_lat_lng_deg: lat_lng(workout.stop_position.as_ref()),
        center_pos_lat_lng_deg: lat_lng(workout.center_position.as_ref()),
        ..PositionData::default()
    };
    Some(Activity {
        metadata: ActivityMetadata {
            summary_id,
            start_time: ts(start),
            end_time: ts(end),
            r#type: workout
                .activity_id
                .map_or(ActivityType::Other108, activity_type),
            name: None,
            upload_type: if workout.is_manually_added == Some(true) {
                UploadType::Manual
            } else {
                UploadType::Automatic
            },
            city: None,
            state: None,
            country: None,
            timestamp_localization: None,
        },
        active_durations_data: (total.is_some() || rest.is_some()).then_some(ActiveDurationsData {
            activity_seconds: total,
            rest_seconds: rest,
            ..ActiveDurationsData::default()
        }),
        calories_data: amount(workout.energy_consumption).map(|kcal| CaloriesData {
            total_burned_calories: Some(kcal),
            ..CaloriesData::default()
        }),
        distance_data: (distance != DistanceDataSummary::default()).then_some(DistanceData {
            summary: Some(distance),
            detailed: None,
        }),
        heart_rate_data: (heart != HeartRateDataSummary::default()).then_some(HeartRateData {
            summary: Some(heart),
            detailed: None,
        }),
        movement_data: (movement != MovementData::default()).then_some(movement),
        power_data: (power != PowerData::default()).then_some(power),
        position_data: (position != PositionData::default()).then_some(position),
        device_data: device(
            workout
                .gear
                .clone()
                .or_else(|| workout.summary_gear())
                .as_ref()
                .or(extra_gear),
        ),
        ..Activity::default()
    })
}

/// The recording device, when Suunto names one.
fn device(gear: Option<&wire::Gear>) -> Option<DeviceData> {
    let gear = gear?;
    let device = DeviceData {
        name: non_empty(gear.display_name.as_ref()).or_else(|| non_empty(gear.name.as_ref())),
        manufacturer: non_empty(gear.manufacturer.as_ref()),
        serial_number: non_empty(gear.serial_number.as_ref()),
        software_version: non_empty(gear.sw_version.as_ref()),
        hardware_version: non_empty(gear.hw_version.as_ref()),
        ..DeviceData::default()
    };
    (device != DeviceData::default()).then_some(device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_out_of_range_fall_back_to_utc() {
        let mut workout = wire::Workout {
            time_offset_in_minutes: Some(120),
            ..wire::Workout::default()
        };
        assert_eq!(workout_offset(&workout).local_minus_utc(), 7_200);
        workout.time_offset_in_minutes = Some(24 * 60);
        assert_eq!(workout_offset(&workout).local_minus_utc(), 0);
        workout.time_offset_in_minutes = Some(-330);
        assert_eq!(workout_offset(&workout).local_minus_utc(), -19_800);
    }

    #[test]
    fn zero_positions_are_not_recorded() {
        let zero = wire::Position {
            x: Some(0.0),
            y: Some(0.0),
        };
        assert_eq!(lat_lng(Some(&zero)), None);
        let helsinki = wire::Position {
            x: Some(24.97),
            y: Some(60.27),
        };
        assert_eq!(lat_lng(Some(&helsinki)), Some(vec![60.27, 24.97]));
        let wild = wire::Position {
            x: Some(500.0),
            y: Some(10.0),
        };
        assert_eq!(lat_lng(Some(&wild)), None);
    }

    #[test]
    fn a_workout_without_an_id_or_a_valid_start_is_no_record() {
        let keyless = wire::Workout {
            start_time: 1_702_729_200_000,
            workout_id: Some(0),
            ..wire::Workout::default()
        };
        assert!(activity(&keyless, None).is_none());
        let far = wire::Workout {
            start_time: i64::MAX,
            workout_key: Some("k".into()),
            ..wire::Workout::default()
        };
        assert!(activity(&far, None).is_none());
    }
}
