//! The delivery API (listing, resending, tenant isolation) and the periodic
//! healthcheck event.

use std::time::Duration;

use axum::http::Method;
use serde_json::{Value, json};
use wearbridge_store::{Backend, EventState};

use super::Setup;
use crate::harness::assert_valid;

webhook_test!(the_delivery_api_lists_and_resends, 15, |s| {
    let client = s.app.client(&s.dev);
    let delivered = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    let listed = client
        .get("/wearbridge/v1/events?state=delivered", 200)
        .await
        .json();
    let events = listed["events"].as_array().expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["id"], delivered.to_string());
    assert_eq!(events[0]["attempts"], 1);
    assert!(events[0].get("body").is_none(), "no bodies in listings");

    client
        .json(
            Method::POST,
            &format!("/wearbridge/v1/events/{delivered}/resend"),
            &json!({}),
            200,
        )
        .await;
    assert_eq!(s.event(&delivered).await.state, EventState::Pending);
    s.exact().run_due_now().await.expect("run");
    assert_eq!(s.receiver.requests().len(), 2, "resent on request");

    // Another developer sees none of it.
    let other = s.app.developer("other").await;
    let other_client = s.app.client(&other);
    other_client
        .get(&format!("/wearbridge/v1/events/{delivered}"), 404)
        .await;
    let none = other_client.get("/wearbridge/v1/events", 200).await.json();
    assert_eq!(none["events"], json!([]));
    client
        .get("/wearbridge/v1/events?state=sideways", 400)
        .await;
    s.app.anonymous().get("/wearbridge/v1/events", 401).await;
});

webhook_test!(one_healthcheck_per_interval, 15, |s| {
    use wearbridge_server::delivery::healthcheck::produce_due;
    let hour = Duration::from_secs(3600);
    assert_eq!(
        produce_due(&s.state.services(), hour)
            .await
            .expect("produce"),
        1
    );
    assert_eq!(
        produce_due(&s.state.services(), hour)
            .await
            .expect("produce"),
        0,
        "not due again within the hour"
    );
    s.exact().drain_due().await.expect("deliver");
    let requests = s.receiver.requests();
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).expect("json");
    assert_valid("sdk/HealthcheckEvent", &body);
    assert_eq!(body["sent_webhooks_last_hour"], 0);

    s.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        produce_due(&s.state.services(), hour)
            .await
            .expect("produce"),
        1
    );
    s.exact().drain_due().await.expect("deliver");
    let body: Value = serde_json::from_slice(&s.receiver.requests()[1].body).expect("json");
    // The first healthcheck was delivered 61 minutes ago (by the manual clock): in the
    // hour before the last one, so the count fell from 1 to 0.
    assert_eq!(body["sent_webhooks_last_hour"], 0);
    assert_eq!(body["trend_percentage"], -100);
});
