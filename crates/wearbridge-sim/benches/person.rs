//! How long the synthetic person takes to generate, so a long backfill of many users is not
//! dominated by the simulator. Run: `cargo bench -p wearbridge-sim`.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use wearbridge_sim::person::Person;

fn generation(c: &mut Criterion) {
    let date = NaiveDate::from_ymd_opt(2026, 5, 17).unwrap_or(NaiveDate::MIN);
    let person = Person::new("bench-user");
    c.bench_function("person_new", |b| {
        b.iter(|| Person::new(black_box("bench-user")))
    });
    c.bench_function("person_day", |b| b.iter(|| person.day(black_box(date))));
    c.bench_function("person_day_with_workout_samples", |b| {
        b.iter(|| {
            let day = person.day(black_box(date));
            day.workouts
                .iter()
                .map(|w| w.samples().len())
                .sum::<usize>()
        })
    });
}

criterion_group!(benches, generation);
criterion_main!(benches);
