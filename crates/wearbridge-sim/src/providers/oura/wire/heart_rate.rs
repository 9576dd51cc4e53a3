//! `heartrate` rows: one every 5 minutes of a local day, taken from the night, a workout or
//! the 15-minute interval, whichever covers the instant. Separate because it is a series,
//! not a document, and draws on sleep, workouts and intervals at once.

use chrono::{DateTime, FixedOffset, TimeDelta};
use serde::Serialize;

use super::{FIVE_MINUTES_S, INTERVAL_S, local_at, next_day, utc};
use crate::person::{Day, Person, Sleep, Workout};

/// `PublicHeartRateRow`.
#[derive(Serialize)]
pub(in crate::providers::oura) struct HeartRateRow {
    timestamp: String,
    /// Milliseconds since the Unix epoch.
    timestamp_unix: i64,
    bpm: i64,
    source: &'static str,
}

impl HeartRateRow {
    pub(in crate::providers::oura) fn unix_ms(&self) -> i64 {
        self.timestamp_unix
    }
}

/// Heart-rate rows of local day `today`, one every 5 minutes from local midnight: the
/// night's 5-minute average while asleep (`sleep`), the workout's reading at that second
/// (`workout`), else the 15-minute interval's average (`awake`).
pub(in crate::providers::oura) fn heart_rate_rows(
    person: &Person,
    today: &Day,
) -> Vec<HeartRateRow> {
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
