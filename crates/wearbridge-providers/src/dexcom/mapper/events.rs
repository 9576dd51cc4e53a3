//! User-entered events (`/events`) into the Terra places they fit
//! (DECISIONS.md, "Dexcom events"):
//! * `carbs` (grams) → Nutrition, one record per local day: a meal per entry (carbohydrate
//!   grams only; one portion, since Dexcom records no quantity) and the day's total;
//! * `exercise` (minutes; `light`/`medium`/`heavy`) → one Activity per entry (Dexcom's
//!   `recordId` is its `summary_id`), kind unknown, entered by hand, its minutes as
//!   low/moderate/vigorous intensity time;
//! * `insulin` (units; `fastActing`/`longActing`) → a Body measurement with
//!   `insulin_units` and `insulin_type` (see [`super::glucose`]).
//!
//! Not mapped: `bloodGlucose` (a meter reading Terra's glucose samples cannot tell from a
//! CGM estimate), `health` and `notes` (no value Terra has a field for). Deleted events
//! (`eventStatus: deleted`) are dropped; an event whose unit is not the one its type is
//! documented with is dropped rather than guessed at.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, Meal, MealType,
    MeasurementDataSample, Nutrition, NutritionMacros, NutritionMetadata, NutritionQuantity,
    NutritionSummary, NutritionUnits, Timestamp, UploadType,
};

use super::super::wire::Event;
use super::time::{day_bounds, local_time};

/// Longest exercise accepted: a day. A longer entry is a typo Terra should not store as a
/// real activity.
const MAX_EXERCISE_MINUTES: f64 = 24.0 * 60.0;
/// Most carbohydrate one entry is believed to hold; more is a corrupt value.
const MAX_CARBS_G: f64 = 1_000.0;
/// Most insulin one entry is believed to hold; more is a corrupt value.
const MAX_INSULIN_UNITS: f64 = 1_000.0;

/// The events that still stand: each `recordId` once (the first seen; windows overlap at
/// their edges), deleted ones left out.
pub fn live_events(events: &[Event]) -> Vec<&Event> {
    let mut seen = BTreeSet::new();
    events
        .iter()
        .filter(|event| seen.insert(event.record_id.as_str()))
        .filter(|event| event.event_status.as_deref() != Some("deleted"))
        .collect()
}

/// The event's value when it is of `event_type` in `unit` (or no unit) and within
/// `(0, max]`, with its local time.
fn valued(
    event: &Event,
    event_type: &str,
    unit: &str,
    max: f64,
) -> Option<(DateTime<FixedOffset>, f64)> {
    if event.event_type.as_deref() != Some(event_type) {
        return None;
    }
    if event
        .unit
        .as_deref()
        .is_some_and(|given| !given.eq_ignore_ascii_case(unit))
    {
        return None;
    }
    let value = event.value.filter(|value| *value > 0.0 && *value <= max)?;
    let at = local_time(&event.system_time, event.display_time.as_deref())?;
    Some((at, value))
}

/// An insulin dose as a Body measurement at its local time.
pub fn insulin(event: &Event) -> Option<(DateTime<FixedOffset>, MeasurementDataSample)> {
    let (at, units) = valued(event, "insulin", "units", MAX_INSULIN_UNITS)?;
    Some((
        at,
        MeasurementDataSample {
            measurement_time: Some(Timestamp::from_datetime(at)),
            insulin_units: Some(units),
            insulin_type: event.event_sub_type.clone(),
            ..MeasurementDataSample::default()
        },
    ))
}

/// One carbohydrate entry: when, the event, its grams.
type CarbEntry<'a> = (DateTime<FixedOffset>, &'a Event, f64);

/// Nutrition records of every local day with carbohydrate entries, oldest first.
pub fn nutrition_days(events: &[Event]) -> Vec<Nutrition> {
    let mut days: BTreeMap<NaiveDate, Vec<CarbEntry<'_>>> = BTreeMap::new();
    for event in live_events(events) {
        if let Some((at, grams)) = valued(event, "carbs", "grams", MAX_CARBS_G) {
            days.entry(at.date_naive())
                .or_default()
                .push((at, event, grams));
        }
    }
    days.into_iter()
        .filter_map(|(date, mut entries)| {
            entries.sort_by_key(|(at, event, _)| (at.timestamp(), event.record_id.clone()));
            let (_, first, _) = entries.first()?;
            let offset = local_time(&first.system_time, first.display_time.as_deref())?;
            let (start_time, end_time) = day_bounds(date, *offset.offset())?;
            let total: f64 = entries.iter().map(|(_, _, grams)| grams).sum();
            Some(Nutrition {
                metadata: NutritionMetadata {
                    start_time,
                    end_time,
                    timestamp_localization: None,
                },
                meals: Some(
                    entries
                        .iter()
                        .map(|(at, event, grams)| meal(*at, event, *grams))
                        .collect(),
                ),
                summary: Some(NutritionSummary {
                    macros: Some(NutritionMacros {
                        carbohydrates_g: Some(total),
                        ..NutritionMacros::default()
                    }),
                    ..NutritionSummary::default()
                }),
                ..Nutrition::default()
            })
        })
        .collect()
}

fn meal(at: DateTime<FixedOffset>, event: &Event, grams: f64) -> Meal {
    Meal {
        id: event.record_id.clone(),
        name: "Carbs".to_owned(),
        r#type: MealType::Unknown,
        timestamp: Timestamp::from_datetime(at),
        quantity: NutritionQuantity {
            unit: NutritionUnits::Count,
            amount: 1.0,
        },
        macros: NutritionMacros {
            carbohydrates_g: Some(grams),
            ..NutritionMacros::default()
        },
        micros: Default::default(),
    }
}

/// One Activity per exercise entry, oldest first.
pub fn activities(events: &[Event]) -> Vec<Activity> {
    let mut activities: Vec<(i64, Activity)> = live_events(events)
        .into_iter()
        .filter_map(|event| {
            let (start, minutes) = valued(event, "exercise", "minutes", MAX_EXERCISE_MINUTES)?;
            let seconds = (minutes * 60.0).round();
            let end = start.checked_add_signed(TimeDelta::try_seconds(seconds as i64)?)?;
            let intensity = event.event_sub_type.as_deref();
            let name = match intensity {
                Some(level @ ("light" | "medium" | "heavy")) => format!("Exercise ({level})"),
                _ => "Exercise".to_owned(),
            };
            let share = |level: &str| (intensity == Some(level)).then_some(seconds);
            let activity = Activity {
                metadata: ActivityMetadata {
                    summary_id: event.record_id.clone(),
                    name: Some(name),
                    start_time: Timestamp::from_datetime(start),
                    end_time: Timestamp::from_datetime(end),
                    r#type: ActivityType::Unknown,
                    upload_type: UploadType::Manual,
                    ..ActivityMetadata::default()
                },
                active_durations_data: Some(ActiveDurationsData {
                    activity_seconds: Some(seconds),
                    low_intensity_seconds: share("light"),
                    moderate_intensity_seconds: share("medium"),
                    vigorous_intensity_seconds: share("heavy"),
                    ..ActiveDurationsData::default()
                }),
                ..Activity::default()
            };
            Some((start.timestamp(), activity))
        })
        .collect();
    activities
        .sort_by(|a, b| (a.0, &a.1.metadata.summary_id).cmp(&(b.0, &b.1.metadata.summary_id)));
    activities
        .into_iter()
        .map(|(_, activity)| activity)
        .collect()
}
