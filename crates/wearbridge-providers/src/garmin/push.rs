//! Garmin notifications (spec §4–5, providers.md §4.4): PING (a `callbackURL` naming an
//! upload window) and PUSH (the summaries themselves), plus the lifecycle notices
//! `deregistrations` and `userPermissionsChange`. Pure: no IO, no clock, no panic on any
//! input.
//!
//! Garmin signs nothing; every request carries `garmin-client-id` (the app's consumer key),
//! which must equal our client id. That is a routing check, not a secret: deployments that
//! need more should restrict the push URL (Garmin documents no signature to verify).
//!
//! PUSH bodies of Terra types that are one Garmin summary each (sleeps, activities,
//! activityDetails, mct) become [`PushItem::Records`]. Daily and Body records merge several
//! summaries of a day, so their summaries become [`PushItem::Fetch`] of that day: storing
//! one summary alone would overwrite the merged record.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use serde::de::DeserializeOwned;
use serde_json::Value;
use wearbridge_model::DataType;

use super::{mapper, wire};
use crate::config::ProviderCredentials;
use crate::push::{MAX_NOTIFICATIONS, PushAnswer, PushError, PushItem, PushRequest};
use crate::{FetchRange, TerraRecordData};

/// Header naming the sending app.
pub const CLIENT_ID_HEADER: &str = "garmin-client-id";

/// Days per fetch item (under `crate::push::MAX_NOTIFIED_DAYS`).
const FETCH_CHUNK_DAYS: i64 = 30;

/// The Terra type a notification key feeds; `None` for keys without a Terra mapping.
pub fn data_type_of(key: &str) -> Option<DataType> {
    Some(match key {
        "dailies" | "epochs" | "stressDetails" => DataType::Daily,
        "sleeps" => DataType::Sleep,
        "bodyComps" | "bloodPressures" | "pulseox" | "pulseOx" | "hrv" | "userMetrics" => {
            DataType::Body
        }
        "mct" | "menstrualCycleTracking" => DataType::Menstruation,
        "activities" | "activityDetails" | "manuallyUpdatedActivities" => DataType::Activity,
        _ => return None,
    })
}

/// Handles one request to the push endpoint.
pub fn handle(
    creds: &ProviderCredentials,
    request: &PushRequest<'_>,
) -> Result<PushAnswer, PushError> {
    if !request.method.eq_ignore_ascii_case("POST") {
        return Err(PushError::NotSupported(format!(
            "{} (Garmin only POSTs)",
            request.method
        )));
    }
    match request.header(CLIENT_ID_HEADER) {
        Some(id) if id.trim() == creds.client_id => {}
        _ => return Err(PushError::BadSignature),
    }
    parse(request.body).map(PushAnswer::Items)
}

/// The items of a notification body `{"<key>": [ ... ], ...}`.
pub fn parse(body: &[u8]) -> Result<Vec<PushItem>, PushError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| PushError::Malformed(error.to_string()))?;
    let Value::Object(lists) = value else {
        return Err(PushError::Malformed(
            "expected a JSON object of summary lists".into(),
        ));
    };
    let mut items = Vec::new();
    let mut fetches: BTreeMap<(String, DataType), (NaiveDate, NaiveDate)> = BTreeMap::new();
    let mut seen = 0_usize;
    for (key, list) in lists {
        let Value::Array(elements) = list else {
            return Err(PushError::Malformed(format!("{key} is not a list")));
        };
        seen = seen.saturating_add(elements.len());
        if seen > MAX_NOTIFICATIONS {
            return Err(PushError::Malformed(format!(
                "more than {MAX_NOTIFICATIONS} notifications"
            )));
        }
        if key == "deregistrations" {
            items.extend(
                elements
                    .iter()
                    .filter_map(user_of)
                    .map(|provider_user_id| PushItem::Deauthorized { provider_user_id }),
            );
            continue;
        }
        if key == PERMISSIONS_KEY {
            items.extend(permission_changes(&elements));
            continue;
        }
        let Some(data_type) = data_type_of(&key) else {
            // allDayRespiration, skinTemp, ...: nothing to store.
            continue;
        };
        for element in &elements {
            let Some(user) = user_of(element) else {
                continue;
            };
            if let Some(days) = callback_days(element) {
                widen(&mut fetches, user, data_type, days);
            } else if matches!(data_type, DataType::Daily | DataType::Body) {
                if let Some(day) = summary_day(element) {
                    widen(&mut fetches, user, data_type, (day, day));
                }
            } else {
                let records = records_of(&key, element);
                if !records.is_empty() {
                    items.push(PushItem::Records {
                        provider_user_id: user,
                        records,
                    });
                }
            }
        }
    }
    for ((provider_user_id, data_type), (start, end)) in fetches {
        items.extend(chunks(start, end).into_iter().map(|range| PushItem::Fetch {
            provider_user_id: provider_user_id.clone(),
            data_type,
            range,
        }));
    }
    Ok(items)
}

/// The notice of a user changing what they share with the app.
pub const PERMISSIONS_KEY: &str = "userPermissionsChange";

/// `userPermissionsChange` elements (`{userId, summaryId, permissions: [...],
/// changeTimeInSeconds}`) as [`PushItem::PermissionsChanged`], oldest change first, so
/// that when one body holds several changes of a user the last one applied is the newest.
/// An element without a user or a `permissions` list is skipped; non-text permissions and
/// repeats are dropped.
fn permission_changes(elements: &[Value]) -> Vec<PushItem> {
    let mut changes: Vec<(i64, PushItem)> = elements
        .iter()
        .filter_map(|element| {
            let provider_user_id = user_of(element)?;
            let Value::Array(granted) = element.get("permissions")? else {
                return None;
            };
            let mut scopes: Vec<String> = Vec::new();
            for name in granted.iter().filter_map(Value::as_str) {
                let name = name.trim();
                if !name.is_empty() && !scopes.iter().any(|known| known == name) {
                    scopes.push(name.to_owned());
                }
            }
            let at = element
                .get("changeTimeInSeconds")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MIN);
            Some((
                at,
                PushItem::PermissionsChanged {
                    provider_user_id,
                    scopes,
                },
            ))
        })
        .collect();
    // Stable: changes of the same second keep the body's order.
    changes.sort_by_key(|(at, _)| *at);
    changes.into_iter().map(|(_, item)| item).collect()
}

fn user_of(element: &Value) -> Option<String> {
    match element.get("userId")? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

fn widen(
    fetches: &mut BTreeMap<(String, DataType), (NaiveDate, NaiveDate)>,
    user: String,
    data_type: DataType,
    (start, end): (NaiveDate, NaiveDate),
) {
    let entry = fetches.entry((user, data_type)).or_insert((start, end));
    entry.0 = entry.0.min(start);
    entry.1 = entry.1.max(end);
}

/// `start..=end` in ranges of at most [`FETCH_CHUNK_DAYS`] days.
fn chunks(start: NaiveDate, end: NaiveDate) -> Vec<FetchRange> {
    let mut out = Vec::new();
    let mut from = start;
    while from <= end && out.len() < MAX_NOTIFICATIONS {
        let to = from
            .checked_add_signed(chrono::TimeDelta::days(FETCH_CHUNK_DAYS - 1))
            .map_or(end, |to| to.min(end));
        out.push(FetchRange {
            start: from,
            end: to,
        });
        match to.succ_opt() {
            Some(next) => from = next,
            None => break,
        }
    }
    out
}

/// The UTC days of a PING's upload window (from its `callbackURL`, or the element's own
/// `uploadStartTimeInSeconds`/`uploadEndTimeInSeconds`). The adapter's fetch pulls by
/// upload day, so these are the days to fetch.
pub fn callback_days(element: &Value) -> Option<(NaiveDate, NaiveDate)> {
    let from_url = element
        .get("callbackURL")
        .and_then(Value::as_str)
        .and_then(|text| url::Url::parse(text).ok())
        .map(|url| {
            let find = |key: &str| {
                url.query_pairs()
                    .find(|(k, _)| k == key)
                    .and_then(|(_, v)| v.parse::<i64>().ok())
            };
            (
                find("uploadStartTimeInSeconds"),
                find("uploadEndTimeInSeconds"),
            )
        });
    let field = |key: &str| element.get(key).and_then(Value::as_i64);
    let (start, end) = match from_url {
        Some((Some(start), Some(end))) => (start, end),
        _ if element.get("callbackURL").is_some() => (
            field("uploadStartTimeInSeconds")?,
            field("uploadEndTimeInSeconds")?,
        ),
        _ => return None,
    };
    let day = |seconds: i64| DateTime::from_timestamp(seconds, 0).map(|t| t.date_naive());
    let (start, end) = (day(start)?, day(end.max(start))?);
    Some((start, end))
}

/// The local day a pushed Daily/Body summary describes.
fn summary_day(element: &Value) -> Option<NaiveDate> {
    if let Some(date) = mapper::parse_date(element.get("calendarDate").and_then(Value::as_str)) {
        return Some(date);
    }
    let offset = mapper::display_offset(
        element
            .get("startTimeOffsetInSeconds")
            .or_else(|| element.get("measurementTimeOffsetInSeconds"))
            .and_then(Value::as_f64),
    );
    let start = element
        .get("startTimeInSeconds")
        .or_else(|| element.get("measurementTimeInSeconds"))
        .and_then(Value::as_f64);
    mapper::instant(start, offset).map(|at| at.date_naive())
}

fn one<T: DeserializeOwned>(element: &Value) -> Option<T> {
    serde_json::from_value(element.clone()).ok()
}

/// The Terra records of one pushed summary of a one-summary type.
fn records_of(key: &str, element: &Value) -> Vec<TerraRecordData> {
    let record: Option<TerraRecordData> = match key {
        "sleeps" => one::<wire::Sleep>(element)
            .as_ref()
            .and_then(mapper::sleep)
            .map(Into::into),
        "activities" | "manuallyUpdatedActivities" => one::<wire::Activity>(element)
            .as_ref()
            .and_then(mapper::activity)
            .map(Into::into),
        "activityDetails" => one::<wire::ActivityDetails>(element)
            .as_ref()
            .and_then(mapper::activity_details)
            .map(Into::into),
        "mct" | "menstrualCycleTracking" => one::<wire::Mct>(element)
            .as_ref()
            .and_then(mapper::menstruation)
            .map(Into::into),
        _ => None,
    };
    record.into_iter().collect()
}
