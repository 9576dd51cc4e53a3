//! The `[dashboard]` section: the web dashboard at `/dashboard` (sign-in lifetime, the
//! operator view), validated at start-up.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Shortest operator key accepted: it guards every developer's data.
const MIN_OPERATOR_KEY_CHARS: usize = 24;
/// Longest sign-in lifetime accepted (30 days).
const MAX_SESSION_HOURS: u64 = 24 * 30;

/// `[dashboard]` configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardConfig {
    /// Serve the dashboard at all (`false`: every `/dashboard` path is 404).
    pub enabled: bool,
    /// How long a sign-in lasts, in hours.
    pub session_hours: u64,
    /// Signing in with developer id `operator` and this key opens the operator view,
    /// which lists every developer. Unset: no operator view.
    pub operator_key: Option<SecretString>,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            enabled: true,
            session_hours: 12,
            operator_key: None,
        }
    }
}

impl DashboardConfig {
    /// Checks ranges; the error names the configuration key.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.session_hours == 0 || self.session_hours > MAX_SESSION_HOURS {
            return Err((
                "dashboard.session_hours",
                format!("must be between 1 and {MAX_SESSION_HOURS}"),
            ));
        }
        if let Some(key) = &self.operator_key
            && key.expose_secret().chars().count() < MIN_OPERATOR_KEY_CHARS
        {
            return Err((
                "dashboard.operator_key",
                format!("must be at least {MIN_OPERATOR_KEY_CHARS} characters"),
            ));
        }
        Ok(())
    }

    /// The sign-in lifetime.
    pub fn session_lifetime(&self) -> Duration {
        Duration::from_secs(self.session_hours * 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_and_operator_key_are_checked() {
        assert!(DashboardConfig::default().validate().is_ok());
        let zero = DashboardConfig {
            session_hours: 0,
            ..DashboardConfig::default()
        };
        assert_eq!(
            zero.validate().map_err(|e| e.0),
            Err("dashboard.session_hours")
        );
        let short = DashboardConfig {
            operator_key: Some(SecretString::from("short")),
            ..DashboardConfig::default()
        };
        assert_eq!(
            short.validate().map_err(|e| e.0),
            Err("dashboard.operator_key")
        );
    }
}
