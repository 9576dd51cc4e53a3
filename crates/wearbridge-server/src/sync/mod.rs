//! The sync engine: what keeps provider data current after a connection.
//!
//! * [`budget`]: provider rate budgets (per provider app and per provider user), stored in
//!   the database so every node on one PostgreSQL shares them; a provider's 429 pauses
//!   the budget until its `Retry-After`.
//! * [`plan`]: the engine's core: a plan of chunks fetched through [`budget::acquire`],
//!   mapped, stored and announced, checkpointed per chunk, yielding its turn after
//!   [`SyncSettings::slice_chunks`] chunks (fair scheduling) and waiting (without
//!   spending attempts) when a budget is empty. The backfill, poll and fetch jobs
//!   (`crate::jobs`) run it.
//! * [`status`]: per-connection backfill progress for the API and the CLI.
//! * [`push`]: provider push notifications become deduplicated fetch jobs.
//! * [`schedule`]: the sweep that queues polls, token refresh-ahead and provider
//!   subscription renewals once per connection, whatever the number of nodes.

pub mod budget;
pub mod plan;
pub mod push;
pub mod schedule;
pub mod status;

use std::collections::BTreeMap;
use std::time::Duration;

use wearbridge_providers::{CONNECT_TIMEOUT, Provider, ProviderError};

pub use budget::{ProviderBudget, Rate};

use crate::config::{BudgetConfig, DEFAULT_BUDGET_PERIOD_SECS, SyncConfig};

/// Sync engine settings (the `[sync]` configuration section, see
/// [`crate::config::SyncConfig`]). Defaults: the published limits of
/// [`budget::published_limits`], each provider's own backfill depth and poll interval,
/// slices of [`DEFAULT_SLICE_CHUNKS`] chunks, refresh [`DEFAULT_REFRESH_AHEAD`] ahead.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Budgets by Terra provider id (uppercase). A provider without an entry is
    /// unbudgeted, but a 429 still pauses it.
    pub budgets: BTreeMap<String, ProviderBudget>,
    /// Backfill depth in days by provider id, overriding [`Provider::backfill_days`].
    pub backfill_days: BTreeMap<String, u32>,
    /// Chunks a backfill job runs per claim before it goes to the back of the queue, so a
    /// cohort of long backfills cannot starve a new connection's.
    pub slice_chunks: usize,
    /// Poll interval by provider id, overriding the provider's own; zero turns polling
    /// off for that provider.
    pub poll_intervals: BTreeMap<String, Duration>,
    /// Days each poll fetches, ending today: enough to pick up late syncs of yesterday.
    pub poll_window_days: u32,
    /// Access tokens expiring within this margin are refreshed ahead by a job, so fetches
    /// rarely wait for a refresh (or meet a 401) on the hot path.
    pub refresh_ahead: Duration,
    /// Whole-request timeout of provider calls made by sync jobs, when it should differ
    /// from the shared client's [`wearbridge_providers::REQUEST_TIMEOUT`] (tests).
    provider_http: Option<reqwest::Client>,
}

/// Chunks per claim ([`crate::config::DEFAULT_SLICE_CHUNKS`]): a few seconds of provider
/// calls, short enough that a new connection's backfill starts promptly behind a large
/// cohort. Refresh-ahead margin ([`crate::config::DEFAULT_REFRESH_AHEAD`]): well beyond a
/// backfill slice, far below any provider's token lifetime (an hour or more).
pub use crate::config::{DEFAULT_REFRESH_AHEAD, DEFAULT_SLICE_CHUNKS};
/// Poll window: today and yesterday.
pub const DEFAULT_POLL_WINDOW_DAYS: u32 = 2;

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            budgets: budget::published_limits(),
            backfill_days: BTreeMap::new(),
            slice_chunks: DEFAULT_SLICE_CHUNKS,
            poll_intervals: BTreeMap::new(),
            poll_window_days: DEFAULT_POLL_WINDOW_DAYS,
            refresh_ahead: DEFAULT_REFRESH_AHEAD,
            provider_http: None,
        }
    }
}

impl SyncSettings {
    /// The sync engine settings the `[sync]` section gives (defaults where unset).
    pub fn from_config(config: &SyncConfig) -> SyncSettings {
        let mut settings = SyncSettings {
            refresh_ahead: Duration::from_secs(config.refresh_ahead_secs),
            slice_chunks: config.slice_chunks,
            ..SyncSettings::default()
        };
        for (provider, secs) in &config.poll_interval_secs {
            settings
                .poll_intervals
                .insert(provider.to_ascii_uppercase(), Duration::from_secs(*secs));
        }
        for (provider, days) in &config.backfill_days {
            settings
                .backfill_days
                .insert(provider.to_ascii_uppercase(), *days);
        }
        for (provider, budget) in &config.budgets {
            let id = provider.to_ascii_uppercase();
            let current = settings.budget(&id).copied().unwrap_or_default();
            settings
                .budgets
                .retain(|key, _| !key.eq_ignore_ascii_case(&id));
            settings.budgets.insert(id, apply_budget(budget, current));
        }
        settings
    }

    /// The budget configured for `provider_id`, if any.
    pub fn budget(&self, provider_id: &str) -> Option<&ProviderBudget> {
        self.budgets
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(provider_id))
            .map(|(_, budget)| budget)
    }

    /// How many days a new connection to `provider` backfills.
    pub fn backfill_days(&self, provider: &dyn Provider) -> u32 {
        let id = provider.info().id;
        self.backfill_days
            .iter()
            .find(|(configured, _)| configured.eq_ignore_ascii_case(id))
            .map_or_else(|| provider.backfill_days(), |(_, days)| *days)
    }

    /// How often active connections of `provider` are polled: the configured interval,
    /// else [`Provider::poll_interval`]; `None` = never (the provider's push is enough,
    /// or polling was turned off with a zero interval).
    pub fn poll_interval(&self, provider: &dyn Provider) -> Option<Duration> {
        let id = provider.info().id;
        let configured = self
            .poll_intervals
            .iter()
            .find(|(configured, _)| configured.eq_ignore_ascii_case(id))
            .map(|(_, interval)| *interval);
        configured
            .or_else(|| provider.poll_interval())
            .filter(|interval| !interval.is_zero())
    }

    /// Sync jobs call providers with a client whose whole-request timeout is `timeout`
    /// (a hung provider then fails the attempt sooner; tests use it with the simulator's
    /// `Hang` fault).
    pub fn set_provider_timeout(&mut self, timeout: Duration) -> Result<(), ProviderError> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| ProviderError::Transient(format!("HTTP client: {error}")))?;
        self.provider_http = Some(client);
        Ok(())
    }

    /// The client of [`SyncSettings::set_provider_timeout`], when one is set.
    pub fn provider_http(&self) -> Option<&reqwest::Client> {
        self.provider_http.as_ref()
    }
}

/// `published` with the scopes `config` sets replaced (period defaulting to
/// [`DEFAULT_BUDGET_PERIOD_SECS`]).
fn apply_budget(config: &BudgetConfig, published: ProviderBudget) -> ProviderBudget {
    let rate = |requests: Option<u32>, period: Option<u64>| {
        requests.map(|requests| {
            let period = period.unwrap_or(DEFAULT_BUDGET_PERIOD_SECS);
            Rate::per(requests, Duration::from_secs(period))
        })
    };
    ProviderBudget {
        app: rate(config.app_requests, config.app_period_secs).or(published.app),
        user: rate(config.user_requests, config.user_period_secs).or(published.user),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_overrides_replace_defaults_scope_by_scope() {
        let mut sync = SyncConfig {
            refresh_ahead_secs: 120,
            slice_chunks: 3,
            ..SyncConfig::default()
        };
        sync.poll_interval_secs.insert("sandbox".into(), 900);
        sync.backfill_days.insert("oura".into(), 90);
        let budget = BudgetConfig {
            user_requests: Some(100),
            user_period_secs: Some(300),
            ..BudgetConfig::default()
        };
        sync.budgets.insert("withings".into(), budget);
        let settings = SyncSettings::from_config(&sync);
        assert_eq!(settings.refresh_ahead, Duration::from_secs(120));
        assert_eq!(settings.slice_chunks, 3);
        assert_eq!(
            settings.poll_intervals.get("SANDBOX"),
            Some(&Duration::from_secs(900))
        );
        assert_eq!(settings.backfill_days.get("OURA"), Some(&90));
        let withings = settings.budget("WITHINGS").copied().unwrap_or_default();
        assert_eq!(
            withings.user,
            Some(Rate::per(100, Duration::from_secs(300)))
        );
        assert_eq!(
            withings.app,
            budget::published_limits()
                .get("WITHINGS")
                .and_then(|budget| budget.app),
            "the app scope keeps the published limit"
        );
    }
}
