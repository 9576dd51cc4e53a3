//! Webhook delivery (issue 5): signatures checked by an independent verifier, the retry
//! schedule driven step by step with a manual clock, 410 / 5-day disabling, resend, the
//! `to_webhook=true` data requests, and the delivery API. Background workers are off in
//! these tests; each drives [`Deliverer::run_due_now`] itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode};
use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wearbridge_model::{Activity, Athlete, Daily};
use wearbridge_server::clock::{Clock, ManualClock};
use wearbridge_server::delivery::Deliverer;
use wearbridge_server::delivery::schedule::RetrySchedule;
use wearbridge_server::developers::set_webhook_url;
use wearbridge_server::jobs::data_request;
use wearbridge_server::state::AppState;
use wearbridge_store::ids::{DeveloperId, EventId, UserId};
use wearbridge_store::{Backend, EventState, NewEvent};

use crate::fixtures::{self, day};
use crate::harness::{TestApp, TestDeveloper, assert_valid, assert_valid_sdk_user_shape};

// ---------------------------------------------------------------------------------------
// An independent signature verifier: HMAC-SHA256 written out from RFC 2104 over the
// SHA-256 primitive (not the `hmac` crate the server uses), and the header parsing rules
// of Terra's SDK verifiers (terra-api-notes D.2).

fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let inner_pad: Vec<u8> = block_key.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = block_key.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_pad)
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(&outer_pad)
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

/// `t` and every `v1` of a header: split on `,`, trim, skip elements without `=`, split
/// at the first `=`, trim both sides; other schemes are ignored.
fn parse_signature(header: &str) -> (Option<i64>, Vec<String>) {
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for element in header.split(',') {
        let Some((key, value)) = element.trim().split_once('=') else {
            continue;
        };
        match key.trim() {
            "t" => timestamp = value.trim().parse().ok(),
            "v1" => v1.push(value.trim().to_owned()),
            _ => {}
        }
    }
    (timestamp, v1)
}

/// Verifies like Terra's SDKs: any `v1` matches, and `t` is within 300 s of `now`.
fn verify(header: &str, body: &[u8], secret: &str, now: i64) -> bool {
    let (Some(timestamp), candidates) = parse_signature(header) else {
        return false;
    };
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    let expected = hmac_sha256_hex(secret.as_bytes(), &signed);
    candidates.contains(&expected) && (now - timestamp).abs() <= 300
}

#[test]
fn independent_hmac_matches_rfc4231() {
    // RFC 4231 test case 2.
    assert_eq!(
        hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // Test case 6: a key longer than the block is hashed first.
    assert_eq!(
        hmac_sha256_hex(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        ),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

#[test]
fn parser_follows_the_sdk_rules() {
    let (t, v1) = parse_signature(" t = 12 , v0=zz, junk ,v1=a=b, v1= c ");
    assert_eq!(t, Some(12));
    assert_eq!(v1, ["a=b", "c"]);
}

// ---------------------------------------------------------------------------------------
// A receiver whose answers the test scripts (status, headers, delay).

#[derive(Debug, Clone)]
struct Captured {
    headers: HeaderMap,
    body: bytes::Bytes,
}

#[derive(Debug, Clone)]
struct Script {
    status: StatusCode,
    headers: Vec<(String, String)>,
    delay: Duration,
}

struct Receiver {
    url: String,
    captured: Arc<Mutex<Vec<Captured>>>,
    script: Arc<Mutex<Script>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Receiver {
        let captured = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(Script {
            status: StatusCode::OK,
            headers: Vec::new(),
            delay: Duration::ZERO,
        }));
        let (log, answer) = (captured.clone(), script.clone());
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: bytes::Bytes| {
            let (log, answer) = (log.clone(), answer.clone());
            async move {
                log.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Captured { headers, body });
                let script = answer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                tokio::time::sleep(script.delay).await;
                let mut response = axum::http::Response::builder().status(script.status);
                for (name, value) in &script.headers {
                    response = response.header(name, value);
                }
                response
                    .body(axum::body::Body::empty())
                    .expect("valid response")
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url,
            captured,
            script,
            _task: task,
        }
    }

    fn answer(&self, status: u16, headers: &[(&str, &str)], delay: Duration) {
        *self.script.lock().unwrap_or_else(PoisonError::into_inner) = Script {
            status: StatusCode::from_u16(status).expect("status"),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            delay,
        };
    }

    fn requests(&self) -> Vec<Captured> {
        self.captured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn header<'a>(captured: &'a Captured, name: &str) -> &'a str {
    captured
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Setup: the app with background workers off, a developer with the receiver as webhook,
// a user, a manual clock and a deliverer driven by it.

struct Setup {
    app: TestApp,
    dev: TestDeveloper,
    dev_id: DeveloperId,
    user: UserId,
    clock: Arc<ManualClock>,
    state: AppState,
    receiver: Receiver,
}

impl Setup {
    async fn new(backend: Backend, timeout_secs: u64) -> Option<Setup> {
        let app = TestApp::spawn_with(backend, |config| {
            config.webhooks.enabled = false;
            config.webhooks.timeout_secs = timeout_secs;
        })
        .await?;
        let receiver = Receiver::start().await;
        let dev = app.developer("hooks").await;
        set_webhook_url(&app.store, &dev.dev_id, Some(&receiver.url))
            .await
            .expect("set webhook");
        let user = app.user(&dev, Some("ref-1")).await;
        // A minute ahead of real time, so events appended now (stamped with the real
        // clock) are already due.
        let clock = Arc::new(ManualClock::new(Utc::now() + chrono::Duration::minutes(1)));
        let state = app.state.clone().with_clock(clock.clone());
        Some(Setup {
            dev_id: dev.dev_id.parse().expect("dev id"),
            app,
            dev,
            user,
            clock,
            state,
            receiver,
        })
    }

    /// A deliverer with exact (un-jittered) delays.
    fn exact(&self) -> Deliverer {
        Deliverer::new(&self.state)
            .expect("deliverer")
            .with_schedule(RetrySchedule::with_jitter(0.0))
    }

    async fn append(&self, event_type: &str, body: &str, reference: Option<&str>) -> EventId {
        self.app
            .store
            .append_event(&NewEvent {
                developer_id: self.dev_id.clone(),
                user_id: Some(self.user.clone()),
                event_type: event_type.to_owned(),
                body: body.to_owned(),
                reference: reference.map(str::to_owned),
            })
            .await
            .expect("append")
    }

    async fn event(&self, id: &EventId) -> wearbridge_store::EventRow {
        self.app
            .store
            .get_event(&self.dev_id, id)
            .await
            .expect("get event")
            .expect("event exists")
    }

    fn now_secs(&self) -> i64 {
        self.clock.now().timestamp()
    }

    fn now_micros(&self) -> i64 {
        self.clock.now().timestamp_micros()
    }

    fn set_clock(&self, micros: i64) {
        self.clock
            .set(DateTime::from_timestamp_micros(micros).expect("valid instant"));
    }
}

macro_rules! webhook_test {
    ($name:ident, $timeout:expr, |$setup:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($setup: Setup) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(setup) = Setup::new(Backend::Sqlite, $timeout).await {
                    run(setup).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(setup) = Setup::new(Backend::Postgres, $timeout).await {
                    run(setup).await;
                }
            }
        }
    };
}

// ---------------------------------------------------------------------------------------

webhook_test!(signed_exactly_like_terra, 15, |s| {
    let body = r#"{"type":"healthcheck","status":"success","n":"é ✓"}"#;
    let id = s.append("healthcheck", body, Some("ref-42")).await;
    assert_eq!(s.exact().run_due_now().await.expect("run"), 1);

    let requests = s.receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.body.as_ref(),
        body.as_bytes(),
        "body sent unchanged"
    );
    let signature = header(request, "terra-signature");
    let now = s.now_secs();
    assert!(verify(
        signature,
        &request.body,
        &s.dev.webhook_signing_secret,
        now
    ));
    assert!(!verify(signature, &request.body, "wrong-secret", now));
    assert!(!verify(
        signature,
        b"{}",
        &s.dev.webhook_signing_secret,
        now
    ));
    assert_eq!(header(request, "x-terra-signature"), signature);
    assert_eq!(parse_signature(signature).1.len(), 1);
    assert_eq!(header(request, "webhook-id"), id.as_str());
    assert_eq!(header(request, "terra-reference"), "ref-42");
    assert_eq!(header(request, "content-type"), "application/json");
    assert_eq!(s.event(&id).await.state, EventState::Delivered);
    // Nothing is due any more.
    assert_eq!(s.exact().run_due_now().await.expect("run"), 0);
});

webhook_test!(rotation_signs_with_both_secrets_for_a_day, 15, |s| {
    let client = s.app.client(&s.dev);
    let rotated = client
        .json(
            Method::POST,
            "/wearbridge/v1/webhook/rotate-secret",
            &json!({}),
            200,
        )
        .await
        .json();
    let new_secret = rotated["webhook_signing_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(new_secret, s.dev.webhook_signing_secret);

    s.append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    let first = s.receiver.requests()[0].clone();
    let signature = header(&first, "terra-signature");
    let (_, v1) = parse_signature(signature);
    assert_eq!(v1.len(), 2, "two v1 during the overlap: {signature}");
    let now = s.now_secs();
    // Receivers with either secret accept it; the new one signs first.
    assert!(verify(signature, &first.body, &new_secret, now));
    assert!(verify(
        signature,
        &first.body,
        &s.dev.webhook_signing_secret,
        now
    ));
    let new_only = format!(
        "t={},v1={}",
        parse_signature(signature).0.unwrap_or(0),
        v1[0]
    );
    assert!(verify(&new_only, &first.body, &new_secret, now));

    // A day later the old secret no longer signs.
    s.clock
        .advance(chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    s.append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    let second = s.receiver.requests()[1].clone();
    let signature = header(&second, "terra-signature");
    let now = s.now_secs();
    assert_eq!(parse_signature(signature).1.len(), 1);
    assert!(verify(signature, &second.body, &new_secret, now));
    assert!(!verify(
        signature,
        &second.body,
        &s.dev.webhook_signing_secret,
        now
    ));
});

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
    // Same webhook-id on every retry.
    assert!(
        s.receiver
            .requests()
            .iter()
            .all(|r| header(r, "webhook-id") == id.as_str())
    );

    // The API shows every attempt with its response code and latency.
    let client = s.app.client(&s.dev);
    let detail = client
        .get(&format!("/wearbridge/v1/events/{id}"), 200)
        .await
        .json();
    assert_eq!(detail["event"]["state"], "failed");
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
    let deliverer = Deliverer::new(&s.state)
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

/// Runs every queued data-request job, then delivers everything due.
async fn run_requests(s: &Setup) {
    data_request::run_pending(&s.state, "test-jobs")
        .await
        .expect("job");
    s.exact().drain_due().await.expect("deliver");
}

fn bodies_by_type(s: &Setup) -> HashMap<String, Vec<(Value, String)>> {
    let mut by_type: HashMap<String, Vec<(Value, String)>> = HashMap::new();
    for request in s.receiver.requests() {
        let body: Value = serde_json::from_slice(&request.body).expect("json body");
        let kind = body["type"].as_str().unwrap_or_default().to_owned();
        by_type
            .entry(kind)
            .or_default()
            .push((body, header(&request, "terra-reference").to_owned()));
    }
    by_type
}

webhook_test!(to_webhook_acknowledges_then_delivers_tagged_data, 15, |s| {
    s.app
        .seed::<Daily>(
            &s.dev,
            &s.user,
            &[
                fixtures::daily(day(0), "+00:00", 100),
                fixtures::daily(day(1), "+00:00", 200),
            ],
        )
        .await;
    let client = s.app.client(&s.dev);
    let ack = client
        .get(
            &format!(
                "/v2/daily?user_id={}&start_date=2024-01-01&end_date=2024-01-05",
                s.user
            ),
            200,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("sdk/DataSentToWebhook", &ack);
    let reference = ack["reference"].as_str().expect("reference").to_owned();
    assert_eq!(ack["user"]["user_id"], s.user.to_string());

    run_requests(&s).await;
    let by_type = bodies_by_type(&s);
    let daily = by_type.get("daily").expect("a daily event");
    assert_eq!(daily.len(), 1);
    let (body, tag) = &daily[0];
    assert_eq!(tag, &reference);
    assert_valid("core/DailyEvent", body);
    assert_eq!(body["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["version"], "2022-03-16");
    // Samples are off by default, as in the response path.
    assert!(
        body["data"][0]["heart_rate_data"]["detailed"]
            .get("hr_samples")
            .is_none()
    );
});

webhook_test!(large_requests_arrive_in_chunks_of_ten, 15, |s| {
    let records: Vec<Value> = (0..25)
        .map(|n| fixtures::activity(&format!("run-{n}"), day(n * 2), 100.0 + n as f64))
        .collect();
    s.app.seed::<Activity>(&s.dev, &s.user, &records).await;
    let client = s.app.client(&s.dev);
    let ack = client
        .get(
            &format!(
                "/v2/activity?user_id={}&start_date=2024-01-01&end_date=2024-03-31",
                s.user
            ),
            200,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("sdk/LargeRequestProcessingEvent", &ack);
    let reference = ack["reference"].as_str().expect("reference").to_owned();

    run_requests(&s).await;
    let by_type = bodies_by_type(&s);
    let processing = by_type.get("large_request_processing").expect("processing");
    assert_valid("core/LargeRequestProcessingEvent", &processing[0].0);
    let sending = by_type.get("large_request_sending").expect("sending");
    assert_valid("core/LargeRequestSendingEvent", &sending[0].0);
    assert_eq!(sending[0].0["expected_payloads"], 3);
    let chunks = by_type.get("activity").expect("chunks");
    let mut sizes: Vec<usize> = chunks
        .iter()
        .map(|(body, _)| body["data"].as_array().map_or(0, Vec::len))
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [5, 10, 10]);
    for (body, tag) in chunks.iter().chain(processing).chain(sending) {
        assert_eq!(tag, &reference);
        if body["type"] == "activity" {
            assert_valid("core/ActivityEvent", body);
        }
    }
});

webhook_test!(athlete_is_one_object, 15, |s| {
    s.app
        .seed::<Athlete>(&s.dev, &s.user, &[fixtures::athlete()])
        .await;
    let client = s.app.client(&s.dev);
    let ack = client
        .get(&format!("/v2/athlete?user_id={}", s.user), 200)
        .await
        .json();
    assert_valid_sdk_user_shape("sdk/DataSentToWebhook", &ack);
    run_requests(&s).await;
    let by_type = bodies_by_type(&s);
    let athlete = &by_type.get("athlete").expect("athlete event")[0].0;
    assert_valid("core/AthleteEvent", athlete);
    assert!(athlete["athlete"].is_object());
});

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
    assert_eq!(produce_due(&s.state, hour).await.expect("produce"), 1);
    assert_eq!(
        produce_due(&s.state, hour).await.expect("produce"),
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
    assert_eq!(produce_due(&s.state, hour).await.expect("produce"), 1);
    s.exact().drain_due().await.expect("deliver");
    let body: Value = serde_json::from_slice(&s.receiver.requests()[1].body).expect("json");
    // The first healthcheck was delivered 61 minutes ago (by the manual clock): in the
    // hour before the last one, so the count fell from 1 to 0.
    assert_eq!(body["sent_webhooks_last_hour"], 0);
    assert_eq!(body["trend_percentage"], -100);
});
