//! Reading Dexcom collections: `/dataRange` first, then the collection in windows of at
//! most [`WINDOW_DAYS`] days, each window clipped to the span `/dataRange` reports for the
//! collection. Dexcom has no page tokens: a collection is paged by time, and the span
//! bounds a backfill to the days the account has data for (no call for a window before
//! the first or after the last record, none at all for a collection with no records).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use url::Url;

use super::super::mapper::time::system_instant;
use super::super::wire::{DataRange, Page, Span};
use crate::http;
use crate::module::with_trailing_slash;
use crate::{FetchRange, ProviderCtx, ProviderError};

/// Longest window one request asks for: the 30-day cap providers.md §9.2 records for the
/// v3 collections (marked unconfirmed there; a shorter window is always accepted, so the
/// cap costs at most a few extra requests if Dexcom allows more).
pub const WINDOW_DAYS: i64 = 30;
/// Below the API base, every v3 resource of the authorizing user.
const DATA_PREFIX: &str = "v3/users/self/";
/// How Dexcom takes `startDate`/`endDate`: UTC (against `systemTime`), no zone suffix.
const QUERY_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// The UTC instants a fetch of `range` asks for, end exclusive: a day before `range` to a
/// day after it, so every local day of `range` is whole at any offset (±14 h); the mappers
/// then keep the records whose local day is in `range`.
pub fn query_window(range: FetchRange) -> (NaiveDateTime, NaiveDateTime) {
    let widened = range.widened(1, 2);
    (
        widened.start.and_time(NaiveTime::MIN),
        widened.end.and_time(NaiveTime::MIN),
    )
}

/// `[start, end)` cut into consecutive windows of at most [`WINDOW_DAYS`] days.
pub fn windows(start: NaiveDateTime, end: NaiveDateTime) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    let step = TimeDelta::days(WINDOW_DAYS);
    let mut out = Vec::new();
    let mut from = start;
    while from < end {
        let to = from.checked_add_signed(step).map_or(end, |to| to.min(end));
        out.push((from, to));
        from = to;
    }
    out
}

/// How many windows a collection read of `range` takes when the account has data
/// throughout (what [`crate::Provider::request_cost`] charges).
pub fn window_count(range: FetchRange) -> u32 {
    let (start, end) = query_window(range);
    u32::try_from(windows(start, end).len()).unwrap_or(u32::MAX)
}

/// `[start, end)` clipped to the collection's span: from its first record to just after its
/// last. `None` when nothing of the window lies in the span. A span whose times do not
/// parse does not clip.
pub fn clip(
    window: (NaiveDateTime, NaiveDateTime),
    span: &Span,
) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let first = system_instant(&span.start.system_time).map(floor_second);
    let last = system_instant(&span.end.system_time)
        .map(|time| floor_second(time) + TimeDelta::seconds(1));
    let start = first.map_or(window.0, |first| window.0.max(first));
    let end = last.map_or(window.1, |last| window.1.min(last));
    (start < end).then_some((start, end))
}

fn floor_second(time: DateTime<Utc>) -> NaiveDateTime {
    let naive = time.naive_utc();
    naive.with_nanosecond(0).unwrap_or(naive)
}

/// `<api_base>v3/users/self/<name>`.
fn data_url(ctx: &ProviderCtx, name: &str) -> Result<Url, ProviderError> {
    with_trailing_slash(&ctx.api_base)
        .join(&format!("{DATA_PREFIX}{name}"))
        .map_err(|error| ProviderError::Malformed(format!("Dexcom API URL: {error}")))
}

/// `GET /v3/users/self/dataRange`.
pub async fn data_range(
    ctx: &ProviderCtx,
    token: &SecretString,
) -> Result<DataRange, ProviderError> {
    http::get_json(&ctx.http, data_url(ctx, "dataRange")?, token).await
}

/// Every record of collection `name` (`egvs`, `events`) in the query window of `range`,
/// as far as `span` (the collection's entry in `/dataRange`) says there are any.
pub async fn collection<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    token: &SecretString,
    name: &str,
    span: Option<&Span>,
    range: FetchRange,
) -> Result<Vec<T>, ProviderError> {
    let Some(span) = span else {
        return Ok(Vec::new());
    };
    let Some((start, end)) = clip(query_window(range), span) else {
        return Ok(Vec::new());
    };
    let url = data_url(ctx, name)?;
    let mut records = Vec::new();
    for (from, to) in windows(start, end) {
        let mut window_url = url.clone();
        window_url
            .query_pairs_mut()
            .append_pair("startDate", &from.format(QUERY_FORMAT).to_string())
            .append_pair("endDate", &to.format(QUERY_FORMAT).to_string());
        let page: Page = http::get_json(&ctx.http, window_url, token).await?;
        records.extend(page.records::<T>());
    }
    Ok(records)
}

/// Whether `date` is one of `range`'s days.
pub fn in_range(date: NaiveDate, range: FetchRange) -> bool {
    range.start <= date && date <= range.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dexcom::wire::Moment;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    fn moment(system_time: &str) -> Moment {
        Moment {
            system_time: system_time.to_owned(),
            display_time: None,
        }
    }

    #[test]
    fn a_month_is_two_windows_of_at_most_thirty_days() {
        let range = FetchRange {
            start: day("2026-03-01"),
            end: day("2026-03-30"),
        };
        let (start, end) = query_window(range);
        assert_eq!(start.to_string(), "2026-02-28 00:00:00");
        assert_eq!(end.to_string(), "2026-04-01 00:00:00");
        let cut = windows(start, end);
        assert_eq!(cut.len(), 2);
        assert_eq!(cut[0].1, cut[1].0, "consecutive, no gap");
        assert_eq!(cut[0].1.to_string(), "2026-03-30 00:00:00");
        assert_eq!(window_count(range), 2);
        let week = FetchRange {
            start: day("2026-03-01"),
            end: day("2026-03-07"),
        };
        assert_eq!(window_count(week), 1);
    }

    #[test]
    fn the_data_range_clips_the_window_or_skips_it() {
        let window = query_window(FetchRange {
            start: day("2026-03-01"),
            end: day("2026-03-07"),
        });
        let span = Span {
            start: moment("2026-03-03T10:00:00.500"),
            end: moment("2026-03-05T12:00:00Z"),
        };
        let clipped = clip(window, &span).map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(
            clipped,
            Some((
                "2026-03-03 10:00:00".to_owned(),
                "2026-03-05 12:00:01".to_owned()
            ))
        );
        let before = Span {
            start: moment("2025-01-01T00:00:00"),
            end: moment("2025-02-01T00:00:00"),
        };
        assert_eq!(clip(window, &before), None);
        let unreadable = Span {
            start: moment("soon"),
            end: moment("later"),
        };
        assert_eq!(clip(window, &unreadable), Some(window));
    }
}
