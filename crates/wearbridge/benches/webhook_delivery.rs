//! Webhook delivery throughput: events per second claimed, signed, POSTed to a local
//! receiver and recorded, on SQLite and (with `WEARBRIDGE_TEST_POSTGRES_URL`) on
//! PostgreSQL. A load script rather than a criterion loop: one run moves tens of
//! thousands of events through the real worker code ([`Deliverer::run_due_now`] in
//! parallel lanes, as `wearbridge serve` runs it), which is the figure that matters.
//!
//! Run: `cargo bench -p wearbridge --bench webhook_delivery` (optionally
//! `WEBHOOK_BENCH_EVENTS=50000`). It also measures the receiver's own cost: the same
//! number of POSTs of the same bodies with the same client and concurrency, without
//! signing or the database.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use wearbridge_server::config::Config;
use wearbridge_server::crypto::Cipher;
use wearbridge_server::delivery::{Deliverer, DeliveryConfig};
use wearbridge_server::developers::create_developer;
use wearbridge_server::state::AppState;
use wearbridge_store::ids::DeveloperId;
use wearbridge_store::{Backend, NewEvent, Store};

/// A data event of about 1 KB, the size of a small `daily` payload.
fn body(n: usize) -> String {
    let filler = "x".repeat(900);
    format!(r#"{{"type":"daily","data":[{{"n":{n},"note":"{filler}"}}],"version":"2022-03-16"}}"#)
}

/// A receiver answering 200 at once; counts requests.
async fn receiver() -> (String, Arc<AtomicU64>) {
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    let app = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::Relaxed);
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, count)
}

async fn append(store: &Store, dev: &DeveloperId, events: usize) {
    let batch: Vec<NewEvent> = (0..events)
        .map(|n| NewEvent {
            developer_id: dev.clone(),
            user_id: None,
            event_type: "daily".to_owned(),
            body: body(n),
            reference: None,
            trace_id: None,
        })
        .collect();
    for chunk in batch.chunks(5_000) {
        let mut tx = store.begin().await.expect("begin");
        tx.append_events(chunk).await.expect("append");
        tx.commit().await.expect("commit");
    }
}

/// Delivers every event with `lanes` claim loops; returns events/s.
async fn deliver_all(state: &AppState, events: usize, lanes: usize) -> f64 {
    let deliverer = Arc::new(
        Deliverer::new(&state.services(), state.config.webhooks.clone()).expect("deliverer"),
    );
    let started = Instant::now();
    let delivered = futures::future::join_all((0..lanes).map(|_| {
        let deliverer = deliverer.clone();
        async move { deliverer.drain_due().await.expect("deliver") }
    }))
    .await
    .into_iter()
    .sum::<usize>();
    let elapsed = started.elapsed();
    assert_eq!(delivered, events, "every event attempted once");
    events as f64 / elapsed.as_secs_f64()
}

/// The receiver's own cost: plain POSTs, same client settings and concurrency.
async fn receiver_only(url: &str, events: usize, concurrency: usize) -> f64 {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let bodies: Vec<String> = (0..events).map(body).collect();
    let started = Instant::now();
    futures::stream::iter(bodies)
        .map(|body| {
            let client = client.clone();
            async move {
                let response = client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("post");
                let _ = response.bytes().await;
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<()>>()
        .await;
    events as f64 / started.elapsed().as_secs_f64()
}

async fn run(backend: Backend, events: usize) {
    let Some((url, _guard)) = wearbridge_store::testing::fresh_database_url(backend)
        .await
        .expect("database")
    else {
        return;
    };
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let cipher = Cipher::from_key_spec(&Cipher::generate_key_spec()).expect("key");
    let (hook, received) = receiver().await;
    let loopback = wearbridge_server::outbound::TargetPolicy {
        allow_loopback: true,
        ..Default::default()
    };
    let credentials = create_developer(&store, &cipher, "bench", (Some(&hook), &loopback))
        .await
        .expect("developer");
    let mut config = Config::for_database(&url, SocketAddr::from(([127, 0, 0, 1], 0)));
    config.webhooks = DeliveryConfig {
        batch_size: 500,
        per_destination_concurrency: 64,
        allow_loopback: true,
        ..DeliveryConfig::default()
    };
    let lanes = config.webhooks.lanes;
    let concurrency = config.webhooks.per_destination_concurrency;
    let state = AppState::new(store.clone(), config, cipher);

    append(&store, &credentials.dev_id, events).await;
    let rate = deliver_all(&state, events, lanes).await;
    assert_eq!(received.load(Ordering::Relaxed), events as u64);
    let receiver_rate = receiver_only(&hook, events, concurrency).await;
    println!(
        "{backend:?}: {events} events signed, delivered and recorded at {rate:.0} events/s \
         ({lanes} lanes, batch 500, {concurrency} concurrent per destination); \
         the receiver alone takes {receiver_rate:.0} plain POSTs/s with the same client"
    );
    store.close().await;
}

fn main() {
    let events = std::env::var("WEBHOOK_BENCH_EVENTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        run(Backend::Sqlite, events).await;
        run(Backend::Postgres, events).await;
    });
}
