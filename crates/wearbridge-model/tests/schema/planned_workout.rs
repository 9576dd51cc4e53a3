//! The planned workout, validated member-wise against the SDK-era `oneOf` unions.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wearbridge_model::testing::{schema, validate};
use wearbridge_model::*;

use crate::support::{self, Populated};
use crate::{Failures, expect_same, to_json};

/// The SDK-era planned workout's steps, durations and targets are `oneOf`
/// unions of open objects without required keys, so any step matches several
/// members and fails `oneOf` under strict JSON Schema (the SDKs pick a member by
/// a discriminator the spec defines inconsistently). So: the workout is checked
/// without steps, and each superset type is checked against one concrete
/// member schema, projected to that member's keys, and parsed back.
#[test]
fn planned_workout_validates_member_wise() {
    let mut failures = Failures::default();
    let workout = PlannedWorkout {
        steps: None,
        ..PlannedWorkout::populated()
    };
    failures.check(
        "sdk/PlannedWorkout",
        validate("sdk/PlannedWorkout", &to_json(&workout)),
    );
    let step = PlannedWorkoutStep {
        steps: None,
        targets: None,
        durations: None,
        ..PlannedWorkoutStep::populated()
    };
    failures.check(
        "sdk/CardioPlannedWorkoutStep",
        member_check(
            "sdk/CardioPlannedWorkoutStep",
            &to_json(&step),
            reparse_as::<PlannedWorkoutStep>,
        ),
    );
    let duration = to_json(&PlannedWorkoutStepDuration::populated());
    failures.check(
        "sdk/TimePlannedWorkoutStepDuration",
        member_check(
            "sdk/TimePlannedWorkoutStepDuration",
            &duration,
            reparse_as::<PlannedWorkoutStepDuration>,
        ),
    );
    let target = to_json(&PlannedWorkoutStepTarget::populated());
    failures.check(
        "sdk/HRPlannedWorkoutStepTarget",
        member_check(
            "sdk/HRPlannedWorkoutStepTarget",
            &target,
            reparse_as::<PlannedWorkoutStepTarget>,
        ),
    );
    let round_trip: Result<PlannedWorkout, _> =
        serde_json::from_value(to_json(&PlannedWorkout::populated()));
    assert_eq!(round_trip.ok(), Some(PlannedWorkout::populated()));
    failures.assert_none();
}

fn reparse_as<T: Serialize + DeserializeOwned>(value: Value) -> Result<Value, String> {
    support::reparse::<T>(value)
}

/// Keeps only the keys `member` declares, validates, and checks the projection
/// parses into the superset type and serialises back unchanged.
fn member_check(
    member: &str,
    superset: &Value,
    reparse: fn(Value) -> Result<Value, String>,
) -> Result<(), Vec<String>> {
    let declared = schema(member)
        .and_then(|doc| doc.get("properties").and_then(Value::as_object).cloned())
        .unwrap_or_default();
    let projected: serde_json::Map<String, Value> = superset
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| declared.contains_key(*key))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if projected.len() < 2 {
        return Err(vec![format!(
            "projection onto {member} kept {} keys",
            projected.len()
        )]);
    }
    let projected = Value::Object(projected);
    validate(member, &projected)?;
    expect_same(&projected, reparse(projected.clone()))
}
