//! The fetch of each Terra type: Polar's 28-day lists, date windows of at most
//! [`MAX_RANGE_DAYS`] days, and single dates for what the lists no longer hold.

use chrono::{Days, NaiveDate, Utc};
use reqwest::StatusCode;

use super::api::{Api, read_json};
use super::{LIST_DAYS, MAX_AGE_DAYS, MAX_RANGE_DAYS};
use crate::polar::{mapper, time, wire};
use crate::{FetchRange, ProviderError, TerraRecordData};

fn in_range(range: FetchRange, day: NaiveDate) -> bool {
    range.start <= day && day <= range.end
}

/// `[start, end]` windows of at most [`MAX_RANGE_DAYS`] days covering the range, skipping
/// days older than Polar serves.
pub(super) fn windows(range: FetchRange, today: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let oldest = today
        .checked_sub_days(Days::new(MAX_AGE_DAYS - 1))
        .unwrap_or(today);
    let recent = FetchRange {
        start: range.start.max(oldest),
        end: range.end,
    };
    recent
        .chunks(MAX_RANGE_DAYS)
        .into_iter()
        .map(|window| (window.start, window.end))
        .collect()
}

/// Days of the range older than the 28-day lists, which need one request each.
pub(super) fn days_before_lists(range: FetchRange, today: NaiveDate) -> Vec<NaiveDate> {
    let first_listed = today
        .checked_sub_days(Days::new(LIST_DAYS - 1))
        .unwrap_or(today);
    let oldest = today
        .checked_sub_days(Days::new(MAX_AGE_DAYS - 1))
        .unwrap_or(today);
    range
        .start
        .max(oldest)
        .iter_days()
        .take_while(|day| *day <= range.end && *day < first_listed)
        .collect()
}

/// Today for Polar's "last N days" windows: the UTC date plus one, so a user east of UTC
/// whose day has already begun is covered (one day of overlap only costs a request).
pub(super) fn polar_today() -> NaiveDate {
    let today = Utc::now().date_naive();
    today.succ_opt().unwrap_or(today)
}

pub(super) async fn exercises(
    api: &Api<'_>,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let flags = [
        ("samples", "true".to_owned()),
        ("zones", "true".to_owned()),
        ("route", "true".to_owned()),
    ];
    let list: wire::Exercises = api.get("v3/exercises", &flags).await?;
    Ok(list
        .iter()
        .filter_map(mapper::exercise)
        .filter(|activity| in_range(range, activity.metadata.start_time.local_date()))
        .map(Into::into)
        .collect())
}

/// Nights of the range (the 28-day list, older dates one by one).
async fn nights(api: &Api<'_>, range: FetchRange) -> Result<Vec<wire::SleepNight>, ProviderError> {
    let listed: wire::Nights = api.get("v3/users/sleep", &[]).await?;
    let mut nights: Vec<wire::SleepNight> = listed
        .nights
        .into_iter()
        .filter(|night| time::date(&night.date).is_some_and(|d| in_range(range, d)))
        .collect();
    // Every day before the list is asked for, even one the list already holds (a person
    // east of UTC whose list has moved on): the request count then follows the dates
    // alone, as `request_cost` charges it, not the person's offset at this hour.
    for day in days_before_lists(range, polar_today()) {
        let fetched = api.get_day(&format!("v3/users/sleep/{day}")).await?;
        if let Some(night) = fetched
            && !nights.iter().any(|n| time::date(&n.date) == Some(day))
        {
            nights.push(night);
        }
    }
    Ok(nights)
}

/// Nightly Recharges of the range (the 28-day list, older dates one by one).
async fn recharges(
    api: &Api<'_>,
    range: FetchRange,
) -> Result<Vec<wire::NightlyRecharge>, ProviderError> {
    let listed: wire::Recharges = api.get("v3/users/nightly-recharge", &[]).await?;
    let mut recharges: Vec<wire::NightlyRecharge> = listed
        .recharges
        .into_iter()
        .filter(|r| time::date(&r.date).is_some_and(|d| in_range(range, d)))
        .collect();
    // Asked for one by one like the nights (see there), kept once.
    for day in days_before_lists(range, polar_today()) {
        let fetched = api
            .get_day(&format!("v3/users/nightly-recharge/{day}"))
            .await?;
        if let Some(recharge) = fetched
            && !recharges.iter().any(|r| time::date(&r.date) == Some(day))
        {
            recharges.push(recharge);
        }
    }
    Ok(recharges)
}

fn same_day(a: &str, b: &str) -> bool {
    time::date(a).is_some_and(|day| time::date(b) == Some(day))
}

/// Sleep records: each night with its Nightly Recharge merged in.
pub(super) async fn sleep(
    api: &Api<'_>,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let nights = nights(api, range).await?;
    let recharges = recharges(api, range).await?;
    Ok(nights
        .iter()
        .filter_map(|night| {
            let recharge = recharges.iter().find(|r| same_day(&r.date, &night.date));
            mapper::sleep(night, recharge)
        })
        .map(Into::into)
        .collect())
}

/// Body records: one per date with continuous heart rate and/or a Nightly Recharge.
pub(super) async fn body(
    api: &Api<'_>,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let mut days: Vec<wire::ContinuousHeartRate> = Vec::new();
    for (start, end) in windows(range, polar_today()) {
        let query = [("from", start.to_string()), ("to", end.to_string())];
        let response = api.send("v3/users/continuous-heart-rate", &query).await?;
        if response.status() == StatusCode::NO_CONTENT || response.status() == StatusCode::NOT_FOUND
        {
            continue;
        }
        let value: serde_json::Value = read_json(response).await?;
        days.extend(
            crate::polar::continuous_heart_rate(&value.to_string())
                .map_err(|error| ProviderError::Malformed(error.to_string()))?,
        );
    }
    let recharges = recharges(api, range).await?;
    let mut records: Vec<TerraRecordData> = days
        .iter()
        .filter(|day| time::date(&day.date).is_some_and(|d| in_range(range, d)))
        .filter_map(|day| {
            let recharge = recharges.iter().find(|r| same_day(&r.date, &day.date));
            mapper::body_day(Some(day), recharge)
        })
        .map(Into::into)
        .collect();
    records.extend(
        recharges
            .iter()
            .filter(|r| !days.iter().any(|day| same_day(&day.date, &r.date)))
            .filter_map(|r| mapper::body_day(None, Some(r)))
            .map(Into::into),
    );
    Ok(records)
}

pub(super) async fn daily(
    api: &Api<'_>,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let mut records = Vec::new();
    for (start, end) in windows(range, polar_today()) {
        let query = [
            ("from", start.to_string()),
            ("to", end.to_string()),
            ("steps", "true".to_owned()),
            ("activity_zones", "true".to_owned()),
        ];
        let days: Vec<wire::DailyActivity> = api.get("v3/users/activities", &query).await?;
        records.extend(
            days.iter()
                .filter_map(mapper::daily)
                .filter(|daily| in_range(range, daily.metadata.start_time.local_date()))
                .map(Into::into),
        );
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn ranges_split_into_28_day_windows_within_a_year() {
        let range = FetchRange {
            start: day("2026-01-01"),
            end: day("2026-03-01"),
        };
        let parts = windows(range, day("2026-03-01"));
        assert_eq!(
            parts,
            vec![
                (day("2026-01-01"), day("2026-01-28")),
                (day("2026-01-29"), day("2026-02-25")),
                (day("2026-02-26"), day("2026-03-01")),
            ]
        );
        let old = FetchRange {
            start: day("2020-01-01"),
            end: day("2026-03-01"),
        };
        assert_eq!(
            windows(old, day("2026-03-01")).first().map(|w| w.0),
            Some(day("2025-03-02"))
        );
    }

    #[test]
    fn only_days_before_the_lists_are_fetched_one_by_one() {
        let range = FetchRange {
            start: day("2026-01-01"),
            end: day("2026-02-10"),
        };
        let single = days_before_lists(range, day("2026-02-10"));
        assert_eq!(single.first(), Some(&day("2026-01-01")));
        assert_eq!(single.last(), Some(&day("2026-01-13")));
        let recent = FetchRange {
            start: day("2026-02-01"),
            end: day("2026-02-10"),
        };
        assert!(days_before_lists(recent, day("2026-02-10")).is_empty());
    }
}
