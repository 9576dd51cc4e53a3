//! Strava identifiers for the synthetic person, chosen so the simulator finds a record
//! again from its id alone (no stored state):
//!
//! * athlete id: the account itself when it is a positive integer below 10⁹, else a
//!   number in 10 000 000..100 000 000 hashed from it.
//! * activity id: `(athlete id mod 10⁶) · 10⁸ + days since 1970-01-01 · 10 + index`
//!   (the workout's index in its day), below 2⁵³ so every JSON reader keeps it exact.
//! * lap id: `activity id · 100 + lap index`.
//! * subscription id: a number in 100 000..1 000 000 hashed from the app's client id (one
//!   subscription per app, as at Strava).

use chrono::{Days, NaiveDate};
use sha2::{Digest, Sha256};

const ATHLETE_MODULUS: i64 = 1_000_000;
const DAY_FACTOR: i64 = 100_000_000;
const MAX_PLAIN_ATHLETE: i64 = 1_000_000_000;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn hashed(text: &str, low: i64, span: u64) -> i64 {
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    low + i64::try_from(u64::from_le_bytes(first) % span).unwrap_or(0)
}

/// Strava's athlete id for a simulated account.
pub(crate) fn athlete_id(account: &str) -> i64 {
    match account.parse::<i64>() {
        Ok(number) if (1..MAX_PLAIN_ATHLETE).contains(&number) => number,
        _ => hashed(account, 10_000_000, 90_000_000),
    }
}

/// The id of workout `index` of `date` of `athlete`.
pub(crate) fn activity_id(athlete: i64, date: NaiveDate, index: usize) -> i64 {
    let days = (date - epoch()).num_days().clamp(0, DAY_FACTOR / 10 - 1);
    let index = i64::try_from(index).unwrap_or(0).clamp(0, 9);
    (athlete % ATHLETE_MODULUS) * DAY_FACTOR + days * 10 + index
}

/// The day and workout index of an activity id of `athlete`, if it is one.
pub(crate) fn decode_activity(athlete: i64, id: i64) -> Option<(NaiveDate, usize)> {
    if id < 0 || id / DAY_FACTOR != athlete % ATHLETE_MODULUS {
        return None;
    }
    let rest = id % DAY_FACTOR;
    let date = epoch().checked_add_days(Days::new(u64::try_from(rest / 10).ok()?))?;
    Some((date, usize::try_from(rest % 10).ok()?))
}

pub(crate) fn lap_id(activity: i64, lap_index: usize) -> i64 {
    activity
        .saturating_mul(100)
        .saturating_add(i64::try_from(lap_index % 100).unwrap_or(0))
}

/// The id of the push subscription of the app `client_id`.
pub(crate) fn subscription_id(client_id: &str) -> i64 {
    hashed(&format!("subscription/{client_id}"), 100_000, 900_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_ids_round_trip_and_belong_to_their_athlete() {
        let athlete = athlete_id("alice");
        assert!((10_000_000..100_000_000).contains(&athlete));
        assert_eq!(athlete_id("134815"), 134_815);
        let date = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap_or_default();
        let id = activity_id(athlete, date, 1);
        assert!(id < 1 << 53);
        assert_eq!(decode_activity(athlete, id), Some((date, 1)));
        assert_eq!(decode_activity(athlete + 1, id), None);
        assert_eq!(decode_activity(athlete, -5), None);
        assert_eq!(subscription_id("app"), subscription_id("app"));
        assert_ne!(subscription_id("app"), subscription_id("other"));
    }
}
