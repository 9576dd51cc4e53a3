//! Test harness: [`TestApp`] (the real app on port 0 with a fresh database), a typed
//! client that states the expected status of every call and validates every body
//! against Terra's schemas, a [`WebhookReceiver`] for the delivery tests to come, and
//! [`backend_test!`] to run one test body on both backends.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode};
use reqwest::RequestBuilder;
use serde_json::Value;
use wearbridge_model::TerraRecord;
use wearbridge_server::app::RunningServer;
use wearbridge_server::config::Config;
use wearbridge_server::crypto::Cipher;
use wearbridge_server::developers::create_developer;
use wearbridge_server::ingest::{prepare_record, store_records};
use wearbridge_server::state::AppState;
use wearbridge_store::ids::UserId;
use wearbridge_store::testing::{TestDatabase, fresh_database_url};
use wearbridge_store::{Backend, NewUser, Store};

pub use secrecy::ExposeSecret;

/// Runs one async test body as two tests, `sqlite` and `postgres`, in a module named
/// after the test. The body receives a started [`TestApp`].
macro_rules! backend_test {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::harness::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::harness::TestApp::spawn(wearbridge_store::Backend::Sqlite).await {
                    run(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::harness::TestApp::spawn(wearbridge_store::Backend::Postgres).await {
                    run(app).await;
                }
            }
        }
    };
}
pub(crate) use backend_test;

/// A running server with its own fresh database.
pub struct TestApp {
    pub base_url: String,
    pub store: Store,
    pub state: AppState,
    pub http: reqwest::Client,
    server: Option<RunningServer>,
    _database: TestDatabase,
}

/// A developer created through the same code path as `wearbridge developer create`.
#[derive(Debug, Clone)]
pub struct TestDeveloper {
    pub dev_id: String,
    pub api_key: String,
    pub webhook_signing_secret: String,
}

impl TestApp {
    /// Starts the app on a fresh database of `backend`; `None` when that backend is not
    /// configured (PostgreSQL without `WEARBRIDGE_TEST_POSTGRES_URL`).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// [`TestApp::spawn`] with a chance to adjust the configuration first.
    pub async fn spawn_with(
        backend: Backend,
        configure: impl FnOnce(&mut Config),
    ) -> Option<TestApp> {
        Self::spawn_adjusted(backend, configure, |state| state).await
    }

    /// [`TestApp::spawn_with`], and the state adjusted before the server starts (a
    /// [`wearbridge_server::clock::ManualClock`] for time-dependent behaviour).
    pub async fn spawn_adjusted(
        backend: Backend,
        configure: impl FnOnce(&mut Config),
        adjust: impl FnOnce(AppState) -> AppState,
    ) -> Option<TestApp> {
        let (url, database) = fresh_database_url(backend)
            .await
            .expect("cannot create a test database")?;
        let store = Store::connect(&url)
            .await
            .expect("cannot connect to the test database");
        store.migrate().await.expect("migrations failed");
        let mut config = Config::for_database(&url, SocketAddr::from(([127, 0, 0, 1], 0)));
        // The capturing receivers listen on loopback.
        config.webhooks.allow_loopback = true;
        configure(&mut config);
        let cipher =
            Cipher::from_key_spec(&Cipher::generate_key_spec()).expect("generated key is valid");
        // Every compiled-in provider listed (no adapters): the endpoint tests need the
        // listing, not provider calls (those run against the simulator in connect/sync).
        let state = adjust(
            AppState::new(store.clone(), config, cipher)
                .with_providers(wearbridge_providers::Registry::builtin()),
        );
        let server = RunningServer::start(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("cannot start the server");
        Some(TestApp {
            base_url: server.base_url(),
            store,
            state,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            server: Some(server),
            _database: database,
        })
    }

    /// Creates a developer exactly as the CLI does.
    pub async fn developer(&self, name: &str) -> TestDeveloper {
        let credentials =
            create_developer(&self.store, &self.state.cipher, name, (None, &loopback()))
                .await
                .expect("developer creation failed");
        TestDeveloper {
            dev_id: credentials.dev_id.to_string(),
            api_key: credentials.api_key.expose_secret().to_owned(),
            webhook_signing_secret: credentials
                .webhook_signing_secret
                .expose_secret()
                .to_owned(),
        }
    }

    /// Creates a connected user for `developer` directly in the store (the connect flow
    /// arrives with its own issue).
    pub async fn user(&self, developer: &TestDeveloper, reference_id: Option<&str>) -> UserId {
        let dev_id = developer.dev_id.parse().expect("dev id");
        self.store
            .create_user(
                &dev_id,
                NewUser {
                    provider: "SANDBOX".to_owned(),
                    provider_user_id: None,
                    reference_id: reference_id.map(str::to_owned),
                    scopes: None,
                },
            )
            .await
            .expect("user creation failed")
            .id
    }

    /// Stores records as fetched data would be, through the server's ingest path.
    pub async fn seed<T: TerraRecord>(
        &self,
        developer: &TestDeveloper,
        user: &UserId,
        records: &[Value],
    ) {
        let dev_id = developer.dev_id.parse().expect("dev id");
        let rows: Vec<_> = records
            .iter()
            .enumerate()
            .map(|(index, value)| {
                let record: T =
                    serde_json::from_value(value.clone()).expect("fixture parses as the model");
                prepare_record(&record, index).expect("fixture has an identity")
            })
            .collect();
        store_records(&self.store, &dev_id, user, &rows)
            .await
            .expect("seeding failed");
    }

    /// A client sending `developer`'s credentials.
    pub fn client(&self, developer: &TestDeveloper) -> Client<'_> {
        Client {
            app: self,
            headers: vec![
                ("dev-id".to_owned(), developer.dev_id.clone()),
                ("x-api-key".to_owned(), developer.api_key.clone()),
            ],
        }
    }

    /// A client sending no credentials.
    pub fn anonymous(&self) -> Client<'_> {
        Client {
            app: self,
            headers: Vec::new(),
        }
    }

    /// A client sending exactly these headers.
    pub fn with_headers(&self, headers: &[(&str, &str)]) -> Client<'_> {
        Client {
            app: self,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// Stops the server (tests that check shutdown behaviour).
    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("server stopped with an error");
        }
    }
}

/// A response whose status was already checked.
#[derive(Debug)]
pub struct Checked {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Checked {
    /// The body as JSON (panics with the body text when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.text))
    }

    /// The body as JSON after validating it against `schema` (no undeclared keys).
    pub fn valid(&self, schema: &str) -> Value {
        let json = self.json();
        assert_valid(schema, &json);
        json
    }

    /// The error message of a Terra error envelope, after checking its shape.
    pub fn error_message(&self) -> String {
        let json = self.json();
        if self.status == StatusCode::UNAUTHORIZED {
            assert_valid("api/sdk/Activity_Fetch.401", &json);
        } else {
            assert_eq!(
                json["status"], "error",
                "error envelope without status: {json}"
            );
            assert_valid("api/sdk/Activity_Fetch.400", &json);
        }
        json["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no message in {json}"))
    }
}

/// Validates `value` against a committed Terra schema, with no undeclared keys.
/// The target guard as sandbox mode sets it: the tests' receivers listen on loopback.
pub fn loopback() -> wearbridge_server::outbound::TargetPolicy {
    wearbridge_server::outbound::TargetPolicy {
        allow_loopback: true,
        ..Default::default()
    }
}

pub fn assert_valid(schema: &str, value: &Value) {
    if let Err(errors) = wearbridge_model::testing::validate(schema, value) {
        panic!(
            "body does not match {schema}:\n  {}\nbody: {value}",
            errors.join("\n  ")
        );
    }
}

/// Validates a `/subscriptions` body. Terra's `User_List.200` is a `oneOf` of two object
/// shapes with no required keys, so every object matches both branches and a plain
/// validation always fails; check the branch by its key instead, and each user against
/// the current `TerraUser` schema.
pub fn assert_valid_subscriptions(value: &Value) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"));
    let keys: Vec<&String> = object.keys().collect();
    let users = match keys.as_slice() {
        [key] if key.as_str() == "users" => &value["users"],
        [key] if key.as_str() == "data" => {
            let page = &value["data"];
            let mut page_keys: Vec<&String> = page
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            page_keys.sort();
            assert_eq!(page_keys, ["max_page", "next", "results"], "{value}");
            assert!(page["max_page"].is_i64(), "{value}");
            assert!(page["next"].is_i64() || page["next"].is_null(), "{value}");
            &page["results"]
        }
        _ => panic!("unexpected keys in {value}"),
    };
    for user in users
        .as_array()
        .unwrap_or_else(|| panic!("users not an array: {value}"))
    {
        assert_valid("v2/TerraUser", user);
    }
}

/// Validates against an SDK-era schema whose `TerraUser` predates `created_at`: the one
/// documented deviation (we send the current spec's `created_at` everywhere).
pub fn assert_valid_sdk_user_shape(schema: &str, value: &Value) {
    if let Err(errors) = wearbridge_model::testing::validate(schema, value) {
        let unexpected: Vec<_> = errors
            .iter()
            .filter(|error| !(error.contains("/user") && error.contains("created_at")))
            .collect();
        assert!(
            unexpected.is_empty(),
            "body does not match {schema}: {unexpected:?}\nbody: {value}"
        );
    }
}

/// Validates a `to_webhook=true` acknowledgement: exactly Terra's current
/// `DataSentToWebhook`, and the SDK-era one (what terra-python 1.1 parses) once the two
/// keys the current spec added (`status`, `trace_id`) are set aside.
pub fn assert_valid_acknowledgement(value: &Value) {
    assert_valid("v2/DataSentToWebhook", value);
    assert_eq!(value["status"], "success", "{value}");
    assert_eq!(value["trace_id"], value["reference"], "{value}");
    let mut sdk_era = value.clone();
    if let Some(object) = sdk_era.as_object_mut() {
        object.remove("status");
        object.remove("trace_id");
    }
    assert_valid_sdk_user_shape("sdk/DataSentToWebhook", &sdk_era);
}

/// A client bound to one app and one set of headers.
pub struct Client<'a> {
    app: &'a TestApp,
    headers: Vec<(String, String)>,
}

impl Client<'_> {
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut request = self
            .app
            .http
            .request(method, format!("{}{path}", self.app.base_url));
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
    }

    /// `GET path`, expecting `status`.
    pub async fn get(&self, path: &str, status: u16) -> Checked {
        send(self.request(Method::GET, path), status).await
    }

    /// `method path` with a JSON body, expecting `status`.
    pub async fn json(&self, method: Method, path: &str, body: &Value, status: u16) -> Checked {
        send(self.request(method, path).json(body), status).await
    }

    /// `method path` with a raw body and content type, expecting `status`.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        status: u16,
    ) -> Checked {
        send(
            self.request(method, path)
                .header("content-type", content_type)
                .body(body),
            status,
        )
        .await
    }
}

async fn send(request: RequestBuilder, status: u16) -> Checked {
    let response = request.send().await.expect("request failed");
    let actual = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body unreadable");
    assert_eq!(actual.as_u16(), status, "unexpected status; body: {text}");
    Checked {
        status: actual,
        headers,
        text,
    }
}

/// One request captured by [`WebhookReceiver`].
#[derive(Debug, Clone)]
pub struct CapturedRequest {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

/// A local HTTP endpoint that records every request and answers with a configurable
/// status after a configurable delay (for webhook delivery tests).
pub struct WebhookReceiver {
    pub url: String,
    captured: Arc<Mutex<Vec<CapturedRequest>>>,
    behaviour: Arc<Mutex<(StatusCode, Duration)>>,
    _task: tokio::task::JoinHandle<()>,
}

impl WebhookReceiver {
    pub async fn start() -> WebhookReceiver {
        let captured = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Mutex::new((StatusCode::OK, Duration::ZERO)));
        let (log, respond) = (captured.clone(), behaviour.clone());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: axum::http::Uri, headers: HeaderMap, body: bytes::Bytes| {
                let (log, respond) = (log.clone(), respond.clone());
                async move {
                    log.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(CapturedRequest {
                            method,
                            path: uri.to_string(),
                            headers,
                            body,
                        });
                    let (status, delay) = *respond.lock().unwrap_or_else(PoisonError::into_inner);
                    tokio::time::sleep(delay).await;
                    status
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!(
            "http://{}/webhook",
            listener.local_addr().expect("receiver address")
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        WebhookReceiver {
            url,
            captured,
            behaviour,
            _task: task,
        }
    }

    /// Answer future requests with `status` after `delay`.
    pub fn respond_with(&self, status: StatusCode, delay: Duration) {
        *self
            .behaviour
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = (status, delay);
    }

    /// Everything received so far.
    pub fn requests(&self) -> Vec<CapturedRequest> {
        self.captured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
