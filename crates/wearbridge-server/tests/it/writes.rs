//! The SDK write endpoints: stored like fetched data and readable back.

use axum::http::Method;
use serde_json::{Value, json};
use wearbridge_store::ids::UserId;

use crate::fixtures::{self, day};
use crate::harness::{assert_valid, assert_valid_sdk_user_shape, backend_test};

fn count(body: &Value) -> usize {
    body["data"].as_array().map_or(0, Vec::len)
}

backend_test!(posted_records_read_back_and_upsert_by_identity, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let client = app.client(&dev);

    let request = json!({"data": [fixtures::activity("run-1", day(2), 300.0), fixtures::activity("run-2", day(3), 500.0)]});
    assert_valid("api/sdk/Activity_Write.request", &request);
    let created = client
        .json(
            Method::POST,
            &format!("/v2/activity?user_id={user}"),
            &request,
            201,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("api/sdk/Activity_Write.201", &created);
    assert_eq!(created["log_ids"], json!(["run-1", "run-2"]));
    assert_eq!(created["message"], "Activity successfully logged");

    // Re-posting run-1 with new content replaces it rather than adding a copy.
    let update = json!({"data": [fixtures::activity("run-1", day(2), 333.0)]});
    client
        .json(
            Method::POST,
            &format!("/v2/activity?user_id={user}"),
            &update,
            201,
        )
        .await;
    let read = client
        .get(&format!("/v2/activity?user_id={user}&start_date=2024-01-01&end_date=2024-01-10&to_webhook=false&with_samples=true"), 200)
        .await
        .valid("api/DataResponse.activity");
    assert_eq!(count(&read), 2);
    assert_eq!(read["data"][0]["metadata"]["summary_id"], "run-1");
    assert_eq!(
        read["data"][0]["calories_data"]["total_burned_calories"],
        333.0
    );
    assert_eq!(
        read["data"][0]["metadata"]["start_time"], "2024-01-03T07:00:00.000000+01:00",
        "offset kept"
    );
});

backend_test!(body_and_nutrition_write_then_delete, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let client = app.client(&dev);

    let body = client
        .json(
            Method::POST,
            &format!("/v2/body?user_id={user}"),
            &json!({"data": [fixtures::body(day(0), 71.2)]}),
            201,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("api/sdk/Body_Write.201", &body);
    let body_id = body["log_ids"][0].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        body_id, "2024-01-01",
        "day-scoped identity is the local date"
    );
    let nutrition = client
        .json(
            Method::POST,
            &format!("/v2/nutrition?user_id={user}"),
            &json!({"data": [fixtures::nutrition(day(0), 1800.0)]}),
            201,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("api/sdk/Nutrition_Write.201", &nutrition);
    assert_eq!(nutrition["message"], "Nutrition successfully logged");

    let read = |kind: &'static str| {
        let client = &client;
        let user = user.clone();
        async move {
            client
                .get(
                    &format!("/v2/{kind}?user_id={user}&start_date=2024-01-01&to_webhook=false"),
                    200,
                )
                .await
                .valid(&format!("api/DataResponse.{kind}"))
        }
    };
    assert_eq!(count(&read("body").await), 1);
    assert_eq!(count(&read("nutrition").await), 1);

    let deleted = client
        .json(
            Method::DELETE,
            &format!("/v2/body?user_id={user}"),
            &json!({"log_ids": [body_id]}),
            200,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("api/sdk/Body_Delete.200", &deleted);
    assert_eq!(
        deleted["processed_data"],
        json!([{"id": "2024-01-01", "response_code": 200}])
    );
    assert_eq!(count(&read("body").await), 0);

    let mixed = client
        .json(
            Method::DELETE,
            &format!("/v2/nutrition?user_id={user}"),
            &json!({"data": ["2024-01-01", "1999-01-01"]}),
            207,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("api/sdk/Nutrition_Delete.207", &mixed);
    assert_eq!(
        mixed["processed_data"][1],
        json!({"id": "1999-01-01", "response_code": 404})
    );
    assert_eq!(count(&read("nutrition").await), 0);
});

backend_test!(bad_writes_are_named_4xx, |app| {
    let dev = app.developer("acme").await;
    let other = app.developer("other").await;
    let user = app.user(&dev, None).await;
    let client = app.client(&dev);
    let post = format!("/v2/activity?user_id={user}");
    let valid = json!({"data": [fixtures::activity("a", day(0), 1.0)]});

    let cases = [
        (json!({}), "data"),
        (json!({"data": {}}), "data"),
        (json!({"data": []}), "empty"),
        (json!({"data": [{"metadata": {}}]}), "data[0]"),
        (
            json!({"data": [fixtures::activity("a", day(0), 1.0), {"metadata": "x"}]}),
            "data[1]",
        ),
        (
            json!({"data": [{"metadata": {"summary_id": "x", "start_time": "noon", "end_time": "later", "upload_type": 1}}]}),
            "data[0]",
        ),
    ];
    for (body, needle) in cases {
        let message = client
            .json(Method::POST, &post, &body, 400)
            .await
            .error_message();
        assert!(message.contains(needle), "{body}: {message}");
    }
    // With several users a write must name one (with one user, it is that user).
    app.user(&dev, None).await;
    let missing_user = client
        .json(Method::POST, "/v2/activity", &valid, 400)
        .await
        .error_message();
    assert!(missing_user.contains("user_id"), "{missing_user}");
    client
        .json(
            Method::POST,
            &format!("/v2/activity?user_id={}", UserId::new()),
            &valid,
            404,
        )
        .await
        .error_message();
    app.client(&other)
        .json(Method::POST, &post, &valid, 404)
        .await
        .error_message();
    let foreign_calls = [
        (
            Method::POST,
            format!("/v2/body?user_id={user}"),
            json!({"data": [fixtures::body(day(0), 70.0)]}),
        ),
        (
            Method::POST,
            format!("/v2/nutrition?user_id={user}"),
            json!({"data": [fixtures::nutrition(day(0), 1.0)]}),
        ),
        (
            Method::DELETE,
            format!("/v2/body?user_id={user}"),
            json!({"log_ids": ["2024-01-01"]}),
        ),
        (
            Method::DELETE,
            format!("/v2/nutrition?user_id={user}"),
            json!({"data": ["2024-01-01"]}),
        ),
    ];
    for (method, path, body) in foreign_calls {
        let message = app
            .client(&other)
            .json(method, &path, &body, 404)
            .await
            .error_message();
        assert_eq!(message, "user not found", "{path}");
    }
    client
        .raw(
            Method::POST,
            &post,
            "application/json",
            b"{\"data\": [".to_vec(),
            400,
        )
        .await
        .error_message();
    client
        .raw(Method::POST, &post, "text/plain", b"{}".to_vec(), 415)
        .await
        .error_message();
    client
        .json(
            Method::DELETE,
            &format!("/v2/nutrition?user_id={user}"),
            &json!({"log_ids": ["x"]}),
            400,
        )
        .await
        .error_message();
    client
        .json(
            Method::DELETE,
            &format!("/v2/body?user_id={user}"),
            &json!({"log_ids": []}),
            400,
        )
        .await
        .error_message();
});
