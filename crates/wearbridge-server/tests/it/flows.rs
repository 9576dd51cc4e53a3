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
        let separator = if auth_url.contains('?') { '&' } else { '?' };
        let decided = format!("{auth_url}{separator}consent=allow&sim_user={sim_user}");
        let (status, callback) = self.browse(&decided).await;
        assert_eq!(status.as_u16(), 302, "simulator consent: {callback}");
        let (status, landing) = self.browse(&callback).await;
        assert_eq!(status.as_u16(), 303, "callback: {landing}");
        let landing = Url::parse(&landing).expect("landing url");
        let user_id = landing
            .query_pairs()
            .find(|(key, _)| key == "user_id")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_else(|| panic!("no user_id in {landing}"));
        let auth = self.events(dev, "auth").await;
        assert!(
            auth.iter()
                .any(|event| event["user"]["user_id"] == user_id.as_str()
                    && event["status"] == "success"),
            "no auth success event for {user_id}: {auth:?}"
        );
        user_id
    }

    /// Runs queued push-triggered fetch jobs until none is left.
    pub(crate) async fn run_fetches(&self) {
        wearbridge_server::sync::fetch::run_pending(self.state(), "test-worker")
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

    /// `GET /v2/{kind}` over the last `days` days (to_webhook=false), validated against
    /// Terra's `DataResponse` schema; returns the `data` array.
    pub(crate) async fn data(&self, dev: &Dev, kind: &str, user: &str, days: u64) -> Vec<Value> {
        let end = chrono::Utc::now().date_naive() + chrono::Days::new(1);
        let start = end - chrono::Days::new(days);
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
