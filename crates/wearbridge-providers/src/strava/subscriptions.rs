//! Strava's push subscription (providers.md §6.4): one per application, made with the
//! app's `client_id` and `client_secret` at `<api base>push_subscriptions`. Creating it
//! makes Strava verify the callback first (the `hub.challenge` handshake of
//! [`super::push`]), so the server must already be listening. Subscriptions do not
//! expire: upkeep only makes sure the one subscription points at our push URL.

use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use url::Url;

use super::{api, push, wire};
use crate::error;
use crate::http;
use crate::{ProviderCtx, ProviderError};

/// Makes the app's subscription point at `push_url`: keeps it when it already does,
/// deletes one pointing elsewhere (an older push URL: Strava allows one per app), and
/// creates it when missing.
pub async fn upkeep(ctx: &ProviderCtx, push_url: &Url) -> Result<(), ProviderError> {
    let existing = list(ctx).await?;
    let mut ours = false;
    for subscription in &existing {
        if subscription.callback_url.as_deref() == Some(push_url.as_str()) {
            ours = true;
        } else {
            delete(ctx, subscription.id).await?;
        }
    }
    if !ours {
        create(ctx, push_url).await?;
    }
    Ok(())
}

/// `<api base>push_subscriptions[/<id>]` with the app's credentials in the query (list and
/// delete take them there).
fn app_url(ctx: &ProviderCtx, id: Option<i64>) -> Result<Url, ProviderError> {
    let path = match id {
        Some(id) => format!("push_subscriptions/{id}"),
        None => "push_subscriptions".to_owned(),
    };
    let mut url = api::url(ctx, &path)?;
    url.query_pairs_mut()
        .append_pair("client_id", &ctx.creds.client_id)
        .append_pair("client_secret", ctx.creds.client_secret.expose_secret());
    Ok(url)
}

/// `GET /push_subscriptions`: the app's subscriptions (at most one).
pub async fn list(ctx: &ProviderCtx) -> Result<Vec<wire::Subscription>, ProviderError> {
    let response = ctx
        .http
        .get(app_url(ctx, None)?)
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    http::json_body(response, api::classify).await
}

/// `POST /push_subscriptions` (form: credentials, `callback_url`, `verify_token`).
async fn create(ctx: &ProviderCtx, push_url: &Url) -> Result<wire::Created, ProviderError> {
    let token = push::verify_token(&ctx.creds);
    let form = [
        ("client_id", ctx.creds.client_id.as_str()),
        ("client_secret", ctx.creds.client_secret.expose_secret()),
        ("callback_url", push_url.as_str()),
        ("verify_token", token.as_str()),
    ];
    let response = ctx
        .http
        .request(Method::POST, api::url(ctx, "push_subscriptions")?)
        .form(&form)
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    http::json_body(response, api::classify).await
}

/// `DELETE /push_subscriptions/{id}` (204); a 404 means it is gone already.
async fn delete(ctx: &ProviderCtx, id: i64) -> Result<(), ProviderError> {
    let response = ctx
        .http
        .delete(app_url(ctx, Some(id))?)
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    http::accept_status(response, &[StatusCode::NOT_FOUND]).await
}
