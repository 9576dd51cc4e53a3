//! Content codings on the wire: compressed responses by `Accept-Encoding` (gzip, brotli,
//! zstd; Terra: "every HTTP endpoint supports brotli or gzip response compression",
//! terra-api-notes A.4) and compressed request bodies by `Content-Encoding` (gzip,
//! deflate, brotli, zstd).
//!
//! Why the request side is safe against decompression bombs: the body is decompressed as
//! a stream, and the extractors that buffer it (`JsonBody`, `RawBody`) stop reading at
//! `max_body_bytes` of *decompressed* bytes (axum's body limit wraps the body the handler
//! sees, which is the decompressed one). A tiny gzip of gigabytes is cut off there and
//! answered 413 in the JSON error envelope, after at most `max_body_bytes` of output.

use axum::extract::Request;
use axum::http::header::CONTENT_ENCODING;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;

use crate::error::ApiError;

/// Request codings we decompress (`identity` is "not compressed").
pub const REQUEST_CODINGS: [&str; 5] = ["gzip", "deflate", "br", "zstd", "identity"];

/// Response compression: every coding compiled in (gzip, br, zstd), chosen by the client's
/// `Accept-Encoding` with its q-values; small bodies stay uncompressed.
pub fn response_compression() -> CompressionLayer {
    CompressionLayer::new()
}

/// Request decompression for gzip, deflate, br and zstd bodies. Codings are checked (and
/// their case normalised) first by [`check_request_coding`], so nothing unknown reaches
/// this layer's own plain-text 415.
pub fn request_decompression() -> RequestDecompressionLayer {
    RequestDecompressionLayer::new()
}

/// Middleware in front of [`request_decompression`]: a known coding in any letter case
/// (`GZIP`, ` br `) is normalised to the token the decompressor matches; an unknown or
/// stacked coding (`gzip, br`) is a 415 in Terra's error envelope naming what we accept.
pub async fn check_request_coding(mut request: Request, next: Next) -> Response {
    if let Some(value) = request.headers().get(CONTENT_ENCODING) {
        let token = value
            .to_str()
            .ok()
            .map(|text| text.trim().to_ascii_lowercase());
        match token.as_deref().and_then(known_coding) {
            Some(coding) => {
                request
                    .headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
            None => {
                return ApiError::Rejected {
                    status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    message: format!(
                        "unsupported Content-Encoding {:?}: send one of {}",
                        String::from_utf8_lossy(value.as_bytes())
                            .chars()
                            .take(40)
                            .collect::<String>(),
                        REQUEST_CODINGS.join(", ")
                    ),
                }
                .into_response();
            }
        }
    }
    next.run(request).await
}

/// The canonical token for a lower-cased coding; `x-gzip` is gzip (RFC 9110 §8.4.1.3).
fn known_coding(token: &str) -> Option<&'static str> {
    match token {
        "gzip" | "x-gzip" => Some("gzip"),
        other => REQUEST_CODINGS
            .iter()
            .copied()
            .find(|known| *known == other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codings_are_matched_case_insensitively_and_only_alone() {
        assert_eq!(known_coding("gzip"), Some("gzip"));
        assert_eq!(known_coding("x-gzip"), Some("gzip"));
        assert_eq!(known_coding("zstd"), Some("zstd"));
        assert_eq!(known_coding("identity"), Some("identity"));
        assert_eq!(
            known_coding("gzip, br"),
            None,
            "stacked codings are refused"
        );
        assert_eq!(known_coding("compress"), None);
    }
}
