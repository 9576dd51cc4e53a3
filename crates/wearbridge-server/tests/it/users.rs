//! `/v2/userInfo`, `/v2/subscriptions`, `/v2/bulkUserInfo`, `PATCH /v2/users/{id}`.

use axum::http::Method;
use serde_json::json;
use wearbridge_store::ids::UserId;

use crate::harness::{assert_valid_sdk_user_shape, assert_valid_subscriptions, backend_test};

backend_test!(user_info_by_id_and_reference, |app| {
    let dev = app.developer("acme").await;
    let first = app.user(&dev, Some("alice")).await;
    let second = app.user(&dev, Some("alice")).await;
    app.user(&dev, Some("bob")).await;
    let client = app.client(&dev);

    let single = client
        .get(&format!("/v2/userInfo?user_id={first}"), 200)
        .await
        .valid("api/v2/User_Get.200");
    assert_eq!(single["status"], "success");
    assert_eq!(single["is_authenticated"], true);
    assert_eq!(single["user"]["user_id"], first.to_string());
    assert_eq!(single["user"]["provider"], "SANDBOX");
    assert!(
        single["user"]["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with("+00:00"))
    );

    let many = client
        .get("/v2/userInfo?reference_id=alice", 200)
        .await
        .valid("api/v2/User_Get.200");
    let mut ids: Vec<String> = many
        .as_array()
        .map(|users| {
            users
                .iter()
                .filter_map(|u| u["user_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    let mut expected = vec![first.to_string(), second.to_string()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(
        client
            .get("/v2/userInfo?reference_id=nobody", 200)
            .await
            .json(),
        json!([])
    );

    assert!(
        client
            .get("/v2/userInfo", 400)
            .await
            .error_message()
            .contains("user_id or reference_id")
    );
    assert!(
        client
            .get("/v2/userInfo?user_id=123", 400)
            .await
            .error_message()
            .contains("user_id")
    );
    client
        .get(&format!("/v2/userInfo?user_id={}", UserId::new()), 404)
        .await
        .error_message();
});

backend_test!(subscriptions_list_and_pages, |app| {
    let dev = app.developer("acme").await;
    let other = app.developer("other").await;
    for _ in 0..3 {
        app.user(&dev, None).await;
    }
    app.user(&other, None).await;
    let client = app.client(&dev);

    let all = client.get("/v2/subscriptions", 200).await.json();
    assert_valid_subscriptions(&all);
    assert_eq!(
        all["users"].as_array().map(Vec::len),
        Some(3),
        "only the caller's users: {all}"
    );

    let first = client
        .get("/v2/subscriptions?page=0&per_page=2", 200)
        .await
        .json();
    assert_valid_subscriptions(&first);
    assert_eq!(first["data"]["next"], 1);
    assert_eq!(first["data"]["max_page"], 1);
    assert_eq!(first["data"]["results"].as_array().map(Vec::len), Some(2));
    let last = client
        .get("/v2/subscriptions?page=1&per_page=2", 200)
        .await
        .json();
    assert_valid_subscriptions(&last);
    assert_eq!(last["data"]["next"], serde_json::Value::Null);
    assert_eq!(last["data"]["results"].as_array().map(Vec::len), Some(1));

    for bad in [
        "?page=-1",
        "?page=x",
        "?page=0&per_page=0",
        "?per_page=100000",
    ] {
        let message = client
            .get(&format!("/v2/subscriptions{bad}"), 400)
            .await
            .error_message();
        assert!(message.contains("page"), "{bad}: {message}");
    }
    let empty = app
        .client(&app.developer("empty").await)
        .get("/v2/subscriptions?page=0", 200)
        .await
        .json();
    assert_eq!(
        empty,
        json!({"data": {"next": null, "max_page": 0, "results": []}})
    );
});

backend_test!(bulk_user_info_keeps_order_and_isolation, |app| {
    let dev = app.developer("acme").await;
    let other = app.developer("other").await;
    let a = app.user(&dev, None).await;
    let b = app.user(&dev, None).await;
    let foreign = app.user(&other, None).await;
    let client = app.client(&dev);

    let users = client
        .json(
            Method::POST,
            "/v2/bulkUserInfo",
            &json!([b.to_string(), a.to_string()]),
            200,
        )
        .await
        .valid("api/v2/User_BatchGet.200");
    assert_eq!(users[0]["user_id"], b.to_string());
    assert_eq!(users[1]["user_id"], a.to_string());
    assert_eq!(
        client
            .json(Method::POST, "/v2/bulkUserInfo", &json!([]), 200)
            .await
            .json(),
        json!([])
    );

    let message = client
        .json(
            Method::POST,
            "/v2/bulkUserInfo",
            &json!([a.to_string(), foreign.to_string()]),
            404,
        )
        .await
        .error_message();
    assert!(message.contains(&foreign.to_string()), "{message}");

    client
        .json(
            Method::POST,
            "/v2/bulkUserInfo",
            &json!({"ids": [a.to_string()]}),
            400,
        )
        .await
        .error_message();
    client
        .json(Method::POST, "/v2/bulkUserInfo", &json!([1, 2]), 400)
        .await
        .error_message();
    client
        .json(Method::POST, "/v2/bulkUserInfo", &json!(["nope"]), 400)
        .await
        .error_message();
    let malformed = client
        .raw(
            Method::POST,
            "/v2/bulkUserInfo",
            "application/json",
            b"[\"unterminated".to_vec(),
            400,
        )
        .await
        .error_message();
    assert!(malformed.contains("JSON"), "{malformed}");
    client
        .raw(
            Method::POST,
            "/v2/bulkUserInfo",
            "text/plain",
            b"[]".to_vec(),
            415,
        )
        .await
        .error_message();
});

backend_test!(modify_user_updates_and_isolates, |app| {
    let dev = app.developer("acme").await;
    let other = app.developer("other").await;
    let user = app.user(&dev, Some("old")).await;
    let client = app.client(&dev);
    let path = format!("/v2/users/{user}");

    let changed = client
        .json(
            Method::PATCH,
            &path,
            &json!({"reference_id": "new", "active": false}),
            200,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("api/sdk/User_ModifyUser.200", &changed);
    assert_eq!(changed["status"], "success");
    assert_eq!(changed["user"]["reference_id"], "new");
    assert_eq!(changed["user"]["active"], false);

    let info = client
        .get(&format!("/v2/userInfo?user_id={user}"), 200)
        .await
        .json();
    assert_eq!(info["user"]["reference_id"], "new");

    let cleared = client
        .json(Method::PATCH, &path, &json!({"reference_id": null}), 200)
        .await
        .json();
    assert!(cleared["user"].get("reference_id").is_none(), "{cleared}");
    assert_eq!(cleared["user"]["active"], false, "untouched fields stay");

    client
        .json(Method::PATCH, &path, &json!({"active": "yes"}), 400)
        .await
        .error_message();
    client
        .json(Method::PATCH, &path, &json!({"referenceId": "typo"}), 400)
        .await
        .error_message();
    client
        .json(Method::PATCH, "/v2/users/not-a-uuid", &json!({}), 400)
        .await
        .error_message();
    client
        .json(
            Method::PATCH,
            &format!("/v2/users/{}", UserId::new()),
            &json!({}),
            404,
        )
        .await
        .error_message();
    app.client(&other)
        .json(Method::PATCH, &path, &json!({"active": true}), 404)
        .await
        .error_message();
    app.client(&other)
        .get(&format!("/v2/userInfo?user_id={user}"), 404)
        .await
        .error_message();
    let foreign_ref = app
        .client(&other)
        .get("/v2/userInfo?reference_id=new", 200)
        .await
        .json();
    assert_eq!(foreign_ref, json!([]));
});
