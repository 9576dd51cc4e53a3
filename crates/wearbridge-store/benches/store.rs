//! Store micro-benchmarks on SQLite and (when `WEARBRIDGE_TEST_POSTGRES_URL` is set)
//! PostgreSQL:
//! - `query_30_days`, `query_1_day`: the read behind `GET /v2/daily`, samples off
//!   (the pair separates fixed per-query cost from per-row cost);
//! - `append_events_100[_batched]`: 100 outbox rows in one transaction, one INSERT each
//!   or through `append_events` (the webhook path);
//! - `upsert_unchanged`: re-upserting an identical record (a re-sync that changes nothing).
//!
//! Run: `WEARBRIDGE_TEST_POSTGRES_URL=postgres://... cargo bench -p wearbridge-store`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use wearbridge_model::DataType;
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{
    Backend, NewDeveloper, NewEvent, NewRecord, NewUser, RecordQuery, Store, StoreError, testing,
};

const DAY: i64 = 86_400_000_000;
const JAN_1: i64 = 1_767_225_600_000_000;

/// A daily record of realistic size (~2 KB without samples, ~20 KB with).
fn daily(day: i64) -> NewRecord {
    let start = JAN_1 + day * DAY;
    let summary = format!(
        r#""day":{day},"metadata":{{"start_time":{start}}},"pad":"{}""#,
        "x".repeat(2000)
    );
    let samples = (0..1440)
        .map(|m| format!("{{\"t\":{m},\"bpm\":60}}"))
        .collect::<Vec<_>>()
        .join(",");
    NewRecord {
        data_type: DataType::Daily,
        identity: format!("daily-{day}"),
        start_ts: start,
        end_ts: start + DAY,
        local_date: format!("2026-01-{:02}", day + 1),
        payload: format!("{{{summary},\"heart_rate_samples\":[{samples}]}}"),
        payload_no_samples: format!("{{{summary}}}"),
        content_hash: format!("hash-{day}"),
    }
}

async fn seed(store: &Store) -> Result<(DeveloperId, UserId), StoreError> {
    let dev = store
        .create_developer(NewDeveloper {
            name: "bench".to_owned(),
            api_key_hash: "h".to_owned(),
            webhook_url: None,
            webhook_secret_enc: "s".to_owned(),
        })
        .await?;
    let user = store
        .create_user(
            &dev.id,
            NewUser {
                provider: "GARMIN".to_owned(),
                ..NewUser::default()
            },
        )
        .await?;
    for day in 0..30 {
        store.upsert_record(&dev.id, &user.id, &daily(day)).await?;
    }
    Ok((dev.id, user.id))
}

fn events(dev: &DeveloperId, user: &UserId) -> Vec<NewEvent> {
    let event = NewEvent {
        developer_id: dev.clone(),
        user_id: Some(user.clone()),
        event_type: "daily".to_owned(),
        body: r#"{"type":"daily","user":{},"data":[]}"#.to_owned(),
        reference: None,
        trace_id: None,
    };
    vec![event; 100]
}

/// 100 events in one transaction, one INSERT each.
async fn append_one_by_one(store: &Store, events: &[NewEvent]) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    for event in events {
        tx.append_event(event).await?;
    }
    tx.commit().await
}

/// 100 events in one transaction through the multi-row batch path.
async fn append_batched(store: &Store, events: &[NewEvent]) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    tx.append_events(events).await?;
    tx.commit().await
}

fn bench_backend(c: &mut Criterion, runtime: &Runtime, backend: Backend) -> Result<(), StoreError> {
    let Some((store, _guard)) = runtime.block_on(testing::fresh_store(backend))? else {
        return Ok(());
    };
    let (dev, user) = runtime.block_on(seed(&store))?;
    let name = format!("{backend:?}").to_lowercase();
    let mut group = c.benchmark_group(name);
    let month = RecordQuery {
        local_days: None,
        start_ts: JAN_1,
        end_ts: JAN_1 + 30 * DAY,
        with_samples: false,
    };
    group.bench_function("query_30_days", |b| {
        b.iter(|| runtime.block_on(store.query_records(&dev, &user, DataType::Daily, month)))
    });
    let day = RecordQuery {
        local_days: None,
        end_ts: JAN_1 + DAY,
        ..month
    };
    group.bench_function("query_1_day", |b| {
        b.iter(|| runtime.block_on(store.query_records(&dev, &user, DataType::Daily, day)))
    });
    group.throughput(Throughput::Elements(100));
    let batch = events(&dev, &user);
    group.bench_function("append_events_100", |b| {
        b.iter(|| runtime.block_on(append_one_by_one(&store, &batch)))
    });
    group.bench_function("append_events_100_batched", |b| {
        b.iter(|| runtime.block_on(append_batched(&store, &batch)))
    });
    group.throughput(Throughput::Elements(1));
    let record = daily(0);
    group.bench_function("upsert_unchanged", |b| {
        b.iter(|| runtime.block_on(store.upsert_record(&dev, &user, &record)))
    });
    group.finish();
    runtime.block_on(store.close());
    Ok(())
}

fn benches(c: &mut Criterion) {
    let Ok(runtime) = Runtime::new() else {
        eprintln!("cannot start a tokio runtime");
        return;
    };
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Err(error) = bench_backend(c, &runtime, backend) {
            eprintln!("{backend:?} benchmark failed: {error}");
        }
    }
}

criterion_group!(store_benches, benches);
criterion_main!(store_benches);
