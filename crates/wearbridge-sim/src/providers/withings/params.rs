//! What every Withings action shares: the `{"status", "body"}` envelope, the parameters
//! (query and form together), the envelope-status [`Failure`], Bearer authentication, date
//! and epoch windows, and `more`/`offset` paging. Separate so the OAuth, data and
//! notification actions each read as their own rules on top of these.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::{Value, json};

use super::{WithingsState, status};
use crate::person::Person;
use crate::providers::common::{bearer_token, parse_iso_date};

/// Longest date range accepted.
const MAX_RANGE_DAYS: i64 = 3_660;

pub(super) fn envelope(body: Value) -> Response {
    axum::Json(json!({"status": status::OK, "body": body})).into_response()
}

pub(super) fn envelope_error(code: i64, message: &str) -> Response {
    axum::Json(json!({"status": code, "body": {}, "error": message})).into_response()
}

/// Query parameters and form fields together (Withings accepts either).
pub(super) struct Params(HashMap<String, String>);

impl Params {
    pub(super) fn new(query: Option<&str>, body: &[u8]) -> Self {
        let mut map = HashMap::new();
        for source in [query.unwrap_or("").as_bytes(), body] {
            for (key, value) in url::form_urlencoded::parse(source) {
                map.insert(key.into_owned(), value.into_owned());
            }
        }
        Self(map)
    }

    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub(super) fn epoch(&self, key: &str) -> Result<Option<i64>, Failure> {
        self.get(key)
            .map(|text| text.parse::<i64>().map_err(|_| invalid(key)))
            .transpose()
    }

    pub(super) fn offset(&self) -> Result<usize, Failure> {
        Ok(self
            .get("offset")
            .map(|text| text.parse::<usize>().map_err(|_| invalid("offset")))
            .transpose()?
            .unwrap_or(0))
    }
}

/// Reads [`Params`] from a request (query string, then form body), so the action handlers
/// take them as an extractor instead of each parsing query and body again.
impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let query = request.uri().query().map(str::to_owned);
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self::new(query.as_deref(), &body))
    }
}

/// An error answer: an envelope status and message (still HTTP 200).
#[derive(Debug)]
pub(super) struct Failure {
    code: i64,
    message: String,
}

impl Failure {
    pub(super) fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        envelope_error(self.code, &self.message)
    }
}

/// The answer to an `action` a path does not serve; every Withings path words it alike.
pub(super) fn unknown_action() -> Failure {
    Failure::new(status::UNKNOWN_ACTION, "Unknown action")
}

pub(super) fn invalid(key: &str) -> Failure {
    Failure::new(status::INVALID_PARAMS, format!("Invalid Params: {key}"))
}

/// The account behind the Bearer token (or an `access_token` parameter).
pub(super) fn authenticate(
    state: &WithingsState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<String, Failure> {
    let token = bearer_token(headers)
        .or_else(|| params.get("access_token"))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Failure::new(status::INVALID_TOKEN, "invalid_token: missing"))?;
    state.oauth.check_access(token).map_err(|problem| {
        Failure::new(
            status::INVALID_TOKEN,
            format!("XRequestID: sim invalid_token: {}", problem.description()),
        )
    })
}

pub(super) fn date_range(params: &Params) -> Result<(NaiveDate, NaiveDate), Failure> {
    if let Some(lastupdate) = params.epoch("lastupdate")? {
        let start = DateTime::<Utc>::from_timestamp(lastupdate, 0)
            .ok_or_else(|| invalid("lastupdate"))?
            .date_naive();
        let today = Utc::now().date_naive();
        return Ok((start, today.max(start)));
    }
    let day = |key: &str| {
        params
            .get(key)
            .and_then(parse_iso_date)
            .ok_or_else(|| invalid(key))
    };
    let (start, end) = (day("startdateymd")?, day("enddateymd")?);
    let days = (end - start).num_days();
    if !(0..MAX_RANGE_DAYS).contains(&days) {
        return Err(invalid("enddateymd"));
    }
    Ok((start, end))
}

/// `(startdate, enddate)` epochs, both required, `enddate` not before `startdate`.
pub(super) fn epoch_window(
    params: &Params,
    max_seconds: Option<i64>,
) -> Result<(i64, i64), Failure> {
    let start = params
        .epoch("startdate")?
        .ok_or_else(|| invalid("startdate"))?;
    let end = params.epoch("enddate")?.ok_or_else(|| invalid("enddate"))?;
    let span = end.checked_sub(start).ok_or_else(|| invalid("enddate"))?;
    if span < 0 || max_seconds.is_some_and(|max| span > max) || span > MAX_RANGE_DAYS * 86_400 {
        return Err(invalid("enddate"));
    }
    Ok((start, end))
}

/// The person's local dates an epoch window touches (one day of margin on each side).
pub(super) fn local_dates(person: &Person, start: i64, end: i64) -> Vec<NaiveDate> {
    let offset = person.offset().fixed();
    let date = |epoch: i64| {
        DateTime::<Utc>::from_timestamp(epoch, 0).map(|t| t.with_timezone(&offset).date_naive())
    };
    let (Some(first), Some(last)) = (date(start), date(end)) else {
        return Vec::new();
    };
    let first = first.checked_sub_days(Days::new(1)).unwrap_or(first);
    let last = last.checked_add_days(Days::new(1)).unwrap_or(last);
    first.iter_days().take_while(|d| *d <= last).collect()
}

pub(super) fn dates(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    start.iter_days().take_while(move |d| *d <= end)
}

/// One page of `items` from `offset`: the page, `more`, and the next offset.
pub(super) fn page(items: Vec<Value>, offset: usize, size: usize) -> (Vec<Value>, bool, usize) {
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let next = offset.saturating_add(page.len());
    (page, next < total, next)
}

pub(super) fn respond(result: Result<Response, Failure>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}
