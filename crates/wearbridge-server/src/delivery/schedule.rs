//! The retry schedule: after the first failed attempt, retry immediately, then after
//! 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (issue 5), each delay with ±20 % jitter so
//! a recovering receiver is not hit by every queued event in the same second. Nine
//! attempts over about 32.6 h, then the event is kept as `failed` and can be resent.
//!
//! `Retry-After` is honoured within `[scheduled delay, 24 h]`: a receiver can slow us
//! down but not speed the schedule up, and cannot park an event for longer than a day.

use std::time::Duration;

use rand::Rng;

pub use crate::config::RETRY_DELAYS_SECS;
/// Largest delay a `Retry-After` header can ask for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The retry delays and the jitter applied to them.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
    /// Fraction of each delay by which it may move either way (0.2 = ±20 %).
    jitter: f64,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule::with_jitter(0.2)
    }
}

impl RetrySchedule {
    /// The issue's delays with the given jitter fraction (clamped to `[0, 1]`).
    pub fn with_jitter(jitter: f64) -> RetrySchedule {
        RetrySchedule {
            delays: RETRY_DELAYS_SECS
                .iter()
                .copied()
                .map(Duration::from_secs)
                .collect(),
            jitter: jitter.clamp(0.0, 1.0),
        }
    }

    /// Custom delays (seconds, `[webhooks] retry_delays_secs`) with the given jitter.
    pub fn from_delays(delays_secs: &[u64], jitter: f64) -> RetrySchedule {
        RetrySchedule {
            delays: delays_secs
                .iter()
                .copied()
                .map(Duration::from_secs)
                .collect(),
            jitter: jitter.clamp(0.0, 1.0),
        }
    }

    /// Total attempts before giving up (the first plus one per delay).
    pub fn max_attempts(&self) -> usize {
        self.delays.len() + 1
    }

    /// The un-jittered delay before the attempt after attempt `attempts_made` (1-based);
    /// `None` once the schedule is spent.
    pub fn base_delay(&self, attempts_made: usize) -> Option<Duration> {
        attempts_made
            .checked_sub(1)
            .and_then(|index| self.delays.get(index))
            .copied()
    }

    /// The delay before the next attempt after `attempts_made` failed attempts, with
    /// jitter from `rng` and `retry_after` honoured within limits; `None` = give up.
    pub fn next_delay(
        &self,
        attempts_made: usize,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Option<Duration> {
        let base = self.base_delay(attempts_made)?;
        let jittered = if self.jitter > 0.0 && !base.is_zero() {
            base.mul_f64(1.0 + rng.gen_range(-self.jitter..=self.jitter))
        } else {
            base
        };
        Some(match retry_after {
            Some(asked) => asked.clamp(jittered, MAX_RETRY_AFTER.max(jittered)),
            None => jittered,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn unjittered_schedule_is_the_issues() {
        let schedule = RetrySchedule::with_jitter(0.0);
        let mut rng = StdRng::seed_from_u64(1);
        let delays: Vec<u64> = (1..=schedule.max_attempts())
            .map_while(|n| schedule.next_delay(n, None, &mut rng))
            .map(|d| d.as_secs())
            .collect();
        assert_eq!(delays, RETRY_DELAYS_SECS);
        assert_eq!(schedule.max_attempts(), 9);
        assert_eq!(schedule.next_delay(9, None, &mut rng), None);
    }

    #[test]
    fn jitter_stays_within_twenty_percent_and_varies() {
        let schedule = RetrySchedule::default();
        let mut rng = StdRng::seed_from_u64(7);
        let samples: Vec<Duration> = (0..200)
            .filter_map(|_| schedule.next_delay(3, None, &mut rng))
            .collect();
        let base = Duration::from_secs(300);
        assert!(
            samples
                .iter()
                .all(|d| *d >= base.mul_f64(0.8) && *d <= base.mul_f64(1.2))
        );
        assert!(samples.iter().any(|d| *d < base.mul_f64(0.95)));
        assert!(samples.iter().any(|d| *d > base.mul_f64(1.05)));
        // "Immediately" stays immediate.
        assert_eq!(schedule.next_delay(1, None, &mut rng), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_is_clamped_between_schedule_and_a_day() {
        let schedule = RetrySchedule::with_jitter(0.0);
        let mut rng = StdRng::seed_from_u64(1);
        let five_min = Duration::from_secs(300);
        let ask = |secs| Some(Duration::from_secs(secs));
        assert_eq!(schedule.next_delay(3, ask(60), &mut rng), Some(five_min));
        assert_eq!(
            schedule.next_delay(3, ask(900), &mut rng),
            Some(Duration::from_secs(900))
        );
        assert_eq!(
            schedule.next_delay(3, ask(7 * 86_400), &mut rng),
            Some(MAX_RETRY_AFTER)
        );
    }
}
