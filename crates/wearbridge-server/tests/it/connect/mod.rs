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
use wearbridge_server::clock::ManualClock;
use wearbridge_server::config::Config;
use wearbridge_server::crypto::Cipher;
use wearbridge_server::developers::create_developer;
use wearbridge_server::jobs::backfill;
use wearbridge_server::state::AppState;
use wearbridge_server::sync::SyncSettings;
use wearbridge_sim::{SimConfig, SimHandle, SimProvider, Simulator};
use wearbridge_store::ids::DeveloperId;
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

impl Dev {
    /// The API key (for tests that send requests byte for byte).
    pub(crate) fn api_key(&self) -> &str {
        &self.key
    }
}

#[macro_export]
macro_rules! connect_test {
    ($name:ident, |$env:ident| $body:block) => {
        $crate::connect_test!($name, settings = $crate::connect::flow_settings(), |$env| $body);
    };
    ($name:ident, settings = $settings:expr, |$env:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($env: Env) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(env) = Env::spawn_with(Backend::Sqlite, $settings).await {
                    run(env).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(env) = Env::spawn_with(Backend::Postgres, $settings).await {
                    run(env).await;
                }
            }
        }
    };
}

/// The sync settings of the connect and provider flows: reads see today and yesterday
/// as fresh for a day, because `drain_jobs` moves the test clock a minute per round and
/// these flows read what the backfill stored (freshness refetches are `on_demand.rs`'s
/// subject).
pub(crate) fn flow_settings() -> SyncSettings {
    let mut sync = SyncSettings::default();
    sync.read_freshness = Duration::from_secs(86_400);
    sync
}

impl Env {
    /// A server on `backend` with the flows' sync settings ([`flow_settings`]).
    pub(crate) async fn spawn(backend: Backend) -> Option<Env> {
        Env::spawn_with(backend, flow_settings()).await
    }

    /// [`Env::spawn`] with these sync engine settings.
    pub(crate) async fn spawn_with(backend: Backend, sync: SyncSettings) -> Option<Env> {
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
        config.webhooks.allow_loopback = true;
        config.public_url = Some(Url::parse(&base_url).expect("url"));
        let cipher = Cipher::from_key_spec(&Cipher::generate_key_spec()).expect("key");
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let sim_url = Url::parse(&sim.base_url()).expect("sim url");
        let endpoints = wearbridge_sim::layout::endpoints(&sim_url);
        let state = AppState::new(store.clone(), config, cipher)
            .with_providers(Registry::new(ProvidersConfig::sandbox(endpoints)))
            .with_sync(sync)
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
        self.developer_with_webhook(name, None).await
    }

    /// A developer whose webhook URL is `webhook` (events queue for it; nothing in these
    /// tests delivers them).
    pub(crate) async fn developer_with_webhook(&self, name: &str, webhook: Option<&str>) -> Dev {
        let created = create_developer(
            &self.store,
            &self.state.cipher,
            name,
            (webhook, &crate::harness::loopback()),
        )
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
        backfill::run_pending(&self.state.services(), "test-worker")
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

mod flow;
mod isolation;
mod state;
mod tokens;
