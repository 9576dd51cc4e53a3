//! terra-python 1.1's `client.plannedworkout.*` calls, replayed byte for byte from the
//! committed capture against a user connected to the simulated Garmin: the write lands on
//! the user's Garmin calendar in the Training API's format and is announced; the reads
//! serve it back as sent (to_webhook=false) or deliver it as a `planned_workout` event
//! tagged with the acknowledgement's reference; the delete removes it at Garmin too.

use super::{assert_valid_sdk_workout, fixture, replay};
use crate::flows::*;
use crate::harness::{WebhookReceiver, assert_valid_sdk_user_shape};
use wearbridge_server::delivery::Deliverer;
use wearbridge_server::developers::set_webhook_url;

const ACCOUNT: &str = "garmin-sdk";

crate::connect_test!(terra_python_planned_workout_calls_replay, |env| {
    let dev = env.developer("sdk").await;
    let receiver = WebhookReceiver::start().await;
    set_webhook_url(
        &env.state().store,
        &dev.id,
        (Some(&receiver.url), &crate::harness::loopback()),
    )
    .await
    .expect("webhook url");
    let user = env.connect_provider(&dev, "GARMIN", ACCOUNT).await;
    let fixture = fixture();
    let user_placeholder = fixture["user_id_placeholder"]
        .as_str()
        .expect("placeholder");
    let log_placeholder = fixture["log_id_placeholder"].as_str().expect("placeholder");
    let requests = fixture["planned_workout"].as_array().expect("requests");
    let [write, read, read_to_webhook, delete] = requests.as_slice() else {
        panic!("the fixture holds write, read, read (to_webhook), delete");
    };
    let as_user = [(user_placeholder, user.as_str())];

    // What the SDK sends is the SDK-era request body (checked member-wise).
    let sent: Value = serde_json::from_str(write["body"].as_str().expect("body")).expect("json");
    assert_eq!(sent.as_object().map(|o| o.len()), Some(1), "{sent}");
    let posted = &sent["data"][0];
    assert_valid_sdk_workout(posted);

    // client.plannedworkout.write(user_id=..., data=[workout])
    let (status, written) = replay(&env, &dev, write, &as_user).await;
    assert_eq!(status, 201, "{written}");
    assert_valid_sdk_user_shape("api/sdk/PlannedWorkout_Write.201", &written);
    assert_eq!(written["message"], "Planned workout successfully created");
    assert_eq!(written["user"]["user_id"], user.as_str());
    let log_ids = written["log_ids"].as_array().cloned().unwrap_or_default();
    assert_eq!(log_ids.len(), 1, "{written}");
    let log_id = log_ids[0].as_str().expect("log id").to_owned();

    // Garmin has it, in its Training API format, scheduled on the planned day.
    let calendar = env.sim().garmin_calendar(ACCOUNT);
    assert_eq!(calendar.workouts.len(), 1, "{calendar:?}");
    assert_eq!(calendar.scheduled.len(), 1, "{calendar:?}");
    let garmin = &calendar.workouts[0];
    let (_, day, scheduled_workout) = calendar.scheduled[0];
    assert_eq!(day.to_string(), "2024-03-05");
    assert_eq!(json!(scheduled_workout), garmin["workoutId"]);
    assert_eq!(garmin["workoutName"], "Tempo intervals");
    assert_eq!(garmin["sport"], "RUNNING");
    assert_eq!(garmin["workoutProvider"], "Wearbridge");
    let steps = &garmin["segments"][0]["steps"];
    assert_eq!(steps.as_array().map(Vec::len), Some(3), "{garmin}");
    assert_eq!(steps[0]["type"], "WorkoutStep");
    assert_eq!(steps[0]["intensity"], "WARMUP");
    assert_eq!(
        (&steps[0]["durationType"], &steps[0]["durationValue"]),
        (&json!("TIME"), &json!(600.0))
    );
    assert_eq!(steps[0]["targetType"], "HEART_RATE");
    assert_eq!(
        (&steps[0]["targetValueLow"], &steps[0]["targetValueHigh"]),
        (&json!(120.0), &json!(140.0))
    );
    assert_eq!(steps[1]["type"], "WorkoutRepeatStep");
    assert_eq!(steps[1]["repeatType"], "REPEAT_UNTIL_STEPS_CMPLT");
    assert_eq!(steps[1]["repeatValue"], json!(4.0));
    let interval = &steps[1]["steps"][0];
    assert_eq!(interval["intensity"], "ACTIVE");
    assert_eq!(
        (&interval["durationType"], &interval["durationValue"]),
        (&json!("DISTANCE"), &json!(1000.0))
    );
    // 4:30 min/km travels as Garmin's pace target: speed in m/s.
    assert_eq!(interval["targetType"], "PACE");
    let speed = interval["targetValueLow"].as_f64().unwrap_or_default();
    assert!((speed - 1000.0 / 270.0).abs() < 1e-9, "{interval}");
    assert_eq!(steps[1]["steps"][1]["intensity"], "RECOVERY");
    assert_eq!(steps[2]["intensity"], "COOLDOWN");
    assert_eq!(steps[2]["durationValue"], json!(300.0));

    // The write was announced as a `planned_workout` event (schema-checked by `events`).
    let announced = env.events(&dev, "planned_workout").await;
    assert_eq!(announced.len(), 1, "{announced:?}");
    let item = &announced[0]["data"][0];
    assert_eq!(item["planned_workout_id"], log_id.as_str());
    assert_eq!(item["planned_date"], "2024-03-05");
    assert_eq!(
        item["provider_workout_id"],
        json!(garmin["workoutId"].to_string())
    );
    assert_eq!(announced[0]["user"]["user_id"], user.as_str());

    // client.plannedworkout.fetch(..., to_webhook=False): the workout as it was sent.
    let (status, body) = replay(&env, &dev, read, &as_user).await;
    assert_eq!(status, 200, "{body}");
    let served = body["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(served.len(), 1, "{body}");
    assert_valid_sdk_workout(&served[0]);
    let mut expected = posted.clone();
    expected["metadata"]["id"] = json!(log_id);
    expected["metadata"]["provider"] = json!("GARMIN");
    assert_eq!(served[0], expected);
    let mut envelope = body.clone();
    envelope["data"] = json!([]);
    assert_valid_sdk_user_shape("api/DataResponse.plannedWorkout", &envelope);

    // client.plannedworkout.fetch(...) with to_webhook left to its default: an
    // acknowledgement, then the workout delivered under the same reference.
    let (status, ack) = replay(&env, &dev, read_to_webhook, &as_user).await;
    assert_eq!(status, 200, "{ack}");
    crate::harness::assert_valid_acknowledgement(&ack);
    let reference = ack["reference"].as_str().expect("reference").to_owned();
    // The manual clock started before these events were written; move it past them.
    env.clock().advance(chrono::Duration::minutes(1));
    Deliverer::new(&env.state().services(), env.state().config.webhooks.clone())
        .expect("deliverer")
        .run_due_now()
        .await
        .expect("delivery");
    let delivered: Vec<Value> = receiver
        .requests()
        .into_iter()
        .filter(|request| {
            request
                .headers
                .get("terra-reference")
                .is_some_and(|value| value.to_str().ok() == Some(reference.as_str()))
        })
        .map(|request| serde_json::from_slice(&request.body).expect("json"))
        .collect();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_valid("core/PlannedWorkoutEvent", &delivered[0]);
    assert_eq!(delivered[0]["type"], "planned_workout");
    assert_eq!(
        delivered[0]["data"][0]["planned_workout_id"],
        log_id.as_str()
    );

    // client.plannedworkout.delete(user_id=..., data=written.log_ids)
    let as_user_and_log = [
        (user_placeholder, user.as_str()),
        (log_placeholder, log_id.as_str()),
    ];
    let (status, deleted) = replay(&env, &dev, delete, &as_user_and_log).await;
    assert_eq!(status, 200, "{deleted}");
    assert_valid_sdk_user_shape("api/sdk/PlannedWorkout_Delete.200", &deleted);
    assert_eq!(
        deleted["processed_data"],
        json!([{"id": log_id, "response_code": 200}])
    );
    let calendar = env.sim().garmin_calendar(ACCOUNT);
    assert!(
        calendar.workouts.is_empty() && calendar.scheduled.is_empty(),
        "still at Garmin: {calendar:?}"
    );
    let (_, body) = replay(&env, &dev, read, &as_user).await;
    assert_eq!(body["data"], json!([]));
    // Deleting it again: nothing left to delete (207, 404 for the id).
    let (status, again) = replay(&env, &dev, delete, &as_user_and_log).await;
    assert_eq!(status, 207, "{again}");
    assert_eq!(again["processed_data"][0]["response_code"], 404);
});

crate::connect_test!(planned_workouts_are_the_developers_own, |env| {
    let dev = env.developer("owner").await;
    let other = env.developer("other").await;
    let user = env.connect_provider(&dev, "GARMIN", "garmin-own").await;
    let fixture = fixture();
    let user_placeholder = fixture["user_id_placeholder"]
        .as_str()
        .expect("placeholder");
    let write = &fixture["planned_workout"][0];
    let as_user = [(user_placeholder, user.as_str())];
    let (status, written) = replay(&env, &dev, write, &as_user).await;
    assert_eq!(status, 201, "{written}");
    let log_id = written["log_ids"][0].as_str().expect("log id").to_owned();
    // Another developer's calls for the same user id: the user does not exist for it.
    for request in fixture["planned_workout"].as_array().expect("requests") {
        let replacements = [
            (user_placeholder, user.as_str()),
            (
                fixture["log_id_placeholder"].as_str().expect("placeholder"),
                log_id.as_str(),
            ),
        ];
        let (status, body) = replay(&env, &other, request, &replacements).await;
        assert_eq!(status, 404, "{}: {body}", request["call"]);
        assert_eq!(
            body,
            json!({"status": "error", "message": "user not found"})
        );
    }
    for path in [
        format!("/v2/plannedWorkouts?user_id={user}"),
        format!("/v2/plannedWorkouts/{log_id}?user_id={user}"),
    ] {
        env.call(&other, Method::GET, &path, None, 404).await;
    }
    env.call(
        &other,
        Method::DELETE,
        &format!("/v2/plannedWorkouts/{log_id}?user_id={user}"),
        None,
        404,
    )
    .await;
    // Still there for its developer, and at Garmin.
    let listed = env
        .call(
            &dev,
            Method::GET,
            &format!("/v2/plannedWorkouts?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(env.sim().garmin_calendar("garmin-own").workouts.len(), 1);
});
