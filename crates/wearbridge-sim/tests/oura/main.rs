//! The OURA simulator over real HTTP: OAuth (consent, body credentials, single-use refresh
//! tokens, revoke by query), every collection and single document validated against
//! Oura's OpenAPI 1.29 schemas (`tests/fixtures/oura/`), Oura's date filtering and
//! `next_token` paging, the numbers against the synthetic person, the webhook subscription
//! API with its verification handshake, signed pushes, and Oura's own fault rendering.
//! This file holds the shared `Ctx` helper; the tests live in one module per area.

#[path = "../support/mod.rs"]
mod support;

mod data;
mod oauth;
mod schema;
mod webhooks;

use chrono::NaiveDate;
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;
use wearbridge_sim::{SimConfig, SimHandle, Simulator};

use crate::schema::assert_schema;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CLIENT_ID: &str = "oura-app";
const CLIENT_SECRET: &str = "oura-secret";
const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const ACCOUNT: &str = "fixture-44";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Simulator plumbing.

struct Ctx {
    sim: SimHandle,
    http: Client,
}

impl Ctx {
    async fn start() -> Result<Ctx, Box<dyn std::error::Error>> {
        let sim = Simulator::spawn(SimConfig::default()).await?;
        let http = Client::builder()
            .redirect(redirect::Policy::none())
            .build()?;
        Ok(Ctx { sim, http })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/oura{path}", self.sim.base_url())
    }

    /// Consent as `account`, then the code exchange with body credentials.
    async fn tokens(&self, account: &str) -> Result<Value, Box<dyn std::error::Error>> {
        let authorize = reqwest::Url::parse_with_params(
            &self.url("/oauth/authorize"),
            &[
                ("response_type", "code"),
                ("client_id", CLIENT_ID),
                ("redirect_uri", REDIRECT_URI),
                (
                    "scope",
                    "personal daily heartrate workout session spo2Daily",
                ),
                ("state", "s"),
                ("consent", "allow"),
                ("sim_user", account),
            ],
        )?;
        let answer = self.http.get(authorize).send().await?;
        assert_eq!(answer.status(), StatusCode::FOUND);
        let code = support::redirect_code(&answer)?;
        let answer = self
            .http
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ])
            .send()
            .await?;
        assert_eq!(answer.status(), StatusCode::OK);
        Ok(answer.json().await?)
    }

    async fn get(
        &self,
        token: &str,
        path: &str,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let answer = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await?;
        let status = answer.status();
        let text = answer.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    /// Every document of a collection query, following `next_token`; asserts each page
    /// against `page_schema`. Returns (documents, pages).
    async fn all_pages(
        &self,
        spec: &Value,
        token: &str,
        path_and_query: &str,
        page_schema: &str,
    ) -> Result<(Vec<Value>, usize), Box<dyn std::error::Error>> {
        let mut data = Vec::new();
        let mut next: Option<String> = None;
        for pages in 1..=200 {
            let path = match &next {
                Some(next) => format!("{path_and_query}&next_token={next}"),
                None => path_and_query.to_owned(),
            };
            let (status, body) = self.get(token, &path).await?;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            assert_schema(spec, page_schema, &body);
            data.extend(body["data"].as_array().cloned().unwrap_or_default());
            match body["next_token"].as_str() {
                Some(token) => next = Some(token.to_owned()),
                None => return Ok((data, pages)),
            }
        }
        Err("more than 200 pages".into())
    }
}

fn access(tokens: &Value) -> String {
    tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
