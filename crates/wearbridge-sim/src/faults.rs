//! Fault injection, controlled per provider by tests: queued faults (the next N matching
//! requests fail) and probabilistic ones (each matching request fails with probability p,
//! drawn from a seeded generator so a run is reproducible).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use crate::prng::SplitMix64;

/// What goes wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with `Retry-After: <retry_after_s>`.
    RateLimit { retry_after_s: u64 },
    /// A 5xx answer (`status` 500–599, default 500).
    ServerError {
        #[serde(default = "default_server_status")]
        status: u16,
    },
    /// Sleeps `seconds` before answering normally, so a client with a shorter timeout gives up.
    Hang { seconds: u64 },
    /// Answers with the real status but the JSON body cut in half.
    MalformedJson,
    /// The access token presented with the request expires just before it is handled (so the
    /// request gets 401), as if its lifetime ran out in the middle of a backfill. Its refresh
    /// token keeps working. Data endpoints only.
    ExpireToken,
    /// The grant of the presented access token is revoked just before the request is handled
    /// (401 now, `invalid_grant` on refresh), as if the user disconnected the app at the
    /// provider mid-sync. Data endpoints only.
    RevokeToken,
}

fn default_server_status() -> u16 {
    500
}

/// Which requests a fault applies to. The consent page is never faulted: it is a browser
/// page, and provider outages show up at the token and data endpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTarget {
    /// Data endpoints (anything that needs a bearer token).
    #[default]
    Api,
    /// Token and revoke endpoints.
    Token,
    /// Both of the above.
    Any,
}

/// The class of an incoming request, for matching faults and for the request log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestClass {
    Authorize,
    Token,
    Api,
}

impl FaultTarget {
    fn matches(self, class: RequestClass) -> bool {
        matches!(
            (self, class),
            (Self::Api | Self::Any, RequestClass::Api)
                | (Self::Token | Self::Any, RequestClass::Token)
        )
    }
}

/// Shapes push-notification delivery for provider modules that push (none of the current
/// modules does; SANDBOX is pull-only). Kept here so tests configure every fault in one place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryFaults {
    /// Probability that a notification is delivered twice.
    #[serde(default)]
    pub duplicate_probability: f64,
    /// Deliver each batch with neighbouring notifications swapped.
    #[serde(default)]
    pub out_of_order: bool,
}

#[derive(Debug)]
struct Queued {
    kind: FaultKind,
    target: FaultTarget,
    /// Matching requests still to let through before the fault starts.
    skip: u32,
    remaining: u32,
}

#[derive(Debug)]
struct Random {
    kind: FaultKind,
    target: FaultTarget,
    probability: f64,
}

#[derive(Debug, Default)]
struct ProviderFaults {
    queued: VecDeque<Queued>,
    random: Vec<Random>,
    delivery: DeliveryFaults,
}

/// Fault settings for every provider, shared by the HTTP control API and the Rust handle.
#[derive(Debug)]
pub struct Faults {
    inner: Mutex<FaultState>,
}

#[derive(Debug)]
struct FaultState {
    providers: HashMap<String, ProviderFaults>,
    rng: SplitMix64,
}

/// Why a fault request was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultError {
    #[error("probability must be between 0 and 1, got {0}")]
    Probability(f64),
    #[error("server error status must be 500-599, got {0}")]
    Status(u16),
    #[error("times must be at least 1")]
    Times,
    #[error("token faults act on a request's bearer token, so their target must be api")]
    TokenFaultTarget,
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            inner: Mutex::new(FaultState {
                providers: HashMap::new(),
                rng: SplitMix64::new(seed),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `times` requests of `provider` matching `target` get `kind`. Queued faults
    /// are used in the order they were added.
    pub fn inject(
        &self,
        provider: &str,
        kind: FaultKind,
        target: FaultTarget,
        times: u32,
    ) -> Result<(), FaultError> {
        self.inject_after(provider, kind, target, 0, times)
    }

    /// Like [`Faults::inject`], but the first `skip` matching requests pass untouched, so a
    /// test can hit "the middle of a backfill" without knowing its timing.
    pub fn inject_after(
        &self,
        provider: &str,
        kind: FaultKind,
        target: FaultTarget,
        skip: u32,
        times: u32,
    ) -> Result<(), FaultError> {
        validate(&kind, target)?;
        if times == 0 {
            return Err(FaultError::Times);
        }
        let mut state = self.lock();
        let faults = state.providers.entry(provider.to_owned()).or_default();
        faults.queued.push_back(Queued {
            kind,
            target,
            skip,
            remaining: times,
        });
        Ok(())
    }

    /// From now on each matching request fails with `probability` (until cleared).
    pub fn inject_randomly(
        &self,
        provider: &str,
        kind: FaultKind,
        target: FaultTarget,
        probability: f64,
    ) -> Result<(), FaultError> {
        validate(&kind, target)?;
        if !(0.0..=1.0).contains(&probability) {
            return Err(FaultError::Probability(probability));
        }
        let mut state = self.lock();
        let faults = state.providers.entry(provider.to_owned()).or_default();
        faults.random.push(Random {
            kind,
            target,
            probability,
        });
        Ok(())
    }

    pub fn set_delivery(&self, provider: &str, delivery: DeliveryFaults) -> Result<(), FaultError> {
        if !(0.0..=1.0).contains(&delivery.duplicate_probability) {
            return Err(FaultError::Probability(delivery.duplicate_probability));
        }
        self.lock()
            .providers
            .entry(provider.to_owned())
            .or_default()
            .delivery = delivery;
        Ok(())
    }

    /// Removes every fault of `provider` (or of all providers).
    pub fn clear(&self, provider: Option<&str>) {
        let mut state = self.lock();
        match provider {
            Some(name) => {
                state.providers.remove(name);
            }
            None => state.providers.clear(),
        }
    }

    /// Queued faults not yet used, per provider.
    pub fn pending(&self, provider: &str) -> u32 {
        self.lock()
            .providers
            .get(provider)
            .map_or(0, |f| f.queued.iter().map(|q| q.remaining).sum())
    }

    /// Decides the fault (if any) for one request. Consumes one use of a queued fault.
    pub(crate) fn take(&self, provider: &str, class: RequestClass) -> Option<FaultKind> {
        let mut state = self.lock();
        let FaultState { providers, rng } = &mut *state;
        let faults = providers.get_mut(provider)?;
        if let Some(index) = faults.queued.iter().position(|q| q.target.matches(class)) {
            let queued = faults.queued.get_mut(index)?;
            if queued.skip > 0 {
                queued.skip -= 1;
                return None;
            }
            queued.remaining = queued.remaining.saturating_sub(1);
            let kind = queued.kind.clone();
            if queued.remaining == 0 {
                faults.queued.remove(index);
            }
            return Some(kind);
        }
        faults
            .random
            .iter()
            .filter(|r| r.target.matches(class))
            .find(|r| rng.chance(r.probability))
            .map(|r| r.kind.clone())
    }

    /// Applies the provider's delivery faults to a batch of notifications.
    pub fn shape_deliveries<T: Clone>(&self, provider: &str, batch: Vec<T>) -> Vec<T> {
        let mut state = self.lock();
        let FaultState { providers, rng } = &mut *state;
        let delivery = providers
            .get(provider)
            .map(|f| f.delivery)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(batch.len() * 2);
        for item in batch {
            if rng.chance(delivery.duplicate_probability) {
                out.push(item.clone());
            }
            out.push(item);
        }
        if delivery.out_of_order {
            for pair in out.chunks_mut(2) {
                pair.reverse();
            }
        }
        out
    }
}

fn validate(kind: &FaultKind, target: FaultTarget) -> Result<(), FaultError> {
    match kind {
        FaultKind::ServerError { status } if !(500..=599).contains(status) => {
            Err(FaultError::Status(*status))
        }
        FaultKind::ExpireToken | FaultKind::RevokeToken if target != FaultTarget::Api => {
            Err(FaultError::TokenFaultTarget)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: FaultKind = FaultKind::RateLimit { retry_after_s: 7 };

    #[test]
    fn queued_faults_fire_exactly_n_times_on_matching_requests() {
        let faults = Faults::new(1);
        assert!(faults.inject("sandbox", RATE, FaultTarget::Api, 2).is_ok());
        assert_eq!(faults.take("sandbox", RequestClass::Token), None);
        assert_eq!(faults.take("other", RequestClass::Api), None);
        assert_eq!(faults.take("sandbox", RequestClass::Api), Some(RATE));
        assert_eq!(faults.take("sandbox", RequestClass::Api), Some(RATE));
        assert_eq!(faults.take("sandbox", RequestClass::Api), None);
    }

    #[test]
    fn skipped_requests_pass_before_a_queued_fault_fires() {
        let faults = Faults::new(1);
        assert!(
            faults
                .inject_after("p", RATE, FaultTarget::Api, 2, 1)
                .is_ok()
        );
        let seen: Vec<bool> = (0..4)
            .map(|_| faults.take("p", RequestClass::Api).is_some())
            .collect();
        assert_eq!(seen, vec![false, false, true, false]);
        let wrong_target = faults.inject("p", FaultKind::ExpireToken, FaultTarget::Token, 1);
        assert_eq!(wrong_target, Err(FaultError::TokenFaultTarget));
    }

    #[test]
    fn random_faults_fire_at_roughly_their_probability() {
        let faults = Faults::new(42);
        let kind = FaultKind::ServerError { status: 503 };
        assert!(
            faults
                .inject_randomly("sandbox", kind, FaultTarget::Any, 0.3)
                .is_ok()
        );
        let hits = (0..10_000)
            .filter(|_| faults.take("sandbox", RequestClass::Api).is_some())
            .count();
        assert!((2_700..=3_300).contains(&hits), "{hits}");
        faults.clear(Some("sandbox"));
        assert_eq!(faults.take("sandbox", RequestClass::Api), None);
    }

    #[test]
    fn invalid_fault_settings_are_refused() {
        let faults = Faults::new(1);
        let bad = FaultKind::ServerError { status: 404 };
        assert_eq!(
            faults.inject("p", bad, FaultTarget::Api, 1),
            Err(FaultError::Status(404))
        );
        assert_eq!(
            faults.inject("p", RATE, FaultTarget::Api, 0),
            Err(FaultError::Times)
        );
        let result = faults.inject_randomly("p", RATE, FaultTarget::Api, 1.5);
        assert_eq!(result, Err(FaultError::Probability(1.5)));
    }

    #[test]
    fn deliveries_can_be_duplicated_and_reordered() {
        let faults = Faults::new(3);
        assert_eq!(faults.shape_deliveries("p", vec![1, 2, 3]), vec![1, 2, 3]);
        let shaping = DeliveryFaults {
            duplicate_probability: 1.0,
            out_of_order: false,
        };
        assert!(faults.set_delivery("p", shaping).is_ok());
        assert_eq!(faults.shape_deliveries("p", vec![1, 2]), vec![1, 1, 2, 2]);
        let reorder = DeliveryFaults {
            duplicate_probability: 0.0,
            out_of_order: true,
        };
        assert!(faults.set_delivery("p", reorder).is_ok());
        assert_eq!(
            faults.shape_deliveries("p", vec![1, 2, 3, 4, 5]),
            vec![2, 1, 4, 3, 5]
        );
    }

    #[test]
    fn fault_kinds_have_a_stable_json_shape() {
        let parsed: Result<FaultKind, _> = serde_json::from_str(r#"{"type":"server_error"}"#);
        assert_eq!(parsed.ok(), Some(FaultKind::ServerError { status: 500 }));
        let json = serde_json::to_string(&FaultKind::Hang { seconds: 3 }).unwrap_or_default();
        assert_eq!(json, r#"{"type":"hang","seconds":3}"#);
    }
}
