//! The dashboard's stylesheet and script, compiled into the binary: the pages make no
//! request outside this server (the Content-Security-Policy of [`super::render`] forbids
//! it too).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

const CSS: &str = include_str!("../../templates/dashboard/assets/dashboard.css");
const JS: &str = include_str!("../../templates/dashboard/assets/dashboard.js");

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/assets/dashboard.css", get(css))
        .route("/dashboard/assets/dashboard.js", get(js))
}
