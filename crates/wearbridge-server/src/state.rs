//! The state every handler and worker shares.

use std::sync::Arc;

use wearbridge_providers::Registry;
use wearbridge_store::Store;

use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::crypto::Cipher;
use crate::metrics::Metrics;

/// Shared application state; cheap to clone (everything is behind `Arc` or is a pool
/// handle).
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Encrypts secrets at rest (webhook signing secrets, provider tokens).
    pub cipher: Arc<Cipher>,
    pub providers: Arc<Registry>,
    pub metrics: Arc<Metrics>,
    /// "Now" for handlers and workers; replaceable in tests.
    pub clock: SharedClock,
    /// Sync engine settings: rate budgets, backfill depth, fairness slice.
    pub sync: Arc<crate::sync::SyncSettings>,
    /// Recently verified API keys ([`crate::auth::AuthCache`]).
    pub auth_cache: Arc<crate::auth::AuthCache>,
    /// Finished data-read bodies ([`crate::read_cache::ReadCache`]).
    pub read_cache: Arc<crate::read_cache::ReadCache>,
}

impl AppState {
    /// State with the providers configured in `[providers]` (sandbox mode replaces them with
    /// [`AppState::with_providers`]), fresh metrics, the system clock and the sync settings
    /// of the `[sync]` section.
    pub fn new(store: Store, config: Config, cipher: Cipher) -> AppState {
        let sync = config.sync.settings();
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
            metrics: Arc::new(Metrics::new()),
            clock: Arc::new(SystemClock),
            sync: Arc::new(sync),
            auth_cache: Arc::new(crate::auth::AuthCache::default()),
            read_cache,
        }
    }

    /// Replaces the clock (schedule tests inject a [`crate::clock::ManualClock`]).
    pub fn with_clock(mut self, clock: SharedClock) -> AppState {
        self.clock = clock;
        self
    }

    /// Replaces the sync engine settings (tests shrink budgets and backfill depth).
    pub fn with_sync(mut self, settings: crate::sync::SyncSettings) -> AppState {
        self.sync = Arc::new(settings);
        self
    }

    /// Replaces the provider registry.
    pub fn with_providers(mut self, providers: Registry) -> AppState {
        self.providers = Arc::new(providers);
        self
    }
}
