//! `serve --sandbox` (the development default): the provider simulator runs in-process and
//! every provider points at it, and the start-up banner prints a ready widget link, so a
//! new user can connect a synthetic wearable within a minute, offline.

use std::net::SocketAddr;

use anyhow::Context;
use url::Url;
use wearbridge_model::api::WidgetSessionRequest;
use wearbridge_providers::config::{SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};
use wearbridge_providers::{ProvidersConfig, Registry};
use wearbridge_server::connect::sessions::{create_session, widget_url};
use wearbridge_server::developers::list_developers;
use wearbridge_server::state::AppState;
use wearbridge_sim::{SimConfig, SimHandle, Simulator};
use wearbridge_store::ids::DeveloperId;

/// Starts the simulator on an ephemeral local port and the registry pointing at it.
pub async fn start() -> anyhow::Result<(SimHandle, Registry)> {
    let simulator = Simulator::spawn(SimConfig::default())
        .await
        .context("cannot start the provider simulator")?;
    let base = Url::parse(&simulator.base_url()).context("simulator base URL")?;
    let endpoints = wearbridge_sim::layout::endpoints(&base);
    let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
    Ok((simulator, registry))
}

/// Prints where the simulator runs and a widget link for the oldest developer.
pub async fn announce(
    state: &AppState,
    simulator_url: String,
    local_addr: SocketAddr,
) -> anyhow::Result<()> {
    println!(
        "Sandbox: provider simulator at {simulator_url} (OAuth client {SANDBOX_CLIENT_ID} / {SANDBOX_CLIENT_SECRET}, public development credentials)"
    );
    let developers = list_developers(&state.store).await?;
    let Some(first) = developers.first() else {
        println!(
            "Sandbox: no developer yet; create one with `wearbridge developer create --name me`, then POST {}/v2/auth/generateWidgetSession",
            state.config.public_base_url()
        );
        return Ok(());
    };
    let dev = DeveloperId::parse(&first.dev_id).context("stored developer id")?;
    let request = WidgetSessionRequest {
        providers: Some("SANDBOX".to_owned()),
        ..WidgetSessionRequest::default()
    };
    let session = create_session(&state.services(), &dev, request, None).await?;
    println!(
        "Sandbox: connect a synthetic wearable for developer {} (link valid 15 minutes; server on {local_addr}):",
        first.dev_id
    );
    println!("  {}", widget_url(&state.services(), &session.id));
    Ok(())
}
