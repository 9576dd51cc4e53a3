//! `wearbridge-sim`: an HTTP server that plays wearable-provider clouds.
//!
//! Each simulated account is a deterministic synthetic person ([`person::Person`]) rendered by
//! every provider module in that provider's wire format. The built-in SANDBOX provider
//! ([`providers::sandbox`]) has a consent page, token and revoke endpoints and a small JSON
//! data API, documented in `docs/simulator.md`. Tests control faults, token lifetimes and
//! revocations through a Rust [`SimHandle`] or the equivalent `/_sim/...` HTTP API, and read
//! the request log to check rate budgets.
//!
//! In-process (tests, `serve --sandbox`):
//! ```no_run
//! # async fn demo() -> Result<(), wearbridge_sim::SimError> {
//! let sim = wearbridge_sim::Simulator::spawn(wearbridge_sim::SimConfig::default()).await?;
//! let sandbox_base = sim.provider_url(wearbridge_sim::SimProvider::Sandbox);
//! // ... point the SANDBOX adapter at `sandbox_base` ...
//! sim.shutdown().await?;
//! # Ok(()) }
//! ```
//! Standalone (`wearbridge sim`): `wearbridge_sim::serve(addr).await`.

pub mod apple_health;
mod control;
pub mod faults;
pub mod layout;
pub mod oauth;
pub mod person;
mod prng;
pub mod providers;
pub mod requests;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{DeliveryFaults, FaultError, FaultKind, FaultTarget, Faults};
pub use oauth::OAuthServer;
pub use person::Person;
pub use providers::{PushMessage, SimProvider};
pub use requests::{RequestLog, RequestRecord};

/// How long [`SimHandle::shutdown`] waits for in-flight requests (e.g. an injected hang)
/// before aborting the server task.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Simulator settings.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Where to listen. Default `127.0.0.1:0` (an ephemeral port; read it from the handle).
    pub bind: SocketAddr,
    /// Which provider clouds to serve. Default: all.
    pub providers: BTreeSet<SimProvider>,
    /// Access-token lifetime per provider, overriding the provider's default.
    pub access_token_ttls: BTreeMap<SimProvider, Duration>,
    /// Prepended to every account id before it seeds a person, so a deployment can get a
    /// different population. Empty by default: account id = seed.
    pub seed_salt: String,
    /// Seed of the generator behind probabilistic faults, so runs are reproducible.
    pub fault_seed: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            providers: SimProvider::ALL.into_iter().collect(),
            access_token_ttls: BTreeMap::new(),
            seed_salt: String::new(),
            fault_seed: 0x5EED,
        }
    }
}

/// The simulator's failures (all at start-up or shutdown; request handling never fails).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("simulator server failed: {0}")]
    Serve(#[source] std::io::Error),
    #[error("simulator server task ended abnormally: {0}")]
    Task(#[source] tokio::task::JoinError),
    #[error("no provider enabled")]
    NoProviders,
}

/// State shared by every handler.
#[derive(Debug)]
pub(crate) struct SimState {
    pub(crate) providers: BTreeMap<SimProvider, Arc<OAuthServer>>,
    pub(crate) faults: Faults,
    pub(crate) requests: RequestLog,
    /// What each simulated Garmin user shares with the app (`user/permissions`).
    pub(crate) garmin_permissions: providers::garmin::Permissions,
    /// How far each simulated Dexcom account has uploaded (`SimControl::dexcom_hold_uploads`).
    pub(crate) dexcom_uploads: providers::dexcom::Uploads,
    /// Workouts and schedules pushed to simulated Garmin users (Training API).
    pub(crate) garmin_calendars: providers::garmin::training::Calendars,
    seed_salt: String,
}

impl SimState {
    fn new(config: &SimConfig) -> Self {
        let providers = config
            .providers
            .iter()
            .map(|provider| {
                let server = OAuthServer::new(provider.oauth_settings());
                if let Some(ttl) = config.access_token_ttls.get(provider) {
                    server.set_access_token_ttl(*ttl);
                }
                (*provider, Arc::new(server))
            })
            .collect();
        Self {
            providers,
            faults: Faults::new(config.fault_seed),
            requests: RequestLog::default(),
            garmin_permissions: providers::garmin::Permissions::default(),
            dexcom_uploads: providers::dexcom::Uploads::default(),
            garmin_calendars: providers::garmin::training::Calendars::default(),
            seed_salt: config.seed_salt.clone(),
        }
    }

    /// The synthetic person behind a simulated account (the same for every provider).
    pub(crate) fn person(&self, account: &str) -> Person {
        Person::new(&format!("{}{account}", self.seed_salt))
    }
}

async fn not_found() -> (axum::http::StatusCode, axum::Json<serde_json::Value>) {
    let body = serde_json::json!({ "error": "not_found", "error_description": "no such path" });
    (axum::http::StatusCode::NOT_FOUND, axum::Json(body))
}

fn app(state: &Arc<SimState>) -> Router {
    providers::routers(state).merge(control::router(Arc::clone(state)))
}

/// Starts simulators.
pub struct Simulator;

impl Simulator {
    /// Binds and serves in a background task; returns once the port is listening.
    pub async fn spawn(config: SimConfig) -> Result<SimHandle, SimError> {
        let (router, control) = Self::router(&config)?;
        // Only the standalone server gets a JSON 404: a host app embedding `router()` keeps
        // its own fallback (axum refuses to merge two routers that both have one).
        let router = router.fallback(not_found);
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.bind,
            source,
        })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let server = axum::serve(listener, router).with_graceful_shutdown(async move {
            // Fires on an explicit shutdown and when the handle is dropped.
            let _ = stopped.await;
        });
        let task = tokio::spawn(async move { server.await });
        tracing::info!(sim.addr = %addr, "provider simulator listening");
        Ok(SimHandle {
            addr,
            control,
            stop: Some(stop),
            task,
        })
    }

    /// The simulator as a router to merge into another app at its root (paths start with
    /// `/<provider>/` and `/_sim/`), e.g. to serve SANDBOX on the main server's own port.
    pub fn router(config: &SimConfig) -> Result<(Router, SimControl), SimError> {
        if config.providers.is_empty() {
            return Err(SimError::NoProviders);
        }
        let state = Arc::new(SimState::new(config));
        Ok((app(&state), SimControl { state }))
    }
}

/// A running simulator. Dropping it stops the server (gracefully, in the background).
/// Dereferences to [`SimControl`] for faults, the request log, tokens and people.
pub struct SimHandle {
    addr: SocketAddr,
    control: SimControl,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Controls of a simulator, whether spawned ([`SimHandle`]) or embedded in another app
/// ([`Simulator::router`]). Cheap to clone.
#[derive(Clone, Debug)]
pub struct SimControl {
    state: Arc<SimState>,
}

impl SimControl {
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    pub fn requests(&self) -> &RequestLog {
        &self.state.requests
    }

    /// The authorization server of an enabled provider: revoke an account, expire its
    /// access tokens, change the token lifetime, list consented accounts.
    pub fn oauth(&self, provider: SimProvider) -> Option<&OAuthServer> {
        self.state
            .providers
            .get(&provider)
            .map(|server| server.as_ref())
    }

    /// The synthetic person behind a simulated account, exactly as the providers serve it.
    pub fn person(&self, account: &str) -> Person {
        self.state.person(account)
    }

    /// The push notification `provider` sends when `data_type` (a Terra type name) changes
    /// for `account` on `date`, signed with `secret`; `None` if it does not push that.
    pub fn push_message(
        &self,
        provider: SimProvider,
        account: &str,
        data_type: &str,
        date: chrono::NaiveDate,
        secret: &str,
    ) -> Option<providers::PushMessage> {
        provider
            .cloud()
            .push_message(&self.state, account, data_type, date, secret)
    }

    /// Sends that notification to `target` (the server's push endpoint) as the provider
    /// would, and returns the HTTP status the server answered.
    pub async fn send_push(
        &self,
        provider: SimProvider,
        account: &str,
        data_type: &str,
        date: chrono::NaiveDate,
        target: &url::Url,
        secret: &str,
    ) -> Result<u16, PushSendError> {
        let message = self
            .push_message(provider, account, data_type, date, secret)
            .ok_or(PushSendError::NotPushed)?;
        self.send_message(&message, target).await
    }

    /// Garmin's `userPermissionsChange` notice: `account` now shares exactly
    /// `permissions` with the app (its `user/permissions` answers them from now on). The
    /// change is stamped with the current time.
    pub fn garmin_permissions_change(&self, account: &str, permissions: &[&str]) -> PushMessage {
        let now = chrono::Utc::now().timestamp();
        providers::garmin::permissions_change(&self.state, account, permissions, now)
    }

    /// What the simulated Garmin user `account` has on their Training API calendar:
    /// every workout pushed to them and the scheduled ones by day.
    pub fn garmin_calendar(&self, account: &str) -> providers::garmin::training::GarminCalendar {
        self.state.garmin_calendars.of(account)
    }

    /// Sends a push `message` to `target` (the server's push endpoint) as the provider
    /// would, and returns the HTTP status the server answered.
    pub async fn send_message(
        &self,
        message: &PushMessage,
        target: &url::Url,
    ) -> Result<u16, PushSendError> {
        let mut url = target.clone();
        if !message.query.is_empty() {
            url.set_query(Some(&message.query));
        }
        let method = reqwest::Method::from_bytes(message.method.as_bytes())
            .map_err(|error| PushSendError::Http(error.to_string()))?;
        let mut request = reqwest::Client::new()
            .request(method, url)
            .header(reqwest::header::CONTENT_TYPE, message.content_type)
            .body(message.body.clone());
        for (name, value) in &message.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request
            .send()
            .await
            .map_err(|error| PushSendError::Http(error.to_string()))?;
        Ok(response.status().as_u16())
    }
}

/// Why [`SimControl::send_push`] sent nothing.
#[derive(Debug, thiserror::Error)]
pub enum PushSendError {
    #[error("this provider does not push that data type")]
    NotPushed,
    #[error("push request failed: {0}")]
    Http(String),
}

impl std::ops::Deref for SimHandle {
    type Target = SimControl;

    fn deref(&self) -> &SimControl {
        &self.control
    }
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>` — the root of all providers and of `/_sim`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Base URL of one provider cloud, e.g. `http://127.0.0.1:<port>/sandbox`.
    pub fn provider_url(&self, provider: SimProvider) -> String {
        format!("{}/{}", self.base_url(), provider.as_str())
    }

    /// A clone of the controls that outlives borrowing the handle.
    pub fn control(&self) -> SimControl {
        self.control.clone()
    }

    /// Stops accepting connections, waits up to 5 s for in-flight requests, then aborts.
    pub async fn shutdown(mut self) -> Result<(), SimError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = &mut self.task;
        match tokio::time::timeout(SHUTDOWN_GRACE, task).await {
            Ok(joined) => joined.map_err(SimError::Task)?.map_err(SimError::Serve),
            Err(_) => {
                self.task.abort();
                Ok(())
            }
        }
    }
}

/// Runs a standalone simulator (all providers) on `addr` until Ctrl-C. This is the whole of
/// `wearbridge sim`.
pub async fn serve(addr: SocketAddr) -> Result<(), SimError> {
    serve_with(SimConfig {
        bind: addr,
        ..SimConfig::default()
    })
    .await
}

/// [`serve`] with full configuration.
pub async fn serve_with(config: SimConfig) -> Result<(), SimError> {
    let handle = Simulator::spawn(config).await?;
    tracing::info!(sim.url = %handle.base_url(), "simulator running; Ctrl-C to stop");
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::warn!(%error, "cannot listen for Ctrl-C; stopping");
    }
    handle.shutdown().await
}
