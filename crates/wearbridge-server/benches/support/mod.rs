//! What the server benchmarks share: a fresh database, the in-process simulator, an
//! application state on both, a developer, and connecting a simulated account through
//! the real OAuth engine.

#![allow(dead_code)]

use std::net::SocketAddr;

use url::Url;
use wearbridge_model::api::WidgetSessionRequest;
use wearbridge_providers::{ProvidersConfig, Registry};
use wearbridge_server::config::Config;
use wearbridge_server::connect::oauth::{self, CallbackOutcome, CallbackQuery};
use wearbridge_server::connect::sessions::create_session;
use wearbridge_server::crypto::Cipher;
use wearbridge_server::developers::create_developer;
use wearbridge_server::state::AppState;
use wearbridge_server::sync::SyncSettings;
use wearbridge_sim::{SimConfig, SimHandle, Simulator};
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::testing::{TestDatabase, fresh_database_url};
use wearbridge_store::{Backend, Store};

pub struct Bench {
    pub state: AppState,
    pub store: Store,
    pub dev: DeveloperId,
    /// The developer's API key (for benchmarks that call the HTTP API).
    pub api_key: String,
    pub http: reqwest::Client,
    pub sim: SimHandle,
    _database: TestDatabase,
}

/// A fresh `backend` database (`None` when not configured) with rate budgets off, so a
/// benchmark measures the work, not the providers' published limits.
pub async fn setup(backend: Backend, public_url: &str) -> Option<Bench> {
    let (url, database) = fresh_database_url(backend).await.ok()??;
    let store = Store::connect(&url).await.ok()?;
    store.migrate().await.ok()?;
    let sim = Simulator::spawn(SimConfig::default()).await.ok()?;
    let mut config = Config::for_database(&url, SocketAddr::from(([127, 0, 0, 1], 9)));
    config.public_url = Url::parse(public_url).ok();
    config.webhooks.allow_loopback = true;
    let cipher = Cipher::from_key_spec(&Cipher::generate_key_spec()).ok()?;
    let mut sync = SyncSettings::default();
    sync.budgets.clear();
    let state = AppState::new(store.clone(), config, cipher)
        .with_providers(Registry::new(ProvidersConfig::sandbox(
            wearbridge_sim::layout::endpoints(&Url::parse(&sim.base_url()).ok()?),
        )))
        .with_sync(sync);
    let created = create_developer(
        &store,
        &state.cipher,
        "bench",
        (None, &wearbridge_server::outbound::TargetPolicy::default()),
    )
    .await
    .ok()?;
    let dev = created.dev_id;
    let api_key = secrecy::ExposeSecret::expose_secret(&created.api_key).to_owned();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .ok()?;
    Some(Bench {
        state,
        store,
        dev,
        api_key,
        http,
        sim,
        _database: database,
    })
}

/// Connects a fresh simulated `account` at `provider` (Terra id); its backfill job is
/// queued, not run. The user id.
pub async fn connect(bench: &Bench, provider: &str, account: &str) -> Option<UserId> {
    let request = WidgetSessionRequest {
        providers: Some(provider.to_owned()),
        ..WidgetSessionRequest::default()
    };
    let services = bench.state.services();
    let session = create_session(&services, &bench.dev, request, None)
        .await
        .ok()?;
    let authorize = oauth::begin(&services, &session, provider).await.ok()?;
    let separator = if authorize.as_str().contains('?') {
        '&'
    } else {
        '?'
    };
    let consent = format!("{authorize}{separator}consent=allow&sim_user={account}");
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
    let callback_provider = provider.to_ascii_lowercase();
    match oauth::complete(&services, &callback_provider, query).await {
        CallbackOutcome::Connected(connected) => Some(connected.user.id),
        CallbackOutcome::Failed { .. } => None,
    }
}
