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

pub mod changes;
mod connect;
pub mod connections;
pub mod coverage;
pub mod dashboard;
pub mod delivery;
mod developers;
mod error;
mod events;
pub mod ids;
pub mod imports;
mod jobs;
pub mod rate_limits;
mod records;
mod rows;
pub mod schedule;
mod sdk_credentials;
pub mod sessions;
pub mod sync;
#[cfg(feature = "testing")]
pub mod testing;
mod types;
mod users;
pub mod workouts;

use std::marker::PhantomData;
use std::sync::Arc;

use sqlx::{Any, AnyPool, Transaction};

use ids::UserId;

pub use changes::{ChangeVersion, USER_CHANGES_CHANNEL, UserChanges};
pub use error::{Result, StoreError};
pub use types::{
    Developer, EventFilter, EventRow, EventState, Job, JobFilter, JobState, NewDeveloper, NewEvent,
    NewJob, NewRecord, NewUser, Page, RecordQuery, UpsertOutcome, User, UserPatch,
};
pub use workouts::{NewPlannedWorkout, PlannedWorkoutRow, WorkoutTemplateRow};

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
    /// Change versions of users, bumped after each commit that changes a user's reads.
    changes: Arc<UserChanges>,
    /// PostgreSQL: the URL the cross-node change listener connects with.
    listen_url: Option<connect::DatabaseUrl>,
}

/// A write transaction: changes and the outbox events or jobs they cause commit
/// together. Dropping it without [`StoreTx::commit`] rolls back.
#[derive(Debug)]
pub struct StoreTx<'a> {
    tx: Transaction<'static, Any>,
    backend: Backend,
    changes: Arc<UserChanges>,
    /// Users whose reads this transaction changes; their versions move after commit.
    touched: Vec<String>,
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

    /// Migrations of this build the database lacks (`wearbridge doctor`); a database
    /// never migrated lacks them all.
    pub async fn pending_migrations(&self) -> Result<Vec<String>> {
        connect::pending_migrations(self).await
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
            changes: Arc::clone(&self.changes),
            touched: Vec::new(),
            _store: PhantomData,
        })
    }

    /// Change versions of users, for read caches ([`changes`]).
    pub fn changes(&self) -> &UserChanges {
        &self.changes
    }

    /// After a committed change of `user` outside a transaction: tells other nodes
    /// (PostgreSQL) and moves the user's version here.
    pub(crate) async fn changed(&self, user: &UserId) -> Result<()> {
        if self.backend == Backend::Postgres {
            notify_change(&self.write, user.as_str()).await?;
        }
        self.changes.mark_changed(user.as_str());
        Ok(())
    }

    /// Applies other nodes' user changes (PostgreSQL `LISTEN`) to [`Store::changes`] until
    /// the connection fails. While listening, [`UserChanges::shared_safely`] holds; on
    /// failure every version moves (notifications may have been missed) and it no longer
    /// holds until the next call starts listening again. Returns at once on SQLite.
    pub async fn follow_user_changes(&self) -> Result<()> {
        let Some(url) = &self.listen_url else {
            return Ok(());
        };
        let result = changes::follow(url.as_str(), &self.changes).await;
        self.changes.set_listening(false);
        self.changes.mark_all_changed();
        result
    }

    /// Closes all connections (waits for checked-out ones to come back).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

impl StoreTx<'_> {
    /// Commits every change made through this transaction, then moves the change versions
    /// of the users it touched (other nodes learn of them by `NOTIFY`, delivered at commit).
    pub async fn commit(mut self) -> Result<()> {
        let mut touched = std::mem::take(&mut self.touched);
        touched.sort_unstable();
        touched.dedup();
        if self.backend == Backend::Postgres {
            for user in &touched {
                let payload = self.changes.notification(user);
                notify_change(&mut *self.tx, &payload).await?;
            }
        }
        self.tx.commit().await?;
        for user in &touched {
            self.changes.mark_changed(user);
        }
        Ok(())
    }

    /// Notes that this transaction changes what `user`'s reads return.
    pub(crate) fn touch(&mut self, user: &UserId) {
        self.touched.push(user.as_str().to_owned());
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

/// `NOTIFY` of a user change on PostgreSQL (inside a transaction it is sent at commit);
/// `payload` is [`UserChanges::notification`](changes::UserChanges::notification).
async fn notify_change<'e, E>(executor: E, payload: &str) -> Result<()>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(USER_CHANGES_CHANNEL)
        .bind(payload)
        .execute(executor)
        .await?;
    Ok(())
}
