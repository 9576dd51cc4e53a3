//! Connecting a simulated account through a provider adapter, as the server's connect flow
//! does: consent at the simulator, code exchange (with PKCE where the provider uses it),
//! account lookup with the account id of the token answer, provider-side registration.
//! Shared by the cross-provider tests (`#[path]`-included).

use secrecy::{ExposeSecret, SecretString};
use url::Url;
use wearbridge_providers::{Provider, ProviderCtx, new_pkce_pair, oauth};

/// Where the simulator sends the browser back (never followed).
const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/test";

/// Connects `account` at `provider`; returns the access token and the context for calls on
/// the new account's behalf (as the server builds it from the stored user).
pub async fn connect(
    provider: &dyn Provider,
    ctx: &ProviderCtx,
    account: &str,
) -> (SecretString, ProviderCtx) {
    let pkce = new_pkce_pair();
    let redirect = Url::parse(REDIRECT_URI).unwrap_or_else(|error| panic!("{error}"));
    let mut url = oauth::authorize_url(
        provider.oauth(),
        &ctx.creds,
        &redirect,
        "state-connect",
        provider.oauth().pkce.then_some(pkce.challenge.as_str()),
    );
    url.query_pairs_mut()
        .append_pair("consent", "allow")
        .append_pair("sim_user", account);
    let id = provider.info().id;
    let response = ctx
        .http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|error| panic!("{id} authorize: {error}"));
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Url::parse(value).ok())
        .unwrap_or_else(|| panic!("{id} consent redirects ({})", response.status()));
    let code = location
        .query_pairs()
        .find(|(key, _)| key == "code")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| panic!("{id} redirect carries a code: {location}"));
    let verifier = pkce.verifier.expose_secret().to_owned();
    let tokens = provider
        .exchange_code(
            ctx,
            &code,
            &redirect,
            provider.oauth().pkce.then_some(verifier.as_str()),
        )
        .await
        .unwrap_or_else(|error| panic!("{id} code exchange: {error}"));
    let ctx = &ctx.clone().for_account(tokens.provider_user_id.clone());
    let account = provider
        .fetch_account(ctx, &tokens.access_token)
        .await
        .unwrap_or_else(|error| panic!("{id} account: {error}"));
    let push_url = Url::parse(&format!("http://127.0.0.1:9/v2/providers/{id}/webhook"))
        .unwrap_or_else(|error| panic!("{error}"));
    provider
        .on_connect(ctx, &tokens.access_token, &account, &push_url)
        .await
        .unwrap_or_else(|error| panic!("{id} registration: {error}"));
    (
        tokens.access_token,
        ctx.clone().for_account(Some(account.provider_user_id)),
    )
}
