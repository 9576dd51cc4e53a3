//! The request log: every request the simulated providers received, with counters per
//! provider and per wall-clock minute so tests can assert rate budgets.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::Serialize;

use crate::faults::RequestClass;

/// Records beyond this many are dropped oldest-first (counters keep counting), so a
/// long-running standalone simulator does not grow without bound.
const MAX_RECORDS: usize = 100_000;

/// One received request. `path` includes the query string; bearer tokens travel in headers
/// and are never logged.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestRecord {
    pub provider: String,
    pub method: String,
    pub path: String,
    pub class: RequestClass,
    pub at: DateTime<Utc>,
    pub status: u16,
    /// The injected fault, if any (`rate_limit`, `server_error`, `hang`, `malformed_json`).
    pub fault: Option<String>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    inner: Mutex<LogState>,
}

#[derive(Debug, Default)]
struct LogState {
    records: VecDeque<RequestRecord>,
    totals: HashMap<String, u64>,
    per_minute: HashMap<String, BTreeMap<DateTime<Utc>, u64>>,
}

impl RequestLog {
    fn lock(&self) -> MutexGuard<'_, LogState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        let minute = record
            .at
            .duration_trunc(TimeDelta::minutes(1))
            .unwrap_or(record.at);
        let mut state = self.lock();
        *state.totals.entry(record.provider.clone()).or_default() += 1;
        *state
            .per_minute
            .entry(record.provider.clone())
            .or_default()
            .entry(minute)
            .or_default() += 1;
        if state.records.len() >= MAX_RECORDS {
            state.records.pop_front();
        }
        state.records.push_back(record);
    }

    /// Requests received by `provider` since start (or the last [`RequestLog::clear`]).
    pub fn count(&self, provider: &str) -> u64 {
        self.lock().totals.get(provider).copied().unwrap_or(0)
    }

    /// Requests per UTC minute (start of the minute → count), oldest first.
    pub fn per_minute(&self, provider: &str) -> Vec<(DateTime<Utc>, u64)> {
        self.lock()
            .per_minute
            .get(provider)
            .map(|m| m.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default()
    }

    /// The most requests `provider` received in any single minute.
    pub fn peak_per_minute(&self, provider: &str) -> u64 {
        self.per_minute(provider)
            .into_iter()
            .map(|(_, n)| n)
            .max()
            .unwrap_or(0)
    }

    /// Logged requests, oldest first, optionally for one provider.
    pub fn records(&self, provider: Option<&str>) -> Vec<RequestRecord> {
        self.lock()
            .records
            .iter()
            .filter(|r| provider.is_none_or(|p| r.provider == p))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        let mut state = self.lock();
        state.records.clear();
        state.totals.clear();
        state.per_minute.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32, second: u32) -> DateTime<Utc> {
        let text = format!("2026-01-01T10:{minute:02}:{second:02}Z");
        DateTime::parse_from_rfc3339(&text).map_or(DateTime::UNIX_EPOCH, |d| d.to_utc())
    }

    fn record(provider: &str, when: DateTime<Utc>) -> RequestRecord {
        RequestRecord {
            provider: provider.into(),
            method: "GET".into(),
            path: "/x".into(),
            class: RequestClass::Api,
            at: when,
            status: 200,
            fault: None,
        }
    }

    #[test]
    fn counts_per_provider_and_minute() {
        let log = RequestLog::default();
        log.record(record("sandbox", at(0, 5)));
        log.record(record("sandbox", at(0, 59)));
        log.record(record("sandbox", at(1, 0)));
        log.record(record("oura", at(1, 0)));
        assert_eq!(log.count("sandbox"), 3);
        assert_eq!(log.count("oura"), 1);
        assert_eq!(
            log.per_minute("sandbox"),
            vec![(at(0, 0), 2), (at(1, 0), 1)]
        );
        assert_eq!(log.peak_per_minute("sandbox"), 2);
        assert_eq!(log.records(Some("oura")).len(), 1);
        log.clear();
        assert_eq!(log.count("sandbox"), 0);
    }
}
