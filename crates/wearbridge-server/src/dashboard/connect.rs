//! Connect: a widget session for an end user, shown as a link (with a copy button) and a
//! QR code to open it on a phone; in sandbox mode (the SANDBOX provider enabled) a
//! one-click demo user, which opens a SANDBOX-only widget session at once.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;

use super::session::{DevSession, Posted, see_other};
use super::{Chrome, DashError, render};
use crate::routes::auth::create_widget_session;
use crate::state::AppState;

/// The provider whose presence means sandbox mode.
const SANDBOX: &str = "SANDBOX";

#[derive(Template)]
#[template(path = "dashboard/connect.html")]
struct ConnectPage {
    chrome: Chrome,
    sandbox: bool,
    reference_id: String,
    link: Option<String>,
    /// SVG markup of the link's QR code.
    qr: Option<String>,
}

fn sandbox_enabled(state: &AppState) -> bool {
    state
        .providers
        .enabled()
        .iter()
        .any(|provider| provider.id == SANDBOX)
}

/// `text` as an SVG QR code, or `None` when it does not fit one.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Drop the XML declaration: the markup is embedded in the page.
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen(
        "<svg",
        r#"<svg role="img" aria-label="QR code of the widget link""#,
        1,
    ))
}

#[derive(Debug, Default, Deserialize)]
struct ConnectForm {
    #[serde(default)]
    reference_id: String,
}

#[derive(Debug, Default, Deserialize)]
struct Prefill {
    #[serde(default)]
    reference_id: String,
}

/// `GET /dashboard/connect`.
async fn page(
    State(state): State<AppState>,
    session: DevSession,
    crate::extract::QueryParams(prefill): crate::extract::QueryParams<Prefill>,
) -> Response {
    let page = ConnectPage {
        chrome: session.chrome("connect"),
        sandbox: sandbox_enabled(&state),
        reference_id: prefill.reference_id,
        link: None,
        qr: None,
    };
    render(StatusCode::OK, &page)
}

async fn widget_link(
    state: &AppState,
    session: &DevSession,
    request: serde_json::Value,
) -> Result<String, DashError> {
    let body = Bytes::from(request.to_string());
    let created = create_widget_session(state, &session.developer, &body).await?;
    created
        .0
        .url
        .ok_or_else(|| DashError::Internal(anyhow::anyhow!("widget session without a URL")))
}

/// `POST /dashboard/connect`: a new widget session (what `generateWidgetSession` does).
async fn create(
    State(state): State<AppState>,
    posted: Posted<ConnectForm>,
) -> Result<Response, DashError> {
    let reference_id = posted.form.reference_id.trim().to_owned();
    let mut request = serde_json::json!({});
    if !reference_id.is_empty() {
        request["reference_id"] = reference_id.clone().into();
    }
    let link = widget_link(&state, &posted.session, request).await?;
    let page = ConnectPage {
        chrome: posted.session.chrome("connect"),
        sandbox: sandbox_enabled(&state),
        reference_id,
        qr: qr_svg(&link),
        link: Some(link),
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /dashboard/connect/demo`: straight into a SANDBOX-only widget session (sandbox
/// mode only; 404 otherwise).
async fn demo(
    State(state): State<AppState>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, DashError> {
    if !sandbox_enabled(&state) {
        return Err(DashError::NotFound);
    }
    let request = serde_json::json!({"providers": SANDBOX, "reference_id": "demo-user"});
    let link = widget_link(&state, &posted.session, request).await?;
    Ok(see_other(&link))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/connect", get(page).post(create))
        .route("/dashboard/connect/demo", post(demo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_becomes_an_embeddable_svg_qr_code() {
        let svg = qr_svg("http://127.0.0.1:8080/widget/session/abc").unwrap_or_default();
        assert!(svg.starts_with("<svg role=\"img\""), "{svg}");
        assert!(svg.contains("<path") || svg.contains("<rect"), "{svg}");
    }
}
