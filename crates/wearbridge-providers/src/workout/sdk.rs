//! The SDK-era `PlannedWorkout` (terra-api-notes E.8b: `metadata` plus a flat list of
//! steps with durations and targets) as a current `WorkoutTemplate`, so that providers
//! need one mapper. Pure.
//!
//! Correspondences (E.8b against the current spec's `WorkoutStep`):
//! * a plain step becomes a one-step block repeated once; a repeat step
//!   (`REPEAT_STEP` / `PlannedWorkoutRepeatStep`, or any step with sub-steps) becomes a
//!   block of its sub-steps, repeated `reps` times (its `REPS` duration);
//! * the first duration is the step's completion condition (`TIME` seconds → `time`,
//!   `DISTANCE_METERS` → `distance`, `HR_LESS_THAN`/`HR_GREATER_THAN` → `hr_less_than`/
//!   `hr_greater_than`, `POWER_*` → `power` bounds, `CALORIES`, `REPS`, `OPEN`,
//!   `FIXED_REST` → `time`);
//! * targets keep their quantity; the pace target's minutes per kilometre become the
//!   current spec's seconds per kilometre;
//! * what has no counterpart (a second duration, TSS and IF targets, power or speed as a
//!   percentage) is dropped with a coercion warning rather than refused: the provider
//!   would drop it too, and the developer learns what happened from the warnings.

use wearbridge_model::{
    CompletionCondition, CompletionConditionType, EnvironmentType, IntensityTarget, PlannedWorkout,
    PlannedWorkoutStep, PlannedWorkoutStepDuration, PlannedWorkoutStepTarget, StepBlock,
    StrengthData, SwimEquipmentType, SwimStepData, SwimStrokeType, WorkoutSport, WorkoutStep,
    WorkoutStepIntensity, WorkoutStepTargetType, WorkoutTemplate,
};

/// Why an SDK-era workout cannot be planned at a provider; each names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdkWorkoutError {
    #[error("metadata.type is required: it says which sport the workout is")]
    MissingType,
    #[error("metadata.type {0:?} is not a sport a workout can be planned for")]
    UnplannableType(String),
    #[error("steps must hold at least one step")]
    NoSteps,
}

/// The template `workout` describes, and what could not be represented exactly.
pub fn template_of(
    workout: &PlannedWorkout,
) -> Result<(WorkoutTemplate, Vec<String>), SdkWorkoutError> {
    let metadata = workout.metadata.clone().unwrap_or_default();
    let activity = metadata
        .r#type
        .as_deref()
        .ok_or(SdkWorkoutError::MissingType)?;
    let (sport, environment) =
        sport_of(activity).ok_or_else(|| SdkWorkoutError::UnplannableType(activity.to_owned()))?;
    let mut warnings = Vec::new();
    let mut steps: Vec<&PlannedWorkoutStep> = workout.steps.iter().flatten().collect();
    steps.sort_by_key(|step| step.order.unwrap_or(i64::MAX));
    if steps.is_empty() {
        return Err(SdkWorkoutError::NoSteps);
    }
    let step_blocks = steps
        .into_iter()
        .map(|step| block_of(step, &mut warnings))
        .collect();
    let template = WorkoutTemplate {
        name: metadata
            .name
            .clone()
            .unwrap_or_else(|| "Planned workout".to_owned()),
        description: metadata.description.clone(),
        sport,
        environment,
        pool_length_meters: metadata.pool_length_meters.map(|meters| meters as f64),
        step_blocks,
        estimated_duration_seconds: metadata.estimated_duration_seconds.map(|s| s as f64),
        estimated_distance_meters: metadata.estimated_distance_meters.map(|m| m as f64),
        estimated_calories: metadata.estimated_calories.map(|c| c as f64),
        workout_id: None,
    };
    Ok((template, warnings))
}

/// The current spec's sport (and environment, where the activity name says it) of an
/// SDK-era activity name (`PlannedWorkoutMetadata.type`).
pub fn sport_of(activity: &str) -> Option<(WorkoutSport, Option<EnvironmentType>)> {
    use WorkoutSport as S;
    let indoor = Some(EnvironmentType::Indoor);
    let found = match activity {
        "RUNNING" | "JOGGING" | "RUNNING_ON_SAND" => (S::Running, None),
        "TREADMILL_RUNNING" | "INDOOR_RUNNING" | "TREADMILL" => (S::Running, indoor),
        "BIKING" | "ROAD_BIKING" | "UTILITY_BIKING" => (S::Cycling, None),
        "SPINNING" | "STATIONARY_BIKING" => (S::Cycling, indoor),
        "MOUNTAIN_BIKING" => (S::MountainBiking, None),
        "SWIMMING" | "SWIMMING_SWIMMING_POOL" => (S::Swimming, Some(EnvironmentType::Pool)),
        "SWIMMING_OPEN_WATER" => (S::Swimming, Some(EnvironmentType::Outdoor)),
        "STRENGTH_TRAINING" | "WEIGHTLIFTING" | "KETTLEBELL_TRAINING" | "CALISTHENICS" => {
            (S::Strength, None)
        }
        "ROWING" => (S::Rowing, None),
        "ROWING_MACHINE" | "ERGOMETER" => (S::Rowing, indoor),
        "YOGA" => (S::Yoga, None),
        "PILATES" => (S::Pilates, None),
        "CARDIO_TRAINING" | "HIIT" | "INTERVAL_TRAINING" | "CIRCUIT_TRAINING" | "CROSSFIT"
        | "AEROBICS" => (S::Cardio, None),
        "HIKING" => (S::Hiking, None),
        "WALKING" | "WALKING_FITNESS" | "NORDIC_WALKING" => (S::Walking, None),
        "WALKING_TREADMILL" => (S::Walking, indoor),
        "ELLIPTICAL" => (S::Elliptical, indoor),
        "STAIR_CLIMBING" | "STAIR_CLIMBING_MACHINE" => (S::StairClimbing, None),
        "BACK_COUNTRY_SKIING" => (S::BackcountrySkiing, None),
        _ => return None,
    };
    Some(found)
}

fn is_repeat(step: &PlannedWorkoutStep) -> bool {
    matches!(
        step.r#type.as_deref(),
        Some("REPEAT_STEP" | "PlannedWorkoutRepeatStep")
    ) || step.steps.as_ref().is_some_and(|steps| !steps.is_empty())
}

fn block_of(step: &PlannedWorkoutStep, warnings: &mut Vec<String>) -> StepBlock {
    let label = step_label(step);
    if !is_repeat(step) {
        return StepBlock {
            completion_condition: once(),
            steps: vec![workout_step(step, warnings)],
        };
    }
    let reps = step
        .durations
        .iter()
        .flatten()
        .find(|duration| duration.duration_type.as_deref() == Some("REPS"))
        .and_then(|duration| duration.reps);
    let completion_condition = match reps {
        Some(reps) if reps > 0 => CompletionCondition {
            r#type: CompletionConditionType::Reps,
            value: Some(reps as f64),
            ..CompletionCondition::default()
        },
        _ => {
            warnings.push(format!(
                "{label}: a repeat without a REPS duration is done once"
            ));
            once()
        }
    };
    let mut inner: Vec<&PlannedWorkoutStep> = step.steps.iter().flatten().collect();
    inner.sort_by_key(|inner| inner.order.unwrap_or(i64::MAX));
    let steps = inner
        .into_iter()
        .map(|inner| {
            if is_repeat(inner) {
                warnings.push(format!(
                    "{}: a repeat inside a repeat is done once",
                    step_label(inner)
                ));
            }
            workout_step(inner, warnings)
        })
        .collect();
    StepBlock {
        completion_condition,
        steps,
    }
}

/// A block that runs once.
fn once() -> CompletionCondition {
    CompletionCondition {
        r#type: CompletionConditionType::Reps,
        value: Some(1.0),
        ..CompletionCondition::default()
    }
}

fn step_label(step: &PlannedWorkoutStep) -> String {
    match (&step.name, step.order) {
        (Some(name), _) => format!("step {name:?}"),
        (None, Some(order)) => format!("step {order}"),
        (None, None) => "a step".to_owned(),
    }
}

fn workout_step(step: &PlannedWorkoutStep, warnings: &mut Vec<String>) -> WorkoutStep {
    let label = step_label(step);
    let durations: Vec<&PlannedWorkoutStepDuration> = step.durations.iter().flatten().collect();
    if durations.len() > 1 {
        warnings.push(format!(
            "{label}: only the first of {} durations is kept",
            durations.len()
        ));
    }
    let completion_condition = durations
        .first()
        .map_or_else(open, |duration| completion(duration, &label, warnings));
    let intensity_type = intensity(step);
    let intensity_targets: Vec<IntensityTarget> = step
        .targets
        .iter()
        .flatten()
        .filter_map(|target| intensity_target(target, &label, warnings))
        .collect();
    let notes = match (&step.name, &step.description) {
        (Some(name), Some(description)) => Some(format!("{name}: {description}")),
        (Some(text), None) | (None, Some(text)) => Some(text.clone()),
        (None, None) => None,
    };
    let strength = (step.exercise_name.is_some()
        || step.exercise_category.is_some()
        || step.weight_kg.is_some())
    .then(|| StrengthData {
        exercise_name: step.exercise_name.clone(),
        weight: step.weight_kg,
        weight_display_unit: None,
        exercise_category: step.exercise_category.clone(),
    });
    let swimming =
        (step.stroke_type.is_some() || step.equipment_type.is_some()).then(|| SwimStepData {
            stroke_type: step.stroke_type.as_deref().and_then(stroke),
            drill_type: None,
            equipment: step
                .equipment_type
                .as_deref()
                .map(|equipment| vec![SwimEquipmentType::from_wire(&equipment.to_lowercase())]),
        });
    WorkoutStep {
        completion_condition,
        intensity_targets: (!intensity_targets.is_empty()).then_some(intensity_targets),
        intensity_type,
        notes,
        controls: None,
        strength,
        swimming,
    }
}

fn open() -> CompletionCondition {
    CompletionCondition {
        r#type: CompletionConditionType::Open,
        ..CompletionCondition::default()
    }
}

fn condition(kind: CompletionConditionType, value: Option<i64>) -> CompletionCondition {
    CompletionCondition {
        r#type: kind,
        value: value.map(|value| value as f64),
        ..CompletionCondition::default()
    }
}

fn completion(
    duration: &PlannedWorkoutStepDuration,
    label: &str,
    warnings: &mut Vec<String>,
) -> CompletionCondition {
    use CompletionConditionType as C;
    match duration.duration_type.as_deref() {
        Some("TIME" | "REPETITION_TIME" | "TIME_AT_VALID_CDA") => {
            condition(C::Time, duration.seconds)
        }
        Some("FIXED_REST") => condition(C::Time, duration.rest_seconds.or(duration.seconds)),
        Some("DISTANCE_METERS") => condition(C::Distance, duration.distance_meters),
        Some("HR_LESS_THAN") => condition(C::HrLessThan, duration.hr_below_bpm),
        Some("HR_GREATER_THAN") => condition(C::HrGreaterThan, duration.hr_above_bpm),
        Some("CALORIES") => condition(C::Calories, duration.calories),
        Some("REPS") => condition(C::Reps, duration.reps),
        Some("POWER_LESS_THAN") => CompletionCondition {
            r#type: C::Power,
            value_high: duration.power_below_watts.map(|watts| watts as f64),
            ..CompletionCondition::default()
        },
        Some("POWER_GREATER_THAN") => CompletionCondition {
            r#type: C::Power,
            value_low: duration.power_above_watts.map(|watts| watts as f64),
            ..CompletionCondition::default()
        },
        Some("OPEN") | None => open(),
        Some(other) => {
            warnings.push(format!(
                "{label}: duration {other} has no counterpart; the step ends on a lap press"
            ));
            open()
        }
    }
}

fn intensity(step: &PlannedWorkoutStep) -> WorkoutStepIntensity {
    use WorkoutStepIntensity as I;
    match step.intensity.as_ref().and_then(|value| value.as_str()) {
        Some("REST") => I::Rest,
        Some("WARMUP") => I::Warmup,
        Some("COOLDOWN") => I::Cooldown,
        Some("RECOVERY") => I::Recovery,
        _ => I::Active,
    }
}

fn range(
    kind: WorkoutStepTargetType,
    value: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
) -> IntensityTarget {
    IntensityTarget {
        target_type: kind,
        value,
        value_low: low,
        value_high: high,
    }
}

fn float(value: Option<i64>) -> Option<f64> {
    value.map(|value| value as f64)
}

fn intensity_target(
    target: &PlannedWorkoutStepTarget,
    label: &str,
    warnings: &mut Vec<String>,
) -> Option<IntensityTarget> {
    use WorkoutStepTargetType as T;
    let kind = target.target_type.as_deref()?;
    let converted = match kind {
        "HEART_RATE" if target.hr_bpm_low.is_some() || target.hr_bpm_high.is_some() => range(
            T::HeartRate,
            None,
            float(target.hr_bpm_low),
            float(target.hr_bpm_high),
        ),
        "HEART_RATE" | "HEART_RATE_MAX_PERCENTAGE" => range(
            T::HeartRateMaxPercentage,
            target.hr_percentage,
            target.hr_percentage_low,
            target.hr_percentage_high,
        ),
        "HEART_RATE_THRESHOLD_PERCENTAGE" => range(
            T::HeartRateThresholdPercentage,
            target.hr_percentage,
            target.hr_percentage_low,
            target.hr_percentage_high,
        ),
        "HEART_RATE_LAP" => range(
            T::HeartRateLap,
            None,
            float(target.hr_bpm_low),
            float(target.hr_bpm_high),
        ),
        "POWER" | "POWER_LAP" => range(
            T::Power,
            float(target.power_watt),
            float(target.power_watt_low),
            float(target.power_watt_high),
        ),
        "SPEED" | "SPEED_LAP" => range(
            if kind == "SPEED" {
                T::Speed
            } else {
                T::SpeedLap
            },
            target.speed_meters_per_second,
            None,
            None,
        ),
        "PACE" => range(
            T::Pace,
            target
                .pace_minutes_per_kilometer
                .map(|minutes| minutes * 60.0),
            None,
            None,
        ),
        "CADENCE" => range(
            T::Cadence,
            float(target.cadence),
            float(target.cadence_low),
            float(target.cadence_high),
        ),
        "SWIM_STROKE" => range(T::SwimStroke, float(target.swim_strokes), None, None),
        "OPEN" => range(T::Open, None, None, None),
        other => {
            warnings.push(format!(
                "{label}: target {other} has no counterpart and is dropped"
            ));
            return None;
        }
    };
    Some(converted)
}

fn stroke(value: &str) -> Option<SwimStrokeType> {
    match value {
        "FREESTYLE" => Some(SwimStrokeType::Freestyle),
        "BACKSTROKE" => Some(SwimStrokeType::Backstroke),
        "BREASTSTROKE" => Some(SwimStrokeType::Breaststroke),
        "BUTTERFLY" => Some(SwimStrokeType::Butterfly),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(value: serde_json::Value) -> PlannedWorkout {
        serde_json::from_value(value).unwrap_or_default()
    }

    #[test]
    fn steps_and_repeats_become_blocks() {
        let workout = parse(json!({
            "metadata": {"type": "RUNNING", "name": "Tempo", "planned_date": "2024-03-05T00:00:00Z"},
            "steps": [
                {"type": "PlannedWorkoutRepeatStep", "order": 2,
                 "durations": [{"duration_type": "REPS", "reps": 4}],
                 "steps": [
                    {"order": 3, "intensity": "INTERVAL",
                     "durations": [{"type": "DistancePlannedWorkoutStepDuration", "duration_type": "DISTANCE_METERS", "distance_meters": 1000}],
                     "targets": [{"type": "PacePlannedWorkoutStepTarget", "target_type": "PACE", "pace_minutes_per_kilometer": 4.5}]},
                    {"order": 4, "intensity": "RECOVERY",
                     "durations": [{"duration_type": "TIME", "seconds": 90}]}
                 ]},
                {"type": "PlannedWorkoutStep", "order": 1, "intensity": "WARMUP", "name": "Warm up",
                 "durations": [{"duration_type": "TIME", "seconds": 600}],
                 "targets": [{"target_type": "HEART_RATE", "hr_bpm_low": 120, "hr_bpm_high": 140}]}
            ]
        }));
        let Ok((template, warnings)) = template_of(&workout) else {
            panic!("a runnable workout");
        };
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(template.sport, WorkoutSport::Running);
        assert_eq!(template.name, "Tempo");
        assert_eq!(template.step_blocks.len(), 2);
        let warmup = &template.step_blocks[0];
        assert_eq!(warmup.completion_condition.value, Some(1.0));
        assert_eq!(warmup.steps[0].intensity_type, WorkoutStepIntensity::Warmup);
        assert_eq!(warmup.steps[0].completion_condition.value, Some(600.0));
        let hr = &warmup.steps[0]
            .intensity_targets
            .as_deref()
            .unwrap_or_default()[0];
        assert_eq!((hr.value_low, hr.value_high), (Some(120.0), Some(140.0)));
        let repeat = &template.step_blocks[1];
        assert_eq!(
            repeat.completion_condition.r#type,
            CompletionConditionType::Reps
        );
        assert_eq!(repeat.completion_condition.value, Some(4.0));
        assert_eq!(repeat.steps.len(), 2);
        let pace = &repeat.steps[0]
            .intensity_targets
            .as_deref()
            .unwrap_or_default()[0];
        assert_eq!(pace.target_type, WorkoutStepTargetType::Pace);
        assert_eq!(pace.value, Some(270.0));
        assert_eq!(
            repeat.steps[1].intensity_type,
            WorkoutStepIntensity::Recovery
        );
    }

    #[test]
    fn what_has_no_counterpart_is_warned_about() {
        let workout = parse(json!({
            "metadata": {"type": "BIKING"},
            "steps": [{"order": 1, "name": "Sweet spot",
                "durations": [{"duration_type": "TIME", "seconds": 1200},
                              {"duration_type": "CALORIES", "calories": 300}],
                "targets": [{"target_type": "TSS", "tss": 40.0}]}]
        }));
        let Ok((template, warnings)) = template_of(&workout) else {
            panic!("a cycling workout");
        };
        assert_eq!(template.sport, WorkoutSport::Cycling);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("Sweet spot") && warnings[0].contains("first of 2"));
        assert!(warnings[1].contains("TSS"));
    }

    #[test]
    fn a_workout_without_sport_or_steps_is_refused() {
        let no_type = parse(json!({"steps": [{"order": 1}]}));
        assert_eq!(
            template_of(&no_type).err(),
            Some(SdkWorkoutError::MissingType)
        );
        let odd = parse(json!({"metadata": {"type": "MEDITATION"}, "steps": [{}]}));
        assert!(matches!(
            template_of(&odd),
            Err(SdkWorkoutError::UnplannableType(kind)) if kind == "MEDITATION"
        ));
        let empty = parse(json!({"metadata": {"type": "YOGA"}, "steps": []}));
        assert_eq!(template_of(&empty).err(), Some(SdkWorkoutError::NoSteps));
    }
}
