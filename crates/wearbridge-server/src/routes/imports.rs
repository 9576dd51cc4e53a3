//! `POST /wearbridge/v1/imports/apple-health` (upload an Apple Health export, imported by
//! the durable `import` job) and `GET /wearbridge/v1/imports/{import_id}` (its state,
//! progress and result). Our own prefix: Terra's API has no such resource.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use wearbridge_store::imports::{ImportRow, NewImport};

use crate::auth::AuthDeveloper;
use crate::error::{ApiError, ErrorBody};
use crate::extract::QueryParams;
use crate::imports::{ImportError, ImportTarget, resolve_user, upload_dir};
use crate::jobs::import::{ImportJob, ImportPayload, QUEUED};
use crate::jobs::new_job;
use crate::routes::params::{USER_NOT_FOUND, parse_user_id};
use crate::state::AppState;

/// Whose export it is: `user_id`, or `reference_id` (the developer's APPLE user with it,
/// created if none); neither creates a new APPLE user.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Terra user id of an existing user of the developer.
    pub user_id: Option<String>,
    /// The developer's reference id (its APPLE user, created if none).
    pub reference_id: Option<String>,
}

/// An import's state (`queued`, `running`, `succeeded`, `failed`), progress and result.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportStatus {
    pub import_id: String,
    pub user_id: String,
    pub state: String,
    pub bytes_total: i64,
    pub bytes_read: i64,
    pub records_stored: i64,
    /// Once succeeded: `records` (per Terra type), `inserted`, `updated`, `unchanged`,
    /// `events`.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// Once failed: why (a bad file names its line).
    pub error: Option<String>,
}

impl From<ImportRow> for ImportStatus {
    fn from(row: ImportRow) -> Self {
        ImportStatus {
            import_id: row.id,
            user_id: row.user_id.as_str().to_owned(),
            state: row.state,
            bytes_total: row.bytes_total,
            bytes_read: row.bytes_read,
            records_stored: row.records_stored,
            result: row.result.and_then(|text| serde_json::from_str(&text).ok()),
            error: row.error,
        }
    }
}

#[utoipa::path(
    post,
    path = "/wearbridge/v1/imports/apple-health",
    operation_id = "wearbridge_import_apple_health",
    tag = "imports",
    params(ImportQuery),
    request_body(content = Vec<u8>, description = "The export as the Health app shares it (export.zip) or its export.xml, as the raw body", content_type = "application/octet-stream"),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 202, description = "Stored and queued; follow it on `GET /wearbridge/v1/imports/{import_id}`", body = ImportStatus),
        (status = 400, description = "Empty body, both user_id and reference_id, or a malformed user id", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "No such user for this developer", body = ErrorBody),
    )
)]
async fn upload(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<ImportQuery>,
    body: Body,
) -> Result<(StatusCode, Json<ImportStatus>), ApiError> {
    let target = target(&query)?;
    let store = &state.store;
    if let ImportTarget::User(id) = &target {
        store
            .get_user(developer.id(), id)
            .await?
            .ok_or_else(|| ApiError::not_found(USER_NOT_FOUND))?;
    }
    let import_id = uuid::Uuid::new_v4().to_string();
    let path = upload_dir().join(format!("{import_id}.export"));
    let bytes = save_body(body, &path).await?;
    let user = match resolve_user(store, developer.id(), &target).await {
        Ok(user) => user,
        Err(ImportError::UserNotFound) => return Err(ApiError::not_found(USER_NOT_FOUND)),
        Err(other) => return Err(ApiError::internal(other)),
    };
    let new = NewImport {
        id: import_id.clone(),
        user_id: user.id.clone(),
        kind: "apple_health".to_owned(),
        file_path: path.to_string_lossy().into_owned(),
        bytes_total: i64::try_from(bytes).unwrap_or(i64::MAX),
    };
    store.insert_import(developer.id(), &new).await?;
    let payload = ImportPayload {
        import_id: import_id.clone(),
    };
    let now = state.clock.now().timestamp_micros();
    let job = new_job::<ImportJob>(
        &payload,
        Some(format!("import:{import_id}")),
        now,
        Some((developer.id(), &user.id)),
    )?;
    store.enqueue_job(&job).await?;
    QUEUED.notify_waiters();
    // Built from what was stored, not read back: the job may already be running.
    let status = ImportStatus {
        import_id,
        user_id: user.id.as_str().to_owned(),
        state: "queued".to_owned(),
        bytes_total: new.bytes_total,
        bytes_read: 0,
        records_stored: 0,
        result: None,
        error: None,
    };
    Ok((StatusCode::ACCEPTED, Json(status)))
}

fn target(query: &ImportQuery) -> Result<ImportTarget, ApiError> {
    match (&query.user_id, &query.reference_id) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "give user_id or reference_id, not both",
        )),
        (Some(id), None) => Ok(ImportTarget::User(parse_user_id(id, "user_id")?)),
        (None, Some(reference)) => Ok(ImportTarget::Reference(reference.clone())),
        (None, None) => Ok(ImportTarget::New),
    }
}

/// Streams the request body to `path` chunk by chunk (never the whole body in memory);
/// an empty body is a 400 and leaves no file.
async fn save_body(body: Body, path: &std::path::Path) -> Result<u64, ApiError> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(ApiError::internal)?;
    }
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(ApiError::internal)?;
    let mut stream = body.into_data_stream();
    let mut written = 0_u64;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                let _ = tokio::fs::remove_file(path).await;
                return Err(ApiError::bad_request(format!(
                    "cannot read the body: {error}"
                )));
            }
        };
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
        written += chunk.len() as u64;
    }
    file.flush().await.map_err(ApiError::internal)?;
    if written == 0 {
        let _ = tokio::fs::remove_file(path).await;
        return Err(ApiError::bad_request(
            "the body is empty: send the export file",
        ));
    }
    Ok(written)
}

#[utoipa::path(
    get,
    path = "/wearbridge/v1/imports/{import_id}",
    operation_id = "wearbridge_import_status",
    tag = "imports",
    params(("import_id" = String, Path, description = "Import id from the upload")),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "State, progress and (when done) result or error", body = ImportStatus),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "No such import for this developer", body = ErrorBody),
    )
)]
async fn status(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    Path(import_id): Path<String>,
) -> Result<Json<ImportStatus>, ApiError> {
    let row = state
        .store
        .get_import(developer.id(), &import_id)
        .await?
        .ok_or_else(|| ApiError::not_found("import not found"))?;
    Ok(Json(row.into()))
}

/// The import routes (developer credentials).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/wearbridge/v1/imports/apple-health", post(upload))
        .route("/wearbridge/v1/imports/{import_id}", get(status))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(upload, status), components(schemas(ImportStatus)))]
pub struct ImportsApi;
