//! The `[rate_limits]` section: Terra's inbound limits on the data reads
//! (terra-api-notes A.3), validated at start-up.

use serde::Deserialize;

use super::ConfigError;
use crate::dates::MAX_RANGE_DAYS;

/// Terra's published r2 limit: requested days per user and rolling hour.
pub const DEFAULT_DAY_UNITS_PER_HOUR: i64 = 6_000;

/// `[rate_limits]` configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Rule r2: day units (`end_date − start_date` in days, 1 without dates) one user's
    /// data reads may spend per rolling hour; 0 turns r2 off (r1, at most 1,825 days in
    /// one request, always applies). Otherwise at least 1,825, so that every request r1
    /// allows can pass on an unused window.
    pub day_units_per_hour: i64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            day_units_per_hour: DEFAULT_DAY_UNITS_PER_HOUR,
        }
    }
}

impl RateLimitConfig {
    /// r2's limit, `None` when r2 is off.
    pub fn r2_limit(&self) -> Option<i64> {
        (self.day_units_per_hour > 0).then_some(self.day_units_per_hour)
    }

    /// Checks the range; the error names the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let units = self.day_units_per_hour;
        if units != 0 && units < MAX_RANGE_DAYS {
            return Err(ConfigError::new(
                "rate_limits.day_units_per_hour",
                format!("must be 0 (off) or at least {MAX_RANGE_DAYS}"),
            ));
        }
        Ok(())
    }
}
