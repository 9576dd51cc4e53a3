//! The connect flow end to end against the in-process provider simulator (SANDBOX), on
//! both backends: widget session → page → provider consent → callback → redirect →
//! backfill → schema-valid data; authenticateUser; deny; expiry; replayed and forged
//! state; reconnect; deauth; refresh with rotation mid-backfill; tenant isolation; no
//! plaintext tokens at rest; mobile-SDK tokens.
//!
//! The server runs without its background workers so each test decides when the backfill
//! runs ([`backfill::run_pending`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use url::Url;
use wearbridge_model::WebhookEvent;
use wearbridge_providers::{ProvidersConfig, Registry};
use wearbridge_server::app::build_router;
use wearbridge_server::clock::{Clock, ManualClock};
use wearbridge_server::config::Config;
use wearbridge_server::connect::vault::open;
use wearbridge_server::crypto::Cipher;
use wearbridge_server::developers::create_developer;
use wearbridge_server::jobs::backfill;
use wearbridge_server::state::AppState;
use wearbridge_sim::{SimConfig, SimHandle, SimProvider, Simulator};
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::testing::{TestDatabase, fresh_database_url};
use wearbridge_store::{Backend, EventFilter, Store};

use crate::harness::{ExposeSecret, assert_valid};

/// One server + simulator + fresh database.
pub(crate) struct Env {
    pub(crate) base_url: String,
    store: Store,
    state: AppState,
    clock: Arc<ManualClock>,
    /// Follows no redirects: every hop of the flow is asserted.
    http: reqwest::Client,
    sim: SimHandle,
    database_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _database: TestDatabase,
}

/// A developer's credentials.
pub(crate) struct Dev {
    pub(crate) id: String,
    key: String,
}

#[macro_export]
macro_rules! connect_test {
    ($name:ident, |$env:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($env: Env) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(env) = Env::spawn(Backend::Sqlite).await {
                    run(env).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(env) = Env::spawn(Backend::Postgres).await {
                    run(env).await;
                }
            }
        }
    };
}

impl Env {
    pub(crate) async fn spawn(backend: Backend) -> Option<Env> {
        let (database_url, database) = fresh_database_url(backend).await.expect("test database")?;
        let store = Store::connect(&database_url).await.expect("connect");
        store.migrate().await.expect("migrate");
        let sim = Simulator::spawn(SimConfig::default())
            .await
            .expect("simulator");
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base_url = format!("http://{addr}");
        let mut config = Config::for_database(&database_url, addr);
        config.public_url = Some(Url::parse(&base_url).expect("url"));
        let cipher = Cipher::from_key_spec(&Cipher::generate_key_spec()).expect("key");
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let sim_url = Url::parse(&sim.base_url()).expect("sim url");
        let endpoints = wearbridge_sim::layout::endpoints(&sim_url);
        let state = AppState::new(store.clone(), config, cipher)
            .with_providers(Registry::new(ProvidersConfig::sandbox(endpoints)))
            .with_clock(clock.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = build_router(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Some(Env {
            base_url,
            store,
            state,
            clock,
            http,
            sim,
            database_url,
            stop: Some(stop),
            _database: database,
        })
    }

    pub(crate) async fn developer(&self, name: &str) -> Dev {
        let created = create_developer(&self.store, &self.state.cipher, name, None)
            .await
            .expect("developer");
        Dev {
            id: created.dev_id.to_string(),
            key: created.api_key.expose_secret().to_owned(),
        }
    }

    /// A call with `dev`'s credentials; asserts the status and returns the body.
    pub(crate) async fn call(
        &self,
        dev: &Dev,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .header("dev-id", &dev.id)
            .header("x-api-key", &dev.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let actual = response.status().as_u16();
        let text = response.text().await.expect("body");
        assert_eq!(actual, status, "{path}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// GET without credentials; the status and the `Location` or body.
    pub(crate) async fn browse(&self, url: &str) -> (StatusCode, String) {
        let response = self.http.get(url).send().await.expect("browse");
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            return (status, location);
        }
        (status, response.text().await.unwrap_or_default())
    }

    pub(crate) async fn widget_session(&self, dev: &Dev, body: Value) -> Value {
        let session = self
            .call(
                dev,
                reqwest::Method::POST,
                "/v2/auth/generateWidgetSession",
                Some(body),
                200,
            )
            .await;
        assert_valid("api/sdk/Authentication_GenerateWidgetSession.200", &session);
        session
    }

    /// From a provider authorize URL: consent at the simulator as `sim_user`, then follow
    /// the callback; returns the final redirect target.
    async fn consent(&self, authorize_url: &str, consent: &str, sim_user: &str) -> Url {
        let decided = format!("{authorize_url}&consent={consent}&sim_user={sim_user}");
        let (status, callback) = self.browse(&decided).await;
        assert_eq!(status, StatusCode::FOUND, "simulator consent: {callback}");
        assert!(
            callback.starts_with(&format!("{}/v2/auth/callback/sandbox", self.base_url)),
            "{callback}"
        );
        let (status, landing) = self.browse(&callback).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "callback: {landing}");
        Url::parse(&landing).expect("landing url")
    }

    /// Widget flow: session page → SANDBOX button → provider → consent → landing URL.
    async fn connect_with_widget(
        &self,
        dev: &Dev,
        reference: &str,
        consent: &str,
        sim_user: &str,
    ) -> Url {
        let session = self
            .widget_session(
                dev,
                json!({"providers": "SANDBOX", "reference_id": reference,
                       "auth_success_redirect_url": "https://app.example/done?step=2",
                       "auth_failure_redirect_url": "https://app.example/failed"}),
            )
            .await;
        let page_url = session["url"].as_str().expect("url");
        let (status, page) = self.browse(page_url).await;
        assert_eq!(status, StatusCode::OK);
        let connect_url = format!("{page_url}/connect/SANDBOX");
        assert!(
            page.contains(&connect_url),
            "widget page lacks the Sandbox button: {page}"
        );
        assert!(page.contains("Sandbox") && page.contains("/static/icons/sandbox.svg"));
        let (status, authorize) = self.browse(&connect_url).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{authorize}");
        assert!(
            authorize.starts_with(&self.sim.provider_url(SimProvider::Sandbox)),
            "{authorize}"
        );
        assert!(
            authorize.contains("code_challenge="),
            "PKCE challenge missing: {authorize}"
        );
        self.consent(&authorize, consent, sim_user).await
    }

    pub(crate) async fn run_backfill(&self) {
        backfill::run_pending(&self.state, "test-worker")
            .await
            .expect("backfill");
    }

    pub(crate) async fn events(&self, dev: &Dev, event_type: &str) -> Vec<Value> {
        let dev_id = DeveloperId::parse(&dev.id).expect("dev id");
        let filter = EventFilter {
            event_type: Some(event_type.to_owned()),
            ..EventFilter::default()
        };
        let rows = self
            .store
            .list_events(&dev_id, filter)
            .await
            .expect("events");
        rows.iter()
            .map(|row| {
                let body: Value = serde_json::from_str(&row.body).expect("event json");
                let typed: WebhookEvent =
                    serde_json::from_value(body.clone()).expect("model event");
                if let Some(schema) = typed.schema_name() {
                    assert_valid(schema, &body);
                }
                body
            })
            .collect()
    }
}

impl Env {
    pub(crate) fn sim(&self) -> &SimHandle {
        &self.sim
    }

    pub(crate) fn state(&self) -> &AppState {
        &self.state
    }

    #[allow(dead_code)]
    pub(crate) fn clock(&self) -> &ManualClock {
        &self.clock
    }
}

impl Drop for Env {
    /// Stops the server (the simulator and database stop with their own handles).
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn data_path(kind: &str, user: &str, days: i64) -> String {
    let end = Utc::now().date_naive() + chrono::Days::new(1);
    let start = end - chrono::Days::new(u64::try_from(days).unwrap_or(0));
    format!("/v2/{kind}?user_id={user}&start_date={start}&end_date={end}&to_webhook=false")
}

connect_test!(widget_flow_connects_and_backfills_all_types, |env| {
    let dev = env.developer("widget").await;
    let landing = env
        .connect_with_widget(&dev, "ref-42", "allow", "alice")
        .await;
    assert_eq!(landing.host_str(), Some("app.example"));
    assert_eq!(query(&landing, "step").as_deref(), Some("2"));
    assert_eq!(query(&landing, "resource").as_deref(), Some("SANDBOX"));
    assert_eq!(query(&landing, "reference_id").as_deref(), Some("ref-42"));
    let user = query(&landing, "user_id").expect("user_id");
    let auth = env.events(&dev, "auth").await;
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0]["user"]["user_id"], user.as_str());

    env.run_backfill().await;
    for kind in [
        "activity",
        "body",
        "daily",
        "menstruation",
        "nutrition",
        "sleep",
    ] {
        let body = env
            .call(
                &dev,
                reqwest::Method::GET,
                &data_path(kind, &user, 40),
                None,
                200,
            )
            .await;
        assert_valid(&format!("api/DataResponse.{kind}"), &body);
        let count = body["data"].as_array().map_or(0, Vec::len);
        if kind != "menstruation" {
            assert!(
                count >= 25,
                "{kind}: only {count} records after a 30-day backfill"
            );
        }
    }
    let athlete = env
        .call(
            &dev,
            reqwest::Method::GET,
            &format!("/v2/athlete?user_id={user}&to_webhook=false"),
            None,
            200,
        )
        .await;
    assert_valid("v2/AthleteCollection", &athlete);
    assert!(athlete.get("athlete").is_some(), "{athlete}");
    assert!(
        !env.events(&dev, "sleep").await.is_empty(),
        "backfill appended no sleep events"
    );
    let info = env
        .call(
            &dev,
            reqwest::Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(info["user"]["reference_id"], "ref-42");

    // An unchanged re-fetch stores nothing and sends nothing.
    let before = env.events(&dev, "sleep").await.len();
    let (dev_id, user_id) = (
        DeveloperId::parse(&dev.id).expect("dev"),
        UserId::parse(&user).expect("user"),
    );
    let stored = env
        .store
        .get_user(&dev_id, &user_id)
        .await
        .expect("user")
        .expect("exists");
    let (provider, ctx) =
        wearbridge_server::adapters::adapter(&env.state, "SANDBOX").expect("adapter");
    let token = wearbridge_server::connect::vault::access_token(
        &env.state,
        provider.as_ref(),
        &ctx,
        &dev_id,
        &user_id,
        None,
    )
    .await
    .expect("token");
    let today = Utc::now().date_naive();
    let range = wearbridge_providers::FetchRange {
        start: today - chrono::Days::new(6),
        end: today,
    };
    let records = provider
        .fetch(&ctx, &token.token, wearbridge_model::DataType::Sleep, range)
        .await
        .expect("fetch");
    let summary = wearbridge_server::ingest::ingest_records(&env.store, &stored, records)
        .await
        .expect("ingest");
    assert_eq!(
        (summary.inserted, summary.updated, summary.events),
        (0, 0, 0),
        "{summary:?}"
    );
    assert_eq!(env.events(&dev, "sleep").await.len(), before);
});

connect_test!(authenticate_user_reserves_the_user_id, |env| {
    let dev = env.developer("direct").await;
    let started = env
        .call(
            &dev,
            reqwest::Method::POST,
            "/v2/auth/authenticateUser?resource=sandbox",
            Some(json!({"reference_id": "bob"})),
            200,
        )
        .await;
    assert_valid("api/sdk/Authentication_AuthenticateUser.200", &started);
    let reserved = started["user_id"].as_str().expect("user_id").to_owned();
    let auth_url = started["auth_url"].as_str().expect("auth_url");
    let landing = env.consent(auth_url, "allow", "bob-account").await;
    assert_eq!(landing.path(), "/widget/success");
    assert_eq!(
        query(&landing, "user_id").as_deref(),
        Some(reserved.as_str())
    );
    assert_eq!(query(&landing, "reference_id").as_deref(), Some("bob"));
    let (status, page) = env.browse(landing.as_str()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&reserved) && page.contains("/v2/sleep?user_id="),
        "{page}"
    );
    env.call(
        &dev,
        reqwest::Method::GET,
        &format!("/v2/userInfo?user_id={reserved}"),
        None,
        200,
    )
    .await;
    env.call(
        &dev,
        reqwest::Method::POST,
        "/v2/auth/authenticateUser?resource=NOPE",
        None,
        404,
    )
    .await;
});

connect_test!(denied_consent_redirects_to_the_failure_url, |env| {
    let dev = env.developer("deny").await;
    let landing = env
        .connect_with_widget(&dev, "carol", "deny", "carol")
        .await;
    assert_eq!(landing.path(), "/failed");
    assert_eq!(query(&landing, "reason").as_deref(), Some("access_denied"));
    assert_eq!(query(&landing, "reference_id").as_deref(), Some("carol"));
    let errors = env.events(&dev, "auth").await;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["status"], "error");
    assert_eq!(errors[0]["reason"], "access_denied");
    let users = env
        .call(
            &dev,
            reqwest::Method::GET,
            "/v2/userInfo?reference_id=carol",
            None,
            200,
        )
        .await;
    assert_eq!(users, json!([]), "a denied connection created a user");
});

connect_test!(expired_and_unknown_sessions_say_so, |env| {
    let dev = env.developer("expiry").await;
    let rejected = env
        .call(
            &dev,
            reqwest::Method::POST,
            "/v2/auth/generateWidgetSession",
            Some(json!({"providers": "SANDBOX,NOPE"})),
            400,
        )
        .await;
    assert_valid(
        "api/sdk/Authentication_GenerateWidgetSession.400",
        &rejected,
    );
    let newer = env
        .call(
            &dev,
            reqwest::Method::POST,
            "/widget/api/session",
            Some(json!({"providers": "sandbox"})),
            200,
        )
        .await;
    assert_valid("api/widget/GenerateWidgetSession.200", &newer);
    let session = env.widget_session(&dev, json!({})).await;
    assert_eq!(session["expires_in"], 900.0);
    let url = session["url"].as_str().expect("url").to_owned();
    env.clock.advance(chrono::Duration::seconds(901));
    let (status, page) = env.browse(&url).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("expired"), "{page}");
    let (status, _) = env.browse(&format!("{url}/connect/SANDBOX")).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, page) = env
        .browse(&format!("{}/widget/session/nope", env.base_url))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("not valid"), "{page}");
});

connect_test!(replayed_and_forged_state_are_rejected, |env| {
    let dev = env.developer("replay").await;
    let session = env
        .widget_session(&dev, json!({"reference_id": "dave"}))
        .await;
    let page_url = session["url"].as_str().expect("url");
    let (_, authorize) = env.browse(&format!("{page_url}/connect/SANDBOX")).await;
    let (_, callback) = env
        .browse(&format!("{authorize}&consent=allow&sim_user=dave"))
        .await;
    let (status, first) = env.browse(&callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(first.contains("user_id="), "{first}");
    let (_, replay) = env.browse(&callback).await;
    let replay = Url::parse(&replay).expect("url");
    assert_eq!(query(&replay, "reason").as_deref(), Some("invalid_state"));
    let forged = format!(
        "{}/v2/auth/callback/sandbox?code=x&state=0123",
        env.base_url
    );
    let (_, forged) = env.browse(&forged).await;
    let forged = Url::parse(&forged).expect("url");
    assert_eq!(forged.path(), "/widget/failure");
    assert_eq!(query(&forged, "reason").as_deref(), Some("invalid_state"));
    let users = env
        .call(
            &dev,
            reqwest::Method::GET,
            "/v2/userInfo?reference_id=dave",
            None,
            200,
        )
        .await;
    assert_eq!(users.as_array().map(Vec::len), Some(1), "{users}");
});

connect_test!(reconnect_issues_a_new_user_and_user_reauth, |env| {
    let dev = env.developer("reconnect").await;
    let first = env
        .connect_with_widget(&dev, "erin", "allow", "erin-acct")
        .await;
    let second = env
        .connect_with_widget(&dev, "erin", "allow", "erin-acct")
        .await;
    let (old, new) = (
        query(&first, "user_id").expect("old"),
        query(&second, "user_id").expect("new"),
    );
    assert_ne!(old, new);
    let reauth = env.events(&dev, "user_reauth").await;
    assert_eq!(reauth.len(), 1);
    assert_eq!(reauth[0]["old_user"]["user_id"], old.as_str());
    assert_eq!(reauth[0]["new_user"]["user_id"], new.as_str());
    assert_eq!(env.events(&dev, "auth").await.len(), 2);
    let users = env
        .call(
            &dev,
            reqwest::Method::GET,
            "/v2/userInfo?reference_id=erin",
            None,
            200,
        )
        .await;
    assert_eq!(users.as_array().map(Vec::len), Some(1), "{users}");
    assert_eq!(users[0]["user_id"], new.as_str());
    env.call(
        &dev,
        reqwest::Method::GET,
        &format!("/v2/userInfo?user_id={old}"),
        None,
        404,
    )
    .await;
});

connect_test!(deauthentication_revokes_and_hides_the_user, |env| {
    let dev = env.developer("deauth").await;
    let other = env.developer("other").await;
    let landing = env
        .connect_with_widget(&dev, "frank", "allow", "frank")
        .await;
    let user = query(&landing, "user_id").expect("user");
    env.run_backfill().await;
    // Another developer sees nothing of this user.
    env.call(
        &other,
        reqwest::Method::GET,
        &format!("/v2/userInfo?user_id={user}"),
        None,
        404,
    )
    .await;
    env.call(
        &other,
        reqwest::Method::GET,
        &data_path("sleep", &user, 7),
        None,
        404,
    )
    .await;
    env.call(
        &other,
        reqwest::Method::DELETE,
        &format!("/v2/auth/deauthenticateUser?user_id={user}"),
        None,
        404,
    )
    .await;

    let done = env
        .call(
            &dev,
            reqwest::Method::DELETE,
            &format!("/v2/auth/deauthenticateUser?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_valid("api/sdk/Authentication_DeauthenticateUser.200", &done);
    let log = env.sim.requests().records(Some("sandbox"));
    let revocations = log
        .iter()
        .filter(|record| record.path.contains("/oauth/revoke"))
        .count();
    let paths: Vec<_> = log
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.status))
        .collect();
    assert_eq!(revocations, 1, "no revocation at the provider: {paths:?}");
    env.call(
        &dev,
        reqwest::Method::GET,
        &format!("/v2/userInfo?user_id={user}"),
        None,
        404,
    )
    .await;
    env.call(
        &dev,
        reqwest::Method::GET,
        &data_path("sleep", &user, 7),
        None,
        404,
    )
    .await;
    let deauth = env.events(&dev, "deauth").await;
    assert_eq!(deauth.len(), 1);
    assert_eq!(deauth[0]["user"]["user_id"], user.as_str());
    let dev_id = DeveloperId::parse(&dev.id).expect("dev");
    let user_id = UserId::parse(&user).expect("user");
    assert!(
        env.store
            .get_connection(&dev_id, &user_id)
            .await
            .expect("read")
            .is_none()
    );
    env.call(
        &dev,
        reqwest::Method::DELETE,
        &format!("/v2/auth/deauthenticateUser?user_id={user}"),
        None,
        404,
    )
    .await;
});

connect_test!(
    expired_access_token_is_refreshed_once_with_rotation,
    |env| {
        let dev = env.developer("refresh").await;
        let landing = env.connect_with_widget(&dev, "gina", "allow", "gina").await;
        let user = query(&landing, "user_id").expect("user");
        let (dev_id, user_id) = (
            DeveloperId::parse(&dev.id).expect("dev"),
            UserId::parse(&user).expect("user"),
        );
        let before = env
            .store
            .get_connection(&dev_id, &user_id)
            .await
            .expect("read")
            .expect("connection");
        let old_tokens = open(&env.state.cipher, &before).expect("decrypt");
        // The provider expires the access token before the backfill uses it: the first
        // fetch is rejected, the worker refreshes once (rotating the refresh token) and goes on.
        let oauth = env.sim.oauth(SimProvider::Sandbox).expect("sandbox oauth");
        assert!(oauth.expire_access_tokens(Some("gina")) > 0);
        env.run_backfill().await;
        let after = env
            .store
            .get_connection(&dev_id, &user_id)
            .await
            .expect("read")
            .expect("connection");
        assert_eq!(
            after.version,
            before.version + 1,
            "expected exactly one refresh"
        );
        let new_tokens = open(&env.state.cipher, &after).expect("decrypt");
        let (old_refresh, new_refresh) = (
            old_tokens
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            new_tokens
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
        );
        assert!(old_refresh.is_some() && new_refresh.is_some());
        assert_ne!(old_refresh, new_refresh, "refresh token did not rotate");
        let body = env
            .call(
                &dev,
                reqwest::Method::GET,
                &data_path("daily", &user, 40),
                None,
                200,
            )
            .await;
        assert!(
            body["data"].as_array().map_or(0, Vec::len) >= 25,
            "backfill incomplete after refresh"
        );
        let jobs = env
            .store
            .list_jobs(wearbridge_store::JobFilter {
                kind: Some("backfill".into()),
                ..Default::default()
            })
            .await
            .expect("jobs");
        assert!(
            jobs.iter()
                .all(|job| job.state == wearbridge_store::JobState::Completed),
            "{jobs:?}"
        );
    }
);

connect_test!(a_revoked_grant_marks_the_user_inactive, |env| {
    let dev = env.developer("revoked").await;
    let landing = env.connect_with_widget(&dev, "hank", "allow", "hank").await;
    let user = query(&landing, "user_id").expect("user");
    let oauth = env.sim.oauth(SimProvider::Sandbox).expect("sandbox oauth");
    assert!(oauth.revoke_account("hank") > 0);
    env.run_backfill().await;
    let revoked = env.events(&dev, "access_revoked").await;
    assert_eq!(revoked.len(), 1, "no access_revoked event");
    let info = env
        .call(
            &dev,
            reqwest::Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(info["user"]["active"], false);
});

connect_test!(no_token_is_stored_in_plain_text, |env| {
    let dev = env.developer("vault").await;
    let landing = env.connect_with_widget(&dev, "ivy", "allow", "ivy").await;
    let user = query(&landing, "user_id").expect("user");
    let (dev_id, user_id) = (
        DeveloperId::parse(&dev.id).expect("dev"),
        UserId::parse(&user).expect("user"),
    );
    let connection = env
        .store
        .get_connection(&dev_id, &user_id)
        .await
        .expect("read")
        .expect("connection");
    let tokens = open(&env.state.cipher, &connection).expect("decrypt");
    let mut secrets = vec![tokens.access_token.expose_secret().to_owned()];
    secrets.extend(
        tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
    );
    assert!(
        secrets.iter().all(|secret| secret.len() >= 16),
        "unexpectedly short tokens"
    );
    let stored = stored_text(&env).await;
    assert!(!stored.is_empty());
    for secret in &secrets {
        assert!(
            !stored.contains(secret.as_str()),
            "a provider token is stored in plain text"
        );
    }
});

/// Everything the database holds that could contain a token: on SQLite the raw bytes of
/// the database file and its WAL; on PostgreSQL every text column of the connect tables.
async fn stored_text(env: &Env) -> String {
    match env.store.backend() {
        Backend::Sqlite => {
            let path = env.database_url.trim_start_matches("sqlite://");
            let path = path.split('?').next().unwrap_or(path);
            let mut bytes = std::fs::read(path).expect("database file");
            if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                bytes.extend(wal);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Backend::Postgres => {
            use sqlx::{Connection, Row};
            let mut conn = sqlx::PgConnection::connect(&env.database_url)
                .await
                .expect("pg");
            let mut text = String::new();
            for sql in [
                "SELECT concat_ws('|', user_id, access_token_enc, refresh_token_enc, scopes) FROM connections",
                "SELECT concat_ws('|', state_hash, session_id, pkce_verifier_enc, redirect_uri) FROM oauth_states",
                "SELECT concat_ws('|', id, provider, provider_user_id, scopes) FROM users",
                "SELECT concat_ws('|', body) FROM events",
                "SELECT concat_ws('|', payload, progress, last_error) FROM jobs",
            ] {
                for row in sqlx::query(sql).fetch_all(&mut conn).await.expect("select") {
                    text.push_str(&row.try_get::<String, _>(0).unwrap_or_default());
                }
            }
            text
        }
    }
}

connect_test!(mobile_sdk_tokens_are_single_use, |env| {
    let dev = env.developer("sdk").await;
    let issued = env
        .call(
            &dev,
            reqwest::Method::POST,
            "/v2/auth/generateAuthToken",
            None,
            200,
        )
        .await;
    assert_valid("api/sdk/Authentication_GenerateAuthToken.200", &issued);
    assert_eq!(issued["expires_in"], 180);
    let token = issued["token"].as_str().expect("token").to_owned();
    let exchange = |token: String| {
        env.http
            .post(format!("{}/v2/auth/sdk/connect", env.base_url))
            .json(&json!({"token": token, "resource": "APPLE", "reference_id": "jo"}))
            .send()
    };
    let first = exchange(token.clone()).await.expect("exchange");
    assert_eq!(first.status(), StatusCode::OK);
    let body: Value = first.json().await.expect("json");
    assert_eq!(body["resource"], "APPLE");
    let user = body["user_id"].as_str().expect("user").to_owned();
    let info = env
        .call(
            &dev,
            reqwest::Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(info["user"]["provider"], "APPLE");
    let replay = exchange(token).await.expect("exchange");
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
});

connect_test!(
    a_crashed_backfill_resumes_from_its_checkpoint_with_a_refreshed_token,
    |env| {
        let dev = env.developer("resume").await;
        let landing = env.connect_with_widget(&dev, "kim", "allow", "kim").await;
        let user = query(&landing, "user_id").expect("user");
        // A worker claims the job, checkpoints 7 chunks (the first 7-day window of every
        // type), and dies without finishing; its lease then runs out.
        let lease = Duration::from_secs(120);
        let now = env.clock.now().timestamp_micros();
        let job = env
            .store
            .claim_job("crashed-worker", &["backfill"], lease, now)
            .await
            .expect("claim")
            .expect("a queued backfill job");
        let types = env
            .state
            .providers
            .get("SANDBOX")
            .expect("sandbox")
            .supported_types()
            .len();
        let progress = json!({ "chunks_done": types }).to_string();
        assert!(
            env.store
                .update_job_progress(&job.id, &progress)
                .await
                .expect("progress")
        );
        // Meanwhile the access token expires at the provider.
        let oauth = env.sim.oauth(SimProvider::Sandbox).expect("sandbox oauth");
        assert!(oauth.expire_access_tokens(Some("kim")) > 0);
        env.clock.advance(chrono::Duration::seconds(121));
        env.run_backfill().await;

        let dev_id = DeveloperId::parse(&dev.id).expect("dev");
        let user_id = UserId::parse(&user).expect("user");
        let connection = env
            .store
            .get_connection(&dev_id, &user_id)
            .await
            .expect("read")
            .expect("connection");
        assert_eq!(
            connection.version, 2,
            "expected one refresh after the expiry"
        );
        let jobs = env
            .store
            .list_jobs(wearbridge_store::JobFilter {
                kind: Some("backfill".into()),
                ..Default::default()
            })
            .await
            .expect("jobs");
        assert_eq!(jobs.len(), 1);
        assert_eq!(
            jobs[0].state,
            wearbridge_store::JobState::Completed,
            "{jobs:?}"
        );
        // The checkpointed window was not fetched again: the oldest days stay empty while
        // the rest of the 30 days arrived.
        let start = env.clock.now().date_naive() - chrono::Days::new(29);
        let first_window = format!(
            "/v2/daily?user_id={user}&start_date={start}&end_date={}&to_webhook=false",
            start + chrono::Days::new(5)
        );
        let early = env
            .call(&dev, reqwest::Method::GET, &first_window, None, 200)
            .await;
        assert_eq!(
            early["data"].as_array().map(Vec::len),
            Some(0),
            "resumed from the start: {early}"
        );
        let all = env
            .call(
                &dev,
                reqwest::Method::GET,
                &data_path("daily", &user, 40),
                None,
                200,
            )
            .await;
        assert!(all["data"].as_array().map_or(0, Vec::len) >= 20, "{all}");
    }
);

connect_test!(a_state_is_bound_to_its_provider_and_expires, |env| {
    let dev = env.developer("binding").await;
    let session = env
        .widget_session(&dev, json!({"reference_id": "lee"}))
        .await;
    let page_url = session["url"].as_str().expect("url").to_owned();
    // A genuine state presented on another provider's callback is rejected and spent.
    let (_, authorize) = env.browse(&format!("{page_url}/connect/SANDBOX")).await;
    let (_, callback) = env
        .browse(&format!("{authorize}&consent=allow&sim_user=lee"))
        .await;
    let elsewhere = callback.replace("/callback/sandbox", "/callback/garmin");
    let (_, landing) = env.browse(&elsewhere).await;
    let landing = Url::parse(&landing).expect("url");
    assert_eq!(query(&landing, "reason").as_deref(), Some("invalid_state"));
    let (_, landing) = env.browse(&callback).await;
    let landing = Url::parse(&landing).expect("url");
    assert_eq!(
        query(&landing, "reason").as_deref(),
        Some("invalid_state"),
        "the state was not spent"
    );
    // A state older than ten minutes is refused even though the session is still valid.
    let (_, authorize) = env.browse(&format!("{page_url}/connect/SANDBOX")).await;
    let (_, callback) = env
        .browse(&format!("{authorize}&consent=allow&sim_user=lee"))
        .await;
    env.clock.advance(chrono::Duration::seconds(601));
    let (_, landing) = env.browse(&callback).await;
    let landing = Url::parse(&landing).expect("url");
    assert_eq!(landing.host_str(), Some("127.0.0.1"));
    assert_eq!(query(&landing, "reason").as_deref(), Some("state_expired"));
    let users = env
        .call(
            &dev,
            reqwest::Method::GET,
            "/v2/userInfo?reference_id=lee",
            None,
            200,
        )
        .await;
    assert_eq!(users, json!([]));
    assert_eq!(
        env.events(&dev, "auth").await.len(),
        2,
        "one auth error event per failed attempt"
    );
});

connect_test!(concurrent_refreshes_call_the_provider_once, |env| {
    let dev = env.developer("race").await;
    let landing = env.connect_with_widget(&dev, "mo", "allow", "mo").await;
    let user = query(&landing, "user_id").expect("user");
    let (dev_id, user_id) = (
        DeveloperId::parse(&dev.id).expect("dev"),
        UserId::parse(&user).expect("user"),
    );
    let token_calls = || {
        env.sim
            .requests()
            .records(Some("sandbox"))
            .iter()
            .filter(|record| record.path.contains("/oauth/token"))
            .count()
    };
    let before = token_calls();
    let (provider, ctx) =
        wearbridge_server::adapters::adapter(&env.state, "SANDBOX").expect("adapter");
    // Four workers find the same access token rejected at once.
    let attempts = (0..4).map(|_| {
        wearbridge_server::connect::vault::access_token(
            &env.state,
            provider.as_ref(),
            &ctx,
            &dev_id,
            &user_id,
            Some(1),
        )
    });
    let tokens = futures::future::join_all(attempts).await;
    let tokens: Vec<String> = tokens
        .into_iter()
        .map(|token| token.expect("fresh token").token.expose_secret().to_owned())
        .collect();
    assert_eq!(
        token_calls(),
        before + 1,
        "the refresh token was spent more than once"
    );
    assert!(
        tokens.windows(2).all(|pair| pair[0] == pair[1]),
        "workers got different tokens"
    );
    let connection = env
        .store
        .get_connection(&dev_id, &user_id)
        .await
        .expect("read")
        .expect("connection");
    assert_eq!(connection.version, 2);
});
