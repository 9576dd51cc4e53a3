//! The sync engine against the in-process simulator with faults on, on both backends:
//! a 365-day backfill under 429/500/malformed pages completes with every day exactly once;
//! a crashed worker's backfill resumes from its checkpoint; a revoked grant yields one
//! `access_revoked` and no retry storm; a new connection is served while a cohort
//! backfills; rate budgets hold under a cohort (request log per window); push
//! notifications delivered twice; backfill progress; a hung provider (timeouts); the
//! schedule: periodic polls, token refresh-ahead and subscription renewal.
//!
//! Time: a [`ShiftedClock`] runs with real time (so jobs requeued "now" keep their order)
//! and jumps forward when every job waits (Retry-After, backoff, lease expiry).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::Value;
use url::Url;
use wearbridge_model::api::WidgetSessionRequest;
use wearbridge_providers::{ProvidersConfig, Registry};
use wearbridge_server::app::build_router;
use wearbridge_server::clock::Clock;
use wearbridge_server::config::Config;
use wearbridge_server::connect::oauth::{self, CallbackOutcome, CallbackQuery};
use wearbridge_server::connect::sessions::create_session;
use wearbridge_server::crypto::Cipher;
use wearbridge_server::developers::create_developer;
use wearbridge_server::jobs::backfill;
use wearbridge_server::state::AppState;
use wearbridge_server::sync::{ProviderBudget, Rate, SyncSettings};
use wearbridge_sim::faults::RequestClass;
use wearbridge_sim::{SimConfig, SimHandle, Simulator};
use wearbridge_store::ids::DeveloperId;
use wearbridge_store::testing::{TestDatabase, fresh_database_url};
use wearbridge_store::{Backend, EventFilter, JobFilter, JobState, Store, User};

/// Real time plus a shift that only grows.
#[derive(Debug, Default)]
struct ShiftedClock {
    shift_micros: AtomicI64,
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::microseconds(self.shift_micros.load(Ordering::SeqCst))
    }
}

impl ShiftedClock {
    /// Moves "now" to just after `at_micros` (never back).
    fn jump_to(&self, at_micros: i64) {
        let gap = at_micros - self.now().timestamp_micros();
        if gap > 0 {
            self.shift_micros.fetch_add(gap + 1, Ordering::SeqCst);
        }
    }
}

struct Env {
    base_url: String,
    store: Store,
    state: AppState,
    clock: Arc<ShiftedClock>,
    sim: SimHandle,
    dev: DeveloperId,
    api_key: String,
    /// Follows no redirects (the consent answer is a redirect to our callback).
    http: reqwest::Client,
    _database: TestDatabase,
}

macro_rules! sync_test {
    ($name:ident, $settings:expr, |$env:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($env: Env) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(env) = Env::spawn(Backend::Sqlite, $settings).await {
                    run(env).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(env) = Env::spawn(Backend::Postgres, $settings).await {
                    run(env).await;
                }
            }
        }
    };
}

/// SANDBOX settings: `days` of backfill, `slice` chunks per claim, an optional app budget.
fn settings(days: u32, slice: usize, app: Option<Rate>) -> SyncSettings {
    let mut settings = SyncSettings::default();
    settings.backfill_days.insert("SANDBOX".to_owned(), days);
    settings.slice_chunks = slice;
    settings
        .budgets
        .insert("SANDBOX".to_owned(), ProviderBudget { app, user: None });
    settings
}

impl Env {
    async fn spawn(backend: Backend, sync: SyncSettings) -> Option<Env> {
        let (database_url, database) = fresh_database_url(backend).await.expect("database")?;
        let store = Store::connect(&database_url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let sim = Simulator::spawn(SimConfig::default()).await.expect("sim");
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = Config::for_database(&database_url, addr);
        config.webhooks.allow_loopback = true;
        config.public_url = Some(Url::parse("http://wearbridge.test").expect("url"));
        let cipher = Cipher::from_key_spec(&Cipher::generate_key_spec()).expect("key");
        let clock = Arc::new(ShiftedClock::default());
        let sim_url = Url::parse(&sim.base_url()).expect("sim url");
        let endpoints = wearbridge_sim::layout::endpoints(&sim_url);
        let state = AppState::new(store.clone(), config, cipher)
            .with_providers(Registry::new(ProvidersConfig::sandbox(endpoints)))
            .with_clock(clock.clone())
            .with_sync(sync);
        let app = build_router(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let created = create_developer(
            &store,
            &state.cipher,
            "sync",
            (None, &crate::harness::loopback()),
        )
        .await
        .expect("developer");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Some(Env {
            base_url: format!("http://{addr}"),
            store,
            state,
            clock,
            sim,
            dev: created.dev_id,
            api_key: created.api_key.expose_secret().to_owned(),
            http,
            _database: database,
        })
    }

    /// Connects the simulated account `sim_user` (consent at the simulator, then our
    /// callback logic); the backfill job is queued.
    async fn connect(&self, sim_user: &str) -> User {
        let request = WidgetSessionRequest {
            providers: Some("SANDBOX".to_owned()),
            ..WidgetSessionRequest::default()
        };
        let session = create_session(&self.state.services(), &self.dev, request, None)
            .await
            .expect("session");
        let authorize = oauth::begin(&self.state.services(), &session, "SANDBOX")
            .await
            .expect("begin");
        let consent = format!("{authorize}&consent=allow&sim_user={sim_user}");
        let answer = self.http.get(consent).send().await.expect("consent");
        let location = answer
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .expect("redirect to the callback");
        let callback = Url::parse(location).expect("callback url");
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
        match oauth::complete(&self.state.services(), "sandbox", query).await {
            CallbackOutcome::Connected(connected) => connected.user,
            CallbackOutcome::Failed { reason, .. } => panic!("connect failed: {reason:?}"),
        }
    }

    /// Runs backfill jobs until none is queued or running, jumping the clock over waits.
    ///
    /// Bounded by events, not by time or a guess at the iteration count a plan needs:
    /// it fails only when a waiting job stays unclaimable after its wake time
    /// ([`STALLS`] rounds in a row with nothing run), or when jobs keep running without
    /// ever finishing ([`ROUNDS`], far above any plan here), with the jobs in the message.
    async fn drain(&self) {
        const STALLS: u32 = 100;
        const ROUNDS: u32 = 100_000;
        let mut stalls = 0;
        for _ in 0..ROUNDS {
            let ran = backfill::run_pending(&self.state.services(), "sync-test")
                .await
                .expect("run");
            let Some(next) = self.next_wake().await else {
                return;
            };
            stalls = if ran == 0 { stalls + 1 } else { 0 };
            if stalls > STALLS {
                let jobs = self.store.list_jobs(JobFilter::default()).await;
                panic!("backfill stalled: nothing claimable after its wake time: {jobs:#?}");
            }
            self.clock.jump_to(next);
        }
        let jobs = self.store.list_jobs(JobFilter::default()).await;
        panic!("backfill never finished after {ROUNDS} rounds: {jobs:#?}");
    }

    /// When the earliest waiting backfill job becomes claimable.
    async fn next_wake(&self) -> Option<i64> {
        let jobs = |state| JobFilter {
            kind: Some(backfill::KIND.to_owned()),
            state: Some(state),
            ..JobFilter::default()
        };
        let queued = self.store.list_jobs(jobs(JobState::Queued)).await;
        let running = self.store.list_jobs(jobs(JobState::Running)).await;
        let queued = queued.expect("jobs").into_iter().map(|job| job.run_at);
        let running = running.expect("jobs").into_iter();
        let leases = running.filter_map(|job| job.locked_until);
        queued.chain(leases).min()
    }

    async fn events(&self, event_type: &str, user: Option<&User>) -> Vec<Value> {
        let filter = EventFilter {
            event_type: Some(event_type.to_owned()),
            user_id: user.map(|user| user.id.clone()),
            limit: Some(100_000),
            ..EventFilter::default()
        };
        let rows = self.store.list_events(&self.dev, filter).await;
        rows.expect("events")
            .iter()
            .map(|row| serde_json::from_str(&row.body).expect("event json"))
            .collect()
    }

    /// API-class requests the simulator saw.
    fn api_requests(&self) -> usize {
        self.sim
            .requests()
            .records(Some("sandbox"))
            .iter()
            .filter(|record| record.class == RequestClass::Api)
            .count()
    }

    async fn backfill_job(&self, user: &User) -> wearbridge_store::Job {
        let filter = JobFilter {
            kind: Some(backfill::KIND.to_owned()),
            user_id: Some(user.id.clone()),
            ..JobFilter::default()
        };
        let jobs = self.store.list_jobs(filter).await.expect("jobs");
        jobs.into_iter().next().expect("a backfill job")
    }
}

/// The local dates of every daily record in `user`'s daily events, with repeats.
async fn daily_dates_in_events(env: &Env, user: &User) -> Vec<String> {
    let mut dates = Vec::new();
    for event in env.events("daily", Some(user)).await {
        for record in event["data"].as_array().into_iter().flatten() {
            let start = record["metadata"]["start_time"].as_str().unwrap_or("");
            dates.push(start.chars().take(10).collect());
        }
    }
    dates
}

fn assert_each_day_once(dates: &[String], days: usize) {
    let distinct: BTreeSet<&String> = dates.iter().collect();
    assert_eq!(distinct.len(), days, "distinct days");
    assert_eq!(dates.len(), days, "a day arrived more than once");
}

mod backfill_runs;
mod fairness;
mod periodic;
mod push;
