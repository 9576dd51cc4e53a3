//! The paths of today's Terra next to the SDK-era ones: the whole v2 API also under
//! `/api/v2/...` (the current spec's server `https://access.tryterra.co/api/v2`), the
//! widget session also at `POST /api/widget/session`, the widget API's 403 for bad
//! credentials, and an OpenAPI document that lists exactly that.

use axum::http::Method;
use serde_json::{Value, json};
use wearbridge_model::Daily;

use crate::fixtures::{self, day};
use crate::harness::{assert_valid, backend_test};

backend_test!(the_v2_api_is_also_served_under_api_v2, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, Some("ref-1")).await;
    app.seed::<Daily>(&dev, &user, &[fixtures::daily(day(0), "+00:00", 4_000)])
        .await;
    let client = app.client(&dev);
    let query = format!("user_id={user}&start_date=2024-01-01&to_webhook=false");
    let sdk_era = client.get(&format!("/v2/daily?{query}"), 200).await;
    let current = client.get(&format!("/api/v2/daily?{query}"), 200).await;
    assert_eq!(current.json(), sdk_era.json());
    assert_eq!(current.json()["data"][0]["distance_data"]["steps"], 4_000);

    let info = client
        .get(&format!("/api/v2/userInfo?user_id={user}"), 200)
        .await
        .json();
    assert_eq!(info["user"]["reference_id"], "ref-1");
    app.anonymous().get("/api/v2/integrations", 200).await;
    let session = client
        .json(
            Method::POST,
            "/api/v2/auth/generateWidgetSession",
            &json!({}),
            200,
        )
        .await;
    assert_valid(
        "api/v2/Authentication_GenerateWidgetSession.200",
        &session.json(),
    );
    // Credentials work the same on both mounts.
    app.anonymous()
        .get(&format!("/api/v2/daily?{query}"), 401)
        .await;
    // Only Terra's API is mounted twice, not our own endpoints.
    client.get("/api/health", 404).await;
    client.get("/api/wearbridge/v1/events", 404).await;
});

backend_test!(the_widget_session_answers_403_on_bad_credentials, |app| {
    let dev = app.developer("acme").await;
    let wrong_key = app.with_headers(&[("dev-id", &dev.dev_id), ("x-api-key", "nope")]);
    for path in ["/widget/api/session", "/api/widget/session"] {
        let created = app
            .client(&dev)
            .json(Method::POST, path, &json!({}), 200)
            .await;
        assert_valid("api/widget/GenerateWidgetSession.200", &created.json());
        for client in [&app.anonymous(), &wrong_key] {
            let refused = client.json(Method::POST, path, &json!({}), 403).await;
            let body = refused.json();
            assert_valid("api/widget/GenerateWidgetSession.403", &body);
            assert_eq!(body["status"], "error");
            assert_eq!(body["message"], "invalid dev-id or x-api-key");
        }
    }
    // The v2 endpoint keeps the v2 API's 401.
    let refused = wrong_key
        .json(
            Method::POST,
            "/v2/auth/generateWidgetSession",
            &json!({}),
            401,
        )
        .await;
    assert_eq!(refused.json(), json!({ "message": "unauthorized" }));
});

backend_test!(the_openapi_document_lists_both_mounts, |app| {
    let document = app.anonymous().get("/openapi.json", 200).await.json();
    let paths = document["paths"].as_object().expect("paths");
    let mut twins = 0;
    for (path, item) in paths {
        let Some(rest) = path.strip_prefix("/v2/") else {
            continue;
        };
        let twin = &paths[&format!("/api/v2/{rest}")];
        twins += 1;
        for (method, operation) in item.as_object().expect("path item") {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            assert_eq!(
                twin[method]["operationId"],
                Value::from(format!("{id}_api")),
                "{path} {method}"
            );
        }
    }
    assert!(twins >= 20, "only {twins} v2 paths");
    assert!(paths.contains_key("/widget/api/session"));
    assert!(paths.contains_key("/api/widget/session"));
    assert!(!paths.contains_key("/api/health"));
    let statuses = &paths["/api/widget/session"]["post"]["responses"];
    assert!(statuses.get("403").is_some(), "{statuses}");
    // Every operationId is unique (a generated client would clash otherwise).
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().into_iter().flatten())
        .filter_map(|(_, operation)| operation.get("operationId").and_then(Value::as_str))
        .collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total);
});
