//! Pure mappers from Polar AccessLink documents ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Units: Polar reports energy in kcal, distances in metres, heart
//! rate in bpm, HRV as RMSSD in ms and sleep stages in seconds, Terra's units; exercise
//! speed samples are km/h and become m/s here, durations are ISO 8601 text and become
//! seconds. Times keep what Polar says about their zone: exercises carry a UTC offset in
//! minutes (kept), sleep carries an offset in its start and end (kept, and used for the
//! night's clock-time samples), while daily activity, continuous heart rate and Nightly
//! Recharge carry none, so their records use local wall-clock times without an offset
//! (Terra's documented form for "user's local time") rather than inventing UTC.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime};
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityLevel, ActivityLevelSample, ActivityMetadata,
    ActivityType, AsleepDurations, Athlete, AwakeDurations, Body, BodyMetadata, BreathSample,
    BreathsData, CaloriesData, Daily, DailyDistanceData, DailyMetadata, DeviceData, DistanceData,
    DistanceDataDetailed, DistanceDataSummary, DistanceSample, ElevationData, ElevationSample,
    HeartData, HeartRateData, HeartRateDataDetailed, HeartRateDataSample, HeartRateDataSummary,
    HeartRateVariabilityDataSampleRmssd, HeartRateZoneData, MovementData, OtherSleepDurations,
    PositionData, PositionSample, ReadinessData, RespirationData, Sleep, SleepDurationsData,
    SleepHypnogramSample, SleepLevel, SleepMetadata, SleepScores, SleepUploadType, SpeedSample,
    StepSample, Timestamp, UploadType,
};

use super::time::{
    add_seconds, add_seconds_local, clock_time, date, duration_seconds, in_night, in_night_local,
    local_datetime, offset_minutes,
};
use super::wire;

/// Longest series accepted (a day of 1-second samples); longer ones are cut, so a hostile
/// payload cannot make a record unbounded.
const MAX_SAMPLES: usize = 86_400;
/// Polar's exercise sample type codes mapped here.
const SAMPLE_HEART_RATE: i64 = 0;
const SAMPLE_SPEED_KMH: i64 = 1;
const SAMPLE_ALTITUDE: i64 = 3;
const SAMPLE_DISTANCE: i64 = 10;

fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

fn device(name: Option<&str>) -> DeviceData {
    DeviceData {
        name: name.map(str::to_owned),
        manufacturer: Some("Polar".to_owned()),
        ..DeviceData::default()
    }
}

/// A finite, non-negative number (Polar never reports negative counts or durations).
fn non_negative(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite() && *v >= 0.0)
}

fn count(value: Option<f64>) -> Option<i64> {
    non_negative(value)
        .filter(|v| *v < 1e12)
        .map(|v| v.round() as i64)
}

fn mean(values: &[f64]) -> Option<f64> {
    let sum: f64 = values.iter().sum();
    (!values.is_empty())
        .then(|| sum / values.len() as f64)
        .filter(|avg| avg.is_finite())
}

fn min_of(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::min)
}

fn max_of(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::max)
}

// ---------------------------------------------------------------------------------------
// Athlete.

/// The user profile. Polar's weight (kg) and height (cm) describe the profile, not a
/// dated measurement, so they are not turned into a Body record.
pub fn athlete(user: &wire::User) -> Athlete {
    let sex = user.gender.as_deref().map(str::to_ascii_lowercase);
    Athlete {
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        date_of_birth: user
            .birthdate
            .as_deref()
            .and_then(date)
            .map(|d| d.format("%Y-%m-%d").to_string()),
        sex: sex.clone(),
        gender: sex,
        provider_user_id: Some(user.polar_user_id.to_string()),
        ..Athlete::default()
    }
}

// ---------------------------------------------------------------------------------------
// Exercises.

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

// ---------------------------------------------------------------------------------------
// Sleep and Nightly Recharge.

/// Polar's hypnogram code as Terra's sleep level: 0 wake, 1 REM, 2 and 3 the two light
/// non-REM stages (N1, N2), 4 deep non-REM (N3), anything else unknown.
fn sleep_level(code: f64) -> SleepLevel {
    match code.round() as i64 {
        0 => SleepLevel::Awake,
        1 => SleepLevel::RemSleep,
        2 | 3 => SleepLevel::LightSleep,
        4 => SleepLevel::DeepSleep,
        _ => SleepLevel::Unknown,
    }
}

/// Clock-time keyed values of a night as (instant, value), in time order.
fn night_series(
    start: DateTime<FixedOffset>,
    values: Option<&BTreeMap<String, Option<f64>>>,
) -> Vec<(DateTime<FixedOffset>, f64)> {
    let mut points: Vec<(DateTime<FixedOffset>, f64)> = values
        .into_iter()
        .flatten()
        .take(MAX_SAMPLES)
        .filter_map(|(key, value)| {
            let value = value.filter(|v| v.is_finite())?;
            Some((in_night(start, clock_time(key)?)?, value))
        })
        .collect();
    points.sort_by_key(|(at, _)| *at);
    points
}

/// One night, with the same night's Nightly Recharge merged in when given (HRV as RMSSD,
/// breathing rate, recovery status). `None` without readable start and end times.
pub fn sleep(night: &wire::SleepNight, recharge: Option<&wire::NightlyRecharge>) -> Option<Sleep> {
    let start = DateTime::parse_from_rfc3339(night.sleep_start_time.trim()).ok()?;
    let end = DateTime::parse_from_rfc3339(night.sleep_end_time.trim()).ok()?;
    let heart_rate = night_series(start, night.heart_rate_samples.as_ref());
    let hrv = night_series(start, recharge.and_then(|r| r.hrv_samples.as_ref()));
    let breathing = night_series(start, recharge.and_then(|r| r.breathing_samples.as_ref()));
    let bpm: Vec<f64> = heart_rate.iter().map(|(_, v)| *v).collect();
    Some(Sleep {
        metadata: SleepMetadata {
            start_time: ts(start),
            end_time: ts(end),
            // Polar has no sleep id: a night is addressed by its date (`/sleep/{date}`).
            summary_id: Some(night.date.trim().to_owned()),
            is_nap: Some(false),
            upload_type: SleepUploadType::Automatic,
            timestamp_localization: None,
        },
        sleep_durations_data: Some(sleep_durations(night, start)),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: mean(&bpm),
                min_hr_bpm: min_of(&bpm),
                max_hr_bpm: max_of(&bpm),
                avg_hrv_rmssd: recharge.and_then(|r| non_negative(r.heart_rate_variability_avg)),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: Some(bpm_samples(heart_rate.iter().map(|(t, v)| (ts(*t), *v)))),
                hrv_samples_rmssd: recharge
                    .map(|_| rmssd_samples(hrv.iter().map(|(t, v)| (ts(*t), *v)))),
                hrv_samples_sdnn: None,
            }),
        }),
        respiration_data: recharge.map(|recharge| RespirationData {
            breaths_data: Some(breaths(recharge, &breathing)),
            ..RespirationData::default()
        }),
        readiness_data: recharge
            .and_then(|r| non_negative(r.nightly_recharge_status))
            .map(|status| ReadinessData {
                readiness: None,
                // Polar's 6-step status (very poor … very good) is Terra's RecoveryLevel
                // scale step for step.
                recovery_level: Some(status),
            }),
        scores: night
            .sleep_score
            .map(|score| SleepScores { sleep: Some(score) }),
        device_data: Some(device(None)),
        ..Sleep::default()
    })
}

fn breaths(
    recharge: &wire::NightlyRecharge,
    points: &[(DateTime<FixedOffset>, f64)],
) -> BreathsData {
    let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
    BreathsData {
        avg_breaths_per_min: non_negative(recharge.breathing_rate_avg),
        min_breaths_per_min: min_of(&values),
        max_breaths_per_min: max_of(&values),
        samples: Some(
            points
                .iter()
                .map(|(at, rate)| BreathSample {
                    timestamp: Some(ts(*at)),
                    breaths_per_min: Some(*rate),
                })
                .collect(),
        ),
        ..BreathsData::default()
    }
}

/// Stage totals. Polar's night runs from falling asleep to waking up, so time asleep is
/// light + deep + REM + unrecognised, and the awake time is the interruptions in between.
/// Polar reports no time in bed, so none is given.
fn sleep_durations(night: &wire::SleepNight, start: DateTime<FixedOffset>) -> SleepDurationsData {
    let light = non_negative(night.light_sleep);
    let deep = non_negative(night.deep_sleep);
    let rem = non_negative(night.rem_sleep);
    let unrecognized = non_negative(night.unrecognized_sleep_stage);
    let asleep = match (light, deep, rem) {
        (Some(light), Some(deep), Some(rem)) => {
            Some(light + deep + rem + unrecognized.unwrap_or(0.0))
        }
        _ => None,
    };
    let hypnogram: Vec<SleepHypnogramSample> = night_series(start, night.hypnogram.as_ref())
        .into_iter()
        .map(|(at, code)| SleepHypnogramSample {
            timestamp: Some(ts(at)),
            level: Some(sleep_level(code)),
        })
        .collect();
    SleepDurationsData {
        asleep: Some(AsleepDurations {
            duration_asleep_state_seconds: asleep,
            duration_light_sleep_state_seconds: light,
            duration_deep_sleep_state_seconds: deep,
            duration_rem_sleep_state_seconds: rem,
            num_rem_events: None,
        }),
        awake: Some(AwakeDurations {
            duration_awake_state_seconds: non_negative(night.total_interruption_duration),
            duration_long_interruption_seconds: non_negative(night.long_interruption_duration),
            duration_short_interruption_seconds: non_negative(night.short_interruption_duration),
            ..AwakeDurations::default()
        }),
        other: Some(OtherSleepDurations {
            duration_in_bed_seconds: None,
            duration_unmeasurable_sleep_seconds: unrecognized,
        }),
        sleep_efficiency: None,
        hypnogram_samples: (!hypnogram.is_empty()).then_some(hypnogram),
    }
}

fn bpm_samples(points: impl Iterator<Item = (Timestamp, f64)>) -> Vec<HeartRateDataSample> {
    points
        .map(|(timestamp, bpm)| HeartRateDataSample {
            timestamp: Some(timestamp),
            bpm: Some(bpm),
            ..HeartRateDataSample::default()
        })
        .collect()
}

fn rmssd_samples(
    points: impl Iterator<Item = (Timestamp, f64)>,
) -> Vec<HeartRateVariabilityDataSampleRmssd> {
    points
        .map(|(timestamp, rmssd)| HeartRateVariabilityDataSampleRmssd {
            timestamp: Some(timestamp),
            hrv_rmssd: Some(rmssd),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Body: continuous heart rate and Nightly Recharge of one date.

/// Local midnight of `day` and of the next day, without an offset.
fn local_day_bounds(day: NaiveDate) -> Option<(Timestamp, Timestamp)> {
    let start = day.and_hms_opt(0, 0, 0)?;
    let end = day.checked_add_days(Days::new(1))?.and_hms_opt(0, 0, 0)?;
    Some((Timestamp::from_local(start), Timestamp::from_local(end)))
}

/// One day's Body record: the day's continuous heart rate (5-minute averages, local
/// device time) and the Nightly Recharge of the night that ended that morning (average
/// heart rate and RMSSD of the recharge window, 5-minute RMSSD samples). Either may be
/// absent; `None` when both are, or when the dates disagree or do not parse.
pub fn body_day(
    heart: Option<&wire::ContinuousHeartRate>,
    recharge: Option<&wire::NightlyRecharge>,
) -> Option<Body> {
    let day = match (heart, recharge) {
        (Some(heart), Some(recharge)) => {
            let day = date(&heart.date)?;
            (date(&recharge.date)? == day).then_some(day)?
        }
        (Some(heart), None) => date(&heart.date)?,
        (None, Some(recharge)) => date(&recharge.date)?,
        (None, None) => return None,
    };
    let (start_time, end_time) = local_day_bounds(day)?;
    let readings: Vec<(Timestamp, f64)> = heart
        .map(|heart| heart.heart_rate_samples.as_slice())
        .unwrap_or_default()
        .iter()
        .take(MAX_SAMPLES)
        .filter_map(|sample| {
            let bpm = non_negative(sample.heart_rate)?;
            let clock = clock_time(sample.sample_time.as_deref()?)?;
            Some((Timestamp::from_local(day.and_time(clock)), bpm))
        })
        .collect();
    let mut hrv: Vec<(NaiveDateTime, f64)> = recharge
        .and_then(|r| r.hrv_samples.as_ref())
        .into_iter()
        .flatten()
        .take(MAX_SAMPLES)
        .filter_map(|(key, value)| {
            let value = value.filter(|v| v.is_finite())?;
            Some((in_night_local(day, clock_time(key)?)?, value))
        })
        .collect();
    hrv.sort_by_key(|(at, _)| *at);
    let bpm: Vec<f64> = readings.iter().map(|(_, v)| *v).collect();
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        heart_data: Some(HeartData {
            heart_rate_data: Some(HeartRateData {
                summary: Some(HeartRateDataSummary {
                    avg_hr_bpm: mean(&bpm),
                    min_hr_bpm: min_of(&bpm),
                    max_hr_bpm: max_of(&bpm),
                    avg_hrv_rmssd: recharge
                        .and_then(|r| non_negative(r.heart_rate_variability_avg)),
                    ..HeartRateDataSummary::default()
                }),
                detailed: Some(HeartRateDataDetailed {
                    hr_samples: heart.map(|_| bpm_samples(readings.iter().copied())),
                    hrv_samples_rmssd: recharge.map(|_| {
                        rmssd_samples(hrv.iter().map(|(at, v)| (Timestamp::from_local(*at), *v)))
                    }),
                    hrv_samples_sdnn: None,
                }),
            }),
            ..HeartData::default()
        }),
        device_data: Some(device(None)),
        ..Body::default()
    })
}

// ---------------------------------------------------------------------------------------
// Daily activity.

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
