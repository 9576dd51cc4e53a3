//! Turning Terra model records into store rows, and storing them.
//!
//! Every path that stores data (the SDK write endpoints now; provider sync later) goes
//! through here, so identity, time keys, the samples-free copy and the content hash are
//! computed one way. Storing happens in one transaction per batch; the webhook issue
//! appends its outbox events in [`store_records`], next to the upserts that cause them.

use chrono::NaiveDate;
use serde_json::Value;
use wearbridge_model::{DataType, RecordError, TerraRecord, store_parts};
use wearbridge_providers::TerraRecordData;
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{NewRecord, Store, StoreError, UpsertOutcome};

/// Why a record cannot be stored; each names the field so a client can fix it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("data[{index}].metadata: has no identity (summary_id or start_time)")]
    MissingIdentity { index: usize },
    #[error("data[{index}]: could not be serialized: {source}")]
    Serialize {
        index: usize,
        source: serde_json::Error,
    },
}

/// Builds the store row of one record. `index` is its position in the request, for
/// error messages. Identity, time keys, the samples-free copy and the content hash come
/// from [`store_parts`], the one implementation shared with provider ingest.
pub fn prepare_record<T: TerraRecord>(record: &T, index: usize) -> Result<NewRecord, IngestError> {
    store_parts(record).map_err(|error| match error {
        RecordError::MissingIdentity(_) => IngestError::MissingIdentity { index },
        RecordError::Serialize { source, .. } => IngestError::Serialize { index, source },
    })
}

/// Upserts `records` for one user in a single transaction; outcomes in input order.
pub async fn store_records(
    store: &Store,
    developer_id: &DeveloperId,
    user_id: &UserId,
    records: &[NewRecord],
) -> Result<Vec<UpsertOutcome>, StoreError> {
    let mut tx = store.begin().await?;
    let mut outcomes = Vec::with_capacity(records.len());
    for record in records {
        outcomes.push(tx.upsert_record(developer_id, user_id, record).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Parses one JSON value into a model record, naming its position and the field at
/// fault on failure (`data[2].metadata.start_time: invalid type: ...`).
pub fn parse_record<T: TerraRecord>(value: Value, index: usize) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." {
            String::new()
        } else {
            format!(".{path}")
        };
        format!("data[{index}]{field}: {}", error.into_inner())
    })
}

/// A posted batch of one type, checked whole: each record parsed into the model type
/// and given its identity. The first bad record fails the batch (its index and field in
/// the message), so a caller stores all of a request or nothing. Shared by the `/v2`
/// writes and the SDK ingest endpoint.
#[derive(Debug)]
pub struct CheckedBatch {
    /// The records' identities (Terra's `log_ids`), in request order.
    pub log_ids: Vec<String>,
    pub records: Vec<TerraRecordData>,
}

/// Checks every value of `data` as a `T` record; see [`CheckedBatch`].
pub fn check_batch<T>(data: Vec<Value>) -> Result<CheckedBatch, String>
where
    T: TerraRecord + Into<TerraRecordData>,
{
    let mut batch = CheckedBatch {
        log_ids: Vec::with_capacity(data.len()),
        records: Vec::with_capacity(data.len()),
    };
    for (index, value) in data.into_iter().enumerate() {
        let record: T = parse_record(value, index)?;
        let row = prepare_record(&record, index).map_err(|error| error.to_string())?;
        batch.log_ids.push(row.identity);
        batch.records.push(record.into());
    }
    Ok(batch)
}

/// What [`ingest_records`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Data events appended (new and changed records, at most
    /// [`RECORDS_PER_EVENT`](crate::events::RECORDS_PER_EVENT) each).
    pub events: usize,
}

/// Why provider records could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestRecordsError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot encode a data event: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A provider window whose records are being stored: its days become covered in the
/// coverage ledger in the same transaction (see `wearbridge_store::coverage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchedWindow {
    pub data_type: DataType,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// When it was fetched, unix microseconds.
    pub at: i64,
}

/// The one place provider records become stored rows and data events: upserts every
/// record by identity and, in the same transaction, appends data events for the new and
/// changed ones only (grouped per type, [`RECORDS_PER_EVENT`](crate::events::RECORDS_PER_EVENT) per event), so an
/// unchanged re-fetch stores nothing and sends nothing. `fetched` is the provider window
/// the records answer (`None` for pushed records, which cover no window): its days are
/// recorded as covered with the records, so a read never fetches them again.
pub async fn ingest_records(
    store: &Store,
    user: &wearbridge_store::User,
    records: Vec<wearbridge_providers::TerraRecordData>,
    fetched: Option<FetchedWindow>,
) -> Result<IngestSummary, IngestRecordsError> {
    let mut summary = IngestSummary::default();
    let mut changed = Vec::new();
    let mut tx = store.begin().await?;
    if let Some(window) = fetched {
        tx.record_coverage(
            &user.id,
            window.data_type,
            window.first,
            window.last,
            window.at,
        )
        .await?;
    }
    for record in records {
        let row = record.store_parts()?;
        match tx.upsert_record(&user.developer_id, &user.id, &row).await? {
            UpsertOutcome::Inserted => summary.inserted += 1,
            UpsertOutcome::Updated => summary.updated += 1,
            UpsertOutcome::Unchanged => {
                summary.unchanged += 1;
                continue;
            }
        }
        changed.push(record);
    }
    let events = crate::events::data_events(user, changed)?;
    summary.events = events.len();
    if !events.is_empty() {
        tx.append_events(&events).await?;
    }
    tx.commit().await?;
    if summary.events > 0 {
        // Deliver now rather than at the worker's next poll.
        crate::delivery::wake();
    }
    Ok(summary)
}
