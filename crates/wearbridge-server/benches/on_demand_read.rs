//! On-demand read latency (issue 13): per provider simulator and backend, a first
//! `GET /v2/daily?to_webhook=false` over 30 days nothing has fetched yet (the read fetches
//! them from the provider, maps, stores, and answers), and the same read repeated (the
//! ledger says covered: no provider call). Through the real HTTP server on loopback;
//! rate budgets off; SQLite always, PostgreSQL when `WEARBRIDGE_TEST_POSTGRES_URL` is set.
//!
//! Run: `cargo bench -p wearbridge-server --bench on_demand_read` (prints a table).

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::Days;
use support::{Bench, connect, setup};
use wearbridge_store::Backend;

/// Users per provider (each one's first read is a measurement).
const USERS: usize = 5;
/// Repeated reads per user.
const REPEATS: usize = 20;
const PROVIDERS: [&str; 6] = ["SANDBOX", "GARMIN", "OURA", "POLAR", "WHOOP", "WITHINGS"];

fn main() {
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        return;
    };
    println!("backend   provider  first read p50 / max (ms)  repeated p50 / p99 (ms)  records");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        runtime.block_on(run_backend(backend));
    }
}

async fn run_backend(backend: Backend) {
    let Some(bench) = setup(backend, "http://wearbridge.bench").await else {
        println!("{backend:?}: not configured, skipped");
        return;
    };
    let Some(base) = serve(&bench).await else {
        println!("{backend:?}: cannot listen on loopback");
        return;
    };
    for provider in PROVIDERS {
        let mut first = Vec::new();
        let mut repeated = Vec::new();
        let mut records = 0;
        for index in 0..USERS {
            let account = format!("{}-bench-{index}", provider.to_ascii_lowercase());
            let Some(user) = connect(&bench, provider, &account).await else {
                continue;
            };
            let path = daily_path(&bench, user.as_str());
            let (took, count) = timed_read(&bench, &base, &path).await;
            first.push(took);
            records = count;
            for _ in 0..REPEATS {
                repeated.push(timed_read(&bench, &base, &path).await.0);
            }
        }
        println!(
            "{:<9} {:<9} {:>10.1} / {:>7.1}            {:>7.2} / {:>6.2}        {}",
            format!("{backend:?}"),
            provider,
            percentile(&mut first, 50),
            percentile(&mut first, 100),
            percentile(&mut repeated, 50),
            percentile(&mut repeated, 99),
            records,
        );
    }
}

/// Serves the application on 127.0.0.1:0; its base URL.
async fn serve(bench: &Bench) -> Option<String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .ok()?;
    let addr = listener.local_addr().ok()?;
    let app = wearbridge_server::app::build_router(bench.state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Some(format!("http://{addr}"))
}

/// 30 days ending a month ago: outside the connect backfill, never fetched.
fn daily_path(bench: &Bench, user: &str) -> String {
    let today = bench.state.clock.now().date_naive();
    let end = today - Days::new(31);
    let start = end - Days::new(29);
    format!("/v2/daily?user_id={user}&start_date={start}&end_date={end}&to_webhook=false")
}

/// One read: its latency in ms and the records it returned.
async fn timed_read(bench: &Bench, base: &str, path: &str) -> (f64, usize) {
    let started = Instant::now();
    let response = bench
        .http
        .get(format!("{base}{path}"))
        .header("dev-id", bench.dev.as_str())
        .header("x-api-key", &bench.api_key)
        .send()
        .await;
    let body: serde_json::Value = match response {
        Ok(response) => response.json().await.unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    };
    let took = started.elapsed();
    let records = body["data"].as_array().map_or(0, Vec::len);
    (millis(took), records)
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// The `p`-th percentile (nearest rank) of `values`; 0 when empty.
fn percentile(values: &mut [f64], p: usize) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = (p * values.len()).div_ceil(100).clamp(1, values.len());
    values[rank - 1]
}
