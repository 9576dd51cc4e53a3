//! Withings data calls: form POSTs with a Bearer token, answered in the
//! `{"status", "body"}` envelope, and the meaning of the envelope's statuses.

use reqwest::header::{ACCEPT, AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::status;
use crate::error;
use crate::module::with_trailing_slash;
use crate::withings::{EnvelopeError, parse_envelope, wire};
use crate::{ProviderCtx, ProviderError};

/// A data-endpoint error status as a [`ProviderError`].
pub fn status_error(code: i64) -> ProviderError {
    if status::AUTH_FAILED.contains(&code) || status::UNAUTHORIZED.contains(&code) {
        ProviderError::Unauthorized(format!("Withings status {code}"))
    } else if code == status::TOO_MANY_REQUESTS {
        ProviderError::RateLimited { retry_after: None }
    } else if code == status::TIMEOUT {
        ProviderError::Transient(format!("Withings status {code}"))
    } else {
        ProviderError::Malformed(format!("Withings status {code}"))
    }
}

pub(in crate::withings) fn data_error(error: EnvelopeError) -> ProviderError {
    match error {
        EnvelopeError::Malformed(message) => ProviderError::Malformed(message),
        EnvelopeError::Status { status, .. } => status_error(status),
    }
}

/// The body of an HTTP 200 answer; any other HTTP status is classified as usual.
pub(in crate::withings) async fn checked_body(
    response: reqwest::Response,
) -> Result<Vec<u8>, ProviderError> {
    crate::http::checked_body(response, error::from_status).await
}

/// One data call: `POST <api_base><path>` with `params` as a form and the Bearer token.
pub(in crate::withings) async fn call<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    token: &SecretString,
    path: &str,
    params: &[(&str, String)],
) -> Result<T, ProviderError> {
    let body = post_form(ctx, token, path, params).await?;
    parse_envelope(&body).map_err(data_error)
}

/// The raw HTTP 200 answer of `POST <api_base><path>` (form `params`, Bearer token).
async fn post_form(
    ctx: &ProviderCtx,
    token: &SecretString,
    path: &str,
    params: &[(&str, String)],
) -> Result<Vec<u8>, ProviderError> {
    let url = with_trailing_slash(&ctx.api_base)
        .join(path)
        .map_err(|error| ProviderError::Malformed(format!("Withings API URL: {error}")))?;
    let response = ctx
        .http
        .post(url)
        .header(AUTHORIZATION, format!("Bearer {}", token.expose_secret()))
        .header(ACCEPT, "application/json")
        .form(params)
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    checked_body(response).await
}

/// The Withings user id of the connection `ctx` is for ([`ProviderCtx::provider_user_id`]).
pub(super) fn known_account(ctx: &ProviderCtx) -> Result<&str, ProviderError> {
    ctx.provider_user_id.as_deref().ok_or_else(|| {
        ProviderError::Malformed(
            "Withings names the user only in the token answer, and this call has no user id"
                .to_owned(),
        )
    })
}

/// Like [`call`], for actions whose success answer carries no useful `body` (`notify`):
/// only the envelope's `status` is checked.
pub(in crate::withings) async fn call_status_only(
    ctx: &ProviderCtx,
    token: &SecretString,
    path: &str,
    params: &[(&str, String)],
) -> Result<(), ProviderError> {
    let body = post_form(ctx, token, path, params).await?;
    let envelope: wire::Envelope = serde_json::from_slice(&body)
        .map_err(|error| ProviderError::Malformed(format!("Withings {path}: {error}")))?;
    match envelope.status {
        0 => Ok(()),
        code => Err(status_error(code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_comes_from_the_call_context() {
        let ctx = ProviderCtx::for_tests();
        assert!(matches!(
            known_account(&ctx),
            Err(ProviderError::Malformed(_))
        ));
        let ctx = ctx.for_account(Some("363".to_owned()));
        assert_eq!(known_account(&ctx).ok(), Some("363"));
    }
}
