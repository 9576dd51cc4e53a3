//! Collection paging as WHOOP does it: the `limit`/`start`/`end`/`nextToken` query, the
//! opaque `nextToken` (base64 of user id and the next record's start), and the newest-first
//! walk over the person's days that fills one page. Separate from the handlers so the
//! window and cursor rules sit in one place, shared by every collection.

use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chrono::{DateTime, Days as ChronoDays, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::wire::{Days, Page};
use crate::providers::common::ApiError;

/// `limit` default and maximum of every collection.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 25;
/// How far back a collection without `start` looks (the simulated history).
const HISTORY_DAYS: u64 = 3_660;

/// Query of every collection.
#[derive(Deserialize, Default)]
struct ListQuery {
    limit: Option<String>,
    start: Option<String>,
    end: Option<String>,
    #[serde(rename = "nextToken")]
    next_token: Option<String>,
}

/// A parsed collection request.
pub(super) struct Window {
    start: Option<DateTime<FixedOffset>>,
    end: DateTime<FixedOffset>,
    /// Continue with records starting at or before this instant (epoch ms).
    cursor: Option<i64>,
    limit: usize,
}

fn parse_instant(name: &str, text: &str) -> Result<DateTime<FixedOffset>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|_| ApiError::bad_request(format!("{name} must be an ISO 8601 date-time")))
}

impl Window {
    pub(super) fn parse(
        raw: Option<&str>,
        user_id: i64,
        now: DateTime<FixedOffset>,
    ) -> Result<Self, ApiError> {
        let query: ListQuery = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))?;
        let limit = match query.limit.as_deref() {
            None | Some("") => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or_else(|| ApiError::bad_request("limit must be between 1 and 25"))?,
        };
        let start = query
            .start
            .as_deref()
            .map(|text| parse_instant("start", text))
            .transpose()?;
        let end = query
            .end
            .as_deref()
            .map(|text| parse_instant("end", text))
            .transpose()?
            .unwrap_or(now);
        let cursor = query
            .next_token
            .as_deref()
            .filter(|token| !token.is_empty())
            .map(|token| decode_token(token, user_id))
            .transpose()?;
        Ok(Self {
            start,
            end,
            cursor,
            limit,
        })
    }

    fn admits(&self, start: DateTime<FixedOffset>, end: Option<DateTime<FixedOffset>>) -> bool {
        let after_start = match (self.start, end) {
            (Some(from), Some(end)) => end > from,
            _ => true,
        };
        let before_cursor = self
            .cursor
            .is_none_or(|cursor| start.timestamp_millis() <= cursor);
        start < self.end && after_start && before_cursor
    }
}

/// `nextToken`: base64 of `<user_id>:<epoch ms of the next record's start>`.
fn encode_token(user_id: i64, start: DateTime<FixedOffset>) -> String {
    STANDARD_NO_PAD.encode(format!("{user_id}:{}", start.timestamp_millis()))
}

fn decode_token(token: &str, user_id: i64) -> Result<i64, ApiError> {
    let invalid = || ApiError::bad_request("nextToken is not a token from this collection");
    let bytes = STANDARD_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (user, millis) = text.split_once(':').ok_or_else(invalid)?;
    if user.parse::<i64>().ok() != Some(user_id) {
        return Err(invalid());
    }
    millis.parse::<i64>().map_err(|_| invalid())
}

/// One record with the period a collection filters and orders it by.
pub(super) struct Item<T> {
    pub(super) start: DateTime<FixedOffset>,
    pub(super) end: Option<DateTime<FixedOffset>>,
    pub(super) record: T,
}

/// Walks the person's days newest first, keeping admitted records, until a page and one
/// more record (which becomes the next token) are found or the window's first day is
/// passed. Every record of day `d` starts after the previous evening, so starting a day
/// after the window's end and stopping a day before its start sees every candidate.
pub(super) fn collect<T: Serialize>(
    days: &mut Days<'_>,
    window: &Window,
    now: DateTime<FixedOffset>,
    mut render: impl FnMut(&mut Days<'_>, NaiveDate, DateTime<FixedOffset>) -> Vec<Item<T>>,
) -> Response {
    let offset = *now.offset();
    let top_instant = window
        .cursor
        .and_then(DateTime::from_timestamp_millis)
        .map_or(window.end, |cursor| {
            cursor.with_timezone(&offset).min(window.end)
        });
    let top = top_instant.with_timezone(&offset).date_naive().succ_opt();
    let floor = match window.start {
        Some(start) => start.with_timezone(&offset).date_naive().pred_opt(),
        None => top.and_then(|top| top.checked_sub_days(ChronoDays::new(HISTORY_DAYS))),
    };
    let mut found: Vec<Item<T>> = Vec::new();
    let mut date = top;
    while let (Some(day), Some(floor)) = (date, floor) {
        if day < floor || found.len() > window.limit {
            break;
        }
        let mut items: Vec<Item<T>> = render(days, day, now)
            .into_iter()
            .filter(|item| window.admits(item.start, item.end))
            .collect();
        items.sort_by_key(|item| std::cmp::Reverse(item.start));
        found.extend(items);
        date = day.pred_opt();
    }
    let next_token = found
        .get(window.limit)
        .map(|item| encode_token(days.user_id, item.start));
    found.truncate(window.limit);
    axum::Json(Page {
        records: found.into_iter().map(|item| item.record).collect(),
        next_token,
    })
    .into_response()
}
