//! The importer against the simulator's person: what the export says must come back as
//! the person's own numbers.

use chrono::NaiveDate;
use wearbridge_sim::Person;
use wearbridge_sim::apple_health::{ExportOptions, write_export};

use super::*;
use crate::TerraRecordData;

const SEED: &str = "apple-import";

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 2, 1).unwrap_or(NaiveDate::MIN)
}

fn export(days: u32) -> Vec<u8> {
    let options = ExportOptions {
        seed: SEED.to_owned(),
        start: start(),
        days,
    };
    let mut bytes = Vec::new();
    write_export(&options, &mut bytes)
        .map(|_| bytes)
        .unwrap_or_default()
}

fn mapped(bytes: &[u8]) -> Vec<TerraRecordData> {
    let collected = collect(bytes, |_| {}).unwrap_or_else(|error| panic!("{error}"));
    records(&collected, &NoRoutes).collect()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

#[test]
fn daily_totals_are_the_persons_counted_once_across_watch_and_iphone() {
    let records = mapped(&export(3));
    let person = Person::new(SEED);
    let dailies: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            TerraRecordData::Daily(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(dailies.len(), 3);
    for daily in dailies {
        let date = daily.metadata.start_time.local_date();
        let day = person.day(date);
        let distance = daily.distance_data.clone().unwrap_or_default();
        assert_eq!(distance.steps, Some(i64::from(day.total_steps())), "{date}");
        let metres = distance.distance_meters.unwrap_or_default();
        assert!(
            close(metres, day.distance_m(), 0.5),
            "{date}: {metres} vs {}",
            day.distance_m()
        );
        let calories = daily.calories_data.clone().unwrap_or_default();
        let active = calories.net_activity_calories.unwrap_or_default();
        assert!(close(active, day.active_kcal(), 0.05), "{date}: {active}");
        let total = calories.total_burned_calories.unwrap_or_default();
        assert!(close(total, day.total_kcal(), 0.05), "{date}: {total}");
        let summary = daily
            .heart_rate_data
            .clone()
            .and_then(|h| h.summary)
            .unwrap_or_default();
        assert_eq!(
            summary.resting_hr_bpm,
            Some(f64::from(day.resting_hr_bpm()))
        );
    }
}

#[test]
fn nights_have_the_persons_stages_and_workouts_its_workouts() {
    let records = mapped(&export(3));
    let person = Person::new(SEED);
    let mut nights = 0;
    let mut activities = 0;
    for record in &records {
        match record {
            TerraRecordData::Sleep(sleep) => {
                let date = sleep.metadata.end_time.local_date();
                let night = person.sleep_ending_on(date);
                let durations = sleep.sleep_durations_data.clone().unwrap_or_default();
                let asleep = durations.asleep.unwrap_or_default();
                assert_eq!(
                    asleep.duration_deep_sleep_state_seconds,
                    Some(night.deep_s as f64)
                );
                assert_eq!(
                    asleep.duration_rem_sleep_state_seconds,
                    Some(night.rem_s as f64)
                );
                assert_eq!(
                    asleep.duration_light_sleep_state_seconds,
                    Some(night.light_s as f64)
                );
                let in_bed = durations.other.and_then(|o| o.duration_in_bed_seconds);
                assert_eq!(in_bed, Some(night.in_bed_s as f64));
                nights += 1;
            }
            TerraRecordData::Activity(activity) => {
                let date = activity.metadata.start_time.local_date();
                let day = person.day(date);
                let start = activity.metadata.start_time.to_datetime();
                let workout = day.workouts.iter().find(|w| Some(w.start) == start);
                let Some(workout) = workout else {
                    panic!("no workout of the person starts at {start:?}");
                };
                let summary = activity.distance_data.clone().and_then(|d| d.summary);
                let metres = summary.and_then(|s| s.distance_meters).unwrap_or_default();
                assert!(close(
                    metres,
                    if workout.kind.is_outdoor() {
                        workout.distance_m
                    } else {
                        0.0
                    },
                    0.01
                ));
                let hr = activity.heart_rate_data.clone().and_then(|h| h.summary);
                assert_eq!(
                    hr.and_then(|h| h.max_hr_bpm),
                    Some(f64::from(workout.max_hr_bpm))
                );
                activities += 1;
            }
            _ => {}
        }
    }
    assert_eq!(nights, 3);
    let expected: usize = (0..3)
        .filter_map(|i| start().checked_add_days(chrono::Days::new(i)))
        .map(|date| person.day(date).workouts.len())
        .sum();
    assert_eq!(activities, expected);
}

#[test]
fn the_same_export_maps_to_the_same_records() {
    let bytes = export(2);
    assert_eq!(mapped(&bytes), mapped(&bytes));
}

#[test]
fn a_truncated_export_names_its_last_line() {
    let bytes = export(1);
    let cut = bytes.get(..bytes.len() / 2).unwrap_or_default();
    let lines = cut.iter().filter(|b| **b == b'\n').count() as u64;
    let error = collect(cut, |_| {}).err();
    let line = error.as_ref().and_then(ExportError::line);
    assert!(
        matches!(line, Some(l) if l + 1 >= lines && l <= lines + 1),
        "{error:?} vs {lines}"
    );
}

#[test]
fn a_bad_date_names_its_line() {
    let text = String::from_utf8(export(1)).unwrap_or_default();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let target = lines
        .iter()
        .position(|l| l.contains("<Record type=\"HKQuantityTypeIdentifierStepCount\""))
        .unwrap_or(0);
    if let Some(line) = lines.get_mut(target) {
        *line = line.replacen("startDate=\"2026", "startDate=\"yesterday 2026", 1);
    }
    let broken = lines.join("\n");
    let error = collect(broken.as_bytes(), |_| {}).err();
    assert_eq!(
        error.as_ref().and_then(ExportError::line),
        Some(target as u64 + 1),
        "{error:?}"
    );
}

#[test]
fn malformed_xml_names_its_line() {
    let text = "<?xml version=\"1.0\"?>\n<HealthData locale=\"en_US\">\n <ExportDate value=\"2026-01-01 00:00:00 +0000\"/>\n <Record type=\"x\" <oops/>\n</HealthData>\n";
    let error = collect(text.as_bytes(), |_| {}).err();
    assert_eq!(
        error.as_ref().and_then(ExportError::line),
        Some(4),
        "{error:?}"
    );
}
