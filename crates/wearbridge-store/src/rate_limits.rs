//! Terra's inbound rate limit r2 (terra-api-notes A.3): at most `limit` requested days
//! ("day units") per user in a rolling hour, counted in the database so every node on
//! one PostgreSQL database shares the count.
//!
//! # The rolling hour
//! A user's window is the units spent per clock minute ([`Window`], stored as text in
//! `rate_limit_windows`). Units spent during minute `m` count until a full hour after
//! that minute *ends*: a request at any instant `t` is counted for at least 3,600 s after
//! `t` (never forgotten early), and for at most 60 s longer. So no rolling hour ever
//! holds more than `limit` units, and at most 61 buckets are kept per user.
//!
//! # Atomicity
//! One transaction: an upsert that returns the row locks it (PostgreSQL: the row lock
//! queues concurrent nodes; SQLite: `BEGIN IMMEDIATE` on the single writer), the check
//! and the addition run here in Rust, and the new window is written before commit. Two
//! requests can therefore never both spend the last units, on one node or many.

use crate::ids::{DeveloperId, UserId};
use crate::{Backend, Result, Store};

/// Length of the rolling window, seconds.
pub const WINDOW_SECS: i64 = 3_600;
/// Granularity of the window, seconds.
pub const BUCKET_SECS: i64 = 60;

const MICROS: i64 = 1_000_000;

/// Locks (creating it if needed) and returns the window of a *visible* user of the
/// developer; no row for an unknown, foreign or deauthenticated user.
const LOCK_WINDOW: &str = "INSERT INTO rate_limit_windows (developer_id, user_id, buckets, updated_at) \
     SELECT $1, $2, '', $3 WHERE EXISTS (SELECT 1 FROM users \
       WHERE id = $2 AND developer_id = $1 AND deauthenticated = 0) \
     ON CONFLICT (developer_id, user_id) DO UPDATE SET updated_at = rate_limit_windows.updated_at \
     RETURNING buckets";
const WRITE_WINDOW: &str = "UPDATE rate_limit_windows SET buckets = $3, updated_at = $4 \
     WHERE developer_id = $1 AND user_id = $2";
/// PostgreSQL only: a database crash may forget the last few hundred ms of counts, which
/// only lets a user read slightly more; not worth a WAL flush on every data read.
const ASYNC_COMMIT: &str = "SET LOCAL synchronous_commit TO OFF";

/// One request's charge against a user's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayUnitCharge {
    /// Day units the request costs (at least 1).
    pub cost: i64,
    /// Units allowed per rolling hour.
    pub limit: i64,
    /// Now, unix microseconds.
    pub now_micros: i64,
}

/// The answer of [`Store::charge_day_units`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayUnitDecision {
    /// No visible user of that developer: nothing was counted (the caller answers 404).
    UnknownUser,
    /// Counted. `remaining` units are left; the window is empty again (every unit
    /// counted now has left it) after `reset_after_secs`.
    Accepted {
        remaining: i64,
        reset_after_secs: i64,
    },
    /// Not counted: the request fits again after `retry_after_secs` (if nothing else is
    /// spent meanwhile).
    Refused { retry_after_secs: i64 },
}

/// Units per minute of one user's rolling window, oldest minute first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    /// `(unix minute, units)`.
    buckets: Vec<(i64, i64)>,
}

impl Window {
    /// Parses the stored form `"<minute>:<units>,..."`; malformed entries are dropped (a
    /// damaged row forgets some counts rather than failing every read of the user).
    pub fn parse(text: &str) -> Window {
        let mut buckets: Vec<(i64, i64)> = text
            .split(',')
            .filter_map(|entry| {
                let (minute, units) = entry.split_once(':')?;
                Some((minute.trim().parse().ok()?, units.trim().parse().ok()?))
            })
            .filter(|(_, units)| *units > 0)
            .collect();
        buckets.sort_unstable();
        Window { buckets }
    }

    /// The stored form.
    pub fn render(&self) -> String {
        self.buckets
            .iter()
            .map(|(minute, units)| format!("{minute}:{units}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Units counted at `now_micros`.
    pub fn used(&self, now_micros: i64) -> i64 {
        self.buckets
            .iter()
            .filter(|(minute, _)| expiry_micros(*minute) > now_micros)
            .map(|(_, units)| *units)
            .sum()
    }

    /// Checks `charge` and, when it fits, adds it to the current minute; buckets that
    /// left the window are dropped either way.
    pub fn charge(&mut self, charge: DayUnitCharge) -> DayUnitDecision {
        let now = charge.now_micros;
        self.buckets
            .retain(|(minute, _)| expiry_micros(*minute) > now);
        let used: i64 = self.buckets.iter().map(|(_, units)| *units).sum();
        let cost = charge.cost.max(1);
        if used.saturating_add(cost) > charge.limit {
            return DayUnitDecision::Refused {
                retry_after_secs: self.retry_after_secs(used, cost, charge.limit, now),
            };
        }
        let minute = now.div_euclid(BUCKET_SECS * MICROS);
        match self.buckets.iter_mut().find(|(m, _)| *m == minute) {
            Some((_, units)) => *units = units.saturating_add(cost),
            None => {
                self.buckets.push((minute, cost));
                self.buckets.sort_unstable();
            }
        }
        // Every unit has left once the newest bucket has.
        let newest = self.buckets.last().map_or(minute, |(m, _)| *m);
        DayUnitDecision::Accepted {
            remaining: charge.limit - used - cost,
            reset_after_secs: ceil_secs(expiry_micros(newest) - now),
        }
    }

    /// Seconds until enough of the oldest units have left for `cost` to fit. A cost
    /// above the whole limit never fits; it is told to wait for a whole window.
    fn retry_after_secs(&self, used: i64, cost: i64, limit: i64, now: i64) -> i64 {
        let mut still_used = used;
        for (minute, units) in &self.buckets {
            still_used -= units;
            if still_used + cost <= limit {
                return ceil_secs(expiry_micros(*minute) - now);
            }
        }
        WINDOW_SECS + BUCKET_SECS
    }
}

/// When the units of `minute` leave the window: an hour after the minute ends.
fn expiry_micros(minute: i64) -> i64 {
    minute
        .saturating_add(1)
        .saturating_mul(BUCKET_SECS)
        .saturating_add(WINDOW_SECS)
        .saturating_mul(MICROS)
}

/// Whole seconds, rounded up, at least 1 (a header of 0 would invite a retry that fails).
fn ceil_secs(micros: i64) -> i64 {
    (micros.max(0) + MICROS - 1).div_euclid(MICROS).max(1)
}

impl Store {
    /// Charges `charge.cost` day units to `user` of `dev` when they fit in the user's
    /// rolling hour (see the module docs); atomic across nodes.
    pub async fn charge_day_units(
        &self,
        dev: &DeveloperId,
        user: &UserId,
        charge: DayUnitCharge,
    ) -> Result<DayUnitDecision> {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query(ASYNC_COMMIT).execute(&mut *tx.tx).await?;
        }
        let stored: Option<String> = sqlx::query_scalar(LOCK_WINDOW)
            .bind(dev.as_str())
            .bind(user.as_str())
            .bind(charge.now_micros)
            .fetch_optional(&mut *tx.tx)
            .await?;
        let Some(stored) = stored else {
            return Ok(DayUnitDecision::UnknownUser);
        };
        let mut window = Window::parse(&stored);
        let decision = window.charge(charge);
        if matches!(decision, DayUnitDecision::Accepted { .. }) {
            sqlx::query(WRITE_WINDOW)
                .bind(dev.as_str())
                .bind(user.as_str())
                .bind(window.render())
                .bind(charge.now_micros)
                .execute(&mut *tx.tx)
                .await?;
        }
        tx.commit().await?;
        Ok(decision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = BUCKET_SECS * MICROS;
    const HOUR: i64 = WINDOW_SECS * MICROS;
    /// 2024-01-01T00:00:00Z, a minute boundary.
    const T0: i64 = 1_704_067_200 * MICROS;

    fn charge(cost: i64, now_micros: i64) -> DayUnitCharge {
        DayUnitCharge {
            cost,
            limit: 100,
            now_micros,
        }
    }

    #[test]
    fn the_limit_holds_within_the_hour_and_frees_an_hour_after_the_minute_ends() {
        let mut window = Window::default();
        assert_eq!(
            window.charge(charge(60, T0 + 30 * MICROS)),
            DayUnitDecision::Accepted {
                remaining: 40,
                // Units of minute 0 leave at 01:01:00, 3,630 s after 00:00:30.
                reset_after_secs: 3_630,
            }
        );
        assert_eq!(
            window.charge(charge(40, T0 + 10 * MINUTE)),
            DayUnitDecision::Accepted {
                remaining: 0,
                reset_after_secs: 3_660,
            }
        );
        // Full: the first 60 leave at 01:01:00; 50 units fit then.
        assert_eq!(
            window.charge(charge(50, T0 + 59 * MINUTE)),
            DayUnitDecision::Refused {
                retry_after_secs: 120
            }
        );
        // Exactly an hour after the first request it still counts (never early) ...
        assert!(matches!(
            window.charge(charge(1, T0 + 30 * MICROS + HOUR)),
            DayUnitDecision::Refused { .. }
        ));
        // ... and it is gone once its minute has been an hour in the past.
        assert!(matches!(
            window.charge(charge(50, T0 + MINUTE + HOUR)),
            DayUnitDecision::Accepted { remaining: 10, .. }
        ));
        assert_eq!(window.used(T0 + MINUTE + HOUR), 90);
    }

    #[test]
    fn no_rolling_hour_ever_holds_more_than_the_limit() {
        // One unit every 7 s for three hours, as fast as allowed; then check every
        // one-hour window over the accepted requests.
        let mut window = Window::default();
        let mut accepted = Vec::new();
        let mut now = T0 + 13 * MICROS;
        while now < T0 + 3 * HOUR {
            if matches!(
                window.charge(charge(3, now)),
                DayUnitDecision::Accepted { .. }
            ) {
                accepted.push(now);
            }
            now += 7 * MICROS;
        }
        for (i, start) in accepted.iter().enumerate() {
            let within: usize = accepted[i..]
                .iter()
                .take_while(|at| **at < start + HOUR)
                .count();
            assert!(
                within * 3 <= 100,
                "{within} requests in the hour from {start}"
            );
        }
        assert!(
            accepted.len() > 60,
            "the window refills: {}",
            accepted.len()
        );
    }

    #[test]
    fn the_stored_form_round_trips_and_tolerates_damage() {
        let mut window = Window::default();
        window.charge(charge(5, T0));
        window.charge(charge(7, T0 + 2 * MINUTE));
        let text = window.render();
        assert_eq!(text, "28401120:5,28401122:7");
        assert_eq!(Window::parse(&text), window);
        assert_eq!(
            Window::parse("x,28401122:7,1:"),
            Window::parse("28401122:7")
        );
        assert_eq!(Window::parse(""), Window::default());
    }

    #[test]
    fn a_cost_above_the_limit_waits_a_whole_window() {
        let mut window = Window::default();
        assert_eq!(
            window.charge(charge(101, T0)),
            DayUnitDecision::Refused {
                retry_after_secs: WINDOW_SECS + BUCKET_SECS
            }
        );
    }
}
