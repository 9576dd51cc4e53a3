//! A record's stored form: the one conversion from a [`TerraRecord`] into the columns
//! the store keeps (identity, time keys, the samples-free copy, the content hash).
//!
//! It lives here, next to [`TerraRecord`], because three crates share it: providers
//! produce it from fetched records, the server from SDK writes, and the store takes it
//! as its row. Being pure (no IO), it needs nothing but the model.

use sha2::{Digest, Sha256};

use crate::{DataType, TerraRecord, Timestamp, strip_samples};

/// Everything the store needs to upsert a record (`wearbridge_store::NewRecord` is this
/// type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreParts {
    pub data_type: DataType,
    /// Identity within (user, data type), per [`TerraRecord::identity`].
    pub identity: String,
    /// Start of the covered period, unix microseconds (0 for athlete profiles).
    pub start_ts: i64,
    /// End of the covered period, unix microseconds, never before `start_ts`.
    pub end_ts: i64,
    /// Local calendar date `YYYY-MM-DD` in the offset the source reported.
    pub local_date: String,
    /// Full JSON, samples included.
    pub payload: String,
    /// The same JSON without sample arrays (`with_samples=false`).
    pub payload_no_samples: String,
    /// SHA-256 hex of `payload`.
    pub content_hash: String,
}

/// Why a record cannot be turned into store parts.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{0} record has no identity")]
    MissingIdentity(DataType),
    #[error("{data_type} record could not be serialized: {source}")]
    Serialize {
        data_type: DataType,
        source: serde_json::Error,
    },
}

/// Start used for records without a period (athlete profiles): the epoch, so they sort
/// first and whole-axis queries find them. The server's SDK write path uses this same
/// function, so both paths store identical rows for identical records.
const NO_PERIOD_START: i64 = 0;

/// The store parts of one record: a record synced from a provider and the same record
/// written by an SDK get the same identity, time keys and hash because both go through
/// here.
pub fn store_parts<T: TerraRecord>(record: &T) -> Result<StoreParts, RecordError> {
    let identity = record
        .identity()
        .filter(|identity| !identity.is_empty())
        .ok_or(RecordError::MissingIdentity(T::DATA_TYPE))?;
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
    let mut value = serde_json::to_value(record).map_err(|source| RecordError::Serialize {
        data_type: T::DATA_TYPE,
        source,
    })?;
    let payload = value.to_string();
    strip_samples(&mut value, T::DATA_TYPE);
    let payload_no_samples = value.to_string();
    Ok(StoreParts {
        data_type: T::DATA_TYPE,
        identity,
        start_ts,
        end_ts,
        local_date,
        content_hash: hex::encode(Sha256::digest(payload.as_bytes())),
        payload,
        payload_no_samples,
    })
}

/// Unix microseconds; a time without offset is local wall-clock time, ordered as if UTC
/// (keeps it on its local calendar day): Terra says a time without an offset is the
/// user's local time.
fn timestamp_micros(timestamp: &Timestamp) -> i64 {
    timestamp.to_datetime().map_or_else(
        || timestamp.local().and_utc().timestamp_micros(),
        |instant| instant.timestamp_micros(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Athlete;

    /// A profile covers no period: it sits at the epoch, on the epoch's date, with its
    /// constant identity, so every whole-axis read finds it.
    #[test]
    fn a_record_without_a_period_is_stored_at_the_epoch() {
        let Ok(parts) = store_parts(&Athlete::default()) else {
            panic!("a default athlete converts");
        };
        assert_eq!(parts.data_type, DataType::Athlete);
        assert_eq!(parts.identity, "athlete");
        assert_eq!((parts.start_ts, parts.end_ts), (0, 0));
        assert_eq!(parts.local_date, "1970-01-01");
        assert_eq!(
            parts.content_hash,
            hex::encode(Sha256::digest(parts.payload.as_bytes()))
        );
    }
}
