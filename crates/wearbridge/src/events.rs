//! `wearbridge events ...` and the webhook destination commands of `wearbridge developer`:
//! the CLI face of the delivery API, through the same functions
//! ([`wearbridge_server::delivery::manage`]). Output is JSON on stdout.

use anyhow::Context;
use clap::Subcommand;
use wearbridge_server::clock::{Clock, SystemClock};
use wearbridge_server::crypto::Cipher;
use wearbridge_server::delivery::manage::{self, parse_since, parse_state};
use wearbridge_store::Store;
use wearbridge_store::delivery::DeliveryEventFilter;
use wearbridge_store::ids::DeveloperId;

/// `--database-url` on every `events` subcommand (after the subcommand name, like the
/// `developer` commands take it).
#[derive(Debug, Default, clap::Args)]
pub struct EventsDatabase {
    /// Database URL [default sqlite://wearbridge.db; env WEARBRIDGE_DATABASE_URL].
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List a developer's outbox events (oldest first) as a JSON array.
    List {
        #[arg(long, value_name = "ID")]
        dev_id: String,
        #[command(flatten)]
        database: EventsDatabase,
        /// Only events appended since (RFC 3339, YYYY-MM-DD or unix seconds).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// pending, delivered or failed.
        #[arg(long)]
        state: Option<String>,
        /// Event type, e.g. activity.
        #[arg(long = "type", value_name = "TYPE")]
        event_type: Option<String>,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
    },
    /// Show one event with its body and every delivery attempt.
    Show {
        #[arg(long, value_name = "ID")]
        dev_id: String,
        #[command(flatten)]
        database: EventsDatabase,
        #[arg(long, value_name = "ID")]
        event_id: String,
    },
    /// Queue one event again (any state) with a fresh retry schedule.
    Resend {
        #[arg(long, value_name = "ID")]
        dev_id: String,
        #[command(flatten)]
        database: EventsDatabase,
        #[arg(long, value_name = "ID")]
        event_id: String,
    },
    /// Queue every failed event appended since TIME again.
    ResendFailed {
        #[arg(long, value_name = "ID")]
        dev_id: String,
        #[command(flatten)]
        database: EventsDatabase,
        #[arg(long, value_name = "TIME")]
        since: String,
    },
}

fn dev_id(text: &str) -> anyhow::Result<DeveloperId> {
    DeveloperId::parse(text.trim()).with_context(|| format!("invalid developer id {text:?}"))
}

fn print(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

impl EventsCommand {
    /// The `--database-url` given to this subcommand, if any.
    pub fn database_url(&self) -> Option<String> {
        match self {
            EventsCommand::List { database, .. }
            | EventsCommand::Show { database, .. }
            | EventsCommand::Resend { database, .. }
            | EventsCommand::ResendFailed { database, .. } => database.database_url.clone(),
        }
    }
}

/// Runs one `events` subcommand against an open store.
pub async fn run_events(store: &Store, command: EventsCommand) -> anyhow::Result<()> {
    let now = SystemClock.now();
    match command {
        EventsCommand::List {
            dev_id: id,
            since,
            state,
            event_type,
            limit,
            ..
        } => {
            let filter = DeliveryEventFilter {
                since: since
                    .as_deref()
                    .map(parse_since)
                    .transpose()?
                    .map(|since| since.timestamp_micros()),
                state: state.as_deref().map(parse_state).transpose()?,
                event_type,
                limit: Some(limit.max(1)),
            };
            print(&manage::list_events(store, &dev_id(&id)?, &filter).await?)
        }
        EventsCommand::Show {
            dev_id: id,
            event_id,
            ..
        } => print(&manage::event_detail(store, &dev_id(&id)?, &event_id).await?),
        EventsCommand::Resend {
            dev_id: id,
            event_id,
            ..
        } => {
            manage::resend(store, &dev_id(&id)?, &event_id, now).await?;
            print(&serde_json::json!({"resent": 1, "event_id": event_id.trim()}))
        }
        EventsCommand::ResendFailed {
            dev_id: id, since, ..
        } => {
            let since = parse_since(&since)?;
            let resent = manage::resend_failed(store, &dev_id(&id)?, since, now).await?;
            print(&serde_json::json!({"resent": resent}))
        }
    }
}

/// `developer enable-webhook`: re-enables a destination disabled by a 410 or 5 days of
/// failures; prints the destination.
pub async fn enable_webhook(store: &Store, id: &str) -> anyhow::Result<()> {
    print(&manage::enable(store, &dev_id(id)?).await?)
}

/// `developer rotate-webhook-secret`: prints the new secret (once); the old one keeps
/// signing for 24 h.
pub async fn rotate_webhook_secret(store: &Store, cipher: &Cipher, id: &str) -> anyhow::Result<()> {
    let rotated = manage::rotate_secret(store, cipher, &dev_id(id)?, SystemClock.now()).await?;
    print(&rotated.to_json())
}
