//! Dexcom's two clocks, turned into one offset-carrying instant.
//!
//! Every record has `systemTime` (UTC per the device's clock) and `displayTime` (what the
//! display device showed: local time). Mobile apps write both with an offset (`Z`,
//! `+00:00`, `-08:00`); receivers write both without any zone. The instant is always
//! `systemTime`; the person's offset is `displayTime`'s own offset where it has one, else
//! the difference between the two clocks. Either way it is rounded to the nearest quarter
//! hour (every UTC offset in use is a multiple of 15 minutes, and a receiver's clock drifts
//! by seconds: Dexcom's own example shows `-06:59:59`), and an offset beyond ±14 h (the
//! widest real one) means the clocks are unrelated, so UTC is used (DECISIONS.md, "Dexcom
//! time").

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use wearbridge_model::Timestamp;

/// The widest real UTC offset (Kiribati, +14:00).
const MAX_OFFSET_S: i64 = 14 * 3_600;
/// Offsets are whole quarter hours.
const QUARTER_HOUR_S: i64 = 900;

/// A date-time with an offset (`Z`, `±hh:mm`, or `±hh:mm:ss` as in Dexcom's example).
fn with_offset(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| with_seconds_offset(text))
}

/// `…±hh:mm:ss`, which RFC 3339 does not allow.
fn with_seconds_offset(text: &str) -> Option<DateTime<FixedOffset>> {
    let split = text.len().checked_sub(9)?;
    let (local, offset) = (text.get(..split)?, text.get(split..)?);
    let sign = match offset.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let mut parts = offset
        .get(1..)?
        .split(':')
        .map(|part| part.parse::<i32>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || h > 23 || m > 59 || s > 59 {
        return None;
    }
    let offset = FixedOffset::east_opt(sign * (h * 3_600 + m * 60 + s))?;
    naive(local)?.and_local_timezone(offset).single()
}

/// A date-time without a zone.
fn naive(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// `systemTime` as a UTC instant: its own offset applied where it has one, else read as
/// UTC (Dexcom: "the UTC time according to the device").
pub fn system_instant(system_time: &str) -> Option<DateTime<Utc>> {
    let text = system_time.trim();
    with_offset(text)
        .map(|time| time.with_timezone(&Utc))
        .or_else(|| naive(text).map(|time| time.and_utc()))
}

/// The person's offset at `system` per `display_time` (see the module docs); UTC when the
/// display time is missing, unreadable or further than 14 h from the system clock.
pub fn display_offset(system: DateTime<Utc>, display_time: Option<&str>) -> FixedOffset {
    let text = display_time.map(str::trim).unwrap_or_default();
    let seconds = with_offset(text)
        .map(|time| i64::from(time.offset().local_minus_utc()))
        .or_else(|| naive(text).map(|local| (local - system.naive_utc()).num_seconds()))
        .unwrap_or(0);
    let rounded = ((seconds as f64) / QUARTER_HOUR_S as f64).round() as i64 * QUARTER_HOUR_S;
    let rounded = if rounded.abs() > MAX_OFFSET_S {
        0
    } else {
        rounded
    };
    i32::try_from(rounded)
        .ok()
        .and_then(FixedOffset::east_opt)
        .unwrap_or_else(utc)
}

/// When a record happened, in the person's local offset; `None` when `systemTime` is not
/// a date-time.
pub fn local_time(system_time: &str, display_time: Option<&str>) -> Option<DateTime<FixedOffset>> {
    let system = system_instant(system_time)?;
    Some(system.with_timezone(&display_offset(system, display_time)))
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!("zero is a valid offset"))
}

/// Local midnight of `date` and the midnight after it, at `offset`: the bounds of a
/// day-scoped record.
pub fn day_bounds(date: NaiveDate, offset: FixedOffset) -> Option<(Timestamp, Timestamp)> {
    let start = date
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    let end = date
        .checked_add_days(Days::new(1))?
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    Some((
        Timestamp::from_datetime(start),
        Timestamp::from_datetime(end),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> String {
        local_time(
            text.split('|').next().unwrap_or_default(),
            text.split('|').nth(1),
        )
        .map(|time| time.to_rfc3339())
        .unwrap_or_default()
    }

    #[test]
    fn the_three_time_forms_give_one_local_instant() {
        // Mobile app: both with offsets (Dexcom's v3 events example).
        assert_eq!(
            at("2022-02-06T09:12:35+00:00|2022-02-06T01:12:35-08:00"),
            "2022-02-06T01:12:35-08:00"
        );
        // Receiver: neither has a zone; the offset is the clocks' difference.
        assert_eq!(
            at("2022-06-17T03:59:11|2022-06-16T19:59:11"),
            "2022-06-16T19:59:11-08:00"
        );
        // A drifted receiver clock (-7 h 59 min 40 s) still gives -08:00.
        assert_eq!(
            at("2022-06-17T04:00:00|2022-06-16T20:00:20"),
            "2022-06-16T20:00:00-08:00"
        );
        // Seconds in the offset, as Dexcom's devices example writes one.
        assert_eq!(
            at("2021-04-05T17:53:03Z|2021-04-05T10:52:48-06:59:59"),
            "2021-04-05T10:53:03-07:00"
        );
        // Half-hour zones survive the rounding.
        assert_eq!(
            at("2026-03-04T02:30:00Z|2026-03-04T08:00:00"),
            "2026-03-04T08:00:00+05:30"
        );
        // No display time, or clocks a day apart: UTC.
        assert_eq!(at("2026-03-04T02:30:00Z"), "2026-03-04T02:30:00+00:00");
        assert_eq!(
            at("2026-03-04T02:30:00Z|2026-03-05T02:30:00"),
            "2026-03-04T02:30:00+00:00"
        );
        assert_eq!(at("yesterday|2026-03-05T02:30:00"), "");
    }

    #[test]
    fn day_bounds_are_local_midnights() {
        let offset = FixedOffset::west_opt(5 * 3_600).unwrap_or_else(utc);
        let date = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap_or_default();
        let (start, end) = day_bounds(date, offset).unwrap_or_default();
        assert_eq!(start.to_string(), "2026-03-04T00:00:00.000000-05:00");
        assert_eq!(end.to_string(), "2026-03-05T00:00:00.000000-05:00");
    }
}
