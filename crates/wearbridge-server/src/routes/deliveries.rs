//! Our own delivery API (not part of Terra's surface), under `/wearbridge/v1/`, with the
//! same `dev-id` / `x-api-key` authentication: list events and their attempts, resend
//! one event or every failed event since a time, see and re-enable the destination,
//! rotate the signing secret. The CLI does the same through [`crate::delivery::manage`].

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use wearbridge_store::delivery::DeliveryEventFilter;

use crate::auth::AuthDeveloper;
use crate::delivery::manage::{
    self, DestinationView, EventDetail, EventView, ManageError, parse_since, parse_state,
};
use crate::developers::{DeveloperError, set_webhook_url};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::state::AppState;

/// Largest `limit` of one listing.
const MAX_LIMIT: u32 = 10_000;

impl From<ManageError> for ApiError {
    fn from(error: ManageError) -> ApiError {
        match error {
            ManageError::BadInput(message) => ApiError::bad_request(message),
            ManageError::NotFound => ApiError::not_found("not found"),
            ManageError::Store(error) => ApiError::internal(error),
            ManageError::Crypto(error) => ApiError::internal(error),
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only events appended at or after this time (RFC 3339, `YYYY-MM-DD` or unix seconds).
    pub since: Option<String>,
    /// `pending`, `delivered` or `failed`.
    pub state: Option<String>,
    /// Event `type`, e.g. `activity`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
    /// At most this many events (default 1000, at most 10000).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventList {
    pub events: Vec<EventView>,
}

#[utoipa::path(
    get,
    path = "/wearbridge/v1/events",
    operation_id = "wearbridge_events_list",
    tag = "deliveries",
    params(EventsQuery),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Outbox events, oldest first", body = EventList),
        (status = 400, description = "Malformed filter", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
async fn list_events(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<EventsQuery>,
) -> Result<Json<EventList>, ApiError> {
    let filter = DeliveryEventFilter {
        since: query
            .since
            .as_deref()
            .map(parse_since)
            .transpose()?
            .map(|since| since.timestamp_micros()),
        state: query.state.as_deref().map(parse_state).transpose()?,
        event_type: query.event_type,
        limit: Some(query.limit.unwrap_or(1000).clamp(1, MAX_LIMIT)),
    };
    let events = manage::list_events(&state.store, developer.id(), &filter).await?;
    Ok(Json(EventList { events }))
}

#[utoipa::path(
    get,
    path = "/wearbridge/v1/events/{event_id}",
    operation_id = "wearbridge_event_get",
    tag = "deliveries",
    params(("event_id" = String, Path, description = "Event id (the `webhook-id` header)")),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "The event, its body and every attempt (status, response code, latency, error)", body = EventDetail),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown event", body = ErrorBody),
    )
)]
async fn get_event(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    PathParams(event_id): PathParams<String>,
) -> Result<Json<EventDetail>, ApiError> {
    Ok(Json(
        manage::event_detail(&state.store, developer.id(), &event_id).await?,
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Resent {
    /// Events queued again.
    pub resent: u64,
}

#[utoipa::path(
    post,
    path = "/wearbridge/v1/events/{event_id}/resend",
    operation_id = "wearbridge_event_resend",
    tag = "deliveries",
    params(("event_id" = String, Path, description = "Event id")),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Queued again with a fresh retry schedule", body = Resent),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown event", body = ErrorBody),
    )
)]
async fn resend_event(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    PathParams(event_id): PathParams<String>,
) -> Result<Json<Resent>, ApiError> {
    manage::resend(&state.store, developer.id(), &event_id, state.clock.now()).await?;
    Ok(Json(Resent { resent: 1 }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResendFailedQuery {
    /// Failed events appended at or after this time (RFC 3339, `YYYY-MM-DD` or unix seconds).
    pub since: Option<String>,
}

#[utoipa::path(
    post,
    path = "/wearbridge/v1/events/resend-failed",
    operation_id = "wearbridge_events_resend_failed",
    tag = "deliveries",
    params(ResendFailedQuery),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "How many failed events were queued again", body = Resent),
        (status = 400, description = "`since` missing or malformed", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
async fn resend_failed(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<ResendFailedQuery>,
) -> Result<Json<Resent>, ApiError> {
    let since = query
        .since
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("since is required"))?;
    let since = parse_since(since)?;
    let resent =
        manage::resend_failed(&state.store, developer.id(), since, state.clock.now()).await?;
    Ok(Json(Resent { resent }))
}

#[utoipa::path(
    get,
    path = "/wearbridge/v1/webhook",
    operation_id = "wearbridge_webhook_get",
    tag = "deliveries",
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "The webhook destination and its health", body = DestinationView),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
async fn get_webhook(
    State(state): State<AppState>,
    developer: AuthDeveloper,
) -> Result<Json<DestinationView>, ApiError> {
    Ok(Json(
        manage::destination(&state.store, developer.id()).await?,
    ))
}

/// `PUT /wearbridge/v1/webhook` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WebhookUrlChange {
    /// The new destination (absolute http or https URL), or `null` to stop delivering.
    pub url: Option<String>,
}

#[utoipa::path(
    put,
    path = "/wearbridge/v1/webhook",
    operation_id = "wearbridge_webhook_set",
    tag = "deliveries",
    request_body = WebhookUrlChange,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "The destination with its new URL", body = DestinationView),
        (status = 400, description = "Not an absolute http(s) URL, or refused by the outbound target guard (the message says which address and why)", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
async fn set_webhook(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    JsonBody(change): JsonBody<WebhookUrlChange>,
) -> Result<Json<DestinationView>, ApiError> {
    let policy = state.config.webhooks.target_policy();
    let dev_id = developer.id().to_string();
    set_webhook_url(&state.store, &dev_id, (change.url.as_deref(), &policy))
        .await
        .map_err(|error| match error {
            DeveloperError::BadWebhookUrl(_) | DeveloperError::RefusedTarget(_) => {
                ApiError::bad_request(error.to_string())
            }
            DeveloperError::NotFound(_) | DeveloperError::BadId(_) => ApiError::Unauthorized,
            other => ApiError::internal(other),
        })?;
    Ok(Json(
        manage::destination(&state.store, developer.id()).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/wearbridge/v1/webhook/enable",
    operation_id = "wearbridge_webhook_enable",
    tag = "deliveries",
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Re-enabled; waiting events are delivered again", body = DestinationView),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
async fn enable_webhook(
    State(state): State<AppState>,
    developer: AuthDeveloper,
) -> Result<Json<DestinationView>, ApiError> {
    Ok(Json(manage::enable(&state.store, developer.id()).await?))
}

#[utoipa::path(
    post,
    path = "/wearbridge/v1/webhook/rotate-secret",
    operation_id = "wearbridge_webhook_rotate_secret",
    tag = "deliveries",
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "`{webhook_signing_secret, previous_secret_valid_until}`: the new secret, shown once; the old one keeps signing (a second `v1`) for 24 h", content_type = "application/json"),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
async fn rotate_secret(
    State(state): State<AppState>,
    developer: AuthDeveloper,
) -> Result<Json<serde_json::Value>, ApiError> {
    let rotated = manage::rotate_secret(
        &state.store,
        &state.cipher,
        developer.id(),
        state.clock.now(),
    )
    .await?;
    Ok(Json(rotated.to_json()))
}

/// The delivery routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/wearbridge/v1/events", get(list_events))
        .route("/wearbridge/v1/events/resend-failed", post(resend_failed))
        .route("/wearbridge/v1/events/{event_id}", get(get_event))
        .route(
            "/wearbridge/v1/events/{event_id}/resend",
            post(resend_event),
        )
        .route("/wearbridge/v1/webhook", get(get_webhook).put(set_webhook))
        .route("/wearbridge/v1/webhook/enable", post(enable_webhook))
        .route("/wearbridge/v1/webhook/rotate-secret", post(rotate_secret))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_events,
        get_event,
        resend_event,
        resend_failed,
        get_webhook,
        set_webhook,
        enable_webhook,
        rotate_secret
    ),
    tags((name = "deliveries", description = "Wearbridge's own webhook delivery API: events, attempts, resend, destination"))
)]
pub struct DeliveriesApi;
