//! Assembling the application: routes, middleware, and the serve loop with graceful
//! shutdown of the HTTP server and the background workers.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::encoding::{check_request_coding, request_decompression, response_compression};
use crate::error::ApiError;
use crate::metrics::track_requests;
use crate::routes;
use crate::state::AppState;
use crate::workers::start_workers;

/// How long workers get to finish their current item after the HTTP server stopped.
const WORKER_GRACE: Duration = Duration::from_secs(10);

/// The complete router: every resource, JSON 404/405 fallbacks, the body limit (applied
/// to decompressed request bodies), metrics, request decompression, response compression
/// (gzip, brotli, zstd), tracing, and a panic-catching layer as the last resort (a panic
/// becomes a plain 500 envelope instead of a dropped connection).
pub fn build_router(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    let body_timeout = state.config.http.body_read_timeout();
    routes::router()
        .merge(crate::dashboard::router(state.config.dashboard.enabled))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            track_requests,
        ))
        .layer(request_decompression())
        .layer(middleware::from_fn(check_request_coding))
        .layer(response_compression())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// The span of one request: method, path (never the query: OAuth callbacks carry codes
/// and states in it), the request id (`x-request-id`, generated when absent and echoed in
/// the response), the `dev-id` the caller presented and the `user_id` it asked about.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    // Borrowed, not copied: this runs on every request, also when the span is off.
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    };
    let user_id = request.uri().query().and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "user_id")
            .map(|(_, value)| value)
    });
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = header("x-request-id"),
        dev_id = header("dev-id"),
        user_id = user_id.as_deref(),
    )
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route for {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::Rejected {
        status: axum::http::StatusCode::METHOD_NOT_ALLOWED,
        message: format!("method {method} is not allowed on {}", uri.path()),
    }
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned());
    ApiError::internal(anyhow::anyhow!("handler panicked: {detail}")).into_response()
}

/// Serves `state` on `listener` until `shutdown` resolves, with the background workers
/// running alongside; then drains in-flight requests and stops the workers.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let workers = start_workers(&state);
    let limits = state.config.http.clone();
    let app = build_router(state);
    let served = crate::listen::serve_connections(listener, app, &limits, shutdown).await;
    workers.shutdown(WORKER_GRACE).await;
    served
}

/// A server running in a background task (integration tests, `demo`).
#[derive(Debug)]
pub struct RunningServer {
    pub local_addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Binds `bind` (port 0 picks a free port) and serves in a spawned task.
    pub async fn start(state: AppState, bind: SocketAddr) -> std::io::Result<RunningServer> {
        let listener = TcpListener::bind(bind).await?;
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state, async {
            let _ = stopped.await;
        }));
        Ok(RunningServer {
            local_addr,
            stop: Some(stop),
            task,
        })
    }

    /// `http://<addr>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Stops serving and waits for the task.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(join_error) => Err(std::io::Error::other(join_error)),
        }
    }
}
