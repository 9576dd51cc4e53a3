//! Disabling a webhook destination: a 410 until re-enabled, five days of failures, and a
//! success ending the failure streak.

use std::time::Duration;

use axum::http::Method;
use serde_json::json;
use wearbridge_store::{Backend, EventState};

use super::Setup;

webhook_test!(gone_disables_until_reenabled, 15, |s| {
    s.receiver.answer(410, &[], Duration::ZERO);
    let first = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    let client = s.app.client(&s.dev);
    let destination = client.get("/wearbridge/v1/webhook", 200).await.json();
    assert_eq!(destination["enabled"], false, "{destination}");
    assert!(
        destination["disabled_reason"]
            .as_str()
            .unwrap_or_default()
            .contains("410")
    );

    // While disabled nothing is sent; events wait.
    let second = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.clock.advance(chrono::Duration::hours(1));
    assert_eq!(s.exact().run_due_now().await.expect("run"), 0);
    assert_eq!(s.receiver.requests().len(), 1);

    s.receiver.answer(204, &[], Duration::ZERO);
    let enabled = client
        .json(
            Method::POST,
            "/wearbridge/v1/webhook/enable",
            &json!({}),
            200,
        )
        .await
        .json();
    assert_eq!(enabled["enabled"], true);
    assert_eq!(s.exact().drain_due().await.expect("run"), 2);
    assert_eq!(s.event(&first).await.state, EventState::Delivered);
    assert_eq!(s.event(&second).await.state, EventState::Delivered);
});

webhook_test!(five_days_of_failures_disable_the_destination, 15, |s| {
    s.receiver.answer(500, &[], Duration::ZERO);
    let client = s.app.client(&s.dev);
    s.append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    let failing = client.get("/wearbridge/v1/webhook", 200).await.json();
    assert_eq!(failing["enabled"], true);
    assert!(failing["failing_since"].is_string());

    // 4 days of failures: still enabled.
    s.clock.advance(chrono::Duration::days(4));
    s.append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().drain_due().await.expect("run");
    assert_eq!(
        client.get("/wearbridge/v1/webhook", 200).await.json()["enabled"],
        true
    );

    // Past 5 days: disabled.
    s.clock
        .advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    s.append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().drain_due().await.expect("run");
    assert_eq!(
        client.get("/wearbridge/v1/webhook", 200).await.json()["enabled"],
        false
    );
});

webhook_test!(a_success_ends_the_failure_streak, 15, |s| {
    s.receiver.answer(500, &[], Duration::ZERO);
    let client = s.app.client(&s.dev);
    s.append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    s.receiver.answer(200, &[], Duration::ZERO);
    s.exact().drain_due().await.expect("run");
    let destination = client.get("/wearbridge/v1/webhook", 200).await.json();
    assert!(destination["failing_since"].is_null(), "{destination}");
    // Days later one failure does not disable: the streak starts again.
    s.clock.advance(chrono::Duration::days(6));
    s.receiver.answer(500, &[], Duration::ZERO);
    s.append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    assert_eq!(
        client.get("/wearbridge/v1/webhook", 200).await.json()["enabled"],
        true
    );
});
