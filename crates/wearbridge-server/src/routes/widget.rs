//! The hosted widget: `POST /widget/api/session` and `POST /api/widget/session` (the
//! widget API's session endpoint, same body and answer as `generateWidgetSession`, but 403
//! on bad credentials as `widget-bundled.yaml` declares), the session page listing its
//! providers, the step that starts a provider's OAuth, and the default success and
//! failure pages.
//!
//! Pages are askama templates compiled into the binary (`templates/`), plain HTML and CSS
//! with no JavaScript and no front-end build. Texts live in [`Texts`], one table per
//! language; adding a language is adding a table and a match arm in [`texts`].

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use wearbridge_model::api::WidgetSessionResponse;

use crate::auth::AuthDeveloper;
use crate::connect::ConnectError;
use crate::connect::oauth::begin;
use crate::connect::sessions::{SessionLookup, find_session, offered_providers};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{PathParams, QueryParams, RawBody};
use crate::routes::auth::{WidgetSessionDoc, WidgetSessionResponseDoc, create_widget_session};
use crate::state::AppState;

/// Every text of the widget pages in one language.
#[derive(Debug)]
pub struct Texts {
    /// BCP 47 tag for `<html lang>`.
    pub lang: &'static str,
    pub choose_title: &'static str,
    pub choose_intro: &'static str,
    pub no_providers: &'static str,
    pub expiry_note: &'static str,
    pub expired_title: &'static str,
    pub expired_body: &'static str,
    pub unknown_title: &'static str,
    pub unknown_body: &'static str,
    pub error_title: &'static str,
    pub error_body: &'static str,
    pub failure_title: &'static str,
    pub failure_body: &'static str,
    pub reason_label: &'static str,
    pub success_title: &'static str,
    pub success_body: &'static str,
    pub user_id_label: &'static str,
    pub provider_label: &'static str,
    pub curl_intro: &'static str,
}

const ENGLISH: Texts = Texts {
    lang: "en",
    choose_title: "Connect your wearable",
    choose_intro: "Choose the service that holds your health data. You will sign in there and decide what to share.",
    no_providers: "No provider is available for this link. Ask the app that sent you here for a new one.",
    expiry_note: "This link works for 15 minutes.",
    expired_title: "This link has expired",
    expired_body: "Connection links are valid for 15 minutes. Go back to the app that sent you here and start again to get a new link.",
    unknown_title: "This link is not valid",
    unknown_body: "We could not find this connection link. Check that you copied it completely, or ask the app that sent you here for a new one.",
    error_title: "Something went wrong",
    error_body: "We could not start the connection. Please try again in a moment.",
    failure_title: "Your account was not connected",
    failure_body: "The connection did not complete, so nothing was shared. You can close this page and try again from the app.",
    reason_label: "Reason:",
    success_title: "Your account is connected",
    success_body: "You can close this page. Your data will appear in the app shortly.",
    user_id_label: "User id",
    provider_label: "Provider",
    curl_intro: "Developers: fetch this user's sleep data with (fill in your credentials):",
};

/// The texts for a requested language; English for every language not translated yet.
pub fn texts(language: Option<&str>) -> &'static Texts {
    // A second language matches the primary subtag of `language` here (`de-CH` → `de`).
    let _primary_subtag = language.and_then(|tag| tag.split(['-', '_']).next());
    &ENGLISH
}

/// One provider button on the session page.
#[derive(Debug)]
struct ProviderButton {
    name: &'static str,
    icon_url: String,
    connect_url: String,
}

#[derive(Template)]
#[template(path = "widget.html")]
struct WidgetPage {
    t: &'static Texts,
    providers: Vec<ProviderButton>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    t: &'static Texts,
    title: &'static str,
    body: &'static str,
    detail: Option<String>,
}

#[derive(Template)]
#[template(path = "success.html")]
struct SuccessPage {
    t: &'static Texts,
    user_id: String,
    resource: String,
    curl: String,
}

/// Renders a template as an HTML response, or a plain 500 if rendering fails.
fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "widget template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response()
        }
    }
}

fn message(
    status: StatusCode,
    t: &'static Texts,
    title: &'static str,
    body: &'static str,
    detail: Option<String>,
) -> Response {
    render(
        status,
        &MessagePage {
            t,
            title,
            body,
            detail,
        },
    )
}

/// `GET /widget/session/{id}`: the provider list, or a page saying plainly that the link
/// expired (410) or does not exist (404).
async fn session_page(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
) -> Response {
    let session = match find_session(&state.services(), &id).await {
        Ok(SessionLookup::Active(session)) => session,
        Ok(lookup) => return dead_link(&lookup),
        Err(error) => return failure_page(&error),
    };
    let t = texts(session.language.as_deref());
    let base = state.config.public_base_url();
    let providers = offered_providers(&state.services(), &session)
        .into_iter()
        .map(|provider| ProviderButton {
            name: provider.name,
            icon_url: format!("{base}{}", provider.icon_path),
            connect_url: format!(
                "{base}/widget/session/{}/connect/{}",
                session.id, provider.id
            ),
        })
        .collect();
    render(StatusCode::OK, &WidgetPage { t, providers })
}

fn dead_link(lookup: &SessionLookup) -> Response {
    match lookup {
        SessionLookup::Expired(session) => {
            let t = texts(session.language.as_deref());
            message(StatusCode::GONE, t, t.expired_title, t.expired_body, None)
        }
        _ => {
            let t = texts(None);
            message(
                StatusCode::NOT_FOUND,
                t,
                t.unknown_title,
                t.unknown_body,
                None,
            )
        }
    }
}

fn failure_page(error: &ConnectError) -> Response {
    let t = texts(None);
    match error {
        ConnectError::UnknownProvider(_)
        | ConnectError::ProviderNotEnabled(_)
        | ConnectError::SdkOnly(_)
        | ConnectError::ProviderNotInSession(_) => message(
            StatusCode::NOT_FOUND,
            t,
            t.error_title,
            t.error_body,
            Some(error.to_string()),
        ),
        other => {
            tracing::error!(error = %other, "widget could not start a connection");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                t,
                t.error_title,
                t.error_body,
                None,
            )
        }
    }
}

/// `GET /widget/session/{id}/connect/{provider}`: stores a `state` and redirects to the
/// provider's authorize page.
async fn connect(
    State(state): State<AppState>,
    PathParams((id, provider)): PathParams<(String, String)>,
) -> Response {
    let session = match find_session(&state.services(), &id).await {
        Ok(SessionLookup::Active(session)) => session,
        Ok(lookup) => return dead_link(&lookup),
        Err(error) => return failure_page(&error),
    };
    match begin(&state.services(), &session, &provider).await {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(error) => failure_page(&error),
    }
}

#[derive(Debug, Deserialize)]
struct OutcomeQuery {
    user_id: Option<String>,
    resource: Option<String>,
    reason: Option<String>,
}

/// `GET /widget/success`: the default landing page after a connection.
async fn success(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<OutcomeQuery>,
) -> Response {
    let t = texts(None);
    let user_id = query.user_id.unwrap_or_default();
    let base = state.config.public_base_url();
    let today = state.clock.now().date_naive();
    let start = today
        .checked_sub_days(chrono::Days::new(7))
        .unwrap_or(today);
    let curl = format!(
        "curl -H 'dev-id: YOUR_DEV_ID' -H 'x-api-key: YOUR_API_KEY' '{base}/v2/sleep?user_id={user_id}&start_date={start}&end_date={today}&to_webhook=false'"
    );
    render(
        StatusCode::OK,
        &SuccessPage {
            t,
            user_id,
            resource: query.resource.unwrap_or_default(),
            curl,
        },
    )
}

/// `GET /widget/failure`: the default landing page after a failed connection.
async fn failure(QueryParams(query): QueryParams<OutcomeQuery>) -> Response {
    let t = texts(None);
    message(
        StatusCode::OK,
        t,
        t.failure_title,
        t.failure_body,
        query.reason,
    )
}

/// Provider icons are part of the binary. SANDBOX has a drawn one; the others get a
/// lettermark (their initial on a colour of their own) rather than their trademarked
/// logos, which an operator may add under their own terms.
async fn provider_icon(
    State(state): State<AppState>,
    PathParams(file): PathParams<String>,
) -> Response {
    let svg_headers = [
        (header::CONTENT_TYPE, "image/svg+xml"),
        (header::CACHE_CONTROL, "public, max-age=86400"),
    ];
    if file == "sandbox.svg" {
        return (
            svg_headers,
            include_str!("../../templates/icons/sandbox.svg"),
        )
            .into_response();
    }
    let provider = state
        .providers
        .all()
        .iter()
        .find(|provider| provider.icon_path.rsplit('/').next() == Some(file.as_str()));
    match provider {
        Some(provider) => (svg_headers, lettermark(provider.name)).into_response(),
        None => ApiError::not_found("no such icon").into_response(),
    }
}

/// A 64x64 SVG of `name`'s initial on a hue derived from the name (stable per provider).
fn lettermark(name: &str) -> String {
    let initial = name
        .chars()
        .find(|c| c.is_ascii_alphanumeric())
        .unwrap_or('?')
        .to_ascii_uppercase();
    let hue = name.bytes().fold(0u32, |hash, byte| {
        hash.wrapping_mul(31).wrapping_add(u32::from(byte))
    }) % 360;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64" role="img" aria-label="{name}"><rect width="64" height="64" rx="14" fill="hsl({hue},55%,42%)"/><text x="32" y="43" font-family="sans-serif" font-size="30" font-weight="700" fill="#fff" text-anchor="middle">{initial}</text></svg>"##
    )
}

/// The widget API's 403 message for any credential problem (one message, so probing
/// cannot tell an unknown developer from a wrong key).
pub const WIDGET_FORBIDDEN: &str = "invalid dev-id or x-api-key";

/// `POST /widget/api/session` (also served at `/api/widget/session`): a widget session
/// exactly as `generateWidgetSession` creates it; bad credentials are 403
/// `{"status": "error", "message": ...}` (the widget spec), not the v2 API's 401.
#[utoipa::path(
    post,
    path = "/widget/api/session",
    operation_id = "widget_generatewidgetsession",
    tag = "authentication",
    request_body = WidgetSessionDoc,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Session created; send the end user to `url`", body = WidgetSessionResponseDoc),
        (status = 400, description = "Unknown provider in `providers`, or a bad redirect URL", body = ErrorBody),
        (status = 403, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
pub async fn widget_session(
    State(state): State<AppState>,
    developer: Result<AuthDeveloper, ApiError>,
    RawBody(body): RawBody,
) -> Result<Json<WidgetSessionResponse>, ApiError> {
    let developer = developer.map_err(|error| match error {
        ApiError::Unauthorized => ApiError::Forbidden(WIDGET_FORBIDDEN.to_owned()),
        other => other,
    })?;
    create_widget_session(&state, &developer, &body).await
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/widget/api/session", post(widget_session))
        .route("/api/widget/session", post(widget_session))
        .route("/widget/session/{id}", get(session_page))
        .route("/widget/session/{id}/connect/{provider}", get(connect))
        .route("/widget/success", get(success))
        .route("/widget/failure", get(failure))
        .route("/static/icons/{file}", get(provider_icon))
}

/// The OpenAPI paths of this module (the HTML pages are not part of the API).
#[derive(utoipa::OpenApi)]
#[openapi(paths(widget_session))]
pub struct WidgetApi;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lettermarks_show_the_initial_on_a_stable_colour() {
        let garmin = lettermark("Garmin");
        assert!(garmin.starts_with("<svg") && garmin.contains(">G</text>"));
        assert_eq!(garmin, lettermark("Garmin"));
        assert_ne!(garmin, lettermark("Oura").replace(">O<", ">G<"));
    }

    #[test]
    fn every_language_falls_back_to_english() {
        assert_eq!(texts(Some("en-GB")).lang, "en");
        assert_eq!(texts(Some("xx")).lang, "en");
        assert_eq!(texts(None).lang, "en");
    }

    #[test]
    fn pages_escape_what_they_show() {
        let page = MessagePage {
            t: texts(None),
            title: "t",
            body: "b",
            detail: Some("<script>".to_owned()),
        };
        let html = page.render().unwrap_or_default();
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(html.contains("lang=\"en\""));
    }
}
