//! Terra's inbound rate limits on the data reads (terra-api-notes A.3), checked by one
//! call at the top of each data handler ([`check`]):
//!
//! - **r1**: one request may span at most 1,825 days (`end_date − start_date` as given) →
//!   429 `{"detail": "rate limit exceeded"}` with `X-Terra-RateLimit-Rule: r1`.
//! - **r2**: each request costs its span in days (1 without an end date, at least 1); one
//!   user may spend `[rate_limits] day_units_per_hour` (default 6,000) per rolling hour →
//!   429 with `X-Terra-RateLimit-Rule: r2` and `Retry-After`. Accepted requests carry
//!   `X-Terra-RateLimit-Limit`, `-Remaining` and `-Reset-After` ([`RateLimitHeaders`]).
//!
//! The count lives in the store (`Store::charge_day_units`, one transaction per request
//! that locks the user's row), so every node on one PostgreSQL database shares it. Only
//! requests that name a visible user of the caller with valid dates are counted: bad
//! input is answered 400 and an unknown user 404, exactly as the handler would, and cost
//! nothing. The rolling-hour algorithm is described in `wearbridge_store::rate_limits`.

use axum::http::HeaderValue;
use axum::response::{IntoResponseParts, ResponseParts};
use wearbridge_store::rate_limits::{DayUnitCharge, DayUnitDecision};

use crate::auth::AuthDeveloper;
use crate::dates::{DateParam, MAX_RANGE_DAYS, requested_days};
use crate::error::ApiError;
use crate::routes::params::{USER_NOT_FOUND, parse_user_id, require};
use crate::state::{AppState, now_micros};

/// The parameters of one data read that the limits look at.
#[derive(Debug, Clone, Copy)]
pub struct DataRead<'a> {
    pub user_id: Option<&'a str>,
    /// `None` for endpoints without a date range (`/athlete`): cost 1.
    pub dates: Option<(Option<&'a str>, Option<&'a str>)>,
}

/// The r2 headers of an accepted request; empty when r2 is off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitHeaders(Option<R2State>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct R2State {
    limit: i64,
    remaining: i64,
    reset_after_secs: i64,
}

impl IntoResponseParts for RateLimitHeaders {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        if let Some(state) = self.0 {
            let headers = parts.headers_mut();
            headers.insert("x-terra-ratelimit-limit", HeaderValue::from(state.limit));
            headers.insert(
                "x-terra-ratelimit-remaining",
                HeaderValue::from(state.remaining),
            );
            headers.insert(
                "x-terra-ratelimit-reset-after",
                HeaderValue::from(state.reset_after_secs),
            );
        }
        Ok(parts)
    }
}

/// Applies r1 and r2 to `read` by `developer`: the headers to add to the response, or the
/// error to answer with (400/404 for bad input, 429 when a rule refuses).
pub async fn check(
    state: &AppState,
    developer: &AuthDeveloper,
    read: DataRead<'_>,
) -> Result<RateLimitHeaders, ApiError> {
    let user_id = parse_user_id(require(read.user_id, "user_id")?, "user_id")?;
    let cost = match read.dates {
        None => 1,
        Some((start, end)) => {
            let start = DateParam::parse("start_date", require(start, "start_date")?)?;
            let end = end
                .map(|value| DateParam::parse("end_date", value))
                .transpose()?;
            let days = requested_days(start, end)?;
            if days > MAX_RANGE_DAYS {
                return Err(ApiError::RateLimited {
                    rule: "r1",
                    retry_after_secs: None,
                });
            }
            days.max(1)
        }
    };
    let Some(limit) = state.config.rate_limits.r2_limit() else {
        return Ok(RateLimitHeaders::default());
    };
    let charge = DayUnitCharge {
        cost,
        limit,
        now_micros: now_micros(state),
    };
    match state
        .store
        .charge_day_units(developer.id(), &user_id, charge)
        .await?
    {
        DayUnitDecision::Accepted {
            remaining,
            reset_after_secs,
        } => Ok(RateLimitHeaders(Some(R2State {
            limit,
            remaining,
            reset_after_secs,
        }))),
        DayUnitDecision::Refused { retry_after_secs } => Err(ApiError::RateLimited {
            rule: "r2",
            retry_after_secs: Some(retry_after_secs),
        }),
        DayUnitDecision::UnknownUser => Err(ApiError::not_found(USER_NOT_FOUND)),
    }
}
