//! Determinism and realism invariants of the synthetic person.

use chrono::{Days, NaiveDate};

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// A spread of people and dates, so invariants are checked on many generated days.
fn sample_days() -> Vec<(Person, Day)> {
    let mut out = Vec::new();
    for user in [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
    ] {
        let person = Person::new(user);
        for offset in (0..60).step_by(3) {
            let day = date(2026, 1, 1)
                .checked_add_days(Days::new(offset))
                .unwrap_or(NaiveDate::MIN);
            out.push((person.clone(), person.day(day)));
        }
    }
    out
}

#[test]
fn same_seed_gives_identical_day_json_and_different_seeds_differ() {
    let day = date(2026, 5, 17);
    let first = serde_json::to_string(&Person::new("user-1").day(day)).unwrap_or_default();
    let second = serde_json::to_string(&Person::new("user-1").day(day)).unwrap_or_default();
    let other = serde_json::to_string(&Person::new("user-2").day(day)).unwrap_or_default();
    assert!(first.len() > 1_000, "day JSON unexpectedly small");
    assert_eq!(first, second);
    assert_ne!(first, other);
}

#[test]
fn consecutive_days_differ() {
    let person = Person::new("user-1");
    assert_ne!(person.day(date(2026, 5, 17)), person.day(date(2026, 5, 18)));
}

#[test]
fn sleep_stages_are_contiguous_and_sum_to_time_in_bed() {
    for (_, day) in sample_days() {
        let sleep = &day.sleep;
        let mut cursor = sleep.start;
        for span in &sleep.stages {
            assert_eq!(span.start, cursor, "gap or overlap in hypnogram");
            assert!(span.end > span.start);
            cursor = span.end;
        }
        assert_eq!(cursor, sleep.end);
        let stage_sum = sleep.awake_s + sleep.light_s + sleep.deep_s + sleep.rem_s;
        assert_eq!(stage_sum, sleep.in_bed_s);
        assert_eq!(sleep.asleep_s, sleep.light_s + sleep.deep_s + sleep.rem_s);
        assert!((5 * 3_600..=10 * 3_600).contains(&sleep.in_bed_s));
        assert!(sleep.deep_s > 0 && sleep.rem_s > 0 && sleep.light_s > sleep.deep_s);
        assert_eq!(
            sleep.end.date_naive(),
            day.date,
            "night must end on its day"
        );
    }
}

#[test]
fn overnight_physiology_is_in_adult_ranges() {
    for (_, day) in sample_days() {
        let sleep = &day.sleep;
        assert!(
            (38..=85).contains(&sleep.resting_hr_bpm),
            "resting {}",
            sleep.resting_hr_bpm
        );
        assert!(sleep.avg_hr_bpm >= sleep.resting_hr_bpm);
        assert!(
            (10.0..=150.0).contains(&sleep.hrv_rmssd_ms),
            "rmssd {}",
            sleep.hrv_rmssd_ms
        );
        assert!((90.0..=100.0).contains(&sleep.spo2_avg_percent));
        assert!(sleep.spo2_min_percent < sleep.spo2_avg_percent);
        assert!((10.0..=20.0).contains(&sleep.respiration_rate_brpm));
        assert_eq!(day.resting_hr_bpm(), sleep.resting_hr_bpm);
    }
}

#[test]
fn heart_rate_is_physiological_everywhere() {
    for (person, day) in sample_days() {
        let max = person.profile().max_hr_bpm as u32;
        for interval in &day.intervals {
            assert!(
                (30..=max).contains(&interval.avg_hr_bpm),
                "{}",
                interval.avg_hr_bpm
            );
        }
        for workout in &day.workouts {
            assert!(workout.max_hr_bpm <= max && workout.avg_hr_bpm > day.resting_hr_bpm());
            assert!(
                workout
                    .samples()
                    .iter()
                    .all(|s| (30..=max).contains(&s.hr_bpm))
            );
        }
    }
}

#[test]
fn intervals_cover_the_local_day_and_totals_are_plausible() {
    for (person, day) in sample_days() {
        assert_eq!(day.intervals.len(), 96);
        let first = day.intervals.first().map(|i| i.start.to_rfc3339());
        let expected = format!("{}T00:00:00{}", day.date, person.offset());
        assert_eq!(first.as_deref(), Some(expected.as_str()));
        assert!(
            (500..=45_000).contains(&day.total_steps()),
            "steps {}",
            day.total_steps()
        );
        assert!(day.total_kcal() > day.bmr_kcal && day.total_kcal() < 6_000.0);
        let sleeping: u32 = day.intervals.iter().take(8).map(|i| i.steps).sum();
        assert!(
            sleeping < 400,
            "too many steps around 00:00-02:00: {sleeping}"
        );
    }
}

#[test]
fn meal_energy_matches_macros() {
    for (_, day) in sample_days() {
        assert!((3..=4).contains(&day.meals.len()));
        for meal in &day.meals {
            let atwater = 4.0 * meal.carbohydrates_g + 4.0 * meal.protein_g + 9.0 * meal.fat_g;
            assert!(
                (meal.kcal - atwater).abs() < 0.11,
                "{} vs {atwater}",
                meal.kcal
            );
            assert_eq!(meal.eaten_at.date_naive(), day.date);
        }
        assert!((1_000.0..=4_500.0).contains(&day.eaten_kcal()));
    }
}

#[test]
fn workouts_avoid_sleep_and_gps_distance_matches_reported_distance() {
    let mut outdoor_seen = 0;
    for (person, day) in sample_days() {
        let next_night =
            person.sleep_ending_on(day.date.checked_add_days(Days::new(1)).unwrap_or(day.date));
        for workout in &day.workouts {
            assert!(workout.start >= day.sleep.end && workout.end <= next_night.start);
            let samples = workout.samples();
            assert_eq!(samples.len() as i64, workout.duration_s);
            if !workout.has_gps {
                assert!(samples.iter().all(|s| s.position.is_none()) && workout.distance_m == 0.0);
                continue;
            }
            outdoor_seen += 1;
            let points: Vec<GeoPoint> = samples.iter().filter_map(|s| s.position).collect();
            let gps_m: f64 = points.windows(2).map(|w| haversine_m(w[0], w[1])).sum();
            let relative = (gps_m - workout.distance_m).abs() / workout.distance_m;
            assert!(
                relative < 0.01,
                "gps {gps_m} vs reported {}",
                workout.distance_m
            );
            let speed = workout.distance_m / workout.duration_s as f64;
            assert!(
                (0.8..=9.0).contains(&speed),
                "speed {speed} for {:?}",
                workout.kind
            );
        }
    }
    assert!(outdoor_seen > 5, "sample should include outdoor workouts");
}

#[test]
fn weight_drifts_slowly() {
    let person = Person::new("weight-watcher");
    let weights: Vec<f64> = (0..120)
        .map(|n| person.day(date(2026, 1, 1) + Days::new(n)).weight_kg())
        .collect();
    let base = person.profile().base_weight_kg;
    for pair in weights.windows(2) {
        assert!((pair[1] - pair[0]).abs() < 1.6, "jump {pair:?}");
    }
    assert!(weights.iter().all(|w| (w - base).abs() < 3.5));
}

#[test]
fn menstrual_cycle_repeats_with_flow_on_period_days() {
    let person = (0..200)
        .map(|n| Person::new(&format!("cycle-{n}")))
        .find(|p| p.profile().cycle.is_some());
    let Some(person) = person else {
        panic!("no person with a cycle among 200 seeds");
    };
    let Some(cycle) = person.profile().cycle else {
        return;
    };
    assert!((26..=32).contains(&cycle.length_days));
    let start = date(2026, 2, 1);
    for n in 0..90u64 {
        let today = person.day(start + Days::new(n));
        let later = person.day(start + Days::new(n + u64::from(cycle.length_days)));
        let (Some(a), Some(b)) = (today.menstruation, later.menstruation) else {
            panic!("cycle person without menstruation data");
        };
        assert_eq!(a.cycle_day, b.cycle_day);
        let bleeding = a.flow != FlowLevel::None;
        assert_eq!(bleeding, a.cycle_day <= cycle.period_days);
    }
    let without = (0..200)
        .map(|n| Person::new(&format!("cycle-{n}")))
        .find(|p| p.profile().sex == Sex::Male);
    if let Some(male) = without {
        assert!(male.day(start).menstruation.is_none());
    }
}

#[test]
fn people_live_at_several_offsets() {
    let offsets: std::collections::BTreeSet<i32> = (0..64)
        .map(|n| Person::new(&format!("tz-{n}")).offset().seconds())
        .collect();
    assert!(offsets.len() >= 5, "{offsets:?}");
    assert!(offsets.iter().any(|o| *o < 0) && offsets.iter().any(|o| o % 3_600 != 0));
}

#[test]
#[ignore = "prints one day for eyeballing"]
fn print_a_day() {
    let day = Person::new("alice").day(date(2026, 5, 17));
    println!("{}", serde_json::to_string_pretty(&day).unwrap_or_default());
}

#[test]
fn partial_generators_agree_with_the_whole_day() {
    for (person, day) in sample_days() {
        assert_eq!(person.sleep_ending_on(day.date), day.sleep);
        assert_eq!(person.body_on(day.date), day.body);
        assert_eq!(person.menstruation_on(day.date), day.menstruation);
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Invariants hold for any account id and any date in the served range.
        #[test]
        fn any_person_any_day_is_consistent(seed in "\\PC{0,24}", days in 0i64..(130 * 365)) {
            let date = date(1970, 1, 1) + chrono::TimeDelta::days(days);
            let person = Person::new(&seed);
            let day = person.day(date);
            let sleep = &day.sleep;
            prop_assert_eq!(sleep.awake_s + sleep.light_s + sleep.deep_s + sleep.rem_s, sleep.in_bed_s);
            prop_assert_eq!(day.intervals.len(), 96);
            prop_assert!(day.intervals.iter().all(|i| i.avg_hr_bpm >= 30));
            for meal in &day.meals {
                let atwater = 4.0 * meal.carbohydrates_g + 4.0 * meal.protein_g + 9.0 * meal.fat_g;
                prop_assert!((meal.kcal - atwater).abs() < 0.11);
            }
            prop_assert_eq!(Person::new(&seed).day(date), day);
        }
    }
}
