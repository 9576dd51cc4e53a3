//! The `start_date` / `end_date` query parameters of Terra's data endpoints, parsed into a
//! domain [`DateRange`] at the edge.
//!
//! Terra accepts each as `YYYY-MM-DD` or unix seconds (sdk-era spec: `oneOf[integer,
//! string(format=date)]`). Semantics Terra leaves open (terra-api-notes, open question 5),
//! decided here and recorded in `docs/DECISIONS.md`:
//! - when both ends are dates (or the end is omitted), the range is the user's local
//!   calendar days, matched against each record's local date; with a unix-seconds end
//!   a date start means midnight UTC of that day;
//! - a date `end_date` includes the whole named day (the range ends at the next midnight),
//!   so `start_date=end_date=2024-01-01` returns that day; a unix-seconds `end_date` is an
//!   exact, exclusive instant;
//! - an omitted `end_date` means one day after `start_date` (Terra's rate-limit rules cost a
//!   call without an end as one day);
//! - the span `end_date - start_date`, as given ([`requested_days`]), may be at most 1,825
//!   days (Terra rule r1: exactly 1,825 is allowed). The data reads answer a longer span
//!   with Terra's 429 before parsing a range (`routes/rate_limit.rs`); [`DateRange`]
//!   refuses it too (400), for any other caller.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, NaiveDate, Utc};

/// Terra's maximum span of one request, in days (rate-limit rule r1).
pub const MAX_RANGE_DAYS: i64 = 1_825;

/// One date parameter as the client sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateParam {
    /// `YYYY-MM-DD`.
    Day(NaiveDate),
    /// Unix seconds.
    Instant(DateTime<Utc>),
}

/// Why a date parameter or range was refused; the message names the parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("invalid {param}: expected YYYY-MM-DD or unix seconds, got {value:?}")]
    Malformed { param: &'static str, value: String },
    #[error("end_date must not be before start_date")]
    EndBeforeStart,
    #[error("date range spans {days} days; at most {MAX_RANGE_DAYS} days are allowed")]
    TooLong { days: i64 },
}

impl DateParam {
    /// Parses one parameter; `param` names it in the error.
    pub fn parse(param: &'static str, value: &str) -> Result<DateParam, DateError> {
        let malformed = || DateError::Malformed {
            param,
            value: truncate_for_message(value),
        };
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            let seconds: i64 = value.parse().map_err(|_| malformed())?;
            return DateTime::from_timestamp(seconds, 0)
                .map(DateParam::Instant)
                .ok_or_else(malformed);
        }
        // chrono's `%Y` also takes 5+ digit and signed years; Terra's form is exactly
        // `YYYY-MM-DD`, so check the length first.
        if value.len() != 10 {
            return Err(malformed());
        }
        NaiveDate::from_str(value)
            .map(DateParam::Day)
            .map_err(|_| malformed())
    }

    /// The instant this parameter denotes when used as a start (or as the nominal value
    /// of an end, before the whole-day rule).
    fn instant(self) -> DateTime<Utc> {
        match self {
            DateParam::Day(day) => day.and_time(chrono::NaiveTime::MIN).and_utc(),
            DateParam::Instant(instant) => instant,
        }
    }
}

/// `end_date − start_date` in days, as given (a date end is its midnight, not the end of
/// that day; a partial day counts as a day): Terra's measure for rule r1 and the cost of
/// rule r2. Without `end_date`, 1 (Terra: "a call without dates costs 1 day").
pub fn requested_days(start: DateParam, end: Option<DateParam>) -> Result<i64, DateError> {
    let Some(end) = end else {
        return Ok(1);
    };
    let (start, end) = (start.instant(), end.instant());
    if end < start {
        return Err(DateError::EndBeforeStart);
    }
    Ok(((end - start).num_seconds() + 86_399) / 86_400)
}

/// A half-open time range `[start, end)` of record start times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// Both ends given as dates (or the end omitted): the user-local days asked for,
    /// inclusive.
    local_days: Option<(NaiveDate, NaiveDate)>,
}

impl DateRange {
    /// Builds the range Terra's parameters describe (rules in the module docs).
    pub fn from_params(start: DateParam, end: Option<DateParam>) -> Result<DateRange, DateError> {
        let start_instant = start.instant();
        let end_instant = match end {
            None => start_instant + chrono::Duration::days(1),
            Some(DateParam::Day(day)) => day
                .checked_add_days(Days::new(1))
                .map(|next| next.and_time(chrono::NaiveTime::MIN).and_utc())
                .unwrap_or_else(|| DateParam::Day(day).instant()),
            Some(DateParam::Instant(instant)) => instant,
        };
        let days = requested_days(start, end)?;
        if days > MAX_RANGE_DAYS {
            return Err(DateError::TooLong { days });
        }
        let local_days = match (start, end) {
            (DateParam::Day(first), None) => Some((first, first)),
            (DateParam::Day(first), Some(DateParam::Day(last))) => Some((first, last)),
            _ => None,
        };
        Ok(DateRange {
            start: start_instant,
            end: end_instant,
            local_days,
        })
    }

    /// Parses the raw `start_date` and optional `end_date` values.
    pub fn parse(start: &str, end: Option<&str>) -> Result<DateRange, DateError> {
        let start = DateParam::parse("start_date", start)?;
        let end = end
            .map(|value| DateParam::parse("end_date", value))
            .transpose()?;
        DateRange::from_params(start, end)
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// The user-local calendar days asked for (both inclusive), when both ends are dates
    /// (or the end is omitted): such a range selects records by their local date, so a
    /// user east or west of UTC gets their own day, not the UTC one.
    pub fn local_days(&self) -> Option<(NaiveDate, NaiveDate)> {
        self.local_days
    }

    /// Start as unix microseconds, the store's time unit.
    pub fn start_micros(&self) -> i64 {
        self.start.timestamp_micros()
    }

    /// End (exclusive) as unix microseconds.
    pub fn end_micros(&self) -> i64 {
        self.end.timestamp_micros()
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}, {})",
            self.start.to_rfc3339(),
            self.end.to_rfc3339()
        )
    }
}

/// Error messages echo the offending value, but never an unbounded one.
fn truncate_for_message(value: &str) -> String {
    value.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::from_str(text).unwrap_or_default()
    }

    #[test]
    fn accepts_both_forms() {
        assert_eq!(
            DateParam::parse("start_date", "2024-01-31"),
            Ok(DateParam::Day(day("2024-01-31")))
        );
        let parsed = DateParam::parse("start_date", "1700000000");
        assert_eq!(
            parsed.map(DateParam::instant).map(|i| i.timestamp()),
            Ok(1_700_000_000)
        );
    }

    #[test]
    fn rejects_other_shapes_naming_the_parameter() {
        for bad in [
            "",
            "2024-1-01",
            "2024-02-30",
            "+2024-01-01",
            "12024-01-01",
            "-5",
            "1.5",
            "yesterday",
            "99999999999999999999",
        ] {
            let error = DateParam::parse("end_date", bad);
            assert!(
                matches!(
                    error,
                    Err(DateError::Malformed {
                        param: "end_date",
                        ..
                    })
                ),
                "{bad:?} gave {error:?}"
            );
        }
    }

    #[test]
    fn date_end_includes_the_named_day() -> Result<(), DateError> {
        let range = DateRange::parse("2024-01-01", Some("2024-01-01"))?;
        assert_eq!(range.end() - range.start(), chrono::Duration::days(1));
        Ok(())
    }

    #[test]
    fn missing_end_means_one_day() -> Result<(), DateError> {
        let range = DateRange::parse("1700000000", None)?;
        assert_eq!(range.end().timestamp(), 1_700_000_000 + 86_400);
        Ok(())
    }

    #[test]
    fn end_before_start_is_refused() {
        assert_eq!(
            DateRange::parse("2024-01-02", Some("2024-01-01")),
            Err(DateError::EndBeforeStart)
        );
        assert_eq!(
            DateRange::parse("1700000000", Some("1699999999")),
            Err(DateError::EndBeforeStart)
        );
    }

    #[test]
    fn exactly_1825_days_is_allowed_and_1826_is_not() {
        let start = day("2020-01-01");
        let limit = start + Days::new(1825);
        let over = start + Days::new(1826);
        assert!(DateRange::parse("2020-01-01", Some(&limit.to_string())).is_ok());
        assert_eq!(
            DateRange::parse("2020-01-01", Some(&over.to_string())),
            Err(DateError::TooLong { days: 1826 })
        );
    }

    proptest! {
        #[test]
        fn any_string_parses_or_errors_without_panicking(text in ".{0,30}") {
            let _ = DateRange::parse(&text, Some(&text));
        }

        #[test]
        fn formatted_days_round_trip(days_since_epoch in 0i64..2_900_000) {
            let date = NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|epoch| epoch.checked_add_days(Days::new(days_since_epoch.unsigned_abs())));
            prop_assume!(date.is_some());
            let date = date.unwrap_or_default();
            prop_assume!(date.format("%Y").to_string().len() == 4);
            prop_assert_eq!(
                DateParam::parse("start_date", &date.to_string()),
                Ok(DateParam::Day(date))
            );
        }

        #[test]
        fn valid_ranges_are_ordered_and_bounded(start in 0i64..4_000_000_000, length in 0i64..200_000_000) {
            let end = start + length;
            let result = DateRange::parse(&start.to_string(), Some(&end.to_string()));
            let days = (length + 86_399) / 86_400;
            if days > MAX_RANGE_DAYS {
                prop_assert_eq!(result, Err(DateError::TooLong { days }));
            } else {
                let range = result.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(range.start() <= range.end());
                prop_assert_eq!(range.start_micros(), start * 1_000_000);
                prop_assert_eq!(range.end_micros(), end * 1_000_000);
            }
        }
    }
}
