//! How long the synthetic person takes to generate, so a long backfill of many users is not
//! dominated by the simulator. Run: `cargo bench -p wearbridge-sim`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use wearbridge_sim::person::Person;

fn generation(c: &mut Criterion) {
    let date = NaiveDate::from_ymd_opt(2026, 5, 17).unwrap_or(NaiveDate::MIN);
    let person = Person::new("bench-user");
    let day = person.day(date);
    let workout_seconds: i64 = day.workouts.iter().map(|w| w.duration_s).sum();
    println!(
        "bench day: {} workout(s), {workout_seconds} s of samples",
        day.workouts.len()
    );
    c.bench_function("person_new", |b| {
        b.iter(|| Person::new(black_box("bench-user")))
    });
    c.bench_function("person_day", |b| b.iter(|| person.day(black_box(date))));
    c.bench_function("person_sleep_ending_on", |b| {
        b.iter(|| person.sleep_ending_on(black_box(date)))
    });
    c.bench_function("workout_samples_of_the_day", |b| {
        b.iter(|| {
            day.workouts
                .iter()
                .map(|w| w.samples().len())
                .sum::<usize>()
        })
    });
    c.bench_function("person_year_of_days", |b| {
        b.iter(|| {
            let first = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MIN);
            first
                .iter_days()
                .take(365)
                .map(|d| person.day(d).total_steps())
                .sum::<u32>()
        })
    });
}

criterion_group!(benches, generation);
criterion_main!(benches);
