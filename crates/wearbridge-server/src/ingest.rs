//! Turning Terra model records into store rows, and storing them.
//!
//! Every path that stores data (the SDK write endpoints now; provider sync later) goes
//! through here, so identity, time keys, the samples-free copy and the content hash are
//! computed one way. Storing happens in one transaction per batch; the webhook issue
//! appends its outbox events in [`store_records`], next to the upserts that cause them.

use serde_json::Value;
use sha2::{Digest, Sha256};
use wearbridge_model::{TerraRecord, strip_samples};
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{NewRecord, Store, StoreError, UpsertOutcome};

/// Why a record cannot be stored; each names the field so a client can fix it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("record {index}: has no identity (metadata.summary_id or metadata.start_time)")]
    MissingIdentity { index: usize },
    #[error("record {index}: could not be serialized: {source}")]
    Serialize {
        index: usize,
        source: serde_json::Error,
    },
}

/// Record start used for types without a period (athlete profiles): the epoch, so they
/// sort first and are found by whole-axis queries.
const NO_PERIOD_START: i64 = 0;

/// Builds the store row of one record. `index` is its position in the request, for
/// error messages.
pub fn prepare_record<T: TerraRecord>(record: &T, index: usize) -> Result<NewRecord, IngestError> {
    let identity = record
        .identity()
        .filter(|identity| !identity.is_empty())
        .ok_or(IngestError::MissingIdentity { index })?;
    let start_ts = record
        .start_time()
        .map_or(NO_PERIOD_START, |start| timestamp_micros(&start));
    let end_ts = record
        .end_time()
        .map_or(start_ts, |end| timestamp_micros(&end))
        .max(start_ts);
    let local_date = record.local_date().map_or_else(
        || "1970-01-01".to_owned(),
        |date| date.format("%Y-%m-%d").to_string(),
    );
    let mut value =
        serde_json::to_value(record).map_err(|source| IngestError::Serialize { index, source })?;
    let payload = value.to_string();
    strip_samples(&mut value, T::DATA_TYPE);
    let payload_no_samples = value.to_string();
    Ok(NewRecord {
        data_type: T::DATA_TYPE.as_str().to_owned(),
        identity,
        start_ts,
        end_ts,
        local_date,
        content_hash: content_hash(&payload),
        payload,
        payload_no_samples,
    })
}

/// Unix microseconds of a record time. A time without an offset is the user's local
/// wall-clock time (Terra: "without one, the value is the user's local time"); it is
/// ordered as if it were UTC, which keeps it on its local calendar day.
fn timestamp_micros(timestamp: &wearbridge_model::Timestamp) -> i64 {
    timestamp.to_datetime().map_or_else(
        || timestamp.local().and_utc().timestamp_micros(),
        |instant| instant.timestamp_micros(),
    )
}

/// SHA-256 hex of the full payload: equal payloads are "unchanged" for the upsert.
fn content_hash(payload: &str) -> String {
    hex::encode(Sha256::digest(payload.as_bytes()))
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

/// Parses one JSON value into a model record, naming its position on failure.
pub fn parse_record<T: TerraRecord>(value: Value, index: usize) -> Result<T, String> {
    serde_json::from_value(value).map_err(|error| format!("data[{index}]: {error}"))
}
