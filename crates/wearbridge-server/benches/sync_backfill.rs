//! Backfill throughput: records fetched from the simulator, mapped and stored (with their
//! data events) per second, on SQLite and on PostgreSQL (`WEARBRIDGE_TEST_POSTGRES_URL`;
//! skipped when unset). One iteration = a fresh connection's 30-day backfill of every
//! SANDBOX type through `backfill::run_pending`, budgets off.
//!
//! Run: `cargo bench -p wearbridge-server --bench sync_backfill`.

mod support;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use support::{Bench, connect, setup};
use wearbridge_model::DataType;
use wearbridge_server::jobs::backfill;
use wearbridge_store::Backend;

/// Records of every type stored for `user`.
async fn records(bench: &Bench, user: &wearbridge_store::ids::UserId) -> u64 {
    let mut total = 0;
    for kind in [
        DataType::Activity,
        DataType::Athlete,
        DataType::Body,
        DataType::Daily,
        DataType::Menstruation,
        DataType::Nutrition,
        DataType::Sleep,
    ] {
        let count = bench.store.count_records(&bench.dev, user, kind).await;
        total += u64::try_from(count.unwrap_or(0)).unwrap_or(0);
    }
    total
}

fn backfill_throughput(c: &mut Criterion) {
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        return;
    };
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(bench) = runtime.block_on(setup(backend, "http://wearbridge.bench")) else {
            eprintln!("{backend:?}: not configured, skipped");
            continue;
        };
        // One backfill first, to know how many records an iteration stores.
        let per_backfill = runtime.block_on(async {
            let user = connect(&bench, "SANDBOX", "bench-warmup").await?;
            backfill::run_pending(&bench.state.services(), "bench")
                .await
                .ok()?;
            Some(records(&bench, &user).await)
        });
        let Some(per_backfill) = per_backfill else {
            eprintln!("{backend:?}: warm-up backfill failed, skipped");
            continue;
        };
        let mut group = c.benchmark_group(format!("sync_backfill_{backend:?}").to_lowercase());
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(20));
        group.throughput(Throughput::Elements(per_backfill));
        let mut account = 0_u64;
        group.bench_function("30_days_all_types", |b| {
            b.iter_custom(|iterations| {
                runtime.block_on(async {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iterations {
                        account += 1;
                        if connect(&bench, "SANDBOX", &format!("bench-{account}"))
                            .await
                            .is_none()
                        {
                            continue;
                        }
                        let started = Instant::now();
                        let _ = backfill::run_pending(&bench.state.services(), "bench").await;
                        spent += started.elapsed();
                    }
                    spent
                })
            });
        });
        group.finish();
    }
}

criterion_group!(benches, backfill_throughput);
criterion_main!(benches);
