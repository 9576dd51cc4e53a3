//! `GET /v2/usercollection/heartrate`: time-series rows between `start_datetime` and
//! `end_datetime` (at most 30 days apart), paged by `next_token`.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::Value;

use super::collections::Window;
use super::wire;
use crate::person::Person;

/// Rows per page (about a day and a half of 5-minute rows).
pub(super) const PAGE_ROWS: usize = 500;
/// Oura refuses longer heart-rate windows (providers.md §2.2).
pub(super) const MAX_DAYS: i64 = 30;

/// Opaque `next_token`: URL-safe base64 of `h:<unix ms of the next row>`.
pub(super) fn encode_cursor(unix_ms: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("h:{unix_ms}"))
}

pub(super) fn decode_cursor(token: &str) -> Option<i64> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("h:")?
        .parse()
        .ok()
}

/// One page of rows from `from_ms` (or the window start) on; the next page's cursor.
pub(super) fn page(
    person: &Person,
    window: Window,
    from_ms: Option<i64>,
) -> (Vec<Value>, Option<i64>) {
    let from_ms = from_ms.unwrap_or(window.start.timestamp_millis());
    let Some(from) = DateTime::from_timestamp_millis(from_ms) else {
        return (Vec::new(), None);
    };
    let from: DateTime<FixedOffset> = from.with_timezone(&person.offset().fixed());
    let first_day = from.date_naive();
    let last_day = window.end.date_naive();
    let mut data = Vec::new();
    for day in days(first_day, last_day) {
        let today = person.day(day);
        for row in wire::heart_rate_rows(person, &today) {
            let at_ms = row.unix_ms();
            if at_ms < from_ms
                || at_ms < window.start.timestamp_millis()
                || at_ms > window.end.timestamp_millis()
            {
                continue;
            }
            if data.len() == PAGE_ROWS {
                return (data, Some(at_ms));
            }
            data.push(serde_json::to_value(&row).unwrap_or(Value::Null));
        }
    }
    (data, None)
}

fn days(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    first.iter_days().take_while(move |day| *day <= last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(
            decode_cursor(&encode_cursor(1_700_000_000_000)),
            Some(1_700_000_000_000)
        );
        assert_eq!(decode_cursor("x"), None);
    }
}
