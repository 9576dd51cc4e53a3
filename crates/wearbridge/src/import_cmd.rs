//! `wearbridge import apple-health FILE --dev-id ID [--user-id ID | --reference-id REF]`:
//! import an Apple Health export (zip or export.xml) straight into the database. Prints
//! one JSON object on stdout; progress goes to stderr, and only when it is a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use wearbridge_server::imports::apple_health::{Progress, import_file};
use wearbridge_server::imports::{ImportTarget, resolve_user};
use wearbridge_store::Store;
use wearbridge_store::ids::{DeveloperId, UserId};

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Import an Apple Health export for one user; creates an APPLE user when neither
    /// --user-id nor an existing --reference-id names one. Importing the same file again
    /// changes nothing.
    AppleHealth {
        /// export.zip as the Health app shares it, or its export.xml.
        file: PathBuf,
        #[arg(long, value_name = "ID")]
        dev_id: String,
        #[arg(long, value_name = "ID", conflicts_with = "reference_id")]
        user_id: Option<String>,
        #[arg(long, value_name = "REF")]
        reference_id: Option<String>,
    },
}

pub async fn run_import(store: &Store, command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::AppleHealth {
        file,
        dev_id,
        user_id,
        reference_id,
    } = command;
    let developer = DeveloperId::parse(&dev_id).map_err(|_| anyhow::anyhow!("bad --dev-id"))?;
    let target = match (user_id, reference_id) {
        (Some(id), _) => {
            ImportTarget::User(UserId::parse(&id).map_err(|_| anyhow::anyhow!("bad --user-id"))?)
        }
        (None, Some(reference)) => ImportTarget::Reference(reference),
        (None, None) => ImportTarget::New,
    };
    // Validate the file before creating a user for it.
    std::fs::metadata(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let user = resolve_user(store, &developer, &target)
        .await
        .context("cannot find the user")?;
    let summary = import_file(store, &user, file.clone(), progress_reporter())
        .await
        .with_context(|| format!("cannot import {}", file.display()))?;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    let output = json!({"user_id": user.id.as_str(), "records": summary.records});
    println!("{output}");
    Ok(())
}

/// A one-line progress report on stderr when it is a terminal; nothing otherwise.
fn progress_reporter() -> Arc<dyn Fn(Progress) + Send + Sync> {
    let terminal = std::io::stderr().is_terminal();
    Arc::new(move |progress: Progress| {
        if !terminal {
            return;
        }
        let percent = (progress.bytes_read.saturating_mul(100))
            .checked_div(progress.bytes_total)
            .unwrap_or(0);
        eprint!(
            "\rreading {percent:>3}% ({} MB), stored {} records",
            progress.bytes_read >> 20,
            progress.records_stored
        );
    })
}
