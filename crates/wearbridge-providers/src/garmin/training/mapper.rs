//! Terra's planned workout (a `WorkoutTemplate` on a day, with athlete metrics) as a
//! Garmin Training API workout. Pure; every approximation is reported as a coercion
//! warning (Terra's `coercion_warnings`) instead of silently changing the workout.
//!
//! * Sports Garmin has map one to one (`running`/`trail_running` → `RUNNING`, `cycling`/
//!   `mountain_biking` → `CYCLING`, `swimming` → `LAP_SWIMMING`, `strength`, `cardio`,
//!   `yoga`, `pilates`); the rest are sent as `GENERIC` with a warning.
//! * A block repeated once becomes its steps; a block repeated `n` times, or until a
//!   time, distance, calorie, heart-rate or power condition, a `WorkoutRepeatStep`.
//! * Step orders number every step, containers included, in document order, as Garmin's
//!   examples do.
//! * Targets: the first is the primary target; a second one is Garmin's secondary target
//!   on cycling workouts only. Percentages of maximum or threshold heart rate become
//!   beats per minute when the athlete's metrics say the reference; percentages of
//!   maximum otherwise stay percentages (`targetValueType: PERCENT`). Pace (Terra: seconds
//!   per kilometre) travels as speed in m/s, as Garmin requires. Swims take no primary
//!   target: pace becomes the `PACE_ZONE` secondary target, others are dropped.

use wearbridge_model::{
    CompletionCondition, CompletionConditionType, IntensityTarget, StepBlock, SwimStrokeType,
    WeightUnit, WorkoutSport, WorkoutStep, WorkoutStepIntensity, WorkoutStepTargetType,
};

use super::wire::{self, RepeatStep, Segment, SingleStep, Step, Workout};
use crate::workout::WorkoutPlan;

const LAP_SWIMMING: &str = "LAP_SWIMMING";
const CYCLING: &str = "CYCLING";

/// The Garmin workout for `plan`, and what did not translate exactly.
pub fn workout(plan: &WorkoutPlan) -> (Workout, Vec<String>) {
    let template = &plan.template;
    let mut warnings = Vec::new();
    let sport = sport(&template.sport, &mut warnings);
    let pool_length = (sport == LAP_SWIMMING)
        .then(|| {
            plan.metrics
                .pool_length_meters
                .or(template.pool_length_meters)
        })
        .flatten();
    let pool_length_unit = pool_length.map(|_| "METER".to_owned());
    let mut mapper = Steps {
        sport,
        plan,
        next_order: 1,
        warnings: &mut warnings,
    };
    let steps = template
        .step_blocks
        .iter()
        .enumerate()
        .flat_map(|(index, block)| mapper.block(index, block))
        .collect();
    let workout = Workout {
        workout_id: None,
        owner_id: None,
        workout_name: truncated(&template.name, wire::NAME_MAX_CHARS),
        description: template
            .description
            .as_deref()
            .map(|text| truncated(text, wire::DESCRIPTION_MAX_CHARS)),
        sport: sport.to_owned(),
        pool_length,
        pool_length_unit: pool_length_unit.clone(),
        workout_provider: wire::WORKOUT_PROVIDER.to_owned(),
        workout_source_id: wire::WORKOUT_PROVIDER.to_owned(),
        is_session_transition_enabled: false,
        segments: vec![Segment {
            segment_order: 1,
            sport: sport.to_owned(),
            pool_length,
            pool_length_unit,
            steps,
        }],
    };
    (workout, warnings)
}

/// Garmin's sport for Terra's.
fn sport(sport: &WorkoutSport, warnings: &mut Vec<String>) -> &'static str {
    use WorkoutSport as S;
    match sport {
        S::Running | S::TrailRunning => "RUNNING",
        S::Cycling | S::MountainBiking => CYCLING,
        S::Swimming => LAP_SWIMMING,
        S::Strength => "STRENGTH_TRAINING",
        S::Cardio => "CARDIO_TRAINING",
        S::Yoga => "YOGA",
        S::Pilates => "PILATES",
        other => {
            warnings.push(format!(
                "Garmin has no {} workouts; sent as a generic workout",
                other.as_str()
            ));
            "GENERIC"
        }
    }
}

fn truncated(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

struct Steps<'a> {
    sport: &'static str,
    plan: &'a WorkoutPlan,
    next_order: u32,
    warnings: &'a mut Vec<String>,
}

impl Steps<'_> {
    fn order(&mut self) -> u32 {
        let order = self.next_order;
        self.next_order = self.next_order.saturating_add(1);
        order
    }

    fn block(&mut self, index: usize, block: &StepBlock) -> Vec<Step> {
        use CompletionConditionType as C;
        let condition = &block.completion_condition;
        let value = condition.value;
        let repeat = match &condition.r#type {
            C::Reps if value.is_none_or(|count| count <= 1.0) => None,
            C::Reps => Some(("REPEAT_UNTIL_STEPS_CMPLT", value)),
            C::Time => Some(("REPEAT_UNTIL_TIME", value)),
            C::Distance => Some(("REPEAT_UNTIL_DISTANCE", value)),
            C::Calories => Some(("REPEAT_UNTIL_CALORIES", value)),
            C::HrLessThan => Some(("REPEAT_UNTIL_HR_LESS_THAN", value)),
            C::Hr | C::HrGreaterThan => Some(("REPEAT_UNTIL_HR_GREATER_THAN", value)),
            C::Power if condition.value_high.is_some() => {
                Some(("REPEAT_UNTIL_POWER_LESS_THAN", condition.value_high))
            }
            C::Power => Some((
                "REPEAT_UNTIL_POWER_GREATER_THAN",
                value.or(condition.value_low),
            )),
            other => {
                self.warnings.push(format!(
                    "step_blocks[{index}]: repeating until {} has no Garmin counterpart; done once",
                    other.as_str()
                ));
                None
            }
        };
        match repeat {
            None => block
                .steps
                .iter()
                .enumerate()
                .map(|(step, content)| Step::WorkoutStep(Box::new(self.step(index, step, content))))
                .collect(),
            Some((repeat_type, repeat_value)) => {
                let step_order = self.order();
                let steps = block
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(step, content)| {
                        Step::WorkoutStep(Box::new(self.step(index, step, content)))
                    })
                    .collect();
                vec![Step::WorkoutRepeatStep(RepeatStep {
                    step_order,
                    repeat_type: repeat_type.to_owned(),
                    repeat_value: repeat_value.unwrap_or(1.0),
                    skip_last_rest_step: None,
                    steps,
                })]
            }
        }
    }

    fn step(&mut self, block: usize, index: usize, step: &WorkoutStep) -> SingleStep {
        let label = format!("step_blocks[{block}].steps[{index}]");
        let mut garmin = SingleStep {
            step_order: self.order(),
            intensity: intensity(&step.intensity_type).to_owned(),
            description: step
                .notes
                .as_deref()
                .map(|notes| truncated(notes, wire::STEP_DESCRIPTION_MAX_CHARS)),
            ..SingleStep::default()
        };
        self.duration(&label, step, &mut garmin);
        self.targets(&label, step, &mut garmin);
        if step
            .controls
            .as_ref()
            .is_some_and(|controls| !controls.is_empty())
        {
            self.warnings.push(format!(
                "{label}: equipment controls (grade, resistance) are not sent to Garmin"
            ));
        }
        if let Some(strength) = &step.strength {
            garmin.exercise_category = strength.exercise_category.clone();
            garmin.exercise_name = strength.exercise_name.clone();
            garmin.weight_value = strength.weight;
            garmin.weight_display_unit = strength.weight_display_unit.as_ref().map(|unit| {
                match unit {
                    WeightUnit::Lbs => "POUND",
                    _ => "KILOGRAM",
                }
                .to_owned()
            });
        }
        if let Some(swimming) = &step.swimming {
            garmin.stroke_type = swimming
                .stroke_type
                .as_ref()
                .and_then(stroke_type)
                .map(str::to_owned);
            // Garmin's drills are kick and pull sets; a plain "drill" has no counterpart.
            garmin.drill_type = swimming
                .drill_type
                .as_ref()
                .map(|drill| drill.as_str().to_ascii_uppercase())
                .filter(|drill| drill == "KICK" || drill == "PULL");
            let equipment = swimming.equipment.as_deref().unwrap_or_default();
            garmin.equipment_type = equipment
                .first()
                .map(|item| item.as_str().to_ascii_uppercase());
            if equipment.len() > 1 {
                self.warnings.push(format!(
                    "{label}: Garmin takes one piece of swim equipment per step; only {} is sent",
                    equipment[0].as_str()
                ));
            }
        }
        garmin
    }

    fn duration(&mut self, label: &str, step: &WorkoutStep, garmin: &mut SingleStep) {
        use CompletionConditionType as C;
        let condition: &CompletionCondition = &step.completion_condition;
        let value = condition.value;
        let (kind, value, value_type) = match &condition.r#type {
            C::Time
                if self.sport == LAP_SWIMMING
                    && step.intensity_type == WorkoutStepIntensity::Rest =>
            {
                ("FIXED_REST", value, None)
            }
            C::Time => ("TIME", value, None),
            C::Distance => ("DISTANCE", value, Some("METER")),
            C::Calories => ("CALORIES", value, None),
            C::Open => ("OPEN", None, None),
            C::Hr | C::HrGreaterThan => ("HR_GREATER_THAN", value, None),
            C::HrLessThan => ("HR_LESS_THAN", value, None),
            C::HrPercentage => ("HR_GREATER_THAN", value, Some("PERCENT")),
            C::PowerPercentage => ("POWER_GREATER_THAN", value, Some("PERCENT")),
            C::Power if condition.value_high.is_some() => {
                ("POWER_LESS_THAN", condition.value_high, None)
            }
            C::Power => ("POWER_GREATER_THAN", value.or(condition.value_low), None),
            C::Reps
                if matches!(
                    self.sport,
                    "STRENGTH_TRAINING" | "CARDIO_TRAINING" | "YOGA" | "PILATES"
                ) =>
            {
                ("REPS", value, None)
            }
            other => {
                self.warnings.push(format!(
                    "{label}: Garmin {} workouts have no {} duration; the step ends on a lap press",
                    self.sport,
                    other.as_str()
                ));
                ("OPEN", None, None)
            }
        };
        garmin.duration_type = kind.to_owned();
        garmin.duration_value = value;
        garmin.duration_value_type = value_type.map(str::to_owned);
    }

    fn targets(&mut self, label: &str, step: &WorkoutStep, garmin: &mut SingleStep) {
        let targets = step.intensity_targets.as_deref().unwrap_or_default();
        if self.sport == LAP_SWIMMING {
            for target in targets {
                if target.target_type == WorkoutStepTargetType::Pace {
                    let (low, high) = pace_as_speed(target);
                    garmin.secondary_target_type = Some("PACE_ZONE".to_owned());
                    garmin.secondary_target_value_low = low;
                    garmin.secondary_target_value_high = high;
                } else {
                    self.warnings.push(format!(
                        "{label}: Garmin swim steps take only a pace target; the {} target is dropped",
                        target.target_type.as_str()
                    ));
                }
            }
            return;
        }
        for (index, target) in targets.iter().enumerate() {
            let Some(resolved) = self.target(label, target) else {
                continue;
            };
            match index {
                0 => {
                    garmin.target_type = Some(resolved.kind.to_owned());
                    garmin.target_value_low = resolved.low;
                    garmin.target_value_high = resolved.high;
                    garmin.target_value_type = resolved.value_type.map(str::to_owned);
                }
                1 if self.sport == CYCLING => {
                    garmin.secondary_target_type = Some(resolved.kind.to_owned());
                    garmin.secondary_target_value_low = resolved.low;
                    garmin.secondary_target_value_high = resolved.high;
                    garmin.secondary_target_value_type = resolved.value_type.map(str::to_owned);
                }
                _ => self.warnings.push(format!(
                    "{label}: Garmin takes {} target(s) on {} steps; the {} target is dropped",
                    if self.sport == CYCLING { "two" } else { "one" },
                    self.sport,
                    target.target_type.as_str()
                )),
            }
        }
    }

    fn target(&mut self, label: &str, target: &IntensityTarget) -> Option<Resolved> {
        use WorkoutStepTargetType as T;
        let (low, high) = bounds(target);
        let metrics = &self.plan.metrics;
        let absolute = |kind| Resolved {
            kind,
            low,
            high,
            value_type: None,
        };
        let resolved = match &target.target_type {
            T::HeartRate => absolute("HEART_RATE"),
            T::HeartRateLap => absolute("HEART_RATE_LAP"),
            T::Power => absolute("POWER"),
            T::Speed => absolute("SPEED"),
            T::SpeedLap => absolute("SPEED_LAP"),
            T::Cadence => absolute("CADENCE"),
            T::Open => absolute("OPEN"),
            T::Pace => {
                let (low, high) = pace_as_speed(target);
                Resolved {
                    kind: "PACE",
                    low,
                    high,
                    value_type: None,
                }
            }
            T::HeartRateMaxPercentage => match metrics.max_heart_rate {
                Some(max) => Resolved {
                    kind: "HEART_RATE",
                    low: low.map(|pct| (pct * max / 100.0).round()),
                    high: high.map(|pct| (pct * max / 100.0).round()),
                    value_type: None,
                },
                None => Resolved {
                    kind: "HEART_RATE",
                    low,
                    high,
                    value_type: Some("PERCENT"),
                },
            },
            T::HeartRateThresholdPercentage => match metrics.threshold_heart_rate {
                Some(threshold) => Resolved {
                    kind: "HEART_RATE",
                    low: low.map(|pct| (pct * threshold / 100.0).round()),
                    high: high.map(|pct| (pct * threshold / 100.0).round()),
                    value_type: None,
                },
                None => {
                    self.warnings.push(format!(
                        "{label}: a percentage of threshold heart rate needs the athlete's \
                         threshold_heart_rate; the target is dropped"
                    ));
                    return None;
                }
            },
            other => {
                self.warnings.push(format!(
                    "{label}: Garmin has no {} target; it is dropped",
                    other.as_str()
                ));
                return None;
            }
        };
        Some(resolved)
    }
}

/// A target in Garmin's terms.
struct Resolved {
    kind: &'static str,
    low: Option<f64>,
    high: Option<f64>,
    value_type: Option<&'static str>,
}

/// A target's range; a single value is a range of one.
fn bounds(target: &IntensityTarget) -> (Option<f64>, Option<f64>) {
    (
        target.value_low.or(target.value),
        target.value_high.or(target.value),
    )
}

/// Terra's pace (seconds per kilometre) as Garmin's speed range (m/s): the slower pace
/// is the lower speed.
fn pace_as_speed(target: &IntensityTarget) -> (Option<f64>, Option<f64>) {
    let (fast, slow) = bounds(target);
    let speed = |seconds_per_km: f64| (seconds_per_km > 0.0).then(|| 1000.0 / seconds_per_km);
    (slow.and_then(speed), fast.and_then(speed))
}

fn intensity(intensity: &WorkoutStepIntensity) -> &'static str {
    use WorkoutStepIntensity as I;
    match intensity {
        I::Rest => "REST",
        I::Warmup => "WARMUP",
        I::Cooldown => "COOLDOWN",
        I::Recovery => "RECOVERY",
        _ => "ACTIVE",
    }
}

fn stroke_type(stroke: &SwimStrokeType) -> Option<&'static str> {
    use SwimStrokeType as S;
    Some(match stroke {
        S::Backstroke => "BACKSTROKE",
        S::Breaststroke => "BREASTSTROKE",
        S::Butterfly => "BUTTERFLY",
        S::Freestyle => "FREESTYLE",
        S::Mixed => "MIXED",
        S::Im => "IM",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use serde_json::json;
    use wearbridge_model::{AthleteMetrics, WorkoutTemplate};

    use super::*;

    fn plan(template: serde_json::Value, metrics: AthleteMetrics) -> WorkoutPlan {
        WorkoutPlan {
            template: serde_json::from_value::<WorkoutTemplate>(template).unwrap_or_default(),
            planned_date: NaiveDate::from_ymd_opt(2026, 2, 10).unwrap_or_default(),
            metrics,
        }
    }

    /// Terra's documented interval run: 5 min warm-up, 5 × (3 min at 85–90 % of max HR,
    /// 2 min easy), 5 min cool-down, planned with max HR 185.
    #[test]
    fn intervals_become_a_repeat_with_heart_rate_in_bpm() {
        let plan = plan(
            json!({"name": "5x3min HR Intervals", "sport": "running", "step_blocks": [
                {"completion_condition": {"type": "reps", "value": 1},
                 "steps": [{"completion_condition": {"type": "time", "value": 300}, "intensity_type": "warmup"}]},
                {"completion_condition": {"type": "reps", "value": 5}, "steps": [
                    {"completion_condition": {"type": "time", "value": 180}, "intensity_type": "active",
                     "intensity_targets": [{"target_type": "heart_rate_max_percentage", "value_low": 85, "value_high": 90}]},
                    {"completion_condition": {"type": "time", "value": 120}, "intensity_type": "rest"}]},
                {"completion_condition": {"type": "reps", "value": 1},
                 "steps": [{"completion_condition": {"type": "time", "value": 300}, "intensity_type": "cooldown"}]}
            ]}),
            AthleteMetrics {
                max_heart_rate: Some(185.0),
                ..AthleteMetrics::default()
            },
        );
        let (workout, warnings) = workout(&plan);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(workout.sport, "RUNNING");
        let steps = &workout.segments[0].steps;
        assert_eq!(steps.len(), 3);
        let Step::WorkoutRepeatStep(repeat) = &steps[1] else {
            panic!("the middle block repeats: {steps:?}");
        };
        assert_eq!(repeat.step_order, 2);
        assert_eq!(repeat.repeat_type, "REPEAT_UNTIL_STEPS_CMPLT");
        assert_eq!(repeat.repeat_value, 5.0);
        let Step::WorkoutStep(hard) = &repeat.steps[0] else {
            panic!("a plain step");
        };
        assert_eq!(hard.step_order, 3);
        assert_eq!(hard.duration_type, "TIME");
        assert_eq!(hard.duration_value, Some(180.0));
        assert_eq!(hard.target_type.as_deref(), Some("HEART_RATE"));
        assert_eq!(
            (hard.target_value_low, hard.target_value_high),
            (Some(157.0), Some(167.0))
        );
        let Step::WorkoutStep(cooldown) = &steps[2] else {
            panic!("a plain step");
        };
        assert_eq!(
            (cooldown.step_order, cooldown.intensity.as_str()),
            (5, "COOLDOWN")
        );
    }

    #[test]
    fn pace_travels_as_speed_and_swims_take_it_as_secondary() {
        let run = plan(
            json!({"name": "Tempo", "sport": "running", "step_blocks": [
                {"completion_condition": {"type": "reps", "value": 1}, "steps": [
                    {"completion_condition": {"type": "time", "value": 1200}, "intensity_type": "active",
                     "intensity_targets": [{"target_type": "pace", "value_low": 250, "value_high": 500}]}]}]}),
            AthleteMetrics::default(),
        );
        let (garmin, _) = workout(&run);
        let Step::WorkoutStep(step) = &garmin.segments[0].steps[0] else {
            panic!("a plain step");
        };
        assert_eq!(step.target_type.as_deref(), Some("PACE"));
        assert_eq!(
            (step.target_value_low, step.target_value_high),
            (Some(2.0), Some(4.0))
        );

        let swim = plan(
            json!({"name": "CSS", "sport": "swimming", "pool_length_meters": 25, "step_blocks": [
                {"completion_condition": {"type": "reps", "value": 1}, "steps": [
                    {"completion_condition": {"type": "distance", "value": 100}, "intensity_type": "active",
                     "swimming": {"stroke_type": "freestyle", "equipment": ["swim_fins", "swim_paddles"]},
                     "intensity_targets": [{"target_type": "pace", "value": 120},
                                           {"target_type": "heart_rate", "value": 150}]},
                    {"completion_condition": {"type": "time", "value": 20}, "intensity_type": "rest"}]}]}),
            AthleteMetrics {
                pool_length_meters: Some(50.0),
                ..AthleteMetrics::default()
            },
        );
        let (workout, warnings) = workout(&swim);
        assert_eq!(workout.sport, "LAP_SWIMMING");
        assert_eq!(
            workout.pool_length,
            Some(50.0),
            "the metrics override the pool"
        );
        let Step::WorkoutStep(swim_step) = &workout.segments[0].steps[0] else {
            panic!("a plain step");
        };
        assert_eq!(swim_step.target_type, None);
        assert_eq!(
            swim_step.secondary_target_type.as_deref(),
            Some("PACE_ZONE")
        );
        assert_eq!(swim_step.stroke_type.as_deref(), Some("FREESTYLE"));
        assert_eq!(swim_step.equipment_type.as_deref(), Some("SWIM_FINS"));
        let Step::WorkoutStep(rest) = &workout.segments[0].steps[1] else {
            panic!("a plain step");
        };
        assert_eq!(rest.duration_type, "FIXED_REST");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn sports_garmin_lacks_are_generic_with_a_warning() {
        let walk = plan(
            json!({"name": "Walk", "sport": "walking", "step_blocks": [
                {"completion_condition": {"type": "reps", "value": 1}, "steps": [
                    {"completion_condition": {"type": "reps", "value": 10}, "intensity_type": "active"}]}]}),
            AthleteMetrics::default(),
        );
        let (workout, warnings) = workout(&walk);
        assert_eq!(workout.sport, "GENERIC");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        let Step::WorkoutStep(step) = &workout.segments[0].steps[0] else {
            panic!("a plain step");
        };
        assert_eq!(step.duration_type, "OPEN");
    }
}
