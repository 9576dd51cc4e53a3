//! `wearbridge users show USER_ID`: a connected user and its sync progress, as JSON on
//! stdout (the same document as `GET /wearbridge/v1/users/{user_id}/sync`, plus the
//! owning developer and reference id, since the operator has no developer context).
//! `wearbridge users backfill USER_ID --start-date D --end-date D [--types T,...]`: queue
//! a re-pull of that range (the same as `POST /wearbridge/v1/users/{user_id}/backfill`);
//! a running server's backfill lane picks it up.

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;
use url::Url;
use wearbridge_model::DataType;
use wearbridge_providers::{ProvidersConfig, Registry};
use wearbridge_server::sync::repull::repull;
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
    /// Fetch a range from the provider again (queued as a durable backfill job).
    Backfill {
        /// Terra user id (UUID).
        user_id: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        start_date: NaiveDate,
        /// Last day (inclusive), YYYY-MM-DD.
        #[arg(long)]
        end_date: NaiveDate,
        /// Data types, comma-separated (default: every type the provider offers).
        #[arg(long, value_delimiter = ',')]
        types: Option<Vec<DataType>>,
    },
}

pub async fn run_users(store: &Store, command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::Show { user_id } => show(store, &user_id).await,
        UsersCommand::Backfill {
            user_id,
            start_date,
            end_date,
            types,
        } => backfill(store, &user_id, (start_date, end_date), types).await,
    }
}

async fn backfill(
    store: &Store,
    user_id: &str,
    range: (NaiveDate, NaiveDate),
    types: Option<Vec<DataType>>,
) -> anyhow::Result<()> {
    let user = find_user(store, user_id).await?;
    let supported = provider_types(&user.provider)
        .with_context(|| format!("provider {} is not part of this build", user.provider))?;
    let now = wearbridge_store::now_micros();
    let queued = repull((store, now), &user, &supported, range, types).await?;
    println!("{}", serde_json::to_string(&queued)?);
    Ok(())
}

async fn find_user(store: &Store, user_id: &str) -> anyhow::Result<wearbridge_store::User> {
    let id = UserId::parse(user_id.trim()).context("USER_ID must be a Terra user id (a UUID)")?;
    store
        .find_user_any_developer(&id)
        .await?
        .with_context(|| format!("no connected user {id}"))
}

async fn show(store: &Store, user_id: &str) -> anyhow::Result<()> {
    let user = find_user(store, user_id).await?;
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
