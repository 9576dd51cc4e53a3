//! Change versions of users, for read caches above the store.
//!
//! Every committed write that can change what a user's reads return (the user row, its
//! records) bumps that user's version *after* the commit. A cache that reads the version
//! before querying and stores its answer under that version can therefore never serve an
//! answer older than a commit that finished before the read started: if the write commits
//! after the version was read, the version moves on and the entry no longer matches.
//!
//! Versions live in a fixed array of counters indexed by a hash of the user id (users
//! sharing a counter only invalidate each other's entries), so memory stays flat whatever
//! the number of users. An epoch invalidates everything at once.
//!
//! Across processes (PostgreSQL with several nodes) the same commit also sends
//! `NOTIFY wearbridge_user_changes, '<node id> <user id>'`; [`crate::Store::follow_user_changes`]
//! applies other nodes' notifications here. While that listener is not connected,
//! [`UserChanges::shared_safely`] is false on PostgreSQL and caches must not serve.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::Backend;
use crate::ids::UserId;

/// Counters in the version array.
const STRIPES: usize = 4096;

/// The PostgreSQL channel other nodes' user changes arrive on.
pub const USER_CHANGES_CHANNEL: &str = "wearbridge_user_changes";

/// A user's change version at one moment; equal versions mean no committed change between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChangeVersion {
    epoch: u64,
    stripe: u64,
}

/// The change versions of every user, shared by all clones of a [`crate::Store`].
#[derive(Debug)]
pub struct UserChanges {
    stripes: Box<[AtomicU64]>,
    epoch: AtomicU64,
    backend: Backend,
    /// PostgreSQL only: the cross-node listener is connected and listening.
    listening: AtomicBool,
    /// This process's id in notifications, so its listener skips its own commits (already
    /// applied at commit): hearing them again would only evict fresh cache entries, at a
    /// moment that depends on notification latency.
    node: String,
}

impl UserChanges {
    /// A standalone set of versions, for tests of code built on them.
    pub fn for_tests(backend: Backend) -> UserChanges {
        UserChanges::new(backend)
    }

    pub(crate) fn new(backend: Backend) -> UserChanges {
        UserChanges {
            stripes: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
            epoch: AtomicU64::new(0),
            backend,
            listening: AtomicBool::new(false),
            node: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// The `NOTIFY` payload announcing a change of `user` by this process: `<node> <user>`.
    pub(crate) fn notification(&self, user: &str) -> String {
        format!("{} {user}", self.node)
    }

    /// Applies one notification: another process's change moves its user's version; this
    /// process's own is skipped. A bare user id (a node of an older build) is applied.
    pub(crate) fn apply_notification(&self, payload: &str) {
        match payload.split_once(' ') {
            Some((node, _)) if node == self.node => {}
            Some((_, user)) => self.mark_changed(user),
            None => self.mark_changed(payload),
        }
    }

    fn stripe(&self, user: &str) -> &AtomicU64 {
        let mut hasher = DefaultHasher::new();
        user.hash(&mut hasher);
        let index = (hasher.finish() % STRIPES as u64) as usize;
        &self.stripes[index]
    }

    /// The current version of `user` (read it before querying what you cache).
    pub fn version(&self, user: &UserId) -> ChangeVersion {
        ChangeVersion {
            epoch: self.epoch.load(Ordering::Acquire),
            stripe: self.stripe(user.as_str()).load(Ordering::Acquire),
        }
    }

    /// Records a committed change of `user` (by id text, as notifications carry it).
    pub fn mark_changed(&self, user: &str) {
        self.stripe(user).fetch_add(1, Ordering::AcqRel);
    }

    /// Records that anything may have changed (a lost cross-node notification stream).
    pub fn mark_all_changed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether a cached read is as fresh as this process can know: always on SQLite (one
    /// server process per database file), on PostgreSQL only while other nodes' changes
    /// are being followed ([`crate::Store::follow_user_changes`]).
    pub fn shared_safely(&self) -> bool {
        match self.backend {
            Backend::Sqlite => true,
            Backend::Postgres => self.listening.load(Ordering::Acquire),
        }
    }

    pub(crate) fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::Release);
    }
}

/// Listens on [`USER_CHANGES_CHANNEL`] and applies each notification to `changes` until
/// the connection fails. `listening` is set once `LISTEN` succeeded; every version moves
/// then too, since changes made before it started were not heard.
pub(crate) async fn follow(url: &str, changes: &UserChanges) -> crate::Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(USER_CHANGES_CHANNEL).await?;
    changes.mark_all_changed();
    changes.set_listening(true);
    loop {
        match listener.try_recv().await? {
            Some(notification) => changes.apply_notification(notification.payload()),
            // The connection was lost; sqlx would reconnect on the next call, but what
            // was sent in between is gone, so hand control back to the caller.
            None => {
                return Err(crate::StoreError::Database(sqlx::Error::Protocol(
                    "the change listener lost its connection".to_owned(),
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_moves_only_that_users_version_and_the_epoch_moves_all() {
        let changes = UserChanges::new(Backend::Sqlite);
        let alice = UserId::new();
        let bob = UserId::new();
        let (alice_before, bob_before) = (changes.version(&alice), changes.version(&bob));
        changes.mark_changed(alice.as_str());
        assert_ne!(changes.version(&alice), alice_before);
        // Bob only moves when he shares alice's counter (1 in 4096).
        let same_stripe =
            std::ptr::eq(changes.stripe(alice.as_str()), changes.stripe(bob.as_str()));
        assert_eq!(changes.version(&bob) == bob_before, !same_stripe);
        let bob_now = changes.version(&bob);
        changes.mark_all_changed();
        assert_ne!(changes.version(&bob), bob_now);
    }

    #[test]
    fn postgres_caches_wait_for_the_listener() {
        let changes = UserChanges::new(Backend::Postgres);
        assert!(!changes.shared_safely());
        changes.set_listening(true);
        assert!(changes.shared_safely());
        assert!(UserChanges::new(Backend::Sqlite).shared_safely());
    }

    #[test]
    fn own_notifications_are_skipped_and_others_applied() {
        let this = UserChanges::new(Backend::Postgres);
        let other = UserChanges::new(Backend::Postgres);
        let user = UserId::new();
        let before = this.version(&user);
        this.apply_notification(&this.notification(user.as_str()));
        assert_eq!(
            this.version(&user),
            before,
            "own change already applied at commit"
        );
        this.apply_notification(&other.notification(user.as_str()));
        let after_other = this.version(&user);
        assert_ne!(
            after_other, before,
            "another node's change moves the version"
        );
        this.apply_notification(user.as_str());
        assert_ne!(
            this.version(&user),
            after_other,
            "a bare user id still applies"
        );
    }
}
