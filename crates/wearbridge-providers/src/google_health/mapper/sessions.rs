//! Session records: exercise → Activity, sleep → Sleep, nutrition and hydration logs →
//! one Nutrition record per local day.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use wearbridge_model::{
    ActiveDurationsData, Activity, ActivityMetadata, ActivityType, AsleepDurations, AwakeDurations,
    BreathsData, CaloriesData, DistanceData, DistanceDataSummary, DrinkSample, ElevationData,
    HeartRateData, HeartRateDataSummary, HeartRateZoneData, MovementData, Nutrition,
    NutritionMacros, NutritionMetadata, NutritionSummary, NutritionUnits, OtherSleepDurations,
    RespirationData, Sleep, SleepDurationsData, SleepHypnogramSample, SleepLevel, SleepMetadata,
    SleepUploadType, UploadType,
};

use super::{day_bounds, device, is_manual, non_negative, sum, ts, wire};

/// Terra's activity type for Google's `exerciseType`; `WORKOUT` and `OTHER` have no
/// narrower Terra type and become "Other" (108).
pub fn activity_type(exercise_type: &str) -> ActivityType {
    match exercise_type {
        "RUNNING" => ActivityType::Running,
        "WALKING" => ActivityType::Walking,
        "BIKING" => ActivityType::Biking,
        "SWIMMING" => ActivityType::Swimming,
        "HIKING" => ActivityType::Hiking,
        "YOGA" => ActivityType::Yoga,
        "PILATES" => ActivityType::Pilates,
        "HIIT" => ActivityType::Hiit,
        "WEIGHTLIFTING" => ActivityType::Weightlifting,
        "STRENGTH_TRAINING" => ActivityType::StrengthTraining,
        _ => ActivityType::Other108,
    }
}

/// One exercise session; `None` for a point that is not an exercise or has no id.
pub fn activity(point: &wire::DataPoint) -> Option<Activity> {
    let exercise = point.exercise.as_ref()?;
    let id = point.id()?;
    let interval = &exercise.interval;
    let start = wire::local(interval.start_time, interval.start_utc_offset);
    let end = wire::local(interval.end_time, interval.end_utc_offset);
    let metrics = exercise.metrics_summary.clone().unwrap_or_default();
    let kind = exercise.exercise_type.as_deref().unwrap_or("OTHER");
    let elapsed = (end - start).num_seconds().max(0) as f64;
    let zones = metrics.heart_rate_zone_durations.as_ref().map(|zones| {
        // Google's four zones in order; Terra numbers zones, so LIGHT..PEAK are 1..4.
        [
            ("LIGHT", zones.light_time),
            ("MODERATE", zones.moderate_time),
            ("VIGOROUS", zones.vigorous_time),
            ("PEAK", zones.peak_time),
        ]
        .into_iter()
        .zip(1..)
        .filter_map(|((name, seconds), zone)| {
            Some(HeartRateZoneData {
                zone: Some(zone),
                name: Some(name.to_owned()),
                duration_seconds: Some(non_negative(seconds)?),
                ..HeartRateZoneData::default()
            })
        })
        .collect::<Vec<_>>()
    });
    let average_bpm = metrics
        .average_heart_rate_beats_per_minute
        .filter(|bpm| *bpm > 0)
        .map(|bpm| bpm as f64);
    Some(Activity {
        metadata: ActivityMetadata {
            summary_id: id.to_owned(),
            start_time: ts(start),
            end_time: ts(end),
            r#type: activity_type(kind),
            name: exercise
                .display_name
                .clone()
                .or_else(|| Some(kind.to_owned())),
            upload_type: if is_manual(point) {
                UploadType::Manual
            } else {
                UploadType::Automatic
            },
            ..ActivityMetadata::default()
        },
        active_durations_data: Some(ActiveDurationsData {
            // Google's active duration excludes pauses; without it, the elapsed time.
            activity_seconds: non_negative(exercise.active_duration).or(Some(elapsed)),
            ..ActiveDurationsData::default()
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: non_negative(metrics.calories_kcal),
            ..CaloriesData::default()
        }),
        distance_data: Some(DistanceData {
            summary: Some(DistanceDataSummary {
                distance_meters: non_negative(metrics.distance_millimeters).map(|mm| mm / 1000.0),
                steps: metrics.steps.filter(|steps| *steps >= 0),
                elevation: non_negative(metrics.elevation_gain_millimeters).map(|mm| {
                    ElevationData {
                        gain_actual_meters: Some(mm / 1000.0),
                        ..ElevationData::default()
                    }
                }),
                ..DistanceDataSummary::default()
            }),
            ..DistanceData::default()
        }),
        movement_data: non_negative(metrics.average_speed_millimeters_per_second).map(|speed| {
            MovementData {
                avg_speed_meters_per_second: Some(speed / 1000.0),
                ..MovementData::default()
            }
        }),
        heart_rate_data: (average_bpm.is_some() || zones.is_some()).then(|| HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: average_bpm,
                hr_zone_data: zones,
                ..HeartRateDataSummary::default()
            }),
            detailed: None,
        }),
        device_data: Some(device(&[point])),
        ..Activity::default()
    })
}

/// Google's stage type as Terra's sleep level (classic sleeps: ASLEEP and RESTLESS are
/// "sleeping" and "awake" as Fitbit's classic log counts them).
fn sleep_level(kind: Option<&str>) -> SleepLevel {
    match kind {
        Some("AWAKE" | "RESTLESS") => SleepLevel::Awake,
        Some("LIGHT") => SleepLevel::LightSleep,
        Some("DEEP") => SleepLevel::DeepSleep,
        Some("REM") => SleepLevel::RemSleep,
        Some("ASLEEP") => SleepLevel::Sleeping,
        _ => SleepLevel::Unknown,
    }
}

/// Seconds in stages of `kinds`; `None` when the sleep has no stages, or when it is a
/// classic sleep and `kinds` are staged-sleep levels (a classic sleep does not measure
/// light, deep or REM sleep: unknown, not zero).
fn stage_seconds(sleep: &wire::Sleep, kinds: &[&str]) -> Option<f64> {
    let staged_only = kinds
        .iter()
        .all(|kind| matches!(*kind, "LIGHT" | "DEEP" | "REM"));
    if sleep.stages.is_empty() || (staged_only && sleep.kind.as_deref() == Some("CLASSIC")) {
        return None;
    }
    Some(
        sleep
            .stages
            .iter()
            .filter(|stage| {
                stage
                    .kind
                    .as_deref()
                    .is_some_and(|kind| kinds.contains(&kind))
            })
            .map(|stage| (stage.end_time - stage.start_time).num_seconds().max(0) as f64)
            .fold(0.0, |total, seconds| total + seconds),
    )
}

fn minutes(value: Option<i64>) -> Option<f64> {
    value
        .filter(|minutes| *minutes >= 0)
        .map(|m| m as f64 * 60.0)
}

/// One sleep session with its hypnogram; `None` for a point that is not a sleep.
/// The sleeps among `points`, each main sleep with its night's breathing rate. Google files
/// `daily-respiratory-rate` under the date of the main sleep it measured (the day the
/// sleep ends), so a rate joins the longest sleep that is not a nap and ends on that
/// local day; a rate with no such sleep among the points is left out.
pub fn sleeps(points: &[wire::DataPoint]) -> Vec<Sleep> {
    let mut sleeps: Vec<Sleep> = points.iter().filter_map(sleep).collect();
    let rates = points
        .iter()
        .filter_map(|point| point.daily_respiratory_rate.as_ref());
    for rate in rates {
        let (Some(date), Some(breaths)) =
            (rate.date.naive(), non_negative(rate.breaths_per_minute))
        else {
            continue;
        };
        let main = sleeps
            .iter_mut()
            .filter(|sleep| {
                sleep.metadata.is_nap != Some(true) && sleep.metadata.end_time.local_date() == date
            })
            .max_by_key(|sleep| in_bed_seconds(sleep));
        if let Some(main) = main {
            main.respiration_data = Some(RespirationData {
                breaths_data: Some(BreathsData {
                    avg_breaths_per_min: Some(breaths),
                    ..BreathsData::default()
                }),
                ..RespirationData::default()
            });
        }
    }
    sleeps
}

fn in_bed_seconds(sleep: &Sleep) -> i64 {
    let start = sleep.metadata.start_time.to_datetime();
    let end = sleep.metadata.end_time.to_datetime();
    start
        .zip(end)
        .map_or(0, |(start, end)| (end - start).num_seconds())
}

/// One sleep session as Terra's Sleep (without the nightly breathing rate, see [`sleeps`]).
pub fn sleep(point: &wire::DataPoint) -> Option<Sleep> {
    let sleep = point.sleep.as_ref()?;
    let interval = &sleep.interval;
    let start = wire::local(interval.start_time, interval.start_utc_offset);
    let end = wire::local(interval.end_time, interval.end_utc_offset);
    let offset = *start.offset();
    let summary = sleep.summary.clone().unwrap_or_default();
    let hypnogram: Vec<SleepHypnogramSample> = sleep
        .stages
        .iter()
        .map(|stage| SleepHypnogramSample {
            timestamp: Some(ts(stage.start_time.with_timezone(&offset))),
            level: Some(sleep_level(stage.kind.as_deref())),
        })
        .collect();
    let in_bed = (end - start).num_seconds().max(0) as f64;
    Some(Sleep {
        metadata: SleepMetadata {
            start_time: ts(start),
            end_time: ts(end),
            summary_id: point.id().map(str::to_owned),
            is_nap: sleep.metadata.as_ref().and_then(|metadata| metadata.nap),
            upload_type: if is_manual(point) {
                SleepUploadType::Manual
            } else {
                SleepUploadType::Automatic
            },
            timestamp_localization: None,
        },
        sleep_durations_data: Some(SleepDurationsData {
            asleep: Some(AsleepDurations {
                duration_asleep_state_seconds: minutes(summary.minutes_asleep)
                    .or_else(|| stage_seconds(sleep, &["LIGHT", "DEEP", "REM", "ASLEEP"])),
                duration_light_sleep_state_seconds: stage_seconds(sleep, &["LIGHT"]),
                duration_deep_sleep_state_seconds: stage_seconds(sleep, &["DEEP"]),
                duration_rem_sleep_state_seconds: stage_seconds(sleep, &["REM"]),
                num_rem_events: None,
            }),
            awake: Some(AwakeDurations {
                duration_awake_state_seconds: minutes(summary.minutes_awake)
                    .or_else(|| stage_seconds(sleep, &["AWAKE", "RESTLESS"])),
                sleep_latency_seconds: minutes(summary.minutes_to_fall_asleep),
                wake_up_latency_seconds: minutes(summary.minutes_after_wake_up),
                ..AwakeDurations::default()
            }),
            other: Some(OtherSleepDurations {
                duration_in_bed_seconds: minutes(summary.minutes_in_sleep_period).or(Some(in_bed)),
                duration_unmeasurable_sleep_seconds: None,
            }),
            // Percent, as Terra's schema counts it (0–100).
            sleep_efficiency: minutes(summary.minutes_asleep)
                .filter(|_| in_bed > 0.0)
                .map(|asleep| (asleep / in_bed * 100.0).min(100.0)),
            hypnogram_samples: Some(hypnogram),
        }),
        device_data: Some(device(&[point])),
        ..Sleep::default()
    })
}

/// Grams of `nutrient` in a log, when listed.
fn nutrient(log: &wire::NutritionLog, name: &str) -> Option<f64> {
    log.nutrients
        .iter()
        .find(|item| item.nutrient.as_deref() == Some(name))
        .and_then(|item| non_negative(item.quantity.as_ref()?.grams))
}

/// One Nutrition record per local day of the nutrition and hydration logs: the day's
/// summed energy and macronutrients (grams; sodium in mg as Terra counts it) and every
/// drink.
pub fn nutrition(points: &[wire::DataPoint]) -> Vec<Nutrition> {
    let mut days: BTreeMap<NaiveDate, (chrono::FixedOffset, Vec<&wire::DataPoint>)> =
        BTreeMap::new();
    for point in points {
        let interval = match (&point.nutrition_log, &point.hydration_log) {
            (Some(log), _) => &log.interval,
            (None, Some(log)) => &log.interval,
            (None, None) => continue,
        };
        let at = wire::local(interval.start_time, interval.start_utc_offset);
        days.entry(at.date_naive())
            .or_insert_with(|| (*at.offset(), Vec::new()))
            .1
            .push(point);
    }
    days.into_iter()
        .filter_map(|(date, (offset, points))| {
            let (start_time, end_time) = day_bounds(date, Some(offset))?;
            let logs: Vec<&wire::NutritionLog> = points
                .iter()
                .filter_map(|point| point.nutrition_log.as_ref())
                .collect();
            let drinks: Vec<DrinkSample> = points
                .iter()
                .filter_map(|point| point.hydration_log.as_ref())
                .map(|log| DrinkSample {
                    timestamp: Some(ts(wire::local(
                        log.interval.start_time,
                        log.interval.start_utc_offset,
                    ))),
                    drink_volume: log
                        .amount_consumed
                        .as_ref()
                        .and_then(|amount| non_negative(amount.milliliters)),
                    drink_unit: Some(NutritionUnits::Milliliter),
                    drink_name: Some("Water".to_owned()),
                })
                .collect();
            let grams = |name: &str| sum(logs.iter().map(|log| nutrient(log, name)));
            let macros = NutritionMacros {
                calories: sum(logs
                    .iter()
                    .map(|log| non_negative(log.energy.as_ref()?.kcal))),
                carbohydrates_g: sum(logs
                    .iter()
                    .map(|log| non_negative(log.total_carbohydrate.as_ref()?.grams))),
                fat_g: sum(logs
                    .iter()
                    .map(|log| non_negative(log.total_fat.as_ref()?.grams))),
                protein_g: grams("PROTEIN"),
                fiber_g: grams("DIETARY_FIBER"),
                sugar_g: grams("SUGAR"),
                saturated_fat_g: grams("SATURATED_FAT"),
                sodium_mg: grams("SODIUM").map(|g| g * 1000.0),
                ..NutritionMacros::default()
            };
            let water = sum(drinks.iter().map(|drink| drink.drink_volume));
            Some(Nutrition {
                metadata: NutritionMetadata {
                    start_time,
                    end_time,
                    timestamp_localization: None,
                },
                summary: Some(NutritionSummary {
                    macros: (!logs.is_empty()).then_some(macros),
                    water_ml: water,
                    ..NutritionSummary::default()
                }),
                drink_samples: (!drinks.is_empty()).then_some(drinks),
                ..Nutrition::default()
            })
        })
        .collect()
}
