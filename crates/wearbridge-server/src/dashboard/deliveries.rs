//! Deliveries: the event log with filters, one event's body and attempts, resending one
//! event or every failed one since a time. The same functions as `/wearbridge/v1/events`
//! ([`crate::delivery::manage`]). The webhook destination has its own page
//! ([`super::connect`] holds the widget link; the destination is in [`webhook`]).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Duration, Utc};
use serde::Deserialize;
use wearbridge_store::delivery::DeliveryEventFilter;

use super::session::{DevSession, Posted, see_other};
use super::{Chrome, DashError, render};
use crate::delivery::manage::{self, AttemptView, EventView, parse_since, parse_state};
use crate::extract::{PathParams, QueryParams};
use crate::state::AppState;

pub mod webhook;

/// Events listed at most (the newest of the filtered range).
const LIST_LIMIT: u32 = 1000;
/// The log's default window when no `since` is given.
const DEFAULT_WINDOW_DAYS: i64 = 7;

/// The log's filters, as the form sends them (empty means "any").
#[derive(Debug, Default, Deserialize)]
pub struct LogFilter {
    #[serde(default, rename = "type")]
    pub event_type: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub notice: String,
}

#[derive(Template)]
#[template(path = "dashboard/deliveries.html")]
struct LogPage {
    chrome: Chrome,
    filter: LogFilter,
    since: String,
    events: Vec<EventView>,
}

#[derive(Template)]
#[template(path = "dashboard/event.html")]
struct EventPage {
    chrome: Chrome,
    event: EventView,
    body: String,
    attempts: Vec<AttemptView>,
    notice: String,
}

fn some(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|text| !text.is_empty())
}

/// `GET /dashboard/deliveries`: newest first.
async fn log(
    State(state): State<AppState>,
    session: DevSession,
    QueryParams(filter): QueryParams<LogFilter>,
) -> Result<Response, DashError> {
    let default_since = (state.clock.now() - Duration::days(DEFAULT_WINDOW_DAYS)).to_rfc3339();
    let since = some(&filter.since).map_or(default_since, str::to_owned);
    let store_filter = DeliveryEventFilter {
        since: Some(parse_since(&since)?.timestamp_micros()),
        state: some(&filter.state).map(parse_state).transpose()?,
        event_type: some(&filter.event_type).map(str::to_owned),
        limit: Some(LIST_LIMIT),
    };
    let mut events =
        manage::list_events(&state.store, session.developer.id(), &store_filter).await?;
    if let Some(user) = some(&filter.user) {
        events.retain(|event| event.user_id.as_deref() == Some(user));
    }
    events.reverse();
    let page = LogPage {
        chrome: session.chrome("deliveries"),
        filter,
        since,
        events,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, Deserialize)]
struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

/// `GET /dashboard/deliveries/{id}`: the body delivered and every attempt.
async fn event(
    State(state): State<AppState>,
    session: DevSession,
    PathParams(id): PathParams<String>,
    QueryParams(query): QueryParams<NoticeQuery>,
) -> Result<Response, DashError> {
    let detail = manage::event_detail(&state.store, session.developer.id(), &id)
        .await
        .map_err(|error| match error {
            manage::ManageError::BadInput(_) => DashError::NotFound,
            other => other.into(),
        })?;
    let mut event = detail.event;
    let body = event.body.take().unwrap_or_default();
    let page = EventPage {
        chrome: session.chrome("deliveries"),
        event,
        body,
        attempts: detail.attempts,
        notice: query.notice,
    };
    Ok(render(StatusCode::OK, &page))
}

fn with_notice(path: &str, notice: &str) -> String {
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    format!("{path}?{query}")
}

/// `POST /dashboard/deliveries/{id}/resend`.
async fn resend(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, DashError> {
    manage::resend(
        &state.store,
        posted.session.developer.id(),
        &id,
        state.clock.now(),
    )
    .await
    .map_err(|error| match error {
        manage::ManageError::BadInput(_) => DashError::NotFound,
        other => other.into(),
    })?;
    let path = format!("/dashboard/deliveries/{}", id.trim());
    Ok(see_other(&with_notice(
        &path,
        "Queued again; it is delivered shortly.",
    )))
}

#[derive(Debug, Deserialize)]
struct ResendFailedForm {
    #[serde(default)]
    since: String,
}

/// `POST /dashboard/deliveries/resend-failed`: every failed event since a time.
async fn resend_failed(
    State(state): State<AppState>,
    posted: Posted<ResendFailedForm>,
) -> Result<Response, DashError> {
    let since = some(&posted.form.since)
        .ok_or_else(|| DashError::BadRequest("since is required".to_owned()))?;
    let since = parse_since(since)?;
    let count = manage::resend_failed(
        &state.store,
        posted.session.developer.id(),
        since,
        state.clock.now(),
    )
    .await?;
    let notice = format!(
        "{count} failed event(s) since {} queued again.",
        since.with_timezone(&Utc).to_rfc3339()
    );
    Ok(see_other(&with_notice("/dashboard/deliveries", &notice)))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/deliveries", get(log))
        .route("/dashboard/deliveries/resend-failed", post(resend_failed))
        .route("/dashboard/deliveries/{id}", get(event))
        .route("/dashboard/deliveries/{id}/resend", post(resend))
        .merge(webhook::router())
}
