//! Wahoo's Cloud API over HTTP (`<api base>` = `https://api.wahooligan.com/`): the calls
//! the adapter makes, and how Wahoo's failures are read (its 429 with `X-RateLimit-Reset`).

use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use super::wire;
use crate::error::{self, ProviderError};
use crate::http;
use crate::module::with_trailing_slash;
use crate::{FetchRange, ProviderCtx};

/// Workouts asked for per page of `GET /v1/workouts` (Wahoo's default is 30; it publishes
/// no maximum, so a modest page is asked for).
pub const PER_PAGE: u64 = 50;
/// Most pages one listing walks: 50 000 workouts, far beyond any person's history; a list
/// that never ends is a malformed answer, not a reason to loop.
pub const MAX_PAGES: u64 = 1_000;

/// `<api_base><path>`.
pub fn url(ctx: &ProviderCtx, path: &str) -> Result<Url, ProviderError> {
    with_trailing_slash(&ctx.api_base)
        .join(path)
        .map_err(|error| ProviderError::Malformed(format!("WAHOO API URL: {error}")))
}

/// Authenticated GET of one JSON document, failures read by [`classify`].
pub async fn get<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    url: Url,
    token: &SecretString,
) -> Result<T, ProviderError> {
    http::get_json_classified(&ctx.http, url, token, classify).await
}

/// [`get`], with `None` for a 404 (a workout without a summary yet, or one deleted since
/// it was listed).
pub async fn get_optional<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    url: Url,
    token: &SecretString,
) -> Result<Option<T>, ProviderError> {
    let response = ctx
        .http
        .get(url)
        .header(AUTHORIZATION, format!("Bearer {}", token.expose_secret()))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    if response.status() == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    http::json_body(response, classify).await.map(Some)
}

/// The instants `[lower, upper)` whose workouts can start on a local day of `range` at
/// any offset: a day either side of the range in UTC.
pub fn window(range: FetchRange) -> (DateTime<FixedOffset>, DateTime<FixedOffset>) {
    let wide = range.widened(1, 2);
    let at = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().fixed_offset())
            .unwrap_or_default()
    };
    (at(wide.start), at(wide.end))
}

/// Whether a page in `order` (Wahoo's default and the documented value: `descending`,
/// newest first) says later pages hold only older workouts.
fn newest_first(order: Option<&str>) -> bool {
    !matches!(
        order.map(str::to_ascii_lowercase).as_deref(),
        Some("asc" | "ascending")
    )
}

/// Every workout starting in [`window`] of `range`. Wahoo's list takes no date filter, so
/// pages are read newest first until one ends before the window, the list's `total` is
/// reached, or a page comes back short of the `per_page` it states.
pub async fn list_workouts(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<wire::Workout>, ProviderError> {
    let (lower, upper) = window(range);
    let mut found = Vec::new();
    let mut seen: u64 = 0;
    for page in 1..=MAX_PAGES {
        let mut page_url = url(ctx, "v1/workouts")?;
        page_url
            .query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("per_page", &PER_PAGE.to_string());
        let answer: wire::WorkoutPage = get(ctx, page_url, token).await?;
        let count = u64::try_from(answer.workouts.len()).unwrap_or(u64::MAX);
        seen = seen.saturating_add(count);
        // A page is short against the size Wahoo says it served (it may cap `per_page`).
        let page_size = answer.per_page.filter(|size| *size > 0).unwrap_or(PER_PAGE);
        let oldest = answer.workouts.iter().map(|w| w.starts).min();
        let descending = newest_first(answer.order.as_deref());
        found.extend(
            answer
                .workouts
                .into_iter()
                .filter(|workout| workout.starts >= lower && workout.starts < upper),
        );
        let past_window = descending && oldest.is_some_and(|oldest| oldest < lower);
        let listed_all = answer.total.is_some_and(|total| seen >= total);
        if count == 0 || count < page_size || past_window || listed_all {
            return Ok(found);
        }
    }
    Err(ProviderError::Malformed(format!(
        "WAHOO v1/workouts returned more than {MAX_PAGES} full pages"
    )))
}

/// `GET /v1/workouts/{id}/workout_summary`, `None` when the workout has none.
pub async fn summary(
    ctx: &ProviderCtx,
    token: &SecretString,
    id: i64,
) -> Result<Option<wire::WorkoutSummary>, ProviderError> {
    get_optional(
        ctx,
        url(ctx, &format!("v1/workouts/{id}/workout_summary"))?,
        token,
    )
    .await
}

/// [`error::from_status`] read the Wahoo way: a 429 without `Retry-After` waits the
/// seconds `X-RateLimit-Reset` states (else the 5-minute window).
pub fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    match error::from_status(status, headers, body) {
        ProviderError::RateLimited { retry_after: None } => ProviderError::RateLimited {
            retry_after: Some(rate_limit_wait(headers)),
        },
        other => other,
    }
}

/// How long a 429 means waiting: `X-RateLimit-Reset` seconds (Wahoo's header), at least
/// one, else the 5-minute window.
pub fn rate_limit_wait(headers: &HeaderMap) -> Duration {
    let reset = headers
        .get("x-ratelimit-reset")
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.split(',').next())
        .and_then(|text| text.trim().parse::<u64>().ok());
    Duration::from_secs(reset.unwrap_or(300).clamp(1, 86_400))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn a_429_waits_for_the_reset_header() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("42"));
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &headers, b"{}"),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(42))
            }
        );
        assert_eq!(rate_limit_wait(&HeaderMap::new()), Duration::from_secs(300));
    }

    #[test]
    fn a_rejected_refresh_token_is_invalid_grant() {
        let body = br#"{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}"#;
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, &HeaderMap::new(), body),
            ProviderError::InvalidGrant(_)
        ));
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, &HeaderMap::new(), b"{}"),
            ProviderError::Unauthorized(_)
        ));
    }

    #[test]
    fn the_window_covers_every_local_day() {
        let day = |text| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default();
        let (lower, upper) = window(FetchRange {
            start: day("2026-03-04"),
            end: day("2026-03-04"),
        });
        assert_eq!(lower.to_rfc3339(), "2026-03-03T00:00:00+00:00");
        assert_eq!(upper.to_rfc3339(), "2026-03-06T00:00:00+00:00");
        assert!(newest_first(None));
        assert!(newest_first(Some("descending")));
        assert!(!newest_first(Some("ascending")));
    }
}
