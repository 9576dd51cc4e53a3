//! The synthetic person in WHOOP API v2's JSON (field names, units and formats of WHOOP's
//! OpenAPI document; see `docs/simulator.md`, "WHOOP").
//!
//! Instants are UTC with milliseconds (`2026-01-10T03:30:00.000Z`) and every record carries
//! the person's offset as `timezone_offset` (`-05:00`, or `Z` at UTC). Durations are
//! milliseconds, energy kilojoules, HRV RMSSD milliseconds. WHOOP-only scores that the
//! person model does not have are derived from its values by fixed formulas (documented on
//! each function), never drawn at random, so they are stable and explainable.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

use super::ids;
use crate::person::{Day, Person, Sleep, SleepStage, Workout, WorkoutKind};

/// Kilojoules per kilocalorie.
const KJ_PER_KCAL: f64 = 4.184;
/// The simulator's sleep need: a fixed 8 hours (WHOOP adjusts it for debt, strain and naps;
/// the person model has none of those inputs).
const SLEEP_NEED_MS: i64 = 8 * 3_600_000;

/// `2026-01-10T03:30:00.000Z`.
pub(crate) fn instant(value: DateTime<FixedOffset>) -> String {
    value
        .with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// WHOOP's Time Zone Designator: `Z` at UTC, else `+hh:mm` / `-hh:mm`.
pub(crate) fn designator(offset: FixedOffset) -> String {
    if offset.local_minus_utc() == 0 {
        "Z".to_owned()
    } else {
        offset.to_string()
    }
}

fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10_f64.powi(decimals);
    (value * factor).round() / factor
}

/// WHOOP's 0–21 strain scale from active energy: `21 * (1 - exp(-active_kcal / scale))`.
fn strain(active_kcal: f64, scale: f64) -> f64 {
    round_to(21.0 * (1.0 - (-active_kcal.max(0.0) / scale).exp()), 4)
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Page<T> {
    pub records: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Profile {
    pub user_id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct BodyMeasurement {
    pub height_meter: f64,
    pub weight_kilogram: f64,
    pub max_heart_rate: i64,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Cycle {
    pub id: i64,
    pub user_id: i64,
    pub created_at: String,
    pub updated_at: String,
    pub start: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    pub timezone_offset: String,
    pub score_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<CycleScore>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct CycleScore {
    pub strain: f64,
    pub kilojoule: f64,
    pub average_heart_rate: i64,
    pub max_heart_rate: i64,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Recovery {
    pub cycle_id: i64,
    pub sleep_id: String,
    pub user_id: i64,
    pub created_at: String,
    pub updated_at: String,
    pub score_state: &'static str,
    pub score: RecoveryScore,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct RecoveryScore {
    pub user_calibrating: bool,
    pub recovery_score: f64,
    pub resting_heart_rate: f64,
    pub hrv_rmssd_milli: f64,
    pub spo2_percentage: f64,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct SleepRecord {
    pub id: String,
    pub cycle_id: i64,
    pub user_id: i64,
    pub created_at: String,
    pub updated_at: String,
    pub start: String,
    pub end: String,
    pub timezone_offset: String,
    pub nap: bool,
    pub score_state: &'static str,
    pub score: SleepScore,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct SleepScore {
    pub stage_summary: StageSummary,
    pub sleep_needed: SleepNeeded,
    pub respiratory_rate: f64,
    pub sleep_performance_percentage: f64,
    pub sleep_consistency_percentage: f64,
    pub sleep_efficiency_percentage: f64,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct StageSummary {
    pub total_in_bed_time_milli: i64,
    pub total_awake_time_milli: i64,
    pub total_no_data_time_milli: i64,
    pub total_light_sleep_time_milli: i64,
    pub total_slow_wave_sleep_time_milli: i64,
    pub total_rem_sleep_time_milli: i64,
    pub sleep_cycle_count: i64,
    pub disturbance_count: i64,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct SleepNeeded {
    pub baseline_milli: i64,
    pub need_from_sleep_debt_milli: i64,
    pub need_from_recent_strain_milli: i64,
    pub need_from_recent_nap_milli: i64,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct WorkoutRecord {
    pub id: String,
    pub user_id: i64,
    pub created_at: String,
    pub updated_at: String,
    pub start: String,
    pub end: String,
    pub timezone_offset: String,
    pub sport_name: &'static str,
    pub score_state: &'static str,
    pub score: WorkoutScore,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct WorkoutScore {
    pub strain: f64,
    pub average_heart_rate: i64,
    pub max_heart_rate: i64,
    pub kilojoule: f64,
    pub percent_recorded: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_meter: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub altitude_gain_meter: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub altitude_change_meter: Option<f64>,
    pub zone_durations: ZoneDurations,
}

#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct ZoneDurations {
    pub zone_zero_milli: i64,
    pub zone_one_milli: i64,
    pub zone_two_milli: i64,
    pub zone_three_milli: i64,
    pub zone_four_milli: i64,
    pub zone_five_milli: i64,
}

/// The person's days, generated once per request.
pub(crate) struct Days<'a> {
    pub person: &'a Person,
    pub account: &'a str,
    pub user_id: i64,
    days: BTreeMap<NaiveDate, Day>,
    nights: BTreeMap<NaiveDate, Sleep>,
}

impl<'a> Days<'a> {
    pub(crate) fn new(person: &'a Person, account: &'a str) -> Self {
        Self {
            person,
            account,
            user_id: ids::user_id(account),
            days: BTreeMap::new(),
            nights: BTreeMap::new(),
        }
    }

    pub(crate) fn day(&mut self, date: NaiveDate) -> &Day {
        self.days
            .entry(date)
            .or_insert_with(|| self.person.day(date))
    }

    /// The night ending on the morning of `date`.
    pub(crate) fn night(&mut self, date: NaiveDate) -> &Sleep {
        self.nights
            .entry(date)
            .or_insert_with(|| self.person.sleep_ending_on(date))
    }

    fn offset(&self) -> FixedOffset {
        self.person.offset().fixed()
    }

    /// Cycle `date`: from the sleep onset ending on its morning to the next sleep onset;
    /// open (no end, `PENDING_SCORE`) while that next onset is after `now`.
    pub(crate) fn cycle(&mut self, date: NaiveDate, now: DateTime<FixedOffset>) -> Option<Cycle> {
        let start = self.night(date).start;
        if start > now {
            return None;
        }
        let next = date.succ_opt()?;
        let end = self.night(next).start;
        let closed = end <= now;
        let score = if closed {
            Some(self.cycle_score(date, start, end))
        } else {
            None
        };
        Some(Cycle {
            id: ids::cycle_id(self.user_id, date),
            user_id: self.user_id,
            created_at: instant(start),
            updated_at: instant(if closed { end } else { start }),
            start: instant(start),
            end: closed.then(|| instant(end)),
            timezone_offset: designator(self.offset()),
            score_state: if closed { "SCORED" } else { "PENDING_SCORE" },
            score,
        })
    }

    /// Energy and heart rate of the 15-minute intervals that start inside the cycle.
    /// Strain: [`strain`] of the cycle's active energy with a 1 200 kcal scale.
    fn cycle_score(
        &mut self,
        date: NaiveDate,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    ) -> CycleScore {
        let (mut kcal, mut active, mut hr_sum, mut count, mut max_hr) = (0.0, 0.0, 0_u64, 0_u64, 0);
        let dates = [date.pred_opt(), Some(date), date.succ_opt()];
        for day_date in dates.into_iter().flatten() {
            let day = self.day(day_date);
            for interval in day
                .intervals
                .iter()
                .filter(|i| start <= i.start && i.start < end)
            {
                kcal += interval.kcal;
                active += interval.active_kcal;
                hr_sum += u64::from(interval.avg_hr_bpm);
                count += 1;
                max_hr = max_hr.max(interval.avg_hr_bpm);
            }
            for workout in day
                .workouts
                .iter()
                .filter(|w| start <= w.start && w.start < end)
            {
                max_hr = max_hr.max(workout.max_hr_bpm);
            }
        }
        CycleScore {
            strain: strain(active, 1_200.0),
            kilojoule: round_to(kcal * KJ_PER_KCAL, 3),
            average_heart_rate: i64::try_from(hr_sum / count.max(1)).unwrap_or(0),
            max_heart_rate: i64::from(max_hr),
        }
    }

    /// The recovery of cycle `date`, measured in the night ending that morning. Recovery
    /// score: `60 + 6 * (baseline RHR - RHR) + 0.8 * (HRV - 45)`, clamped to 1–99.
    pub(crate) fn recovery(
        &mut self,
        date: NaiveDate,
        now: DateTime<FixedOffset>,
    ) -> Option<Recovery> {
        let base_rhr = self.person.profile().base_resting_hr_bpm;
        let user_id = self.user_id;
        let sleep_id = ids::uuid(self.account, ids::SLEEP, 0, date);
        let night = self.night(date);
        if night.end > now {
            return None;
        }
        let rhr = f64::from(night.resting_hr_bpm);
        let score = 60.0 + 6.0 * (base_rhr - rhr) + 0.8 * (night.hrv_rmssd_ms - 45.0);
        Some(Recovery {
            cycle_id: ids::cycle_id(user_id, date),
            sleep_id,
            user_id,
            created_at: instant(night.end),
            updated_at: instant(night.end),
            score_state: "SCORED",
            score: RecoveryScore {
                user_calibrating: false,
                recovery_score: score.clamp(1.0, 99.0).round(),
                resting_heart_rate: rhr,
                hrv_rmssd_milli: night.hrv_rmssd_ms,
                spo2_percentage: night.spo2_avg_percent,
            },
        })
    }

    /// The night ending on the morning of `date`, which starts cycle `date`.
    pub(crate) fn sleep(
        &mut self,
        date: NaiveDate,
        now: DateTime<FixedOffset>,
    ) -> Option<SleepRecord> {
        let previous = date.pred_opt().map(|d| {
            let night = self.night(d);
            (night.start, night.end)
        });
        let offset = self.offset();
        let id = ids::uuid(self.account, ids::SLEEP, 0, date);
        let cycle_id = ids::cycle_id(self.user_id, date);
        let user_id = self.user_id;
        let night = self.night(date);
        if night.end > now {
            return None;
        }
        let asleep_ms = night.asleep_s * 1000;
        Some(SleepRecord {
            id,
            cycle_id,
            user_id,
            created_at: instant(night.end),
            updated_at: instant(night.end),
            start: instant(night.start),
            end: instant(night.end),
            timezone_offset: designator(offset),
            nap: false,
            score_state: "SCORED",
            score: SleepScore {
                stage_summary: stage_summary(night),
                sleep_needed: SleepNeeded {
                    baseline_milli: SLEEP_NEED_MS,
                    need_from_sleep_debt_milli: 0,
                    need_from_recent_strain_milli: 0,
                    need_from_recent_nap_milli: 0,
                },
                respiratory_rate: night.respiration_rate_brpm,
                sleep_performance_percentage: round_to(
                    (asleep_ms as f64 / SLEEP_NEED_MS as f64 * 100.0).min(100.0),
                    0,
                ),
                sleep_consistency_percentage: consistency(night, previous),
                sleep_efficiency_percentage: night.efficiency_percent,
            },
        })
    }

    /// The workouts of `date` that have ended by `now`, with their index in the day.
    pub(crate) fn workouts(
        &mut self,
        date: NaiveDate,
        now: DateTime<FixedOffset>,
    ) -> Vec<WorkoutRecord> {
        let account = self.account;
        let user_id = self.user_id;
        let max_hr = self.person.profile().max_hr_bpm;
        let offset = self.offset();
        let day = self.day(date);
        day.workouts
            .iter()
            .enumerate()
            .filter(|(_, workout)| workout.end <= now)
            .map(|(index, workout)| WorkoutRecord {
                id: ids::uuid(
                    account,
                    ids::WORKOUT,
                    u8::try_from(index).unwrap_or(u8::MAX),
                    date,
                ),
                user_id,
                created_at: instant(workout.end),
                updated_at: instant(workout.end),
                start: instant(workout.start),
                end: instant(workout.end),
                timezone_offset: designator(offset),
                sport_name: sport_name(workout.kind),
                score_state: "SCORED",
                score: workout_score(workout, max_hr),
            })
            .collect()
    }

    pub(crate) fn profile(&self) -> Profile {
        let profile = self.person.profile();
        Profile {
            user_id: self.user_id,
            email: format!(
                "{}.{}@example.com",
                profile.first_name.to_ascii_lowercase(),
                profile.last_name.to_ascii_lowercase()
            ),
            first_name: profile.first_name.clone(),
            last_name: profile.last_name.clone(),
        }
    }

    /// Height, the weight of the morning weigh-in of `today`, and the profile's max HR.
    pub(crate) fn body_measurement(&mut self, today: NaiveDate) -> BodyMeasurement {
        let profile = self.person.profile();
        let height = profile.height_m;
        let max_hr = profile.max_hr_bpm;
        BodyMeasurement {
            height_meter: height,
            weight_kilogram: self.person.body_on(today).weight_kg,
            max_heart_rate: max_hr.round() as i64,
        }
    }
}

fn stage_summary(night: &Sleep) -> StageSummary {
    let rem_spans = night
        .stages
        .iter()
        .filter(|span| span.stage == SleepStage::Rem)
        .count();
    let first_asleep = night
        .stages
        .iter()
        .position(|s| s.stage != SleepStage::Awake);
    let last_asleep = night
        .stages
        .iter()
        .rposition(|s| s.stage != SleepStage::Awake);
    let disturbances = match (first_asleep, last_asleep) {
        (Some(first), Some(last)) => night
            .stages
            .iter()
            .take(last)
            .skip(first)
            .filter(|span| span.stage == SleepStage::Awake)
            .count(),
        _ => 0,
    };
    StageSummary {
        total_in_bed_time_milli: night.in_bed_s * 1000,
        total_awake_time_milli: night.awake_s * 1000,
        total_no_data_time_milli: 0,
        total_light_sleep_time_milli: night.light_s * 1000,
        total_slow_wave_sleep_time_milli: night.deep_s * 1000,
        total_rem_sleep_time_milli: night.rem_s * 1000,
        sleep_cycle_count: i64::try_from(rem_spans).unwrap_or(0),
        disturbance_count: i64::try_from(disturbances).unwrap_or(0),
    }
}

/// `100 - (|bedtime shift| + |wake time shift|) / 3`, shifts in minutes of time of day
/// against the previous night, clamped to 0–100.
fn consistency(
    night: &Sleep,
    previous: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
) -> f64 {
    let Some((previous_start, previous_end)) = previous else {
        return 100.0;
    };
    let day_s = 86_400;
    let shift = |a: DateTime<FixedOffset>, b: DateTime<FixedOffset>| {
        let diff = ((a - b).num_seconds() - day_s).abs();
        diff as f64 / 60.0
    };
    let minutes = shift(night.start, previous_start) + shift(night.end, previous_end);
    round_to((100.0 - minutes / 3.0).clamp(0.0, 100.0), 0)
}

fn sport_name(kind: WorkoutKind) -> &'static str {
    match kind {
        WorkoutKind::Running => "running",
        WorkoutKind::Cycling => "cycling",
        WorkoutKind::Walking => "walking",
        WorkoutKind::StrengthTraining => "weightlifting",
        WorkoutKind::Yoga => "yoga",
    }
}

/// Values of one workout from its 1 Hz samples: time per WHOOP zone (0 below 50 % of max
/// HR, then one zone per 10 %), net altitude change outdoors. Strain: [`strain`] of the
/// workout's active energy with a 700 kcal scale.
fn workout_score(workout: &Workout, max_hr: f64) -> WorkoutScore {
    let samples = workout.samples();
    let mut zones = ZoneDurations::default();
    for sample in &samples {
        let share = f64::from(sample.hr_bpm) / max_hr.max(1.0);
        let slot = match share {
            s if s < 0.5 => &mut zones.zone_zero_milli,
            s if s < 0.6 => &mut zones.zone_one_milli,
            s if s < 0.7 => &mut zones.zone_two_milli,
            s if s < 0.8 => &mut zones.zone_three_milli,
            s if s < 0.9 => &mut zones.zone_four_milli,
            _ => &mut zones.zone_five_milli,
        };
        *slot += 1000;
    }
    let elevations = samples.iter().filter_map(|sample| sample.elevation_m);
    let altitude_change = workout.has_gps.then(|| {
        let all: Vec<f64> = elevations.collect();
        round_to(
            all.last().copied().unwrap_or(0.0) - all.first().copied().unwrap_or(0.0),
            2,
        )
    });
    let outdoor = workout.distance_m > 0.0;
    WorkoutScore {
        strain: strain(workout.active_kcal, 700.0),
        average_heart_rate: i64::from(workout.avg_hr_bpm),
        max_heart_rate: i64::from(workout.max_hr_bpm),
        kilojoule: round_to(workout.total_kcal * KJ_PER_KCAL, 3),
        percent_recorded: 100.0,
        distance_meter: outdoor.then_some(workout.distance_m),
        altitude_gain_meter: workout.has_gps.then_some(workout.elevation_gain_m),
        altitude_change_meter: altitude_change,
        zone_durations: zones,
    }
}
