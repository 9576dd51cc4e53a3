//! Shared flows for provider end-to-end tests (`provider_<name>.rs`): connect a user of any
//! provider through `authenticateUser` and the simulator's consent, run the backfill and
//! push-triggered fetches, push as the provider would, and read schema-valid data.
//!
//! A provider test starts with `use crate::flows::*;` and declares its tests with
//! `crate::connect_test!(name, |env| { ... });` (SQLite and PostgreSQL).

#![allow(dead_code, unused_imports)]

pub(crate) use chrono::NaiveDate;
pub(crate) use reqwest::Method;
pub(crate) use serde_json::{Value, json};
pub(crate) use url::Url;
pub(crate) use wearbridge_providers::config::SANDBOX_WEBHOOK_SECRET;
pub(crate) use wearbridge_sim::{FaultKind, FaultTarget, SimProvider};
pub(crate) use wearbridge_store::Backend;

pub(crate) use crate::connect::{Dev, Env};
pub(crate) use crate::harness::assert_valid;

impl Env {
    /// Connects `sim_user` at `provider` (Terra id, any case) for `dev` through
    /// `POST /v2/auth/authenticateUser` and consent `allow` at the simulator; returns the
    /// new user's id. Asserts the `auth` success event.
    pub(crate) async fn connect_provider(
        &self,
        dev: &Dev,
        provider: &str,
        sim_user: &str,
    ) -> String {
        let started = self
            .call(
                dev,
                Method::POST,
                &format!(
                    "/v2/auth/authenticateUser?resource={}",
                    provider.to_ascii_lowercase()
                ),
                Some(json!({"reference_id": sim_user})),
                200,
            )
            .await;
        let auth_url = started["auth_url"].as_str().expect("auth_url").to_owned();
        let landing = self.consent_allow(&auth_url, sim_user).await;
        self.connected_user(dev, &landing, provider, sim_user).await
    }

    /// Consents as `sim_user` at the simulator's `authorize` page and follows the OAuth
    /// callback; returns where the server finally redirects the browser.
    async fn consent_allow(&self, authorize: &str, sim_user: &str) -> Url {
        let separator = if authorize.contains('?') { '&' } else { '?' };
        let decided = format!("{authorize}{separator}consent=allow&sim_user={sim_user}");
        let (status, callback) = self.browse(&decided).await;
        assert_eq!(status.as_u16(), 302, "simulator consent: {callback}");
        let (status, landing) = self.browse(&callback).await;
        assert_eq!(status.as_u16(), 303, "callback: {landing}");
        Url::parse(&landing).expect("landing url")
    }

    /// The `user_id` of a success landing URL, after asserting the `auth` success event
    /// for it (provider and reference id included).
    async fn connected_user(
        &self,
        dev: &Dev,
        landing: &Url,
        provider: &str,
        reference: &str,
    ) -> String {
        let user_id = landing
            .query_pairs()
            .find(|(key, _)| key == "user_id")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_else(|| panic!("no user_id in {landing}"));
        let provider = provider.to_ascii_uppercase();
        let auth = self.events(dev, "auth").await;
        assert!(
            auth.iter()
                .any(|event| event["user"]["user_id"] == user_id.as_str()
                    && event["user"]["provider"] == provider.as_str()
                    && event["user"]["reference_id"] == reference
                    && event["status"] == "success"),
            "no {provider} auth success event for {user_id}: {auth:?}"
        );
        user_id
    }

    /// Connects `sim_user` at `provider` for `dev` through the hosted widget, as a person
    /// would: widget session limited to `provider`, the page's provider button (with its
    /// icon), the provider's consent at the simulator, the OAuth callback, and the landing
    /// redirect carrying `user_id`. Asserts the `auth` success event; returns the user id.
    pub(crate) async fn connect_provider_via_widget(
        &self,
        dev: &Dev,
        provider: SimProvider,
        sim_user: &str,
    ) -> String {
        let id = provider.as_str().to_ascii_uppercase();
        let session = self
            .widget_session(
                dev,
                json!({"providers": id, "reference_id": sim_user,
                       "auth_success_redirect_url": "https://app.example/done",
                       "auth_failure_redirect_url": "https://app.example/failed"}),
            )
            .await;
        let page_url = session["url"].as_str().expect("widget url");
        let (status, page) = self.browse(page_url).await;
        assert_eq!(status.as_u16(), 200, "{page}");
        let connect_url = format!("{page_url}/connect/{id}");
        assert!(page.contains(&connect_url), "no {id} button: {page}");
        let icon = format!("/static/icons/{}.svg", provider.as_str());
        assert!(page.contains(&icon), "no {icon} on the page: {page}");
        let (status, icon_body) = self.browse(&format!("{}{icon}", self.base_url)).await;
        assert_eq!(status.as_u16(), 200, "{icon}: {icon_body}");

        let (status, authorize) = self.browse(&connect_url).await;
        assert_eq!(status.as_u16(), 303, "{id} connect: {authorize}");
        assert!(
            authorize.starts_with(&self.sim().provider_url(provider)),
            "{id} button leads elsewhere: {authorize}"
        );
        let landing = self.consent_allow(&authorize, sim_user).await;
        assert_eq!(landing.path(), "/done", "{id} landed on {landing}");
        self.connected_user(dev, &landing, &id, sim_user).await
    }

    /// Runs queued push-triggered fetch jobs until none is left.
    pub(crate) async fn run_fetches(&self) {
        wearbridge_server::jobs::fetch::run_pending(&self.state().services(), "test-worker")
            .await
            .expect("fetch jobs");
    }

    /// Runs backfill and fetch jobs until none is queued. A provider's app budget (WHOOP
    /// 100 requests per minute, burst 10; WITHINGS 120, burst 12) holds a backfill back
    /// once its fetches have spent the burst (each is charged its requests), so between
    /// rounds the test clock moves on a minute (at most an hour in all).
    pub(crate) async fn drain_jobs(&self) {
        for _ in 0..60 {
            self.run_backfill().await;
            self.run_fetches().await;
            let filter = wearbridge_store::JobFilter {
                state: Some(wearbridge_store::JobState::Queued),
                ..wearbridge_store::JobFilter::default()
            };
            let queued = self.state().store.list_jobs(filter).await.expect("jobs");
            if queued.is_empty() {
                return;
            }
            self.clock().advance(chrono::Duration::seconds(60));
        }
        panic!("jobs still queued after an hour of test clock");
    }

    /// The server's push endpoint for `provider`.
    pub(crate) fn push_url(&self, provider: &str) -> Url {
        Url::parse(&format!(
            "{}/v2/providers/{}/webhook",
            self.base_url,
            provider.to_ascii_uppercase()
        ))
        .expect("push url")
    }

    /// Has the simulator send `provider`'s push for (`account`, `data_type`, `date`) to the
    /// server, signed with the sandbox-mode webhook secret (or `secret` where the provider
    /// signs with the client secret); returns the HTTP status the server answered.
    pub(crate) async fn send_push(
        &self,
        provider: SimProvider,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        secret: &str,
    ) -> u16 {
        let target = self.push_url(provider.as_str());
        self.sim()
            .send_push(provider, account, data_type, date, &target, secret)
            .await
            .expect("push sent")
    }

    /// The decrypted access token stored for `user` of `dev`.
    pub(crate) async fn stored_access_token(&self, dev: &Dev, user: &str) -> String {
        use secrecy::ExposeSecret;
        let dev_id = wearbridge_store::ids::DeveloperId::parse(&dev.id).expect("dev id");
        let user_id = wearbridge_store::ids::UserId::parse(user).expect("user id");
        let connection = self
            .state()
            .store
            .get_connection(&dev_id, &user_id)
            .await
            .expect("read connection")
            .expect("a stored connection");
        let tokens = wearbridge_server::connect::vault::open(&self.state().cipher, &connection)
            .expect("tokens decrypt");
        tokens.access_token.expose_secret().to_owned()
    }

    /// `DELETE /v2/auth/deauthenticateUser` for `user` (200 expected).
    pub(crate) async fn deauthenticate(&self, dev: &Dev, user: &str) {
        self.call(
            dev,
            Method::DELETE,
            &format!("/v2/auth/deauthenticateUser?user_id={user}"),
            None,
            200,
        )
        .await;
    }

    /// `GET /v2/{kind}` over the last `days` days up to today (to_webhook=false; beyond
    /// the backfill's days the read would fetch from the provider), validated against
    /// Terra's `DataResponse` schema; returns the `data` array.
    pub(crate) async fn data(&self, dev: &Dev, kind: &str, user: &str, days: u64) -> Vec<Value> {
        let end = wearbridge_server::clock::Clock::now(self.clock()).date_naive();
        let start = end - chrono::Days::new(days.saturating_sub(1));
        self.data_between(dev, kind, user, start, end).await
    }

    /// `GET /v2/{kind}` over `start..=end` (to_webhook=false), validated like [`Env::data`].
    pub(crate) async fn data_between(
        &self,
        dev: &Dev,
        kind: &str,
        user: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Vec<Value> {
        let path =
            format!("/v2/{kind}?user_id={user}&start_date={start}&end_date={end}&to_webhook=false");
        let body = self.call(dev, Method::GET, &path, None, 200).await;
        if kind == "athlete" {
            assert_valid("v2/AthleteCollection", &body);
            return vec![body["athlete"].clone()];
        }
        assert_valid(&format!("api/DataResponse.{kind}"), &body);
        body["data"].as_array().cloned().unwrap_or_default()
    }
}
