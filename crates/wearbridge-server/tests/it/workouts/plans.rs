//! The current spec's workouts: a template (Terra's documented interval run), planned for
//! a Garmin user (pushed to the simulated Training API with heart rate resolved from the
//! athlete's max), listed, read, rescheduled and deleted, at Garmin too; a provider that
//! takes no planned workouts is a 400; a user who stopped sharing `WORKOUT_IMPORT` is a
//! 424 and nothing is stored; deleting a template cascades, keeping it while Garmin
//! refuses.

use crate::flows::*;

const ACCOUNT: &str = "garmin-plans";

/// Terra's documented interval run (docs "Sport-Specific Examples"), one-step blocks
/// without a completion condition as the docs write them.
fn interval_run() -> Value {
    json!({
        "name": "5x3min HR Intervals",
        "sport": "running",
        "step_blocks": [
            {"steps": [{"completion_condition": {"type": "time", "value": 300},
                        "intensity_type": "warmup"}]},
            {"completion_condition": {"type": "reps", "value": 5},
             "steps": [
                {"completion_condition": {"type": "time", "value": 180},
                 "intensity_type": "active",
                 "intensity_targets": [{"target_type": "heart_rate_max_percentage",
                                        "value_low": 85, "value_high": 90}]},
                {"completion_condition": {"type": "time", "value": 120},
                 "intensity_type": "rest"}]},
            {"steps": [{"completion_condition": {"type": "time", "value": 300},
                        "intensity_type": "cooldown"}]}
        ]
    })
}

crate::connect_test!(templates_plan_onto_the_garmin_calendar, |env| {
    let dev = env.developer("coach").await;
    let user = env.connect_provider(&dev, "GARMIN", ACCOUNT).await;

    let created = env
        .call(
            &dev,
            Method::POST,
            "/v2/workouts",
            Some(interval_run()),
            200,
        )
        .await;
    assert_valid("api/v2/Workouts_CreateWorkout.200", &created);
    assert_eq!(created["status"], "success");
    let workout_id = created["workout_id"]
        .as_str()
        .expect("workout id")
        .to_owned();
    assert!(workout_id.parse::<i64>().is_ok(), "int64 id: {workout_id}");

    let listed = env.call(&dev, Method::GET, "/v2/workouts", None, 200).await;
    assert_valid("api/v2/Workouts_ListWorkouts.200", &listed);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let template = env
        .call(
            &dev,
            Method::GET,
            &format!("/v2/workouts/{workout_id}"),
            None,
            200,
        )
        .await;
    assert_valid("api/v2/Workouts_GetWorkout.200", &template);
    assert_eq!(template["workout_id"], workout_id.as_str());
    assert_eq!(
        template["step_blocks"][0]["completion_condition"]["type"],
        "reps"
    );

    // Plan it with the athlete's max heart rate: Garmin gets beats per minute.
    let planned = env
        .call(
            &dev,
            Method::POST,
            &format!("/v2/workouts/{workout_id}/plan?user_id={user}"),
            Some(json!({"planned_date": "2026-02-10", "max_heart_rate": 185})),
            201,
        )
        .await;
    assert_valid("api/v2/Workouts_PlanWorkout.201", &planned);
    assert_eq!(planned["status"], "success");
    let planned_id = planned["planned_workout_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let calendar = env.sim().garmin_calendar(ACCOUNT);
    assert_eq!(calendar.workouts.len(), 1, "{calendar:?}");
    let garmin = &calendar.workouts[0];
    assert_eq!(
        planned["provider_workout_id"],
        json!(garmin["workoutId"].to_string())
    );
    assert_eq!(calendar.scheduled[0].1.to_string(), "2026-02-10");
    let hard = &garmin["segments"][0]["steps"][1]["steps"][0];
    assert_eq!(hard["targetType"], "HEART_RATE");
    assert_eq!(
        (&hard["targetValueLow"], &hard["targetValueHigh"]),
        (&json!(157.0), &json!(167.0))
    );
    assert_eq!(garmin["segments"][0]["steps"][1]["repeatValue"], json!(5.0));

    let announced = env.events(&dev, "planned_workout").await;
    assert_eq!(announced.len(), 1);
    assert_eq!(announced[0]["data"][0]["workout_id"], workout_id.as_str());
    assert_eq!(
        announced[0]["data"][0]["athlete_metrics"]["max_heart_rate"],
        json!(185.0)
    );

    let list = env
        .call(
            &dev,
            Method::GET,
            &format!(
                "/v2/plannedWorkouts?user_id={user}&start_date=2026-02-01&end_date=2026-02-28"
            ),
            None,
            200,
        )
        .await;
    assert_valid("api/v2/Workouts_ListPlannedWorkouts.200", &list);
    assert_eq!(list[0]["planned_workout_id"], planned_id.as_str());
    assert_eq!(list[0]["is_external"], false);
    let outside = env
        .call(
            &dev,
            Method::GET,
            &format!("/v2/plannedWorkouts?user_id={user}&start_date=2026-03-01"),
            None,
            200,
        )
        .await;
    assert_eq!(outside, json!([]));
    let one = format!("/v2/plannedWorkouts/{planned_id}?user_id={user}");
    let summary = env.call(&dev, Method::GET, &one, None, 200).await;
    assert_valid("api/v2/Workouts_GetPlannedWorkout.200", &summary);
    assert_eq!(summary["planned_date"], "2026-02-10");

    // Reschedule: Garmin's schedule moves, the answer and a new event say so.
    let moved = env
        .call(
            &dev,
            Method::PATCH,
            &one,
            Some(json!({"planned_date": "2026-02-12"})),
            200,
        )
        .await;
    assert_valid("api/v2/Workouts_UpdatePlannedWorkout.200", &moved);
    assert_eq!(moved["planned_date"], "2026-02-12");
    let calendar = env.sim().garmin_calendar(ACCOUNT);
    assert_eq!(calendar.scheduled.len(), 1);
    assert_eq!(calendar.scheduled[0].1.to_string(), "2026-02-12");
    assert_eq!(env.events(&dev, "planned_workout").await.len(), 2);

    // Delete the plan: gone at Garmin and here.
    env.call(&dev, Method::DELETE, &one, None, 204).await;
    let calendar = env.sim().garmin_calendar(ACCOUNT);
    assert!(calendar.workouts.is_empty() && calendar.scheduled.is_empty());
    env.call(&dev, Method::GET, &one, None, 404).await;

    // Deleting the template cascades to its plans, at Garmin first.
    let plan_path = format!("/v2/workouts/{workout_id}/plan?user_id={user}");
    env.call(
        &dev,
        Method::POST,
        &plan_path,
        Some(json!({"planned_date": "2026-03-01"})),
        201,
    )
    .await;
    assert_eq!(env.sim().garmin_calendar(ACCOUNT).workouts.len(), 1);
    let template_path = format!("/v2/workouts/{workout_id}");
    // While the user does not share WORKOUT_IMPORT, Garmin refuses: 424, all kept.
    env.sim()
        .garmin_permissions_change(ACCOUNT, &["ACTIVITY_EXPORT"]);
    env.call(&dev, Method::DELETE, &template_path, None, 424)
        .await;
    env.call(&dev, Method::GET, &template_path, None, 200).await;
    assert_eq!(env.sim().garmin_calendar(ACCOUNT).workouts.len(), 1);
    env.sim()
        .garmin_permissions_change(ACCOUNT, &["ACTIVITY_EXPORT", "WORKOUT_IMPORT"]);
    env.call(&dev, Method::DELETE, &template_path, None, 204)
        .await;
    env.call(&dev, Method::GET, &template_path, None, 404).await;
    assert!(env.sim().garmin_calendar(ACCOUNT).workouts.is_empty());
    let list = env
        .call(
            &dev,
            Method::GET,
            &format!("/v2/plannedWorkouts?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(list, json!([]));
});

crate::connect_test!(plans_answer_like_terra_when_they_cannot_be_made, |env| {
    let dev = env.developer("coach").await;
    let other = env.developer("other").await;
    let garmin = env.connect_provider(&dev, "GARMIN", "garmin-refuses").await;
    let sandbox = env.connect_provider(&dev, "SANDBOX", "sandbox-user").await;
    let created = env
        .call(
            &dev,
            Method::POST,
            "/v2/workouts",
            Some(interval_run()),
            200,
        )
        .await;
    let workout_id = created["workout_id"].as_str().expect("id").to_owned();
    let day = json!({"planned_date": "2026-02-10"});

    // Malformed templates: a named 400 each.
    for (body, needle) in [
        (json!({"sport": "running", "step_blocks": []}), "name"),
        (
            json!({"name": "X", "sport": "curling", "step_blocks": []}),
            "sport",
        ),
        (
            json!({"name": "X", "sport": "running", "step_blocks": []}),
            "step_blocks",
        ),
        (json!([1, 2]), "template"),
    ] {
        let error = env
            .call(&dev, Method::POST, "/v2/workouts", Some(body.clone()), 400)
            .await;
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains(needle)),
            "{body}: {error}"
        );
    }
    env.call(&dev, Method::GET, "/v2/workouts/not-a-number", None, 400)
        .await;
    env.call(&dev, Method::GET, "/v2/workouts/42", None, 404)
        .await;
    // Another developer's template is absent; so is another developer's user.
    env.call(
        &other,
        Method::GET,
        &format!("/v2/workouts/{workout_id}"),
        None,
        404,
    )
    .await;
    env.call(
        &other,
        Method::DELETE,
        &format!("/v2/workouts/{workout_id}"),
        None,
        404,
    )
    .await;
    let other_list = env
        .call(&other, Method::GET, "/v2/workouts", None, 200)
        .await;
    assert_eq!(other_list, json!([]));
    let plan = |user: &str| format!("/v2/workouts/{workout_id}/plan?user_id={user}");
    env.call(&other, Method::POST, &plan(&garmin), Some(day.clone()), 404)
        .await;

    // A provider without a public planned-workout API: 400, as Terra answers.
    let refused = env
        .call(&dev, Method::POST, &plan(&sandbox), Some(day.clone()), 400)
        .await;
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("SANDBOX")),
        "{refused}"
    );
    // No planned_date, or a malformed one.
    env.call(&dev, Method::POST, &plan(&garmin), Some(json!({})), 400)
        .await;
    env.call(
        &dev,
        Method::POST,
        &plan(&garmin),
        Some(json!({"planned_date": "10/02"})),
        400,
    )
    .await;

    // Garmin refuses a user who does not share WORKOUT_IMPORT: 424, nothing stored.
    env.sim()
        .garmin_permissions_change("garmin-refuses", &["ACTIVITY_EXPORT"]);
    let failed = env
        .call(&dev, Method::POST, &plan(&garmin), Some(day.clone()), 424)
        .await;
    assert!(
        failed["message"]
            .as_str()
            .is_some_and(|m| m.contains("WORKOUT_IMPORT")),
        "{failed}"
    );
    let list = env
        .call(
            &dev,
            Method::GET,
            &format!("/v2/plannedWorkouts?user_id={garmin}"),
            None,
            200,
        )
        .await;
    assert_eq!(list, json!([]));
    assert!(env.events(&dev, "planned_workout").await.is_empty());
    assert!(
        env.sim()
            .garmin_calendar("garmin-refuses")
            .workouts
            .is_empty()
    );
});
