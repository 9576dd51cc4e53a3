//! `daily_activity`: Oura's activity day (04:00 to 04:00 local) from the person's
//! 15-minute intervals — MET levels, the 5-minute class string, per-class times and
//! MET-minutes, inactivity alerts, equivalent walking distance. Separate because it is the
//! one document with a model of its own (METs and classes), and its unit tests.

use chrono::{NaiveDate, TimeDelta};
use serde::Serialize;

use super::{
    ACTIVITY_DAY_START_S, FIVE_MINUTES_S, INTERVAL_S, Meta, Sample, local_at, localized,
    localized_ms, mean, meta,
};
use crate::person::{Day, Person, round_to};

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

/// Scores the person has no model for: every contributor is `null`.
#[derive(Serialize, Default)]
pub(in crate::providers::oura) struct ActivityContributors {
    meet_daily_targets: Option<i64>,
    move_every_hour: Option<i64>,
    recovery_time: Option<i64>,
    stay_active: Option<i64>,
    training_frequency: Option<i64>,
    training_volume: Option<i64>,
}

/// `PublicDailyActivity`.
#[derive(Serialize)]
pub(in crate::providers::oura) struct DailyActivityDoc {
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
pub(in crate::providers::oura) fn daily_activity(
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
