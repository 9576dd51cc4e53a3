//! Terra wire shapes built from store rows, and the raw-JSON response writer of the data
//! endpoints.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use wearbridge_model::{DataType, TerraUser, Timestamp};
use wearbridge_store::User;

use crate::error::ApiError;

/// Terra's `TerraUser` for a stored user (the model type, so the wire keys are Terra's;
/// absent values are omitted, as the model does everywhere).
pub fn terra_user(user: &User) -> TerraUser {
    TerraUser {
        user_id: user.id.to_string(),
        provider: user.provider.clone(),
        created_at: timestamp(user.created_at),
        last_webhook_update: user.last_webhook_update.and_then(timestamp),
        scopes: user.scopes.clone(),
        reference_id: user.reference_id.clone(),
        active: Some(user.active),
    }
}

/// A stored UTC time (unix microseconds) as a Terra timestamp with offset `+00:00`.
pub fn timestamp(micros: i64) -> Option<Timestamp> {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(|instant| Timestamp::from_datetime(instant.fixed_offset()))
}

/// Documentation-only mirror of [`TerraUser`] for the OpenAPI document (the model crate
/// stays free of OpenAPI derives).
#[derive(Debug, utoipa::ToSchema)]
#[schema(as = TerraUser)]
#[expect(
    dead_code,
    reason = "describes the wire shape in /openapi.json; never built"
)]
pub struct TerraUserDoc {
    user_id: String,
    provider: String,
    created_at: Option<String>,
    last_webhook_update: Option<String>,
    scopes: Option<String>,
    reference_id: Option<String>,
    active: Option<bool>,
}

/// Formats unix microseconds the way Terra writes timestamps:
/// `2022-12-12T10:00:00.000000+00:00` (microseconds, explicit offset).
pub fn terra_timestamp(micros: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(|instant| instant.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string())
}

/// A JSON response whose body was assembled from stored JSON text without parsing it
/// again (the load target of `GET /v2/daily` depends on this).
#[derive(Debug)]
pub struct RawJson(pub bytes::Bytes);

impl From<String> for RawJson {
    fn from(text: String) -> Self {
        RawJson(bytes::Bytes::from(text))
    }
}

impl IntoResponse for RawJson {
    fn into_response(self) -> Response {
        (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// Writes `{"user":<user>,"data":[<raw>,...],"type":"<data_type>"}`. The records are
/// stored JSON documents written by the store from serialized values, so they are spliced
/// in verbatim.
pub fn data_response_body(
    user: &TerraUser,
    records: &[String],
    data_type: DataType,
) -> Result<String, ApiError> {
    let user_json = serde_json::to_string(user).map_err(ApiError::internal)?;
    let type_json = serde_json::to_string(&data_type).map_err(ApiError::internal)?;
    let records_len: usize = records.iter().map(|record| record.len() + 1).sum();
    let mut body = String::with_capacity(user_json.len() + records_len + 48);
    body.push_str("{\"user\":");
    body.push_str(&user_json);
    body.push_str(",\"data\":[");
    for (index, record) in records.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push_str(record);
    }
    body.push_str("],\"type\":");
    body.push_str(&type_json);
    body.push('}');
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> TerraUser {
        TerraUser {
            user_id: "8e2c5d4a-1f3b-4c6d-9e8f-0a1b2c3d4e5f".into(),
            provider: "SANDBOX".into(),
            created_at: timestamp(1_700_000_000_000_000),
            reference_id: Some("ref \"quoted\"".into()),
            active: Some(true),
            ..TerraUser::default()
        }
    }

    #[test]
    fn timestamps_have_microseconds_and_offset() {
        assert_eq!(
            terra_timestamp(1_700_000_000_123_456).as_deref(),
            Some("2023-11-14T22:13:20.123456+00:00")
        );
    }

    #[test]
    fn spliced_body_is_valid_json_in_order() -> Result<(), Box<dyn std::error::Error>> {
        let records = vec![r#"{"a":1}"#.to_owned(), r#"{"a":2}"#.to_owned()];
        let body = data_response_body(&user(), &records, DataType::Daily)?;
        let parsed: serde_json::Value = serde_json::from_str(&body)?;
        assert_eq!(parsed["data"], serde_json::json!([{"a": 1}, {"a": 2}]));
        assert_eq!(parsed["type"], "daily");
        assert_eq!(parsed["user"]["reference_id"], "ref \"quoted\"");
        let empty: serde_json::Value =
            serde_json::from_str(&data_response_body(&user(), &[], DataType::Sleep)?)?;
        assert_eq!(empty["data"], serde_json::json!([]));
        Ok(())
    }
}
