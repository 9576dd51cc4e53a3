//! Authenticated calls against AccessLink and the classification of their errors.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::ProviderCtx;
use crate::error::{self, ProviderError};
use crate::module::with_trailing_slash;

pub(super) fn bearer(token: &SecretString) -> String {
    format!("Bearer {}", token.expose_secret())
}

pub(super) fn api_url(ctx: &ProviderCtx, path: &str) -> Result<Url, ProviderError> {
    with_trailing_slash(&ctx.api_base)
        .join(path)
        .map_err(|error| ProviderError::Malformed(format!("POLAR API URL: {error}")))
}

/// HTTP status classification, plus Polar's own reset header on 429 (`RateLimit-Reset`,
/// seconds until the window resets) when `Retry-After` is absent.
pub(super) fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    match error::from_status(status, headers, body) {
        ProviderError::RateLimited { retry_after: None } => ProviderError::RateLimited {
            retry_after: headers
                .get("RateLimit-Reset")
                .and_then(|value| value.to_str().ok())
                .and_then(|text| text.trim().parse::<u64>().ok())
                .map(std::time::Duration::from_secs),
        },
        other => other,
    }
}

pub(super) async fn read_json<T: DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, ProviderError> {
    crate::http::json_body(response, classify).await
}

/// Authenticated GETs against the data API.
pub(super) struct Api<'a> {
    pub(super) ctx: &'a ProviderCtx,
    pub(super) token: &'a SecretString,
}

impl Api<'_> {
    pub(super) async fn send(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<reqwest::Response, ProviderError> {
        let mut url = api_url(self.ctx, path)?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
        }
        self.ctx
            .http
            .get(url)
            .header(AUTHORIZATION, bearer(self.token))
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|error| error::from_transport(&error))
    }

    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ProviderError> {
        read_json(self.send(path, query).await?).await
    }

    /// A single-date document: `None` for 404 and 204 (nothing that day).
    pub(super) async fn get_day<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>, ProviderError> {
        let response = self.send(path, &[]).await?;
        match response.status() {
            StatusCode::NOT_FOUND | StatusCode::NO_CONTENT => Ok(None),
            _ => read_json(response).await.map(Some),
        }
    }
}
