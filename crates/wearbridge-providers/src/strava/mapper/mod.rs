//! Pure mappers from Strava API v3 documents ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Strava already answers in Terra's units (metres, seconds, m/s, bpm,
//! watts, kilocalories, kilojoules of work), so values pass through; what the mapper does
//! is place them: every timestamp is written in the offset the athlete was in when the
//! activity started (`utc_offset`, else `start_date_local − start_date`), so an evening
//! run in `-08:00` stays on its local day. Meanings where Strava's names leave room:
//!
//! * `moving_time` is Terra's `activity_seconds`; stopped time (`elapsed_time −
//!   moving_time`) is `rest_seconds`; the record ends at start + `elapsed_time`.
//! * `kilojoules` (power-meter work, rides only) is `work_data.work_kilojoules`, not
//!   `energy_data`, which Terra defines as energy expended.
//! * `calories` (detailed activities only) is `total_burned_calories`.
//! * Strava's `cadence` is per minute of one leg or crank turn, Terra's `*_cadence_rpm`.
//! * Streams become Terra samples ([`samples`]); `temp` and `grade_smooth` have no place.
//! * A manual entry's zero `max_speed` and `total_elevation_gain` are "not recorded" (no
//!   device measured them), so they are left out rather than stated as zero.

mod samples;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeDelta, Utc};
use serde_json::Value;
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, Athlete, CaloriesData,
    DeviceData, DistanceData, DistanceDataSummary, ElevationData, HeartRateData,
    HeartRateDataSummary, LapData, LapSample, MovementData, PolylineMapData, PositionData,
    PowerData, Timestamp, UploadType, WorkData,
};

use super::wire;

/// Largest offset accepted from Strava (±18 h, the RFC 3339 and chrono bound).
const MAX_OFFSET_S: i64 = 18 * 3_600;

fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

/// A finite, non-negative value.
fn amount(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite() && *value >= 0.0)
}

/// A value a device measured: for a manual entry, Strava's zero means "not recorded".
fn measured(activity: &wire::Activity, value: Option<f64>) -> Option<f64> {
    amount(value).filter(|value| activity.manual != Some(true) || *value > 0.0)
}

fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite())
}

/// The offset the athlete was in at the activity's start: `utc_offset` when Strava sends
/// it, else the difference between the local wall time and the UTC start (older payloads
/// carry only those), else UTC. Whole minutes only (every real zone is).
pub fn activity_offset(activity: &wire::Activity) -> FixedOffset {
    let from_field = activity
        .utc_offset
        .filter(|seconds| seconds.is_finite() && seconds.abs() <= MAX_OFFSET_S as f64)
        .map(|seconds| seconds.round() as i64);
    let from_local = || {
        let text = activity.start_date_local.as_deref()?;
        let naive = local_wall_time(text)?;
        Some((naive - activity.start_date.naive_utc()).num_seconds())
    };
    from_field
        .or_else(from_local)
        .filter(|seconds| seconds.abs() <= MAX_OFFSET_S && seconds % 60 == 0)
        .and_then(|seconds| FixedOffset::east_opt(i32::try_from(seconds).ok()?))
        .unwrap_or_else(|| Utc.fix())
}

/// `2018-02-16T06:52:54Z` read as the wall time it really is (the `Z` is a label only).
fn local_wall_time(text: &str) -> Option<NaiveDateTime> {
    let trimmed = text.trim().trim_end_matches(['Z', 'z']);
    NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// `[lat, lng]` in degrees when `value` is a pair of finite numbers in range.
fn lat_lng(value: Option<&Value>) -> Option<Vec<f64>> {
    let items = value?.as_array()?;
    let [lat, lng] = items.as_slice() else {
        return None;
    };
    let (lat, lng) = (lat.as_f64()?, lng.as_f64()?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)).then(|| vec![lat, lng])
}

fn non_empty(text: Option<&String>) -> Option<String> {
    text.map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// Terra's activity type for a Strava `SportType` (or the older `ActivityType`); sports
/// without a Terra counterpart (`Pickleball`, the generic `Workout`, new values) become
/// "Other" (108).
pub fn activity_type(sport: &str) -> ActivityType {
    match sport.trim() {
        "Run" => ActivityType::Running,
        "TrailRun" => ActivityType::TrailRunning,
        "VirtualRun" => ActivityType::TreadmillRunning,
        "Walk" => ActivityType::Walking,
        "Hike" => ActivityType::Hiking,
        "Ride" | "Velomobile" => ActivityType::Biking,
        "MountainBikeRide" => ActivityType::MountainBiking,
        "GravelRide" => ActivityType::GravelCycling,
        "EBikeRide" => ActivityType::EBiking,
        "EMountainBikeRide" => ActivityType::EMountainBiking,
        "VirtualRide" => ActivityType::StationaryBiking,
        "Handcycle" => ActivityType::HandBiking,
        "Swim" => ActivityType::Swimming,
        "Rowing" => ActivityType::Rowing,
        "VirtualRow" => ActivityType::RowingMachine,
        "Canoeing" => ActivityType::Canoeing,
        "Kayaking" => ActivityType::Kayaking,
        "StandUpPaddling" => ActivityType::StandUpPaddleboarding,
        "Surfing" => ActivityType::Surfing,
        "Kitesurf" => ActivityType::Kitesurfing,
        "Windsurf" => ActivityType::Windsurfing,
        "Sail" => ActivityType::Sailing,
        "AlpineSki" => ActivityType::DownhillSkiing,
        "BackcountrySki" => ActivityType::BackCountrySkiing,
        "NordicSki" => ActivityType::CrossCountrySkiing,
        "RollerSki" => ActivityType::RollerSkiing,
        "Snowboard" => ActivityType::Snowboarding,
        "Snowshoe" => ActivityType::Snowshoeing,
        "IceSkate" => ActivityType::IceSkating,
        "InlineSkate" => ActivityType::InlineSkating,
        "Skateboard" => ActivityType::Skateboarding,
        "WeightTraining" => ActivityType::StrengthTraining,
        "Crossfit" => ActivityType::Crossfit,
        "HighIntensityIntervalTraining" => ActivityType::Hiit,
        "Elliptical" => ActivityType::Elliptical,
        "StairStepper" => ActivityType::StairClimbingMachine,
        "Yoga" => ActivityType::Yoga,
        "Pilates" => ActivityType::Pilates,
        "Dance" => ActivityType::Dancing,
        "RockClimbing" => ActivityType::RockClimbing,
        "Golf" => ActivityType::Golf,
        "Soccer" => ActivityType::EnglishFootball,
        "Basketball" => ActivityType::Basketball,
        "Volleyball" => ActivityType::Volleyball,
        "Tennis" => ActivityType::Tennis,
        "TableTennis" => ActivityType::TableTennis,
        "Badminton" => ActivityType::Badminton,
        "Squash" => ActivityType::Squash,
        "Racquetball" => ActivityType::Racquetball,
        "Padel" => ActivityType::PadelTennis,
        "Cricket" => ActivityType::Cricket,
        "Wheelchair" => ActivityType::Wheelchair,
        "PhysicalTherapy" => ActivityType::PhysicalTherapy,
        _ => ActivityType::Other108,
    }
}

/// The athlete (`GET /athlete`). Strava shares no birth date or e-mail address;
/// `created_at` becomes the account creation date (`YYYY-MM-DD`, UTC). The weight has no
/// measurement time (it is what the athlete typed in), so it is not a Body record.
pub fn athlete(athlete: &wire::Athlete) -> Athlete {
    let sex = athlete.sex.as_deref().and_then(|sex| match sex.trim() {
        "M" | "m" => Some("male".to_owned()),
        "F" | "f" => Some("female".to_owned()),
        _ => None,
    });
    Athlete {
        first_name: non_empty(athlete.firstname.as_ref()),
        last_name: non_empty(athlete.lastname.as_ref()),
        city: non_empty(athlete.city.as_ref()),
        state: non_empty(athlete.state.as_ref()),
        country: non_empty(athlete.country.as_ref()),
        sex: sex.clone(),
        gender: sex,
        account_creation_date: athlete
            .created_at
            .as_deref()
            .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
            .map(|at| at.naive_utc().date().format("%Y-%m-%d").to_string()),
        provider_user_id: Some(athlete.id.to_string()),
        ..Athlete::default()
    }
}

/// One activity, from its summary or detailed representation, with its `streams` as
/// samples when they were fetched. `summary_id` is Strava's activity id.
pub fn activity(activity: &wire::Activity, streams: Option<&wire::StreamSet>) -> Activity {
    let offset = activity_offset(activity);
    let start = activity.start_date.with_timezone(&offset);
    let elapsed = amount(activity.elapsed_time);
    let moving = amount(activity.moving_time);
    let end = elapsed
        .and_then(|seconds| TimeDelta::try_milliseconds((seconds * 1000.0).round() as i64))
        .and_then(|span| start.checked_add_signed(span))
        .unwrap_or(start);
    let sport = activity
        .sport_type
        .as_deref()
        .or(activity.activity_type.as_deref())
        .unwrap_or_default();
    let samples = streams.map(|streams| samples::Samples::new(streams, start));
    let samples = samples.as_ref();
    Activity {
        metadata: ActivityMetadata {
            summary_id: activity.id.to_string(),
            start_time: ts(start),
            end_time: ts(end),
            r#type: activity_type(sport),
            name: non_empty(activity.name.as_ref()),
            upload_type: if activity.manual == Some(true) {
                UploadType::Manual
            } else {
                UploadType::Automatic
            },
            city: non_empty(activity.location_city.as_ref()),
            state: non_empty(activity.location_state.as_ref()),
            country: non_empty(activity.location_country.as_ref()),
            timestamp_localization: None,
        },
        active_durations_data: (moving.is_some() || elapsed.is_some()).then(|| {
            ActiveDurationsData {
                activity_seconds: moving,
                rest_seconds: elapsed
                    .zip(moving)
                    .map(|(elapsed, moving)| (elapsed - moving).max(0.0)),
                ..ActiveDurationsData::default()
            }
        }),
        calories_data: amount(activity.calories).map(|kcal| CaloriesData {
            total_burned_calories: Some(kcal),
            ..CaloriesData::default()
        }),
        work_data: amount(activity.kilojoules).map(|kj| WorkData {
            work_kilojoules: Some(kj),
        }),
        distance_data: distance(activity, samples),
        heart_rate_data: heart_rate(activity, samples),
        movement_data: movement(activity, samples),
        power_data: power(activity, samples),
        position_data: position(activity, samples),
        polyline_map_data: activity
            .map
            .as_ref()
            .and_then(|map| non_empty(map.summary_polyline.as_ref()))
            .map(|line| PolylineMapData {
                summary_polyline: Some(line),
            }),
        lap_data: activity
            .laps
            .as_ref()
            .filter(|laps| !laps.is_empty())
            .map(|laps| LapData {
                laps: Some(laps.iter().map(|one| lap(one, offset)).collect()),
            }),
        device_data: non_empty(activity.device_name.as_ref()).map(|name| DeviceData {
            name: Some(name),
            ..DeviceData::default()
        }),
        ..Activity::default()
    }
}

fn distance(activity: &wire::Activity, samples: Option<&samples::Samples>) -> Option<DistanceData> {
    let elevation = ElevationData {
        gain_actual_meters: measured(activity, activity.total_elevation_gain),
        max_meters: finite(activity.elev_high),
        min_meters: finite(activity.elev_low),
        ..ElevationData::default()
    };
    let has_elevation = elevation != ElevationData::default();
    let summary = DistanceDataSummary {
        distance_meters: amount(activity.distance),
        elevation: has_elevation.then_some(elevation),
        ..DistanceDataSummary::default()
    };
    let detailed = samples.and_then(samples::Samples::distance);
    let has_summary = summary != DistanceDataSummary::default();
    (has_summary || detailed.is_some()).then(|| DistanceData {
        summary: has_summary.then_some(summary),
        detailed,
    })
}

fn heart_rate(
    activity: &wire::Activity,
    samples: Option<&samples::Samples>,
) -> Option<HeartRateData> {
    let detailed = samples.and_then(samples::Samples::heart_rate);
    let summary = HeartRateDataSummary {
        avg_hr_bpm: amount(activity.average_heartrate),
        max_hr_bpm: amount(activity.max_heartrate),
        min_hr_bpm: samples.and_then(samples::Samples::min_heart_rate),
        ..HeartRateDataSummary::default()
    };
    let has_summary = summary != HeartRateDataSummary::default();
    (has_summary || detailed.is_some()).then(|| HeartRateData {
        summary: has_summary.then_some(summary),
        detailed,
    })
}

fn movement(activity: &wire::Activity, samples: Option<&samples::Samples>) -> Option<MovementData> {
    let movement = MovementData {
        avg_speed_meters_per_second: amount(activity.average_speed),
        max_speed_meters_per_second: measured(activity, activity.max_speed),
        avg_cadence_rpm: amount(activity.average_cadence),
        speed_samples: samples.and_then(samples::Samples::speed),
        cadence_samples: samples.and_then(samples::Samples::cadence),
        ..MovementData::default()
    };
    (movement != MovementData::default()).then_some(movement)
}

fn power(activity: &wire::Activity, samples: Option<&samples::Samples>) -> Option<PowerData> {
    let power = PowerData {
        avg_watts: amount(activity.average_watts),
        max_watts: amount(activity.max_watts),
        power_samples: samples.and_then(samples::Samples::power),
    };
    (power != PowerData::default()).then_some(power)
}

fn position(activity: &wire::Activity, samples: Option<&samples::Samples>) -> Option<PositionData> {
    let position = PositionData {
        start_pos_lat_lng_deg: lat_lng(activity.start_latlng.as_ref()),
        end_pos_lat_lng_deg: lat_lng(activity.end_latlng.as_ref()),
        position_samples: samples.and_then(samples::Samples::position),
        ..PositionData::default()
    };
    (position != PositionData::default()).then_some(position)
}

/// One lap, placed in the activity's offset; it ends `elapsed_time` after its start.
fn lap(lap: &wire::Lap, offset: FixedOffset) -> LapSample {
    let start = lap.start_date.with_timezone(&offset);
    let end = amount(lap.elapsed_time)
        .and_then(|seconds| TimeDelta::try_milliseconds((seconds * 1000.0).round() as i64))
        .and_then(|span| start.checked_add_signed(span));
    LapSample {
        start_time: Some(ts(start)),
        end_time: end.map(ts),
        distance_meters: amount(lap.distance),
        avg_speed_meters_per_second: amount(lap.average_speed),
        avg_hr_bpm: amount(lap.average_heartrate),
        avg_watts: amount(lap.average_watts),
        active_duration_seconds: amount(lap.moving_time)
            .filter(|seconds| *seconds <= i64::MAX as f64)
            .map(|seconds| seconds.round() as i64),
        ..LapSample::default()
    }
}

#[cfg(test)]
mod tests;
