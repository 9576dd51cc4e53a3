//! Terra Nutrition: the day's dietary totals (top-level records) and its meals (food
//! correlations).

use chrono::{FixedOffset, NaiveDate};
use wearbridge_model::{
    Meal, MealType, Nutrition, NutritionMacros, NutritionMetadata, NutritionQuantity,
    NutritionSummary, NutritionUnits,
};

use super::{day_bounds, ts};
use crate::apple_health::collect::{DayData, MealData};

pub fn nutrition(date: NaiveDate, offset: FixedOffset, day: &DayData) -> Option<Nutrition> {
    if !day.has_nutrients && day.meals.is_empty() {
        return None;
    }
    let (start_time, end_time) = day_bounds(date, offset)?;
    let [.., water] = day.nutrients;
    Some(Nutrition {
        metadata: NutritionMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        summary: Some(NutritionSummary {
            macros: Some(macros(&day.nutrients)),
            water_ml: Some(round(water)),
            ..NutritionSummary::default()
        }),
        meals: (!day.meals.is_empty()).then(|| day.meals.iter().map(meal).collect()),
        drink_samples: None,
    })
}

/// Sums of many decimal values carry float noise; three decimals is the export's own
/// precision.
fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn macros(nutrients: &[f64; 8]) -> NutritionMacros {
    let [
        kcal,
        carbohydrates,
        protein,
        fat,
        fiber,
        sugar,
        sodium,
        _water,
    ] = *nutrients;
    NutritionMacros {
        calories: Some(round(kcal)),
        carbohydrates_g: Some(round(carbohydrates)),
        protein_g: Some(round(protein)),
        fat_g: Some(round(fat)),
        fiber_g: Some(round(fiber)),
        sugar_g: Some(round(sugar)),
        sodium_mg: Some(round(sodium)),
        ..NutritionMacros::default()
    }
}

/// A food correlation as one logged portion; its id is its time (unique per source).
fn meal(meal: &MealData) -> Meal {
    Meal {
        id: format!("apple-meal-{}", meal.at.timestamp()),
        name: meal.name.clone().unwrap_or_else(|| "Food".to_owned()),
        r#type: match meal.meal.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("breakfast") => MealType::Breakfast,
            Some("lunch") => MealType::Lunch,
            Some("dinner") => MealType::Dinner,
            Some("snack" | "snacks") => MealType::Snack,
            _ => MealType::Unknown,
        },
        timestamp: ts(meal.at),
        quantity: NutritionQuantity {
            unit: NutritionUnits::Count,
            amount: 1.0,
        },
        macros: macros(&meal.nutrients),
        micros: Default::default(),
    }
}
