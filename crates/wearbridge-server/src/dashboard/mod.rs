//! The web dashboard at `/dashboard`: server-rendered askama pages (templates under
//! `templates/dashboard/`), charts drawn as SVG on the server, one stylesheet and a few
//! lines of script served by the binary itself, so no page makes an external request and
//! nothing is built or downloaded.
//!
//! Handlers are thin: they call the same services and store functions as the JSON API
//! (`/wearbridge/v1/...`, `/v2/...`). Signing in checks a developer id and API key as the
//! API does ([`session`]); every state-changing form is a POST carrying a CSRF token bound
//! to the session ([`session::Posted`]). One module per page.

pub mod assets;
pub mod charts;
pub mod connect;
pub mod data;
pub mod deliveries;
pub mod error;
pub mod series;
pub mod session;
pub mod signin;
pub mod users;

use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::state::AppState;
pub use error::DashError;

/// What every signed-in page shows around its content: who is signed in, the navigation,
/// and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The developer's id, or `operator`.
    pub who: String,
    pub operator: bool,
    /// CSRF token for this session's forms.
    pub csrf: String,
    /// The navigation entry to mark current (`users`, `deliveries`, `connect`, ...).
    pub section: &'static str,
}

/// Headers of every dashboard page: nothing loads from elsewhere, no framing, no
/// referrer, and no copy of a page (they show private data, once a new secret) in caches.
const PAGE_HEADERS: [(header::HeaderName, &str); 4] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CACHE_CONTROL, "no-store"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
];

/// Renders a page as HTML with `status`, or a plain 500 when the template fails.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, PAGE_HEADERS, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(error = %error, "dashboard template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response()
        }
    }
}

/// Every dashboard route; none when `[dashboard] enabled = false`.
pub fn router(enabled: bool) -> Router<AppState> {
    if !enabled {
        return Router::new();
    }
    Router::new()
        .merge(signin::router())
        .merge(users::router())
        .merge(data::router())
        .merge(deliveries::router())
        .merge(connect::router())
        .merge(assets::router())
}
