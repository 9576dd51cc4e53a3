//! One HTTP POST of one event: headers, timeout, and what came back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

use crate::outbound::{GuardedResolver, TargetPolicy};

/// Response bytes read (and discarded) so the connection can be reused; a receiver that
/// answers with more is cut off there (the connection is then closed, not reused).
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// What a delivery attempt produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReport {
    /// Status code, when a response head arrived.
    pub status: Option<u16>,
    /// Time until the response was read (or the error), in microseconds.
    pub latency_micros: i64,
    /// Why the attempt failed (`None` on 2xx).
    pub error: Option<String>,
    /// A `Retry-After` the receiver asked for (delta seconds or an HTTP date).
    pub retry_after: Option<Duration>,
    /// The target guard refused the destination ([`crate::outbound`]): retrying cannot
    /// help, the destination is disabled with this reason.
    pub refused: Option<String>,
}

impl SendReport {
    pub fn delivered(&self) -> bool {
        self.error.is_none()
    }

    /// Not sent: the target guard refused the destination for `reason`.
    pub fn refused(reason: String) -> SendReport {
        SendReport {
            status: None,
            latency_micros: 0,
            error: Some(reason.clone()),
            retry_after: None,
            refused: Some(reason),
        }
    }
}

/// The headers of one delivery attempt.
#[derive(Debug, Clone)]
pub struct OutgoingEvent<'a> {
    pub url: &'a str,
    pub body: &'a str,
    /// Stable across retries (the event id): receivers dedupe on it.
    pub webhook_id: &'a str,
    /// `terra-signature` value.
    pub signature: &'a str,
    /// `terra-reference`, when the event answers a request.
    pub reference: Option<&'a str>,
    /// `X-Terra-Trace-Id`: stable across retries (stored with the event).
    pub trace_id: &'a str,
    /// `X-Terra-Ordering-Timestamp`: when the event was appended, unix microseconds (the
    /// outbox's resolution, so two changes of one record a millisecond apart still
    /// differ); a newer copy of the same record was appended later, so it carries a
    /// higher value, whatever order retries arrive in.
    pub ordering_timestamp: i64,
}

/// The shared HTTP client: connection pooling (reuse across deliveries to the same
/// receiver), no redirects (a 3xx is a failure, as at Terra), the per-attempt timeout,
/// and the target guard's resolver (names connect only to addresses `policy` allows).
pub fn build_client(
    timeout: Duration,
    policy: Arc<TargetPolicy>,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver { policy }))
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .user_agent(concat!("Wearbridge-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

fn headers(event: &OutgoingEvent<'_>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut put = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    put("terra-signature", event.signature);
    // Terra's newer name for the same header (terra-api-notes D.1); same value.
    put("x-terra-signature", event.signature);
    put("webhook-id", event.webhook_id);
    if let Some(reference) = event.reference {
        put("terra-reference", reference);
    }
    put("x-terra-trace-id", event.trace_id);
    headers.insert(
        "x-terra-ordering-timestamp",
        HeaderValue::from(event.ordering_timestamp),
    );
    headers
}

/// POSTs `event`; never fails: every outcome is a [`SendReport`].
pub async fn send(
    client: &reqwest::Client,
    event: &OutgoingEvent<'_>,
    now: DateTime<Utc>,
) -> SendReport {
    let started = Instant::now();
    let result = client
        .post(event.url)
        .headers(headers(event))
        .body(event.body.to_owned())
        .send()
        .await;
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            let refused = crate::outbound::refusal_of(&error).map(|refusal| refusal.to_string());
            return SendReport {
                refused,
                ..failed(started, None, describe(&error), None)
            };
        }
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value, now));
    if let Err(error) = drain(&mut response).await {
        return failed(
            started,
            Some(status.as_u16()),
            describe(&error),
            retry_after,
        );
    }
    if status.is_success() {
        return SendReport {
            status: Some(status.as_u16()),
            latency_micros: elapsed_micros(started),
            error: None,
            retry_after: None,
            refused: None,
        };
    }
    failed(
        started,
        Some(status.as_u16()),
        format!("HTTP {}", status.as_u16()),
        retry_after,
    )
}

/// Reads up to [`MAX_RESPONSE_BYTES`] of the body so the pooled connection can be reused.
async fn drain(response: &mut reqwest::Response) -> reqwest::Result<()> {
    let mut read = 0usize;
    while let Some(chunk) = response.chunk().await? {
        read += chunk.len();
        if read > MAX_RESPONSE_BYTES {
            break;
        }
    }
    Ok(())
}

fn failed(
    started: Instant,
    status: Option<u16>,
    error: String,
    retry_after: Option<Duration>,
) -> SendReport {
    SendReport {
        status,
        latency_micros: elapsed_micros(started),
        error: Some(error),
        retry_after,
        refused: None,
    }
}

fn elapsed_micros(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX)
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        format!("connection failed: {error}")
    } else {
        format!("request failed: {error}")
    }
}

/// `Retry-After`: delta seconds, or an HTTP date (RFC 9110 §10.2.3; RFC 2822 parsing
/// accepts the IMF-fixdate form, `GMT` included).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&Utc) - now).to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            None
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
