//! Webhook delivery: the outbox worker that never loses an event (issue 5).
//!
//! - [`Deliverer::run_due_now`] claims a batch of due events with a lease, POSTs each to
//!   its developer's URL (signed, [`signing`]), and records the attempt together with the
//!   event's new state in one transaction. Tests drive it step by step with a
//!   [`crate::clock::ManualClock`]; the background [`run`] loop calls the same method.
//! - A crash between sending and recording leaves the lease to expire; the event is then
//!   claimed and sent again (at-least-once; receivers dedupe on `webhook-id`).
//! - Failures follow [`schedule::RetrySchedule`]; a 410 disables the destination, as
//!   does a failure streak of 5 days; the event waits (pending) until it is re-enabled.
//! - [`data_request`] turns `to_webhook=true` reads into events; [`healthcheck`] appends
//!   the periodic `healthcheck` event.

pub mod data_request;
pub mod deferred;
pub mod healthcheck;
pub mod manage;
pub mod schedule;
pub mod sender;
pub mod signing;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::sync::{Notify, Semaphore};
use wearbridge_store::delivery::{DeliveryResult, Destination, NextStep};
use wearbridge_store::ids::DeveloperId;
use wearbridge_store::{EventRow, Store, StoreError};

use crate::clock::SharedClock;
use crate::crypto::{Cipher, CryptoError};
use crate::services::Services;
use crate::shutdown::ShutdownSignal;
use schedule::RetrySchedule;
use sender::{OutgoingEvent, SendReport};

/// How long a destination may fail every attempt before it is disabled (issue 5).
pub const FAILING_DISABLE_AFTER: chrono::Duration = chrono::Duration::days(5);
/// How long the previous signing secret keeps signing after a rotation.
pub const PREVIOUS_SECRET_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// Most results recorded in one transaction.
const RECORD_CHUNK: usize = 128;

/// Wakes idle delivery loops of this process when an event was appended here, so a
/// delivery starts within milliseconds instead of the next poll. Other nodes poll.
static APPENDED: LazyLock<Notify> = LazyLock::new(Notify::new);

/// Call after committing a transaction that appended events.
pub fn wake() {
    APPENDED.notify_waiters();
}

pub use crate::config::DeliveryConfig;

/// Errors of the delivery machinery (not of a delivery: those are recorded attempts).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("invalid job payload: {0}")]
    BadJob(String),
}

/// A destination ready to send to: URL and the secrets that sign (current first).
#[derive(Debug, Clone)]
struct Target {
    url: String,
    secrets: Vec<String>,
    /// The target guard's reason when the URL names a refused address literally
    /// (checked once per batch; names are checked by the client's resolver).
    refused: Option<String>,
}

/// The delivery engine; one per process (shared by its lanes).
pub struct Deliverer {
    store: Store,
    cipher: Arc<Cipher>,
    clock: SharedClock,
    client: reqwest::Client,
    /// The target guard the client's resolver applies; literal addresses are checked
    /// against it before each send.
    policy: Arc<crate::outbound::TargetPolicy>,
    config: DeliveryConfig,
    schedule: RetrySchedule,
    rng: Mutex<StdRng>,
    worker_id: String,
    per_destination: Mutex<HashMap<DeveloperId, Arc<Semaphore>>>,
}

impl std::fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliverer")
            .field("worker_id", &self.worker_id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Deliverer {
    /// An engine for the store, cipher and clock of `services` and the `[webhooks]`
    /// configuration, with OS-seeded jitter.
    pub fn new(services: &Services, config: DeliveryConfig) -> Result<Deliverer, DeliveryError> {
        let policy = config.target_policy();
        Deliverer::with_target_policy(services, config, policy)
    }

    /// As [`Deliverer::new`], with the target guard `policy` instead of the one the
    /// configuration describes (an embedder's own resolver; tests that control DNS).
    pub fn with_target_policy(
        services: &Services,
        config: DeliveryConfig,
        policy: crate::outbound::TargetPolicy,
    ) -> Result<Deliverer, DeliveryError> {
        let policy = Arc::new(policy);
        Ok(Deliverer {
            store: services.store.clone(),
            cipher: services.cipher.clone(),
            clock: services.clock.clone(),
            client: sender::build_client(config.timeout(), policy.clone())?,
            policy,
            schedule: RetrySchedule::from_delays(&config.retry_delays_secs, 0.2),
            rng: Mutex::new(StdRng::from_entropy()),
            worker_id: format!("delivery-{}", uuid::Uuid::new_v4()),
            per_destination: Mutex::new(HashMap::new()),
            config,
        })
    }

    /// Replaces the jitter source (tests pass a seeded generator).
    pub fn with_rng(mut self, rng: StdRng) -> Deliverer {
        self.rng = Mutex::new(rng);
        self
    }

    /// Replaces the retry schedule (tests use zero jitter for exact times).
    pub fn with_schedule(mut self, schedule: RetrySchedule) -> Deliverer {
        self.schedule = schedule;
        self
    }

    /// Claims one batch of due events and delivers every one of them; returns how many
    /// were attempted.
    pub async fn run_due_now(&self) -> Result<usize, DeliveryError> {
        let now = self.clock.now().timestamp_micros();
        let events = self
            .store
            .claim_deliveries(
                &self.worker_id,
                self.config.batch_size,
                self.config.lease(),
                now,
            )
            .await?;
        if events.is_empty() {
            return Ok(0);
        }
        let targets = self.targets_for(&events).await?;
        let attempted = events.len();
        let concurrency = usize::try_from(self.config.batch_size).unwrap_or(usize::MAX);
        // Results are recorded as they become ready, many per transaction (group commit).
        let mut results = futures::stream::iter(events)
            .map(|event| self.attempt(event, &targets))
            .buffer_unordered(concurrency)
            .ready_chunks(RECORD_CHUNK);
        while let Some(chunk) = results.next().await {
            let recorded = self.store.record_deliveries(&chunk).await?;
            for (result, held) in chunk.iter().zip(recorded) {
                if !held {
                    tracing::info!(event.id = %result.event_id, "lease lost before recording; another worker owns the event");
                }
            }
        }
        Ok(attempted)
    }

    /// Runs [`Deliverer::run_due_now`] until nothing is due; returns the total.
    pub async fn drain_due(&self) -> Result<usize, DeliveryError> {
        let mut total = 0;
        loop {
            let attempted = self.run_due_now().await?;
            if attempted == 0 {
                return Ok(total);
            }
            total += attempted;
        }
    }

    /// Decrypted destinations of the developers in a batch (one lookup per developer).
    async fn targets_for(
        &self,
        events: &[EventRow],
    ) -> Result<HashMap<DeveloperId, Target>, DeliveryError> {
        let mut targets = HashMap::new();
        let now = self.clock.now().timestamp_micros();
        for event in events {
            if targets.contains_key(&event.developer_id) {
                continue;
            }
            if let Some(destination) = self.store.destination(&event.developer_id).await?
                && let Some(target) = self.target(&destination, now)?
            {
                targets.insert(event.developer_id.clone(), target);
            }
        }
        Ok(targets)
    }

    fn target(&self, destination: &Destination, now: i64) -> Result<Option<Target>, DeliveryError> {
        let Some(url) = destination.webhook_url.clone() else {
            return Ok(None);
        };
        let mut secrets = vec![self.cipher.decrypt_str(&destination.secret_enc)?];
        if let (Some(previous), Some(until)) = (
            &destination.previous_secret_enc,
            destination.previous_secret_until,
        ) && until > now
        {
            secrets.push(self.cipher.decrypt_str(previous)?);
        }
        let refused = url::Url::parse(&url)
            .ok()
            .and_then(|parsed| self.policy.check_literal(&parsed).err())
            .map(|error| error.to_string());
        Ok(Some(Target {
            url,
            secrets,
            refused,
        }))
    }

    fn limit_for(&self, developer: &DeveloperId) -> Arc<Semaphore> {
        let mut limits = self
            .per_destination
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        limits
            .entry(developer.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(self.config.per_destination_concurrency)))
            .clone()
    }

    /// One attempt at one claimed event and the decision about it (recorded by the caller).
    async fn attempt(
        &self,
        event: EventRow,
        targets: &HashMap<DeveloperId, Target>,
    ) -> DeliveryResult {
        let limit = self.limit_for(&event.developer_id);
        // The semaphore is never closed, so acquiring cannot fail; treat it as "no limit".
        let _permit = limit.acquire_owned().await.ok();
        let started = self.clock.now();
        let report = match targets.get(&event.developer_id) {
            Some(Target {
                refused: Some(refusal),
                ..
            }) => SendReport::refused(refusal.clone()),
            Some(target) => self.send(&event, target, started).await,
            // The URL was removed between claim and send: count it as a failed attempt.
            None => SendReport {
                status: None,
                latency_micros: 0,
                error: Some("no webhook URL configured".to_owned()),
                retry_after: None,
                refused: None,
            },
        };
        self.decide(&event, started, report)
    }

    async fn send(&self, event: &EventRow, target: &Target, now: DateTime<Utc>) -> SendReport {
        let signature =
            signing::signature_header(&target.secrets, now.timestamp(), event.body.as_bytes());
        let outgoing = OutgoingEvent {
            url: &target.url,
            body: &event.body,
            webhook_id: event.id.as_str(),
            signature: &signature,
            reference: event.reference.as_deref(),
            trace_id: event.trace(),
            ordering_timestamp: event.created_at,
        };
        sender::send(&self.client, &outgoing, now).await
    }

    /// Turns a report into the event's next state.
    fn decide(
        &self,
        event: &EventRow,
        started: DateTime<Utc>,
        report: SendReport,
    ) -> DeliveryResult {
        let now = self.clock.now();
        let attempts_made = usize::try_from(event.attempt_count.max(1)).unwrap_or(1);
        let gone = report.status == Some(410);
        // A destination the target guard refuses is disabled like a 410: the events wait
        // for a URL that can be delivered to, and no request goes to the refused one.
        let disable_reason = match (&report.refused, gone) {
            (Some(refusal), _) => Some(format!("the target guard refused the URL: {refusal}")),
            (None, true) => Some("the receiver answered 410 Gone".to_owned()),
            (None, false) => None,
        };
        let next = if report.delivered() {
            NextStep::Delivered {
                at: now.timestamp_micros(),
            }
        } else if disable_reason.is_some() {
            // Kept pending and due at once: it flows when the destination is re-enabled.
            NextStep::RetryAt(now.timestamp_micros())
        } else {
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            match self
                .schedule
                .next_delay(attempts_made, report.retry_after, &mut *rng)
            {
                Some(delay) => NextStep::RetryAt(add(now, delay).timestamp_micros()),
                None => NextStep::GiveUp,
            }
        };
        DeliveryResult {
            event_id: event.id.clone(),
            developer_id: event.developer_id.clone(),
            worker_id: self.worker_id.clone(),
            attempt_number: event.attempt_count,
            started_at: started.timestamp_micros(),
            latency_micros: report.latency_micros,
            status_code: report.status,
            error: report.error,
            next,
            disable_reason,
            disable_if_failing_since: (now - FAILING_DISABLE_AFTER).timestamp_micros(),
        }
    }
}

fn add(instant: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(delay)
        .ok()
        .and_then(|delta| instant.checked_add_signed(delta))
        .unwrap_or(instant)
}

/// The background delivery worker: `lanes` claim loops sharing one engine.
pub async fn run(
    services: Services,
    config: DeliveryConfig,
    shutdown: ShutdownSignal,
) -> anyhow::Result<()> {
    let deliverer = Arc::new(Deliverer::new(&services, config.clone())?);
    let lanes =
        (0..config.lanes).map(|_| lane(deliverer.clone(), config.clone(), shutdown.clone()));
    futures::future::join_all(lanes).await;
    Ok(())
}

async fn lane(deliverer: Arc<Deliverer>, config: DeliveryConfig, mut shutdown: ShutdownSignal) {
    let full_batch = usize::try_from(config.batch_size).unwrap_or(usize::MAX);
    while !shutdown.is_shutting_down() {
        match deliverer.run_due_now().await {
            // A full batch: more are probably due; claim again at once.
            Ok(attempted) if attempted >= full_batch => continue,
            Ok(_) => {}
            Err(error) => tracing::error!(error = %error, "webhook delivery batch failed"),
        }
        let woken = APPENDED.notified();
        tokio::select! {
            () = shutdown.wait() => break,
            () = woken => {}
            () = tokio::time::sleep(config.poll_interval()) => {}
        }
    }
}
