//! Interstitial glucose every five minutes, as a continuous glucose monitor reads it.
//!
//! A person without diabetes (the population wearing consumer CGMs): a fasting baseline
//! with a small dawn rise, a rise after every meal in proportion to its carbohydrate
//! (peaking 40 minutes after eating and settling within about four hours), and a dip while
//! exercising that recovers within half an hour. Meals and workouts are the day's own (and
//! the day before's, whose evening reaches past midnight), so every provider module that
//! renders meals or workouts agrees with these readings.
//!
//! Readings sit on a fixed 5-minute grid from the Unix epoch shifted by a per-person phase,
//! so consecutive days join without a gap or a duplicate, and a reading's value depends only
//! on its instant: the same reading comes out whichever day asks for it.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Timelike};
use serde::Serialize;

use super::time::{local, next_day, previous_day};
use super::{Day, Person};
use crate::prng::SplitMix64;

/// A CGM reads every five minutes.
pub const READING_INTERVAL_S: i64 = 300;
/// Sensor range: values outside are reported as LOW / HIGH at the limit.
pub const MIN_MG_PER_DL: f64 = 40.0;
pub const MAX_MG_PER_DL: f64 = 400.0;
/// Time from a meal to its glucose peak.
const MEAL_PEAK_MIN: f64 = 40.0;
/// mg/dL of peak rise per gram of carbohydrate, and the largest rise of one meal.
const RISE_PER_CARB_G: f64 = 0.55;
const MAX_MEAL_RISE: f64 = 70.0;
/// Largest dip during exercise, reached with a 20-minute time constant, recovering with a
/// 30-minute one.
const EXERCISE_DIP: f64 = 14.0;
const DIP_ONSET_MIN: f64 = 20.0;
const DIP_RECOVERY_MIN: f64 = 30.0;
/// Mixes the person's seed into a stream of its own (noise and phase), independent of the
/// day streams in `prng::Stream`.
const GLUCOSE_SALT: u64 = 0x6C75_636F_7365_2121;

/// One CGM reading.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GlucoseReading {
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub at: DateTime<FixedOffset>,
    /// Whole mg/dL (CGMs report integers), within the sensor range.
    pub mg_per_dl: f64,
    /// Rate of change over the last five minutes, mg/dL per minute, one decimal.
    pub trend_mg_per_dl_per_min: f64,
}

/// The inputs of one stretch of time: the meals and workouts that can still move glucose.
struct Load {
    /// (eaten at, carbohydrate grams).
    meals: Vec<(DateTime<FixedOffset>, f64)>,
    /// (start, end, intensity 0–1 as average over maximum heart rate).
    workouts: Vec<(DateTime<FixedOffset>, DateTime<FixedOffset>, f64)>,
}

impl Load {
    fn of(days: &[&Day], max_hr_bpm: f64) -> Load {
        let meals = days
            .iter()
            .flat_map(|day| day.meals.iter())
            .map(|meal| (meal.eaten_at, meal.carbohydrates_g))
            .collect();
        let workouts = days
            .iter()
            .flat_map(|day| day.workouts.iter())
            .map(|workout| {
                let intensity = f64::from(workout.avg_hr_bpm) / max_hr_bpm.max(1.0);
                (workout.start, workout.end, intensity.clamp(0.0, 1.0))
            })
            .collect();
        Load { meals, workouts }
    }
}

impl Person {
    /// The CGM readings of the local day `date`, oldest first (288 of them).
    pub fn glucose_on(&self, date: NaiveDate) -> Vec<GlucoseReading> {
        let today = self.day(date);
        let yesterday = self.day(previous_day(date));
        let load = Load::of(&[&yesterday, &today], self.profile().max_hr_bpm);
        let offset = self.offset();
        let start = local(date, 0, offset);
        let end = local(next_day(date), 0, offset);
        let (baseline, phase_s) = self.glucose_traits();
        let step = TimeDelta::seconds(READING_INTERVAL_S);
        // The first grid point at or after local midnight.
        let since_phase = start.timestamp() - phase_s;
        let ahead = since_phase.rem_euclid(READING_INTERVAL_S);
        let first = if ahead == 0 {
            start
        } else {
            start + TimeDelta::seconds(READING_INTERVAL_S - ahead)
        };
        let mut readings = Vec::with_capacity(288);
        let mut at = first;
        while at < end {
            let level = self.glucose_at(&load, baseline, at);
            let before = self.glucose_at(&load, baseline, at - step);
            let mg_per_dl = level.round().clamp(MIN_MG_PER_DL, MAX_MG_PER_DL);
            let trend = ((level - before) / 5.0 * 10.0).round() / 10.0;
            readings.push(GlucoseReading {
                at,
                mg_per_dl,
                trend_mg_per_dl_per_min: trend,
            });
            at += step;
        }
        readings
    }

    /// The person's fasting baseline (mg/dL) and the offset of their reading grid (s).
    fn glucose_traits(&self) -> (f64, i64) {
        let mut rng = SplitMix64::new(self.seed ^ GLUCOSE_SALT);
        let baseline = rng.range(82.0, 96.0);
        let phase_s = rng.int(0, READING_INTERVAL_S - 1);
        (baseline, phase_s)
    }

    /// Glucose at `at`: baseline, dawn rise, meals, exercise, and ±1.5 mg/dL of sensor
    /// noise that depends on the instant alone.
    fn glucose_at(&self, load: &Load, baseline: f64, at: DateTime<FixedOffset>) -> f64 {
        let hour = f64::from(at.hour()) + f64::from(at.minute()) / 60.0;
        let dawn = 6.0 * (-((hour - 6.0) / 1.5).powi(2)).exp();
        let meals: f64 = load
            .meals
            .iter()
            .map(|(eaten, carbs)| {
                let minutes = (at - *eaten).num_seconds() as f64 / 60.0;
                if minutes < 0.0 {
                    return 0.0;
                }
                let x = minutes / MEAL_PEAK_MIN;
                (RISE_PER_CARB_G * carbs).min(MAX_MEAL_RISE) * x * (1.0 - x).exp()
            })
            .sum();
        let exercise: f64 = load
            .workouts
            .iter()
            .map(|(start, end, intensity)| {
                let into = (at - *start).num_seconds() as f64 / 60.0;
                if into < 0.0 {
                    return 0.0;
                }
                let length = (*end - *start).num_seconds() as f64 / 60.0;
                let depth =
                    EXERCISE_DIP * intensity * (1.0 - (-into.min(length) / DIP_ONSET_MIN).exp());
                let after = (into - length).max(0.0);
                depth * (-after / DIP_RECOVERY_MIN).exp()
            })
            .sum();
        let mut noise = SplitMix64::new(self.seed ^ GLUCOSE_SALT ^ at.timestamp() as u64);
        baseline + dawn + meals - exercise + noise.range(-1.5, 1.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
    }

    #[test]
    fn a_day_is_288_readings_five_minutes_apart_joining_the_next_day() {
        let person = Person::new("glucose-grid");
        let day = person.glucose_on(date(4));
        assert_eq!(day.len(), 288);
        assert!(
            day.windows(2)
                .all(|pair| (pair[1].at - pair[0].at).num_seconds() == 300)
        );
        let next = person.glucose_on(date(5));
        let gap = next.first().map(|n| n.at).zip(day.last().map(|l| l.at));
        assert_eq!(gap.map(|(n, l)| (n - l).num_seconds()), Some(300));
        assert!(day.iter().all(|r| r.at.date_naive() == date(4)));
        assert_eq!(person.glucose_on(date(4)), day, "deterministic");
    }

    #[test]
    fn values_stay_in_a_non_diabetic_range() {
        for account in ["g-1", "g-2", "g-3", "g-4", "g-5"] {
            let person = Person::new(account);
            for d in [1, 4, 9] {
                let values: Vec<f64> = person
                    .glucose_on(date(d))
                    .iter()
                    .map(|r| r.mg_per_dl)
                    .collect();
                let min = values.iter().copied().fold(f64::MAX, f64::min);
                let max = values.iter().copied().fold(f64::MIN, f64::max);
                assert!((65.0..=110.0).contains(&min), "{account} {d}: min {min}");
                assert!((95.0..=180.0).contains(&max), "{account} {d}: max {max}");
                assert!(values.iter().all(|v| v.fract() == 0.0), "whole mg/dL");
            }
        }
    }

    #[test]
    fn the_peak_follows_a_meal() {
        let person = Person::new("glucose-meals");
        let readings = person.glucose_on(date(4));
        // The peak follows a meal by half an hour to an hour and a half.
        let day = person.day(date(4));
        let peak = readings
            .iter()
            .max_by(|a, b| a.mg_per_dl.total_cmp(&b.mg_per_dl))
            .map(|r| r.at);
        let after_meal = day.meals.iter().any(|meal| {
            peak.is_some_and(|peak| {
                let minutes = (peak - meal.eaten_at).num_minutes();
                (20..=90).contains(&minutes)
            })
        });
        assert!(after_meal, "peak at {peak:?}, meals {:?}", day.meals);
    }
}
