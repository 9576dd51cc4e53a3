//! The `[sync]` section: overrides of the sync engine's per-provider defaults, validated
//! at start-up. [`crate::sync::SyncSettings::from_config`] turns them into settings.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use wearbridge_providers::limits::{ProviderBudget, Rate};
use wearbridge_providers::{CONNECT_TIMEOUT, Provider, ProviderError};

use super::ConfigError;

/// Chunks per claim, unless configured: a few seconds of provider calls, short enough that
/// a new connection's backfill starts promptly behind a large cohort.
pub const DEFAULT_SLICE_CHUNKS: usize = 8;
/// Refresh-ahead margin, unless configured: well beyond a backfill slice, far below any
/// provider's token lifetime (an hour or more).
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
    /// A read refetches today and yesterday when their last fetch is older than this.
    pub read_freshness_secs: u64,
    /// How long a `to_webhook=false` read waits for its gap fill before it answers
    /// `processing` and delivers by webhook.
    pub read_wait_secs: u64,
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
            read_freshness_secs: DEFAULT_READ_FRESHNESS.as_secs(),
            read_wait_secs: DEFAULT_READ_WAIT.as_secs(),
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
        if self.read_freshness_secs > MAX_SYNC_SECS {
            return Err(ConfigError::new(
                "sync.read_freshness_secs",
                format!("must be between 0 and {MAX_SYNC_SECS}"),
            ));
        }
        if self.read_wait_secs > 600 {
            return Err(ConfigError::new(
                "sync.read_wait_secs",
                "must be between 0 and 600",
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
    /// A read refetches today and yesterday when their last fetch is older than this.
    pub read_freshness: Duration,
    /// How long a `to_webhook=false` read waits for its gap fill.
    pub read_wait: Duration,
    /// Whole-request timeout of provider calls made by sync jobs, when it should differ
    /// from the shared client's [`wearbridge_providers::REQUEST_TIMEOUT`] (tests).
    provider_http: Option<reqwest::Client>,
}

/// Freshness of today's and yesterday's data for reads: 15 minutes.
pub const DEFAULT_READ_FRESHNESS: Duration = Duration::from_secs(900);
/// A read waits this long for its gap fill, then answers `processing`.
pub const DEFAULT_READ_WAIT: Duration = Duration::from_secs(30);

/// Poll window: today and yesterday.
pub const DEFAULT_POLL_WINDOW_DAYS: u32 = 2;

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            budgets: published_limits(),
            backfill_days: BTreeMap::new(),
            slice_chunks: DEFAULT_SLICE_CHUNKS,
            poll_intervals: BTreeMap::new(),
            poll_window_days: DEFAULT_POLL_WINDOW_DAYS,
            refresh_ahead: DEFAULT_REFRESH_AHEAD,
            read_freshness: DEFAULT_READ_FRESHNESS,
            read_wait: DEFAULT_READ_WAIT,
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
            read_freshness: Duration::from_secs(config.read_freshness_secs),
            read_wait: Duration::from_secs(config.read_wait_secs),
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

/// The published limits of every provider compiled into this build that publishes any
/// (each provider module's `limits`, sourced in its declaration), by Terra id. A provider
/// without an entry (GARMIN) is unbudgeted, but its 429s still pause it.
pub fn published_limits() -> BTreeMap<String, ProviderBudget> {
    wearbridge_providers::registry::MODULES
        .iter()
        .filter(|module| module.limits.is_limited())
        .map(|module| (module.info.id.to_owned(), module.limits))
        .collect()
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
            published_limits()
                .get("WITHINGS")
                .and_then(|budget| budget.app),
            "the app scope keeps the published limit"
        );
    }
}
