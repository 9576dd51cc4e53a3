//! A running simulator with one provider's adapter and call context pointed at it, as
//! sandbox mode builds them. Shared by each provider's live tests (`#[path]`-included).

#![allow(dead_code)]

use std::sync::Arc;

use url::Url;
use wearbridge_providers::{Provider, ProviderCtx, ProvidersConfig, Registry, http_client};
use wearbridge_sim::{SimConfig, SimHandle, Simulator};

/// The simulator, the adapter of the provider under test, and its context.
pub struct Harness {
    pub sim: SimHandle,
    pub provider: Arc<dyn Provider>,
    pub ctx: ProviderCtx,
}

/// `text` as a URL (tests name only valid ones).
pub fn url(text: &str) -> Url {
    Url::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// Starts a simulator and configures `provider_id` (Terra's id) against it.
pub async fn harness(provider_id: &str) -> Harness {
    let sim = Simulator::spawn(SimConfig::default())
        .await
        .unwrap_or_else(|error| panic!("simulator starts: {error}"));
    let endpoints = wearbridge_sim::layout::endpoints(&url(&sim.base_url()));
    let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
    let (Some(provider), Ok(http)) = (registry.get(provider_id), http_client()) else {
        panic!("sandbox mode configures {provider_id}");
    };
    let Some(ctx) = registry.ctx(provider_id, http) else {
        panic!("{provider_id} has a context");
    };
    Harness { sim, provider, ctx }
}
