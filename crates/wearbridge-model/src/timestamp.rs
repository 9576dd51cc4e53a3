//! Offset-preserving timestamps.
//!
//! Terra writes `2022-10-28T10:00:00.000000+01:00`: microseconds and the offset
//! the source device reported. The offset is information (it says which local
//! day a record belongs to), so it is kept, never normalised to UTC. Terra also
//! documents that the offset may be missing, in which case the value is the
//! user's local wall-clock time; that form is kept too (`offset() == None`).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A wall-clock date-time plus the UTC offset the source reported, if any.
///
/// Serialises as Terra does: 6 fractional digits (9 when the value carries
/// sub-microsecond precision) and `+HH:MM` (so `Z` becomes `+00:00`).
/// Parses any RFC 3339 date-time, and also a date-time without offset.
///
/// Equality compares wall-clock time *and* offset: `10:00+01:00` and
/// `09:00+00:00` are the same instant but different values, because they put a
/// record on different local days. No `Ord`: compare [`Self::to_datetime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    local: NaiveDateTime,
    offset: Option<FixedOffset>,
}

/// Why a string is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid timestamp {input:?}: expected ISO 8601 date-time like 2022-10-28T10:00:00.000000+01:00"
)]
pub struct TimestampError {
    input: String,
}

impl Timestamp {
    /// A timestamp with a known offset.
    pub fn from_datetime(value: DateTime<FixedOffset>) -> Self {
        Self {
            local: value.naive_local(),
            offset: Some(*value.offset()),
        }
    }

    /// A local wall-clock time whose offset the source did not report.
    pub const fn from_local(local: NaiveDateTime) -> Self {
        Self {
            local,
            offset: None,
        }
    }

    /// The wall-clock date-time in the source's own time zone.
    pub const fn local(&self) -> NaiveDateTime {
        self.local
    }

    /// The offset the source reported, if it reported one.
    pub const fn offset(&self) -> Option<FixedOffset> {
        self.offset
    }

    /// The local calendar date, in the offset the source reported: a run at
    /// `2022-10-28T23:30:00-05:00` belongs to 28 October, although in UTC it is
    /// already the 29th. Day-scoped records are keyed by this date.
    pub fn local_date(&self) -> NaiveDate {
        self.local.date()
    }

    /// The instant, when the offset is known.
    pub fn to_datetime(&self) -> Option<DateTime<FixedOffset>> {
        let offset = self.offset?;
        self.local.and_local_timezone(offset).single()
    }
}

impl Default for Timestamp {
    /// The Unix epoch in UTC. Only a placeholder for `Default`-built values
    /// (tests, builders); every record from a provider carries its real time.
    fn default() -> Self {
        Self {
            local: DateTime::UNIX_EPOCH.naive_utc(),
            offset: FixedOffset::east_opt(0),
        }
    }
}

impl From<DateTime<FixedOffset>> for Timestamp {
    fn from(value: DateTime<FixedOffset>) -> Self {
        Self::from_datetime(value)
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        if let Ok(value) = DateTime::parse_from_rfc3339(input) {
            return Ok(Self::from_datetime(value));
        }
        // No offset: Terra's "local time" form. `%.f` accepts 0–9 fraction digits.
        NaiveDateTime::parse_from_str(input, "%Y-%m-%dT%H:%M:%S%.f")
            .map(Self::from_local)
            .map_err(|_| TimestampError {
                input: input.to_owned(),
            })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.local.nanosecond();
        if nanos.is_multiple_of(1_000) {
            write!(f, "{}", self.local.format("%Y-%m-%dT%H:%M:%S%.6f"))?;
        } else {
            write!(f, "{}", self.local.format("%Y-%m-%dT%H:%M:%S%.9f"))?;
        }
        match self.offset {
            Some(offset) => write_offset(f, offset),
            None => Ok(()),
        }
    }
}

/// `+HH:MM`; seconds-level offsets (historic LMT zones) are written as `+HH:MM:SS`.
fn write_offset(f: &mut fmt::Formatter<'_>, offset: FixedOffset) -> fmt::Result {
    let total = offset.local_minus_utc();
    let sign = if total < 0 { '-' } else { '+' };
    let abs = total.unsigned_abs();
    let (hours, minutes, seconds) = (abs / 3600, (abs / 60) % 60, abs % 60);
    if seconds == 0 {
        write!(f, "{sign}{hours:02}:{minutes:02}")
    } else {
        write!(f, "{sign}{hours:02}:{minutes:02}:{seconds:02}")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> Timestamp {
        match input.parse() {
            Ok(value) => value,
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn keeps_the_reported_offset() {
        let ts = parse("2022-10-28T10:00:00.000000+01:00");
        assert_eq!(ts.to_string(), "2022-10-28T10:00:00.000000+01:00");
        assert_eq!(ts.offset().map(|o| o.local_minus_utc()), Some(3600));
    }

    #[test]
    fn normalises_fraction_and_zulu_to_terra_form() {
        assert_eq!(
            parse("2022-10-28T10:00:00Z").to_string(),
            "2022-10-28T10:00:00.000000+00:00"
        );
        assert_eq!(
            parse("2022-10-28T10:00:00.5-05:30").to_string(),
            "2022-10-28T10:00:00.500000-05:30"
        );
    }

    #[test]
    fn keeps_nanoseconds_when_present() {
        assert_eq!(
            parse("2022-10-28T10:00:00.123456789+02:00").to_string(),
            "2022-10-28T10:00:00.123456789+02:00"
        );
    }

    #[test]
    fn accepts_local_time_without_offset() {
        let ts = parse("2022-10-28T23:30:00.000000");
        assert_eq!(ts.offset(), None);
        assert_eq!(ts.to_string(), "2022-10-28T23:30:00.000000");
        assert_eq!(ts.to_datetime(), None);
    }

    #[test]
    fn local_date_uses_the_source_offset() {
        let ts = parse("2022-10-28T23:30:00.000000-05:00");
        assert_eq!(
            ts.local_date(),
            NaiveDate::from_ymd_opt(2022, 10, 28).unwrap_or_default()
        );
        let utc = ts.to_datetime().map(|d| d.naive_utc().date());
        assert_eq!(utc, NaiveDate::from_ymd_opt(2022, 10, 29));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "",
            "yesterday",
            "2022-13-40T10:00:00Z",
            "2022-10-28",
            "2022-10-28T25:00:00+01:00",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad} parsed");
        }
        let json = serde_json::from_str::<Timestamp>("\"not a time\"");
        assert!(json.is_err());
    }
}
