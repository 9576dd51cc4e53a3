//! Which days a read still has to fetch from the provider: pure arithmetic over the
//! coverage ledger (`wearbridge_store::coverage`), no IO.
//!
//! A day is covered once a fetch of it committed, except the days that may still
//! change at the provider: yesterday and today (UTC, the calendar the polls use too)
//! count as covered only while their last fetch is younger than the freshness window
//! (`sync.read_freshness_secs`). Days older than the provider's history depth, or later
//! than today, are never fetched by a read: the provider has nothing there yet (a user
//! east of UTC whose day has begun gets it from the next poll or push).

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use wearbridge_store::coverage::{CoveredDay, shift_day};

use crate::clock::micros;
use crate::dates::DateRange;

/// Hours a user's local day can lie before or after the UTC day (UTC−12 … UTC+14).
const MAX_OFFSET_HOURS: i64 = 14;

/// A run of calendar days, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySpan {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl DaySpan {
    /// How many days the run holds.
    pub fn count(self) -> i64 {
        (self.last - self.first).num_days() + 1
    }
}

/// The provider days a data read of `range` needs: its local days when it was given as
/// dates, else every day a record starting inside the instants can belong to, at any
/// offset.
pub fn read_days(range: &DateRange) -> DaySpan {
    if let Some((first, last)) = range.local_days() {
        return DaySpan { first, last };
    }
    instant_days(range.start_micros(), range.end_micros())
}

/// Every day a record starting in `[start, end)` (unix µs) can belong to, at any offset.
pub fn instant_days(start: i64, end: i64) -> DaySpan {
    let day_of = |micros: i64| {
        DateTime::<Utc>::from_timestamp_micros(micros)
            .unwrap_or_default()
            .date_naive()
    };
    let margin = MAX_OFFSET_HOURS * 3_600 * 1_000_000;
    let last = end.saturating_sub(1).max(start);
    DaySpan {
        first: day_of(start.saturating_sub(margin)),
        last: day_of(last.saturating_add(margin)),
    }
}

/// What limits the days a fill may fetch.
#[derive(Debug, Clone, Copy)]
pub struct Horizon {
    pub now: DateTime<Utc>,
    /// How far back the provider serves (`None`: no documented limit).
    pub history_days: Option<u32>,
    pub freshness: Duration,
}

impl Horizon {
    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// `wanted` cut to what the provider can serve: no later than today, no earlier
    /// than its history depth; `None` when nothing is left.
    pub fn clamp(&self, wanted: DaySpan) -> Option<DaySpan> {
        let today = self.today();
        let latest = today;
        let earliest = self
            .history_days
            .map(|days| shift_day(today, 1 - i64::from(days.max(1))));
        let first = earliest.map_or(wanted.first, |earliest| wanted.first.max(earliest));
        let last = wanted.last.min(latest);
        (first <= last).then_some(DaySpan { first, last })
    }

    /// Whether `day`, fetched at `fetched_at` (unix µs), still counts as covered.
    fn still_covered(&self, day: NaiveDate, fetched_at: i64) -> bool {
        if day < shift_day(self.today(), -1) {
            return true;
        }
        let age = self.now.timestamp_micros().saturating_sub(fetched_at);
        age < micros(self.freshness)
    }
}

/// The runs of days in `wanted` (already clamped) that must be fetched, oldest first:
/// the days `covered` does not hold, and recent days whose fetch is stale.
pub fn gaps(wanted: DaySpan, covered: &[CoveredDay], horizon: &Horizon) -> Vec<DaySpan> {
    let mut runs: Vec<DaySpan> = Vec::new();
    let mut covered = covered.iter().peekable();
    for day in wanted
        .first
        .iter_days()
        .take_while(|day| *day <= wanted.last)
    {
        while covered.next_if(|entry| entry.day < day).is_some() {}
        let fresh = covered
            .peek()
            .is_some_and(|entry| entry.day == day && horizon.still_covered(day, entry.fetched_at));
        if fresh {
            continue;
        }
        match runs.last_mut() {
            Some(run) if shift_day(run.last, 1) == day => run.last = day,
            _ => runs.push(DaySpan {
                first: day,
                last: day,
            }),
        }
    }
    runs
}

/// `gaps` split at `first_pulled`: the days from it on (fetched at once) and the
/// older ones (asked for by a history request), each oldest first.
pub fn split_at(gaps: &[DaySpan], first_pulled: NaiveDate) -> (Vec<DaySpan>, Vec<DaySpan>) {
    let mut pulled = Vec::new();
    let mut requested = Vec::new();
    for gap in gaps {
        if gap.first >= first_pulled {
            pulled.push(*gap);
        } else if gap.last < first_pulled {
            requested.push(*gap);
        } else {
            requested.push(DaySpan {
                first: gap.first,
                last: shift_day(first_pulled, -1),
            });
            pulled.push(DaySpan {
                first: first_pulled,
                last: gap.last,
            });
        }
    }
    (pulled, requested)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_where_pulls_begin() {
        let span = |first: &str, last: &str| DaySpan {
            first: day(first),
            last: day(last),
        };
        let gaps = [
            span("2026-01-01", "2026-01-03"),
            span("2026-01-08", "2026-01-12"),
            span("2026-01-20", "2026-01-21"),
        ];
        let (pulled, requested) = split_at(&gaps, day("2026-01-10"));
        assert_eq!(
            pulled,
            [
                span("2026-01-10", "2026-01-12"),
                span("2026-01-20", "2026-01-21")
            ]
        );
        assert_eq!(
            requested,
            [
                span("2026-01-01", "2026-01-03"),
                span("2026-01-08", "2026-01-09")
            ]
        );
        let (pulled, requested) = split_at(&gaps, day("2026-01-01"));
        assert_eq!((pulled.len(), requested.len()), (3, 0));
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    fn days(first: &str, last: &str) -> DaySpan {
        DaySpan {
            first: day(first),
            last: day(last),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn horizon(now: &str) -> Horizon {
        Horizon {
            now: at(now),
            history_days: None,
            freshness: Duration::from_secs(900),
        }
    }

    fn covered(first: &str, last: &str, fetched: &str) -> Vec<CoveredDay> {
        day(first)
            .iter_days()
            .take_while(|d| *d <= day(last))
            .map(|d| CoveredDay {
                day: d,
                fetched_at: at(fetched).timestamp_micros(),
            })
            .collect()
    }

    #[test]
    fn nothing_covered_is_one_gap() {
        let h = horizon("2026-06-30T12:00:00Z");
        let wanted = days("2026-04-01", "2026-04-30");
        assert_eq!(gaps(wanted, &[], &h), vec![wanted]);
    }

    #[test]
    fn covered_middle_leaves_both_ends() {
        let h = horizon("2026-06-30T12:00:00Z");
        let ledger = covered("2026-04-10", "2026-04-20", "2026-06-01T00:00:00Z");
        assert_eq!(
            gaps(days("2026-04-01", "2026-04-30"), &ledger, &h),
            vec![
                days("2026-04-01", "2026-04-09"),
                days("2026-04-21", "2026-04-30")
            ]
        );
    }

    #[test]
    fn old_days_stay_covered_however_old_the_fetch() {
        let h = horizon("2026-06-30T12:00:00Z");
        let ledger = covered("2026-04-01", "2026-04-30", "2026-05-01T00:00:00Z");
        assert!(gaps(days("2026-04-01", "2026-04-30"), &ledger, &h).is_empty());
    }

    #[test]
    fn yesterday_and_today_are_refetched_once_stale() {
        let ledger = covered("2026-06-20", "2026-06-30", "2026-06-30T11:50:00Z");
        let wanted = days("2026-06-20", "2026-06-30");
        assert!(gaps(wanted, &ledger, &horizon("2026-06-30T12:00:00Z")).is_empty());
        assert_eq!(
            gaps(wanted, &ledger, &horizon("2026-06-30T12:10:00Z")),
            vec![days("2026-06-29", "2026-06-30")]
        );
    }

    #[test]
    fn clamp_stops_at_today_and_the_history_depth() {
        let mut h = horizon("2026-06-30T12:00:00Z");
        assert_eq!(
            h.clamp(days("2026-06-01", "2026-08-01")),
            Some(days("2026-06-01", "2026-06-30"))
        );
        h.history_days = Some(30);
        assert_eq!(
            h.clamp(days("2026-01-01", "2026-06-30")),
            Some(days("2026-06-01", "2026-06-30"))
        );
        assert_eq!(h.clamp(days("2026-01-01", "2026-02-01")), None);
    }

    #[test]
    fn instants_widen_to_every_local_day_they_touch() {
        let range = DateRange::parse("1782820800", Some("1782907200")).expect("range");
        // 2026-06-30T12:00Z .. 2026-07-01T12:00Z, ±14 h.
        assert_eq!(read_days(&range), days("2026-06-29", "2026-07-02"));
        let dated = DateRange::parse("2026-06-01", Some("2026-06-03")).expect("range");
        assert_eq!(read_days(&dated), days("2026-06-01", "2026-06-03"));
    }
}
