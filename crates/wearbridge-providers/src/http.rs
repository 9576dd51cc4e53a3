//! Authenticated JSON GETs against provider data APIs, and the reading of provider
//! answers with status classification that every adapter shares.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{self, ProviderError};

/// How an adapter turns a failed answer into a [`ProviderError`]: [`error::from_status`],
/// or a provider's refinement of it (WHOOP's and Polar's own rate-limit reset headers).
pub(crate) type Classify = fn(StatusCode, &HeaderMap, &[u8]) -> ProviderError;

/// GETs `url` with a bearer token and parses the JSON body as `T`.
pub(crate) async fn get_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: Url,
    access_token: &SecretString,
) -> Result<T, ProviderError> {
    get_json_classified(http, url, access_token, error::from_status).await
}

/// [`get_json`] with the provider's own classification of failed answers.
pub(crate) async fn get_json_classified<T: DeserializeOwned>(
    http: &reqwest::Client,
    url: Url,
    access_token: &SecretString,
    classify: Classify,
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
    json_body(response, classify).await
}

/// Status, headers and the whole body of an answer: what classification needs, read once
/// here so a failed body read is a transport error everywhere.
pub(crate) async fn read(
    response: reqwest::Response,
) -> Result<(StatusCode, HeaderMap, Vec<u8>), ProviderError> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|error| error::from_transport(&error))?;
    Ok((status, headers, body.to_vec()))
}

/// The body of a successful answer; a non-2xx answer is classified by `classify`.
pub(crate) async fn checked_body(
    response: reqwest::Response,
    classify: Classify,
) -> Result<Vec<u8>, ProviderError> {
    let (status, headers, body) = read(response).await?;
    if !status.is_success() {
        return Err(classify(status, &headers, &body));
    }
    Ok(body)
}

/// The JSON body of a successful answer as `T` ([`checked_body`], then parsed).
pub(crate) async fn json_body<T: DeserializeOwned>(
    response: reqwest::Response,
    classify: Classify,
) -> Result<T, ProviderError> {
    let body = checked_body(response, classify).await?;
    serde_json::from_slice(&body).map_err(|error| ProviderError::Malformed(error.to_string()))
}

/// Every item of a cursor-paged collection: requests `url` with `params`, then again with
/// the answer's cursor as `cursor_param`, until the cursor is absent or empty, at most
/// `max_pages` times. Oura and WHOOP page this way (a `next_token` in each answer) and
/// guard the same way against a cursor that repeats or never ends, so the loop and its
/// errors (named by `label`) live here once; `get_page` sends one request and returns the
/// page's items and cursor.
pub(crate) async fn follow_next_token<T, F, Fut>(
    label: &str,
    url: &Url,
    params: &[(&str, String)],
    cursor_param: &str,
    max_pages: usize,
    mut get_page: F,
) -> Result<Vec<T>, ProviderError>
where
    F: FnMut(Url) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), ProviderError>>,
{
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..max_pages {
        let mut page_url = url.clone();
        {
            let mut query = page_url.query_pairs_mut();
            for (key, value) in params {
                query.append_pair(key, value);
            }
            if let Some(next) = &next {
                query.append_pair(cursor_param, next);
            }
        }
        let (page, cursor) = get_page(page_url).await?;
        items.extend(page);
        match cursor.filter(|cursor| !cursor.is_empty()) {
            Some(cursor) if next.as_ref() == Some(&cursor) => {
                return Err(ProviderError::Malformed(format!(
                    "{label}: next_token repeats"
                )));
            }
            Some(cursor) => next = Some(cursor),
            None => return Ok(items),
        }
    }
    Err(ProviderError::Malformed(format!(
        "{label} returned more than {max_pages} pages"
    )))
}

/// `Ok` for a 2xx answer or one of `also_fine` (a revocation's "already gone" 401, a
/// backfill's "already requested" 409), else the classified error. For calls whose answer
/// body matters only when classifying a failure, so an unreadable body is read as empty
/// rather than failing on its own (Garmin's deregistration and backfill, Oura's revoke).
pub(crate) async fn accept_status(
    response: reqwest::Response,
    also_fine: &[StatusCode],
) -> Result<(), ProviderError> {
    let status = response.status();
    if status.is_success() || also_fine.contains(&status) {
        return Ok(());
    }
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap_or_default();
    Err(error::from_status(status, &headers, &body))
}
