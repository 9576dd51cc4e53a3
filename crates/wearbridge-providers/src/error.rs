//! The one error type of the provider boundary, and how HTTP answers map onto it.
//!
//! The classification is what the sync engine acts on, so it follows what each answer
//! means for a retry: 401/403 → the token is bad (refresh once), `invalid_grant` → the
//! grant is gone (mark the user inactive), 429 → wait, 5xx/timeouts → back off and retry,
//! unparsable bodies → do not retry blindly. Messages never contain tokens: only statuses,
//! provider error codes and serde messages (which quote at most a field name or a short
//! fragment of a body, never a request header).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use wearbridge_model::DataType;

/// Why a call to a provider failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider answered 401/403: the access token is invalid or expired. The sync
    /// engine may refresh once, then reports `connection_error`.
    #[error("provider rejected the access token ({0})")]
    Unauthorized(String),
    /// The refresh token (or authorization code) was rejected (`invalid_grant`): the user
    /// must reconnect (`access_revoked`).
    #[error("provider rejected the grant: {0}")]
    InvalidGrant(String),
    /// 429 or the provider's own quota signal.
    #[error("provider rate limit (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, timeouts, connection errors: retry with backoff.
    #[error("transient provider failure: {0}")]
    Transient(String),
    /// The body did not parse, or the provider answered something the protocol does not allow.
    #[error("malformed provider response: {0}")]
    Malformed(String),
    /// This provider does not offer that data type.
    #[error("provider does not support data type {0}")]
    Unsupported(DataType),
}

impl ProviderError {
    /// Whether retrying the same call later can succeed without user action.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient(_))
    }
}

/// Classifies a non-success HTTP answer. `body` is used only for its OAuth `error` code
/// (RFC 6749 §5.2), never echoed in full.
pub(crate) fn from_status(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    if oauth_error_code(body).as_deref() == Some("invalid_grant") {
        return ProviderError::InvalidGrant(format!("HTTP {status}"));
    }
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            ProviderError::Unauthorized(format!("HTTP {status}"))
        }
        StatusCode::TOO_MANY_REQUESTS => ProviderError::RateLimited {
            retry_after: retry_after(headers),
        },
        status if status.is_server_error() => ProviderError::Transient(format!("HTTP {status}")),
        status => {
            let code = oauth_error_code(body).unwrap_or_else(|| "no error code".to_owned());
            ProviderError::Malformed(format!("unexpected HTTP {status} ({code})"))
        }
    }
}

/// Classifies a transport failure (no HTTP answer, or the body could not be read).
pub(crate) fn from_transport(error: &reqwest::Error) -> ProviderError {
    // A fixed category, not reqwest's message: that message carries the URL, whose query
    // may hold parameters a provider treats as secret.
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    ProviderError::Transient(kind.to_owned())
}

/// The OAuth `error` field of a JSON error body, if the body is one.
pub(crate) fn oauth_error_code(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct OAuthErrorBody {
        error: String,
    }
    serde_json::from_slice::<OAuthErrorBody>(body)
        .ok()
        .map(|parsed| parsed.error)
}

/// `Retry-After` in its delay-seconds form. The HTTP-date form is rare among wearable
/// APIs and would need a clock here; it is treated as absent (the caller's backoff applies).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn classify(status: u16, headers: &HeaderMap, body: &str) -> ProviderError {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
        from_status(status, headers, body.as_bytes())
    }

    #[test]
    fn statuses_map_to_their_meaning() {
        let none = HeaderMap::new();
        assert!(matches!(
            classify(401, &none, ""),
            ProviderError::Unauthorized(_)
        ));
        assert!(matches!(
            classify(403, &none, "{}"),
            ProviderError::Unauthorized(_)
        ));
        assert!(matches!(
            classify(503, &none, ""),
            ProviderError::Transient(_)
        ));
        assert!(matches!(
            classify(500, &none, "oops"),
            ProviderError::Transient(_)
        ));
        assert!(matches!(
            classify(404, &none, ""),
            ProviderError::Malformed(_)
        ));
        assert_eq!(
            classify(429, &none, ""),
            ProviderError::RateLimited { retry_after: None }
        );
    }

    #[test]
    fn retry_after_seconds_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("30"));
        assert_eq!(
            classify(429, &headers, ""),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(30))
            }
        );
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn invalid_grant_wins_over_status() {
        let body = r#"{"error":"invalid_grant","error_description":"refresh token already used"}"#;
        let error = classify(400, &HeaderMap::new(), body);
        assert!(matches!(error, ProviderError::InvalidGrant(_)));
        assert!(!error.to_string().contains("refresh token already used"));
    }

    #[test]
    fn only_rate_limits_and_transients_retry() {
        assert!(ProviderError::Transient("x".into()).is_retryable());
        assert!(ProviderError::RateLimited { retry_after: None }.is_retryable());
        assert!(!ProviderError::Unauthorized("x".into()).is_retryable());
        assert!(!ProviderError::InvalidGrant("x".into()).is_retryable());
    }
}
