//! What a provider fetch yields, and the one conversion into what the store keeps.

use serde::Serialize;
use serde_json::Value;
use wearbridge_model::{Activity, Athlete, Body, Daily, DataType, Menstruation, Nutrition, Sleep};

/// The record → store row conversion lives in the model, which the server and the store
/// share; re-exported so `wearbridge_providers::record::*` and the crate-root names keep
/// working for provider code.
pub use wearbridge_model::{RecordError, StoreParts, store_parts};

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

    /// The store's view of this record, through [`store_parts`]: the one conversion the
    /// SDK write path (`wearbridge_server::ingest::prepare_record`) uses too, so a record
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
    use sha2::{Digest, Sha256};
    use wearbridge_model::{BodyMetadata, MeasurementDataSample, MeasurementsData, Timestamp};

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
