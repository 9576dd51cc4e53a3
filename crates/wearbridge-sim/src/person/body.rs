//! Body composition, energy balance, menstrual cycle and meals.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use serde::Serialize;

use super::activity::DayPlan;
use super::time::local;
use super::{Person, Profile, Sex, round_to};
use crate::prng::Stream;

/// A morning weigh-in on a body-composition scale.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BodyMeasurement {
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub measured_at: DateTime<FixedOffset>,
    pub weight_kg: f64,
    pub body_fat_percent: f64,
    /// weight / height², kg/m².
    pub bmi: f64,
    /// Fat-free mass, kg.
    pub lean_mass_kg: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowLevel {
    None,
    Spotting,
    Light,
    Medium,
    Heavy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CyclePhase {
    Menstrual,
    Follicular,
    Ovulation,
    Luteal,
}

/// Where the day falls in the person's cycle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MenstruationDay {
    /// 1 on the first day of bleeding.
    pub cycle_day: u32,
    pub cycle_length_days: u32,
    pub period_length_days: u32,
    pub period_start_date: NaiveDate,
    pub phase: CyclePhase,
    pub flow: FlowLevel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MealType {
    Breakfast,
    Lunch,
    Dinner,
    Snack,
}

/// One meal. `kcal` is derived from the macros with the Atwater factors
/// (4 kcal/g carbohydrate and protein, 9 kcal/g fat), so the two always agree.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Meal {
    pub id: String,
    pub meal_type: MealType,
    pub name: String,
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub eaten_at: DateTime<FixedOffset>,
    pub kcal: f64,
    pub carbohydrates_g: f64,
    pub protein_g: f64,
    pub fat_g: f64,
    pub fiber_g: f64,
    pub sugar_g: f64,
    pub sodium_mg: f64,
    pub water_ml: f64,
}

pub(super) fn measure(
    person: &Person,
    date: NaiveDate,
    wake: DateTime<FixedOffset>,
) -> BodyMeasurement {
    let profile = person.profile();
    let mut rng = person.rng(Stream::Body, date);
    // Slow drift: two incommensurate seasonal waves (97 and 23 days) plus daily water noise.
    let day = f64::from(chrono::Datelike::num_days_from_ce(&date));
    let phase = (profile.base_weight_kg * 7.0).fract() * std::f64::consts::TAU;
    let drift = 1.2 * (std::f64::consts::TAU * day / 97.0 + phase).sin()
        + 0.6 * (std::f64::consts::TAU * day / 23.0 + 2.0 * phase).sin();
    let weight_kg = round_to(profile.base_weight_kg + drift + rng.normal(0.0, 0.25), 0.1);
    let body_fat = profile.base_body_fat_percent + 0.35 * drift + rng.normal(0.0, 0.3);
    let body_fat_percent = round_to(body_fat.clamp(5.0, 50.0), 0.1);
    BodyMeasurement {
        measured_at: wake + TimeDelta::minutes(rng.int(5, 20)),
        weight_kg,
        body_fat_percent,
        bmi: round_to(weight_kg / (profile.height_m * profile.height_m), 0.1),
        lean_mass_kg: round_to(weight_kg * (1.0 - body_fat_percent / 100.0), 0.1),
    }
}

/// Mifflin–St Jeor (1990): 10·kg + 6.25·cm − 5·years + 5 (male) or − 161 (female), kcal/day.
pub(super) fn basal_metabolic_rate(profile: &Profile, date: NaiveDate, weight_kg: f64) -> f64 {
    let sex_term = match profile.sex {
        Sex::Male => 5.0,
        Sex::Female => -161.0,
    };
    let age = f64::from(profile.age_on(date));
    round_to(
        10.0 * weight_kg + 625.0 * profile.height_m - 5.0 * age + sex_term,
        0.1,
    )
}

pub(super) fn menstruation(profile: &Profile, date: NaiveDate) -> Option<MenstruationDay> {
    let cycle = profile.cycle?;
    let length = i64::from(cycle.length_days.max(1));
    let since_anchor = (date - cycle.anchor).num_days();
    let index = since_anchor.rem_euclid(length);
    let cycle_day = u32::try_from(index + 1).ok()?;
    let period_start_date = date.checked_sub_days(chrono::Days::new(u64::try_from(index).ok()?))?;
    // Ovulation ~14 days before the next period (luteal phase length is the stable one).
    let ovulation_day = cycle.length_days.saturating_sub(14);
    let phase = if cycle_day <= cycle.period_days {
        CyclePhase::Menstrual
    } else if cycle_day < ovulation_day {
        CyclePhase::Follicular
    } else if cycle_day == ovulation_day {
        CyclePhase::Ovulation
    } else {
        CyclePhase::Luteal
    };
    let flow = match cycle_day {
        day if day > cycle.period_days => FlowLevel::None,
        1 => FlowLevel::Medium,
        2 => FlowLevel::Heavy,
        3 => FlowLevel::Medium,
        4 => FlowLevel::Light,
        _ => FlowLevel::Spotting,
    };
    Some(MenstruationDay {
        cycle_day,
        cycle_length_days: cycle.length_days,
        period_length_days: cycle.period_days,
        period_start_date,
        phase,
        flow,
    })
}

const BREAKFASTS: &[&str] = &[
    "Oatmeal with berries",
    "Eggs on toast",
    "Yogurt and granola",
];
const LUNCHES: &[&str] = &["Chicken salad", "Lentil soup", "Rice bowl with tofu"];
const DINNERS: &[&str] = &[
    "Salmon with potatoes",
    "Pasta with tomato sauce",
    "Beef stir-fry",
];
const SNACKS: &[&str] = &["Apple and almonds", "Protein bar", "Banana"];

/// 3–4 meals whose energy roughly matches the day's expenditure (±10 %).
pub(super) fn meals(person: &Person, date: NaiveDate, plan: &DayPlan, bmr_kcal: f64) -> Vec<Meal> {
    let mut rng = person.rng(Stream::Meals, date);
    let offset = person.offset();
    let intake = bmr_kcal * 1.45 * rng.range(0.9, 1.1);
    let after_workouts = |at: DateTime<FixedOffset>| {
        plan.workouts
            .iter()
            .filter(|w| w.start <= at && at < w.end + TimeDelta::minutes(15))
            .map(|w| w.end + TimeDelta::minutes(15))
            .max()
            .unwrap_or(at)
    };
    let breakfast_at = after_workouts(plan.wake + TimeDelta::minutes(rng.int(20, 60)));
    let lunch_at = local(date, rng.int(12 * 60, 13 * 60 + 30) * 60, offset);
    let dinner_at = after_workouts(local(date, rng.int(18 * 60 + 30, 20 * 60) * 60, offset));
    let mut slots = vec![
        (MealType::Breakfast, breakfast_at, 0.25, BREAKFASTS),
        (MealType::Lunch, lunch_at, 0.35, LUNCHES),
        (MealType::Dinner, dinner_at, 0.35, DINNERS),
    ];
    if rng.chance(0.5) {
        let snack_at = after_workouts(local(
            date,
            rng.int(15 * 60 + 30, 16 * 60 + 30) * 60,
            offset,
        ));
        slots.push((MealType::Snack, snack_at, 0.1, SNACKS));
    }
    let share_total: f64 = slots.iter().map(|s| s.2).sum();
    slots
        .into_iter()
        .map(|(meal_type, eaten_at, share, names)| {
            let energy = intake * share / share_total;
            let carb_share = rng.range(0.40, 0.55);
            let protein_share = rng.range(0.15, 0.30);
            let fat_share = 1.0 - carb_share - protein_share;
            let carbohydrates_g = round_to(energy * carb_share / 4.0, 0.1);
            let protein_g = round_to(energy * protein_share / 4.0, 0.1);
            let fat_g = round_to(energy * fat_share / 9.0, 0.1);
            Meal {
                id: format!("{:016x}", rng.next_u64()),
                meal_type,
                name: rng.pick(names).copied().unwrap_or("Meal").to_owned(),
                eaten_at,
                kcal: round_to(4.0 * carbohydrates_g + 4.0 * protein_g + 9.0 * fat_g, 0.1),
                carbohydrates_g,
                protein_g,
                fat_g,
                fiber_g: round_to(carbohydrates_g * rng.range(0.06, 0.14), 0.1),
                sugar_g: round_to(carbohydrates_g * rng.range(0.15, 0.4), 0.1),
                sodium_mg: round_to(energy * rng.range(0.8, 1.6), 1.0),
                water_ml: round_to(rng.range(150.0, 500.0), 10.0),
            }
        })
        .collect()
}
