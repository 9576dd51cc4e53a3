//! `daily_sleep`, `daily_stress`, `vO2_max` and `ring_configuration` from the synthetic
//! person. Oura's own algorithms are unpublished; each number here comes from a small,
//! stated model of the person's night and day (docs/simulator.md §OURA), so a client can
//! check it from the person's other documents.

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use super::{Meta, local_at, localized, meta, utc};
use crate::person::{Day, Person, Sleep};

/// Targets of the sleep-score contributors: 8 h asleep, 90 min deep, 90 min REM.
const TARGET_ASLEEP_S: f64 = 8.0 * 3_600.0;
const TARGET_DEEP_S: f64 = 5_400.0;
const TARGET_REM_S: f64 = 5_400.0;
/// Daytime stress is read between the end of the night and 22:00 local, outside workouts.
const DAYTIME_END_S: i64 = 22 * 3_600;
/// A 15-minute interval is high stress at or above resting + 18 bpm, high recovery at or
/// below resting + 12 bpm (roughly the top and bottom quartiles of the person's daytime
/// heart rate outside workouts, Oura's definition of the two zones).
const STRESS_ABOVE_REST_BPM: u32 = 18;
const RECOVERY_ABOVE_REST_BPM: u32 = 12;
const INTERVAL_S: i64 = 900;

/// `PublicSleepContributors`: four from the night; restfulness and timing are `null`
/// (the person has no model for movement or chronotype).
#[derive(Serialize)]
pub(in crate::providers::oura) struct SleepContributors {
    deep_sleep: i64,
    efficiency: i64,
    latency: Option<i64>,
    rem_sleep: i64,
    restfulness: Option<i64>,
    timing: Option<i64>,
    total_sleep: i64,
}

/// `PublicDailySleep`.
#[derive(Serialize)]
pub(in crate::providers::oura) struct DailySleepDoc {
    id: String,
    meta: Meta,
    contributors: SleepContributors,
    day: NaiveDate,
    score: i64,
    /// Midnight UTC of `day`, as in Oura's recorded responses.
    timestamp: String,
}

/// `value / target` as a 1–100 contributor.
fn contributor(value: f64, target: f64) -> i64 {
    ((value / target * 100.0).round() as i64).clamp(1, 100)
}

/// The night that ended on `day`: each contributor is the share of its target (capped at
/// 100), efficiency is the night's efficiency, and the score is their rounded mean.
pub(in crate::providers::oura) fn daily_sleep(
    id: String,
    day: NaiveDate,
    night: &Sleep,
) -> DailySleepDoc {
    let contributors = SleepContributors {
        deep_sleep: contributor(night.deep_s as f64, TARGET_DEEP_S),
        efficiency: (night.efficiency_percent.round() as i64).clamp(1, 100),
        latency: None,
        rem_sleep: contributor(night.rem_s as f64, TARGET_REM_S),
        restfulness: None,
        timing: None,
        total_sleep: contributor(night.asleep_s as f64, TARGET_ASLEEP_S),
    };
    let parts = [
        contributors.deep_sleep,
        contributors.efficiency,
        contributors.rem_sleep,
        contributors.total_sleep,
    ];
    let score = (parts.iter().sum::<i64>() as f64 / parts.len() as f64).round() as i64;
    DailySleepDoc {
        id,
        meta: meta(night.end),
        contributors,
        day,
        score,
        timestamp: utc_midnight(day),
    }
}

fn utc_midnight(day: NaiveDate) -> String {
    utc(day.and_time(NaiveTime::MIN).and_utc().fixed_offset())
}

/// `PublicDailyStress` (no timestamp: Oura sends only the day).
#[derive(Serialize)]
pub(in crate::providers::oura) struct DailyStressDoc {
    id: String,
    meta: Meta,
    day: NaiveDate,
    day_summary: &'static str,
    /// Seconds.
    recovery_high: i64,
    /// Seconds.
    stress_high: i64,
}

/// Daytime stress of `today`: the 15-minute intervals from the end of the night to 22:00
/// outside workouts, high stress when their heart rate is at least resting + 18 bpm, high
/// recovery when at most resting + 12 bpm (resting: the night's). "restored" when recovery
/// is at least twice the stress, "stressful" when stress is at least twice the recovery
/// (and not zero), else "normal".
pub(in crate::providers::oura) fn daily_stress(
    person: &Person,
    id: String,
    today: &Day,
) -> DailyStressDoc {
    let resting = today.sleep.resting_hr_bpm;
    let evening = local_at(person, today.date, DAYTIME_END_S);
    let daytime = today.intervals.iter().filter(|interval| {
        interval.start >= today.sleep.end
            && interval.end <= evening
            && !today
                .workouts
                .iter()
                .any(|w| w.start < interval.end && interval.start < w.end)
    });
    let (mut stress, mut recovery) = (0_i64, 0_i64);
    for interval in daytime {
        if interval.avg_hr_bpm >= resting + STRESS_ABOVE_REST_BPM {
            stress += INTERVAL_S;
        } else if interval.avg_hr_bpm <= resting + RECOVERY_ABOVE_REST_BPM {
            recovery += INTERVAL_S;
        }
    }
    let day_summary = if recovery >= 2 * stress {
        "restored"
    } else if stress >= 2 * recovery {
        "stressful"
    } else {
        "normal"
    };
    DailyStressDoc {
        id,
        meta: meta(evening),
        day: today.date,
        day_summary,
        recovery_high: recovery,
        stress_high: stress,
    }
}

/// `PublicVO2Max`.
#[derive(Serialize)]
pub(in crate::providers::oura) struct Vo2MaxDoc {
    id: String,
    meta: Meta,
    day: NaiveDate,
    /// When the estimate was made: the end of the night that gave the resting heart rate.
    timestamp: String,
    /// mL/min/kg, an integer as in the spec.
    vo2_max: i64,
}

/// The Uth–Sørensen estimate from the person's maximum heart rate and the resting heart
/// rate of the night that ended on `day`, one a day.
pub(in crate::providers::oura) fn vo2_max(
    person: &Person,
    id: String,
    day: NaiveDate,
    night: &Sleep,
) -> Vo2MaxDoc {
    Vo2MaxDoc {
        id,
        meta: meta(night.end),
        day,
        timestamp: localized(night.end),
        vo2_max: night.vo2_max_estimate(person.profile().max_hr_bpm).round() as i64,
    }
}

/// `PublicRingConfiguration`: the person wears one ring.
#[derive(Serialize)]
pub(in crate::providers::oura) struct RingConfigurationDoc {
    id: String,
    meta: Meta,
    color: &'static str,
    design: &'static str,
    firmware_version: &'static str,
    hardware_type: &'static str,
    /// UTC.
    set_up_at: String,
    /// US ring size.
    size: i64,
}

/// When the person's ring was set up: 2024-01-15 10:00 local, before any day a test reads.
pub(in crate::providers::oura) const RING_SETUP_DAY: (i32, u32, u32) = (2024, 1, 15);

/// The person's one ring: a Gen3 Heritage in stealth black, US size 9, firmware 3.0.3
/// (the values of Oura's recorded responses).
pub(in crate::providers::oura) fn ring_configuration(
    person: &Person,
    id: String,
) -> RingConfigurationDoc {
    let (year, month, day) = RING_SETUP_DAY;
    let setup_day = NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default();
    let set_up_at = local_at(person, setup_day, 10 * 3_600);
    RingConfigurationDoc {
        id,
        meta: meta(set_up_at),
        color: "stealth_black",
        design: "heritage",
        firmware_version: "3.0.3",
        hardware_type: "gen3",
        set_up_at: utc(set_up_at),
        size: 9,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(person: &Person) -> impl Iterator<Item = Day> + '_ {
        let first = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default();
        first.iter_days().take(28).map(|date| person.day(date))
    }

    #[test]
    fn stress_is_whole_intervals_of_daytime_and_varies() {
        for seed in ["fixture-1", "fixture-2", "fixture-3"] {
            let person = Person::new(seed);
            let mut summaries = Vec::new();
            for today in days(&person) {
                let doc = daily_stress(&person, "id".to_owned(), &today);
                assert_eq!(doc.stress_high % INTERVAL_S, 0);
                assert_eq!(doc.recovery_high % INTERVAL_S, 0);
                assert!(doc.stress_high + doc.recovery_high <= 18 * 3_600);
                summaries.push(doc.day_summary);
            }
            assert!(
                summaries.iter().any(|s| *s != summaries[0]),
                "{seed}: {summaries:?}"
            );
        }
    }

    #[test]
    fn sleep_score_and_vo2_max_follow_the_night() {
        let person = Person::new("fixture-44");
        for today in days(&person) {
            let doc = daily_sleep("id".to_owned(), today.date, &today.sleep);
            assert!((1..=100).contains(&doc.score));
            let vo2 = vo2_max(&person, "id".to_owned(), today.date, &today.sleep);
            let expected =
                15.3 * person.profile().max_hr_bpm / f64::from(today.sleep.resting_hr_bpm);
            assert_eq!(vo2.vo2_max, expected.round() as i64);
            assert!((20..=90).contains(&vo2.vo2_max), "{}", vo2.vo2_max);
        }
    }
}
