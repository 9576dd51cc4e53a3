//! The webhook retry schedule driven step by step with a manual clock: the whole
//! schedule for a failing receiver, jitter, timeouts and `Retry-After`.

use std::time::Duration;

use axum::http::Method;
use chrono::DateTime;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;
use wearbridge_server::delivery::Deliverer;
use wearbridge_store::ids::EventId;
use wearbridge_store::{Backend, EventState};

use super::{Setup, header};

/// Drives an always-failing event through its whole schedule, jumping the clock to each
/// next attempt; returns the gaps between attempts in seconds.
async fn run_schedule(s: &Setup, deliverer: &Deliverer, id: &EventId) -> Vec<f64> {
    let mut times = Vec::new();
    for _ in 0..20 {
        let event = s.event(id).await;
        if event.state != EventState::Pending {
            break;
        }
        s.set_clock(event.next_attempt_at.max(s.now_micros()));
        times.push(s.now_micros());
        assert_eq!(deliverer.run_due_now().await.expect("run"), 1);
    }
    times
        .windows(2)
        .map(|pair| (pair[1] - pair[0]) as f64 / 1e6)
        .collect()
}

webhook_test!(a_failing_receiver_gets_the_whole_schedule, 15, |s| {
    s.receiver.answer(500, &[], Duration::ZERO);
    let id = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    let gaps = run_schedule(&s, &s.exact(), &id).await;
    assert_eq!(
        gaps,
        [0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0]
    );
    let event = s.event(&id).await;
    assert_eq!(event.state, EventState::Failed, "kept as failed");
    assert_eq!(event.attempt_count, 9);
    assert_eq!(s.receiver.requests().len(), 9);
    // Same webhook-id, X-Terra-Trace-Id (the event id: this event answers no request)
    // and X-Terra-Ordering-Timestamp (the append time) on every retry.
    let appended_at = event.created_at.to_string();
    assert!(s.receiver.requests().iter().all(|r| {
        header(r, "webhook-id") == id.as_str()
            && header(r, "x-terra-trace-id") == id.as_str()
            && header(r, "x-terra-ordering-timestamp") == appended_at
    }));

    // The API shows every attempt with its response code and latency.
    let client = s.app.client(&s.dev);
    let detail = client
        .get(&format!("/wearbridge/v1/events/{id}"), 200)
        .await
        .json();
    assert_eq!(detail["event"]["state"], "failed");
    assert_eq!(detail["event"]["trace_id"], id.as_str());
    let attempts = detail["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 9);
    assert!(attempts.iter().all(|a| a["response_code"] == 500));
    assert!(attempts.iter().all(|a| a["latency_ms"].as_f64().is_some()));
    assert_eq!(attempts[8]["outcome"], "failed");
    assert_eq!(attempts[0]["outcome"], "retry");

    // Resend-failed since the event was appended queues it again; it is delivered.
    s.receiver.answer(200, &[], Duration::ZERO);
    let since = DateTime::from_timestamp_micros(event.created_at)
        .expect("created_at")
        .to_rfc3339();
    let resent = client
        .json(
            Method::POST,
            &format!(
                "/wearbridge/v1/events/resend-failed?since={}",
                url_encode(&since)
            ),
            &json!({}),
            200,
        )
        .await
        .json();
    assert_eq!(resent["resent"], 1);
    assert_eq!(s.exact().run_due_now().await.expect("run"), 1);
    assert_eq!(s.event(&id).await.state, EventState::Delivered);
});

fn url_encode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

webhook_test!(jitter_keeps_each_delay_within_twenty_percent, 15, |s| {
    s.receiver.answer(503, &[], Duration::ZERO);
    let deliverer = Deliverer::new(&s.state.services(), s.state.config.webhooks.clone())
        .expect("deliverer")
        .with_rng(StdRng::seed_from_u64(99));
    let id = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    let gaps = run_schedule(&s, &deliverer, &id).await;
    let base = [0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0];
    assert_eq!(gaps.len(), base.len());
    for (gap, base) in gaps.iter().zip(base) {
        assert!(
            *gap >= base * 0.8 - 1e-6 && *gap <= base * 1.2 + 1e-6,
            "{gap} vs {base}"
        );
    }
    assert!(
        gaps.iter()
            .zip(base)
            .any(|(gap, base)| (gap - base).abs() > 1e-3),
        "jitter applied"
    );
});

webhook_test!(a_hanging_receiver_times_out_and_is_retried, 1, |s| {
    s.receiver.answer(200, &[], Duration::from_secs(3));
    let id = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    assert_eq!(s.exact().run_due_now().await.expect("run"), 1);
    let event = s.event(&id).await;
    assert_eq!(event.state, EventState::Pending);
    assert!(
        event
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("timed out"),
        "{:?}",
        event.last_error
    );
    let attempts = s
        .app
        .store
        .list_delivery_attempts(&s.dev_id, &id)
        .await
        .expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status_code, None);
    // Latency is at least the 1 s timeout, and well below the 3 s the receiver takes.
    assert!(
        (1_000_000..2_900_000).contains(&attempts[0].latency_micros),
        "{}",
        attempts[0].latency_micros
    );
    // Retried (first retry is immediate) and delivered once the receiver is quick again.
    s.receiver.answer(200, &[], Duration::ZERO);
    assert_eq!(s.exact().run_due_now().await.expect("run"), 1);
    assert_eq!(s.event(&id).await.state, EventState::Delivered);
});

webhook_test!(retry_after_is_honoured_within_limits, 15, |s| {
    s.receiver
        .answer(429, &[("retry-after", "600")], Duration::ZERO);
    let id = s
        .append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    let start = s.now_micros();
    s.exact().run_due_now().await.expect("run");
    // The schedule says "immediately"; the receiver asked for 600 s: 600 s it is.
    assert_eq!(s.event(&id).await.next_attempt_at - start, 600_000_000);

    // Asking for less than the schedule does not speed it up (attempt 2 → 5 s delay).
    s.set_clock(start + 600_000_000);
    s.receiver
        .answer(429, &[("retry-after", "1")], Duration::ZERO);
    s.exact().run_due_now().await.expect("run");
    assert_eq!(
        s.event(&id).await.next_attempt_at - (start + 600_000_000),
        5_000_000
    );

    // Asking for a week is capped at 24 h.
    s.set_clock(start + 605_000_000);
    s.receiver
        .answer(503, &[("retry-after", "604800")], Duration::ZERO);
    s.exact().run_due_now().await.expect("run");
    assert_eq!(
        s.event(&id).await.next_attempt_at - (start + 605_000_000),
        86_400_000_000
    );
});
