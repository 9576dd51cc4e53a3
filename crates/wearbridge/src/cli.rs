//! Subcommands and what each does.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use wearbridge_server::app::serve;
use wearbridge_server::config::{Config, KeySource};
use wearbridge_server::crypto::Cipher;
use wearbridge_server::developers;
use wearbridge_server::state::AppState;
use wearbridge_store::Store;

use crate::events::{self, EventsCommand};
use crate::import_cmd::{self, ImportCommand};
use crate::providers_cmd::{self, ProvidersCommand};
use crate::sandbox;
use crate::settings::{self, Overrides};
use crate::sim_cmd::{self, SimCommand};
use crate::users::{self, UsersCommand};

/// Wearbridge: a self-hostable server speaking Terra's v2 wearables API.
#[derive(Debug, Parser)]
#[command(name = "wearbridge", version)]
pub struct Cli {
    /// Configuration file (default: ./wearbridge.toml when present).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server (creates and migrates the database on start).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Manage developer accounts (API credentials).
    #[command(subcommand)]
    Developer(DeveloperCommand),
    /// Inspect connected users and their sync progress.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Inspect and resend webhook events.
    #[command(subcommand)]
    Events(EventsCommand),
    /// Offline provider tools (map a raw provider payload to Terra records).
    #[command(subcommand)]
    Providers(ProvidersCommand),
    /// Check this deployment's configuration (encryption key, public URL, webhook
    /// targets, provider credentials, database, migrations) and say what is wrong.
    Doctor(DatabaseArgs),
    /// Import files users exported themselves (Apple Health).
    Import {
        #[command(subcommand)]
        command: ImportCommand,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Simulator tools (render the synthetic person offline).
    #[command(subcommand)]
    Sim(SimCommand),
}

#[derive(Debug, Default, clap::Args)]
struct ServeArgs {
    /// Listen address [default 127.0.0.1:8080; env WEARBRIDGE_BIND].
    #[arg(long, value_name = "ADDR")]
    bind: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Externally visible base URL [env WEARBRIDGE_PUBLIC_URL].
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Run the provider simulator in-process and point every provider at it, so the
    /// connect flow works with no wearable and no internet (development; the default
    /// when no subcommand is given).
    #[arg(long)]
    sandbox: bool,
}

#[derive(Debug, Default, clap::Args)]
struct DatabaseArgs {
    /// Database URL [default sqlite://wearbridge.db; env WEARBRIDGE_DATABASE_URL].
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum DeveloperCommand {
    /// Create a developer; prints {"dev_id", "api_key", "webhook_signing_secret"} once.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "URL")]
        webhook_url: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List developers as a JSON array (no secrets).
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Replace a developer's API key; prints {"dev_id", "api_key"}.
    RotateKey {
        #[arg(long, value_name = "ID")]
        dev_id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Set the webhook destination of a developer.
    SetWebhook {
        #[arg(long, value_name = "ID")]
        dev_id: String,
        #[arg(long, value_name = "URL")]
        url: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Re-enable a webhook destination disabled by a 410 or 5 days of failures.
    EnableWebhook {
        #[arg(long, value_name = "ID")]
        dev_id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Replace the webhook signing secret; the old one keeps signing for 24 h.
    RotateWebhookSecret {
        #[arg(long, value_name = "ID")]
        dev_id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config_file = cli.config.as_deref();
    match cli.command {
        None => {
            let config = settings::load(config_file, serve_overrides(ServeArgs::default(), true))?;
            run_serve(config, true).await
        }
        Some(Command::Serve(args)) => {
            let sandbox = args.sandbox;
            run_serve(
                settings::load(config_file, serve_overrides(args, false))?,
                sandbox,
            )
            .await
        }
        Some(Command::Migrate(database)) => {
            let config = settings::load(config_file, database_overrides(database))?;
            open_store(&config).await?;
            println!("migrations applied to {}", redact_url(&config.database_url));
            Ok(())
        }
        Some(Command::Developer(command)) => run_developer(config_file, command).await,
        Some(Command::Doctor(database)) => {
            crate::doctor::run_doctor(config_file, database_overrides(database)).await
        }
        Some(Command::Providers(command)) => providers_cmd::run_providers(command),
        Some(Command::Sim(command)) => sim_cmd::run_sim(command),
        Some(Command::Import { command, database }) => {
            let config = settings::load(config_file, database_overrides(database))?;
            let store = open_store(&config).await?;
            import_cmd::run_import(&store, command).await
        }
        Some(Command::Users { command, database }) => {
            let config = settings::load(config_file, database_overrides(database))?;
            let store = open_store(&config).await?;
            users::run_users(&store, command).await
        }
        Some(Command::Events(command)) => {
            let database = DatabaseArgs {
                database_url: command.database_url(),
            };
            let config = settings::load(config_file, database_overrides(database))?;
            let store = open_store(&config).await?;
            events::run_events(&store, command).await
        }
    }
}

fn serve_overrides(args: ServeArgs, development: bool) -> Overrides {
    Overrides {
        bind: args.bind,
        database_url: args.database.database_url,
        public_url: args.public_url,
        development,
    }
}

fn database_overrides(args: DatabaseArgs) -> Overrides {
    Overrides {
        database_url: args.database_url,
        ..Overrides::default()
    }
}

/// Connects and applies migrations.
async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open database {}", redact_url(&config.database_url)))?;
    store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    Ok(store)
}

fn load_cipher(config: &Config) -> anyhow::Result<Cipher> {
    let (cipher, source) = config.cipher()?;
    if let KeySource::File(path) = source {
        tracing::warn!(
            key.file = %path.display(),
            "using the encryption key file; set WEARBRIDGE_ENCRYPTION_KEY in production"
        );
    }
    Ok(cipher)
}

async fn run_serve(mut config: Config, sandbox: bool) -> anyhow::Result<()> {
    // Sandbox mode delivers to local receivers too (development mode already allows it).
    config.webhooks.allow_loopback |= sandbox;
    let cipher = load_cipher(&config)?;
    let store = open_store(&config).await?;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let local_addr = listener.local_addr()?;
    if config.development {
        announce_development_developer(&store, &cipher, &config, local_addr).await?;
    }
    tracing::info!(
        address = %local_addr,
        database = %redact_url(&config.database_url),
        development = config.development,
        "wearbridge listening"
    );
    let mut state = AppState::new(store, config, cipher);
    let simulator = if sandbox {
        let (simulator, registry) = sandbox::start().await?;
        state = state.with_providers(registry);
        sandbox::announce(&state, simulator.base_url(), local_addr).await?;
        Some(simulator)
    } else {
        None
    };
    serve(listener, state, shutdown_signal()).await?;
    if let Some(simulator) = simulator {
        simulator.shutdown().await?;
    }
    tracing::info!("wearbridge stopped");
    Ok(())
}

/// Development mode: with no developer yet, create one and print how to call the API.
async fn announce_development_developer(
    store: &Store,
    cipher: &Cipher,
    config: &Config,
    local_addr: std::net::SocketAddr,
) -> anyhow::Result<()> {
    if store.count_developers().await? > 0 {
        tracing::info!(
            "development mode: developers exist; list them with `wearbridge developer list`"
        );
        return Ok(());
    }
    let policy = config.webhooks.target_policy();
    let credentials =
        developers::create_developer(store, cipher, "development", (None, &policy)).await?;
    let base = config.public_url.as_ref().map_or_else(
        || format!("http://{local_addr}"),
        |url| url.as_str().trim_end_matches('/').to_owned(),
    );
    println!("Development mode: created a developer. The API key is shown only now.");
    println!("{}", credentials.to_json());
    println!(
        "Try: curl -s '{base}/v2/subscriptions' -H 'dev-id: {}' -H 'x-api-key: {}'",
        credentials.dev_id,
        credentials.api_key.expose_secret()
    );
    Ok(())
}

async fn run_developer(
    config_file: Option<&std::path::Path>,
    command: DeveloperCommand,
) -> anyhow::Result<()> {
    match command {
        DeveloperCommand::Create {
            name,
            webhook_url,
            database,
        } => {
            let config = settings::load(config_file, database_overrides(database))?;
            let cipher = load_cipher(&config)?;
            let store = open_store(&config).await?;
            let credentials = developers::create_developer(
                &store,
                &cipher,
                &name,
                (webhook_url.as_deref(), &config.webhooks.target_policy()),
            )
            .await?;
            println!("{}", credentials.to_json());
        }
        DeveloperCommand::List { database } => {
            let config = settings::load(config_file, database_overrides(database))?;
            let store = open_store(&config).await?;
            let list = developers::list_developers(&store).await?;
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        DeveloperCommand::RotateKey { dev_id, database } => {
            let config = settings::load(config_file, database_overrides(database))?;
            let store = open_store(&config).await?;
            let api_key = developers::rotate_api_key(&store, &dev_id).await?;
            println!(
                "{}",
                serde_json::json!({"dev_id": dev_id.trim(), "api_key": api_key.expose_secret()})
            );
        }
        DeveloperCommand::SetWebhook {
            dev_id,
            url,
            database,
        } => {
            let config = settings::load(config_file, database_overrides(database))?;
            let store = open_store(&config).await?;
            let policy = config.webhooks.target_policy();
            developers::set_webhook_url(&store, &dev_id, (Some(&url), &policy)).await?;
            println!(
                "{}",
                serde_json::json!({"dev_id": dev_id.trim(), "webhook_url": url})
            );
        }
        DeveloperCommand::EnableWebhook { dev_id, database } => {
            let config = settings::load(config_file, database_overrides(database))?;
            let store = open_store(&config).await?;
            events::enable_webhook(&store, &dev_id).await?;
        }
        DeveloperCommand::RotateWebhookSecret { dev_id, database } => {
            let config = settings::load(config_file, database_overrides(database))?;
            let cipher = load_cipher(&config)?;
            let store = open_store(&config).await?;
            events::rotate_webhook_secret(&store, &cipher, &dev_id).await?;
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(error = %error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

/// A database URL without its password, for logs and messages.
pub(crate) fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
