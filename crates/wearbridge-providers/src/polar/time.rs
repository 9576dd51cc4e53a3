//! Polar's time notations, read without panicking on any input: ISO 8601 durations
//! (`PT1H2M3S`, `PT210.026S`), local date-times without a zone, and clock times inside a
//! night or a day (`"23:05"`, `"00:02:08"`).

use chrono::{
    DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike,
};

/// Longest duration accepted: 30 days. Polar's durations are exercises and day totals;
/// anything longer is a corrupt value, and the bound keeps all arithmetic in range.
const MAX_DURATION_S: f64 = 30.0 * 86_400.0;

/// Seconds of an ISO 8601 duration (`PnDTnHnMn.nS`; Polar uses the time part, and days
/// for nothing longer than a day). Years, months and weeks are refused: their length in
/// seconds depends on a calendar. `None` for anything malformed, negative or over 30 days.
pub fn duration_seconds(text: &str) -> Option<f64> {
    let rest = text.trim().strip_prefix('P')?;
    let (date_part, time_part) = match rest.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    let mut total = 0.0;
    let mut any = false;
    for (value, unit) in components(date_part)? {
        match unit {
            'D' => total += value * 86_400.0,
            _ => return None,
        }
        any = true;
    }
    if let Some(time_part) = time_part {
        let parts = components(time_part)?;
        if parts.is_empty() {
            return None;
        }
        for (value, unit) in parts {
            total += value
                * match unit {
                    'H' => 3_600.0,
                    'M' => 60.0,
                    'S' => 1.0,
                    _ => return None,
                };
            any = true;
        }
    }
    (any && total.is_finite() && (0.0..=MAX_DURATION_S).contains(&total)).then_some(total)
}

/// `1H2M3.5S` → `[(1, 'H'), (2, 'M'), (3.5, 'S')]`; `None` when malformed.
fn components(text: &str) -> Option<Vec<(f64, char)>> {
    let mut out = Vec::new();
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' || c == ',' {
            number.push(if c == ',' { '.' } else { c });
        } else if c.is_ascii_uppercase() {
            let value: f64 = number.parse().ok()?;
            out.push((value, c));
            number.clear();
        } else {
            return None;
        }
    }
    number.is_empty().then_some(out)
}

/// A local date-time without zone, with or without seconds and fractions
/// (`2025-08-14T00:02`, `2008-10-13T10:40:02`, `2008-10-13T10:40:02.123`).
pub fn local_datetime(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()
}

/// A clock time `HH:MM` or `HH:MM:SS`.
pub fn clock_time(text: &str) -> Option<NaiveTime> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .ok()
}

/// A `YYYY-MM-DD` date.
pub fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// The instant of clock time `clock` during a night that starts at `start`: the first
/// such clock time at or after the start's minute (a night's keys are rounded down to the
/// minute, so `"00:39"` belongs to a night that began at 00:39:07). Times up to 24 hours
/// after the start are reachable.
pub fn in_night(start: DateTime<FixedOffset>, clock: NaiveTime) -> Option<DateTime<FixedOffset>> {
    let start_minute = start.with_second(0)?.with_nanosecond(0)?;
    let local = start_minute.date_naive().and_time(clock);
    let candidate = local.and_local_timezone(*start.offset()).single()?;
    if candidate >= start_minute {
        Some(candidate)
    } else {
        candidate.checked_add_signed(TimeDelta::days(1))
    }
}

/// Wall-clock time of `clock` in a night that ended on the morning of `date`, without a
/// known offset: clock times from noon on are the evening before.
pub fn in_night_local(date: NaiveDate, clock: NaiveTime) -> Option<NaiveDateTime> {
    if clock.hour() >= 12 {
        Some(date.checked_sub_days(Days::new(1))?.and_time(clock))
    } else {
        Some(date.and_time(clock))
    }
}

/// `start + seconds` (milliseconds precision), `None` out of range.
pub fn add_seconds(start: DateTime<FixedOffset>, seconds: f64) -> Option<DateTime<FixedOffset>> {
    if !seconds.is_finite() || seconds.abs() > MAX_DURATION_S {
        return None;
    }
    let millis = (seconds * 1000.0).round() as i64;
    start.checked_add_signed(TimeDelta::try_milliseconds(millis)?)
}

/// [`add_seconds`] for a local date-time without offset.
pub fn add_seconds_local(start: NaiveDateTime, seconds: f64) -> Option<NaiveDateTime> {
    if !seconds.is_finite() || seconds.abs() > MAX_DURATION_S {
        return None;
    }
    let millis = (seconds * 1000.0).round() as i64;
    start.checked_add_signed(TimeDelta::try_milliseconds(millis)?)
}

/// The offset of `minutes` east of UTC, when it is a real offset (within ±18 h).
pub fn offset_minutes(minutes: f64) -> Option<FixedOffset> {
    if !minutes.is_finite() || minutes.abs() > 18.0 * 60.0 {
        return None;
    }
    FixedOffset::east_opt((minutes.round() as i32).checked_mul(60)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_iso_8601() {
        assert_eq!(duration_seconds("PT1H2M3S"), Some(3723.0));
        assert_eq!(duration_seconds("PT2H44M"), Some(9840.0));
        assert_eq!(duration_seconds("PT210.026S"), Some(210.026));
        assert_eq!(duration_seconds("PT51M5S"), Some(3065.0));
        assert_eq!(duration_seconds("P1DT1S"), Some(86_401.0));
        assert_eq!(duration_seconds("PT0S"), Some(0.0));
        for bad in [
            "", "P", "PT", "1H", "PT-5S", "P1M", "P1Y", "PTS", "PT1.2.3S", "PT5",
        ] {
            assert_eq!(duration_seconds(bad), None, "{bad}");
        }
        assert_eq!(duration_seconds("P99999D"), None);
    }

    #[test]
    fn night_clock_times_roll_over_midnight() {
        let Ok(start) = DateTime::parse_from_rfc3339("2020-01-01T23:39:07+03:00") else {
            panic!("parses");
        };
        let at = |text: &str| {
            clock_time(text)
                .and_then(|clock| in_night(start, clock))
                .map(|t| t.to_rfc3339())
        };
        assert_eq!(at("23:39").as_deref(), Some("2020-01-01T23:39:00+03:00"));
        assert_eq!(at("00:10").as_deref(), Some("2020-01-02T00:10:00+03:00"));
        assert_eq!(at("07:30:15").as_deref(), Some("2020-01-02T07:30:15+03:00"));
        assert_eq!(at("25:00"), None);
    }

    #[test]
    fn local_times_accept_minutes_or_seconds() {
        assert!(local_datetime("2025-08-14T00:02").is_some());
        assert!(local_datetime("2008-10-13T10:40:02").is_some());
        assert!(local_datetime("2008-10-13T10:40:02.500").is_some());
        assert!(local_datetime("2008-10-13").is_none());
        assert_eq!(
            offset_minutes(180.0).map(|o| o.local_minus_utc()),
            Some(10_800)
        );
        assert_eq!(offset_minutes(5000.0), None);
    }
}
