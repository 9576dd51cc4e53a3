//! Backfill throughput: records fetched from the simulator, mapped and stored (with their
//! data events) per second, on SQLite and on PostgreSQL (`WEARBRIDGE_TEST_POSTGRES_URL`;
//! skipped when unset). One iteration = a fresh connection's 30-day backfill of every
//! SANDBOX type through `backfill::run_pending`, budgets off.
//!
//! Run: `cargo bench -p wearbridge-server --bench sync_backfill`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use url::Url;
use wearbridge_model::DataType;
use wearbridge_model::api::WidgetSessionRequest;
use wearbridge_providers::{ProvidersConfig, Registry};
use wearbridge_server::config::Config;
use wearbridge_server::connect::oauth::{self, CallbackOutcome, CallbackQuery};
use wearbridge_server::connect::sessions::create_session;
use wearbridge_server::crypto::Cipher;
use wearbridge_server::developers::create_developer;
use wearbridge_server::jobs::backfill;
use wearbridge_server::state::AppState;
use wearbridge_server::sync::SyncSettings;
use wearbridge_sim::{SimConfig, SimHandle, Simulator};
use wearbridge_store::ids::DeveloperId;
use wearbridge_store::testing::{TestDatabase, fresh_database_url};
use wearbridge_store::{Backend, Store};

struct Bench {
    state: AppState,
    store: Store,
    dev: DeveloperId,
    http: reqwest::Client,
    _sim: SimHandle,
    _database: TestDatabase,
}

async fn setup(backend: Backend) -> Option<Bench> {
    let (url, database) = fresh_database_url(backend).await.ok()??;
    let store = Store::connect(&url).await.ok()?;
    store.migrate().await.ok()?;
    let sim = Simulator::spawn(SimConfig::default()).await.ok()?;
    let mut config = Config::for_database(&url, SocketAddr::from(([127, 0, 0, 1], 9)));
    config.public_url = Url::parse("http://wearbridge.bench").ok();
    let cipher = Cipher::from_key_spec(&Cipher::generate_key_spec()).ok()?;
    let mut sync = SyncSettings::default();
    sync.budgets.clear();
    let state = AppState::new(store.clone(), config, cipher)
        .with_providers(Registry::new(ProvidersConfig::sandbox(
            wearbridge_sim::layout::endpoints(&Url::parse(&sim.base_url()).ok()?),
        )))
        .with_sync(sync);
    let dev = create_developer(&store, &state.cipher, "bench", None)
        .await
        .ok()?
        .dev_id;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .ok()?;
    Some(Bench {
        state,
        store,
        dev,
        http,
        _sim: sim,
        _database: database,
    })
}

/// Connects a fresh simulated account (its backfill job is queued); the user id.
async fn connect(bench: &Bench, account: &str) -> Option<wearbridge_store::ids::UserId> {
    let request = WidgetSessionRequest {
        providers: Some("SANDBOX".to_owned()),
        ..WidgetSessionRequest::default()
    };
    let session = create_session(&bench.state.services(), &bench.dev, request, None)
        .await
        .ok()?;
    let authorize = oauth::begin(&bench.state.services(), &session, "SANDBOX")
        .await
        .ok()?;
    let consent = format!("{authorize}&consent=allow&sim_user={account}");
    let answer = bench.http.get(consent).send().await.ok()?;
    let location = answer.headers().get("location")?.to_str().ok()?;
    let callback = Url::parse(location).ok()?;
    let param = |name: &str| {
        callback
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    let query = CallbackQuery {
        code: param("code"),
        state: param("state"),
        ..CallbackQuery::default()
    };
    match oauth::complete(&bench.state.services(), "sandbox", query).await {
        CallbackOutcome::Connected(connected) => Some(connected.user.id),
        CallbackOutcome::Failed { .. } => None,
    }
}

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
        let Some(bench) = runtime.block_on(setup(backend)) else {
            eprintln!("{backend:?}: not configured, skipped");
            continue;
        };
        // One backfill first, to know how many records an iteration stores.
        let per_backfill = runtime.block_on(async {
            let user = connect(&bench, "bench-warmup").await?;
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
                        if connect(&bench, &format!("bench-{account}")).await.is_none() {
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
