//! The `[webhooks]` section: webhook delivery settings, validated at start-up.

use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;

use crate::outbound::TargetPolicy;

/// Delays before retry 1, 2, ... (seconds): the default of `[webhooks] retry_delays_secs`.
pub const RETRY_DELAYS_SECS: [u64; 8] = [
    0,
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    10 * 3600,
];

/// `[webhooks]` configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// Run the delivery, data-request and healthcheck workers in this process.
    pub enabled: bool,
    /// Per-attempt timeout in seconds, 1–30 (Terra's documented per-destination range).
    pub timeout_secs: u64,
    /// How often idle workers look for due events (other nodes' appends, retries), ms.
    pub poll_interval_ms: u64,
    /// Events claimed per batch.
    pub batch_size: u32,
    /// Lease on claimed events, seconds: after a crash an event is resent this late.
    /// Must cover a batch (timeout × batch / per-destination concurrency, worst case).
    pub lease_secs: u64,
    /// Concurrent requests to one developer's URL.
    pub per_destination_concurrency: usize,
    /// Claim loops per process (each runs one batch at a time).
    pub lanes: usize,
    /// Healthcheck event period in seconds; 0 turns healthchecks off.
    pub healthcheck_interval_secs: u64,
    /// Delays before each retry, seconds (±20 % jitter each). Default: immediately, 5 s,
    /// 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; at most 20 entries of at most 7 days each.
    pub retry_delays_secs: Vec<u64>,
    /// Non-public networks deliveries may reach (CIDRs or addresses; a list, or one
    /// comma-separated string as `WEARBRIDGE_WEBHOOKS__ALLOWED_TARGETS` gives it). See
    /// [`crate::outbound`].
    #[serde(deserialize_with = "allowed_targets")]
    pub allowed_targets: Vec<IpNet>,
    /// Loopback allowed too: development and sandbox mode (set by the binary, not read).
    #[serde(skip)]
    pub allow_loopback: bool,
}

/// `allowed_targets`: a list of CIDRs or a comma-separated string of them; a bare
/// address is its own /32 or /128.
fn allowed_targets<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<IpNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        One(String),
        Many(Vec<String>),
    }
    let items = match Given::deserialize(de)? {
        Given::One(text) => text.split(',').map(str::to_owned).collect(),
        Given::Many(items) => items,
    };
    items
        .iter()
        .map(|item| item.trim())
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| serde::de::Error::custom(format!("{item:?} is not a CIDR or address")))
        })
        .collect()
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            enabled: true,
            timeout_secs: 15,
            poll_interval_ms: 500,
            batch_size: 200,
            lease_secs: 300,
            per_destination_concurrency: 32,
            lanes: 2,
            healthcheck_interval_secs: 3600,
            retry_delays_secs: RETRY_DELAYS_SECS.to_vec(),
            allowed_targets: Vec::new(),
            allow_loopback: false,
        }
    }
}

impl DeliveryConfig {
    /// Checks ranges; the error names the configuration key.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if !(1..=30).contains(&self.timeout_secs) {
            return Err(("webhooks.timeout_secs", "must be between 1 and 30".into()));
        }
        if self.batch_size == 0 || self.per_destination_concurrency == 0 || self.lanes == 0 {
            return Err((
                "webhooks",
                "batch_size, per_destination_concurrency and lanes must be at least 1".into(),
            ));
        }
        if self.lease_secs < 2 * self.timeout_secs {
            return Err((
                "webhooks.lease_secs",
                "must be at least twice timeout_secs".into(),
            ));
        }
        if self.poll_interval_ms == 0 {
            return Err(("webhooks.poll_interval_ms", "must be at least 1".into()));
        }
        const WEEK_SECS: u64 = 7 * 86_400;
        if self.retry_delays_secs.len() > 20
            || self
                .retry_delays_secs
                .iter()
                .any(|delay| *delay > WEEK_SECS)
        {
            return Err((
                "webhooks.retry_delays_secs",
                "at most 20 delays, each at most 604800 seconds (7 days)".into(),
            ));
        }
        Ok(())
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }

    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }

    /// Where deliveries may go besides public addresses.
    pub fn target_policy(&self) -> TargetPolicy {
        TargetPolicy {
            allow_loopback: self.allow_loopback,
            allowed: self.allowed_targets.clone(),
            ..TargetPolicy::default()
        }
    }
}
