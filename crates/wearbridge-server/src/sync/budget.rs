//! Provider rate budgets: one per provider app and one per provider user, each a GCRA
//! token bucket stored in the database (`wearbridge_store::sync`).
//!
//! Why in the database and not in memory: with N server processes on one PostgreSQL, an
//! in-memory bucket per process would let N× the provider's limit through. One row per
//! budget and a single conditional `UPDATE` per request makes the check-and-spend atomic
//! across nodes, at the price of one database write per provider request (small next to
//! the provider round trip it guards).
//!
//! A fetch is charged its expected number of provider HTTP requests
//! ([`Provider::request_cost`], which each adapter derives from its own windows and page
//! sizes), because providers count requests, not fetches. The user budget is checked first: a
//! user-level refusal then costs nothing at the app level (an app-level refusal does cost
//! the user budget one fetch, which only slows that user slightly).

use std::time::Duration;

use wearbridge_model::DataType;
use wearbridge_providers::{FetchRange, Provider};
use wearbridge_store::StoreError;
use wearbridge_store::ids::UserId;
use wearbridge_store::sync::{BudgetDecision, BudgetShape};

use crate::clock::micros;
use crate::services::Services;

/// The limit types are declared with the providers (each provider module states its own
/// published limits); re-exported here, where the server has always named them.
pub use wearbridge_providers::limits::{ProviderBudget, Rate};

/// The stored bucket of a [`Rate`]. An extension trait because the rate belongs to the
/// providers crate, which does not know the store's [`BudgetShape`].
pub trait RateShape {
    /// The bucket that never lets more than `requests` through in any `period`-long
    /// window: a full bucket holds `burst` and refills one request per
    /// `period / (requests − burst − headroom)`, so a window sees at most
    /// `requests − headroom` acquisitions. The headroom (1 %, at least one request) is for
    /// the later pages of a multi-page fetch: they are charged at the acquisition instant
    /// but leave a few milliseconds later, which can carry one into the next window (the
    /// 1,000-user cohort test measured 101 per second against 100 without it).
    fn shape(&self) -> BudgetShape;
}

impl RateShape for Rate {
    fn shape(&self) -> BudgetShape {
        let requests = i64::from(self.requests.max(1));
        let burst = i64::from(self.burst).clamp(1, requests);
        let headroom = (requests / 100).max(1);
        let refills = (requests - burst - headroom).max(1);
        BudgetShape {
            interval_micros: micros(self.period) / refills,
            burst,
        }
    }
}

pub use crate::config::published_limits;

/// Pause applied on a 429 without `Retry-After`.
pub const DEFAULT_PAUSE: Duration = Duration::from_secs(60);

/// Whether a provider call may go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Go,
    /// Not before this unix µs.
    WaitUntil(i64),
}

/// Shape used for a budget key that has no configured rate: unlimited, but a pause
/// (tat in the future) still holds it back.
const UNLIMITED: BudgetShape = BudgetShape {
    interval_micros: 0,
    burst: 1,
};

fn app_key(provider: &str) -> String {
    format!("app:{}", provider.to_ascii_uppercase())
}

fn user_key(provider: &str, user: &UserId) -> String {
    format!("user:{}:{user}", provider.to_ascii_uppercase())
}

/// Spends the budgets for `adapter` fetching `data_type` over `range` for `user`, or says
/// when to try again. Both budgets are consulted even when unconfigured, so pauses always
/// apply.
pub async fn acquire(
    services: &Services,
    adapter: &dyn Provider,
    user: &UserId,
    data_type: DataType,
    range: FetchRange,
) -> Result<Admission, StoreError> {
    let provider = adapter.info().id;
    let budget = services
        .settings
        .budget(provider)
        .copied()
        .unwrap_or_default();
    let cost = i64::from(adapter.request_cost(data_type, range));
    let now = services.now_micros();
    let keys = [
        (user_key(provider, user), budget.user),
        (app_key(provider), budget.app),
    ];
    for (key, rate) in keys {
        let shape = rate.map_or(UNLIMITED, |rate| rate.shape());
        if let BudgetDecision::RetryAt(at) = services
            .store
            .acquire_budget(&key, shape, cost, now)
            .await?
        {
            return Ok(Admission::WaitUntil(at));
        }
    }
    Ok(Admission::Go)
}

/// The provider said "too many requests": pauses the narrowest budget it can mean (the
/// user's when the provider limits per user, else the app's) until `retry_after` (or
/// [`DEFAULT_PAUSE`]); returns the end of the pause (unix µs).
pub async fn pause(
    services: &Services,
    provider: &str,
    user: &UserId,
    retry_after: Option<Duration>,
) -> Result<i64, StoreError> {
    let budget = services
        .settings
        .budget(provider)
        .copied()
        .unwrap_or_default();
    let until = services
        .now_micros()
        .saturating_add(micros(retry_after.unwrap_or(DEFAULT_PAUSE)));
    let (key, rate) = match (budget.user, budget.app) {
        (Some(rate), _) => (user_key(provider, user), Some(rate)),
        (None, rate) => (app_key(provider), rate),
    };
    let shape = rate.map_or(UNLIMITED, |rate| rate.shape());
    services.store.pause_budget(&key, shape, until).await?;
    tracing::info!(provider, budget = %key, retry_after = ?retry_after, "provider rate limit: budget paused");
    Ok(until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shape_never_exceeds_the_published_count_per_period() {
        let shape = Rate::per(600, Duration::from_secs(60)).shape();
        assert_eq!(shape.burst, 60);
        // 534 refills per minute: 60 + 534 = 594 acquisitions, 6 in flight, in any minute.
        assert_eq!(shape.interval_micros, 60_000_000 / 534);
        let tiny = Rate {
            requests: 1,
            period: Duration::from_secs(10),
            burst: 5,
        };
        assert_eq!(tiny.shape().burst, 1);
        assert_eq!(tiny.shape().interval_micros, 10_000_000);
    }

    #[test]
    fn published_limits_name_their_scope() {
        let limits = published_limits();
        assert!(
            limits
                .get("OURA")
                .is_some_and(|b| b.user.is_some() && b.app.is_none())
        );
        assert!(limits.get("WITHINGS").is_some_and(|b| b.app.is_some()));
        // Every entry is a provider of this build, and GARMIN (no published figure) has
        // none.
        let builtin = wearbridge_providers::Registry::builtin();
        assert!(limits.keys().all(|id| builtin.info(id).is_some()));
        assert!(!limits.contains_key("GARMIN"));
    }
}
