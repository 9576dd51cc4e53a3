//! The Garmin Health API and Activity API wire format, rendered from the person model.
//!
//! Field names, types and units as in Garmin's Health API specification v1.2.2 §7 (see
//! `docs/simulator.md`, GARMIN): Unix seconds plus `…OffsetInSeconds`, weights in grams,
//! series keyed by the offset in seconds as a string. No numbers are invented: every value
//! is the person's, converted to Garmin's units and rounded to Garmin's integer fields.
//!
//! Each summary also carries its *upload time* (not serialized): the instant the simulated
//! device synced it (the summary's end plus [`SYNC_DELAY_S`]). The pull endpoints select by
//! upload time, as Garmin's do.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::person::{
    BodyMeasurement, CyclePhase, Day, MenstruationDay, Person, Sleep, SleepStage, Workout,
    WorkoutKind,
};

/// Seconds between the end of a summary's period and the device's sync.
pub(super) const SYNC_DELAY_S: i64 = 600;
/// A 15-minute epoch.
const EPOCH_S: i64 = 900;

/// A summary and the instant it was uploaded.
pub(super) struct Uploaded<T> {
    pub(super) upload_s: i64,
    pub(super) summary: T,
}

fn uploaded<T>(end: DateTime<FixedOffset>, summary: T) -> Uploaded<T> {
    Uploaded {
        upload_s: end.timestamp() + SYNC_DELAY_S,
        summary,
    }
}

/// Garmin's summary ids are opaque strings; these are stable per account and start time
/// (`x<account hash>-<start, hex>`), so a re-sync of the same period keeps its id.
fn summary_id(account: &str, start: i64, suffix: &str) -> String {
    let hash = account.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("x{:07x}-{start:x}{suffix}", hash & 0x0fff_ffff)
}

fn offset_s(at: DateTime<FixedOffset>) -> i32 {
    at.offset().local_minus_utc()
}

fn series(points: impl Iterator<Item = (i64, f64)>) -> BTreeMap<String, f64> {
    points
        .map(|(offset, value)| (offset.to_string(), value))
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireDaily {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) user_id: Option<String>,
    summary_id: String,
    calendar_date: NaiveDate,
    activity_type: &'static str,
    start_time_in_seconds: i64,
    start_time_offset_in_seconds: i32,
    duration_in_seconds: i64,
    steps: u32,
    distance_in_meters: f64,
    active_time_in_seconds: i64,
    active_kilocalories: i64,
    bmr_kilocalories: i64,
    moderate_intensity_duration_in_seconds: i64,
    vigorous_intensity_duration_in_seconds: i64,
    min_heart_rate_in_beats_per_minute: u32,
    average_heart_rate_in_beats_per_minute: u32,
    max_heart_rate_in_beats_per_minute: u32,
    resting_heart_rate_in_beats_per_minute: u32,
    time_offset_heart_rate_samples: BTreeMap<String, f64>,
}

/// MET of a 15-minute interval: energy per kilogram per hour (1 MET = 1 kcal/kg/h).
fn interval_met(kcal: f64, weight_kg: f64) -> f64 {
    if weight_kg > 0.0 {
        kcal / (weight_kg * (EPOCH_S as f64 / 3600.0))
    } else {
        0.0
    }
}

/// Garmin's intensity bands (Appendix B, with MET 3 and 6 as the moderate/vigorous
/// thresholds of §7.1).
fn intensity(met: f64) -> &'static str {
    if met > 6.0 {
        "HIGHLY_ACTIVE"
    } else if met >= 3.0 {
        "ACTIVE"
    } else {
        "SEDENTARY"
    }
}

/// The daily summary of `day`. `week_avg_hr` is the mean heart rate of the 7 days ending on
/// `day` (Garmin's `averageHeartRateInBeatsPerMinute` is that 7-day figure).
pub(super) fn daily(account: &str, day: &Day, week_avg_hr: u32) -> Option<Uploaded<WireDaily>> {
    let first = day.intervals.first()?;
    let last = day.intervals.last()?;
    let start = first.start;
    let mets: Vec<f64> = day
        .intervals
        .iter()
        .map(|i| interval_met(i.kcal, day.body.weight_kg))
        .collect();
    let seconds_where = |keep: &dyn Fn(f64) -> bool| -> i64 {
        mets.iter().filter(|met| keep(**met)).count() as i64 * EPOCH_S
    };
    let summary = WireDaily {
        user_id: None,
        summary_id: summary_id(account, start.timestamp(), ""),
        calendar_date: day.date,
        activity_type: "WALKING",
        start_time_in_seconds: start.timestamp(),
        start_time_offset_in_seconds: offset_s(start),
        duration_in_seconds: (last.end - start).num_seconds(),
        steps: day.total_steps(),
        distance_in_meters: crate::person::round_to(day.distance_m(), 0.01),
        active_time_in_seconds: seconds_where(&|met| met >= 3.0),
        active_kilocalories: day.active_kcal().round() as i64,
        bmr_kilocalories: day.bmr_kcal.round() as i64,
        moderate_intensity_duration_in_seconds: seconds_where(&|met| (3.0..=6.0).contains(&met)),
        vigorous_intensity_duration_in_seconds: seconds_where(&|met| met > 6.0),
        min_heart_rate_in_beats_per_minute: day
            .intervals
            .iter()
            .map(|i| i.avg_hr_bpm)
            .chain(day.sleep.hr_samples.iter().map(|s| s.value.round() as u32))
            .min()
            .unwrap_or(0),
        average_heart_rate_in_beats_per_minute: week_avg_hr,
        max_heart_rate_in_beats_per_minute: day.max_hr_bpm(),
        resting_heart_rate_in_beats_per_minute: day.resting_hr_bpm(),
        // One entry per 15-minute interval: the person has no finer heart rate; Garmin
        // reads a missing offset as "no data".
        time_offset_heart_rate_samples: series(
            day.intervals
                .iter()
                .map(|i| ((i.start - start).num_seconds(), f64::from(i.avg_hr_bpm))),
        ),
    };
    Some(uploaded(last.end, summary))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireEpoch {
    summary_id: String,
    activity_type: &'static str,
    active_kilocalories: i64,
    steps: u32,
    distance_in_meters: f64,
    duration_in_seconds: i64,
    active_time_in_seconds: i64,
    start_time_in_seconds: i64,
    start_time_offset_in_seconds: i32,
    met: f64,
    intensity: &'static str,
}

/// One epoch per 15-minute interval (the person does one thing per interval).
pub(super) fn epochs(account: &str, day: &Day) -> Vec<Uploaded<WireEpoch>> {
    day.intervals
        .iter()
        .map(|interval| {
            let met =
                crate::person::round_to(interval_met(interval.kcal, day.body.weight_kg), 0.001);
            let minutes = EPOCH_S as f64 / 60.0;
            let activity_type = match f64::from(interval.steps) / minutes {
                0.0 => "SEDENTARY",
                cadence if cadence >= 130.0 => "RUNNING",
                _ => "WALKING",
            };
            let start = interval.start.timestamp();
            uploaded(
                interval.end,
                WireEpoch {
                    summary_id: summary_id(account, start, "-0"),
                    activity_type,
                    active_kilocalories: interval.active_kcal.round() as i64,
                    steps: interval.steps,
                    distance_in_meters: crate::person::round_to(interval.distance_m, 0.01),
                    duration_in_seconds: EPOCH_S,
                    active_time_in_seconds: EPOCH_S,
                    start_time_in_seconds: start,
                    start_time_offset_in_seconds: offset_s(interval.start),
                    met,
                    intensity: intensity(met),
                },
            )
        })
        .collect()
}

#[derive(Serialize)]
pub(super) struct WireSpan {
    #[serde(rename = "startTimeInSeconds")]
    start: i64,
    #[serde(rename = "endTimeInSeconds")]
    end: i64,
}

#[derive(Serialize, Default)]
pub(super) struct WireLevels {
    deep: Vec<WireSpan>,
    light: Vec<WireSpan>,
    rem: Vec<WireSpan>,
    awake: Vec<WireSpan>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireSleep {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) user_id: Option<String>,
    summary_id: String,
    calendar_date: NaiveDate,
    duration_in_seconds: i64,
    start_time_in_seconds: i64,
    start_time_offset_in_seconds: i32,
    unmeasurable_sleep_duration_in_seconds: i64,
    deep_sleep_duration_in_seconds: i64,
    light_sleep_duration_in_seconds: i64,
    rem_sleep_in_seconds: i64,
    awake_duration_in_seconds: i64,
    sleep_levels_map: WireLevels,
    validation: &'static str,
}

/// The night that ended on the morning of `date`.
pub(super) fn sleep(account: &str, date: NaiveDate, night: &Sleep) -> Uploaded<WireSleep> {
    let mut levels = WireLevels::default();
    for span in &night.stages {
        let wire = WireSpan {
            start: span.start.timestamp(),
            end: span.end.timestamp(),
        };
        match span.stage {
            SleepStage::Deep => levels.deep.push(wire),
            SleepStage::Light => levels.light.push(wire),
            SleepStage::Rem => levels.rem.push(wire),
            SleepStage::Awake => levels.awake.push(wire),
        }
    }
    let start = night.start.timestamp();
    uploaded(
        night.end,
        WireSleep {
            user_id: None,
            summary_id: summary_id(account, start, "-sleep"),
            calendar_date: date,
            duration_in_seconds: night.in_bed_s,
            start_time_in_seconds: start,
            start_time_offset_in_seconds: offset_s(night.start),
            unmeasurable_sleep_duration_in_seconds: 0,
            deep_sleep_duration_in_seconds: night.deep_s,
            light_sleep_duration_in_seconds: night.light_s,
            rem_sleep_in_seconds: night.rem_s,
            awake_duration_in_seconds: night.awake_s,
            sleep_levels_map: levels,
            // A REM-capable device that will not refine the night further.
            validation: "ENHANCED_FINAL",
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireHrv {
    summary_id: String,
    calendar_date: NaiveDate,
    last_night_avg: i64,
    last_night5_min_high: i64,
    start_time_offset_in_seconds: i32,
    duration_in_seconds: i64,
    start_time_in_seconds: i64,
    hrv_values: BTreeMap<String, f64>,
}

/// The night's HRV: RMSSD in whole milliseconds, as Garmin types it (integer).
pub(super) fn hrv(account: &str, date: NaiveDate, night: &Sleep) -> Uploaded<WireHrv> {
    let start = night.start.timestamp();
    let high = night
        .hrv_samples
        .iter()
        .map(|s| s.value)
        .fold(f64::NAN, f64::max);
    uploaded(
        night.end,
        WireHrv {
            summary_id: summary_id(account, start, "-hrv"),
            calendar_date: date,
            last_night_avg: night.hrv_rmssd_ms.round() as i64,
            last_night5_min_high: if high.is_finite() {
                high.round() as i64
            } else {
                0
            },
            start_time_offset_in_seconds: offset_s(night.start),
            duration_in_seconds: night.in_bed_s,
            start_time_in_seconds: start,
            hrv_values: series(
                night
                    .hrv_samples
                    .iter()
                    .map(|s| ((s.time - night.start).num_seconds(), s.value.round())),
            ),
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireBodyComp {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) user_id: Option<String>,
    summary_id: String,
    measurement_time_in_seconds: i64,
    measurement_time_offset_in_seconds: i32,
    body_fat_in_percent: f64,
    body_mass_index: f64,
    /// Grams, an integer (the person's kilograms × 1000).
    weight_in_grams: i64,
}

/// The morning weigh-in (a scale without muscle/bone/water estimates).
pub(super) fn body_comp(account: &str, body: &BodyMeasurement) -> Uploaded<WireBodyComp> {
    let at = body.measured_at.timestamp();
    uploaded(
        body.measured_at,
        WireBodyComp {
            user_id: None,
            summary_id: summary_id(account, at, "-body"),
            measurement_time_in_seconds: at,
            measurement_time_offset_in_seconds: offset_s(body.measured_at),
            body_fat_in_percent: body.body_fat_percent,
            body_mass_index: body.bmi,
            weight_in_grams: (body.weight_kg * 1000.0).round() as i64,
        },
    )
}

fn activity_type(kind: WorkoutKind) -> &'static str {
    match kind {
        WorkoutKind::Running => "RUNNING",
        WorkoutKind::Cycling => "CYCLING",
        WorkoutKind::Walking => "WALKING",
        WorkoutKind::StrengthTraining => "STRENGTH_TRAINING",
        WorkoutKind::Yoga => "YOGA",
    }
}

fn activity_name(kind: WorkoutKind) -> &'static str {
    match kind {
        WorkoutKind::Running => "Running",
        WorkoutKind::Cycling => "Cycling",
        WorkoutKind::Walking => "Walking",
        WorkoutKind::StrengthTraining => "Strength",
        WorkoutKind::Yoga => "Yoga",
    }
}

/// A numeric activity id, stable per workout id, below 2^53 (JSON-safe).
fn activity_number(workout: &Workout) -> u64 {
    let hash = workout.id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    10_000_000_000 + hash % 90_000_000_000
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireActivity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary_id: Option<String>,
    activity_id: u64,
    activity_name: &'static str,
    activity_type: &'static str,
    start_time_in_seconds: i64,
    start_time_offset_in_seconds: i32,
    duration_in_seconds: i64,
    active_kilocalories: i64,
    average_heart_rate_in_beats_per_minute: u32,
    max_heart_rate_in_beats_per_minute: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_in_meters: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    average_speed_in_meters_per_second: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_elevation_gain_in_meters: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    starting_latitude_in_degree: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    starting_longitude_in_degree: Option<f64>,
    manual: bool,
}

fn activity_summary(
    workout: &Workout,
    with_summary_id: bool,
    start_point: Option<(f64, f64)>,
) -> WireActivity {
    let outdoor = workout.kind.is_outdoor();
    let on_foot = matches!(workout.kind, WorkoutKind::Running | WorkoutKind::Walking);
    let id = activity_number(workout);
    WireActivity {
        user_id: None,
        summary_id: with_summary_id.then(|| id.to_string()),
        activity_id: id,
        activity_name: activity_name(workout.kind),
        activity_type: activity_type(workout.kind),
        start_time_in_seconds: workout.start.timestamp(),
        start_time_offset_in_seconds: offset_s(workout.start),
        duration_in_seconds: workout.duration_s,
        active_kilocalories: workout.active_kcal.round() as i64,
        average_heart_rate_in_beats_per_minute: workout.avg_hr_bpm,
        max_heart_rate_in_beats_per_minute: workout.max_hr_bpm,
        distance_in_meters: outdoor.then_some(crate::person::round_to(workout.distance_m, 0.01)),
        average_speed_in_meters_per_second: outdoor.then_some(workout.avg_speed_m_s),
        steps: on_foot.then_some(workout.steps),
        total_elevation_gain_in_meters: outdoor.then_some(workout.elevation_gain_m),
        starting_latitude_in_degree: start_point.map(|(lat, _)| lat),
        starting_longitude_in_degree: start_point.map(|(_, lng)| lng),
        manual: false,
    }
}

/// The day's workouts as activity summaries.
pub(super) fn activities(day: &Day) -> Vec<Uploaded<WireActivity>> {
    day.workouts
        .iter()
        .map(|w| uploaded(w.end, activity_summary(w, true, None)))
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireSample {
    start_time_in_seconds: i64,
    heart_rate: u32,
    speed_meters_per_second: f64,
    total_distance_in_meters: f64,
    timer_duration_in_seconds: i64,
    clock_duration_in_seconds: i64,
    moving_duration_in_seconds: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    latitude_in_degree: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    longitude_in_degree: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    elevation_in_meters: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireActivityDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) user_id: Option<String>,
    summary_id: String,
    activity_id: u64,
    summary: WireActivity,
    samples: Vec<WireSample>,
}

/// The day's workouts with their 1 Hz samples.
pub(super) fn activity_details(day: &Day) -> Vec<Uploaded<WireActivityDetails>> {
    day.workouts
        .iter()
        .map(|w| {
            let samples = w.samples();
            let start_point = samples
                .first()
                .and_then(|s| s.position)
                .map(|p| (p.latitude, p.longitude));
            let start = w.start.timestamp();
            let id = activity_number(w);
            let details = WireActivityDetails {
                user_id: None,
                summary_id: format!("{id}-detail"),
                activity_id: id,
                summary: activity_summary(w, false, start_point),
                samples: samples
                    .into_iter()
                    .map(|s| WireSample {
                        start_time_in_seconds: start + s.offset_s,
                        heart_rate: s.hr_bpm,
                        speed_meters_per_second: s.speed_m_s,
                        total_distance_in_meters: crate::person::round_to(s.distance_m, 0.01),
                        timer_duration_in_seconds: s.offset_s,
                        clock_duration_in_seconds: s.offset_s,
                        moving_duration_in_seconds: s.offset_s,
                        latitude_in_degree: s.position.map(|p| p.latitude),
                        longitude_in_degree: s.position.map(|p| p.longitude),
                        elevation_in_meters: s.elevation_m,
                    })
                    .collect(),
            };
            uploaded(w.end, details)
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireMct {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) user_id: Option<String>,
    summary_id: String,
    period_start_date: NaiveDate,
    day_in_cycle: u32,
    period_length: u32,
    current_phase_type: &'static str,
    predicted_cycle_length: u32,
    is_predicted_cycle: bool,
    cycle_length: u32,
    last_updated_time_in_seconds: i64,
    has_specified_cycle_length: bool,
    has_specified_period_length: bool,
}

/// The cycle-tracking snapshot of one day, updated at the end of that day.
pub(super) fn mct(
    account: &str,
    person: &Person,
    date: NaiveDate,
    cycle: &MenstruationDay,
) -> Option<Uploaded<WireMct>> {
    let end_of_day = date
        .succ_opt()?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(person.offset().fixed())
        .single()?;
    let summary = WireMct {
        user_id: None,
        summary_id: summary_id(account, end_of_day.timestamp(), "-mct"),
        period_start_date: cycle.period_start_date,
        day_in_cycle: cycle.cycle_day,
        period_length: cycle.period_length_days,
        current_phase_type: match cycle.phase {
            CyclePhase::Menstrual => "MENSTRUATION",
            CyclePhase::Follicular => "FOLLICULAR",
            CyclePhase::Ovulation => "OVULATION",
            CyclePhase::Luteal => "LUTEAL",
        },
        predicted_cycle_length: cycle.cycle_length_days,
        is_predicted_cycle: false,
        cycle_length: cycle.cycle_length_days,
        last_updated_time_in_seconds: end_of_day.timestamp(),
        has_specified_cycle_length: false,
        has_specified_period_length: false,
    };
    Some(uploaded(end_of_day, summary))
}
