//! Importing one Apple Health export for one user.
//!
//! The export is read twice over: stage one (`collect`) streams and validates the whole
//! file on a blocking thread, so a malformed or truncated file fails before anything is
//! stored; stage two maps the collected days into Terra records and hands them over in
//! batches, each stored by `ingest::ingest_records` (upserts by stable identity and data
//! events for what changed, one transaction per batch). Record identities are the local
//! day (day-scoped types), the night's start (sleep) and the workout's start and type
//! (activities), so importing the same file again changes nothing and sends nothing, and
//! a newer export adds or updates only what differs.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use wearbridge_providers::TerraRecordData;
use wearbridge_providers::apple_health::{ExportFile, records};
use wearbridge_store::{Store, User};

use super::ImportError;
use crate::ingest::ingest_records;

/// Records per stored batch (one transaction each).
const BATCH: usize = 500;

/// How far an import is: bytes of XML read of `total` (stage one), then records stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub records_stored: u64,
}

/// Reports progress; called from the reading thread and the storing task.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Records in the export, by Terra data type.
    pub records: BTreeMap<String, u64>,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Data events appended for new and changed records.
    pub events: u64,
}

/// Imports the export at `path` (zip or XML) for `user`.
pub async fn import_file(
    store: &Store,
    user: &User,
    path: PathBuf,
    progress: ProgressFn,
) -> Result<ImportSummary, ImportError> {
    let total = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let (sender, mut batches) = tokio::sync::mpsc::channel::<Vec<TerraRecordData>>(2);
    let reading_progress = progress.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let file = ExportFile::open(&path)?;
        let collected = file.collect(|bytes_read| {
            reading_progress(Progress {
                bytes_read,
                bytes_total: total,
                records_stored: 0,
            });
        })?;
        let mut batch = Vec::with_capacity(BATCH);
        for record in records(&collected, &file) {
            batch.push(record);
            if batch.len() == BATCH && sender.blocking_send(std::mem::take(&mut batch)).is_err() {
                return Ok(());
            }
        }
        if !batch.is_empty() {
            let _ = sender.blocking_send(batch);
        }
        Ok::<(), wearbridge_providers::apple_health::ExportError>(())
    });
    let mut summary = ImportSummary::default();
    let mut stored = 0_u64;
    while let Some(batch) = batches.recv().await {
        for record in &batch {
            *summary
                .records
                .entry(record.data_type().as_str().to_owned())
                .or_default() += 1;
        }
        stored += batch.len() as u64;
        let outcome = ingest_records(store, user, batch, None).await?;
        summary.inserted += outcome.inserted as u64;
        summary.updated += outcome.updated as u64;
        summary.unchanged += outcome.unchanged as u64;
        summary.events += outcome.events as u64;
        progress(Progress {
            bytes_read: total,
            bytes_total: total,
            records_stored: stored,
        });
    }
    reader
        .await
        .map_err(|error| ImportError::Task(error.to_string()))??;
    Ok(summary)
}
