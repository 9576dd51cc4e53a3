//! `/health`, `/ready`, `/metrics`, `/openapi.json`, fallbacks, body limit, and the
//! webhook receiver the delivery tests will use.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::harness::{TestApp, WebhookReceiver, backend_test};

backend_test!(health_and_ready, |app| {
    assert_eq!(
        app.anonymous().get("/health", 200).await.json(),
        json!({"status": "ok"})
    );
    assert_eq!(
        app.anonymous().get("/ready", 200).await.json(),
        json!({"status": "ready"})
    );
    app.store.close().await;
    let down = app.anonymous().get("/ready", 503).await.error_message();
    assert!(down.contains("database"), "{down}");
});

backend_test!(metrics_label_route_templates, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let client = app.client(&dev);
    client
        .json(
            Method::PATCH,
            &format!("/v2/users/{user}"),
            &json!({"active": true}),
            200,
        )
        .await;
    client.get("/v2/subscriptions", 200).await;
    app.anonymous().get("/v2/subscriptions", 401).await;
    app.anonymous().get("/no/such/route", 404).await;
    let text = app.anonymous().get("/metrics", 200).await.text;
    assert!(
        text.contains(r#"wearbridge_http_requests_total{method="PATCH",route="/v2/users/{user_id}",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/v2/subscriptions",status="401"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="unmatched",status="404"}"#),
        "{text}"
    );
    assert!(
        !text.contains(&user.to_string()),
        "raw paths must not become labels"
    );
    assert!(text.contains("wearbridge_http_request_duration_seconds_bucket"));
});

backend_test!(unknown_routes_and_methods_get_the_envelope, |app| {
    let missing = app
        .anonymous()
        .get("/v2/nothing", 404)
        .await
        .error_message();
    assert!(missing.contains("/v2/nothing"), "{missing}");
    let dev = app.developer("acme").await;
    let wrong_method = app
        .client(&dev)
        .json(Method::PUT, "/v2/subscriptions", &json!({}), 405)
        .await
        .error_message();
    assert!(wrong_method.contains("PUT"), "{wrong_method}");
});

/// The body limit is configurable; over it is 413 in Terra's envelope.
#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let Some(app) = TestApp::spawn_with(wearbridge_store::Backend::Sqlite, |config| {
        config.max_body_bytes = 64
    })
    .await
    else {
        return;
    };
    let dev = app.developer("acme").await;
    let big = json!([
        wearbridge_store::ids::UserId::new().to_string(),
        wearbridge_store::ids::UserId::new().to_string()
    ]);
    let message = app
        .client(&dev)
        .json(Method::POST, "/v2/bulkUserInfo", &big, 413)
        .await
        .error_message();
    assert!(message.contains("limit"), "{message}");
    app.client(&dev)
        .json(Method::POST, "/v2/bulkUserInfo", &json!([]), 200)
        .await;
    app.stop().await;
}

/// `/openapi.json` is locked by `openapi.snapshot.json`; regenerate with
/// `UPDATE_SNAPSHOTS=1 cargo test -p wearbridge-server --test it openapi`.
#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let Some(app) = TestApp::spawn(wearbridge_store::Backend::Sqlite).await else {
        return;
    };
    let served = app.anonymous().get("/openapi.json", 200).await.json();
    let pretty = format!(
        "{}\n",
        serde_json::to_string_pretty(&served).expect("serializable")
    );
    let snapshot_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.snapshot.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot_path, &pretty).expect("write snapshot");
    }
    let committed = std::fs::read_to_string(&snapshot_path).unwrap_or_default();
    assert!(
        committed == pretty,
        "/openapi.json drifted from {}; rerun with UPDATE_SNAPSHOTS=1 and commit the file",
        snapshot_path.display()
    );
    for path in [
        "/v2/daily",
        "/v2/userInfo",
        "/v2/users/{user_id}",
        "/v2/integrations/detailed",
        "/health",
    ] {
        assert!(
            served["paths"].get(path).is_some(),
            "{path} missing from the document"
        );
    }
}

#[tokio::test]
async fn webhook_receiver_captures_and_answers_as_told() {
    let receiver = WebhookReceiver::start().await;
    receiver.respond_with(StatusCode::SERVICE_UNAVAILABLE, Duration::from_millis(1));
    let response = reqwest::Client::new()
        .post(&receiver.url)
        .header("terra-signature", "t=1,v1=ab")
        .body("{\"type\":\"healthcheck\"}")
        .send()
        .await
        .expect("receiver reachable");
    assert_eq!(response.status().as_u16(), 503);
    let captured = receiver.requests();
    assert_eq!(captured.len(), 1);
    assert_eq!(captured[0].method, Method::POST);
    assert_eq!(captured[0].path, "/webhook");
    assert_eq!(captured[0].headers["terra-signature"], "t=1,v1=ab");
    assert_eq!(&captured[0].body[..], b"{\"type\":\"healthcheck\"}");
}
