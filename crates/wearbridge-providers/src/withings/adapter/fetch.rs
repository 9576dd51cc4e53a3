//! The fetch of each Terra type: Withings's paged actions (`offset` while `more`), and
//! the per-day and per-night detail calls they need.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use secrecy::SecretString;
use serde::de::DeserializeOwned;

use super::call;
use super::{
    ACTIVITY_FIELDS, INTRADAY_FIELDS, MEASTYPES, SLEEP_SERIES_FIELDS, SLEEP_SUMMARY_FIELDS,
    WORKOUT_FIELDS,
};
use crate::withings::{mapper, wire};
use crate::{FetchRange, ProviderCtx, ProviderError, TerraRecordData};

/// Most pages fetched per paged call: Withings pages hold hundreds of items, so this many
/// pages means `offset` is not advancing.
const MAX_PAGES: usize = 1_000;
/// Widest zone offsets on Earth (UTC−12 to UTC+14), for epoch windows around local days.
const EARLIEST_OFFSET_S: i64 = 14 * 3_600;
const LATEST_OFFSET_S: i64 = 12 * 3_600;

/// A page of a paged answer: its items, whether more follow and the next offset.
trait Paged: DeserializeOwned {
    type Item;
    fn into_page(self) -> (Vec<Self::Item>, bool, Option<i64>);
}

macro_rules! paged {
    ($body:ty, $item:ty, $field:ident) => {
        impl Paged for $body {
            type Item = $item;
            fn into_page(self) -> (Vec<$item>, bool, Option<i64>) {
                let more = wire::has_more(self.more.as_ref());
                (self.$field, more, self.offset)
            }
        }
    };
}

paged!(wire::MeasureBody, wire::MeasureGroup, measuregrps);
paged!(wire::ActivityBody, wire::ActivityDay, activities);
paged!(wire::WorkoutsBody, wire::Workout, series);
paged!(wire::SleepSummaryBody, wire::SleepSummary, series);

/// Every item of a paged call: repeats it with `offset` while `more` is set.
async fn all_pages<P: Paged + Clone>(
    ctx: &ProviderCtx,
    token: &SecretString,
    path: &str,
    params: &[(&str, String)],
) -> Result<(Vec<P::Item>, Option<P>), ProviderError> {
    let mut items = Vec::new();
    let mut offset: Option<i64> = None;
    let mut first: Option<P> = None;
    for _ in 0..MAX_PAGES {
        let mut page_params = params.to_vec();
        if let Some(offset) = offset {
            page_params.push(("offset", offset.to_string()));
        }
        let page: P = call(ctx, token, path, &page_params).await?;
        if first.is_none() {
            first = Some(page.clone());
        }
        let (page_items, more, next) = page.into_page();
        items.extend(page_items);
        match next.filter(|_| more) {
            Some(next) if Some(next) == offset => {
                return Err(ProviderError::Malformed(format!(
                    "Withings {path}: offset does not advance"
                )));
            }
            Some(next) => offset = Some(next),
            None => return Ok((items, first)),
        }
    }
    Err(ProviderError::Malformed(format!(
        "Withings {path} returned more than {MAX_PAGES} pages"
    )))
}

fn ymd(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn midnight_utc(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// Epoch seconds bracketing every instant of the local days of `range`, whatever the
/// user's zone.
fn epoch_window(range: FetchRange) -> (i64, i64) {
    let start = midnight_utc(range.start).timestamp() - EARLIEST_OFFSET_S;
    let end_day = range
        .end
        .checked_add_days(Days::new(1))
        .unwrap_or(range.end);
    let end = midnight_utc(end_day).timestamp() + LATEST_OFFSET_S;
    (start, end)
}

fn in_range(record: &TerraRecordData, range: FetchRange) -> bool {
    let start = match record {
        TerraRecordData::Body(body) => body.metadata.start_time,
        TerraRecordData::Daily(daily) => daily.metadata.start_time,
        _ => return true,
    };
    (range.start..=range.end).contains(&start.local_date())
}

pub(super) async fn fetch_body(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let (start, end) = epoch_window(range);
    let params = [
        ("action", "getmeas".to_owned()),
        ("meastypes", MEASTYPES.to_owned()),
        ("category", "1".to_owned()),
        ("startdate", start.to_string()),
        ("enddate", end.to_string()),
    ];
    let (groups, first) = all_pages::<wire::MeasureBody>(ctx, token, "measure", &params).await?;
    let answer = wire::MeasureBody {
        measuregrps: groups,
        timezone: first.and_then(|page| page.timezone),
        updatetime: None,
        more: None,
        offset: None,
    };
    Ok(mapper::body(&answer)
        .into_iter()
        .map(TerraRecordData::from)
        .filter(|record| in_range(record, range))
        .collect())
}

pub(super) async fn fetch_daily(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let params = [
        ("action", "getactivity".to_owned()),
        ("startdateymd", ymd(range.start)),
        ("enddateymd", ymd(range.end)),
        ("data_fields", ACTIVITY_FIELDS.to_owned()),
    ];
    let (days, _) = all_pages::<wire::ActivityBody>(ctx, token, "v2/measure", &params).await?;
    let mut records = Vec::new();
    for day in &days {
        let Some(mut daily) = mapper::daily(day) else {
            continue;
        };
        if let Some(samples) = intraday_of(ctx, token, day).await? {
            mapper::attach_samples(&mut daily, samples);
        }
        records.push(TerraRecordData::from(daily));
    }
    Ok(records)
}

/// The intraday samples of an activity day (one call of at most 24 h, in the day's zone).
async fn intraday_of(
    ctx: &ProviderCtx,
    token: &SecretString,
    day: &wire::ActivityDay,
) -> Result<Option<mapper::DaySamples>, ProviderError> {
    let Ok(date) = NaiveDate::parse_from_str(&day.date, "%Y-%m-%d") else {
        return Ok(None);
    };
    let zone_name = day.timezone.as_deref();
    let offset_s = zone_name
        .and_then(|name| crate::withings::zone::offset_on(name, date))
        .map_or(0, |offset| i64::from(offset.local_minus_utc()));
    let start = midnight_utc(date).timestamp() - offset_s;
    let params = [
        ("action", "getintradayactivity".to_owned()),
        ("startdate", start.to_string()),
        ("enddate", (start + 86_399).to_string()),
        ("data_fields", INTRADAY_FIELDS.to_owned()),
    ];
    let answer: wire::IntradayBody = call(ctx, token, "v2/measure", &params).await?;
    Ok(mapper::intraday_days(&answer, zone_name)
        .into_iter()
        .find(|(local, _)| *local == date)
        .map(|(_, samples)| samples))
}

pub(super) async fn fetch_activity(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let params = [
        ("action", "getworkouts".to_owned()),
        ("startdateymd", ymd(range.start)),
        ("enddateymd", ymd(range.end)),
        ("data_fields", WORKOUT_FIELDS.to_owned()),
    ];
    let (workouts, _) = all_pages::<wire::WorkoutsBody>(ctx, token, "v2/measure", &params).await?;
    Ok(workouts
        .iter()
        .filter_map(mapper::workout)
        .map(TerraRecordData::from)
        .collect())
}

pub(super) async fn fetch_sleep(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let params = [
        ("action", "getsummary".to_owned()),
        ("startdateymd", ymd(range.start)),
        ("enddateymd", ymd(range.end)),
        ("data_fields", SLEEP_SUMMARY_FIELDS.to_owned()),
    ];
    let (nights, _) = all_pages::<wire::SleepSummaryBody>(ctx, token, "v2/sleep", &params).await?;
    let mut records = Vec::new();
    for night in &nights {
        let params = [
            ("action", "get".to_owned()),
            ("startdate", night.startdate.to_string()),
            ("enddate", night.enddate.to_string()),
            ("data_fields", SLEEP_SERIES_FIELDS.to_owned()),
        ];
        let detail: wire::SleepBody = call(ctx, token, "v2/sleep", &params).await?;
        if let Some(sleep) = mapper::sleep(night, &detail.series) {
            records.push(TerraRecordData::from(sleep));
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_windows_cover_every_zone() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
        let (start, end) = epoch_window(FetchRange {
            start: day,
            end: day,
        });
        // 2026-01-05T00:00 at UTC+14 and 2026-01-06T00:00 at UTC-12.
        assert_eq!(start, 1_767_571_200 - 14 * 3_600);
        assert_eq!(end, 1_767_657_600 + 12 * 3_600);
    }
}
