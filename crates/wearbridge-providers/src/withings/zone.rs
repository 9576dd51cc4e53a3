//! UTC offsets for the IANA zone names Withings sends next to its epoch timestamps.
//!
//! Withings reports instants in UTC plus the user's zone *name* (`Europe/Paris`), never an
//! offset, while Terra keeps each timestamp's local offset. The rules come from the IANA
//! time-zone database compiled into `chrono-tz` (every zone and its full history, so a
//! record is placed at the offset in force at its own instant). A name the database does
//! not know yields `None`; the mappers then keep the instant exact at `+00:00` (see
//! `mapper`) rather than guessing an offset. Pure: no IO, no clock.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// Longest span searched for the first local time of a day that starts inside a DST gap
/// (zones that switch at midnight, such as `America/Santiago`, skip 00:00-00:59).
const MAX_GAP_HOURS: i64 = 3;

/// The offset in effect in `zone` at `instant`, `None` for a name the database lacks.
pub fn offset_at(zone: &str, instant: DateTime<Utc>) -> Option<FixedOffset> {
    let tz: Tz = zone.parse().ok()?;
    Some(tz.offset_from_utc_datetime(&instant.naive_utc()).fix())
}

/// The offset in effect when local day `date` begins in `zone` (for day-scoped records
/// such as a Withings activity day): at local midnight, or at the first local time that
/// exists when midnight falls in a DST gap. At a fold the earlier (pre-switch) offset wins.
pub fn offset_on(zone: &str, date: NaiveDate) -> Option<FixedOffset> {
    let tz: Tz = zone.parse().ok()?;
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=MAX_GAP_HOURS).find_map(|hours| {
        let local = midnight.checked_add_signed(Duration::hours(hours))?;
        tz.from_local_datetime(&local)
            .earliest()
            .map(|time| time.offset().fix())
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap_or_default()
    }

    fn hours(zone: &str, instant: DateTime<Utc>) -> Option<f64> {
        offset_at(zone, instant).map(|o| f64::from(o.local_minus_utc()) / 3600.0)
    }

    #[test]
    fn eu_switches_at_one_utc_on_the_last_sundays() {
        // 2026: last Sunday of March is the 29th, of October the 25th.
        assert_eq!(hours("Europe/Paris", at(2026, 3, 29, 0, 59)), Some(1.0));
        assert_eq!(hours("Europe/Paris", at(2026, 3, 29, 1, 0)), Some(2.0));
        assert_eq!(hours("Europe/London", at(2026, 7, 1, 12, 0)), Some(1.0));
        assert_eq!(hours("Europe/Paris", at(2026, 10, 25, 0, 59)), Some(2.0));
        assert_eq!(hours("Europe/Paris", at(2026, 10, 25, 1, 0)), Some(1.0));
    }

    #[test]
    fn us_switches_at_two_local() {
        // 2026: 8 March and 1 November.
        assert_eq!(hours("America/New_York", at(2026, 3, 8, 6, 59)), Some(-5.0));
        assert_eq!(hours("America/New_York", at(2026, 3, 8, 7, 0)), Some(-4.0));
        assert_eq!(
            hours("America/New_York", at(2026, 11, 1, 5, 59)),
            Some(-4.0)
        );
        assert_eq!(hours("America/New_York", at(2026, 11, 1, 6, 0)), Some(-5.0));
        assert_eq!(hours("America/Phoenix", at(2026, 7, 1, 0, 0)), Some(-7.0));
    }

    #[test]
    fn southern_summer_is_daylight_time() {
        assert_eq!(hours("Australia/Sydney", at(2026, 1, 10, 0, 0)), Some(11.0));
        assert_eq!(hours("Australia/Sydney", at(2026, 7, 10, 0, 0)), Some(10.0));
        assert_eq!(
            hours("Australia/Adelaide", at(2026, 12, 10, 0, 0)),
            Some(10.5)
        );
    }

    #[test]
    fn etc_zones_invert_their_sign_and_unknown_zones_are_none() {
        assert_eq!(hours("Etc/GMT-1", at(2026, 7, 1, 0, 0)), Some(1.0));
        assert_eq!(hours("Etc/GMT+5", at(2026, 7, 1, 0, 0)), Some(-5.0));
        assert_eq!(hours("Asia/Kolkata", at(2026, 7, 1, 0, 0)), Some(5.5));
        assert_eq!(hours("Mars/Olympus_Mons", at(2026, 7, 1, 0, 0)), None);
        assert_eq!(hours("Etc/GMT+99", at(2026, 7, 1, 0, 0)), None);
    }

    #[test]
    fn day_offsets_use_local_midnight() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap_or_default();
        // Midnight of the switch day is still winter time.
        assert_eq!(
            offset_on("Europe/Berlin", date).map(|o| o.local_minus_utc()),
            Some(3_600)
        );
    }

    #[test]
    fn a_day_starting_in_a_gap_takes_the_offset_after_it() {
        // Chile moved clocks forward at 00:00 on 2024-09-08 (−04:00 -> −03:00).
        let date = NaiveDate::from_ymd_opt(2024, 9, 8).unwrap_or_default();
        assert_eq!(
            offset_on("America/Santiago", date).map(|o| o.local_minus_utc()),
            Some(-3 * 3_600)
        );
    }

    #[test]
    fn historic_rules_apply_to_historic_instants() {
        // The US switched on the first Sunday of April before 2007: 2006-03-20 was winter.
        assert_eq!(
            hours("America/New_York", at(2006, 3, 20, 12, 0)),
            Some(-5.0)
        );
        assert_eq!(
            hours("America/New_York", at(2026, 3, 20, 12, 0)),
            Some(-4.0)
        );
    }
}
