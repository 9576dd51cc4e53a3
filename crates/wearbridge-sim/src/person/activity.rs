//! Daytime activity: 15-minute steps/energy/heart-rate intervals and workouts with 1 Hz
//! heart rate and GPS.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeDelta, Weekday};
use serde::Serialize;

use super::sleep::Sleep;
use super::time::local;
use super::track::{Track, TrackIter};
use super::{GeoPoint, Person, Profile, round_to};
use crate::prng::{SplitMix64, Stream};

const INTERVAL_S: i64 = 900;
const INTERVALS_PER_DAY: i64 = 96;
/// Mean Earth radius (IUGG), metres.
pub(crate) const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Relative likelihood of walking around in each local hour (commute, lunch, errands).
const HOURLY_ACTIVITY: [f64; 24] = [
    0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.4, 0.8, 1.2, 0.7, 0.6, 0.7, 1.3, 0.9, 0.6, 0.6, 0.8, 1.3,
    1.0, 0.8, 0.5, 0.3, 0.2, 0.1,
];

/// A 15-minute slice of the day. `kcal` is basal + active.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Interval {
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub start: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub end: DateTime<FixedOffset>,
    pub steps: u32,
    pub distance_m: f64,
    pub kcal: f64,
    pub active_kcal: f64,
    pub avg_hr_bpm: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkoutKind {
    Running,
    Cycling,
    Walking,
    StrengthTraining,
    Yoga,
}

/// Per-kind constants. METs from the Compendium of Physical Activities (Ainsworth et al.
/// 2011): running ~6 mph 9.8, leisure cycling 7.5, brisk walking 3.5, strength 5.0, yoga 3.0.
struct KindTraits {
    met: f64,
    cadence_spm: f64,
    speed_m_s: f64,
    intensity: (f64, f64),
    minutes: (i64, i64),
}

impl WorkoutKind {
    const ALL: [WorkoutKind; 6] = [
        Self::Running,
        Self::Running,
        Self::Cycling,
        Self::Walking,
        Self::StrengthTraining,
        Self::Yoga,
    ];

    /// Outdoor workouts carry a GPS track and a distance.
    pub fn is_outdoor(self) -> bool {
        matches!(self, Self::Running | Self::Cycling | Self::Walking)
    }

    fn traits(self) -> KindTraits {
        let (met, cadence_spm, speed_m_s, intensity, minutes) = match self {
            Self::Running => (9.8, 165.0, 2.9, (0.72, 0.85), (25, 60)),
            Self::Cycling => (7.5, 0.0, 6.5, (0.62, 0.78), (40, 120)),
            Self::Walking => (3.5, 112.0, 1.45, (0.38, 0.5), (30, 75)),
            Self::StrengthTraining => (5.0, 8.0, 0.0, (0.5, 0.65), (40, 70)),
            Self::Yoga => (3.0, 2.0, 0.0, (0.3, 0.4), (30, 60)),
        };
        KindTraits {
            met,
            cadence_spm,
            speed_m_s,
            intensity,
            minutes,
        }
    }
}

/// A workout summary. Its 1 Hz samples are generated on demand by [`Workout::samples`]; the
/// summary's distance, elevation gain and heart-rate figures are computed from exactly those
/// samples, so they always agree.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Workout {
    pub id: String,
    pub kind: WorkoutKind,
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub start: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub end: DateTime<FixedOffset>,
    pub duration_s: i64,
    /// Cumulative distance at the last sample (0 indoors).
    pub distance_m: f64,
    pub elevation_gain_m: f64,
    pub avg_speed_m_s: f64,
    pub avg_hr_bpm: u32,
    pub max_hr_bpm: u32,
    pub steps: u32,
    /// Energy above basal metabolism.
    pub active_kcal: f64,
    /// Active + basal for the workout's duration.
    pub total_kcal: f64,
    pub has_gps: bool,
    #[serde(skip)]
    track: Track,
}

/// One second of a workout. `position` and `elevation_m` are absent indoors.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkoutSample {
    /// Seconds since the workout's start.
    pub offset_s: i64,
    pub hr_bpm: u32,
    pub position: Option<GeoPoint>,
    pub elevation_m: Option<f64>,
    /// Cumulative distance since the start.
    pub distance_m: f64,
    pub speed_m_s: f64,
}

impl Workout {
    /// The 1 Hz samples, one per second from 0 to `duration_s - 1`.
    pub fn samples(&self) -> Vec<WorkoutSample> {
        TrackIter::new(&self.track).collect()
    }
}

/// The day's waking window and planned workouts.
pub(super) struct DayPlan {
    pub(super) workouts: Vec<Workout>,
    pub(super) wake: DateTime<FixedOffset>,
}

pub(super) fn plan_day(
    person: &Person,
    date: NaiveDate,
    night: &Sleep,
    next_night: &Sleep,
    weight_kg: f64,
) -> DayPlan {
    let mut rng = person.rng(Stream::Workout, date);
    let profile = person.profile();
    let fitness = fitness(profile);
    let roll = rng.unit();
    let count = if roll < 0.6 - 0.3 * fitness {
        0
    } else if roll < 0.95 - 0.15 * fitness {
        1
    } else {
        2
    };
    let morning = night.end + TimeDelta::minutes(rng.int(15, 45));
    let morning_latest = local(date, 11 * 3_600 + 45 * 60, person.offset());
    let evening = local(date, 17 * 3_600 + rng.int(0, 90) * 60, person.offset());
    let slots: Vec<(DateTime<FixedOffset>, Option<DateTime<FixedOffset>>)> = match count {
        0 => vec![],
        1 if rng.chance(0.35) => vec![(morning, Some(morning_latest))],
        1 => vec![(evening, None)],
        _ => vec![(morning, Some(morning_latest)), (evening, None)],
    };
    let workouts = slots
        .into_iter()
        .filter_map(|(start, latest)| {
            let kind = rng.pick(&WorkoutKind::ALL).copied()?;
            let workout = build_workout(person, kind, start, latest, weight_kg, &mut rng)?;
            (workout.end <= next_night.start).then_some(workout)
        })
        .collect();
    DayPlan {
        workouts,
        wake: night.end,
    }
}

/// 0 (sedentary) to 1 (very active), from the person's step baseline.
fn fitness(profile: &Profile) -> f64 {
    ((profile.base_daily_steps - 3_500.0) / 7_500.0).clamp(0.0, 1.0)
}

fn build_workout(
    person: &Person,
    kind: WorkoutKind,
    start: DateTime<FixedOffset>,
    latest_end: Option<DateTime<FixedOffset>>,
    weight_kg: f64,
    rng: &mut SplitMix64,
) -> Option<Workout> {
    let profile = person.profile();
    let traits = kind.traits();
    let mut duration_s = rng.int(traits.minutes.0, traits.minutes.1) * 60;
    if let Some(latest) = latest_end {
        duration_s = duration_s.min((latest - start).num_seconds());
    }
    if duration_s < 20 * 60 {
        return None;
    }
    let awake_hr = profile.base_resting_hr_bpm + 10.0;
    let intensity = rng.range(traits.intensity.0, traits.intensity.1);
    let bearing = rng.range(0.0, std::f64::consts::TAU);
    let track = Track {
        seed: rng.next_u64(),
        duration_s,
        outdoor: kind.is_outdoor(),
        speed_m_s: traits.speed_m_s * rng.range(0.85, 1.15),
        awake_hr_bpm: awake_hr,
        target_hr_bpm: awake_hr + intensity * (profile.max_hr_bpm - awake_hr),
        max_hr_bpm: profile.max_hr_bpm,
        // Start a few hundred metres from home so tracks of different days differ.
        start: offset_point(profile.home, bearing, rng.range(50.0, 800.0)),
        start_elevation_m: profile.home_elevation_m,
    };
    let hours = duration_s as f64 / 3_600.0;
    let minutes = duration_s as f64 / 60.0;
    let summary = summarize(&track);
    Some(Workout {
        id: format!("{:016x}", rng.next_u64()),
        kind,
        start,
        end: start + TimeDelta::seconds(duration_s),
        duration_s,
        distance_m: round_to(summary.distance_m, 0.1),
        elevation_gain_m: round_to(summary.elevation_gain_m, 0.1),
        avg_speed_m_s: round_to(summary.distance_m / duration_s as f64, 0.01),
        avg_hr_bpm: summary.avg_hr_bpm,
        max_hr_bpm: summary.max_hr_bpm,
        steps: (traits.cadence_spm * minutes * rng.range(0.95, 1.05)).round() as u32,
        active_kcal: round_to((traits.met - 1.0) * weight_kg * hours, 0.1),
        total_kcal: round_to(traits.met * weight_kg * hours, 0.1),
        has_gps: track.outdoor,
        track,
    })
}

struct TrackSummary {
    distance_m: f64,
    elevation_gain_m: f64,
    avg_hr_bpm: u32,
    max_hr_bpm: u32,
}

fn summarize(track: &Track) -> TrackSummary {
    let mut summary = TrackSummary {
        distance_m: 0.0,
        elevation_gain_m: 0.0,
        avg_hr_bpm: 0,
        max_hr_bpm: 0,
    };
    let (mut hr_sum, mut count, mut last_elevation) = (0u64, 0u64, None::<f64>);
    for sample in TrackIter::new(track) {
        hr_sum += u64::from(sample.hr_bpm);
        count += 1;
        summary.max_hr_bpm = summary.max_hr_bpm.max(sample.hr_bpm);
        summary.distance_m = sample.distance_m;
        if let (Some(previous), Some(current)) = (last_elevation, sample.elevation_m) {
            summary.elevation_gain_m += (current - previous).max(0.0);
        }
        last_elevation = sample.elevation_m;
    }
    summary.avg_hr_bpm = u32::try_from(hr_sum / count.max(1)).unwrap_or(u32::MAX);
    summary
}

/// Moves `from` by `distance_m` along `bearing` (radians from north), using the local flat-
/// Earth approximation (error far below GPS noise for steps of a few metres).
fn offset_point(from: GeoPoint, bearing: f64, distance_m: f64) -> GeoPoint {
    let lat_rad = from.latitude.to_radians();
    let d_lat = distance_m * bearing.cos() / EARTH_RADIUS_M;
    let d_lon = distance_m * bearing.sin() / (EARTH_RADIUS_M * lat_rad.cos().max(1e-6));
    GeoPoint {
        latitude: from.latitude + d_lat.to_degrees(),
        longitude: from.longitude + d_lon.to_degrees(),
    }
}

/// Builds the 96 intervals of the day: non-workout steps spread over waking time by the hourly
/// profile, workout steps/distance/energy spread over the intervals they overlap.
pub(super) fn intervals(
    person: &Person,
    date: NaiveDate,
    plan: &DayPlan,
    nights: [&Sleep; 2],
    bmr_kcal: f64,
    weight_kg: f64,
) -> Vec<Interval> {
    let mut rng = person.rng(Stream::Activity, date);
    let profile = person.profile();
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    let day_factor = rng.range(0.65, 1.35) * if weekend { rng.range(0.7, 1.2) } else { 1.0 };
    let target_steps = profile.base_daily_steps * day_factor;
    let slices: Vec<Slice> = (0..INTERVALS_PER_DAY)
        .map(|index| Slice::new(person, date, index, plan, nights, &mut rng))
        .collect();
    let total_weight: f64 = slices.iter().map(|s| s.walk_weight).sum();
    let stride_m = 0.414 * profile.height_m;
    let kcal_per_step = 0.04 * weight_kg / 70.0;
    slices
        .into_iter()
        .map(|slice| {
            let free_steps = if total_weight > 0.0 {
                (target_steps * slice.walk_weight / total_weight).round()
            } else {
                0.0
            };
            let awake_extra = slice.awake_free_fraction * 15.0 * 0.25;
            let active = free_steps * kcal_per_step + awake_extra + slice.workout_kcal;
            let steps_per_min = (free_steps + slice.workout_steps) / 15.0;
            let hr = slice.heart_rate(profile, steps_per_min, &mut rng);
            Interval {
                start: slice.start,
                end: slice.start + TimeDelta::seconds(INTERVAL_S),
                steps: (free_steps + slice.workout_steps).round() as u32,
                distance_m: round_to(free_steps * stride_m + slice.workout_distance_m, 0.1),
                kcal: round_to(bmr_kcal / INTERVALS_PER_DAY as f64 + active, 0.01),
                active_kcal: round_to(active, 0.01),
                avg_hr_bpm: hr,
            }
        })
        .collect()
}

/// Intermediate per-interval facts before steps are distributed.
struct Slice {
    start: DateTime<FixedOffset>,
    asleep_hr: Option<f64>,
    awake_free_fraction: f64,
    walk_weight: f64,
    workout_fraction: f64,
    workout_hr: f64,
    workout_steps: f64,
    workout_distance_m: f64,
    workout_kcal: f64,
}

impl Slice {
    fn new(
        person: &Person,
        date: NaiveDate,
        index: i64,
        plan: &DayPlan,
        nights: [&Sleep; 2],
        rng: &mut SplitMix64,
    ) -> Self {
        let start = local(date, index * INTERVAL_S, person.offset());
        let end = start + TimeDelta::seconds(INTERVAL_S);
        let asleep_s: i64 = nights
            .iter()
            .map(|n| overlap(start, end, n.start, n.end))
            .sum();
        let mut slice = Self {
            start,
            asleep_hr: nights
                .iter()
                .find_map(|n| n.hr_at(start + TimeDelta::seconds(INTERVAL_S / 2))),
            awake_free_fraction: 0.0,
            walk_weight: 0.0,
            workout_fraction: 0.0,
            workout_hr: 0.0,
            workout_steps: 0.0,
            workout_distance_m: 0.0,
            workout_kcal: 0.0,
        };
        for workout in &plan.workouts {
            let share = overlap(start, end, workout.start, workout.end) as f64
                / workout.duration_s.max(1) as f64;
            let seconds = overlap(start, end, workout.start, workout.end) as f64;
            slice.workout_fraction += seconds / INTERVAL_S as f64;
            slice.workout_hr += f64::from(workout.avg_hr_bpm) * seconds / INTERVAL_S as f64;
            slice.workout_steps += f64::from(workout.steps) * share;
            slice.workout_distance_m += workout.distance_m * share;
            slice.workout_kcal += workout.active_kcal * share;
        }
        let asleep_fraction = asleep_s as f64 / INTERVAL_S as f64;
        slice.awake_free_fraction = (1.0 - asleep_fraction - slice.workout_fraction).max(0.0);
        let before_wake = end <= plan.wake && asleep_s == 0;
        let hour = usize::try_from(index / 4).unwrap_or(0);
        let hourly = HOURLY_ACTIVITY.get(hour).copied().unwrap_or(0.1);
        let damp = if before_wake { 0.2 } else { 1.0 };
        slice.walk_weight = hourly * slice.awake_free_fraction * damp * rng.range(0.2, 1.8);
        slice
    }

    /// Mostly-asleep slices take the night's heart rate; awake ones rise with walking cadence
    /// (~12 bpm per 100 steps/min); workout seconds take the workout's average.
    fn heart_rate(&self, profile: &Profile, steps_per_min: f64, rng: &mut SplitMix64) -> u32 {
        let awake =
            profile.base_resting_hr_bpm + 12.0 + steps_per_min * 0.12 + rng.range(-3.0, 3.0);
        let base = match self.asleep_hr {
            Some(hr) if self.awake_free_fraction < 0.5 && self.workout_fraction == 0.0 => hr,
            _ => awake,
        };
        let blended = base * (1.0 - self.workout_fraction.min(1.0)) + self.workout_hr;
        blended.clamp(30.0, profile.max_hr_bpm).round() as u32
    }
}

/// Seconds of overlap between two half-open ranges.
fn overlap(
    a_start: DateTime<FixedOffset>,
    a_end: DateTime<FixedOffset>,
    b_start: DateTime<FixedOffset>,
    b_end: DateTime<FixedOffset>,
) -> i64 {
    let start = a_start.max(b_start);
    let end = a_end.min(b_end);
    (end - start).num_seconds().max(0)
}

/// Great-circle distance (haversine), metres. Used by tests and by provider modules that
/// must report distances between GPS points.
pub fn haversine_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let (lat1, lat2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let d_lat = lat2 - lat1;
    let d_lon = (b.longitude - a.longitude).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}
