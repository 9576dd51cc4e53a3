//! Plain data types passed in and out of the store. All timestamps are `i64` unix
//! microseconds (UTC), exactly as stored.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::ids::{DeveloperId, EventId, JobId, UserId};

/// A developer (tenant) account. The store never sees a plaintext API key or webhook
/// secret: the server hashes the key and encrypts the secret before calling the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Developer {
    /// Tenant id, sent by clients in the `dev-id` header.
    pub id: DeveloperId,
    /// Human-readable name given at creation.
    pub name: String,
    /// Hash of the API key (format decided by the server).
    pub api_key_hash: String,
    /// Where webhooks are delivered, if configured.
    pub webhook_url: Option<String>,
    /// The webhook signing secret, encrypted by the server.
    pub webhook_secret_enc: String,
    /// Creation time, unix microseconds.
    pub created_at: i64,
}

/// Input for [`crate::Store::create_developer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeveloper {
    /// Human-readable name.
    pub name: String,
    /// Hash of the API key.
    pub api_key_hash: String,
    /// Optional webhook destination.
    pub webhook_url: Option<String>,
    /// Encrypted webhook signing secret.
    pub webhook_secret_enc: String,
}

/// A wearable account connected by one developer's end user (Terra's `TerraUser` plus
/// bookkeeping).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Terra user id (UUID v4).
    pub id: UserId,
    /// Owning developer; every lookup is scoped by it.
    pub developer_id: DeveloperId,
    /// Provider code as Terra spells it (e.g. `"GARMIN"`).
    pub provider: String,
    /// The account id at the provider, when known.
    pub provider_user_id: Option<String>,
    /// The developer's own id for this user (`reference_id` on Terra's wire).
    pub reference_id: Option<String>,
    /// Granted scopes as the provider reported them (free text).
    pub scopes: Option<String>,
    /// Whether data should be fetched and delivered for this user.
    pub active: bool,
    /// Set when the user disconnected; such users are hidden from every lookup.
    pub deauthenticated: bool,
    /// Connection time, unix microseconds.
    pub created_at: i64,
    /// Last time a webhook was sent about this user, unix microseconds.
    pub last_webhook_update: Option<i64>,
    /// Last time the provider was polled for this user, unix microseconds.
    pub last_polled_at: Option<i64>,
    /// Start time of the most recent stored record, unix microseconds.
    pub most_recent_data_at: Option<i64>,
}

/// Input for [`crate::Store::create_user`]; the store generates the [`UserId`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewUser {
    /// Provider code.
    pub provider: String,
    /// Account id at the provider.
    pub provider_user_id: Option<String>,
    /// Developer's reference id.
    pub reference_id: Option<String>,
    /// Granted scopes.
    pub scopes: Option<String>,
}

/// A partial update of a user. `None` leaves a field alone; for `reference_id`,
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    /// New reference id (`Some(None)` clears it).
    pub reference_id: Option<Option<String>>,
    /// New `active` flag.
    pub active: Option<bool>,
}

/// One page of a listing. `page` is zero-based; `per_page` is clamped to at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Zero-based page index.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
}

/// A normalised data record to store: the model's [`wearbridge_model::StoreParts`], one
/// type from the mapper to the upsert. `payload` and `payload_no_samples` are the exact
/// JSON texts the API will serve, so reads never parse them again; the data type is
/// stored as its wire name ([`wearbridge_model::DataType::as_str`]), the text the indexes
/// and the primary key are built on; upserts are keyed on `identity`, and an upsert with
/// an equal `content_hash` changes nothing.
pub type NewRecord = wearbridge_model::StoreParts;

/// What [`crate::StoreTx::upsert_record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// No record with this identity existed.
    Inserted,
    /// A record existed with a different content hash and was replaced.
    Updated,
    /// A record existed with the same content hash; nothing was written.
    Unchanged,
}

/// Range query over records: a record matches when `start_ts <= record.start_ts < end_ts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordQuery {
    /// Inclusive lower bound on the record's start, unix microseconds.
    pub start_ts: i64,
    /// Exclusive upper bound on the record's start, unix microseconds.
    pub end_ts: i64,
    /// When set, the range is these user-local calendar days (both inclusive), matched
    /// against each record's `local_date`, and `start_ts`/`end_ts` are not used: a day
    /// asked for by date is the user's day, not a UTC one (DECISIONS.md, Server).
    pub local_days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// Serve `payload` (true) or `payload_no_samples` (false).
    pub with_samples: bool,
}

/// An outbox row to append in the same transaction as the change that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Developer the event is delivered to.
    pub developer_id: DeveloperId,
    /// User the event is about, if any.
    pub user_id: Option<UserId>,
    /// Terra event type (e.g. `"activity"`, `"auth"`).
    pub event_type: String,
    /// The exact JSON bytes to deliver.
    pub body: String,
    /// Value of the `terra-reference` header, if any.
    pub reference: Option<String>,
    /// Value of the `X-Terra-Trace-Id` header when it is not the event id (events
    /// answering a request: derived from its reference, so a re-run repeats them).
    pub trace_id: Option<String>,
}

/// Delivery state of an outbox event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventState {
    /// Not yet delivered; will be attempted at `next_attempt_at`.
    Pending,
    /// Delivered successfully.
    Delivered,
    /// Gave up after the last attempt.
    Failed,
}

/// An outbox row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    /// Event id (UUID v7: sorts by creation).
    pub id: EventId,
    /// Receiving developer.
    pub developer_id: DeveloperId,
    /// User the event is about.
    pub user_id: Option<UserId>,
    /// Terra event type.
    pub event_type: String,
    /// Exact JSON body.
    pub body: String,
    /// `terra-reference` header value.
    pub reference: Option<String>,
    /// `X-Terra-Trace-Id` when not the event id (see [`EventRow::trace`]).
    pub trace_id: Option<String>,
    /// Append time, unix microseconds.
    pub created_at: i64,
    /// Delivery state.
    pub state: EventState,
    /// Delivery attempts made so far.
    pub attempt_count: i32,
    /// Earliest time of the next delivery attempt, unix microseconds.
    pub next_attempt_at: i64,
    /// Lease held by a delivery worker, unix microseconds.
    pub locked_until: Option<i64>,
    /// Worker holding the lease.
    pub locked_by: Option<String>,
    /// Successful delivery time, unix microseconds.
    pub delivered_at: Option<i64>,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
}

impl EventRow {
    /// The event's `X-Terra-Trace-Id`: the stored trace id, else the event id. Stable
    /// across retries and resends (both are stored with the event).
    pub fn trace(&self) -> &str {
        self.trace_id.as_deref().unwrap_or(self.id.as_str())
    }
}

/// Filter for [`crate::Store::list_events`]; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only events about this user.
    pub user_id: Option<UserId>,
    /// Only events of this type.
    pub event_type: Option<String>,
    /// Only events in this state.
    pub state: Option<EventState>,
    /// At most this many rows (default [`crate::DEFAULT_LIST_LIMIT`]).
    pub limit: Option<u32>,
}

/// A job to put on the durable queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Handler name, e.g. `"backfill"`.
    pub kind: String,
    /// Handler input, JSON.
    pub payload: String,
    /// While a queued or running job has this key, another with the same key is not
    /// enqueued.
    pub dedup_key: Option<String>,
    /// Earliest run time, unix microseconds.
    pub run_at: i64,
    /// Attempts before the job is marked failed (at least 1).
    pub max_attempts: i32,
    /// Developer the job works for, if any.
    pub developer_id: Option<DeveloperId>,
    /// User the job works on, if any.
    pub user_id: Option<UserId>,
}

/// Life cycle of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by a worker until `locked_until`; claimable again once that passes.
    Running,
    /// Finished successfully.
    Completed,
    /// Gave up: failed without a retry time or ran out of attempts.
    Failed,
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Job id (UUID v7).
    pub id: JobId,
    /// Handler name.
    pub kind: String,
    /// Handler input, JSON.
    pub payload: String,
    /// Current state.
    pub state: JobState,
    /// Claims so far (incremented by every claim).
    pub attempts: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
    /// Earliest (next) run time, unix microseconds.
    pub run_at: i64,
    /// Lease expiry, unix microseconds.
    pub locked_until: Option<i64>,
    /// Worker holding the lease.
    pub locked_by: Option<String>,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// Checkpoint JSON written by the handler, so a resumed job continues.
    pub progress: Option<String>,
    /// Developer the job works for.
    pub developer_id: Option<DeveloperId>,
    /// User the job works on.
    pub user_id: Option<UserId>,
    /// Creation time, unix microseconds.
    pub created_at: i64,
    /// Last change, unix microseconds.
    pub updated_at: i64,
}

/// Filter for [`crate::Store::list_jobs`]; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// Only jobs of this kind.
    pub kind: Option<String>,
    /// Only jobs in this state.
    pub state: Option<JobState>,
    /// Only jobs for this developer.
    pub developer_id: Option<DeveloperId>,
    /// Only jobs for this user.
    pub user_id: Option<UserId>,
    /// At most this many rows (default [`crate::DEFAULT_LIST_LIMIT`]).
    pub limit: Option<u32>,
}

macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// The spelling stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = StoreError;
            fn from_str(value: &str) -> Result<Self, StoreError> {
                match value {
                    $($text => Ok(Self::$variant),)+
                    other => Err(StoreError::Corrupt(format!(
                        concat!("unknown ", stringify!($name), " {:?}"),
                        other
                    ))),
                }
            }
        }
    };
}

text_enum!(EventState { Pending => "pending", Delivered => "delivered", Failed => "failed" });
text_enum!(JobState { Queued => "queued", Running => "running", Completed => "completed", Failed => "failed" });
