//! The outbound target guard at send time (issue 19): a destination that passed when it
//! was set but now resolves to a refused address (a literal, or a name whose answer
//! changed, DNS rebinding) is never sent to; the destination is disabled with the reason
//! and the events wait, not lost. Allowed targets open exactly their network, and a
//! redirect is never followed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::Method;
use futures::future::BoxFuture;
use serde_json::json;

use wearbridge_server::delivery::Deliverer;
use wearbridge_server::delivery::schedule::RetrySchedule;
use wearbridge_server::developers::set_webhook_url;
use wearbridge_server::outbound::{HostLookup, ResolveHost, TargetPolicy};
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

/// A DNS the test controls: each name answers what it was last told to.
#[derive(Default)]
struct ScriptedDns {
    answers: Mutex<HashMap<String, Vec<IpAddr>>>,
}

impl ScriptedDns {
    fn answer(&self, host: &str, ip: &str) {
        let ip: IpAddr = ip.parse().expect("address");
        self.answers
            .lock()
            .expect("dns")
            .insert(host.to_owned(), vec![ip]);
    }
}

impl ResolveHost for ScriptedDns {
    fn resolve(&self, host: &str) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>> {
        let found = self.answers.lock().expect("dns").get(host).cloned();
        Box::pin(async move {
            found.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such name"))
        })
    }
}

/// A guard that refuses loopback unless `allowed` lists it, resolving through `dns`.
fn policy_with(dns: &Arc<ScriptedDns>, allowed: &[&str]) -> TargetPolicy {
    TargetPolicy {
        allow_loopback: false,
        allowed: allowed
            .iter()
            .map(|cidr| cidr.parse().expect("CIDR"))
            .collect(),
        lookup: HostLookup::Custom(dns.clone()),
    }
}

fn deliverer_with(s: &Setup, policy: TargetPolicy) -> Deliverer {
    Deliverer::with_target_policy(&s.state.services(), s.state.config.webhooks.clone(), policy)
        .expect("deliverer")
        .with_schedule(RetrySchedule::with_jitter(0.0))
}

/// The receiver's URL under the name `hooks.example.com`.
fn by_name(s: &Setup) -> String {
    s.receiver.url.replace("127.0.0.1", "hooks.example.com")
}

webhook_test!(
    a_name_that_changes_its_answer_between_set_and_send_is_not_sent_to,
    5,
    |s| {
        let dns = Arc::new(ScriptedDns::default());
        let policy = policy_with(&dns, &[]);
        dns.answer("hooks.example.com", "93.184.216.34");
        set_webhook_url(&s.app.store, &s.dev.dev_id, (Some(&by_name(&s)), &policy))
            .await
            .expect("a public answer is accepted when set");
        // DNS rebinding: the same name now answers loopback, where the receiver listens.
        dns.answer("hooks.example.com", "127.0.0.1");
        let event = s
            .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
            .await;
        deliverer_with(&s, policy).run_due_now().await.expect("run");
        assert_refused_and_waiting(&s, &event).await;
    }
);

webhook_test!(the_send_connects_to_the_address_the_guard_checked, 5, |s| {
    // The name is set while it answers a public address, then answers an address the
    // allowed targets open: the delivery reaches exactly that address.
    let dns = Arc::new(ScriptedDns::default());
    let policy = policy_with(&dns, &["127.0.0.0/8"]);
    dns.answer("hooks.example.com", "93.184.216.34");
    set_webhook_url(&s.app.store, &s.dev.dev_id, (Some(&by_name(&s)), &policy))
        .await
        .expect("set");
    dns.answer("hooks.example.com", "127.0.0.1");
    let event = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    deliverer_with(&s, policy).run_due_now().await.expect("run");
    assert_eq!(s.receiver.requests().len(), 1);
    assert_eq!(s.event(&event).await.state, EventState::Delivered);
});

webhook_test!(
    a_name_answering_a_refused_address_is_refused_when_set,
    5,
    |s| {
        let dns = Arc::new(ScriptedDns::default());
        let policy = policy_with(&dns, &[]);
        for (address, class) in [
            ("169.254.169.254", "link-local"),
            ("10.1.2.3", "private"),
            ("::ffff:192.168.0.1", "private"),
            ("fd00::1", "unique-local"),
            ("127.0.0.1", "loopback"),
        ] {
            dns.answer("hooks.example.com", address);
            let error = set_webhook_url(&s.app.store, &s.dev.dev_id, (Some(&by_name(&s)), &policy))
                .await
                .expect_err("refused");
            let message = error.to_string();
            assert!(
                message.contains("hooks.example.com") && message.contains(class),
                "{address}: {message}"
            );
        }
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

webhook_test!(the_api_sets_a_webhook_url_through_the_guard, 5, |s| {
    let client = s.app.client(&s.dev);
    for (url, reason) in [
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://10.0.0.5/hook", "private"),
        ("http://[::ffff:192.168.1.1]/hook", "private"),
        ("http://0251.0376.0251.0376/", "link-local"),
        (
            "ftp://example.com/hook",
            "not an absolute http or https URL",
        ),
    ] {
        let message = client
            .json(
                Method::PUT,
                "/wearbridge/v1/webhook",
                &json!({ "url": url }),
                400,
            )
            .await
            .error_message();
        assert!(message.contains(reason), "{url}: {message}");
    }
    let unchanged = client.get("/wearbridge/v1/webhook", 200).await.json();
    assert_eq!(unchanged["webhook_url"], json!(s.receiver.url));

    let moved = format!("{}/moved", s.receiver.url.trim_end_matches('/'));
    let set = client
        .json(
            Method::PUT,
            "/wearbridge/v1/webhook",
            &json!({ "url": moved }),
            200,
        )
        .await
        .json();
    assert_eq!(set["webhook_url"], json!(moved));
    let cleared = client
        .json(
            Method::PUT,
            "/wearbridge/v1/webhook",
            &json!({ "url": null }),
            200,
        )
        .await
        .json();
    assert_eq!(cleared["webhook_url"], json!(null));
});
