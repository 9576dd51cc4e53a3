//! The `import` job: runs one uploaded Apple Health export (`POST
//! /wearbridge/v1/imports/apple-health`) into the store, keeping the `imports` row's
//! state and progress current for `GET /wearbridge/v1/imports/{id}`.
//!
//! Durable like every job: a process that dies mid-import leaves the job's lease to
//! expire, and the next claim imports the file again from the start, which stores only
//! what the first run had not (record upserts are idempotent).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::{Job, JobError, JobRun, Outcome, Retry, SettlePolicy};
use crate::imports::ImportError;
use crate::imports::apple_health::{Progress, import_file};

/// Wakes the `imports` lane after an upload.
pub static QUEUED: Notify = Notify::const_new();

/// How often the running import writes its progress to its row.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// The import job kind.
pub struct ImportJob;

/// Which `imports` row to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPayload {
    pub import_id: String,
}

impl Job for ImportJob {
    const KIND: &'static str = "import";
    /// A 2 GB export takes minutes: a 30-minute lease; three attempts 30 s apart for
    /// store failures (a bad file fails the import at once, it is not retried).
    const POLICY: SettlePolicy = SettlePolicy {
        lease: Duration::from_secs(1800),
        max_attempts: 3,
        retry: Retry::Fixed(Duration::from_secs(30)),
    };
    type Payload = ImportPayload;

    async fn run(run: &JobRun<'_>, payload: ImportPayload) -> Result<Outcome, JobError> {
        let store = &run.services.store;
        let Some(row) = store.import_by_id(&payload.import_id).await? else {
            return Ok(Outcome::Done);
        };
        if row.state == "succeeded" || row.state == "failed" {
            return Ok(Outcome::Done);
        }
        let Some(user) = store.get_user(&row.developer_id, &row.user_id).await? else {
            store
                .finish_import(&row.id, Err("the user is gone"))
                .await?;
            return Ok(Outcome::Done);
        };
        store.set_import_progress(&row.id, 0, 0).await?;
        let path = std::path::PathBuf::from(&row.file_path);
        let result = with_progress(run, &row.id, |progress| {
            import_file(store, &user, path.clone(), progress)
        })
        .await;
        match result {
            Ok(summary) => {
                let json = serde_json::to_string(&summary)
                    .map_err(|error| JobError::Retry(error.to_string()))?;
                store.finish_import(&row.id, Ok(&json)).await?;
            }
            Err(ImportError::Export(error)) => {
                store
                    .finish_import(&row.id, Err(&error.to_string()))
                    .await?;
            }
            Err(other) => return Err(JobError::Retry(other.to_string())),
        }
        let _ = std::fs::remove_file(&path);
        Ok(Outcome::Done)
    }
}

/// Runs `import` while a side task copies its progress into the row every
/// [`PROGRESS_EVERY`] (the progress callback runs on the reading thread and cannot
/// await the store itself).
async fn with_progress<F, Fut, T>(run: &JobRun<'_>, id: &str, import: F) -> T
where
    F: FnOnce(Arc<dyn Fn(Progress) + Send + Sync>) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let bytes = Arc::new(AtomicU64::new(0));
    let records = Arc::new(AtomicU64::new(0));
    let (bytes_in, records_in) = (bytes.clone(), records.clone());
    let progress: Arc<dyn Fn(Progress) + Send + Sync> = Arc::new(move |p: Progress| {
        bytes_in.store(p.bytes_read, Ordering::Relaxed);
        records_in.store(p.records_stored, Ordering::Relaxed);
    });
    let store = run.services.store.clone();
    let id_owned = id.to_owned();
    let reporter = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(PROGRESS_EVERY);
        loop {
            ticks.tick().await;
            let read = i64::try_from(bytes.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
            let stored = i64::try_from(records.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
            let _ = store.set_import_progress(&id_owned, read, stored).await;
        }
    });
    let output = import(progress).await;
    reporter.abort();
    output
}
