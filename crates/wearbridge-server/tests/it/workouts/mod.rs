//! Planned workouts end to end (issue 14, item 5), on both backends, against the
//! simulated Garmin Training API: the SDK-era `/v2/plannedWorkout` replayed from the
//! requests terra-python 1.1 sends ([`sdk_replay`]), the current `/v2/workouts` and
//! `/v2/plannedWorkouts` ([`plans`]), and the SDK-era record writes as the SDKs send them
//! ([`writes`]). Every body is validated against the committed Terra schemas; the SDK-era
//! planned workout member by member, by its discriminator ([`assert_valid_sdk_workout`]).

mod plans;
mod sdk_replay;
mod writes;

use std::time::Duration;

use serde_json::{Map, Value};
use wearbridge_model::testing::{schema, validate};

use crate::connect::{Dev, Env};

/// The committed fixture: requests terra-python 1.1.0 sent, as captured (see its
/// `source`).
pub(crate) fn fixture() -> Value {
    serde_json::from_str(include_str!(
        "../../fixtures/terra_python_1_1_requests.json"
    ))
    .expect("fixture is JSON")
}

/// Headers a client library sets for its own connection, which the replay's client sets
/// itself (and whose `accept-encoding` would hand it compressed bodies it cannot read).
const TRANSPORT_HEADERS: [&str; 4] = ["connection", "content-length", "accept-encoding", "host"];

/// Sends one fixture request byte for byte (its headers, with `dev`'s credentials, and its
/// exact body) after replacing each `(placeholder, value)` in target and body; the status
/// and the JSON answer (`Null` when empty).
pub(crate) async fn replay(
    env: &Env,
    dev: &Dev,
    request: &Value,
    replace: &[(&str, &str)],
) -> (u16, Value) {
    let substitute = |text: &str| {
        replace
            .iter()
            .fold(text.to_owned(), |text, (from, to)| text.replace(from, to))
    };
    let method =
        reqwest::Method::from_bytes(request["method"].as_str().expect("method").as_bytes())
            .expect("HTTP method");
    let target = substitute(request["target"].as_str().expect("target"));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let mut builder = client.request(method, format!("{}{target}", env.base_url));
    for (name, value) in request["headers"].as_object().expect("headers") {
        let value = match name.as_str() {
            "dev-id" => dev.id.clone(),
            "x-api-key" => dev.api_key().to_owned(),
            other if TRANSPORT_HEADERS.contains(&other) => continue,
            _ => value.as_str().expect("header value").to_owned(),
        };
        builder = builder.header(name.as_str(), value);
    }
    if let Some(body) = request["body"].as_str() {
        builder = builder.body(substitute(body));
    }
    let response = builder.send().await.expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn fail(what: &str, errors: Vec<String>, value: &Value) -> ! {
    panic!(
        "{what} does not match:\n  {}\nvalue: {value}",
        errors.join("\n  ")
    )
}

/// Checks `value` against member `sdk/{member}` with the discriminator (`type`) and the
/// keys checked separately (`skip`) left out.
fn check_member(member: &str, value: &Value, skip: &[&str]) {
    let projected: Map<String, Value> = value
        .as_object()
        .expect("an object")
        .iter()
        .filter(|(key, _)| key.as_str() != "type" && !skip.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let projected = Value::Object(projected);
    if let Err(errors) = validate(&format!("sdk/{member}"), &projected) {
        fail(&format!("sdk/{member}"), errors, value);
    }
}

/// The member of the SDK-era union `union` (`PlannedWorkoutSteps`,
/// `...StepDurations`, `...StepTargets`) that `value` is: named by its `type`
/// discriminator (which must be a mapping key), else picked by the kind field
/// (`duration_type` / `target_type`) as the SDKs' typed unions would, else `base`.
fn member_of(union: &str, base: &str, value: &Value) -> String {
    let mapping = schema(&format!("sdk/{union}"))
        .and_then(|doc| doc["discriminator"]["mapping"].as_object().cloned())
        .expect("union with a discriminator");
    if let Some(name) = value.get("type").and_then(Value::as_str) {
        assert!(
            mapping.contains_key(name),
            "{name:?} is not a {union} discriminator value: {value}"
        );
        return name.to_owned();
    }
    let by_kind = |kind: &str| -> Option<&'static str> {
        Some(match kind {
            "TIME" => "TimePlannedWorkoutStepDuration",
            "DISTANCE_METERS" => "DistancePlannedWorkoutStepDuration",
            "REPS" => "RepsPlannedWorkoutStepDuration",
            "CALORIES" => "CaloriesPlannedWorkoutStepDuration",
            "HR_LESS_THAN" => "HRBelowPlannedWorkoutStepDuration",
            "HR_GREATER_THAN" => "HRAbovePlannedWorkoutStepDuration",
            "FIXED_REST" => "FixedRestPlannedWorkoutStepDuration",
            "HEART_RATE" => "HRPlannedWorkoutStepTarget",
            "PACE" => "PacePlannedWorkoutStepTarget",
            "POWER" => "PowerPlannedWorkoutStepTarget",
            "SPEED" => "SpeedPlannedWorkoutStepTarget",
            "CADENCE" => "CadencePlannedWorkoutStepTarget",
            _ => return None,
        })
    };
    value
        .get("duration_type")
        .or_else(|| value.get("target_type"))
        .and_then(Value::as_str)
        .and_then(by_kind)
        .unwrap_or(base)
        .to_owned()
}

/// Validates an SDK-era `PlannedWorkout` against the committed SDK-era schemas. Its
/// steps, durations and targets are `oneOf` unions of open objects that a plain
/// validator cannot tell apart (every step matches several members), so each is checked
/// against the member its discriminator names, with no undeclared keys.
pub(crate) fn assert_valid_sdk_workout(workout: &Value) {
    check_member("PlannedWorkout", workout, &["steps"]);
    for step in workout["steps"].as_array().into_iter().flatten() {
        assert_valid_step(step, "PlannedWorkoutSteps");
    }
}

fn assert_valid_step(step: &Value, union: &str) {
    let member = if union.is_empty() {
        "PlannedWorkoutStep".to_owned()
    } else {
        member_of(union, "PlannedWorkoutStep", step)
    };
    check_member(&member, step, &["targets", "durations", "steps"]);
    for target in step["targets"].as_array().into_iter().flatten() {
        let member = member_of(
            "PlannedWorkoutStepTargets",
            "PlannedWorkoutStepTarget",
            target,
        );
        check_member(&member, target, &[]);
    }
    for duration in step["durations"].as_array().into_iter().flatten() {
        let member = member_of(
            "PlannedWorkoutStepDurations",
            "PlannedWorkoutStepDuration",
            duration,
        );
        check_member(&member, duration, &[]);
    }
    // A repeat's sub-steps are plain `PlannedWorkoutStep`s (no union, no discriminator).
    for inner in step["steps"].as_array().into_iter().flatten() {
        assert_valid_step(inner, "");
    }
}
