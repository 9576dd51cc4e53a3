//! `wearbridge users show USER_ID`: a connected user and its sync progress, as JSON on
//! stdout (the same document as `GET /wearbridge/v1/users/{user_id}/sync`, plus the
//! owning developer and reference id, since the operator has no developer context).

use anyhow::Context;
use clap::Subcommand;
use url::Url;
use wearbridge_model::DataType;
use wearbridge_providers::{ProvidersConfig, Registry};
use wearbridge_server::sync::status::sync_status;
use wearbridge_store::Store;
use wearbridge_store::ids::UserId;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Show a connected user with its backfill progress (types × ranges, completion).
    Show {
        /// Terra user id (UUID).
        user_id: String,
    },
}

pub async fn run_users(store: &Store, command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::Show { user_id } => show(store, &user_id).await,
    }
}

async fn show(store: &Store, user_id: &str) -> anyhow::Result<()> {
    let id = UserId::parse(user_id.trim()).context("USER_ID must be a Terra user id (a UUID)")?;
    let user = store
        .find_user_any_developer(&id)
        .await?
        .with_context(|| format!("no connected user {id}"))?;
    let types = provider_types(&user.provider);
    let status = sync_status(store, &user, types.as_deref()).await?;
    let document = serde_json::json!({
        "developer_id": user.developer_id,
        "reference_id": user.reference_id,
        "sync": status,
    });
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(())
}

/// The adapter's type list (its order defines the backfill chunk plan). Adapters are
/// built here only to read that static list; no provider is called, so the simulator
/// address given to the sandbox configuration is never contacted.
fn provider_types(provider: &str) -> Option<Vec<DataType>> {
    let unused = Url::parse("http://127.0.0.1:9/").ok()?;
    let endpoints = wearbridge_sim::layout::endpoints(&unused);
    let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
    registry
        .get(provider)
        .map(|adapter| adapter.supported_types().to_vec())
}
