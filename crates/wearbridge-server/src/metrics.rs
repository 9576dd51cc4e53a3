//! Prometheus metrics: request count and latency per matched route template and status.
//!
//! Labels use the route *template* (`/v2/users/{user_id}`), never the raw path, so the
//! number of series stays bounded whatever clients send. Requests that match no route are
//! labelled `unmatched`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of the per-request metrics.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: String,
}

/// The server's metric registry and the handles the middleware updates.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("wearbridge");
        let requests = Family::<RequestLabels, Counter>::default();
        // 0.25 ms .. ~4 s in 15 doubling steps: resolves the sub-millisecond loopback
        // latencies of the data route as well as slow database stalls.
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
        });
        registry.register(
            "http_requests",
            "HTTP requests served, by route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency in seconds, by route template and status",
            latency.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
        }
    }

    /// Records one finished request.
    pub fn observe(&self, labels: &RequestLabels, seconds: f64) {
        self.requests.get_or_create(labels).inc();
        self.latency.get_or_create(labels).observe(seconds);
    }

    /// The OpenMetrics text exposition of every metric.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Middleware timing every request; installed with `Router::layer`, where axum has
/// already resolved [`MatchedPath`].
pub async fn track_requests(
    State(metrics): State<std::sync::Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let labels = RequestLabels {
        method,
        route,
        status: response.status().as_u16().to_string(),
    };
    metrics.observe(&labels, started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_observed_requests() -> Result<(), std::fmt::Error> {
        let metrics = Metrics::new();
        let labels = RequestLabels {
            method: "GET".into(),
            route: "/health".into(),
            status: "200".into(),
        };
        metrics.observe(&labels, 0.001);
        metrics.observe(&labels, 0.002);
        let text = metrics.render()?;
        assert!(text.contains(
            r#"wearbridge_http_requests_total{method="GET",route="/health",status="200"} 2"#
        ));
        assert!(text.contains("wearbridge_http_request_duration_seconds_bucket"));
        Ok(())
    }
}
