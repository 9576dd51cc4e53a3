//! What a provider fetch yields, and the one conversion into what the store keeps.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use wearbridge_model::{
    Activity, Athlete, Body, Daily, DataType, Menstruation, Nutrition, Sleep, TerraRecord,
    Timestamp, strip_samples,
};

/// One mapped record of any of the seven Terra data types a provider can deliver.
///
/// Variants are not boxed: a fetch yields a `Vec` of one type, so the largest variants
/// (Activity, Daily) fill it anyway, and unboxed variants keep matching simple for callers.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TerraRecordData {
    Activity(Activity),
    Athlete(Athlete),
    Body(Body),
    Daily(Daily),
    Menstruation(Menstruation),
    Nutrition(Nutrition),
    Sleep(Sleep),
}

/// Everything the store needs to upsert a record (the fields of `wearbridge_store::NewRecord`).
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

impl TerraRecordData {
    /// The Terra data type of this record.
    pub fn data_type(&self) -> DataType {
        match self {
            Self::Activity(_) => DataType::Activity,
            Self::Athlete(_) => DataType::Athlete,
            Self::Body(_) => DataType::Body,
            Self::Daily(_) => DataType::Daily,
            Self::Menstruation(_) => DataType::Menstruation,
            Self::Nutrition(_) => DataType::Nutrition,
            Self::Sleep(_) => DataType::Sleep,
        }
    }

    /// The record as Terra JSON.
    pub fn to_json(&self) -> Result<Value, RecordError> {
        serde_json::to_value(self).map_err(|source| RecordError::Serialize {
            data_type: self.data_type(),
            source,
        })
    }

    /// The store's view of this record. Mirrors `wearbridge_server::ingest::prepare_record`
    /// field for field (same identity rule, time keys, stripping and hash), so a record
    /// synced from a provider and the same record written by an SDK hash alike.
    pub fn store_parts(&self) -> Result<StoreParts, RecordError> {
        match self {
            Self::Activity(record) => store_parts(record),
            Self::Athlete(record) => store_parts(record),
            Self::Body(record) => store_parts(record),
            Self::Daily(record) => store_parts(record),
            Self::Menstruation(record) => store_parts(record),
            Self::Nutrition(record) => store_parts(record),
            Self::Sleep(record) => store_parts(record),
        }
    }
}

/// [`TerraRecordData::store_parts`] for one concrete model.
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

macro_rules! from_model {
    ($($model:ident),+) => {$(
        impl From<$model> for TerraRecordData {
            fn from(record: $model) -> Self {
                Self::$model(record)
            }
        }
    )+};
}

from_model!(
    Activity,
    Athlete,
    Body,
    Daily,
    Menstruation,
    Nutrition,
    Sleep
);

#[cfg(test)]
mod tests {
    use wearbridge_model::{BodyMetadata, MeasurementDataSample, MeasurementsData};

    use super::*;

    fn body_on(start: &str, end: &str, weight_kg: f64) -> Option<TerraRecordData> {
        let start: Timestamp = start.parse().ok()?;
        Some(TerraRecordData::Body(Body {
            metadata: BodyMetadata {
                start_time: start,
                end_time: end.parse().ok()?,
                ..BodyMetadata::default()
            },
            measurements_data: Some(MeasurementsData {
                measurements: Some(vec![MeasurementDataSample {
                    measurement_time: Some(start),
                    weight_kg: Some(weight_kg),
                    ..MeasurementDataSample::default()
                }]),
                ..MeasurementsData::default()
            }),
            ..Body::default()
        }))
    }

    #[test]
    fn day_scoped_parts_use_the_local_date_and_hash_the_payload() {
        let Some(record) = body_on(
            "2026-01-05T23:30:00-05:00",
            "2026-01-06T00:00:00-05:00",
            70.5,
        ) else {
            panic!("fixture timestamps parse");
        };
        let Ok(parts) = record.store_parts() else {
            panic!("body record converts");
        };
        assert_eq!(parts.data_type, DataType::Body);
        // Local day of the source offset, not the UTC day (which is already the 6th).
        assert_eq!(parts.identity, "2026-01-05");
        assert_eq!(parts.local_date, "2026-01-05");
        assert_eq!(parts.end_ts - parts.start_ts, 30 * 60 * 1_000_000);
        assert_eq!(
            parts.content_hash,
            hex::encode(Sha256::digest(parts.payload.as_bytes()))
        );
        assert!(parts.payload.contains("\"weight_kg\":70.5"));
    }

    #[test]
    fn different_content_gives_a_different_hash() {
        let (Some(a), Some(b)) = (
            body_on(
                "2026-01-05T07:00:00+01:00",
                "2026-01-05T07:00:00+01:00",
                70.5,
            ),
            body_on(
                "2026-01-05T07:00:00+01:00",
                "2026-01-05T07:00:00+01:00",
                70.6,
            ),
        ) else {
            panic!("fixture timestamps parse");
        };
        let hashes = (a.store_parts().ok(), b.store_parts().ok());
        assert_ne!(
            hashes.0.map(|p| p.content_hash),
            hashes.1.map(|p| p.content_hash)
        );
    }
}
