//! Offset-preserving timestamps.
//!
//! Terra writes `2022-10-28T10:00:00.000000+01:00`: microseconds and the offset
//! the source device reported. The offset is information (it says which local
//! day a record belongs to), so it is kept, never normalised to UTC. Terra also
//! documents that the offset may be missing, in which case the value is the
//! user's local wall-clock time; that form is kept too (`offset() == None`).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Timelike, Utc};
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

impl From<DateTime<Utc>> for Timestamp {
    /// A UTC instant, written with `+00:00` (for times Wearbridge itself
    /// produces, such as `last_webhook_update`).
    fn from(value: DateTime<Utc>) -> Self {
        Self::from_datetime(value.fixed_offset())
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
        let mut buffer = TerraFormat::default();
        f.write_str(buffer.format(self))
    }
}

/// Stack buffer for Terra's timestamp form. Hand-written because chrono's
/// `format()` interprets its pattern on every call and made serialising a
/// sample-heavy day 3x slower than a `serde_json::Value` round trip (see
/// `benches/day.rs`); this writes the fixed layout directly.
struct TerraFormat {
    bytes: [u8; 48],
    len: usize,
}

impl Default for TerraFormat {
    fn default() -> Self {
        Self {
            bytes: [0; 48],
            len: 0,
        }
    }
}

impl TerraFormat {
    fn format(&mut self, ts: &Timestamp) -> &str {
        let date = ts.local.date();
        let time = ts.local.time();
        let year = date.year();
        if (0..=9999).contains(&year) {
            self.digits(year.unsigned_abs(), 4);
        } else {
            // Outside ISO 8601's basic range: rare enough for the slow path.
            let text = date.format("%Y").to_string();
            text.bytes().for_each(|byte| self.push(byte));
        }
        self.push(b'-');
        self.digits(date.month(), 2);
        self.push(b'-');
        self.digits(date.day(), 2);
        self.push(b'T');
        self.digits(time.hour(), 2);
        self.push(b':');
        self.digits(time.minute(), 2);
        self.push(b':');
        self.digits(time.second(), 2);
        self.push(b'.');
        let nanos = time.nanosecond();
        if nanos.is_multiple_of(1_000) {
            self.digits(nanos / 1_000, 6);
        } else {
            self.digits(nanos, 9);
        }
        if let Some(offset) = ts.offset {
            self.offset(offset);
        }
        std::str::from_utf8(self.bytes.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }

    /// `+HH:MM`; seconds-level offsets (historic LMT zones) as `+HH:MM:SS`.
    /// RFC 3339 has no seconds in offsets, so such a value does not parse
    /// back; only `Timestamp`s built in code (never parsed ones) can carry one.
    fn offset(&mut self, offset: FixedOffset) {
        let total = offset.local_minus_utc();
        self.push(if total < 0 { b'-' } else { b'+' });
        let abs = total.unsigned_abs();
        self.digits(abs / 3600, 2);
        self.push(b':');
        self.digits((abs / 60) % 60, 2);
        if !abs.is_multiple_of(60) {
            self.push(b':');
            self.digits(abs % 60, 2);
        }
    }

    /// `value` zero-padded to `width` digits.
    fn digits(&mut self, mut value: u32, width: usize) {
        let start = self.len;
        for position in (0..width).rev() {
            let digit = (value % 10) as u8;
            value /= 10;
            if let Some(slot) = self.bytes.get_mut(start + position) {
                *slot = b'0' + digit;
            }
        }
        self.len = (start + width).min(self.bytes.len());
    }

    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut buffer = TerraFormat::default();
        serializer.serialize_str(buffer.format(self))
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
    fn writes_negative_and_second_level_offsets_and_odd_years() {
        assert_eq!(
            parse("0999-01-02T03:04:05.000006-09:30").to_string(),
            "0999-01-02T03:04:05.000006-09:30"
        );
        assert_eq!(
            parse("2022-10-28T10:00:00.000000+00:00").to_string(),
            "2022-10-28T10:00:00.000000+00:00"
        );
        let lmt =
            FixedOffset::east_opt(-(4 * 3600 + 56 * 60 + 2)).unwrap_or_else(|| unreachable!());
        let local = parse("1880-01-01T00:00:00").local();
        let ts =
            Timestamp::from_datetime(local.and_local_timezone(lmt).single().unwrap_or_default());
        assert_eq!(ts.to_string(), "1880-01-01T00:00:00.000000-04:56:02");
        let far = Timestamp::from_local(
            parse("2022-01-01T00:00:00")
                .local()
                .with_year(12345)
                .unwrap_or_default(),
        );
        assert_eq!(far.to_string(), "+12345-01-01T00:00:00.000000");
    }

    #[test]
    fn utc_instants_are_written_with_plus_zero() {
        let utc = DateTime::from_timestamp(1_666_951_200, 0).unwrap_or_default();
        assert_eq!(
            Timestamp::from(utc).to_string(),
            "2022-10-28T10:00:00.000000+00:00"
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
