//! The outbound target guard at send time (issue 19): a destination that passed when it
//! was set but now resolves to a refused address (a literal, or a name whose answer
//! changed, DNS rebinding) is never sent to; the destination is disabled with the reason
//! and the events wait, not lost. Allowed targets open exactly their network, and a
//! redirect is never followed.

use std::time::Duration;

use wearbridge_server::delivery::Deliverer;
use wearbridge_server::delivery::schedule::RetrySchedule;
use wearbridge_server::developers::set_webhook_url;
use wearbridge_store::{Backend, EventState};

use super::Setup;

/// A deliverer whose guard refuses loopback and allows `allowed` (CIDRs).
fn guarded(s: &Setup, allowed: &[&str]) -> Deliverer {
    let mut config = s.state.config.webhooks.clone();
    config.allow_loopback = false;
    config.allowed_targets = allowed
        .iter()
        .map(|cidr| cidr.parse().expect("CIDR"))
        .collect();
    Deliverer::new(&s.state.services(), config)
        .expect("deliverer")
        .with_schedule(RetrySchedule::with_jitter(0.0))
}

async fn assert_refused_and_waiting(s: &Setup, event: &wearbridge_store::ids::EventId) {
    assert!(s.receiver.requests().is_empty(), "nothing sent");
    let destination = s
        .app
        .client(&s.dev)
        .get("/wearbridge/v1/webhook", 200)
        .await
        .json();
    assert_eq!(destination["enabled"], false, "{destination}");
    let reason = destination["disabled_reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("target guard") && reason.contains("loopback"),
        "{reason}"
    );
    assert_eq!(s.event(event).await.state, EventState::Pending);
}

webhook_test!(a_refused_literal_address_is_not_sent_to, 5, |s| {
    let event = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    guarded(&s, &[]).run_due_now().await.expect("run");
    assert_refused_and_waiting(&s, &event).await;
});

webhook_test!(
    a_name_that_now_resolves_to_a_refused_address_is_not_sent_to,
    5,
    |s| {
        // Set while its answer was allowed; at send time `localhost` answers loopback.
        let by_name = s.receiver.url.replace("127.0.0.1", "localhost");
        set_webhook_url(
            &s.app.store,
            &s.dev.dev_id,
            (Some(&by_name), &crate::harness::loopback()),
        )
        .await
        .expect("set");
        let event = s
            .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
            .await;
        guarded(&s, &[]).run_due_now().await.expect("run");
        assert_refused_and_waiting(&s, &event).await;
    }
);

webhook_test!(allowed_targets_open_their_network, 5, |s| {
    let event = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    guarded(&s, &["127.0.0.0/8"])
        .run_due_now()
        .await
        .expect("run");
    assert_eq!(s.receiver.requests().len(), 1);
    assert_eq!(s.event(&event).await.state, EventState::Delivered);
});

webhook_test!(a_redirect_to_a_private_address_is_not_followed, 5, |s| {
    s.receiver.answer(
        307,
        &[("location", "http://169.254.169.254/latest/meta-data")],
        Duration::ZERO,
    );
    let event = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    assert_eq!(s.receiver.requests().len(), 1, "one request, no redirect");
    let row = s.event(&event).await;
    assert_ne!(row.state, EventState::Delivered);
});
