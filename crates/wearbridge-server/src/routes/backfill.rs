//! `POST /wearbridge/v1/users/{user_id}/backfill`: fetch a range from the provider again
//! (`sync::repull`). Our own prefix, because Terra's API has no such resource.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use wearbridge_model::DataType;

use crate::auth::AuthDeveloper;
use crate::dates::DateParam;
use crate::error::{ApiError, ErrorBody};
use crate::extract::JsonBody;
use crate::routes::params::lookup_user;
use crate::state::AppState;
use crate::sync::repull::{RepullError, RepullQueued, repull};

/// The re-pull request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepullRequest {
    /// First day, `YYYY-MM-DD`.
    pub start_date: String,
    /// Last day (inclusive), `YYYY-MM-DD`.
    pub end_date: String,
    /// Data types (`activity`, `body`, `daily`, `sleep`, ...); default: every type the
    /// provider offers.
    #[serde(default)]
    pub types: Option<Vec<String>>,
}

#[utoipa::path(
    post,
    path = "/wearbridge/v1/users/{user_id}/backfill",
    operation_id = "wearbridge_repull",
    tag = "sync",
    params(("user_id" = String, Path, description = "Terra user id")),
    request_body = RepullRequest,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 202, description = "Queued (or an identical re-pull already is); progress on `GET /wearbridge/v1/users/{user_id}/sync`", body = RepullQueued),
        (status = 400, description = "Bad dates or types, a range over 1,825 days, or an inactive user", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "No such user for this developer", body = ErrorBody),
    )
)]
async fn backfill(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    Path(user_id): Path<String>,
    JsonBody(request): JsonBody<RepullRequest>,
) -> Result<(StatusCode, Json<RepullQueued>), ApiError> {
    let user = lookup_user(&state, &developer, &user_id).await?;
    let start = day(&request.start_date, "start_date")?;
    let end = day(&request.end_date, "end_date")?;
    let types = request.types.as_deref().map(parse_types).transpose()?;
    let provider = state.providers.get(&user.provider).ok_or_else(|| {
        ApiError::bad_request(RepullError::ProviderNotEnabled(user.provider.clone()).to_string())
    })?;
    let now = state.clock.now().timestamp_micros();
    let supported = provider.supported_types();
    let queued = repull((&state.store, now), &user, supported, (start, end), types)
        .await
        .map_err(|error| match error {
            RepullError::Store(error) => ApiError::from(error),
            other => ApiError::bad_request(other.to_string()),
        })?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

/// A `YYYY-MM-DD` day (a re-pull is a range of provider days, not instants).
fn day(value: &str, name: &'static str) -> Result<chrono::NaiveDate, ApiError> {
    match DateParam::parse(name, value)? {
        DateParam::Day(day) => Ok(day),
        DateParam::Instant(_) => Err(ApiError::bad_request(format!(
            "{name} must be a date (YYYY-MM-DD)"
        ))),
    }
}

fn parse_types(names: &[String]) -> Result<Vec<DataType>, ApiError> {
    names
        .iter()
        .map(|name| {
            name.parse::<DataType>()
                .map_err(|_| ApiError::bad_request(format!("unknown data type {name:?}")))
        })
        .collect()
}

/// The re-pull route (developer credentials).
pub fn router() -> Router<AppState> {
    Router::new().route("/wearbridge/v1/users/{user_id}/backfill", post(backfill))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(backfill), components(schemas(RepullRequest, RepullQueued)))]
pub struct RepullApi;
