//! WHOOP identifiers for the synthetic person, chosen so the simulator can find a record
//! again from its id alone (no stored state):
//!
//! * user id: an integer; the account id itself when it is a positive integer below 2^53,
//!   else a number in 1 000 000..10 000 000 hashed from it.
//! * cycle id: an integer, `(user_id mod 10^7) * 10^6 + days since 1970-01-01` of the day
//!   the cycle belongs to (the day on whose morning its sleep ends).
//! * sleep and workout ids: UUIDs whose first 20 hex digits are a hash of (account, date,
//!   kind, index) and whose last 12 are `kind (2) | index (2) | days since 1970 (8)`.

use chrono::{Days, NaiveDate};
use sha2::{Digest, Sha256};

/// Record kinds encoded in a UUID.
pub(crate) const SLEEP: u8 = 1;
pub(crate) const WORKOUT: u8 = 2;

const CYCLE_DAY_FACTOR: i64 = 1_000_000;
const USER_MODULUS: i64 = 10_000_000;
/// Largest integer a JSON reader keeps exactly (2^53).
const MAX_EXACT: i64 = 1 << 53;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn days_since_epoch(date: NaiveDate) -> Option<i64> {
    let days = (date - epoch()).num_days();
    (0..CYCLE_DAY_FACTOR).contains(&days).then_some(days)
}

fn date_from_days(days: i64) -> Option<NaiveDate> {
    epoch().checked_add_days(Days::new(u64::try_from(days).ok()?))
}

/// WHOOP's integer user id for a simulated account.
pub(crate) fn user_id(account: &str) -> i64 {
    if let Ok(number) = account.parse::<i64>()
        && (1..MAX_EXACT).contains(&number)
    {
        return number;
    }
    let digest = Sha256::digest(account.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    1_000_000 + i64::try_from(u64::from_le_bytes(first) % 9_000_000).unwrap_or(0)
}

/// The id of the cycle belonging to `date`.
pub(crate) fn cycle_id(user_id: i64, date: NaiveDate) -> i64 {
    let days = days_since_epoch(date).unwrap_or(0);
    (user_id % USER_MODULUS) * CYCLE_DAY_FACTOR + days
}

/// The day of a cycle id of this user, if it is one.
pub(crate) fn cycle_date(user_id: i64, id: i64) -> Option<NaiveDate> {
    if id < 0 || id / CYCLE_DAY_FACTOR != user_id % USER_MODULUS {
        return None;
    }
    date_from_days(id % CYCLE_DAY_FACTOR)
}

/// The UUID of record `index` of `kind` on `date` for `account`.
pub(crate) fn uuid(account: &str, kind: u8, index: u8, date: NaiveDate) -> String {
    let days = days_since_epoch(date).unwrap_or(0);
    let digest = Sha256::digest(format!("{account}/{kind}/{index}/{date}").as_bytes());
    let hash = hex(&digest[..10]);
    let tail = format!("{kind:02x}{index:02x}{days:08x}");
    // Version 4 and RFC 4122 variant nibbles, so the text is a well-formed UUID.
    format!(
        "{}-{}-4{}-8{}-{}",
        &hash[0..8],
        &hash[8..12],
        &hash[13..16],
        &hash[17..20],
        tail
    )
}

/// Kind, index and date of a UUID made by [`uuid`] for `account`; `None` for any other text.
pub(crate) fn decode_uuid(account: &str, text: &str) -> Option<(u8, u8, NaiveDate)> {
    let tail = text.get(24..36)?;
    if text.len() != 36 {
        return None;
    }
    let kind = u8::from_str_radix(tail.get(0..2)?, 16).ok()?;
    let index = u8::from_str_radix(tail.get(2..4)?, 16).ok()?;
    let days = i64::from_str_radix(tail.get(4..12)?, 16).ok()?;
    let date = date_from_days(days)?;
    (uuid(account, kind, index, date) == text.to_ascii_lowercase()).then_some((kind, index, date))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn ids_round_trip_and_belong_to_their_account() {
        let user = user_id("alice");
        assert!((1_000_000..10_000_000).contains(&user));
        assert_eq!(user_id("10129"), 10129);
        let cycle = cycle_id(user, d("2026-01-10"));
        assert_eq!(cycle_date(user, cycle), Some(d("2026-01-10")));
        assert_eq!(cycle_date(user + 1, cycle), None);
        let id = uuid("alice", WORKOUT, 1, d("2026-01-10"));
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes().get(14), Some(&b'4'));
        assert_eq!(
            decode_uuid("alice", &id),
            Some((WORKOUT, 1, d("2026-01-10")))
        );
        assert_eq!(decode_uuid("bob", &id), None);
        assert_eq!(decode_uuid("alice", "not-a-uuid"), None);
    }
}
