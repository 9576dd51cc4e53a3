//! Pieces every simulated provider's API needs: the plain OAuth endpoints, bearer-token
//! checks, date ranges and day-based paging, a JSON error body, and the HMAC-SHA256 that
//! push and request signatures are built on.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Days, NaiveDate};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::oauth::{self, OAuthServer, TokenProblem};

/// Longest accepted range: ten years of days, far beyond any backfill depth.
const MAX_RANGE_DAYS: i64 = 3_660;
/// Dates outside these years are refused; the person model is meant for recent years and
/// this keeps all date arithmetic far from chrono's limits.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=2100;

/// A data-API error: `{"error": ..., "error_description": ...}` with a 4xx status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl ApiError {
    pub(crate) fn bad_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }

    fn unauthorized(problem: TokenProblem) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_token",
            description: problem.description().to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            serde_json::json!({ "error": self.error, "error_description": self.description });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3.
            let value = format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                self.description
            );
            if let Ok(value) = HeaderValue::from_str(&value) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

// The OAuth endpoints of a provider that answers them as the shared server does. They
// take the server from the router state (each provider state derives `FromRef`), so one
// handler serves every provider instead of a wrapper per provider.

/// `GET` authorize: the consent page (or the redirect of the `sim_user` shortcut).
pub(crate) async fn authorize_page(
    State(server): State<Arc<OAuthServer>>,
    RawQuery(query): RawQuery,
) -> Response {
    oauth::authorize_query(&server, query.as_deref())
}

/// `POST` authorize: the consent form's answer.
pub(crate) async fn authorize_submit(
    State(server): State<Arc<OAuthServer>>,
    body: Bytes,
) -> Response {
    oauth::authorize_form(&server, &body)
}

/// `POST` token: the shared token endpoint's answer, unchanged.
pub(crate) async fn token(
    State(server): State<Arc<OAuthServer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    oauth::token(&server, &headers, &body)
}

/// `POST` revoke (RFC 7009), as the shared server answers it.
pub(crate) async fn revoke(
    State(server): State<Arc<OAuthServer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    oauth::revoke(&server, &headers, &body)
}

/// The account behind `Authorization: Bearer <token>`, or a 401.
pub(crate) fn authenticate(server: &OAuthServer, headers: &HeaderMap) -> Result<String, ApiError> {
    bearer_account(server, headers, ApiError::unauthorized)
}

/// The token of an `Authorization: Bearer <token>` header, trimmed (possibly empty).
/// Every provider reads the header the same way; only what it does without one differs.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The account behind a non-empty bearer token, or `refuse(problem)` in the provider's own
/// error form ([`TokenProblem::Missing`] when there is no token). Shared so each provider
/// only says how it words a refusal, not how it finds and checks the token.
pub(crate) fn bearer_account<E>(
    server: &OAuthServer,
    headers: &HeaderMap,
    refuse: impl FnOnce(TokenProblem) -> E,
) -> Result<String, E> {
    match bearer_token(headers).filter(|t| !t.is_empty()) {
        Some(token) => server.check_access(token).map_err(refuse),
        None => Err(refuse(TokenProblem::Missing)),
    }
}

/// HMAC-SHA256 keyed with `key` over `parts` in order; `None` only if the key is refused
/// (HMAC takes keys of any length, so never in practice). Every provider signs pushes or
/// requests with this MAC and differs only in what it covers and how it encodes it.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Option<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    for part in parts {
        mac.update(part);
    }
    Some(mac.finalize().into_bytes().to_vec())
}

/// An inclusive range of local dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// One page of a range: its dates and where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub dates: Vec<NaiveDate>,
    pub next: Option<NaiveDate>,
}

impl DateRange {
    pub(crate) fn parse(start: Option<&str>, end: Option<&str>) -> Result<Self, ApiError> {
        let start = parse_date("start_date", start)?;
        let end = parse_date("end_date", end)?;
        let days = (end - start).num_days();
        if days < 0 {
            return Err(ApiError::bad_request("end_date is before start_date"));
        }
        if days >= MAX_RANGE_DAYS {
            return Err(ApiError::bad_request(format!(
                "range longer than {MAX_RANGE_DAYS} days"
            )));
        }
        Ok(Self { start, end })
    }

    /// The page starting at `cursor` (default: the range start), `days_per_page` days long.
    pub(crate) fn page(&self, cursor: Option<&str>, days_per_page: u64) -> Result<Page, ApiError> {
        let first = match cursor.filter(|c| !c.is_empty()) {
            None => self.start,
            Some(text) => {
                let date = parse_iso_date(text).ok_or_else(|| {
                    ApiError::bad_request("page is not a page token from this range")
                })?;
                if date < self.start || date > self.end {
                    return Err(ApiError::bad_request(
                        "page is not a page token from this range",
                    ));
                }
                date
            }
        };
        let dates: Vec<NaiveDate> = first
            .iter_days()
            .take_while(|d| *d <= self.end)
            .take(usize::try_from(days_per_page.max(1)).unwrap_or(1))
            .collect();
        let next = dates
            .last()
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .filter(|d| *d <= self.end);
        Ok(Page { dates, next })
    }
}

fn parse_date(name: &str, value: Option<&str>) -> Result<NaiveDate, ApiError> {
    let text = value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{name} is required (YYYY-MM-DD)")))?;
    let date = parse_iso_date(text)
        .ok_or_else(|| ApiError::bad_request(format!("{name} must be YYYY-MM-DD, got {text:?}")))?;
    if !YEARS.contains(&date.year()) {
        return Err(ApiError::bad_request(format!(
            "{name} must be between 1970 and 2100"
        )));
    }
    Ok(date)
}

/// Strict `YYYY-MM-DD` (chrono alone also accepts `2026-1-2` and signed years).
pub(crate) fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn ranges_are_inclusive_and_validated() {
        let range = DateRange::parse(Some("2026-01-01"), Some("2026-01-10"));
        assert_eq!(
            range.ok(),
            Some(DateRange {
                start: d("2026-01-01"),
                end: d("2026-01-10")
            })
        );
        assert!(DateRange::parse(Some("2026-01-02"), Some("2026-01-01")).is_err());
        assert!(DateRange::parse(Some("2026-1-2"), Some("2026-01-03")).is_err());
        assert!(DateRange::parse(None, Some("2026-01-03")).is_err());
        assert!(DateRange::parse(Some("+262000-01-01"), Some("+262000-01-02")).is_err());
        assert!(DateRange::parse(Some("1900-01-01"), Some("1900-01-02")).is_err());
        assert!(DateRange::parse(Some("2000-01-01"), Some("2026-01-01")).is_err());
    }

    #[test]
    fn pages_walk_the_whole_range_once() {
        let Ok(range) = DateRange::parse(Some("2026-01-01"), Some("2026-01-10")) else {
            panic!("valid range refused");
        };
        let mut cursor: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let Ok(page) = range.page(cursor.as_deref(), 4) else {
                panic!("page refused")
            };
            seen.extend(page.dates);
            match page.next {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        let expected: Vec<NaiveDate> = d("2026-01-01").iter_days().take(10).collect();
        assert_eq!(seen, expected);
        assert!(range.page(Some("2025-12-31"), 4).is_err());
        assert!(range.page(Some("garbage"), 4).is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any text either parses to the date it spells or is refused; nothing panics.
        #[test]
        fn iso_dates_round_trip_or_are_refused(text in "\\PC{0,12}") {
            if let Some(date) = parse_iso_date(&text) {
                prop_assert_eq!(date.format("%Y-%m-%d").to_string(), text);
            }
        }

        #[test]
        fn every_valid_date_is_accepted(days in 0i64..(200 * 366)) {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
            let date = epoch + chrono::TimeDelta::days(days);
            let text = date.format("%Y-%m-%d").to_string();
            prop_assert_eq!(parse_iso_date(&text), Some(date));
        }

        /// Paging never loses or repeats a day, whatever the range and page size.
        #[test]
        fn pages_partition_any_range(start in 0i64..20_000, len in 0i64..400, per_page in 1u64..40) {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
            let range = DateRange {
                start: epoch + chrono::TimeDelta::days(start),
                end: epoch + chrono::TimeDelta::days(start + len),
            };
            let mut cursor: Option<String> = None;
            let mut count = 0i64;
            let mut last: Option<NaiveDate> = None;
            loop {
                let page = range.page(cursor.as_deref(), per_page);
                prop_assert!(page.is_ok());
                let Ok(page) = page else { break };
                for date in page.dates {
                    prop_assert!(last.is_none_or(|l| date == l + chrono::TimeDelta::days(1)));
                    last = Some(date);
                    count += 1;
                }
                match page.next {
                    Some(next) => cursor = Some(next.to_string()),
                    None => break,
                }
            }
            prop_assert_eq!(count, len + 1);
            prop_assert_eq!(last, Some(range.end));
        }
    }
}
