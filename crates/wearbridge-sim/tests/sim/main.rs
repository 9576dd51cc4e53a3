//! End-to-end tests of the simulator over real HTTP: the SANDBOX OAuth flow, its data API,
//! the control API, and every fault kind. This file holds the shared `Ctx` helper; the tests
//! live in one module per area.

#[path = "../support/mod.rs"]
mod support;

mod authorize;
mod compat;
mod data;
mod faults;
mod tokens;
mod wire;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;
use sha2::{Digest, Sha256};
use wearbridge_sim::{SimConfig, SimHandle, Simulator};

const CLIENT_ID: &str = "wearbridge-test";
const CLIENT_SECRET: &str = "test-secret";
const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "a-very-long-code-verifier-that-is-at-least-43-characters-long";

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Ctx {
    sim: SimHandle,
    http: Client,
}

async fn start() -> Result<Ctx, Box<dyn std::error::Error>> {
    let sim = Simulator::spawn(SimConfig::default()).await?;
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()?;
    Ok(Ctx { sim, http })
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Query parameters of a `Location` header.
fn location_params(
    response: &reqwest::Response,
) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or("no Location header")?
        .to_str()?;
    let url = url::Url::parse(location)?;
    assert!(
        location.starts_with(REDIRECT_URI),
        "redirected to {location}"
    );
    Ok(url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

impl Ctx {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    fn authorize_url(&self, extra: &str) -> String {
        format!(
            "{}?response_type=code&client_id={CLIENT_ID}&redirect_uri={}&state=st-1&scope=all\
             &code_challenge={}&code_challenge_method=S256{extra}",
            self.url("/sandbox/oauth/authorize"),
            urlencode(REDIRECT_URI),
            challenge(VERIFIER),
        )
    }

    /// Runs the consent shortcut and returns the authorization code.
    async fn code_for(&self, sim_user: &str) -> Result<String, Box<dyn std::error::Error>> {
        let response = self
            .http
            .get(self.authorize_url(&format!("&consent=allow&sim_user={sim_user}")))
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::FOUND);
        let params = location_params(&response)?;
        assert_eq!(param(&params, "state"), Some("st-1"));
        Ok(param(&params, "code").ok_or("no code")?.to_owned())
    }

    async fn token_request(
        &self,
        form: &[(&str, &str)],
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let response = self
            .http
            .post(self.url("/sandbox/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(form)
            .send()
            .await?;
        let status = response.status();
        Ok((status, response.json().await?))
    }

    /// Full connect: consent, code exchange. Returns the token response.
    async fn connect(&self, sim_user: &str) -> Result<Value, Box<dyn std::error::Error>> {
        let code = self.code_for(sim_user).await?;
        let (status, tokens) = self
            .token_request(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", VERIFIER),
            ])
            .await?;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        Ok(tokens)
    }

    async fn refresh(
        &self,
        refresh_token: &str,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    async fn api(
        &self,
        token: &str,
        path_and_query: &str,
    ) -> Result<reqwest::Response, reqwest::Error> {
        self.http
            .get(self.url(&format!("/sandbox/api/v1{path_and_query}")))
            .bearer_auth(token)
            .send()
            .await
    }

    async fn api_json(
        &self,
        token: &str,
        path_and_query: &str,
    ) -> Result<Value, Box<dyn std::error::Error>> {
        let response = self.api(token, path_and_query).await?;
        assert_eq!(response.status(), StatusCode::OK, "{path_and_query}");
        Ok(response.json().await?)
    }

    async fn control(&self, path: &str, body: Value) -> Result<reqwest::Response, reqwest::Error> {
        self.http.post(self.url(path)).json(&body).send().await
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}
