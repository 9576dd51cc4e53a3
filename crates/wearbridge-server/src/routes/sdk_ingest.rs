//! `POST /wearbridge/v1/sdk/data/{type}`: the phone's data coming in (issue 16). Terra's
//! mobile SDKs upload to a private endpoint; this is ours, in Wearbridge's own prefix.
//!
//! Who may post: the device, with the ingest credential `POST /v2/auth/sdk/connect`
//! returned (`Authorization: Bearer <ingest_token>`), for its own user only; or the
//! developer (`dev-id` + `x-api-key`) naming one of its mobile-SDK users with
//! `?user_id=` (a relay through the developer's backend). The records are checked and
//! stored exactly like the `/v2` writes (`ingest::check_batch`, then
//! `ingest::ingest_records`: upsert by identity, data events for new and changed
//! records), all of a request or nothing.

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wearbridge_model::{
    Activity, Body, Daily, DataType, Menstruation, Nutrition, Sleep, TerraUser,
};
use wearbridge_store::User;

use crate::auth::AuthDeveloper;
use crate::connect::sdk::credential_user;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::ingest::{CheckedBatch, IngestSummary, check_batch, ingest_records};
use crate::routes::params::{USER_NOT_FOUND, lookup_user, require};
use crate::routes::writes::{check_batch_size, ingest_failure};
use crate::state::AppState;
use crate::wire::{TerraUserDoc, terra_user};

/// The types a phone can post (Terra's six record types; `athlete` is a profile, not
/// data the SDKs upload).
const INGEST_TYPES: [DataType; 6] = [
    DataType::Activity,
    DataType::Body,
    DataType::Daily,
    DataType::Sleep,
    DataType::Nutrition,
    DataType::Menstruation,
];

/// Who is posting: a device (its credential resolved to its user) or a developer.
pub enum SdkCaller {
    Device(Box<User>),
    Developer(AuthDeveloper),
}

impl FromRequestParts<AppState> for SdkCaller {
    type Rejection = ApiError;

    /// `Authorization: Bearer` wins when present (an unknown or revoked token is 401,
    /// whatever else the request carries); otherwise the developer's two headers.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(authorization) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(SdkCaller::Developer(
                AuthDeveloper::from_request_parts(parts, state).await?,
            ));
        };
        let token = authorization
            .to_str()
            .ok()
            .and_then(|text| text.trim().strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(ApiError::Unauthorized)?;
        let user = credential_user(&state.services(), token)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(SdkCaller::Device(Box::new(user)))
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SdkDataQuery {
    /// Required with developer credentials (one of the developer's mobile-SDK users);
    /// optional with a device credential, and then it must be the device's own user.
    pub user_id: Option<String>,
}

/// `{"data": [<Terra record of the path's type>, ...]}` (1 to 1,000 records).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SdkDataBody {
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<Value>,
}

/// What was stored (201).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SdkDataResponse {
    /// `success`.
    pub status: &'static str,
    #[schema(value_type = TerraUserDoc)]
    pub user: TerraUser,
    /// The path's data type.
    #[serde(rename = "type")]
    pub data_type: &'static str,
    /// Identities of the records, in request order (`metadata.summary_id`, or the local
    /// date for day-scoped types).
    pub log_ids: Vec<String>,
    /// Records stored for the first time.
    pub inserted: usize,
    /// Records that replaced a different stored version.
    pub updated: usize,
    /// Records identical to what was stored: no write, no event.
    pub unchanged: usize,
}

#[utoipa::path(
    post,
    path = "/wearbridge/v1/sdk/data/{type}",
    operation_id = "wearbridge_sdk_data_ingest",
    tag = "sdk",
    description = "Stores records a phone read from Apple Health, Samsung Health or Health \
        Connect for its mobile-SDK user. Authenticate as the device with \
        `Authorization: Bearer <ingest_token>` (from `POST /v2/auth/sdk/connect`), or as the \
        developer with `dev-id` + `x-api-key` and `?user_id=`. Each record must parse as \
        Terra's model of the path's type and carry an identity (`metadata.summary_id` or \
        `metadata.start_time`); the first bad one fails the whole request with a 400 naming \
        `data[<index>].<field>` and nothing is stored. Stored records are upserted by \
        identity and readable through `GET /v2/{type}`; new and changed ones are announced \
        with data webhook events, identical re-posts store and announce nothing.",
    params(
        ("type" = String, Path, description = "activity, body, daily, sleep, nutrition or menstruation"),
        SdkDataQuery
    ),
    request_body = SdkDataBody,
    security(("sdk_token" = []), ("dev_id" = [], "api_key" = [])),
    responses(
        (status = 201, description = "Stored (all records of the request)", body = SdkDataResponse),
        (status = 400, description = "A bad record (named by index and field), an empty or oversized batch, a type the user's provider does not deliver, a missing user_id, or a user not connected through a mobile SDK", body = ErrorBody),
        (status = 401, description = "Unknown or revoked ingest token, or wrong developer credentials", body = ErrorBody),
        (status = 404, description = "Unknown type, or a user this caller cannot see", body = ErrorBody),
        (status = 413, description = "Body over the configured limit", body = ErrorBody),
    )
)]
async fn ingest(
    State(state): State<AppState>,
    caller: SdkCaller,
    PathParams(data_type): PathParams<String>,
    QueryParams(query): QueryParams<SdkDataQuery>,
    JsonBody(body): JsonBody<SdkDataBody>,
) -> Result<(StatusCode, Json<SdkDataResponse>), ApiError> {
    let data_type = ingest_type(&data_type)?;
    check_batch_size(body.data.len(), "data")?;
    let user = target_user(&state, caller, query.user_id.as_deref()).await?;
    check_provider_delivers(&state, &user, data_type)?;
    let CheckedBatch { log_ids, records } =
        checked(data_type, body.data).map_err(ApiError::BadRequest)?;
    let summary: IngestSummary = ingest_records(&state.store, &user, records, None)
        .await
        .map_err(ingest_failure)?;
    Ok((
        StatusCode::CREATED,
        Json(SdkDataResponse {
            status: "success",
            user: terra_user(&user),
            data_type: data_type.as_str(),
            log_ids,
            inserted: summary.inserted,
            updated: summary.updated,
            unchanged: summary.unchanged,
        }),
    ))
}

/// The path's type, or 404 listing the six.
fn ingest_type(text: &str) -> Result<DataType, ApiError> {
    INGEST_TYPES
        .into_iter()
        .find(|data_type| data_type.as_str() == text)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "unknown type {text:?}: expected activity, body, daily, sleep, nutrition or menstruation"
            ))
        })
}

/// The user the records belong to: the device's own, or the developer's named one, which
/// must be connected through a mobile SDK (other users' data comes from their provider;
/// the `/v2` writes take it for them).
async fn target_user(
    state: &AppState,
    caller: SdkCaller,
    named: Option<&str>,
) -> Result<User, ApiError> {
    let user = match caller {
        SdkCaller::Device(user) => {
            let named = named.filter(|id| !id.trim().is_empty());
            if named.is_some_and(|id| id.trim() != user.id.as_str()) {
                return Err(ApiError::not_found(USER_NOT_FOUND));
            }
            *user
        }
        SdkCaller::Developer(developer) => {
            let user_id = require(named, "user_id")?;
            lookup_user(state, &developer, user_id).await?
        }
    };
    let is_sdk = state
        .providers
        .info(&user.provider)
        .is_some_and(|info| info.sdk_only);
    if !is_sdk {
        return Err(ApiError::bad_request(format!(
            "user {} is connected through {}, not a mobile SDK; its data comes from the provider",
            user.id, user.provider
        )));
    }
    Ok(user)
}

/// A type the user's provider does not deliver (`/v2/integrations/detailed` says which)
/// is refused, so what the listing promises and what is stored agree.
fn check_provider_delivers(
    state: &AppState,
    user: &User,
    data_type: DataType,
) -> Result<(), ApiError> {
    let delivers = state
        .providers
        .info(&user.provider)
        .is_some_and(|info| info.types.supports(data_type));
    if delivers {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{} does not deliver {data_type} data",
            user.provider
        )))
    }
}

/// [`check_batch`] with the model type of `data_type`.
fn checked(data_type: DataType, data: Vec<Value>) -> Result<CheckedBatch, String> {
    match data_type {
        DataType::Activity => check_batch::<Activity>(data),
        DataType::Body => check_batch::<Body>(data),
        DataType::Daily => check_batch::<Daily>(data),
        DataType::Sleep => check_batch::<Sleep>(data),
        DataType::Nutrition => check_batch::<Nutrition>(data),
        DataType::Menstruation => check_batch::<Menstruation>(data),
        other => Err(format!("{other} cannot be posted")),
    }
}

/// The SDK ingest route.
pub fn router() -> Router<AppState> {
    Router::new().route("/wearbridge/v1/sdk/data/{type}", post(ingest))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(ingest))]
pub struct SdkIngestApi;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_six_record_types_are_accepted() {
        for data_type in INGEST_TYPES {
            assert_eq!(ingest_type(data_type.as_str()).ok(), Some(data_type));
        }
        for refused in ["athlete", "planned_workout", "plannedWorkout", "Daily", ""] {
            assert!(ingest_type(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn a_bad_record_is_named_by_index_and_field() {
        let good = serde_json::json!({"metadata": {"start_time": "2024-01-01T00:00:00+00:00",
            "end_time": "2024-01-02T00:00:00+00:00", "upload_type": 0}});
        let bad = serde_json::json!({"metadata": {"start_time": 12,
            "end_time": "2024-01-02T00:00:00+00:00", "upload_type": 0}});
        let message = checked(DataType::Daily, vec![good.clone(), bad]).err();
        assert!(
            message
                .as_deref()
                .is_some_and(|m| m.starts_with("data[1].metadata.start_time: ")),
            "{message:?}"
        );
        let batch = checked(DataType::Daily, vec![good]).map(|batch| batch.log_ids);
        assert_eq!(batch.ok(), Some(vec!["2024-01-01".to_owned()]));
    }
}
