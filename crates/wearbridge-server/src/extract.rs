//! Our own extractors: axum's `Json`, `Query`, `Path` and `Bytes` with their rejections
//! turned into [`ApiError`], so malformed input (and an over-limit body, 413) gets
//! Terra's error envelope like every other failure.

use axum::extract::{FromRequest, FromRequestParts, Request};
use bytes::Bytes;

use crate::error::ApiError;

/// A JSON request body.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct JsonBody<T>(pub T);

/// A query string decoded with `serde_urlencoded`.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct QueryParams<T>(pub T);

/// Path parameters.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct PathParams<T>(pub T);

/// The raw request body (decompressed, at most `max_body_bytes`), for handlers that parse
/// it themselves (optional JSON, provider pushes).
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        Ok(RawBody(Bytes::from_request(request, state).await?))
    }
}
