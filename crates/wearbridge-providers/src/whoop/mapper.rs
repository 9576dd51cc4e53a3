//! Pure mappers from WHOOP API v2 records ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Unit conversions happen here and nowhere else: WHOOP durations are
//! milliseconds (Terra: seconds), energy is kilojoules (Terra's calories are kilocalories,
//! 1 kcal = 4.184 kJ; the kilojoules are also kept where Terra has a kJ field), HRV is RMSSD
//! in milliseconds (Terra's `avg_hrv_rmssd`, never SDNN). WHOOP sends every instant in UTC
//! with the person's offset beside it (`timezone_offset`); each timestamp is converted into
//! that offset, so a night in `-05:00` stays on its local day.
//!
//! Records whose `score_state` is not `SCORED` (`PENDING_SCORE`, `UNSCORABLE`) carry no
//! values: sleeps and workouts still map (they happened; times and kind are known, and a
//! later `*.updated` webhook re-fetches the score), cycles and recoveries map to nothing.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeDelta};
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, AsleepDurations, Athlete,
    AwakeDurations, Body, BodyMetadata, BreathsData, CaloriesData, Daily, DailyMetadata,
    DeviceData, DistanceData, DistanceDataSummary, ElevationData, EnergyData, HeartData,
    HeartRateData, HeartRateDataDetailed, HeartRateDataSummary,
    HeartRateVariabilityDataSampleRmssd, HeartRateZoneData, MeasurementDataSample,
    MeasurementsData, OtherSleepDurations, OxygenData, RespirationData, ScoresData, Sleep,
    SleepDurationsData, SleepMetadata, SleepScores, SleepUploadType, StrainData, TemperatureData,
    TemperatureSample, Timestamp, UploadType,
};

use super::wire;

/// Kilojoules per kilocalorie (thermochemical calorie).
pub const KJ_PER_KCAL: f64 = 4.184;
/// A cycle belongs to the local day in which the person wakes: WHOOP starts a cycle when
/// they fall asleep, in the evening before or the small hours of that day, so the start
/// plus half a day always lands on it.
const CYCLE_DAY_SHIFT_H: i64 = 12;

fn device() -> DeviceData {
    DeviceData {
        name: Some("WHOOP".to_owned()),
        manufacturer: Some("WHOOP".to_owned()),
        ..DeviceData::default()
    }
}

/// WHOOP's Time Zone Designator (`+hh:mm`, `-hh:mm`, `Z`) as an offset; also accepts
/// `+hhmm` and `+hh`. `None` for anything else or beyond ±23:59.
pub fn parse_offset(designator: &str) -> Option<FixedOffset> {
    let text = designator.trim();
    if text.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, text.get(1..)?),
        b'-' => (-1, text.get(1..)?),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits.get(..2)?.parse::<i32>().ok()?,
            digits.get(2..)?.parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3_600 + minutes * 60))
}

/// `instant` in the person's local offset; when the offset is missing or unreadable the
/// instant keeps the offset it came with (UTC), which is still the right instant.
fn local(instant: DateTime<FixedOffset>, offset: Option<FixedOffset>) -> DateTime<FixedOffset> {
    offset.map_or(instant, |offset| instant.with_timezone(&offset))
}

fn record_offset(designator: Option<&String>) -> Option<FixedOffset> {
    designator.and_then(|text| parse_offset(text))
}

fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

/// Milliseconds as seconds; negative or non-finite values are dropped.
fn seconds(milli: Option<f64>) -> Option<f64> {
    milli
        .filter(|value| value.is_finite() && *value >= 0.0)
        .map(|value| value / 1000.0)
}

fn kcal(kilojoule: Option<f64>) -> Option<f64> {
    kilojoule
        .filter(|value| value.is_finite())
        .map(|value| value / KJ_PER_KCAL)
}

fn is_scored(state: Option<&String>) -> bool {
    state.is_none_or(|state| state == wire::SCORED)
}

/// Local midnight of `day` and of the next day at `offset`: a day-scoped record's period.
fn day_bounds(day: NaiveDate, offset: FixedOffset) -> Option<(Timestamp, Timestamp)> {
    let start = day
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    let end = day
        .checked_add_days(Days::new(1))?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    Some((ts(start), ts(end)))
}

/// The athlete profile (`/v2/user/profile/basic`). WHOOP shares no age, sex or birth date.
pub fn athlete(profile: &wire::Profile) -> Athlete {
    Athlete {
        first_name: profile.first_name.clone(),
        last_name: profile.last_name.clone(),
        email: profile.email.clone(),
        provider_user_id: Some(profile.user_id.clone()),
        ..Athlete::default()
    }
}

/// The local day a cycle belongs to (see [`CYCLE_DAY_SHIFT_H`]), with its offset.
pub fn cycle_day(cycle: &wire::Cycle) -> Option<(NaiveDate, FixedOffset)> {
    let offset = record_offset(cycle.timezone_offset.as_ref()).unwrap_or(*cycle.start.offset());
    let shifted = cycle
        .start
        .checked_add_signed(TimeDelta::try_hours(CYCLE_DAY_SHIFT_H)?)?;
    Some((local(shifted, Some(offset)).date_naive(), offset))
}

/// A scored cycle as the Daily of the local day it belongs to (midnight to midnight in the
/// cycle's offset; the values cover the cycle, sleep onset to sleep onset). `None` while
/// the cycle is unscored.
pub fn cycle(cycle: &wire::Cycle) -> Option<Daily> {
    if !is_scored(cycle.score_state.as_ref()) {
        return None;
    }
    let score = cycle.score.as_ref()?;
    let (day, offset) = cycle_day(cycle)?;
    let (start_time, end_time) = day_bounds(day, offset)?;
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: UploadType::Automatic,
            timestamp_localization: None,
        },
        strain_data: Some(StrainData {
            strain_level: score.strain,
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: kcal(score.kilojoule),
            ..CaloriesData::default()
        }),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: score.average_heart_rate,
                max_hr_bpm: score.max_heart_rate,
                ..HeartRateDataSummary::default()
            }),
            detailed: None,
        }),
        device_data: Some(device()),
        ..Daily::default()
    })
}

/// Adds a recovery to the Daily of its cycle: the recovery score, and the resting heart
/// rate and HRV (RMSSD) measured in the night that started the cycle.
pub fn merge_recovery(daily: &mut Daily, recovery: &wire::Recovery) {
    let Some(score) = scored_recovery(recovery) else {
        return;
    };
    let scores = daily.scores.get_or_insert_with(ScoresData::default);
    scores.recovery = score.recovery_score;
    let heart = daily
        .heart_rate_data
        .get_or_insert_with(HeartRateData::default);
    let summary = heart
        .summary
        .get_or_insert_with(HeartRateDataSummary::default);
    summary.resting_hr_bpm = score.resting_heart_rate;
    summary.avg_hrv_rmssd = score.hrv_rmssd_milli;
}

fn scored_recovery(recovery: &wire::Recovery) -> Option<&wire::RecoveryScore> {
    is_scored(recovery.score_state.as_ref())
        .then_some(recovery.score.as_ref())
        .flatten()
}

/// When and in which offset a recovery was measured: at the end of its sleep when that
/// sleep is known (WHOOP computes recovery on waking), else at `created_at` in UTC (a bare
/// recovery carries no offset).
fn recovery_time(
    recovery: &wire::Recovery,
    sleep: Option<&wire::Sleep>,
) -> Option<DateTime<FixedOffset>> {
    match sleep {
        Some(sleep) => Some(local(
            sleep.end,
            record_offset(sleep.timezone_offset.as_ref()),
        )),
        None => recovery.created_at,
    }
}

/// A scored recovery as a Body record of the local day it was measured on: resting heart
/// rate, HRV (RMSSD, ms), SpO2 and absolute skin temperature. `sleep` is the recovery's
/// sleep (`sleep_id`), which gives the measurement time and offset.
pub fn recovery(recovery: &wire::Recovery, sleep: Option<&wire::Sleep>) -> Option<Body> {
    let score = scored_recovery(recovery)?;
    let at = recovery_time(recovery, sleep)?;
    let (start_time, end_time) = day_bounds(at.date_naive(), *at.offset())?;
    let measured = ts(at);
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        heart_data: Some(HeartData {
            heart_rate_data: Some(HeartRateData {
                summary: Some(HeartRateDataSummary {
                    resting_hr_bpm: score.resting_heart_rate,
                    avg_hrv_rmssd: score.hrv_rmssd_milli,
                    ..HeartRateDataSummary::default()
                }),
                detailed: score.hrv_rmssd_milli.map(|rmssd| HeartRateDataDetailed {
                    hrv_samples_rmssd: Some(vec![HeartRateVariabilityDataSampleRmssd {
                        timestamp: Some(measured),
                        hrv_rmssd: Some(rmssd),
                    }]),
                    ..HeartRateDataDetailed::default()
                }),
            }),
            ..HeartData::default()
        }),
        oxygen_data: score.spo2_percentage.map(|spo2| OxygenData {
            avg_saturation_percentage: Some(spo2),
            ..OxygenData::default()
        }),
        temperature_data: score.skin_temp_celsius.map(|celsius| TemperatureData {
            skin_temperature_samples: Some(vec![TemperatureSample {
                timestamp: Some(measured),
                temperature_celsius: Some(celsius),
            }]),
            ..TemperatureData::default()
        }),
        device_data: Some(device()),
        ..Body::default()
    })
}

/// WHOOP's current height and weight (`/v2/user/measurement/body`, which has no
/// measurement time) as a Body record observed at `observed_at`, the caller's fetch time in
/// the person's offset. `None` when neither value is present.
pub fn body_measurement(
    measurement: &wire::BodyMeasurement,
    observed_at: DateTime<FixedOffset>,
) -> Option<Body> {
    let (start_time, end_time) = day_bounds(observed_at.date_naive(), *observed_at.offset())?;
    let sample = measurement_sample(measurement, observed_at)?;
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        measurements_data: Some(MeasurementsData {
            measurements: Some(vec![sample]),
            ..MeasurementsData::default()
        }),
        device_data: Some(device()),
        ..Body::default()
    })
}

fn measurement_sample(
    measurement: &wire::BodyMeasurement,
    observed_at: DateTime<FixedOffset>,
) -> Option<MeasurementDataSample> {
    let weight_kg = measurement.weight_kilogram.filter(|kg| kg.is_finite());
    let height_cm = measurement
        .height_meter
        .filter(|m| m.is_finite())
        .map(|meters| meters * 100.0);
    if weight_kg.is_none() && height_cm.is_none() {
        return None;
    }
    Some(MeasurementDataSample {
        measurement_time: Some(ts(observed_at)),
        weight_kg,
        height_cm,
        ..MeasurementDataSample::default()
    })
}

/// Adds the current height and weight to a Body record of the same day (both are keyed by
/// local day, so two records would replace each other).
pub fn merge_body_measurement(
    body: &mut Body,
    measurement: &wire::BodyMeasurement,
    observed_at: DateTime<FixedOffset>,
) {
    if let Some(sample) = measurement_sample(measurement, observed_at) {
        body.measurements_data
            .get_or_insert_with(MeasurementsData::default)
            .measurements
            .get_or_insert_with(Vec::new)
            .push(sample);
    }
}

/// One sleep or nap. Unscored sleeps keep their times and nap flag, without durations.
pub fn sleep(sleep: &wire::Sleep) -> Sleep {
    let offset = record_offset(sleep.timezone_offset.as_ref());
    let start = local(sleep.start, offset);
    let end = local(sleep.end, offset);
    let score = is_scored(sleep.score_state.as_ref())
        .then_some(sleep.score.as_ref())
        .flatten();
    Sleep {
        metadata: SleepMetadata {
            start_time: ts(start),
            end_time: ts(end),
            summary_id: Some(sleep.id.clone()),
            is_nap: sleep.nap,
            upload_type: SleepUploadType::Automatic,
            timestamp_localization: None,
        },
        sleep_durations_data: score.map(sleep_durations),
        respiration_data: score.and_then(|score| score.respiratory_rate).map(|rate| {
            RespirationData {
                breaths_data: Some(BreathsData {
                    avg_breaths_per_min: Some(rate),
                    start_time: Some(ts(start)),
                    end_time: Some(ts(end)),
                    ..BreathsData::default()
                }),
                ..RespirationData::default()
            }
        }),
        // Sleep performance (sleep got / sleep needed) is WHOOP's sleep score.
        scores: score
            .and_then(|score| score.sleep_performance_percentage)
            .map(|performance| SleepScores {
                sleep: Some(performance),
            }),
        device_data: Some(device()),
        ..Sleep::default()
    }
}

fn sleep_durations(score: &wire::SleepScore) -> SleepDurationsData {
    let stages = score.stage_summary.as_ref();
    let stage = |pick: fn(&wire::StageSummary) -> Option<f64>| seconds(stages.and_then(pick));
    let light = stage(|s| s.total_light_sleep_time_milli);
    let deep = stage(|s| s.total_slow_wave_sleep_time_milli);
    let rem = stage(|s| s.total_rem_sleep_time_milli);
    let asleep = match (light, deep, rem) {
        (None, None, None) => None,
        _ => Some(light.unwrap_or(0.0) + deep.unwrap_or(0.0) + rem.unwrap_or(0.0)),
    };
    let disturbances = stages
        .and_then(|s| s.disturbance_count)
        .filter(|count| count.is_finite() && *count >= 0.0 && *count <= i64::MAX as f64)
        .map(|count| count.round() as i64);
    SleepDurationsData {
        asleep: Some(AsleepDurations {
            duration_asleep_state_seconds: asleep,
            duration_light_sleep_state_seconds: light,
            duration_deep_sleep_state_seconds: deep,
            duration_rem_sleep_state_seconds: rem,
            num_rem_events: None,
        }),
        awake: Some(AwakeDurations {
            duration_awake_state_seconds: stage(|s| s.total_awake_time_milli),
            num_wakeup_events: disturbances,
            ..AwakeDurations::default()
        }),
        other: Some(OtherSleepDurations {
            duration_in_bed_seconds: stage(|s| s.total_in_bed_time_milli),
            // Time the strap recorded nothing: unmeasurable, not awake.
            duration_unmeasurable_sleep_seconds: stage(|s| s.total_no_data_time_milli),
        }),
        sleep_efficiency: score.sleep_efficiency_percentage,
        hypnogram_samples: None,
    }
}

/// Terra's activity type for a WHOOP sport name; sports without a Terra counterpart
/// become "Other" (108).
pub fn activity_type(sport_name: &str) -> ActivityType {
    match sport_name.trim().to_ascii_lowercase().as_str() {
        "running" => ActivityType::Running,
        "cycling" => ActivityType::Biking,
        "mountain biking" | "mountain-biking" => ActivityType::MountainBiking,
        "spin" | "spinning" => ActivityType::Spinning,
        "walking" => ActivityType::Walking,
        "hiking" | "hiking/rucking" => ActivityType::Hiking,
        "swimming" => ActivityType::Swimming,
        "rowing" => ActivityType::Rowing,
        "weightlifting" | "powerlifting" | "strength trainer" => ActivityType::StrengthTraining,
        "functional fitness" | "functional-fitness" => ActivityType::Crossfit,
        "hiit" => ActivityType::Hiit,
        "yoga" => ActivityType::Yoga,
        "pilates" => ActivityType::Pilates,
        "boxing" => ActivityType::Boxing,
        "tennis" => ActivityType::Tennis,
        "golf" => ActivityType::Golf,
        "elliptical" => ActivityType::Elliptical,
        "stairmaster" => ActivityType::StairClimbingMachine,
        "dance" => ActivityType::Dancing,
        "skiing" => ActivityType::Skiing,
        "meditation" => ActivityType::Meditation,
        "rock climbing" => ActivityType::RockClimbing,
        "surfing" => ActivityType::Surfing,
        "soccer" => ActivityType::EnglishFootball,
        "basketball" => ActivityType::Basketball,
        _ => ActivityType::Other108,
    }
}

/// WHOOP's heart-rate zones 0–5 with the time spent in each (seconds).
fn zones(durations: &wire::ZoneDurations) -> Vec<HeartRateZoneData> {
    durations
        .zones()
        .into_iter()
        .filter_map(|(zone, milli)| {
            Some(HeartRateZoneData {
                zone: Some(zone),
                duration_seconds: Some(seconds(milli)?),
                ..HeartRateZoneData::default()
            })
        })
        .collect()
}

/// One workout. Unscored workouts keep their times and sport, without values.
pub fn workout(workout: &wire::Workout) -> Activity {
    let offset = record_offset(workout.timezone_offset.as_ref());
    let start = local(workout.start, offset);
    let end = local(workout.end, offset);
    let sport = workout.sport_name.clone().unwrap_or_default();
    let score = is_scored(workout.score_state.as_ref())
        .then_some(workout.score.as_ref())
        .flatten();
    Activity {
        metadata: ActivityMetadata {
            summary_id: workout.id.clone(),
            start_time: ts(start),
            end_time: ts(end),
            r#type: activity_type(&sport),
            name: Some(sport).filter(|name| !name.is_empty()),
            upload_type: UploadType::Automatic,
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: Some((end - start).num_seconds().max(0) as f64),
            ..ActiveDurationsData::default()
        }),
        calories_data: score.map(|score| CaloriesData {
            total_burned_calories: kcal(score.kilojoule),
            ..CaloriesData::default()
        }),
        energy_data: score.map(|score| EnergyData {
            energy_kilojoules: score.kilojoule,
            ..EnergyData::default()
        }),
        strain_data: score.map(|score| StrainData {
            strain_level: score.strain,
        }),
        heart_rate_data: score.map(|score| HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: score.average_heart_rate,
                max_hr_bpm: score.max_heart_rate,
                hr_zone_data: score.zone_durations.as_ref().map(zones),
                ..HeartRateDataSummary::default()
            }),
            detailed: None,
        }),
        distance_data: score.and_then(workout_distance),
        device_data: Some(device()),
        ..Activity::default()
    }
}

fn workout_distance(score: &wire::WorkoutScore) -> Option<DistanceData> {
    if score.distance_meter.is_none() && score.altitude_gain_meter.is_none() {
        return None;
    }
    Some(DistanceData {
        summary: Some(DistanceDataSummary {
            distance_meters: score.distance_meter,
            elevation: score.altitude_gain_meter.map(|gain| ElevationData {
                gain_actual_meters: Some(gain),
                ..ElevationData::default()
            }),
            ..DistanceDataSummary::default()
        }),
        detailed: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_parse_in_every_documented_form() {
        let east = |s: i32| FixedOffset::east_opt(s);
        assert_eq!(parse_offset("-05:00"), east(-18_000));
        assert_eq!(parse_offset("+05:30"), east(19_800));
        assert_eq!(parse_offset("Z"), east(0));
        assert_eq!(parse_offset("+0100"), east(3_600));
        assert_eq!(parse_offset("+01"), east(3_600));
        for bad in [
            "",
            "05:00",
            "+24:00",
            "+05:60",
            "+5",
            "+aa:bb",
            "-",
            "+05:00:00",
        ] {
            assert_eq!(parse_offset(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_cycle_belongs_to_the_day_the_person_wakes_in() {
        let cycle = |start: &str| wire::Cycle {
            id: "1".into(),
            user_id: None,
            start: DateTime::parse_from_rfc3339(start).unwrap_or_default(),
            end: None,
            timezone_offset: Some("-05:00".into()),
            score_state: None,
            score: None,
        };
        // 22:30 local on the 9th (03:30Z on the 10th) and 00:45 local on the 10th.
        for start in ["2026-01-10T03:30:00Z", "2026-01-10T05:45:00Z"] {
            assert_eq!(
                cycle_day(&cycle(start)).map(|(day, _)| day.to_string()),
                Some("2026-01-10".to_owned())
            );
        }
    }
}
