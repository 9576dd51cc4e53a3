//! One async lock per key, created on first use and dropped with its last holder.
//!
//! Why: concurrent reads of the same user's data type must not fetch the same days from
//! the provider twice. Each fill takes the lock of `(user, data type)`, then computes
//! what is still missing: the second caller waits for the first and finds its days
//! covered. Hand-written because it is twenty lines over `tokio::sync::Mutex` and the
//! registry crates for it bring more than they save.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// A lock per key; cheap when idle (only keys with a live holder or waiter stay).
#[derive(Debug)]
pub struct KeyedLocks<K> {
    locks: Mutex<HashMap<K, Weak<AsyncMutex<()>>>>,
}

impl<K> Default for KeyedLocks<K> {
    fn default() -> Self {
        KeyedLocks {
            locks: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone> KeyedLocks<K> {
    /// Waits for and holds the lock of `key` until the guard drops.
    pub async fn lock(&self, key: K) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            // Forget the keys nobody holds any more, so the map stays small.
            locks.retain(|_, lock| lock.strong_count() > 0);
            match locks.get(&key).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(AsyncMutex::new(()));
                    locks.insert(key, Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_per_key_and_keys_are_independent() {
        let locks = KeyedLocks::default();
        let held = locks.lock("a").await;
        // Another key is free.
        drop(locks.lock("b").await);
        let waiting = tokio::time::timeout(std::time::Duration::ZERO, locks.lock("a")).await;
        assert!(waiting.is_err(), "a second holder of the same key waits");
        drop(held);
        drop(locks.lock("a").await);
        assert!(
            locks
                .locks
                .lock()
                .map(|map| map.len())
                .unwrap_or(usize::MAX)
                <= 1,
            "released keys are forgotten"
        );
    }
}
