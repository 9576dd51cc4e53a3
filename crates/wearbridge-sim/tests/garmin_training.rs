//! The simulated Garmin Training API V2 holds to what Garmin's specification (v1.0,
//! §3.1–3.3) says: workouts and schedules per user, 400 with `errorMessage` for what
//! Garmin refuses, 412 without `WORKOUT_IMPORT`, 404 for another user's workout, and a
//! deleted workout takes its schedules along.

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wearbridge_sim::{SimConfig, SimHandle, Simulator};

const VERIFIER: &str = "a-very-long-code-verifier-that-is-at-least-43-characters-long";
const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// An access token of `account` (OAuth 2 with PKCE at the simulated Garmin).
async fn token(
    http: &Client,
    sim: &SimHandle,
    account: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let base = sim.base_url();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let allowed = http
        .get(format!(
            "{base}/garmin/oauth2Confirm?response_type=code&client_id=app&redirect_uri={REDIRECT_URI}\
             &state=s&code_challenge={challenge}&code_challenge_method=S256&consent=allow&sim_user={account}"
        ))
        .send()
        .await?;
    let code = support::redirect_code(&allowed)?;
    let tokens: Value = http
        .post(format!("{base}/garmin/di-oauth2-service/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
            ("client_id", "app"),
            ("client_secret", "secret"),
        ])
        .send()
        .await?
        .json()
        .await?;
    Ok(tokens["access_token"]
        .as_str()
        .ok_or("access token")?
        .to_owned())
}

fn step(order: u32) -> Value {
    json!({"type": "WorkoutStep", "stepOrder": order, "intensity": "ACTIVE",
           "durationType": "TIME", "durationValue": 60.0, "targetType": "OPEN"})
}

fn workout(sport: &str, steps: Vec<Value>) -> Value {
    json!({"workoutName": "Test", "sport": sport, "workoutProvider": "Wearbridge",
           "workoutSourceId": "Wearbridge",
           "segments": [{"segmentOrder": 1, "sport": sport, "steps": steps}]})
}

#[tokio::test]
async fn the_training_api_keeps_garmins_rules() -> TestResult {
    let sim = Simulator::spawn(SimConfig::default()).await?;
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()?;
    let base = format!("{}/garmin", sim.base_url());
    let ann = token(&http, &sim, "ann").await?;
    let bob = token(&http, &sim, "bob").await?;

    let repeat = json!({"type": "WorkoutRepeatStep", "stepOrder": 2,
        "repeatType": "REPEAT_UNTIL_STEPS_CMPLT", "repeatValue": 3.0, "steps": [step(3)]});
    let created = http
        .post(format!("{base}/workoutportal/workout/v2"))
        .bearer_auth(&ann)
        .json(&workout("RUNNING", vec![step(1), repeat]))
        .send()
        .await?;
    assert_eq!(created.status(), StatusCode::OK);
    let created: Value = created.json().await?;
    let id = created["workoutId"].as_i64().ok_or("workoutId")?;
    assert!(created["ownerId"].is_i64());

    let scheduled: Value = http
        .post(format!("{base}/training-api/schedule/"))
        .bearer_auth(&ann)
        .json(&json!({"workoutId": id, "date": "2026-02-10"}))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(scheduled["workoutId"], id);
    assert!(scheduled["scheduleId"].is_i64(), "{scheduled}");
    let listed: Value = http
        .get(format!(
            "{base}/training-api/schedule?startDate=2026-02-01&endDate=2026-02-28"
        ))
        .bearer_auth(&ann)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(listed, json!([scheduled]));

    // What Garmin refuses: 400 with an errorMessage naming the problem.
    let many: Vec<Value> = (1..=101).map(step).collect();
    let swim_target = workout("LAP_SWIMMING", vec![step(1)]);
    let mut with_id = workout("RUNNING", vec![step(1)]);
    with_id["workoutId"] = json!(5);
    for (body, needle) in [
        (workout("SURFING", vec![step(1)]), "sport"),
        (workout("RUNNING", many), "100 steps"),
        (swim_target, "targetType"),
        (with_id, "workout ID"),
        (
            workout("RUNNING", vec![json!({"type": "Step", "stepOrder": 1})]),
            "type",
        ),
    ] {
        let refused = http
            .post(format!("{base}/workoutportal/workout/v2"))
            .bearer_auth(&ann)
            .json(&body)
            .send()
            .await?;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = refused.json().await?;
        let message = error["errorMessage"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{needle}: {message}");
    }

    // Another user's workout does not exist for bob.
    let foreign = http
        .get(format!("{base}/training-api/workout/v2/{id}"))
        .bearer_auth(&bob)
        .send()
        .await?;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    // Without WORKOUT_IMPORT every call is a 412.
    sim.garmin_permissions_change("bob", &["ACTIVITY_EXPORT"]);
    let denied = http
        .post(format!("{base}/workoutportal/workout/v2"))
        .bearer_auth(&bob)
        .json(&workout("CYCLING", vec![step(1)]))
        .send()
        .await?;
    assert_eq!(denied.status(), StatusCode::PRECONDITION_FAILED);

    // Deleting the workout removes its schedule too.
    let deleted = http
        .delete(format!("{base}/training-api/workout/v2/{id}"))
        .bearer_auth(&ann)
        .send()
        .await?;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let calendar = sim.garmin_calendar("ann");
    assert!(
        calendar.workouts.is_empty() && calendar.scheduled.is_empty(),
        "{calendar:?}"
    );
    Ok(())
}
