//! Pure mappers from Oura API v2 documents ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Units: Oura reports durations in seconds, energy in kcal,
//! distances in metres, heart rate in bpm and HRV as RMSSD in ms, exactly Terra's units,
//! so values pass through unchanged; only meanings are chosen here (HRV goes to the RMSSD
//! fields, never SDNN). Every timestamp keeps the offset Oura reported, so a night in
//! `+02:00` stays on its local day.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeDelta};
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityLevel, ActivityLevelSample, ActivityMetadata,
    ActivityType, AsleepDurations, Athlete, AwakeDurations, Body, BodyMetadata, BreathsData,
    CaloriesData, Daily, DailyDistanceData, DailyMetadata, DeviceData, DistanceData,
    DistanceDataSummary, HeartData, HeartRateData, HeartRateDataDetailed, HeartRateDataSample,
    HeartRateDataSummary, HeartRateVariabilityDataSampleRmssd, MetData, MetSample,
    OtherSleepDurations, OxygenData, ReadinessData, RespirationData, ScoresData, Sleep,
    SleepDurationsData, SleepHypnogramSample, SleepLevel, SleepMetadata, SleepTemperatureData,
    SleepUploadType, Timestamp, UploadType,
};

use super::wire;

mod daily_extras;

pub use daily_extras::{
    REST_MODE_END, REST_MODE_START, daily_sleep, daily_stress, enhanced_tags, merge_daily,
    rest_mode_periods, ring_configuration, ring_device, ring_on, vo2_max,
};

/// Spacing of `sleep_phase_5_min` and `class_5_min` digits.
const FIVE_MINUTES_S: i64 = 300;
/// Longest series accepted (a week of 1-second samples); longer ones are cut, so a
/// hostile `items` array or a zero interval cannot make a record unbounded.
const MAX_SERIES_ITEMS: usize = 7 * 24 * 3600;

fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

fn device() -> DeviceData {
    DeviceData {
        name: Some("Oura Ring".to_owned()),
        manufacturer: Some("Oura".to_owned()),
        ..DeviceData::default()
    }
}

/// `start + seconds`, `None` past chrono's range.
fn offset_by(start: DateTime<FixedOffset>, seconds: f64) -> Option<DateTime<FixedOffset>> {
    if !seconds.is_finite() {
        return None;
    }
    let millis = (seconds * 1000.0).round();
    // f64 → i64 saturates; the checked add below rejects anything out of range.
    start.checked_add_signed(TimeDelta::try_milliseconds(millis as i64)?)
}

/// The samples of a regular series as (time, value), gaps (`null`) skipped.
fn series_points(series: &wire::Series) -> Vec<(Timestamp, f64)> {
    if !(series.interval.is_finite() && series.interval > 0.0) {
        return Vec::new();
    }
    series
        .items
        .iter()
        .take(MAX_SERIES_ITEMS)
        .enumerate()
        .filter_map(|(index, item)| {
            let value = (*item)?;
            let at = offset_by(series.timestamp, series.interval * index as f64)?;
            Some((ts(at), value))
        })
        .collect()
}

/// One sample per digit of a 5-minute class string, starting at `start`.
fn five_minute_digits(
    digits: &str,
    start: DateTime<FixedOffset>,
) -> impl Iterator<Item = (Timestamp, char)> + '_ {
    digits
        .chars()
        .take(MAX_SERIES_ITEMS)
        .enumerate()
        .filter_map(move |(index, digit)| {
            let seconds = i64::try_from(index).ok()?.checked_mul(FIVE_MINUTES_S)?;
            let at = start.checked_add_signed(TimeDelta::try_seconds(seconds)?)?;
            Some((ts(at), digit))
        })
}

/// Local midnight of `day` and of the next day at `offset`: a day-scoped record's period.
fn day_bounds(day: NaiveDate, offset: FixedOffset) -> Option<(Timestamp, Timestamp)> {
    let start = day
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    let next = day.checked_add_days(Days::new(1))?;
    let end = next
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    Some((ts(start), ts(end)))
}

/// Local midnights without an offset, for documents (daily_spo2) that report only a day:
/// inventing UTC would move the record to another day for half the world.
fn local_day_bounds(day: NaiveDate) -> Option<(Timestamp, Timestamp)> {
    let start = day.and_hms_opt(0, 0, 0)?;
    let end = day.checked_add_days(Days::new(1))?.and_hms_opt(0, 0, 0)?;
    Some((Timestamp::from_local(start), Timestamp::from_local(end)))
}

/// The athlete profile. Oura's weight (kg) and height (m) have no place in Terra's Athlete
/// object and no measurement time for a Body record, so they are not mapped.
pub fn athlete(info: &wire::PersonalInfo) -> Athlete {
    Athlete {
        age: info
            .age
            .filter(|age| age.is_finite() && (0.0..=150.0).contains(age))
            .map(|age| age.round() as i64),
        sex: info.biological_sex.clone(),
        email: info.email.clone(),
        provider_user_id: Some(info.id.clone()),
        ..Athlete::default()
    }
}

/// Oura's hypnogram digit as Terra's sleep level (1 deep, 2 light, 3 REM, 4 awake).
fn sleep_level(digit: char) -> SleepLevel {
    match digit {
        '1' => SleepLevel::DeepSleep,
        '2' => SleepLevel::LightSleep,
        '3' => SleepLevel::RemSleep,
        '4' => SleepLevel::Awake,
        _ => SleepLevel::Unknown,
    }
}

/// One sleep period. `None` for periods the user deleted (`type: deleted`).
pub fn sleep(period: &wire::Sleep) -> Option<Sleep> {
    let kind = period.kind.as_deref().unwrap_or("long_sleep");
    if kind == "deleted" {
        return None;
    }
    Some(Sleep {
        metadata: SleepMetadata {
            start_time: ts(period.bedtime_start),
            end_time: ts(period.bedtime_end),
            summary_id: Some(period.id.clone()),
            // Oura's main sleep of a day is `long_sleep`; every other type is a nap or rest.
            is_nap: Some(kind != "long_sleep"),
            upload_type: SleepUploadType::Automatic,
            timestamp_localization: None,
        },
        sleep_durations_data: Some(sleep_durations(period)),
        heart_rate_data: Some(sleep_heart_rate(period)),
        respiration_data: Some(RespirationData {
            breaths_data: Some(BreathsData {
                avg_breaths_per_min: period.average_breath,
                start_time: Some(ts(period.bedtime_start)),
                end_time: Some(ts(period.bedtime_end)),
                ..BreathsData::default()
            }),
            ..RespirationData::default()
        }),
        readiness_data: period.readiness.as_ref().map(|readiness| ReadinessData {
            readiness: readiness.score,
            recovery_level: None,
        }),
        // Oura's deviation from the person's baseline, in °C: Terra's `delta`.
        temperature_data: period
            .readiness
            .as_ref()
            .and_then(|readiness| readiness.temperature_deviation)
            .map(|delta| SleepTemperatureData { delta: Some(delta) }),
        device_data: Some(device()),
        ..Sleep::default()
    })
}

fn sleep_durations(period: &wire::Sleep) -> SleepDurationsData {
    let hypnogram = period.sleep_phase_5_min.as_deref().map(|digits| {
        five_minute_digits(digits, period.bedtime_start)
            .map(|(timestamp, digit)| SleepHypnogramSample {
                timestamp: Some(timestamp),
                level: Some(sleep_level(digit)),
            })
            .collect()
    });
    SleepDurationsData {
        asleep: Some(AsleepDurations {
            duration_asleep_state_seconds: period.total_sleep_duration,
            duration_light_sleep_state_seconds: period.light_sleep_duration,
            duration_deep_sleep_state_seconds: period.deep_sleep_duration,
            duration_rem_sleep_state_seconds: period.rem_sleep_duration,
            num_rem_events: None,
        }),
        awake: Some(AwakeDurations {
            duration_awake_state_seconds: period.awake_time,
            sleep_latency_seconds: period.latency,
            ..AwakeDurations::default()
        }),
        other: Some(OtherSleepDurations {
            duration_in_bed_seconds: period.time_in_bed,
            duration_unmeasurable_sleep_seconds: None,
        }),
        sleep_efficiency: period.efficiency,
        hypnogram_samples: hypnogram,
    }
}

fn bpm_samples(points: &[(Timestamp, f64)]) -> Vec<HeartRateDataSample> {
    points
        .iter()
        .map(|(timestamp, bpm)| HeartRateDataSample {
            timestamp: Some(*timestamp),
            bpm: Some(*bpm),
            ..HeartRateDataSample::default()
        })
        .collect()
}

fn rmssd_samples(points: &[(Timestamp, f64)]) -> Vec<HeartRateVariabilityDataSampleRmssd> {
    points
        .iter()
        .map(|(timestamp, rmssd)| HeartRateVariabilityDataSampleRmssd {
            timestamp: Some(*timestamp),
            hrv_rmssd: Some(*rmssd),
        })
        .collect()
}

fn max_value(points: &[(Timestamp, f64)]) -> Option<f64> {
    points.iter().map(|(_, value)| *value).reduce(f64::max)
}

/// Heart rate of a sleep period. `lowest_heart_rate` is both Terra's minimum and its
/// resting heart rate: Oura defines the night's lowest 5-minute average as the resting
/// heart rate it reports in the app.
fn sleep_heart_rate(period: &wire::Sleep) -> HeartRateData {
    let heart_rate = period
        .heart_rate
        .as_ref()
        .map(series_points)
        .unwrap_or_default();
    let hrv = period.hrv.as_ref().map(series_points).unwrap_or_default();
    HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: period.average_heart_rate,
            min_hr_bpm: period.lowest_heart_rate,
            resting_hr_bpm: period.lowest_heart_rate,
            max_hr_bpm: max_value(&heart_rate),
            avg_hrv_rmssd: period.average_hrv,
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: Some(bpm_samples(&heart_rate)),
            hrv_samples_rmssd: Some(rmssd_samples(&hrv)),
            hrv_samples_sdnn: None,
        }),
    }
}

/// Oura's 5-minute activity class as Terra's activity level; the codes coincide except
/// 0, which is "not worn" at Oura and "unknown" at Terra.
fn activity_level(digit: char) -> ActivityLevel {
    match digit {
        '1' => ActivityLevel::Rest,
        '2' => ActivityLevel::Inactive,
        '3' => ActivityLevel::LowIntensity,
        '4' => ActivityLevel::MediumIntensity,
        '5' => ActivityLevel::HighIntensity,
        _ => ActivityLevel::Unknown,
    }
}

fn seconds_to_minutes(seconds: Option<f64>) -> Option<f64> {
    seconds.map(|seconds| seconds / 60.0)
}

/// One day of activity, local midnight to midnight in the offset of Oura's `timestamp`.
/// Oura's day runs from 04:00 local; the class and MET samples keep their own times.
pub fn daily_activity(day: &wire::DailyActivity) -> Option<Daily> {
    let (start_time, end_time) = day_bounds(day.day, *day.timestamp.offset())?;
    let levels = day.class_5_min.as_deref().map(|digits| {
        five_minute_digits(digits, day.timestamp)
            .map(|(timestamp, digit)| ActivityLevelSample {
                timestamp: Some(timestamp),
                activity_level: Some(activity_level(digit)),
                timer_duration_seconds: None,
            })
            .collect()
    });
    let met_samples = day.met.as_ref().map(|met| {
        series_points(met)
            .into_iter()
            .map(|(timestamp, level)| MetSample {
                timestamp: Some(timestamp),
                level: Some(level),
            })
            .collect()
    });
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: UploadType::Automatic,
            timestamp_localization: None,
        },
        distance_data: Some(DailyDistanceData {
            steps: day
                .steps
                .filter(|steps| steps.is_finite() && *steps >= 0.0)
                .map(|steps| steps.round() as i64),
            // Oura's only distance: what the day's activity equals in walking.
            distance_meters: day.equivalent_walking_distance,
            ..DailyDistanceData::default()
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: day.total_calories,
            net_activity_calories: day.active_calories,
            ..CaloriesData::default()
        }),
        active_durations_data: Some(ActiveDurationsData {
            activity_levels_samples: levels,
            vigorous_intensity_seconds: day.high_activity_time,
            moderate_intensity_seconds: day.medium_activity_time,
            low_intensity_seconds: day.low_activity_time,
            inactivity_seconds: day.sedentary_time,
            rest_seconds: day.resting_time,
            ..ActiveDurationsData::default()
        }),
        met_data: Some(MetData {
            met_samples,
            avg_level: day.average_met_minutes,
            num_high_intensity_minutes: seconds_to_minutes(day.high_activity_time),
            num_moderate_intensity_minutes: seconds_to_minutes(day.medium_activity_time),
            num_low_intensity_minutes: seconds_to_minutes(day.low_activity_time),
            num_inactive_minutes: seconds_to_minutes(day.sedentary_time),
        }),
        scores: Some(ScoresData {
            activity: day.score,
            ..ScoresData::default()
        }),
        device_data: Some(device()),
        ..Daily::default()
    })
}

/// The readiness score of a day as Terra's recovery score. Readiness's temperature
/// deviation reaches Terra through the sleep record (`temperature_data.delta`): Terra's
/// Daily has no relative-temperature field.
pub fn daily_readiness(day: &wire::DailyReadiness) -> Option<Daily> {
    let (start_time, end_time) = day_bounds(day.day, *day.timestamp.offset())?;
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: UploadType::Automatic,
            timestamp_localization: None,
        },
        scores: Some(ScoresData {
            recovery: day.score,
            ..ScoresData::default()
        }),
        device_data: Some(device()),
        ..Daily::default()
    })
}

/// A night's average SpO2 as a Body record on that local day (no offset: Oura sends none).
pub fn daily_spo2(day: &wire::DailySpo2) -> Option<Body> {
    let average = day.spo2_percentage.as_ref()?.average?;
    let (start_time, end_time) = local_day_bounds(day.day)?;
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        oxygen_data: Some(OxygenData {
            avg_saturation_percentage: Some(average),
            ..OxygenData::default()
        }),
        device_data: Some(device()),
        ..Body::default()
    })
}

/// Heart-rate readings as one Body record per calendar day of their timestamps (in the
/// offset Oura sent, UTC in practice), readings in order of arrival.
pub fn heartrate(readings: &[wire::HeartRate]) -> Vec<Body> {
    let mut days: Vec<(NaiveDate, FixedOffset, Vec<&wire::HeartRate>)> = Vec::new();
    for reading in readings {
        let date = reading.timestamp.date_naive();
        let offset = *reading.timestamp.offset();
        match days.iter_mut().find(|(d, o, _)| *d == date && *o == offset) {
            Some((_, _, group)) => group.push(reading),
            None => days.push((date, offset, vec![reading])),
        }
    }
    days.into_iter()
        .filter_map(|(date, offset, group)| heartrate_day(date, offset, &group))
        .collect()
}

fn heartrate_day(date: NaiveDate, offset: FixedOffset, group: &[&wire::HeartRate]) -> Option<Body> {
    let (start_time, end_time) = day_bounds(date, offset)?;
    let points: Vec<(Timestamp, f64)> = group
        .iter()
        .map(|reading| (ts(reading.timestamp), reading.bpm))
        .collect();
    let count = points.len() as f64;
    let average = points.iter().map(|(_, bpm)| bpm).sum::<f64>() / count.max(1.0);
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        heart_data: Some(HeartData {
            heart_rate_data: Some(HeartRateData {
                summary: Some(HeartRateDataSummary {
                    avg_hr_bpm: Some(average).filter(|avg| avg.is_finite()),
                    max_hr_bpm: max_value(&points),
                    min_hr_bpm: points.iter().map(|(_, value)| *value).reduce(f64::min),
                    ..HeartRateDataSummary::default()
                }),
                detailed: Some(HeartRateDataDetailed {
                    hr_samples: Some(bpm_samples(&points)),
                    ..HeartRateDataDetailed::default()
                }),
            }),
            ..HeartData::default()
        }),
        device_data: Some(device()),
        ..Body::default()
    })
}

/// Terra's activity type for an Oura workout activity name; names without a Terra
/// counterpart become "Other" (108).
pub fn activity_type(activity: &str) -> ActivityType {
    match activity {
        "walking" => ActivityType::Walking,
        "running" => ActivityType::Running,
        "cycling" => ActivityType::Biking,
        "swimming" => ActivityType::Swimming,
        "hiking" => ActivityType::Hiking,
        "strength_training" | "weightlifting" => ActivityType::StrengthTraining,
        "yoga" => ActivityType::Yoga,
        "pilates" => ActivityType::Pilates,
        "dancing" => ActivityType::Dancing,
        "elliptical" => ActivityType::Elliptical,
        "rowing" => ActivityType::Rowing,
        "golf" => ActivityType::Golf,
        "tennis" => ActivityType::Tennis,
        "hiit" => ActivityType::Hiit,
        "boxing" => ActivityType::Boxing,
        "stretching" => ActivityType::Stretching,
        "surfing" => ActivityType::Surfing,
        "gardening" => ActivityType::Gardening,
        "downhill_skiing" | "skiing" => ActivityType::Skiing,
        "cross_country_skiing" => ActivityType::CrossCountrySkiing,
        "meditation" => ActivityType::Meditation,
        _ => ActivityType::Other108,
    }
}

fn duration_seconds(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> f64 {
    (end - start).num_seconds().max(0) as f64
}

/// One workout.
pub fn workout(session: &wire::Workout) -> Activity {
    Activity {
        metadata: ActivityMetadata {
            summary_id: session.id.clone(),
            start_time: ts(session.start_datetime),
            end_time: ts(session.end_datetime),
            r#type: activity_type(&session.activity),
            name: Some(
                session
                    .label
                    .clone()
                    .unwrap_or_else(|| session.activity.clone()),
            ),
            upload_type: if session.source.as_deref() == Some("manual") {
                UploadType::Manual
            } else {
                UploadType::Automatic
            },
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: Some(duration_seconds(
                session.start_datetime,
                session.end_datetime,
            )),
            ..ActiveDurationsData::default()
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: session.calories,
            ..CaloriesData::default()
        }),
        // Oura sends `distance: null` for workouts it could not measure (most walks).
        distance_data: session.distance.map(|meters| DistanceData {
            summary: Some(DistanceDataSummary {
                distance_meters: Some(meters),
                ..DistanceDataSummary::default()
            }),
            ..DistanceData::default()
        }),
        device_data: Some(device()),
        ..Activity::default()
    }
}

/// One session (meditation, breathing, ...) as an activity with its 5-second heart rate
/// and HRV (RMSSD).
pub fn session(moment: &wire::Session) -> Activity {
    let kind = moment.kind.as_deref().unwrap_or("session");
    let heart_rate = moment
        .heart_rate
        .as_ref()
        .map(series_points)
        .unwrap_or_default();
    let hrv = moment
        .heart_rate_variability
        .as_ref()
        .map(series_points)
        .unwrap_or_default();
    let count = heart_rate.len() as f64;
    let average = heart_rate.iter().map(|(_, bpm)| bpm).sum::<f64>() / count.max(1.0);
    Activity {
        metadata: ActivityMetadata {
            summary_id: moment.id.clone(),
            start_time: ts(moment.start_datetime),
            end_time: ts(moment.end_datetime),
            r#type: match kind {
                "meditation" | "breathing" | "relaxation" => ActivityType::Meditation,
                _ => ActivityType::Other108,
            },
            name: Some(kind.to_owned()),
            upload_type: UploadType::Automatic,
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: Some(duration_seconds(moment.start_datetime, moment.end_datetime)),
            ..ActiveDurationsData::default()
        }),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: Some(average).filter(|_| !heart_rate.is_empty()),
                max_hr_bpm: max_value(&heart_rate),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: Some(bpm_samples(&heart_rate)),
                hrv_samples_rmssd: Some(rmssd_samples(&hrv)),
                hrv_samples_sdnn: None,
            }),
        }),
        device_data: Some(device()),
        ..Activity::default()
    }
}
