//! Authenticated JSON GETs against provider data APIs, with status classification.

use reqwest::header::{ACCEPT, AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{self, ProviderError};

/// GETs `url` with a bearer token and parses the JSON body as `T`.
pub(crate) async fn get_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: Url,
    access_token: &SecretString,
) -> Result<T, ProviderError> {
    let response = http
        .get(url)
        .header(
            AUTHORIZATION,
            format!("Bearer {}", access_token.expose_secret()),
        )
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|error| error::from_transport(&error))?;
    if !status.is_success() {
        return Err(error::from_status(status, &headers, &body));
    }
    serde_json::from_slice(&body).map_err(|error| ProviderError::Malformed(error.to_string()))
}
