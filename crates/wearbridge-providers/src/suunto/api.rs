//! Suunto's Cloud API over HTTP (`<api base>` = `https://cloudapi.suunto.com/`): every call
//! carries the user's JWT as a bearer token and the app's Azure APIM subscription key as
//! `Ocp-Apim-Subscription-Key` (without the key APIM refuses the call before Suunto sees
//! it). The workout list pages by `since`/`limit`/`offset`; the 24/7 endpoints take at
//! most 28 days per request.

use chrono::{Days, NaiveDate};
use reqwest::header::{ACCEPT, AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use super::wire;
use crate::error::{self, ProviderError};
use crate::http;
use crate::module::with_trailing_slash;
use crate::{FetchRange, ProviderCtx};

/// The APIM subscription key header.
pub const SUBSCRIPTION_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";
/// Largest page of `GET /v3/workouts/` (`limit` ≤ 100).
pub const PAGE_LIMIT: usize = 100;
/// Longest span one 24/7 request may cover (Suunto: 28 days).
pub const MAX_SAMPLE_DAYS: u64 = 28;

/// `<api_base><path>`.
pub fn url(ctx: &ProviderCtx, path: &str) -> Result<Url, ProviderError> {
    with_trailing_slash(&ctx.api_base)
        .join(path)
        .map_err(|error| ProviderError::Malformed(format!("SUUNTO API URL: {error}")))
}

/// Authenticated GET of one JSON document. Without a configured subscription key no call
/// is made: APIM would refuse it, and the operator needs to hear why.
pub async fn get<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    url: Url,
    token: &SecretString,
) -> Result<T, ProviderError> {
    let key = ctx.creds.api_key.as_ref().ok_or_else(|| {
        ProviderError::Malformed(
            "SUUNTO needs providers.SUUNTO.api_key (the APIM subscription key)".into(),
        )
    })?;
    let response = ctx
        .http
        .get(url)
        .header(AUTHORIZATION, format!("Bearer {}", token.expose_secret()))
        .header(SUBSCRIPTION_KEY_HEADER, key.expose_secret())
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    http::json_body(response, error::from_status).await
}

/// Epoch milliseconds of UTC midnight starting `day`.
pub fn epoch_ms(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

/// The `since` (epoch ms) a workout fetch of `range` lists from: a day before its first
/// day in UTC, so every local day of the range is covered at any offset.
pub fn since(range: FetchRange) -> i64 {
    epoch_ms(range.widened(1, 0).start)
}

/// Every workout starting after [`since`] of `range` and no later than two days after its
/// end, following `offset` until a page holds fewer than [`PAGE_LIMIT`]. The list runs to
/// today whatever the range (Suunto takes no upper bound), so pages are capped.
pub async fn list_workouts(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<wire::Workout>, ProviderError> {
    let since = since(range);
    let until = epoch_ms(range.widened(0, 2).end);
    // Far more than anyone records: 100 workouts a day since the range began, for a year.
    let max_pages = 400;
    let mut workouts = Vec::new();
    for page in 0..max_pages {
        let mut page_url = url(ctx, "v3/workouts/")?;
        page_url
            .query_pairs_mut()
            .append_pair("since", &since.to_string())
            .append_pair("limit", &PAGE_LIMIT.to_string())
            .append_pair("offset", &(page * PAGE_LIMIT).to_string())
            .append_pair("filter-by-modification-time", "false");
        let answer: wire::Envelope<Vec<wire::Workout>> = get(ctx, page_url, token).await?;
        let full = answer.payload.len() >= PAGE_LIMIT;
        workouts.extend(
            answer
                .payload
                .into_iter()
                .filter(|workout| workout.start_time >= since && workout.start_time < until),
        );
        if !full {
            return Ok(workouts);
        }
    }
    Err(ProviderError::Malformed(format!(
        "SUUNTO v3/workouts returned more than {max_pages} full pages"
    )))
}

/// `GET /247samples/{kind}?from&to` over `range` widened by a day each side (every local
/// day at any offset), in requests of at most [`MAX_SAMPLE_DAYS`].
pub async fn samples<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    token: &SecretString,
    kind: &str,
    range: FetchRange,
) -> Result<Vec<wire::Sample<T>>, ProviderError> {
    let mut all = Vec::new();
    for chunk in range.widened(1, 1).chunks(MAX_SAMPLE_DAYS) {
        let mut chunk_url = url(ctx, &format!("247samples/{kind}"))?;
        let to = chunk
            .end
            .checked_add_days(Days::new(1))
            .map_or(i64::MAX, epoch_ms);
        chunk_url
            .query_pairs_mut()
            .append_pair("from", &epoch_ms(chunk.start).to_string())
            .append_pair("to", &to.to_string());
        let page: Vec<wire::Sample<T>> = get(ctx, chunk_url, token).await?;
        all.extend(page);
    }
    Ok(all)
}

/// `GET /247/daily-activity-statistics?startdate&enddate` (local date-times without zone)
/// over `range`, in requests of at most [`MAX_SAMPLE_DAYS`].
pub async fn daily_statistics(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<wire::DailyStatistic>, ProviderError> {
    let mut all = Vec::new();
    for chunk in range.chunks(MAX_SAMPLE_DAYS) {
        let mut chunk_url = url(ctx, "247/daily-activity-statistics")?;
        chunk_url
            .query_pairs_mut()
            .append_pair("startdate", &format!("{}T00:00:00", chunk.start))
            .append_pair("enddate", &format!("{}T23:59:59", chunk.end));
        let page: Vec<wire::DailyStatistic> = get(ctx, chunk_url, token).await?;
        all.extend(page);
    }
    Ok(all)
}

/// Requests a 24/7 fetch of `range` makes (one per [`MAX_SAMPLE_DAYS`] chunk, `widen`
/// days added each side first).
pub fn sample_requests(range: FetchRange, widen: u64) -> u32 {
    u32::try_from(range.widened(widen, widen).chunks(MAX_SAMPLE_DAYS).len()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn since_is_utc_midnight_a_day_before_the_range() {
        let range = FetchRange {
            start: day("2026-03-04"),
            end: day("2026-03-04"),
        };
        // 2026-03-03T00:00:00Z.
        assert_eq!(since(range), 1_772_496_000_000);
    }

    #[test]
    fn sample_fetches_are_cut_at_28_days() {
        let range = FetchRange {
            start: day("2026-01-01"),
            end: day("2026-03-01"),
        };
        // 60 days plus one each side: three requests.
        assert_eq!(sample_requests(range, 1), 3);
        assert_eq!(sample_requests(range, 0), 3);
        let short = FetchRange {
            start: day("2026-01-01"),
            end: day("2026-01-07"),
        };
        assert_eq!(sample_requests(short, 1), 1);
    }
}
