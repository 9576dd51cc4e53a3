//! The webhook destination: its health (failure streak, disabled), re-enable, set the
//! URL (through the outbound target guard, whose refusal the page shows), rotate the
//! signing secret (shown once).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::dashboard::session::{DevSession, Posted, see_other};
use crate::dashboard::{Chrome, DashError, render};
use crate::delivery::manage::{self, DestinationView};
use crate::developers::{DeveloperError, set_webhook_url};
use crate::extract::QueryParams;
use crate::state::AppState;
use crate::wire::terra_timestamp;

#[derive(Template)]
#[template(path = "dashboard/webhook.html")]
struct WebhookPage {
    chrome: Chrome,
    destination: DestinationView,
    /// What the URL field shows (the refused value after a refusal).
    url_field: String,
    notice: String,
    error: Option<String>,
    /// A new signing secret, shown once.
    new_secret: Option<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

async fn page_for(
    state: &AppState,
    session: &DevSession,
    edit: impl FnOnce(&mut WebhookPage),
) -> Result<WebhookPage, DashError> {
    let destination = manage::destination(&state.store, session.developer.id()).await?;
    let mut page = WebhookPage {
        chrome: session.chrome("webhook"),
        url_field: destination.webhook_url.clone().unwrap_or_default(),
        destination,
        notice: String::new(),
        error: None,
        new_secret: None,
    };
    edit(&mut page);
    Ok(page)
}

/// `GET /dashboard/webhook`.
async fn show(
    State(state): State<AppState>,
    session: DevSession,
    QueryParams(query): QueryParams<NoticeQuery>,
) -> Result<Response, DashError> {
    let page = page_for(&state, &session, |page| page.notice = query.notice).await?;
    Ok(render(StatusCode::OK, &page))
}

/// `POST /dashboard/webhook/enable`.
async fn enable(
    State(state): State<AppState>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, DashError> {
    manage::enable(&state.store, posted.session.developer.id()).await?;
    Ok(see_other(
        "/dashboard/webhook?notice=Re-enabled%3B+waiting+events+are+delivered+again.",
    ))
}

#[derive(Debug, Deserialize)]
struct UrlForm {
    #[serde(default)]
    url: String,
}

/// `POST /dashboard/webhook/url`: an empty URL clears the destination; a URL the target
/// guard refuses shows the page again (400) with the guard's reason.
async fn set_url(
    State(state): State<AppState>,
    posted: Posted<UrlForm>,
) -> Result<Response, DashError> {
    let url = posted.form.url.trim();
    let policy = state.config.webhooks.target_policy();
    let dev_id = posted.session.developer.id().to_string();
    let result = set_webhook_url(
        &state.store,
        &dev_id,
        (Some(url).filter(|u| !u.is_empty()), &policy),
    )
    .await;
    match result {
        Ok(()) => Ok(see_other("/dashboard/webhook?notice=Webhook+URL+saved.")),
        Err(error @ (DeveloperError::BadWebhookUrl(_) | DeveloperError::RefusedTarget(_))) => {
            let page = page_for(&state, &posted.session, |page| {
                page.url_field = url.to_owned();
                page.error = Some(error.to_string());
            })
            .await?;
            Ok(render(StatusCode::BAD_REQUEST, &page))
        }
        Err(DeveloperError::NotFound(_)) => Err(DashError::NotFound),
        Err(other) => Err(DashError::Internal(other.into())),
    }
}

/// `POST /dashboard/webhook/rotate-secret`: the new secret is in this response only
/// (never cached); the old one keeps signing for 24 h.
async fn rotate(
    State(state): State<AppState>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, DashError> {
    let rotated = manage::rotate_secret(
        &state.store,
        &state.cipher,
        posted.session.developer.id(),
        state.clock.now(),
    )
    .await?;
    let secret = rotated.webhook_signing_secret.expose_secret().to_owned();
    let until =
        terra_timestamp(rotated.previous_valid_until.timestamp_micros()).unwrap_or_default();
    let page = page_for(&state, &posted.session, |page| {
        page.new_secret = Some((secret, until))
    })
    .await?;
    let mut response = render(StatusCode::OK, &page);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response.into_response())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/webhook", get(show))
        .route("/dashboard/webhook/enable", post(enable))
        .route("/dashboard/webhook/url", post(set_url))
        .route("/dashboard/webhook/rotate-secret", post(rotate))
}
