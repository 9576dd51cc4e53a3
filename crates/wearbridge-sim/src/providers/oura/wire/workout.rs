//! `workout` documents: the person's workouts with Oura's activity names and its three
//! intensities. Separate from the daily documents: one per workout, not per day.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Meta, localized, meta};
use crate::person::{Person, Workout, WorkoutKind, round_to};

/// `PublicWorkout`.
#[derive(Serialize)]
pub(in crate::providers::oura) struct WorkoutDoc {
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

pub(in crate::providers::oura) fn workout(
    person: &Person,
    id: String,
    day: NaiveDate,
    w: &Workout,
) -> WorkoutDoc {
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
