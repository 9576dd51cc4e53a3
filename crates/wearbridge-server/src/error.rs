//! The one error type of the HTTP boundary, rendered in Terra's SDK-era envelope
//! `{"status": "error", "message": "<text>"}` (terra-api-notes A.2).
//!
//! Client errors carry a stable message naming the problem. Internal errors are logged
//! once, here, with their cause chain, and answered with a plain 500 whose body leaks
//! nothing.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::dates::DateError;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed or invalid input (400).
    #[error("{0}")]
    BadRequest(String),
    /// Missing or wrong `dev-id` / `x-api-key` (401).
    #[error("unauthorized")]
    Unauthorized,
    /// Credentials refused where Terra answers 403 instead of 401 (the widget API,
    /// `widget-bundled.yaml`); same envelope as the other errors.
    #[error("{0}")]
    Forbidden(String),
    /// The thing named does not exist for this developer (404).
    #[error("{0}")]
    NotFound(String),
    /// Terra's inbound rate limit (429, `routes/rate_limit.rs`): Terra's own body
    /// `{"detail": "rate limit exceeded"}` and `X-Terra-RateLimit-Rule`, plus
    /// `Retry-After` (seconds) for rule r2.
    #[error("rate limit exceeded")]
    RateLimited {
        rule: &'static str,
        retry_after_secs: Option<i64>,
    },
    /// The request body exceeds the configured limit (413).
    #[error("request body is larger than the configured limit")]
    PayloadTooLarge,
    /// An extractor rejection that keeps its own status (415, 405, ...).
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
    /// A failure on our side (500). Logged when rendered.
    #[error("internal server error")]
    Internal(#[source] anyhow::Error),
}

/// Terra's SDK-era error body. The 401 body is `{"message": "unauthorized"}` without
/// `status`, exactly as the SDK-era spec declares it; every other error carries
/// `"status": "error"`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// `"error"`; absent on 401.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// What went wrong, in words a client developer can act on.
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::NotFound(message.into())
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> ApiError {
        ApiError::Internal(error.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Rejected { status, .. } => *status,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(
                error = format!("{cause:#}"),
                "request failed with an internal error"
            );
        }
        if let ApiError::RateLimited {
            rule,
            retry_after_secs,
        } = &self
        {
            return rate_limited(rule, *retry_after_secs);
        }
        let status = match self {
            ApiError::Unauthorized => None,
            _ => Some("error"),
        };
        let body = ErrorBody {
            status,
            message: self.to_string(),
        };
        (self.status(), axum::Json(body)).into_response()
    }
}

/// Terra's 429 (terra-api-notes A.3), body and headers exactly as documented.
fn rate_limited(rule: &'static str, retry_after_secs: Option<i64>) -> Response {
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(serde_json::json!({ "detail": "rate limit exceeded" })),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        "x-terra-ratelimit-rule",
        axum::http::HeaderValue::from_static(rule),
    );
    if let Some(seconds) = retry_after_secs {
        headers.insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(seconds),
        );
    }
    response
}

impl From<DateError> for ApiError {
    fn from(error: DateError) -> ApiError {
        ApiError::BadRequest(error.to_string())
    }
}

impl From<wearbridge_store::StoreError> for ApiError {
    fn from(error: wearbridge_store::StoreError) -> ApiError {
        ApiError::Internal(error.into())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        from_rejection(
            rejection.status(),
            "invalid JSON body",
            rejection.body_text(),
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        from_rejection(
            rejection.status(),
            "invalid query string",
            rejection.body_text(),
        )
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> ApiError {
        from_rejection(
            rejection.status(),
            "unreadable request body",
            rejection.body_text(),
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        from_rejection(rejection.status(), "invalid path", rejection.body_text())
    }
}

/// Keeps axum's status (400, 413, 415, 422, ...) but speaks Terra's envelope. A 422 from
/// axum (well-formed JSON of the wrong shape) becomes 400: Terra's SDKs declare 400, not
/// 422, for malformed input.
fn from_rejection(status: StatusCode, what: &str, detail: String) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => {
            ApiError::BadRequest(format!("{what}: {detail}"))
        }
        status if status.is_server_error() => {
            ApiError::Internal(anyhow::anyhow!("{what}: {detail}"))
        }
        status => ApiError::Rejected {
            status,
            message: format!("{what}: {detail}"),
        },
    }
}
