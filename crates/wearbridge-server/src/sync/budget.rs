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

use std::collections::BTreeMap;
use std::time::Duration;

use wearbridge_model::DataType;
use wearbridge_providers::{FetchRange, Provider};
use wearbridge_store::StoreError;
use wearbridge_store::ids::UserId;
use wearbridge_store::sync::{BudgetDecision, BudgetShape};

use crate::clock::micros;
use crate::state::AppState;
use crate::state::now_micros;

/// A published limit: at most `requests` per `period`, up to `burst` of them back to back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub requests: u32,
    pub period: Duration,
    pub burst: u32,
}

impl Rate {
    /// `requests` per `period` with a burst of one tenth of them (at least 1).
    pub fn per(requests: u32, period: Duration) -> Rate {
        Rate {
            requests,
            period,
            burst: (requests / 10).max(1),
        }
    }

    /// The bucket that never lets more than `requests` through in any `period`-long
    /// window: a full bucket holds `burst` and refills one request per
    /// `period / (requests − burst − headroom)`, so a window sees at most
    /// `requests − headroom` acquisitions. The headroom (1 %, at least one request) is for
    /// the later pages of a multi-page fetch: they are charged at the acquisition instant
    /// but leave a few milliseconds later, which can carry one into the next window (the
    /// 1,000-user cohort test measured 101 per second against 100 without it).
    pub fn shape(&self) -> BudgetShape {
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

/// The budgets of one provider. `None` = the provider publishes no such limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProviderBudget {
    /// Shared by every user of the deployment's provider app.
    pub app: Option<Rate>,
    /// Per connected provider account.
    pub user: Option<Rate>,
}

/// Published limits (source: `shared/providers.md`, rate-limit sections) plus the
/// SANDBOX default. Only providers with an adapter in this build are ever asked; the
/// others are here so an adapter added later is budgeted from its first request.
pub fn published_limits() -> BTreeMap<String, ProviderBudget> {
    let minute = Duration::from_secs(60);
    let entries = [
        // Our simulator: a made-up app limit so the budget path is exercised in
        // development; tests and operators replace it through `SyncSettings`.
        (
            "SANDBOX",
            ProviderBudget {
                app: Some(Rate::per(6_000, minute)),
                user: None,
            },
        ),
        // 150 requests per hour per user per app (window resets on the hour).
        (
            "FITBIT",
            ProviderBudget {
                app: None,
                user: Some(Rate::per(150, Duration::from_secs(3_600))),
            },
        ),
        // 5,000 requests per 5-minute window per access token.
        (
            "OURA",
            ProviderBudget {
                app: None,
                user: Some(Rate::per(5_000, Duration::from_secs(300))),
            },
        ),
        // GARMIN publishes no production figure (providers.md: evaluation keys only), so it
        // has no bucket; its 429s still pause it.
        // 100 requests per minute per app (and 10,000 per day, which the per-minute
        // bucket alone does not enforce; a 429 then pauses the app until its reset).
        (
            "WHOOP",
            ProviderBudget {
                app: Some(Rate::per(100, minute)),
                user: None,
            },
        ),
        // Short-term window: 500 (+ 20 per registered user) per 15 minutes per app; the
        // base figure is used, the larger per-user allowance only adds headroom.
        (
            "POLAR",
            ProviderBudget {
                app: Some(Rate::per(500, Duration::from_secs(900))),
                user: None,
            },
        ),
        // 120 requests per minute per partner app.
        (
            "WITHINGS",
            ProviderBudget {
                app: Some(Rate::per(120, minute)),
                user: None,
            },
        ),
    ];
    entries
        .into_iter()
        .map(|(id, budget)| (id.to_owned(), budget))
        .collect()
}

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
    state: &AppState,
    adapter: &dyn Provider,
    user: &UserId,
    data_type: DataType,
    range: FetchRange,
) -> Result<Admission, StoreError> {
    let provider = adapter.info().id;
    let budget = state.sync.budget(provider).copied().unwrap_or_default();
    let cost = i64::from(adapter.request_cost(data_type, range));
    let now = now_micros(state);
    let keys = [
        (user_key(provider, user), budget.user),
        (app_key(provider), budget.app),
    ];
    for (key, rate) in keys {
        let shape = rate.map_or(UNLIMITED, |rate| rate.shape());
        if let BudgetDecision::RetryAt(at) =
            state.store.acquire_budget(&key, shape, cost, now).await?
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
    state: &AppState,
    provider: &str,
    user: &UserId,
    retry_after: Option<Duration>,
) -> Result<i64, StoreError> {
    let budget = state.sync.budget(provider).copied().unwrap_or_default();
    let until = now_micros(state).saturating_add(micros(retry_after.unwrap_or(DEFAULT_PAUSE)));
    let (key, rate) = match (budget.user, budget.app) {
        (Some(rate), _) => (user_key(provider, user), Some(rate)),
        (None, rate) => (app_key(provider), rate),
    };
    let shape = rate.map_or(UNLIMITED, |rate| rate.shape());
    state.store.pause_budget(&key, shape, until).await?;
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
                .get("FITBIT")
                .is_some_and(|b| b.user.is_some() && b.app.is_none())
        );
        assert!(limits.get("WITHINGS").is_some_and(|b| b.app.is_some()));
    }
}
