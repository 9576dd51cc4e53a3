//! Webhook delivery (issue 5): signatures checked by an independent verifier, the retry
//! schedule driven step by step with a manual clock, 410 / 5-day disabling, resend, the
//! `to_webhook=true` data requests, and the delivery API. Background workers are off in
//! these tests; each drives [`Deliverer::run_due_now`] itself.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use wearbridge_server::clock::{Clock, ManualClock};
use wearbridge_server::delivery::Deliverer;
use wearbridge_server::delivery::schedule::RetrySchedule;
use wearbridge_server::developers::set_webhook_url;
use wearbridge_server::state::AppState;
use wearbridge_store::ids::{DeveloperId, EventId, UserId};
use wearbridge_store::{Backend, NewEvent};

use crate::harness::{TestApp, TestDeveloper};

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
        // Large-request chunks reach 10 MB; axum's default limit is 2 MB.
        let app = app.layer(axum::extract::DefaultBodyLimit::disable());
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
        set_webhook_url(
            &app.store,
            &dev.dev_id,
            (Some(&receiver.url), &crate::harness::loopback()),
        )
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
        Deliverer::new(&self.state.services(), self.state.config.webhooks.clone())
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
                trace_id: None,
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

mod data_requests;
mod disabling;
mod events;
mod guard;
mod retries;
mod signing;
