//! Oura API v2 documents rendered from the synthetic person (field names, types and units
//! of Oura's OpenAPI 1.29; docs/simulator.md §OURA lists every field and where it comes
//! from). Numbers come from the person; what the person has no model for (Oura's scores and
//! their contributors, temperature deviation, breathing disturbance index) is `null`, which
//! the spec allows for each of them.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde::Serialize;

use crate::person::{Day, Person, Sex, Sleep, SleepStage, Workout, WorkoutKind, round_to};

/// Spacing of `class_5_min`, `sleep_phase_5_min` and the heart-rate rows.
pub(super) const FIVE_MINUTES_S: i64 = 300;
/// Spacing of `sleep_phase_30_sec`.
const THIRTY_SECONDS_S: i64 = 30;
/// The person's activity intervals are 15 minutes long.
const INTERVAL_S: i64 = 900;
/// Oura's activity day starts at 04:00 local time (its `timestamp`) and lasts 24 hours.
pub(super) const ACTIVITY_DAY_START_S: i64 = 4 * 3_600;
/// Net energy cost of level walking: 0.1 mL O2 per kg per metre (ACSM walking equation)
/// at 5 kcal per litre of O2 = 0.5 kcal per kg per km. Converts active energy into Oura's
/// "equivalent walking distance".
const WALKING_KCAL_PER_KG_KM: f64 = 0.5;
/// The simulated user's daily active-energy target (Oura lets users pick one; the person
/// model has none). `target_meters` is the same target as an equivalent walking distance.
const TARGET_ACTIVE_KCAL: f64 = 500.0;
/// MET thresholds of the usual intensity classes (sedentary < 1.5, light < 3, moderate
/// < 6, vigorous >= 6; Ainsworth et al.), used for Oura's 5-minute activity classes.
const MET_LOW: f64 = 1.5;
const MET_MEDIUM: f64 = 3.0;
const MET_HIGH: f64 = 6.0;
/// An inactivity alert per full hour of uninterrupted inactivity (12 five-minute slots).
const INACTIVE_SLOTS_PER_ALERT: usize = 12;

/// `LocalizedDateTime`: whole seconds with the numeric offset (`+02:00`, UTC as `+00:00`).
pub(super) fn localized(at: DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Series timestamps carry milliseconds (`2024-10-10T01:01:59.000+02:00`), as Oura sends.
fn localized_ms(at: DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// `UtcDateTime` (`2024-12-13T12:31:21+00:00`).
pub(super) fn utc(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&Utc)
        .fixed_offset()
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Local midnight of `date` plus `seconds`, at the person's offset.
pub(super) fn local_at(person: &Person, date: NaiveDate, seconds: i64) -> DateTime<FixedOffset> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let offset = person.offset().fixed();
    let local = midnight
        .checked_add_signed(TimeDelta::seconds(seconds))
        .unwrap_or(midnight);
    local
        .and_local_timezone(offset)
        .single()
        .unwrap_or_else(|| DateTime::from_naive_utc_and_offset(local, offset))
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

/// Every document carries `meta` (required by the 1.29 spec): when it last changed, and a
/// version counter. Simulated documents never change after their period ends.
#[derive(Serialize)]
pub(super) struct Meta {
    updated_at: String,
    version: u32,
}

fn meta(period_end: DateTime<FixedOffset>) -> Meta {
    Meta {
        updated_at: utc(period_end),
        version: 1,
    }
}

/// `PublicSample`: `items[i]` at `timestamp + i * interval` seconds.
#[derive(Serialize)]
pub(super) struct Sample {
    interval: f64,
    items: Vec<Option<f64>>,
    timestamp: String,
}

/// `PersonalInfoResponse`.
#[derive(Serialize)]
pub(super) struct PersonalInfo {
    id: String,
    age: u32,
    /// Kilograms.
    weight: f64,
    /// Metres.
    height: f64,
    biological_sex: &'static str,
    email: String,
}

/// `account` is Oura's user id (also `user_id` in webhook notifications); `today` gives the
/// age Oura reports now.
pub(super) fn personal_info(account: &str, person: &Person, today: NaiveDate) -> PersonalInfo {
    let profile = person.profile();
    PersonalInfo {
        id: account.to_owned(),
        age: person.age_on(today),
        weight: profile.base_weight_kg,
        height: profile.height_m,
        biological_sex: match profile.sex {
            Sex::Female => "female",
            Sex::Male => "male",
        },
        email: format!(
            "{}.{}@example.com",
            profile.first_name.to_lowercase(),
            profile.last_name.to_lowercase()
        ),
    }
}

/// `PublicModifiedSleepModel`, only the fields the person fills plus the required ones.
#[derive(Serialize)]
pub(super) struct SleepDoc {
    id: String,
    meta: Meta,
    /// Breaths per minute.
    average_breath: f64,
    /// Beats per minute (mean of the 5-minute samples).
    average_heart_rate: f64,
    /// RMSSD, milliseconds.
    average_hrv: i64,
    awake_time: i64,
    bedtime_end: String,
    bedtime_start: String,
    day: NaiveDate,
    deep_sleep_duration: i64,
    efficiency: i64,
    heart_rate: Sample,
    hrv: Sample,
    latency: i64,
    light_sleep_duration: i64,
    low_battery_alert: bool,
    lowest_heart_rate: i64,
    movement_30_sec: Option<String>,
    period: i64,
    readiness: Option<()>,
    readiness_score_delta: Option<i64>,
    rem_sleep_duration: i64,
    restless_periods: Option<i64>,
    sleep_algorithm_version: &'static str,
    sleep_analysis_reason: Option<&'static str>,
    sleep_phase_30_sec: String,
    sleep_phase_5_min: String,
    sleep_score_delta: Option<i64>,
    time_in_bed: i64,
    total_sleep_duration: i64,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// Oura's hypnogram digit: 1 deep, 2 light, 3 REM, 4 awake.
fn phase_digit(stage: SleepStage) -> char {
    match stage {
        SleepStage::Deep => '1',
        SleepStage::Light => '2',
        SleepStage::Rem => '3',
        SleepStage::Awake => '4',
    }
}

/// One digit per `step` seconds from bedtime, the stage in the middle of each window.
fn phases(night: &Sleep, step: i64) -> String {
    let windows = (night.in_bed_s + step - 1) / step;
    (0..windows)
        .map(|index| {
            let middle = night.start + TimeDelta::seconds(index * step + step / 2);
            let stage = night
                .stages
                .iter()
                .find(|span| span.start <= middle && middle < span.end)
                .map_or(SleepStage::Awake, |span| span.stage);
            phase_digit(stage)
        })
        .collect()
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// The night that ended on the morning of `day` (Oura files a sleep under its wake-up day).
pub(super) fn sleep(id: String, day: NaiveDate, night: &Sleep) -> SleepDoc {
    let heart_rate: Vec<f64> = night.hr_samples.iter().map(|s| s.value).collect();
    let hrv: Vec<f64> = night.hrv_samples.iter().map(|s| s.value).collect();
    SleepDoc {
        id,
        meta: meta(night.end),
        average_breath: night.respiration_rate_brpm,
        average_heart_rate: round_to(mean(&heart_rate), 0.001),
        average_hrv: night.hrv_rmssd_ms.round() as i64,
        awake_time: night.awake_s,
        bedtime_end: localized(night.end),
        bedtime_start: localized(night.start),
        day,
        deep_sleep_duration: night.deep_s,
        efficiency: night.efficiency_percent.round() as i64,
        heart_rate: Sample {
            interval: FIVE_MINUTES_S as f64,
            items: heart_rate.into_iter().map(Some).collect(),
            timestamp: localized_ms(night.start),
        },
        hrv: Sample {
            interval: FIVE_MINUTES_S as f64,
            items: hrv.into_iter().map(Some).collect(),
            timestamp: localized_ms(night.start),
        },
        latency: night.latency_s,
        light_sleep_duration: night.light_s,
        low_battery_alert: false,
        lowest_heart_rate: i64::from(night.resting_hr_bpm),
        movement_30_sec: None,
        period: 0,
        readiness: None,
        readiness_score_delta: None,
        rem_sleep_duration: night.rem_s,
        restless_periods: None,
        sleep_algorithm_version: "v2",
        sleep_analysis_reason: None,
        sleep_phase_30_sec: phases(night, THIRTY_SECONDS_S),
        sleep_phase_5_min: phases(night, FIVE_MINUTES_S),
        sleep_score_delta: None,
        time_in_bed: night.in_bed_s,
        total_sleep_duration: night.asleep_s,
        kind: "long_sleep",
    }
}

/// Scores the person has no model for: every contributor is `null`.
#[derive(Serialize, Default)]
pub(super) struct ActivityContributors {
    meet_daily_targets: Option<i64>,
    move_every_hour: Option<i64>,
    recovery_time: Option<i64>,
    stay_active: Option<i64>,
    training_frequency: Option<i64>,
    training_volume: Option<i64>,
}

/// `PublicDailyActivity`.
#[derive(Serialize)]
pub(super) struct DailyActivityDoc {
    id: String,
    meta: Meta,
    /// Kilocalories above basal metabolism.
    active_calories: i64,
    /// Mean MET level over the day's 1440 minutes.
    average_met_minutes: f64,
    class_5_min: String,
    contributors: ActivityContributors,
    day: NaiveDate,
    /// Metres.
    equivalent_walking_distance: i64,
    high_activity_met_minutes: i64,
    /// Seconds.
    high_activity_time: i64,
    inactivity_alerts: i64,
    low_activity_met_minutes: i64,
    low_activity_time: i64,
    medium_activity_met_minutes: i64,
    medium_activity_time: i64,
    met: Sample,
    meters_to_target: i64,
    non_wear_time: i64,
    resting_time: i64,
    score: Option<i64>,
    sedentary_met_minutes: i64,
    sedentary_time: i64,
    steps: i64,
    target_calories: i64,
    target_meters: i64,
    timestamp: String,
    /// Kilocalories, basal + active.
    total_calories: i64,
}

/// The 96 intervals of Oura's activity day (`day` 04:00 to the next day's 04:00 local).
fn activity_window(today: &Day, tomorrow: &Day) -> Vec<crate::person::Interval> {
    let skip = usize::try_from(ACTIVITY_DAY_START_S / INTERVAL_S).unwrap_or(0);
    today
        .intervals
        .iter()
        .skip(skip)
        .chain(tomorrow.intervals.iter().take(skip))
        .cloned()
        .collect()
}

/// MET level of an interval: energy per kg of body weight per hour.
fn met_level(kcal: f64, weight_kg: f64) -> f64 {
    let hours = INTERVAL_S as f64 / 3_600.0;
    if weight_kg > 0.0 {
        kcal / (weight_kg * hours)
    } else {
        0.0
    }
}

/// Oura's class digit: 1 rest (asleep), 2 inactive, 3 low, 4 medium, 5 high.
fn activity_class(asleep: bool, met: f64) -> u8 {
    if asleep {
        1
    } else if met < MET_LOW {
        2
    } else if met < MET_MEDIUM {
        3
    } else if met < MET_HIGH {
        4
    } else {
        5
    }
}

/// Kilocalories of active energy as metres of level walking for a person of `weight_kg`.
fn walking_metres(active_kcal: f64, weight_kg: f64) -> i64 {
    if weight_kg > 0.0 {
        (active_kcal / (weight_kg * WALKING_KCAL_PER_KG_KM) * 1_000.0).round() as i64
    } else {
        0
    }
}

/// Per-class totals of a day: seconds, and MET-minutes (the MET level of each minute).
#[derive(Default)]
struct ClassTotals {
    seconds: [i64; 6],
    met_minutes: [f64; 6],
}

/// `today` is the person's day `day`; `tomorrow` the next one (its first four hours belong
/// to Oura's activity day); `nights` the two nights touching the window.
pub(super) fn daily_activity(
    person: &Person,
    id: String,
    today: &Day,
    tomorrow: &Day,
) -> DailyActivityDoc {
    let start = local_at(person, today.date, ACTIVITY_DAY_START_S);
    let end = start + TimeDelta::days(1);
    let weight = today.body.weight_kg;
    let intervals = activity_window(today, tomorrow);
    let nights = [&today.sleep, &tomorrow.sleep];
    let mets: Vec<f64> = intervals
        .iter()
        .map(|i| round_to(met_level(i.kcal, weight), 0.1))
        .collect();
    let mut classes = String::with_capacity(288);
    let mut totals = ClassTotals::default();
    for (index, met) in mets.iter().enumerate() {
        for slot in 0..3_i64 {
            let offset = index as i64 * INTERVAL_S + slot * FIVE_MINUTES_S + FIVE_MINUTES_S / 2;
            let middle = start + TimeDelta::seconds(offset);
            let asleep = nights.iter().any(|night| night.contains(middle));
            let class = activity_class(asleep, *met);
            classes.push(char::from(b'0' + class));
            let class = usize::from(class);
            if let (Some(seconds), Some(met_minutes)) = (
                totals.seconds.get_mut(class),
                totals.met_minutes.get_mut(class),
            ) {
                *seconds += FIVE_MINUTES_S;
                *met_minutes += met * 5.0;
            }
        }
    }
    let minute_mets: Vec<Option<f64>> = mets
        .iter()
        .flat_map(|met| std::iter::repeat_n(Some(*met), 15))
        .collect();
    let active_kcal: f64 = intervals.iter().map(|i| i.active_kcal).sum();
    let total_kcal: f64 = intervals.iter().map(|i| i.kcal).sum();
    let distance = walking_metres(active_kcal, weight);
    let target_meters = walking_metres(TARGET_ACTIVE_KCAL, weight);
    let class_seconds = |class: usize| totals.seconds.get(class).copied().unwrap_or(0);
    let class_met = |class: usize| {
        totals
            .met_minutes
            .get(class)
            .copied()
            .unwrap_or(0.0)
            .round() as i64
    };
    DailyActivityDoc {
        id,
        meta: meta(end),
        active_calories: active_kcal.round() as i64,
        average_met_minutes: round_to(mean(&mets), 0.001),
        inactivity_alerts: inactivity_alerts(&classes),
        class_5_min: classes,
        contributors: ActivityContributors::default(),
        day: today.date,
        equivalent_walking_distance: distance,
        high_activity_met_minutes: class_met(5),
        high_activity_time: class_seconds(5),
        low_activity_met_minutes: class_met(3),
        low_activity_time: class_seconds(3),
        medium_activity_met_minutes: class_met(4),
        medium_activity_time: class_seconds(4),
        met: Sample {
            interval: 60.0,
            items: minute_mets,
            timestamp: localized_ms(start),
        },
        meters_to_target: target_meters - distance,
        non_wear_time: class_seconds(0),
        resting_time: class_seconds(1),
        score: None,
        sedentary_met_minutes: class_met(2),
        sedentary_time: class_seconds(2),
        steps: intervals.iter().map(|i| i64::from(i.steps)).sum(),
        target_calories: TARGET_ACTIVE_KCAL as i64,
        target_meters,
        timestamp: localized(start),
        total_calories: total_kcal.round() as i64,
    }
}

fn inactivity_alerts(classes: &str) -> i64 {
    classes
        .split(|c| c != '2')
        .map(|run| (run.len() / INACTIVE_SLOTS_PER_ALERT) as i64)
        .sum()
}

#[derive(Serialize, Default)]
pub(super) struct ReadinessContributors {
    activity_balance: Option<i64>,
    body_temperature: Option<i64>,
    hrv_balance: Option<i64>,
    previous_day_activity: Option<i64>,
    previous_night: Option<i64>,
    recovery_index: Option<i64>,
    resting_heart_rate: Option<i64>,
    sleep_balance: Option<i64>,
    sleep_regularity: Option<i64>,
}

/// `PublicDailyReadiness`: the person has no readiness model, so score, contributors and
/// temperature deviations are `null`; the document exists so clients see Oura's shape.
#[derive(Serialize)]
pub(super) struct DailyReadinessDoc {
    id: String,
    meta: Meta,
    contributors: ReadinessContributors,
    day: NaiveDate,
    score: Option<i64>,
    temperature_deviation: Option<f64>,
    temperature_trend_deviation: Option<f64>,
    /// Midnight UTC of `day`, as in Oura's recorded responses (not the local midnight).
    timestamp: String,
}

pub(super) fn daily_readiness(id: String, day: NaiveDate, night: &Sleep) -> DailyReadinessDoc {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    DailyReadinessDoc {
        id,
        meta: meta(night.end),
        contributors: ReadinessContributors::default(),
        day,
        score: None,
        temperature_deviation: None,
        temperature_trend_deviation: None,
        timestamp: midnight
            .fixed_offset()
            .to_rfc3339_opts(SecondsFormat::Secs, false),
    }
}

#[derive(Serialize)]
pub(super) struct Spo2Average {
    /// Percent.
    average: f64,
}

/// `PublicDailySpO2`: the average SpO2 of the night that ended on `day`.
#[derive(Serialize)]
pub(super) struct DailySpo2Doc {
    id: String,
    meta: Meta,
    breathing_disturbance_index: Option<i64>,
    day: NaiveDate,
    spo2_percentage: Spo2Average,
}

pub(super) fn daily_spo2(id: String, day: NaiveDate, night: &Sleep) -> DailySpo2Doc {
    DailySpo2Doc {
        id,
        meta: meta(night.end),
        breathing_disturbance_index: None,
        day,
        spo2_percentage: Spo2Average {
            average: night.spo2_avg_percent,
        },
    }
}

/// `PublicWorkout`.
#[derive(Serialize)]
pub(super) struct WorkoutDoc {
    id: String,
    meta: Meta,
    activity: &'static str,
    /// Kilocalories burned during the workout (basal + active).
    calories: f64,
    day: NaiveDate,
    /// Metres; `null` indoors (Oura measures no distance there).
    distance: Option<f64>,
    end_datetime: String,
    intensity: &'static str,
    label: Option<String>,
    source: &'static str,
    start_datetime: String,
}

fn activity_name(kind: WorkoutKind) -> &'static str {
    match kind {
        WorkoutKind::Running => "running",
        WorkoutKind::Cycling => "cycling",
        WorkoutKind::Walking => "walking",
        WorkoutKind::StrengthTraining => "strength_training",
        WorkoutKind::Yoga => "yoga",
    }
}

/// Oura's three intensities from the share of maximum heart rate (below 60 % easy, below
/// 75 % moderate, else hard).
fn intensity(workout: &Workout, max_hr_bpm: f64) -> &'static str {
    let share = if max_hr_bpm > 0.0 {
        f64::from(workout.avg_hr_bpm) / max_hr_bpm
    } else {
        0.0
    };
    if share < 0.6 {
        "easy"
    } else if share < 0.75 {
        "moderate"
    } else {
        "hard"
    }
}

pub(super) fn workout(person: &Person, id: String, day: NaiveDate, w: &Workout) -> WorkoutDoc {
    WorkoutDoc {
        id,
        meta: meta(w.end),
        activity: activity_name(w.kind),
        calories: round_to(w.total_kcal, 0.001),
        day,
        distance: w.kind.is_outdoor().then_some(w.distance_m),
        end_datetime: localized(w.end),
        intensity: intensity(w, person.profile().max_hr_bpm),
        label: None,
        source: "confirmed",
        start_datetime: localized(w.start),
    }
}

/// `PublicHeartRateRow`.
#[derive(Serialize)]
pub(super) struct HeartRateRow {
    timestamp: String,
    /// Milliseconds since the Unix epoch.
    timestamp_unix: i64,
    bpm: i64,
    source: &'static str,
}

impl HeartRateRow {
    pub(super) fn unix_ms(&self) -> i64 {
        self.timestamp_unix
    }
}

/// Heart-rate rows of local day `today`, one every 5 minutes from local midnight: the
/// night's 5-minute average while asleep (`sleep`), the workout's reading at that second
/// (`workout`), else the 15-minute interval's average (`awake`).
pub(super) fn heart_rate_rows(person: &Person, today: &Day) -> Vec<HeartRateRow> {
    let tonight = person.sleep_ending_on(next_day(today.date));
    let midnight = local_at(person, today.date, 0);
    let samples: Vec<(&Workout, Vec<crate::person::WorkoutSample>)> =
        today.workouts.iter().map(|w| (w, w.samples())).collect();
    (0..(86_400 / FIVE_MINUTES_S))
        .filter_map(|slot| {
            let at = midnight + TimeDelta::seconds(slot * FIVE_MINUTES_S);
            let (bpm, source) = reading_at(at, today, &tonight, &samples)?;
            Some(HeartRateRow {
                timestamp: utc(at),
                timestamp_unix: at.timestamp_millis(),
                bpm: bpm.round() as i64,
                source,
            })
        })
        .collect()
}

fn reading_at(
    at: DateTime<FixedOffset>,
    today: &Day,
    tonight: &Sleep,
    workouts: &[(&Workout, Vec<crate::person::WorkoutSample>)],
) -> Option<(f64, &'static str)> {
    if let Some(bpm) = today.sleep.hr_at(at).or_else(|| tonight.hr_at(at)) {
        return Some((bpm, "sleep"));
    }
    for (workout, samples) in workouts {
        if workout.start <= at && at < workout.end {
            let offset = usize::try_from((at - workout.start).num_seconds()).ok()?;
            if let Some(sample) = samples.get(offset) {
                return Some((f64::from(sample.hr_bpm), "workout"));
            }
        }
    }
    let index = usize::try_from((at - local_day_start(today)).num_seconds() / INTERVAL_S).ok()?;
    today
        .intervals
        .get(index)
        .map(|interval| (f64::from(interval.avg_hr_bpm), "awake"))
}

fn local_day_start(day: &Day) -> DateTime<FixedOffset> {
    day.intervals
        .first()
        .map_or(day.sleep.end, |interval| interval.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inactivity_alerts_count_full_inactive_hours() {
        let classes = format!("{}3{}", "2".repeat(25), "2".repeat(11));
        assert_eq!(inactivity_alerts(&classes), 2);
        assert_eq!(inactivity_alerts("1111"), 0);
    }

    #[test]
    fn activity_classes_follow_met_thresholds() {
        assert_eq!(activity_class(true, 9.0), 1);
        assert_eq!(activity_class(false, 1.0), 2);
        assert_eq!(activity_class(false, 2.0), 3);
        assert_eq!(activity_class(false, 4.0), 4);
        assert_eq!(activity_class(false, 8.0), 5);
    }

    #[test]
    fn a_met_is_one_kcal_per_kg_per_hour() {
        // 70 kg person burning 17.5 kcal in 15 minutes: 70 kcal/h = 1 MET.
        assert!((met_level(17.5, 70.0) - 1.0).abs() < 1e-9);
        assert_eq!(walking_metres(35.0, 70.0), 1_000);
    }
}
