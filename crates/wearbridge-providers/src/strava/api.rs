//! Strava's data API over HTTP (`<api base>` = `https://www.strava.com/api/v3/`): the
//! calls the adapter makes, and how Strava's failures are read (its `Fault` bodies, its
//! 15-minute and daily rate-limit windows).

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
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

/// Largest page of `GET /athlete/activities` (`per_page` ≤ 200).
pub const PER_PAGE: usize = 200;
/// The streams asked for with each activity: every stream Terra has a sample for.
pub const STREAM_KEYS: &str =
    "time,distance,latlng,altitude,velocity_smooth,heartrate,cadence,watts,moving";
/// Strava's 15-minute window, seconds (windows start at :00, :15, :30 and :45).
const WINDOW_S: u32 = 900;
const DAY_S: u32 = 86_400;

/// `<api_base><path>`.
pub fn url(ctx: &ProviderCtx, path: &str) -> Result<Url, ProviderError> {
    with_trailing_slash(&ctx.api_base)
        .join(path)
        .map_err(|error| ProviderError::Malformed(format!("STRAVA API URL: {error}")))
}

/// Authenticated GET of one JSON document, failures read by [`classify`].
pub async fn get<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    url: Url,
    token: &SecretString,
) -> Result<T, ProviderError> {
    http::get_json_classified(&ctx.http, url, token, classify).await
}

/// [`get`], with `None` for a 404 (an activity deleted since it was listed, or one
/// without streams).
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

/// The epoch seconds `(after, before)` that `GET /athlete/activities` filters start times
/// by: a day either side of `range` in UTC, so every local day of the range is covered at
/// any offset (the caller keeps the activities whose local start day is in range).
pub fn list_window(range: FetchRange) -> (i64, i64) {
    let wide = range.widened(1, 2);
    let epoch = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp())
    };
    (epoch(wide.start) - 1, epoch(wide.end))
}

/// Every activity starting in [`list_window`] of `range`, following `page` until a page
/// holds fewer than [`PER_PAGE`].
pub async fn list_activities(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<wire::Activity>, ProviderError> {
    let (after, before) = list_window(range);
    let days = usize::try_from((range.end - range.start).num_days().max(0)).unwrap_or(0);
    // Far more than anyone records: 200 activities a day of the range.
    let max_pages = days.saturating_add(4);
    let mut activities = Vec::new();
    for page in 1..=max_pages {
        let mut page_url = url(ctx, "athlete/activities")?;
        page_url
            .query_pairs_mut()
            .append_pair("after", &after.to_string())
            .append_pair("before", &before.to_string())
            .append_pair("page", &page.to_string())
            .append_pair("per_page", &PER_PAGE.to_string());
        let items: Vec<wire::Activity> = get(ctx, page_url, token).await?;
        let full = items.len() >= PER_PAGE;
        activities.extend(items);
        if !full {
            return Ok(activities);
        }
    }
    Err(ProviderError::Malformed(format!(
        "STRAVA athlete/activities returned more than {max_pages} full pages"
    )))
}

/// `GET /activities/{id}` (the detailed representation), `None` when it is gone.
pub async fn activity(
    ctx: &ProviderCtx,
    token: &SecretString,
    id: i64,
) -> Result<Option<wire::Activity>, ProviderError> {
    get_optional(ctx, url(ctx, &format!("activities/{id}"))?, token).await
}

/// `GET /activities/{id}/streams` keyed by type, `None` when the activity has none.
pub async fn streams(
    ctx: &ProviderCtx,
    token: &SecretString,
    id: i64,
) -> Result<Option<wire::StreamSet>, ProviderError> {
    let mut streams_url = url(ctx, &format!("activities/{id}/streams"))?;
    streams_url
        .query_pairs_mut()
        .append_pair("keys", STREAM_KEYS)
        .append_pair("key_by_type", "true");
    let Some(value) = get_optional::<serde_json::Value>(ctx, streams_url, token).await? else {
        return Ok(None);
    };
    wire::StreamSet::from_json(value)
        .map(Some)
        .map_err(|error| ProviderError::Malformed(error.to_string()))
}

/// [`error::from_status`] read the Strava way: a `Fault` naming an invalid refresh token
/// or authorization code is `invalid_grant` (Strava does not send RFC 6749's `error`), and
/// a 429 without `Retry-After` waits for the window that ran out ([`rate_limit_wait`]).
pub fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    if rejects_grant(body) {
        return ProviderError::InvalidGrant(format!("HTTP {status}"));
    }
    match error::from_status(status, headers, body) {
        ProviderError::RateLimited { retry_after: None } => ProviderError::RateLimited {
            retry_after: Some(rate_limit_wait(headers, Utc::now())),
        },
        other => other,
    }
}

/// Whether a `Fault` says the refresh token or authorization code is invalid
/// (`{"message": "Bad Request", "errors": [{"resource": "RefreshToken", "field":
/// "refresh_token", "code": "invalid"}]}`).
pub fn rejects_grant(body: &[u8]) -> bool {
    let Ok(fault) = serde_json::from_slice::<wire::Fault>(body) else {
        return false;
    };
    fault.errors.iter().any(|error| {
        let named = matches!(
            error.resource.as_deref(),
            Some("RefreshToken" | "AuthorizationCode")
        ) || matches!(error.field.as_deref(), Some("refresh_token" | "code"));
        named && error.code.as_deref() == Some("invalid")
    })
}

/// How long a 429 at `now` means waiting: until midnight UTC when a daily count
/// (`X-RateLimit-Usage` or `X-ReadRateLimit-Usage`, "15-minute,daily") has reached its
/// limit, else until the next quarter hour, when the 15-minute window resets.
pub fn rate_limit_wait(headers: &HeaderMap, now: DateTime<Utc>) -> Duration {
    let pair = |name: &str| -> Option<(u64, u64)> {
        let text = headers.get(name)?.to_str().ok()?;
        let mut values = text
            .split(',')
            .map(|value| value.trim().parse::<u64>().ok());
        Some((values.next()??, values.next()??))
    };
    let daily_spent = [
        ("x-ratelimit-limit", "x-ratelimit-usage"),
        ("x-readratelimit-limit", "x-readratelimit-usage"),
    ]
    .iter()
    .any(|(limit, usage)| match (pair(limit), pair(usage)) {
        (Some((_, daily_limit)), Some((_, daily_usage))) => daily_usage >= daily_limit,
        _ => false,
    });
    let into_day = now.num_seconds_from_midnight();
    let wait = if daily_spent {
        DAY_S - into_day
    } else {
        WINDOW_S - into_day % WINDOW_S
    };
    Duration::from_secs(u64::from(wait.max(1)))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn a_spent_window_waits_for_the_next_quarter_hour() {
        let spent = headers(&[
            ("x-ratelimit-limit", "200,2000"),
            ("x-ratelimit-usage", "201,350"),
        ]);
        assert_eq!(
            rate_limit_wait(&spent, at("2026-03-04T10:07:30Z")),
            Duration::from_secs(450)
        );
        // Without headers too: a 429 from Strava means a window is spent.
        assert_eq!(
            rate_limit_wait(&HeaderMap::new(), at("2026-03-04T10:44:59Z")),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn a_spent_day_waits_for_midnight_utc() {
        let spent = headers(&[
            ("x-ratelimit-limit", "200,2000"),
            ("x-ratelimit-usage", "20,1500"),
            ("x-readratelimit-limit", "100,1000"),
            ("x-readratelimit-usage", "12,1000"),
        ]);
        assert_eq!(
            rate_limit_wait(&spent, at("2026-03-04T23:00:00Z")),
            Duration::from_secs(3_600)
        );
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, &spent, b"{}"),
            ProviderError::RateLimited {
                retry_after: Some(_)
            }
        ));
    }

    #[test]
    fn strava_faults_name_a_rejected_grant() {
        let refresh = br#"{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}"#;
        let code = br#"{"message":"Bad Request","errors":[{"resource":"AuthorizationCode","field":"code","code":"invalid"}]}"#;
        for body in [refresh.as_slice(), code.as_slice()] {
            assert!(matches!(
                classify(StatusCode::BAD_REQUEST, &HeaderMap::new(), body),
                ProviderError::InvalidGrant(_)
            ));
        }
        let token = br#"{"message":"Authorization Error","errors":[{"resource":"Athlete","field":"access_token","code":"invalid"}]}"#;
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, &HeaderMap::new(), token),
            ProviderError::Unauthorized(_)
        ));
        assert!(!rejects_grant(b"not json"));
    }

    #[test]
    fn the_list_window_covers_every_local_day() {
        let day = |text| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default();
        let (after, before) = list_window(FetchRange {
            start: day("2026-03-04"),
            end: day("2026-03-04"),
        });
        // 2026-03-03T00:00:00Z − 1 s and 2026-03-06T00:00:00Z.
        assert_eq!((after, before), (1_772_495_999, 1_772_755_200));
    }
}
