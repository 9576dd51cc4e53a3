//! The state every handler and worker shares.

use std::sync::Arc;

use wearbridge_providers::Registry;
use wearbridge_store::Store;

use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::crypto::Cipher;
use crate::metrics::Metrics;
use crate::services::Services;

/// Shared application state; cheap to clone (everything is behind `Arc` or is a pool
/// handle).
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Encrypts secrets at rest (webhook signing secrets, provider tokens).
    pub cipher: Arc<Cipher>,
    pub providers: Arc<Registry>,
    /// The client every provider call goes through (connection pool, TLS, timeouts,
    /// no redirects); one per application, not per process, so tests and embedders can
    /// run several applications side by side.
    pub http: reqwest::Client,
    pub metrics: Arc<Metrics>,
    /// "Now" for handlers and workers; replaceable in tests.
    pub clock: SharedClock,
    /// Sync engine settings: rate budgets, backfill depth, fairness slice.
    pub sync: Arc<crate::config::SyncSettings>,
    /// Recently verified API keys ([`crate::auth_cache::AuthCache`]).
    pub auth_cache: Arc<crate::auth_cache::AuthCache>,
    /// Finished data-read bodies ([`crate::read_cache::ReadCache`]).
    pub read_cache: Arc<crate::read_cache::ReadCache>,
    /// Per (user, data type) provider-fetch locks ([`Services::fetch_locks`]).
    pub fetch_locks: Arc<crate::services::FetchLocks>,
}

impl AppState {
    /// State with the providers configured in `[providers]` (sandbox mode replaces them with
    /// [`AppState::with_providers`]), fresh metrics, the system clock and the sync settings
    /// of the `[sync]` section.
    pub fn new(store: Store, config: Config, cipher: Cipher) -> AppState {
        let sync = crate::config::SyncSettings::from_config(&config.sync);
        let read_cache = Arc::new(crate::read_cache::ReadCache::with_capacity_mb(
            config.read_cache_mb,
        ));
        let providers = Registry::new(wearbridge_providers::ProvidersConfig {
            sandbox_mode: false,
            sim_endpoints: Default::default(),
            providers: config.providers.clone(),
        });
        AppState {
            store,
            config: Arc::new(config),
            cipher: Arc::new(cipher),
            providers: Arc::new(providers),
            http: provider_client(),
            metrics: Arc::new(Metrics::new()),
            clock: Arc::new(SystemClock),
            sync: Arc::new(sync),
            auth_cache: Arc::new(crate::auth_cache::AuthCache::default()),
            read_cache,
            fetch_locks: Arc::default(),
        }
    }

    /// Replaces the clock (schedule tests inject a [`crate::clock::ManualClock`]).
    pub fn with_clock(mut self, clock: SharedClock) -> AppState {
        self.clock = clock;
        self
    }

    /// Replaces the sync engine settings (tests shrink budgets and backfill depth).
    pub fn with_sync(mut self, settings: crate::config::SyncSettings) -> AppState {
        self.sync = Arc::new(settings);
        self
    }

    /// Replaces the provider registry.
    pub fn with_providers(mut self, providers: Registry) -> AppState {
        self.providers = Arc::new(providers);
        self
    }
}

impl AppState {
    /// What the background features take ([`Services`]): a handful of `Arc` clones.
    pub fn services(&self) -> Services {
        Services {
            store: self.store.clone(),
            clock: self.clock.clone(),
            cipher: self.cipher.clone(),
            providers: self.providers.clone(),
            http: self.http.clone(),
            settings: self.sync.clone(),
            public_url: Arc::from(self.config.public_base_url()),
            webhook_lease: self.config.webhooks.lease(),
            fetch_locks: self.fetch_locks.clone(),
        }
    }
}

/// "Now" from the application clock, as unix microseconds (the store's unit).
pub fn now_micros(state: &AppState) -> i64 {
    state.clock.now().timestamp_micros()
}

/// The providers' HTTP client ([`wearbridge_providers::http_client`]). Its only failure
/// is a TLS backend that cannot start, which no request would survive either; the
/// default client is the fallback so state construction stays infallible.
fn provider_client() -> reqwest::Client {
    wearbridge_providers::http_client().unwrap_or_else(|error| {
        tracing::error!(error = %error, "provider HTTP client: falling back to defaults");
        reqwest::Client::new()
    })
}
