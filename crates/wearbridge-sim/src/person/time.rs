//! Local-time helpers. The person lives at a fixed UTC offset; these helpers never panic, even
//! for dates at the edge of chrono's range (they saturate instead).

use chrono::{
    DateTime, Days, FixedOffset, NaiveDate, NaiveTime, Offset, SecondsFormat, TimeDelta, Utc,
};
use serde::{Serialize, Serializer};

/// A fixed UTC offset, serialized as `"+01:00"` / `"-05:00"` / `"+05:30"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcOffset(FixedOffset);

impl UtcOffset {
    /// Offsets outside ±24 h fall back to UTC.
    pub fn from_seconds(east_of_utc: i32) -> Self {
        Self(FixedOffset::east_opt(east_of_utc).unwrap_or(Utc.fix()))
    }

    pub fn seconds(self) -> i32 {
        self.0.local_minus_utc()
    }

    pub fn fixed(self) -> FixedOffset {
        self.0
    }
}

impl Serialize for UtcOffset {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl std::fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Serializes an instant as RFC 3339 with whole seconds and an explicit numeric offset
/// (`+00:00`, never `Z`), so every timestamp shows the person's offset the same way.
pub fn rfc3339<S: Serializer>(
    instant: &DateTime<FixedOffset>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&instant.to_rfc3339_opts(SecondsFormat::Secs, false))
}

/// The instant `seconds` after local midnight of `date` at `offset` (may spill into the next
/// or previous day when `seconds` is outside 0..86 400).
pub(crate) fn local(date: NaiveDate, seconds: i64, offset: UtcOffset) -> DateTime<FixedOffset> {
    let midnight = date.and_time(NaiveTime::MIN);
    let local = midnight
        .checked_add_signed(TimeDelta::seconds(seconds))
        .unwrap_or(midnight);
    let utc = local
        .checked_sub_signed(TimeDelta::seconds(i64::from(offset.seconds())))
        .unwrap_or(local);
    DateTime::from_naive_utc_and_offset(utc, offset.fixed())
}

pub(crate) fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

pub(crate) fn previous_day(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(1)).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_carries_the_offset() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or(NaiveDate::MIN);
        let instant = local(date, 7 * 3600 + 30 * 60, UtcOffset::from_seconds(-5 * 3600));
        assert_eq!(instant.to_rfc3339(), "2026-03-01T07:30:00-05:00");
    }

    #[test]
    fn offsets_serialize_with_sign_and_minutes() {
        let json = serde_json::to_string(&UtcOffset::from_seconds(19_800)).unwrap_or_default();
        assert_eq!(json, "\"+05:30\"");
    }
}
