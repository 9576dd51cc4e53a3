//! Published provider rate limits, as each provider module declares them
//! ([`crate::ProviderModule::limits`]).
//!
//! They live here, next to the providers they describe, so that adding a provider states
//! its limits in its own folder. The server turns them into database-backed budgets
//! (`wearbridge_server::sync::budget`); the bucket shape it stores is the server's business,
//! because this crate does not know the store.

use std::time::Duration;

/// A published limit: at most `requests` per `period`, up to `burst` of them back to back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub requests: u32,
    pub period: Duration,
    pub burst: u32,
}

impl Rate {
    /// `requests` per `period` with a burst of one tenth of them (at least 1). `const`, so
    /// provider modules can state their limits in their `static` declarations.
    pub const fn per(requests: u32, period: Duration) -> Rate {
        let burst = requests / 10;
        Rate {
            requests,
            period,
            burst: if burst == 0 { 1 } else { burst },
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

impl ProviderBudget {
    /// No published limit at all (the provider's 429s still pause it).
    pub const NONE: ProviderBudget = ProviderBudget {
        app: None,
        user: None,
    };

    /// Whether the provider publishes any limit.
    pub fn is_limited(&self) -> bool {
        self.app.is_some() || self.user.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_is_a_tenth_and_at_least_one() {
        let minute = Duration::from_secs(60);
        assert_eq!(Rate::per(600, minute).burst, 60);
        assert_eq!(Rate::per(5, minute).burst, 1);
        assert_eq!(Rate::per(0, minute).burst, 1);
        assert_eq!(
            Rate::per(100, minute),
            Rate {
                requests: 100,
                period: minute,
                burst: 10,
            }
        );
    }

    #[test]
    fn a_budget_without_rates_is_unlimited() {
        assert!(!ProviderBudget::NONE.is_limited());
        assert_eq!(ProviderBudget::NONE, ProviderBudget::default());
        let user_only = ProviderBudget {
            app: None,
            user: Some(Rate::per(150, Duration::from_secs(3_600))),
        };
        assert!(user_only.is_limited());
    }
}
