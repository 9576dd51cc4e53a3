//! When each account's data reaches Dexcom. Dexcom's data is retrospective: a reading is
//! in the API only once the display device has uploaded it. By default every simulated
//! account has uploaded everything up to now; a test can hold an account's uploads back at
//! an instant and release them later, which is how a poll meets new data deterministically
//! (no waiting for the clock).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

/// Per-account upload cut-offs (accounts without one have uploaded up to now).
#[derive(Debug, Default)]
pub(crate) struct Uploads {
    held: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl Uploads {
    /// The last instant `account` has uploaded, at `now`.
    pub(crate) fn uploaded_until(&self, account: &str, now: DateTime<Utc>) -> DateTime<Utc> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.get(account).map_or(now, |until| (*until).min(now))
    }

    fn hold(&self, account: &str, until: DateTime<Utc>) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.insert(account.to_owned(), until);
    }

    fn release(&self, account: &str) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.remove(account);
    }
}

impl crate::SimControl {
    /// Dexcom: `account` has uploaded nothing after `until` (its display device is
    /// offline): `egvs`, `events` and `dataRange` stop there until
    /// [`Self::dexcom_release_uploads`].
    pub fn dexcom_hold_uploads(&self, account: &str, until: DateTime<Utc>) {
        self.state.dexcom_uploads.hold(account, until);
    }

    /// Dexcom: `account`'s device uploads everything it held back.
    pub fn dexcom_release_uploads(&self, account: &str) {
        self.state.dexcom_uploads.release(account);
    }
}
