//! Workout templates: `POST|GET /v2/workouts`, `GET|DELETE /v2/workouts/{workout_id}`.
//! A template belongs to the developer, carries no date and goes to no provider until
//! it is planned ([`super::plans`]).

use serde_json::Value;
use wearbridge_model::{
    CompletionConditionType, EnvironmentType, StepControlType, SwimEquipmentType, SwimStrokeType,
    WeightUnit, WorkoutSport, WorkoutStepIntensity, WorkoutStepTargetType, WorkoutTemplate,
};
use wearbridge_store::ids::DeveloperId;
use wearbridge_store::{PlannedWorkoutRow, StoreError};

use super::{WORKOUT_NOT_FOUND, WorkoutError, new_id, remove_at_provider};
use crate::services::Services;

/// A posted template, checked and normalised: a block without a completion condition
/// runs once (Terra's own examples leave it out of one-step blocks although the schema
/// requires it), `workout_id` is dropped (Terra ignores it on create), and every enum
/// value must be one the spec lists.
pub fn parse_template(mut body: Value) -> Result<WorkoutTemplate, WorkoutError> {
    let Value::Object(map) = &mut body else {
        return Err(WorkoutError::BadRequest(
            "the body must be a workout template object".to_owned(),
        ));
    };
    map.remove("workout_id");
    if let Some(Value::Array(blocks)) = map.get_mut("step_blocks") {
        for block in blocks.iter_mut() {
            if let Value::Object(block) = block {
                block
                    .entry("completion_condition")
                    .or_insert_with(|| serde_json::json!({"type": "reps", "value": 1}));
            }
        }
    }
    let template: WorkoutTemplate = serde_json::from_value(body)
        .map_err(|error| WorkoutError::BadRequest(format!("invalid workout template: {error}")))?;
    check(&template)?;
    Ok(template)
}

fn bad(message: String) -> WorkoutError {
    WorkoutError::BadRequest(message)
}

/// A value of a spec enum must be one the spec lists (the model keeps others as
/// `Other`); else 400 naming the field and the allowed values.
fn known<'a>(
    value: &str,
    mut allowed: impl Iterator<Item = &'a str> + Clone,
    field: impl std::fmt::Display,
) -> Result<(), WorkoutError> {
    if allowed.clone().any(|known| known == value) {
        return Ok(());
    }
    let listed: Vec<&str> = allowed.by_ref().collect();
    Err(bad(format!(
        "{field}: unknown value {value:?} (one of {})",
        listed.join(", ")
    )))
}

macro_rules! known {
    ($value:expr, $ty:ident, $field:expr) => {
        known($value.as_str(), $ty::KNOWN.iter().map($ty::as_str), $field)?
    };
}

fn check(template: &WorkoutTemplate) -> Result<(), WorkoutError> {
    if template.name.trim().is_empty() {
        return Err(bad("name must not be empty".to_owned()));
    }
    known!(&template.sport, WorkoutSport, "sport");
    if let Some(environment) = &template.environment {
        known!(environment, EnvironmentType, "environment");
    }
    if template.step_blocks.is_empty() {
        return Err(bad("step_blocks must hold at least one block".to_owned()));
    }
    for (index, block) in template.step_blocks.iter().enumerate() {
        let at = format!("step_blocks[{index}]");
        known!(
            &block.completion_condition.r#type,
            CompletionConditionType,
            format!("{at}.completion_condition.type")
        );
        if block.steps.is_empty() {
            return Err(bad(format!("{at}.steps must hold at least one step")));
        }
        for (position, step) in block.steps.iter().enumerate() {
            let at = format!("{at}.steps[{position}]");
            known!(
                &step.completion_condition.r#type,
                CompletionConditionType,
                format!("{at}.completion_condition.type")
            );
            known!(
                &step.intensity_type,
                WorkoutStepIntensity,
                format!("{at}.intensity_type")
            );
            for (target, intensity) in step.intensity_targets.iter().flatten().enumerate() {
                known!(
                    &intensity.target_type,
                    WorkoutStepTargetType,
                    format!("{at}.intensity_targets[{target}].target_type")
                );
            }
            for (control, item) in step.controls.iter().flatten().enumerate() {
                known!(
                    &item.r#type,
                    StepControlType,
                    format!("{at}.controls[{control}].type")
                );
            }
            if let Some(unit) = step
                .strength
                .as_ref()
                .and_then(|s| s.weight_display_unit.as_ref())
            {
                known!(
                    unit,
                    WeightUnit,
                    format!("{at}.strength.weight_display_unit")
                );
            }
            if let Some(swimming) = &step.swimming {
                if let Some(stroke) = &swimming.stroke_type {
                    known!(stroke, SwimStrokeType, format!("{at}.swimming.stroke_type"));
                }
                for item in swimming.equipment.iter().flatten() {
                    known!(item, SwimEquipmentType, format!("{at}.swimming.equipment"));
                }
            }
        }
    }
    Ok(())
}

/// Stores a new template for `dev`; its `workout_id`.
pub async fn create(
    services: &Services,
    dev: &DeveloperId,
    body: Value,
) -> Result<String, WorkoutError> {
    let template = parse_template(body)?;
    let json = serde_json::to_string(&template)?;
    // A clash of two random 53-bit ids is next to impossible; one more draw settles it.
    for _ in 0..3 {
        let id = new_id();
        match services
            .store
            .insert_workout_template(dev, &id, &json, services.now_micros())
            .await
        {
            Ok(()) => return Ok(id),
            Err(StoreError::Conflict(_)) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(StoreError::Conflict("no free workout id".to_owned()).into())
}

/// A stored template as Terra returns it (with `workout_id`).
fn with_id(id: &str, body: &str) -> Result<WorkoutTemplate, WorkoutError> {
    let mut template: WorkoutTemplate = serde_json::from_str(body)?;
    template.workout_id = Some(id.to_owned());
    Ok(template)
}

/// `dev`'s templates, oldest first.
pub async fn list(
    services: &Services,
    dev: &DeveloperId,
) -> Result<Vec<WorkoutTemplate>, WorkoutError> {
    services
        .store
        .list_workout_templates(dev)
        .await?
        .iter()
        .map(|row| with_id(&row.id, &row.body))
        .collect()
}

/// `dev`'s template `id`, or 404.
pub async fn get(
    services: &Services,
    dev: &DeveloperId,
    id: &str,
) -> Result<WorkoutTemplate, WorkoutError> {
    let row = services
        .store
        .get_workout_template(dev, id)
        .await?
        .ok_or(WorkoutError::NotFound(WORKOUT_NOT_FOUND))?;
    with_id(&row.id, &row.body)
}

/// How a template deletion ended (Terra: 204, 207, 424).
#[derive(Debug, PartialEq, Eq)]
pub enum Deletion {
    /// The template and every plan made from it are gone, at the providers too.
    Deleted,
    /// Some provider-side deletions failed; the template is kept so a retry can finish.
    Partial { failed: usize, total: usize },
    /// No provider-side deletion succeeded.
    Failed { total: usize },
}

/// Deletes `dev`'s template `id` and every planned workout made from it, removing each
/// at its provider first; a plan the provider would not remove stays (with the template).
pub async fn delete(
    services: &Services,
    dev: &DeveloperId,
    id: &str,
) -> Result<Deletion, WorkoutError> {
    if services
        .store
        .get_workout_template(dev, id)
        .await?
        .is_none()
    {
        return Err(WorkoutError::NotFound(WORKOUT_NOT_FOUND));
    }
    let plans = services.store.planned_workouts_of_template(dev, id).await?;
    let total = plans.len();
    let mut failed = 0;
    for plan in &plans {
        if !remove_plan(services, dev, plan).await? {
            failed += 1;
        }
    }
    if failed == 0 {
        let mut tx = services.store.begin().await?;
        tx.delete_workout_template(dev, id).await?;
        tx.commit().await?;
        return Ok(Deletion::Deleted);
    }
    if failed == total {
        return Ok(Deletion::Failed { total });
    }
    Ok(Deletion::Partial { failed, total })
}

/// Removes one plan at its provider, then here; `false` when the provider refused.
async fn remove_plan(
    services: &Services,
    dev: &DeveloperId,
    plan: &PlannedWorkoutRow,
) -> Result<bool, WorkoutError> {
    let Some(user) = services.store.get_user(dev, &plan.user_id).await? else {
        return Ok(true);
    };
    match remove_at_provider(services, &user, plan).await {
        Ok(()) => {}
        Err(WorkoutError::Provider { provider, source }) => {
            tracing::warn!(provider, %source, planned_workout = plan.id, "provider kept a planned workout");
            return Ok(false);
        }
        Err(other) => return Err(other),
    }
    let mut tx = services.store.begin().await?;
    tx.delete_planned_workout(dev, &plan.user_id, &plan.id)
        .await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn one_step_blocks_may_leave_out_their_condition() {
        let parsed = parse_template(json!({
            "name": "Easy", "sport": "running", "workout_id": "ignored",
            "step_blocks": [{"steps": [{"completion_condition": {"type": "time", "value": 600},
                                         "intensity_type": "active"}]}]
        }));
        let Ok(template) = parsed else {
            panic!("Terra's documented shape: {parsed:?}");
        };
        assert_eq!(template.workout_id, None);
        assert_eq!(
            template.step_blocks[0].completion_condition.r#type,
            CompletionConditionType::Reps
        );
    }

    #[test]
    fn unknown_enum_values_and_empty_blocks_are_refused() {
        let bad_sport = parse_template(json!({"name": "X", "sport": "curling", "step_blocks": []}));
        assert!(
            matches!(&bad_sport, Err(WorkoutError::BadRequest(m)) if m.starts_with("sport: unknown value \"curling\"")),
            "{bad_sport:?}"
        );
        let bad_target = parse_template(json!({"name": "X", "sport": "cycling", "step_blocks": [
            {"steps": [{"completion_condition": {"type": "time", "value": 60}, "intensity_type": "active",
                        "intensity_targets": [{"target_type": "watts"}]}]}]}));
        assert!(
            matches!(&bad_target, Err(WorkoutError::BadRequest(m)) if m.contains("step_blocks[0].steps[0].intensity_targets[0].target_type")),
            "{bad_target:?}"
        );
        let no_steps =
            parse_template(json!({"name": "X", "sport": "yoga", "step_blocks": [{"steps": []}]}));
        assert!(matches!(no_steps, Err(WorkoutError::BadRequest(_))));
        let missing = parse_template(json!({"sport": "yoga", "step_blocks": []}));
        assert!(matches!(missing, Err(WorkoutError::BadRequest(m)) if m.contains("name")));
    }
}
