//! Withings notifications (providers.md §3.4): a form-encoded POST with `userid`, `appli`
//! and either `startdate`/`enddate` (epoch seconds) or `date` (`YYYY-MM-DD`), plus
//! `action` (`unlink`, `delete`, `update`) for profile events. Withings signs nothing, so
//! the only protection is that a notification triggers a fetch with the user's own token:
//! a forged one costs an API call and cannot inject data. Before subscribing, Withings
//! checks that the callback URL answers `HEAD` (and `GET`) with 2xx.
//!
//! Pure: parsing only, no IO and no clock.

use chrono::{DateTime, Days, NaiveDate, Utc};
use wearbridge_model::DataType;

use crate::FetchRange;
use crate::push::{MAX_NOTIFIED_DAYS, PushAnswer, PushError, PushItem, PushRequest};

/// A parsed notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The Withings user id (Terra's `provider_user_id`).
    pub userid: String,
    /// What changed: 1 weight, 2 temperature, 4 blood pressure / heart rate / SpO2,
    /// 16 activity, 44 sleep, 46 user profile, 50/51 in/out of bed, 54 ECG, 58 glucose.
    pub appli: i64,
    pub startdate: Option<i64>,
    pub enddate: Option<i64>,
    /// Local day for event-style categories.
    pub date: Option<NaiveDate>,
    /// `unlink` / `delete` / `update` for `appli` 46.
    pub action: Option<String>,
}

/// What a notification asks of us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushEvent {
    /// Fetch these data types for these local days.
    Fetch {
        provider_user_id: String,
        data_types: Vec<DataType>,
        range: FetchRange,
    },
    /// The user unlinked the app or deleted the account.
    Deauthorized { provider_user_id: String },
    /// Nothing to fetch (bed sensor events, ECG and glucose, which are not mapped).
    Ignored,
}

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushParseError {
    #[error("Withings notification is not a form: {0}")]
    NotAForm(String),
    #[error("Withings notification lacks {0}")]
    Missing(&'static str),
    #[error("Withings notification field {0} is malformed")]
    Malformed(&'static str),
}

/// Appli codes (providers.md §3.4).
pub mod appli {
    pub const WEIGHT: i64 = 1;
    pub const TEMPERATURE: i64 = 2;
    pub const PRESSURE_HEART_SPO2: i64 = 4;
    pub const ACTIVITY: i64 = 16;
    pub const SLEEP: i64 = 44;
    pub const USER: i64 = 46;
}

/// The appli codes this adapter subscribes to, and the Terra types each one refreshes.
pub const SUBSCRIBED: [(i64, &[DataType]); 6] = [
    (appli::WEIGHT, &[DataType::Body]),
    (appli::TEMPERATURE, &[DataType::Body]),
    (appli::PRESSURE_HEART_SPO2, &[DataType::Body]),
    (appli::ACTIVITY, &[DataType::Daily, DataType::Activity]),
    (appli::SLEEP, &[DataType::Sleep]),
    (appli::USER, &[]),
];

/// Widest zone offsets: local time is at most 12 h behind UTC and 14 h ahead of it.
const MOST_BEHIND_S: i64 = 12 * 3_600;
const MOST_AHEAD_S: i64 = 14 * 3_600;
/// Days added to a notification's first local day at most: the range then spans under
/// [`MAX_NOTIFIED_DAYS`] (Withings sends windows of hours to a few days).
const MAX_EXTRA_DAYS: u64 = (MAX_NOTIFIED_DAYS - 1).unsigned_abs();

/// Handles one request to Withings's push endpoint: `HEAD`/`GET` (Withings checks the
/// callback URL answers 2xx before subscribing it) get an empty 200; a `POST` is a
/// notification, its fields in the form body (or, if the body is empty, in the query).
/// There is no signature to verify (see the module docs).
pub fn handle(request: &PushRequest<'_>) -> Result<PushAnswer, PushError> {
    match request.method {
        "GET" | "HEAD" => Ok(PushAnswer::Handshake {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: String::new(),
        }),
        "POST" => {
            let fields = if request.body.is_empty() {
                request.query.unwrap_or_default().as_bytes()
            } else {
                request.body
            };
            let notification = parse_notification(fields)
                .map_err(|error| PushError::Malformed(error.to_string()))?;
            let event =
                event(&notification).map_err(|error| PushError::Malformed(error.to_string()))?;
            Ok(PushAnswer::Items(items(event)))
        }
        other => Err(PushError::NotSupported(other.to_owned())),
    }
}

/// The contract's items for one event: one fetch per Terra type the `appli` refreshes.
pub fn items(event: PushEvent) -> Vec<PushItem> {
    match event {
        PushEvent::Fetch {
            provider_user_id,
            data_types,
            range,
        } => data_types
            .into_iter()
            .map(|data_type| PushItem::Fetch {
                provider_user_id: provider_user_id.clone(),
                data_type,
                range,
            })
            .collect(),
        PushEvent::Deauthorized { provider_user_id } => {
            vec![PushItem::Deauthorized { provider_user_id }]
        }
        PushEvent::Ignored => Vec::new(),
    }
}

/// Parses the form body of a notification.
pub fn parse_notification(body: &[u8]) -> Result<Notification, PushParseError> {
    if std::str::from_utf8(body).is_err() {
        return Err(PushParseError::NotAForm("not UTF-8".to_owned()));
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    let epoch = |key: &'static str| -> Result<Option<i64>, PushParseError> {
        get(key)
            .map(|text| {
                text.parse::<i64>()
                    .map_err(|_| PushParseError::Malformed(key))
            })
            .transpose()
    };
    let userid = get("userid").ok_or(PushParseError::Missing("userid"))?;
    let appli = get("appli")
        .ok_or(PushParseError::Missing("appli"))?
        .parse::<i64>()
        .map_err(|_| PushParseError::Malformed("appli"))?;
    let date = get("date")
        .map(|text| {
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| PushParseError::Malformed("date"))
        })
        .transpose()?;
    Ok(Notification {
        userid,
        appli,
        startdate: epoch("startdate")?,
        enddate: epoch("enddate")?,
        date,
        action: get("action"),
    })
}

/// What `notification` asks for.
pub fn event(notification: &Notification) -> Result<PushEvent, PushParseError> {
    let provider_user_id = notification.userid.clone();
    if notification.appli == appli::USER {
        return Ok(match notification.action.as_deref() {
            Some("unlink" | "delete") => PushEvent::Deauthorized { provider_user_id },
            _ => PushEvent::Ignored,
        });
    }
    let Some((_, data_types)) = SUBSCRIBED
        .iter()
        .find(|(code, _)| *code == notification.appli)
    else {
        return Ok(PushEvent::Ignored);
    };
    Ok(PushEvent::Fetch {
        provider_user_id,
        data_types: data_types.to_vec(),
        range: days_of(notification)?,
    })
}

/// The local days a notification's window can touch. Withings sends UTC epochs and no
/// zone, so the window is widened by the extreme offsets; `date` is already local.
fn days_of(notification: &Notification) -> Result<FetchRange, PushParseError> {
    if let Some(date) = notification.date {
        return Ok(FetchRange {
            start: date,
            end: date,
        });
    }
    let start = notification
        .startdate
        .ok_or(PushParseError::Missing("startdate or date"))?;
    let end = notification.enddate.unwrap_or(start).max(start);
    let day = |epoch: i64| {
        DateTime::<Utc>::from_timestamp(epoch, 0)
            .map(|instant| instant.date_naive())
            .ok_or(PushParseError::Malformed("startdate"))
    };
    let first = day(start.saturating_sub(MOST_BEHIND_S))?;
    let last = day(end.saturating_add(MOST_AHEAD_S))?;
    let capped = first
        .checked_add_days(Days::new(MAX_EXTRA_DAYS))
        .map_or(last, |cap| last.min(cap));
    Ok(FetchRange {
        start: first,
        end: capped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_weight_notification_fetches_body_days_around_its_window() {
        let body = b"userid=363&appli=1&startdate=1767600000&enddate=1767600060";
        let parsed = parse_notification(body);
        let Ok(notification) = parsed else {
            panic!("valid notification refused: {parsed:?}");
        };
        assert_eq!(notification.appli, 1);
        let event = event(&notification);
        // 1767600000 = 2026-01-05T08:00:00Z: local days 4 Jan (UTC-12) .. 5 Jan (UTC+14).
        assert_eq!(
            event,
            Ok(PushEvent::Fetch {
                provider_user_id: "363".into(),
                data_types: vec![DataType::Body],
                range: FetchRange {
                    start: day("2026-01-04"),
                    end: day("2026-01-05"),
                },
            })
        );
    }

    #[test]
    fn unlink_deauthorizes_and_bed_events_are_ignored() {
        let Ok(unlink) = parse_notification(b"userid=7&appli=46&action=unlink") else {
            panic!("unlink refused");
        };
        assert_eq!(
            event(&unlink),
            Ok(PushEvent::Deauthorized {
                provider_user_id: "7".into()
            })
        );
        let Ok(bed) = parse_notification(b"userid=7&appli=50&date=2026-01-05") else {
            panic!("bed event refused");
        };
        assert_eq!(event(&bed), Ok(PushEvent::Ignored));
    }

    #[test]
    fn incomplete_notifications_are_refused() {
        assert_eq!(
            parse_notification(b"appli=1"),
            Err(PushParseError::Missing("userid"))
        );
        assert_eq!(
            parse_notification(b"userid=1&appli=x"),
            Err(PushParseError::Malformed("appli"))
        );
        let Ok(no_window) = parse_notification(b"userid=1&appli=44") else {
            panic!("parse refused");
        };
        assert!(event(&no_window).is_err());
    }

    fn request<'a>(
        method: &'a str,
        headers: &'a reqwest::header::HeaderMap,
        query: Option<&'a str>,
        body: &'a [u8],
    ) -> PushRequest<'a> {
        PushRequest {
            method,
            headers,
            query,
            body,
        }
    }

    #[test]
    fn the_reachability_check_gets_an_empty_200() {
        let headers = reqwest::header::HeaderMap::new();
        for method in ["HEAD", "GET"] {
            assert_eq!(
                handle(&request(method, &headers, None, b"")),
                Ok(PushAnswer::Handshake {
                    status: 200,
                    content_type: "text/plain; charset=utf-8",
                    body: String::new(),
                })
            );
        }
        assert!(matches!(
            handle(&request("PUT", &headers, None, b"")),
            Err(PushError::NotSupported(_))
        ));
    }

    #[test]
    fn activity_notifications_fetch_daily_and_activity_within_the_contract_range() {
        let headers = reqwest::header::HeaderMap::new();
        let body = b"userid=363&appli=16&startdate=1767600000&enddate=1767686399";
        let answer = handle(&request("POST", &headers, None, body));
        let Ok(PushAnswer::Items(items)) = answer else {
            panic!("expected items, got {answer:?}");
        };
        let types: Vec<DataType> = items
            .iter()
            .filter_map(|item| match item {
                PushItem::Fetch {
                    provider_user_id,
                    data_type,
                    range,
                } if provider_user_id == "363" => {
                    assert!(crate::push::check_notified_range(*range).is_ok());
                    Some(*data_type)
                }
                _ => None,
            })
            .collect();
        assert_eq!(types, [DataType::Daily, DataType::Activity]);
    }

    #[test]
    fn long_windows_are_capped_to_the_contract_range() {
        let headers = reqwest::header::HeaderMap::new();
        // A year-long window still yields a range the server accepts.
        let body = b"userid=1&appli=1&startdate=1735689600&enddate=1767225600";
        let answer = handle(&request("POST", &headers, None, body));
        let Ok(PushAnswer::Items(items)) = answer else {
            panic!("expected items, got {answer:?}");
        };
        let Some(PushItem::Fetch { range, .. }) = items.first() else {
            panic!("expected a fetch, got {items:?}");
        };
        assert!(
            crate::push::check_notified_range(*range).is_ok(),
            "{range:?}"
        );
    }

    #[test]
    fn unlink_deauthorizes_and_query_only_notifications_are_read() {
        let headers = reqwest::header::HeaderMap::new();
        let answer = handle(&request(
            "POST",
            &headers,
            Some("userid=7&appli=46&action=unlink"),
            b"",
        ));
        assert_eq!(
            answer,
            Ok(PushAnswer::Items(vec![PushItem::Deauthorized {
                provider_user_id: "7".into()
            }]))
        );
        let ignored = handle(&request(
            "POST",
            &headers,
            None,
            b"userid=7&appli=50&date=2026-01-05",
        ));
        assert_eq!(ignored, Ok(PushAnswer::Items(Vec::new())));
        assert!(matches!(
            handle(&request("POST", &headers, None, b"appli=1")),
            Err(PushError::Malformed(_))
        ));
    }
}
