//! The `[sync]` section: overrides of the sync engine's per-provider defaults, validated
//! at start-up. [`crate::sync::SyncSettings::from_config`] turns them into settings.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;

/// Backfill chunks a job runs per claim before yielding, unless configured.
pub const DEFAULT_SLICE_CHUNKS: usize = 8;
/// Refresh-ahead margin, unless configured.
pub const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(600);

/// The `[sync]` section: overrides of the sync engine's per-provider defaults. Provider
/// keys are Terra ids in any case (`OURA`, `oura`: environment variables such as
/// `WEARBRIDGE_SYNC__BACKFILL_DAYS__OURA=90` arrive lowercase).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// Poll interval in seconds by provider, replacing the provider's own; 0 turns
    /// polling off for that provider.
    pub poll_interval_secs: BTreeMap<String, u64>,
    /// Access tokens expiring within this many seconds are refreshed ahead by a job.
    pub refresh_ahead_secs: u64,
    /// Days a new connection backfills, by provider.
    pub backfill_days: BTreeMap<String, u32>,
    /// Backfill chunks (7 days × one type) a job runs before yielding to other users.
    pub slice_chunks: usize,
    /// Rate budgets by provider, replacing the published limits scope by scope.
    pub budgets: BTreeMap<String, BudgetConfig>,
}

/// One provider's budget override: a scope whose `*_requests` is set gets
/// `requests` per `period_secs` (default 60); an unset scope keeps the published limit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetConfig {
    /// Requests per period shared by every user of the deployment's provider app.
    pub app_requests: Option<u32>,
    pub app_period_secs: Option<u64>,
    /// Requests per period per connected provider account.
    pub user_requests: Option<u32>,
    pub user_period_secs: Option<u64>,
}

/// Budget period when only the request count is configured.
pub const DEFAULT_BUDGET_PERIOD_SECS: u64 = 60;
/// Shortest poll interval accepted: providers rate-limit per minute or hour, and a
/// faster poll would spend the budget that backfills and push fetches need.
const MIN_POLL_INTERVAL_SECS: u64 = 60;
/// Longest backfill accepted (ten years): anything above is a typo.
const MAX_BACKFILL_DAYS: u32 = 3_650;
/// Longest period and refresh margin accepted (one day).
const MAX_SYNC_SECS: u64 = 86_400;

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            poll_interval_secs: BTreeMap::new(),
            refresh_ahead_secs: DEFAULT_REFRESH_AHEAD.as_secs(),
            backfill_days: BTreeMap::new(),
            slice_chunks: DEFAULT_SLICE_CHUNKS,
            budgets: BTreeMap::new(),
        }
    }
}

impl SyncConfig {
    /// Checks ranges and provider names; the error names the key (and the provider in
    /// its message).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.refresh_ahead_secs == 0 || self.refresh_ahead_secs > MAX_SYNC_SECS {
            return Err(ConfigError::new(
                "sync.refresh_ahead_secs",
                format!("must be between 1 and {MAX_SYNC_SECS}"),
            ));
        }
        if self.slice_chunks == 0 || self.slice_chunks > 10_000 {
            return Err(ConfigError::new(
                "sync.slice_chunks",
                "must be between 1 and 10000",
            ));
        }
        for (provider, secs) in &self.poll_interval_secs {
            known_provider("sync.poll_interval_secs", provider)?;
            if *secs != 0 && !(MIN_POLL_INTERVAL_SECS..=7 * MAX_SYNC_SECS).contains(secs) {
                return Err(ConfigError::new(
                    "sync.poll_interval_secs",
                    format!(
                        "{provider}: must be 0 (off) or between {MIN_POLL_INTERVAL_SECS} and {}",
                        7 * MAX_SYNC_SECS
                    ),
                ));
            }
        }
        for (provider, days) in &self.backfill_days {
            known_provider("sync.backfill_days", provider)?;
            if !(1..=MAX_BACKFILL_DAYS).contains(days) {
                return Err(ConfigError::new(
                    "sync.backfill_days",
                    format!("{provider}: must be between 1 and {MAX_BACKFILL_DAYS}"),
                ));
            }
        }
        for (provider, budget) in &self.budgets {
            known_provider("sync.budgets", provider)?;
            budget.validate(provider)?;
        }
        Ok(())
    }
}

impl BudgetConfig {
    fn validate(&self, provider: &str) -> Result<(), ConfigError> {
        let scopes = [
            ("app", self.app_requests, self.app_period_secs),
            ("user", self.user_requests, self.user_period_secs),
        ];
        for (scope, requests, period) in scopes {
            if requests == Some(0) {
                return Err(ConfigError::new(
                    "sync.budgets",
                    format!("{provider}.{scope}_requests: must be at least 1"),
                ));
            }
            if period.is_some() && requests.is_none() {
                return Err(ConfigError::new(
                    "sync.budgets",
                    format!("{provider}.{scope}_period_secs: set {scope}_requests too"),
                ));
            }
            if period.is_some_and(|secs| secs == 0 || secs > MAX_SYNC_SECS) {
                return Err(ConfigError::new(
                    "sync.budgets",
                    format!(
                        "{provider}.{scope}_period_secs: must be between 1 and {MAX_SYNC_SECS}"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A provider key must name a provider this build knows (a typo would silently
/// configure nothing).
fn known_provider(key: &'static str, provider: &str) -> Result<(), ConfigError> {
    if wearbridge_providers::Registry::builtin()
        .info(provider)
        .is_some()
    {
        Ok(())
    } else {
        Err(ConfigError::new(
            key,
            format!("unknown provider {provider:?}"),
        ))
    }
}
