//! The current spec's planned workouts (terra-api-notes B.7): `POST|GET /v2/workouts`,
//! `GET|DELETE /v2/workouts/{workout_id}`, `POST /v2/workouts/{workout_id}/plan`,
//! `GET /v2/plannedWorkouts`, `GET|PATCH|DELETE /v2/plannedWorkouts/{planned_workout_id}`.
//! The work is in [`crate::workouts`]; errors use the SDK-era envelope like every route.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::AuthDeveloper;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::routes::params::{lookup_user, require};
use crate::state::AppState;
use crate::workouts::plans::{self, PlanRequest, PlannedWorkoutSummary, RescheduleRequest};
use crate::workouts::templates::{self, Deletion};
use crate::workouts::{parse_id, parse_key};

/// `?user_id=` of the planned-workout routes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Terra user id (required).
    pub user_id: Option<String>,
}

/// `GET /v2/plannedWorkouts` parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlannedWorkoutsQuery {
    /// Terra user id (required).
    pub user_id: Option<String>,
    /// First planned day, `YYYY-MM-DD` (inclusive; open when absent).
    pub start_date: Option<String>,
    /// Last planned day, `YYYY-MM-DD` (inclusive; open when absent).
    pub end_date: Option<String>,
}

/// `POST /v2/workouts` answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkoutCreated {
    pub status: &'static str,
    pub workout_id: String,
}

/// `POST /v2/workouts/{id}/plan` answer (201).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WorkoutPlanned {
    pub status: &'static str,
    pub planned_workout_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_workout_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coercion_warnings: Option<String>,
}

/// `DELETE /v2/workouts/{id}` answer when some plans could not be removed (207).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartialDeletion {
    pub message: String,
}

/// Documentation-only mirror of Terra's `WorkoutTemplate`.
#[derive(Debug, utoipa::ToSchema)]
#[schema(as = WorkoutTemplate)]
#[expect(
    dead_code,
    reason = "describes the wire shape in /openapi.json; never built"
)]
pub struct WorkoutTemplateDoc {
    name: String,
    description: Option<String>,
    /// `running`, `cycling`, `swimming`, `strength`, `rowing`, `yoga`, `pilates`,
    /// `cardio`, `trail_running`, `mountain_biking`, `backcountry_skiing`, `hiking`,
    /// `walking`, `elliptical`, `stair_climbing`.
    sport: String,
    environment: Option<String>,
    pool_length_meters: Option<f64>,
    #[schema(value_type = Vec<Object>)]
    step_blocks: Vec<Value>,
    estimated_duration_seconds: Option<f64>,
    estimated_distance_meters: Option<f64>,
    estimated_calories: Option<f64>,
    /// Set in answers; ignored on create.
    workout_id: Option<String>,
}

/// Documentation-only mirror of the current spec's `PlannedWorkout`.
#[derive(Debug, utoipa::ToSchema)]
#[schema(as = PlannedWorkout)]
#[expect(
    dead_code,
    reason = "describes the wire shape in /openapi.json; never built"
)]
pub struct PlannedWorkoutDoc {
    planned_workout_id: Option<String>,
    workout_id: Option<String>,
    planned_date: Option<String>,
    provider_workout_id: Option<String>,
    coercion_warnings: Option<String>,
    created_at: Option<String>,
    last_updated_at: Option<String>,
    is_external: Option<bool>,
    #[schema(value_type = Object)]
    athlete_metrics: Option<Value>,
}

#[utoipa::path(post, path = "/v2/workouts", operation_id = "workouts_create", tag = "workouts",
    request_body = WorkoutTemplateDoc, security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Template stored", body = WorkoutCreated),
        (status = 400, description = "Malformed template", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    ))]
async fn create_workout(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<WorkoutCreated>, ApiError> {
    let workout_id = templates::create(&state.services(), developer.id(), body).await?;
    Ok(Json(WorkoutCreated {
        status: "success",
        workout_id,
    }))
}

#[utoipa::path(get, path = "/v2/workouts", operation_id = "workouts_list", tag = "workouts",
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Every template of the developer", body = [WorkoutTemplateDoc]),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    ))]
async fn list_workouts(
    State(state): State<AppState>,
    developer: AuthDeveloper,
) -> Result<Response, ApiError> {
    let templates = templates::list(&state.services(), developer.id()).await?;
    Ok(Json(templates).into_response())
}

#[utoipa::path(get, path = "/v2/workouts/{workout_id}", operation_id = "workouts_get",
    tag = "workouts", params(("workout_id" = i64, Path, description = "Template id")),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "The template", body = WorkoutTemplateDoc),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown template", body = ErrorBody),
    ))]
async fn get_workout(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    PathParams(workout_id): PathParams<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&workout_id, "workout_id")?;
    let template = templates::get(&state.services(), developer.id(), &id).await?;
    Ok(Json(template).into_response())
}

#[utoipa::path(delete, path = "/v2/workouts/{workout_id}", operation_id = "workouts_delete",
    tag = "workouts", params(("workout_id" = i64, Path, description = "Template id")),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 204, description = "Template and every plan made from it deleted, at the providers too"),
        (status = 207, description = "Some provider-side deletions failed; the template is kept", body = PartialDeletion),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown template", body = ErrorBody),
        (status = 424, description = "No provider-side deletion succeeded; retry later", body = ErrorBody),
    ))]
async fn delete_workout(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    PathParams(workout_id): PathParams<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&workout_id, "workout_id")?;
    Ok(
        match templates::delete(&state.services(), developer.id(), &id).await? {
            Deletion::Deleted => StatusCode::NO_CONTENT.into_response(),
            Deletion::Partial { failed, total } => (
                StatusCode::MULTI_STATUS,
                Json(PartialDeletion {
                    message: format!(
                        "{failed} of {total} planned workouts could not be removed at their provider; \
                         the workout is kept, retry to finish"
                    ),
                }),
            )
                .into_response(),
            Deletion::Failed { total } => ApiError::Rejected {
                status: StatusCode::FAILED_DEPENDENCY,
                message: format!(
                    "none of the {total} planned workouts could be removed at their provider; retry later"
                ),
            }
            .into_response(),
        },
    )
}

#[utoipa::path(post, path = "/v2/workouts/{workout_id}/plan", operation_id = "workouts_plan",
    tag = "workouts",
    params(("workout_id" = i64, Path, description = "Template id"), UserQuery),
    request_body = PlanRequest, security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 201, description = "Planned and pushed to the user's provider", body = WorkoutPlanned),
        (status = 400, description = "Malformed input, or a provider that takes no planned workouts", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user or template", body = ErrorBody),
        (status = 424, description = "The provider rejected the workout; retry later", body = ErrorBody),
    ))]
async fn plan_workout(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    PathParams(workout_id): PathParams<String>,
    QueryParams(query): QueryParams<UserQuery>,
    JsonBody(request): JsonBody<PlanRequest>,
) -> Result<Response, ApiError> {
    let id = parse_id(&workout_id, "workout_id")?;
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    let user = lookup_user(&state, &developer, user_id).await?;
    let row = plans::plan(&state.services(), &user, &id, request).await?;
    let body = WorkoutPlanned {
        status: "success",
        planned_workout_id: row.id,
        provider_workout_id: row.provider_workout_id,
        coercion_warnings: row.coercion_warnings,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[utoipa::path(get, path = "/v2/plannedWorkouts", operation_id = "planned_workouts_list",
    tag = "workouts", params(PlannedWorkoutsQuery), security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "The user's planned workouts by date", body = [PlannedWorkoutDoc]),
        (status = 400, description = "Malformed parameter", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
    ))]
async fn list_planned(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<PlannedWorkoutsQuery>,
) -> Result<Response, ApiError> {
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    let user = lookup_user(&state, &developer, user_id).await?;
    let items = plans::list(
        &state.services(),
        &user,
        query.start_date.as_deref(),
        query.end_date.as_deref(),
    )
    .await?;
    Ok(Json(items).into_response())
}

#[utoipa::path(get, path = "/v2/plannedWorkouts/{planned_workout_id}",
    operation_id = "planned_workouts_get", tag = "workouts",
    params(("planned_workout_id" = i64, Path, description = "Planned workout id"), UserQuery),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "The planned workout", body = PlannedWorkoutSummary),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user or planned workout", body = ErrorBody),
    ))]
async fn get_planned(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    PathParams(planned_workout_id): PathParams<String>,
    QueryParams(query): QueryParams<UserQuery>,
) -> Result<Json<PlannedWorkoutSummary>, ApiError> {
    let id = parse_key(&planned_workout_id, "planned_workout_id")?;
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    let user = lookup_user(&state, &developer, user_id).await?;
    let row = plans::get(&state.services(), &user, &id).await?;
    Ok(Json(PlannedWorkoutSummary::from(&row)))
}

#[utoipa::path(patch, path = "/v2/plannedWorkouts/{planned_workout_id}",
    operation_id = "planned_workouts_reschedule", tag = "workouts",
    params(("planned_workout_id" = i64, Path, description = "Planned workout id"), UserQuery),
    request_body = RescheduleRequest, security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Moved, at the provider too", body = PlannedWorkoutSummary),
        (status = 400, description = "Malformed input", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user or planned workout", body = ErrorBody),
        (status = 424, description = "The provider refused; retry later", body = ErrorBody),
    ))]
async fn reschedule_planned(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    PathParams(planned_workout_id): PathParams<String>,
    QueryParams(query): QueryParams<UserQuery>,
    JsonBody(request): JsonBody<RescheduleRequest>,
) -> Result<Json<PlannedWorkoutSummary>, ApiError> {
    let id = parse_key(&planned_workout_id, "planned_workout_id")?;
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    let user = lookup_user(&state, &developer, user_id).await?;
    let row = plans::reschedule(&state.services(), &user, &id, request).await?;
    Ok(Json(PlannedWorkoutSummary::from(&row)))
}

#[utoipa::path(delete, path = "/v2/plannedWorkouts/{planned_workout_id}",
    operation_id = "planned_workouts_delete", tag = "workouts",
    params(("planned_workout_id" = i64, Path, description = "Planned workout id"), UserQuery),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 204, description = "Deleted, at the provider too"),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user or planned workout", body = ErrorBody),
        (status = 424, description = "The provider refused; retry later", body = ErrorBody),
    ))]
async fn delete_planned(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    PathParams(planned_workout_id): PathParams<String>,
    QueryParams(query): QueryParams<UserQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_key(&planned_workout_id, "planned_workout_id")?;
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    let user = lookup_user(&state, &developer, user_id).await?;
    plans::delete(&state.services(), &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The workout routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/workouts", post(create_workout).get(list_workouts))
        .route(
            "/v2/workouts/{workout_id}",
            get(get_workout).delete(delete_workout),
        )
        .route("/v2/workouts/{workout_id}/plan", post(plan_workout))
        .route("/v2/plannedWorkouts", get(list_planned))
        .route(
            "/v2/plannedWorkouts/{planned_workout_id}",
            get(get_planned)
                .patch(reschedule_planned)
                .delete(delete_planned),
        )
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_workout,
    list_workouts,
    get_workout,
    delete_workout,
    plan_workout,
    list_planned,
    get_planned,
    reschedule_planned,
    delete_planned
))]
pub struct WorkoutsApi;
