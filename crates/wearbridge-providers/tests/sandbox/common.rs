//! Helpers shared by the SANDBOX tests.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::ExposeSecret;
use url::Url;
use wearbridge_providers::{
    Provider, ProviderCtx, ProvidersConfig, Registry, TokenSet, http_client, new_pkce_pair, oauth,
};
use wearbridge_sim::{SimConfig, SimHandle, Simulator};

/// Where the callback would be; the tests read the redirect instead of following it.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/sandbox";

/// The simulated account behind the committed fixtures and the live tests: chosen once
/// because this person has a menstrual cycle, an outdoor (GPS) and an indoor workout, and a negative
/// offset (-05:00) on
/// [`FIXTURE_DATE`], so every mapper branch has real input.
pub const ACCOUNT: &str = "fixture-44";
/// The local day the fixtures cover.
pub const FIXTURE_DATE: &str = "2026-03-04";

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sandbox")
}

/// A running simulator plus the SANDBOX adapter and context pointed at it.
pub struct Harness {
    pub sim: SimHandle,
    pub provider: Arc<dyn Provider>,
    pub ctx: ProviderCtx,
}

pub async fn harness() -> Harness {
    let sim = match Simulator::spawn(SimConfig::default()).await {
        Ok(sim) => sim,
        Err(error) => panic!("simulator starts: {error}"),
    };
    let base = parse_url(&sim.base_url());
    let endpoints = wearbridge_sim::layout::endpoints(&base);
    let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
    let (Some(provider), Ok(http)) = (registry.get("SANDBOX"), http_client()) else {
        panic!("sandbox mode with a simulator configures SANDBOX");
    };
    let Some(ctx) = registry.ctx("sandbox", http) else {
        panic!("SANDBOX has a context");
    };
    Harness { sim, provider, ctx }
}

pub fn parse_url(value: &str) -> Url {
    match Url::parse(value) {
        Ok(url) => url,
        Err(error) => panic!("{value:?} is a URL: {error}"),
    }
}

/// Query parameters of a URL.
pub fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// Runs the consent step the way a browser would, answering `consent` without the page,
/// and returns the redirect the simulator sends the user back with.
pub async fn authorize(harness: &Harness, account: &str, consent: &str) -> (Url, String) {
    let pkce = new_pkce_pair();
    let mut url = oauth::authorize_url(
        harness.provider.oauth(),
        &harness.ctx.creds,
        &parse_url(REDIRECT_URI),
        "state-xyz",
        Some(&pkce.challenge),
    );
    url.query_pairs_mut()
        .append_pair("consent", consent)
        .append_pair("sim_user", account);
    // `http_client()` follows no redirects, so the 302 is visible.
    let response = match harness.ctx.http.get(url).send().await {
        Ok(response) => response,
        Err(error) => panic!("authorize request: {error}"),
    };
    assert_eq!(
        response.status().as_u16(),
        302,
        "consent answers with a redirect"
    );
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(parse_url);
    let Some(location) = location else {
        panic!("redirect carries a Location");
    };
    (location, pkce.verifier.expose_secret().to_owned())
}

/// Authorize with consent and exchange the code (with the PKCE verifier).
pub async fn connect(harness: &Harness, account: &str) -> TokenSet {
    let (location, verifier) = authorize(harness, account, "allow").await;
    let params = query(&location);
    assert_eq!(params.get("state").map(String::as_str), Some("state-xyz"));
    let Some(code) = params.get("code") else {
        panic!("allow redirects with a code: {location}");
    };
    let exchanged = harness
        .provider
        .exchange_code(
            &harness.ctx,
            code,
            &parse_url(REDIRECT_URI),
            Some(&verifier),
        )
        .await;
    match exchanged {
        Ok(tokens) => tokens,
        Err(error) => panic!("code exchange: {error}"),
    }
}
