//! UTC offsets for the IANA zone names Withings sends next to its epoch timestamps.
//!
//! Withings reports instants in UTC plus the user's zone *name* (`Europe/Paris`), never an
//! offset, while Terra keeps each timestamp's local offset. The workspace has no time-zone
//! database, so this module carries the rules of the zones Withings users are most likely
//! to be in, as in force since 2007 (US) / 1996 (EU): zones without daylight saving, the
//! `Etc/GMT±N` and `UTC` zones, and the EU, US and south-east Australian DST rules.
//! A zone outside this table yields `None`; the mappers then keep the instant exact at
//! `+00:00` (see `mapper`), rather than guessing an offset. Pure: no IO, no clock.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Utc, Weekday};

const HOUR: i32 = 3_600;

/// How a zone's offset changes over the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// The same offset all year.
    Fixed,
    /// EU: +1 h from the last Sunday of March 01:00 UTC to the last Sunday of October
    /// 01:00 UTC.
    Eu,
    /// US/Canada: +1 h from the second Sunday of March 02:00 local standard time to the
    /// first Sunday of November 02:00 local daylight time.
    Us,
    /// New South Wales, Victoria, Tasmania, ACT, South Australia: +1 h from the first
    /// Sunday of October 02:00 standard time to the first Sunday of April 03:00 daylight time.
    AuSouthEast,
}

/// (zone, standard offset in seconds east of UTC, rule).
const ZONES: &[(&str, i32, Rule)] = &[
    ("UTC", 0, Rule::Fixed),
    ("Etc/UTC", 0, Rule::Fixed),
    ("Etc/GMT", 0, Rule::Fixed),
    ("GMT", 0, Rule::Fixed),
    ("Europe/London", 0, Rule::Eu),
    ("Europe/Dublin", 0, Rule::Eu),
    ("Europe/Lisbon", 0, Rule::Eu),
    ("Europe/Paris", HOUR, Rule::Eu),
    ("Europe/Berlin", HOUR, Rule::Eu),
    ("Europe/Amsterdam", HOUR, Rule::Eu),
    ("Europe/Brussels", HOUR, Rule::Eu),
    ("Europe/Luxembourg", HOUR, Rule::Eu),
    ("Europe/Madrid", HOUR, Rule::Eu),
    ("Europe/Rome", HOUR, Rule::Eu),
    ("Europe/Vienna", HOUR, Rule::Eu),
    ("Europe/Zurich", HOUR, Rule::Eu),
    ("Europe/Stockholm", HOUR, Rule::Eu),
    ("Europe/Oslo", HOUR, Rule::Eu),
    ("Europe/Copenhagen", HOUR, Rule::Eu),
    ("Europe/Prague", HOUR, Rule::Eu),
    ("Europe/Warsaw", HOUR, Rule::Eu),
    ("Europe/Budapest", HOUR, Rule::Eu),
    ("Europe/Monaco", HOUR, Rule::Eu),
    ("Europe/Helsinki", 2 * HOUR, Rule::Eu),
    ("Europe/Athens", 2 * HOUR, Rule::Eu),
    ("Europe/Bucharest", 2 * HOUR, Rule::Eu),
    ("Europe/Sofia", 2 * HOUR, Rule::Eu),
    ("Europe/Riga", 2 * HOUR, Rule::Eu),
    ("Europe/Tallinn", 2 * HOUR, Rule::Eu),
    ("Europe/Vilnius", 2 * HOUR, Rule::Eu),
    ("Europe/Kiev", 2 * HOUR, Rule::Eu),
    ("Europe/Kyiv", 2 * HOUR, Rule::Eu),
    ("Europe/Istanbul", 3 * HOUR, Rule::Fixed),
    ("Europe/Moscow", 3 * HOUR, Rule::Fixed),
    ("America/New_York", -5 * HOUR, Rule::Us),
    ("America/Toronto", -5 * HOUR, Rule::Us),
    ("America/Detroit", -5 * HOUR, Rule::Us),
    ("America/Chicago", -6 * HOUR, Rule::Us),
    ("America/Denver", -7 * HOUR, Rule::Us),
    ("America/Phoenix", -7 * HOUR, Rule::Fixed),
    ("America/Los_Angeles", -8 * HOUR, Rule::Us),
    ("America/Vancouver", -8 * HOUR, Rule::Us),
    ("America/Anchorage", -9 * HOUR, Rule::Us),
    ("America/Halifax", -4 * HOUR, Rule::Us),
    ("Pacific/Honolulu", -10 * HOUR, Rule::Fixed),
    ("America/Sao_Paulo", -3 * HOUR, Rule::Fixed),
    ("America/Argentina/Buenos_Aires", -3 * HOUR, Rule::Fixed),
    ("America/Bogota", -5 * HOUR, Rule::Fixed),
    ("America/Lima", -5 * HOUR, Rule::Fixed),
    ("Asia/Tokyo", 9 * HOUR, Rule::Fixed),
    ("Asia/Seoul", 9 * HOUR, Rule::Fixed),
    ("Asia/Shanghai", 8 * HOUR, Rule::Fixed),
    ("Asia/Hong_Kong", 8 * HOUR, Rule::Fixed),
    ("Asia/Taipei", 8 * HOUR, Rule::Fixed),
    ("Asia/Singapore", 8 * HOUR, Rule::Fixed),
    ("Asia/Bangkok", 7 * HOUR, Rule::Fixed),
    ("Asia/Jakarta", 7 * HOUR, Rule::Fixed),
    ("Asia/Kolkata", 5 * HOUR + 1_800, Rule::Fixed),
    ("Asia/Calcutta", 5 * HOUR + 1_800, Rule::Fixed),
    ("Asia/Dubai", 4 * HOUR, Rule::Fixed),
    ("Africa/Johannesburg", 2 * HOUR, Rule::Fixed),
    ("Africa/Lagos", HOUR, Rule::Fixed),
    ("Africa/Nairobi", 3 * HOUR, Rule::Fixed),
    ("Australia/Brisbane", 10 * HOUR, Rule::Fixed),
    ("Australia/Perth", 8 * HOUR, Rule::Fixed),
    ("Australia/Sydney", 10 * HOUR, Rule::AuSouthEast),
    ("Australia/Melbourne", 10 * HOUR, Rule::AuSouthEast),
    ("Australia/Canberra", 10 * HOUR, Rule::AuSouthEast),
    ("Australia/Hobart", 10 * HOUR, Rule::AuSouthEast),
    ("Australia/Adelaide", 9 * HOUR + 1_800, Rule::AuSouthEast),
];

/// The offset in effect in `zone` at `instant`, `None` for a zone outside the table.
pub fn offset_at(zone: &str, instant: DateTime<Utc>) -> Option<FixedOffset> {
    let (standard, rule) = lookup(zone)?;
    let daylight = match rule {
        Rule::Fixed => false,
        Rule::Eu => eu_daylight(instant),
        Rule::Us => us_daylight(instant, standard),
        Rule::AuSouthEast => au_daylight(instant, standard),
    };
    FixedOffset::east_opt(standard + if daylight { HOUR } else { 0 })
}

/// The offset in effect at local midnight starting `date` in `zone` (for day-scoped
/// records such as a Withings activity day).
pub fn offset_on(zone: &str, date: NaiveDate) -> Option<FixedOffset> {
    let (standard, _) = lookup(zone)?;
    let midnight = date.and_time(NaiveTime::MIN).and_utc();
    // Local midnight in standard time, as a UTC instant; every rule here switches at
    // 01:00 local or later, so midnight is never inside a transition.
    let instant = midnight.checked_sub_signed(Duration::seconds(i64::from(standard)))?;
    offset_at(zone, instant)
}

/// The standard offset and rule of `zone`: the table above, or an `Etc/GMT±N` zone
/// (whose sign is inverted: `Etc/GMT-1` is +01:00).
fn lookup(zone: &str) -> Option<(i32, Rule)> {
    if let Some((_, standard, rule)) = ZONES.iter().find(|(name, _, _)| *name == zone) {
        return Some((*standard, *rule));
    }
    let hours: i32 = zone.strip_prefix("Etc/GMT")?.parse().ok()?;
    (-14..=12)
        .contains(&hours)
        .then_some((-hours * HOUR, Rule::Fixed))
}

fn nth_sunday(year: i32, month: u32, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, n)
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    nth_sunday(year, month, 5).or_else(|| nth_sunday(year, month, 4))
}

/// `date` at `hour` local time in a zone `offset` seconds east of UTC, as a UTC instant.
fn utc_of(date: NaiveDate, hour: u32, offset: i32) -> Option<DateTime<Utc>> {
    let local = date.and_hms_opt(hour, 0, 0)?.and_utc();
    local.checked_sub_signed(Duration::seconds(i64::from(offset)))
}

fn eu_daylight(instant: DateTime<Utc>) -> bool {
    let year = instant.year();
    let start = last_sunday(year, 3).and_then(|day| utc_of(day, 1, 0));
    let end = last_sunday(year, 10).and_then(|day| utc_of(day, 1, 0));
    matches!((start, end), (Some(start), Some(end)) if start <= instant && instant < end)
}

fn us_daylight(instant: DateTime<Utc>, standard: i32) -> bool {
    let year = instant.year();
    let start = nth_sunday(year, 3, 2).and_then(|day| utc_of(day, 2, standard));
    let end = nth_sunday(year, 11, 1).and_then(|day| utc_of(day, 2, standard + HOUR));
    matches!((start, end), (Some(start), Some(end)) if start <= instant && instant < end)
}

fn au_daylight(instant: DateTime<Utc>, standard: i32) -> bool {
    let year = instant.year();
    let end = nth_sunday(year, 4, 1).and_then(|day| utc_of(day, 3, standard + HOUR));
    let start = nth_sunday(year, 10, 1).and_then(|day| utc_of(day, 2, standard));
    let before_end = end.is_some_and(|end| instant < end);
    let after_start = start.is_some_and(|start| instant >= start);
    before_end || after_start
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
}
