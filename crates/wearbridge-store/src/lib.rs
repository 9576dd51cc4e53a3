//! `wearbridge-store`: all persistence for Wearbridge, on SQLite (the embedded default)
//! and PostgreSQL (for many nodes), behind one API.
//!
//! # Design
//! - One code path for both backends through sqlx's `Any` driver. Each statement is one
//!   SQL text with `$1, $2, ...` placeholders (SQLite accepts `$NNN` and sqlx binds it by
//!   number); backend-specific SQL exists only where the backends differ (claims use
//!   `FOR UPDATE SKIP LOCKED` on PostgreSQL; variable-length lists are one JSON parameter
//!   read with `json_each` / `jsonb_array_elements_text`, since `Any` has no arrays).
//! - Timestamps are `BIGINT` unix microseconds (UTC): portable ordering and comparison,
//!   no time-zone conversions in either driver. Booleans are `INTEGER` 0/1 on both
//!   backends because the `Any` driver decodes SQLite integers only as integers.
//! - Ids are `TEXT`; JSON payloads are `TEXT` so the API serves stored bytes unparsed.
//! - Every user, record and event query is scoped by [`ids::DeveloperId`]: another
//!   developer's user is simply not found.
//! - SQLite: one writer connection (write transactions start with `BEGIN IMMEDIATE`) and
//!   a pool of readers in WAL mode. Serialising writers in-process avoids `SQLITE_BUSY`
//!   on lock upgrades; readers never block. **Do not call a [`Store`] write method while
//!   holding a [`StoreTx`] on SQLite**: it waits for the writer the transaction holds.
//!
//! # Record ranges
//! A record is in the range `[start_ts, end_ts)` when its *start* time falls in it
//! (Terra's semantics for `start_date`/`end_date`). Results are ordered by start time.

mod connect;
pub mod connections;
pub mod delivery;
mod developers;
mod error;
mod events;
pub mod ids;
mod jobs;
mod records;
mod rows;
pub mod schedule;
pub mod sessions;
pub mod sync;
#[cfg(feature = "testing")]
pub mod testing;
mod types;
mod users;

use std::marker::PhantomData;

use sqlx::{Any, AnyPool, Transaction};

pub use error::{Result, StoreError};
pub use types::{
    Developer, EventFilter, EventRow, EventState, Job, JobFilter, JobState, NewDeveloper, NewEvent,
    NewJob, NewRecord, NewUser, Page, RecordQuery, UpsertOutcome, User, UserPatch,
};

/// Row limit of the `list_*` methods when the filter sets none.
pub const DEFAULT_LIST_LIMIT: u32 = 1000;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// An SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Handle to the database. Cheap to clone (the pools are reference counted).
#[derive(Debug, Clone)]
pub struct Store {
    /// Pool for reads. On PostgreSQL the same pool as `write`.
    read: AnyPool,
    /// Pool for writes. On SQLite exactly one connection.
    write: AnyPool,
    backend: Backend,
}

/// A write transaction: changes and the outbox events or jobs they cause commit
/// together. Dropping it without [`StoreTx::commit`] rolls back.
#[derive(Debug)]
pub struct StoreTx<'a> {
    tx: Transaction<'static, Any>,
    backend: Backend,
    _store: PhantomData<&'a Store>,
}

/// The current time as unix microseconds (UTC), the unit of every stored timestamp.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

impl Store {
    /// Connects to `url` (`sqlite://path` — the file is created if missing — or
    /// `postgres://...`). Does not migrate; call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Store> {
        connect::connect(url).await
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        connect::migrate(self).await
    }

    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers (for `/ready`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<StoreTx<'_>> {
        let tx = match self.backend {
            // IMMEDIATE takes the write lock up front, so the transaction never fails
            // half-way with SQLITE_BUSY when another process writes.
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
        Ok(StoreTx {
            tx,
            backend: self.backend,
            _store: PhantomData,
        })
    }

    /// Closes all connections (waits for checked-out ones to come back).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

impl StoreTx<'_> {
    /// Commits every change made through this transaction.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Rolls back explicitly (dropping the transaction does the same).
    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// The backend of the store this transaction belongs to.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}
