//! The provider-neutral synthetic person.
//!
//! One person per simulated provider account, derived only from the account id (the seed):
//! no global state, no wall clock. All quantities are SI or the unit named in the field
//! (`_kg`, `_m`, `_s`, `_bpm`, `_kcal`, `_ms`, `_percent`, `_brpm`). Instants are absolute and
//! carry the person's fixed home UTC offset (no daylight saving: the simulator exercises offset
//! handling, not time-zone rules). Each provider module renders these values in its own wire
//! format; it never invents numbers, so the same account id gives the same day everywhere.
//!
//! Day convention: a "day" is the person's local calendar day, 00:00 to 24:00 at the home
//! offset. The night's sleep belongs to the day on which it *ends* (the usual convention of
//! Fitbit, Oura and Garmin).

mod activity;
mod body;
mod glucose;
mod sleep;
mod time;
mod track;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::prng::{SplitMix64, Stream, seed_from_str};

pub use activity::{Interval, Workout, WorkoutKind, WorkoutSample, haversine_m};
pub use body::{BodyMeasurement, CyclePhase, FlowLevel, Meal, MealType, MenstruationDay};
pub use glucose::GlucoseReading;
pub use sleep::{Sleep, SleepStage, SleepStageSpan, TimedValue};
pub(crate) use time::local as local_instant;
pub use time::{UtcOffset, rfc3339};

/// A deterministic synthetic person.
#[derive(Clone, Debug)]
pub struct Person {
    seed: u64,
    profile: Profile,
}

/// Stable characteristics of a person.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Profile {
    pub user_id: String,
    pub first_name: String,
    pub last_name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub height_m: f64,
    pub utc_offset: UtcOffset,
    /// Where outdoor workouts start (WGS 84 degrees).
    pub home: GeoPoint,
    /// Elevation of `home` above sea level.
    pub home_elevation_m: f64,
    /// Centre of the slow weight drift.
    pub base_weight_kg: f64,
    pub base_body_fat_percent: f64,
    /// Typical resting heart rate; each day varies around it.
    pub base_resting_hr_bpm: f64,
    /// 208 − 0.7 × age (Tanaka et al. 2001), fixed at the person's age on 2026-01-01.
    pub max_hr_bpm: f64,
    /// Typical steps outside workouts on a weekday.
    pub base_daily_steps: f64,
    /// Present only for people with a menstrual cycle.
    pub cycle: Option<CycleProfile>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

/// A regular menstrual cycle: the same length every cycle, anchored on a fixed first day.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CycleProfile {
    pub length_days: u32,
    pub period_days: u32,
    /// First day of one period; every other period start is a whole number of cycles away.
    pub anchor: NaiveDate,
}

/// Everything the person did and measured on one local day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Day {
    pub date: NaiveDate,
    pub utc_offset: UtcOffset,
    /// 96 contiguous 15-minute intervals from local midnight.
    pub intervals: Vec<Interval>,
    pub workouts: Vec<Workout>,
    /// The night that ended this morning.
    pub sleep: Sleep,
    /// Morning weigh-in.
    pub body: BodyMeasurement,
    pub menstruation: Option<MenstruationDay>,
    pub meals: Vec<Meal>,
    /// Basal metabolic rate for the day (Mifflin–St Jeor with the morning weight).
    pub bmr_kcal: f64,
}

const FIRST_NAMES_FEMALE: &[&str] = &["Ada", "Mara", "Noor", "Ines", "Yuki", "Lena", "Zoe"];
const FIRST_NAMES_MALE: &[&str] = &["Jonas", "Ravi", "Tomas", "Kofi", "Liam", "Hugo", "Ken"];
const LAST_NAMES: &[&str] = &["Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva", "Novak"];

/// Home offsets in seconds east of UTC, with a matching home location, so each person's
/// timestamps exercise a different offset (including half-hour and negative ones).
const HOMES: &[(i32, f64, f64, f64)] = &[
    (3_600, 52.5200, 13.4050, 34.0),      // +01:00 Berlin
    (-18_000, 40.7128, -74.0060, 10.0),   // -05:00 New York
    (0, 51.5072, -0.1276, 11.0),          // +00:00 London
    (32_400, 35.6762, 139.6503, 40.0),    // +09:00 Tokyo
    (-28_800, 37.7749, -122.4194, 16.0),  // -08:00 San Francisco
    (19_800, 12.9716, 77.5946, 920.0),    // +05:30 Bengaluru
    (36_000, -33.8688, 151.2093, 58.0),   // +10:00 Sydney
    (-10_800, -23.5505, -46.6333, 760.0), // -03:00 São Paulo
];

/// The date at which profile-level quantities (age, max HR) are fixed.
const PROFILE_REFERENCE_YEAR: i32 = 2026;

impl Person {
    /// The person behind provider account `seed` (the provider user id).
    pub fn new(seed: &str) -> Self {
        let seed_value = seed_from_str(seed);
        let mut rng = SplitMix64::for_day(seed_value, Stream::Profile, 0);
        let profile = Profile::generate(seed, &mut rng);
        Self {
            seed: seed_value,
            profile,
        }
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn offset(&self) -> UtcOffset {
        self.profile.utc_offset
    }

    /// Generates one local day. Pure and cheap enough to generate on demand instead of
    /// caching: `benches/person.rs` measured ~0.25 ms for a day with two workouts and ~65 ms
    /// for a year of days (release build, shared 2-core machine).
    pub fn day(&self, date: NaiveDate) -> Day {
        let sleep = self.sleep_ending_on(date);
        let next_night = self.sleep_ending_on(time::next_day(date));
        let body = self.body_after(date, &sleep);
        let bmr_kcal = body::basal_metabolic_rate(&self.profile, date, body.weight_kg);
        let plan = activity::plan_day(self, date, &sleep, &next_night, body.weight_kg);
        let meals = body::meals(self, date, &plan, bmr_kcal);
        let intervals = activity::intervals(
            self,
            date,
            &plan,
            [&sleep, &next_night],
            bmr_kcal,
            body.weight_kg,
        );
        Day {
            date,
            utc_offset: self.offset(),
            intervals,
            workouts: plan.workouts,
            sleep,
            body,
            menstruation: self.menstruation_on(date),
            meals,
            bmr_kcal,
        }
    }

    /// The night that ends on the morning of `date` (the same as `day(date).sleep`, without
    /// generating the rest of the day).
    pub fn sleep_ending_on(&self, date: NaiveDate) -> Sleep {
        sleep::night(self, date)
    }

    /// The morning weigh-in of `date` (the same as `day(date).body`).
    pub fn body_on(&self, date: NaiveDate) -> BodyMeasurement {
        self.body_after(date, &self.sleep_ending_on(date))
    }

    fn body_after(&self, date: NaiveDate, night: &Sleep) -> BodyMeasurement {
        body::measure(self, date, night.end)
    }

    /// Where `date` falls in the person's menstrual cycle (the same as `day(date).menstruation`).
    pub fn menstruation_on(&self, date: NaiveDate) -> Option<MenstruationDay> {
        body::menstruation(&self.profile, date)
    }

    pub(crate) fn rng(&self, stream: Stream, date: NaiveDate) -> SplitMix64 {
        SplitMix64::for_day(self.seed, stream, i64::from(date.num_days_from_ce()))
    }

    /// Age in whole years on `date`.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        self.profile.age_on(date)
    }
}

impl Profile {
    fn generate(user_id: &str, rng: &mut SplitMix64) -> Self {
        let sex = if rng.chance(0.5) {
            Sex::Female
        } else {
            Sex::Male
        };
        let first_names = match sex {
            Sex::Female => FIRST_NAMES_FEMALE,
            Sex::Male => FIRST_NAMES_MALE,
        };
        let first_name = rng.pick(first_names).copied().unwrap_or("Sam").to_owned();
        let last_name = rng.pick(LAST_NAMES).copied().unwrap_or("Doe").to_owned();
        let age_years = rng.int(19, 68) as i32;
        let birth_date = NaiveDate::from_ymd_opt(PROFILE_REFERENCE_YEAR - age_years, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(rng.int(0, 364) as u64)))
            .unwrap_or(NaiveDate::MIN);
        let (offset_s, latitude, longitude, elevation) =
            rng.pick(HOMES).copied().unwrap_or((0, 51.5, 0.0, 10.0));
        let (height_m, bmi, body_fat) = match sex {
            Sex::Female => (
                rng.normal(1.65, 0.06),
                rng.range(19.5, 29.0),
                rng.range(21.0, 34.0),
            ),
            Sex::Male => (
                rng.normal(1.78, 0.07),
                rng.range(20.5, 30.0),
                rng.range(12.0, 26.0),
            ),
        };
        let height_m = round_to(height_m.clamp(1.45, 2.05), 0.01);
        let fitness = rng.unit();
        let age_f = f64::from(age_years);
        let cycle = cycle_profile(sex, age_years, rng);
        Self {
            user_id: user_id.to_owned(),
            first_name,
            last_name,
            sex,
            birth_date,
            height_m,
            utc_offset: UtcOffset::from_seconds(offset_s),
            home: GeoPoint {
                latitude,
                longitude,
            },
            home_elevation_m: elevation,
            base_weight_kg: round_to(bmi * height_m * height_m, 0.1),
            base_body_fat_percent: round_to(body_fat, 0.1),
            base_resting_hr_bpm: 68.0 - 16.0 * fitness + rng.range(-3.0, 3.0),
            max_hr_bpm: (208.0 - 0.7 * age_f).round(),
            base_daily_steps: 3_500.0 + 7_500.0 * fitness,
            cycle,
        }
    }

    pub fn age_on(&self, date: NaiveDate) -> u32 {
        date.years_since(self.birth_date).unwrap_or(0)
    }
}

fn cycle_profile(sex: Sex, age_years: i32, rng: &mut SplitMix64) -> Option<CycleProfile> {
    let length_days = rng.int(26, 32) as u32;
    let period_days = rng.int(4, 6) as u32;
    let anchor_offset = rng.int(0, i64::from(length_days) - 1) as u64;
    let has_cycle = sex == Sex::Female && age_years < 50 && rng.chance(0.9);
    let anchor =
        NaiveDate::from_ymd_opt(2000, 1, 1)?.checked_add_days(chrono::Days::new(anchor_offset))?;
    has_cycle.then_some(CycleProfile {
        length_days,
        period_days,
        anchor,
    })
}

/// Rounds to a multiple of `step` (e.g. 0.1 for one decimal). Fractional steps divide by the
/// integer inverse so the result is the double closest to the decimal (23.4, not
/// 23.400000000000002) and serializes cleanly.
pub(crate) fn round_to(value: f64, step: f64) -> f64 {
    if step >= 1.0 {
        (value / step).round() * step
    } else {
        let inverse = (1.0 / step).round();
        (value * inverse).round() / inverse
    }
}

impl Day {
    /// Steps of the whole local day, workouts included.
    pub fn total_steps(&self) -> u32 {
        self.intervals.iter().map(|i| i.steps).sum()
    }

    /// Total energy expenditure (basal + active) of the local day.
    pub fn total_kcal(&self) -> f64 {
        self.intervals.iter().map(|i| i.kcal).sum()
    }

    pub fn active_kcal(&self) -> f64 {
        self.intervals.iter().map(|i| i.active_kcal).sum()
    }

    pub fn distance_m(&self) -> f64 {
        self.intervals.iter().map(|i| i.distance_m).sum()
    }

    /// The day's resting heart rate: the lowest 5-minute average of the night that ended
    /// this morning (as Oura and Garmin derive it).
    pub fn resting_hr_bpm(&self) -> u32 {
        self.sleep.resting_hr_bpm
    }

    /// Time asleep (light + deep + REM) of the night that ended this morning.
    pub fn sleep_duration_s(&self) -> i64 {
        self.sleep.asleep_s
    }

    pub fn weight_kg(&self) -> f64 {
        self.body.weight_kg
    }

    pub fn max_hr_bpm(&self) -> u32 {
        let intervals = self.intervals.iter().map(|i| i.avg_hr_bpm);
        let workouts = self.workouts.iter().map(|w| w.max_hr_bpm);
        intervals.chain(workouts).max().unwrap_or(0)
    }

    pub fn avg_hr_bpm(&self) -> u32 {
        let sum: u32 = self.intervals.iter().map(|i| i.avg_hr_bpm).sum();
        let count = u32::try_from(self.intervals.len())
            .unwrap_or(u32::MAX)
            .max(1);
        sum / count
    }

    /// Total food energy eaten.
    pub fn eaten_kcal(&self) -> f64 {
        self.meals.iter().map(|m| m.kcal).sum()
    }
}

#[cfg(test)]
mod tests;
