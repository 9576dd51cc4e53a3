//! The day-based collections (`/v2/usercollection/{type}`), their document ids, how Oura
//! filters them by date, and `next_token` paging.
//!
//! Filtering follows what clients observe at Oura: each document is matched by its own
//! timestamp (daily_activity: its `timestamp`, 04:00 local; sleep: `bedtime_end`; workout:
//! `start_datetime`; daily_readiness, daily_spo2, daily_sleep, daily_stress and vO2_max:
//! local midnight of `day`) against
//! `start_date`..`end_date`, and a date-only bound means local midnight. So
//! `end_date=<day>` leaves out that day's activity and sleep, the trap real clients hit
//! (the-momentum/open-wearables#1161).

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::wire;
use crate::person::Person;

/// Documents per page: small, so a month's backfill takes several pages and clients must
/// follow `next_token` (Oura's own pages are larger; the paging contract is the same).
pub(super) const PAGE_SIZE: usize = 10;
/// Longest accepted range, as in [`crate::providers::common`].
const MAX_RANGE_DAYS: i64 = 3_660;
/// Oldest and newest dates served; keeps date arithmetic far from chrono's limits.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=2100;

/// A day-based collection this simulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Collection {
    Sleep,
    DailyActivity,
    DailyReadiness,
    DailySpo2,
    Workout,
    /// Guided and unguided sessions: the person never has one, so this is always empty.
    Session,
    DailySleep,
    DailyStress,
    /// Path `vO2_max`; webhook `data_type` `vo2_max`.
    Vo2Max,
    /// Tags the person enters in the app: the person keeps none, so always empty.
    EnhancedTag,
    /// The person never turns rest mode on, so always empty.
    RestModePeriod,
    /// Not day-based (the list ignores dates, see `super::rings`); its one document is
    /// filed under the set-up day so a single-document request finds it by id.
    RingConfiguration,
}

impl Collection {
    pub(super) const ALL: [Collection; 12] = [
        Collection::Sleep,
        Collection::DailyActivity,
        Collection::DailyReadiness,
        Collection::DailySpo2,
        Collection::Workout,
        Collection::Session,
        Collection::DailySleep,
        Collection::DailyStress,
        Collection::Vo2Max,
        Collection::EnhancedTag,
        Collection::RestModePeriod,
        Collection::RingConfiguration,
    ];

    /// The path segment (and webhook `data_type`).
    pub(super) fn name(self) -> &'static str {
        match self {
            Collection::Sleep => "sleep",
            Collection::DailyActivity => "daily_activity",
            Collection::DailyReadiness => "daily_readiness",
            Collection::DailySpo2 => "daily_spo2",
            Collection::Workout => "workout",
            Collection::Session => "session",
            Collection::DailySleep => "daily_sleep",
            Collection::DailyStress => "daily_stress",
            Collection::Vo2Max => "vO2_max",
            Collection::EnhancedTag => "enhanced_tag",
            Collection::RestModePeriod => "rest_mode_period",
            Collection::RingConfiguration => "ring_configuration",
        }
    }

    pub(super) fn from_name(name: &str) -> Option<Collection> {
        Collection::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One rendered document and the instant Oura filters it by.
pub(super) struct Doc {
    pub(super) id: String,
    pub(super) key: DateTime<FixedOffset>,
    pub(super) body: Value,
}

fn to_value<T: serde::Serialize>(doc: &T) -> Value {
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

/// Document id: UUID-shaped, carrying the local day and the index of the document on
/// that day in readable groups (`<hash8>-<yyyy>-<mmdd>-<index>-<hash12>`), so a
/// single-document request can regenerate exactly that day. The hashes tie the id to the
/// account and collection.
pub(super) fn doc_id(account: &str, collection: Collection, day: NaiveDate, index: u16) -> String {
    let digest = Sha256::digest(format!("{account}\0{}\0{day}\0{index}", collection.name()));
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{:04}-{:02}{:02}-{index:04x}-{}",
        hex.get(..8).unwrap_or_default(),
        day.year(),
        day.month(),
        day.day(),
        hex.get(8..20).unwrap_or_default()
    )
}

/// The day an id names, if it has the simulator's shape (see [`doc_id`]).
pub(super) fn day_of_id(id: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = id.split('-').collect();
    let [hash8, year, month_day, index, hash12] = parts.as_slice() else {
        return None;
    };
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if !(hex(hash8, 8) && hex(index, 4) && hex(hash12, 12) && month_day.len() == 4) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let month: u32 = month_day.get(..2)?.parse().ok()?;
    let day: u32 = month_day.get(2..)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day).filter(|d| YEARS.contains(&d.year()))
}

/// The documents of `collection` filed under local day `day`.
pub(super) fn docs_on(
    person: &Person,
    account: &str,
    collection: Collection,
    day: NaiveDate,
) -> Vec<Doc> {
    let id = |index: u16| doc_id(account, collection, day, index);
    let midnight = wire::local_at(person, day, 0);
    match collection {
        Collection::Sleep => {
            let night = person.sleep_ending_on(day);
            vec![Doc {
                id: id(0),
                key: night.end,
                body: to_value(&wire::sleep(id(0), day, &night)),
            }]
        }
        Collection::DailyActivity => {
            let today = person.day(day);
            let tomorrow = person.day(day.checked_add_days(Days::new(1)).unwrap_or(day));
            let doc = wire::daily_activity(person, id(0), &today, &tomorrow);
            vec![Doc {
                id: id(0),
                key: wire::local_at(person, day, wire::ACTIVITY_DAY_START_S),
                body: to_value(&doc),
            }]
        }
        Collection::DailyReadiness => {
            let night = person.sleep_ending_on(day);
            vec![Doc {
                id: id(0),
                key: midnight,
                body: to_value(&wire::daily_readiness(id(0), day, &night)),
            }]
        }
        Collection::DailySpo2 => {
            let night = person.sleep_ending_on(day);
            vec![Doc {
                id: id(0),
                key: midnight,
                body: to_value(&wire::daily_spo2(id(0), day, &night)),
            }]
        }
        Collection::Workout => person
            .day(day)
            .workouts
            .iter()
            .zip(0_u16..)
            .map(|(workout, index)| Doc {
                id: id(index),
                key: workout.start,
                body: to_value(&wire::workout(person, id(index), day, workout)),
            })
            .collect(),
        Collection::DailySleep => {
            let night = person.sleep_ending_on(day);
            vec![Doc {
                id: id(0),
                key: midnight,
                body: to_value(&wire::daily_sleep(id(0), day, &night)),
            }]
        }
        Collection::DailyStress => vec![Doc {
            id: id(0),
            key: midnight,
            body: to_value(&wire::daily_stress(person, id(0), &person.day(day))),
        }],
        Collection::Vo2Max => {
            let night = person.sleep_ending_on(day);
            vec![Doc {
                id: id(0),
                key: midnight,
                body: to_value(&wire::vo2_max(person, id(0), day, &night)),
            }]
        }
        Collection::RingConfiguration => {
            let (year, month, setup) = wire::RING_SETUP_DAY;
            if NaiveDate::from_ymd_opt(year, month, setup) != Some(day) {
                return Vec::new();
            }
            vec![Doc {
                id: id(0),
                key: midnight,
                body: to_value(&wire::ring_configuration(person, id(0))),
            }]
        }
        Collection::Session | Collection::EnhancedTag | Collection::RestModePeriod => Vec::new(),
    }
}

/// One document by id, `None` when no such document exists.
pub(super) fn find_doc(
    person: &Person,
    account: &str,
    collection: Collection,
    id: &str,
) -> Option<Value> {
    let day = day_of_id(id)?;
    docs_on(person, account, collection, day)
        .into_iter()
        .find(|doc| doc.id == id)
        .map(|doc| doc.body)
}

/// A bound of `start_date`/`end_date` (or `start_datetime`/`end_datetime`): a date (local
/// midnight), a datetime with offset, or a naive datetime (local time).
pub(super) fn parse_bound(text: &str, person: &Person) -> Option<DateTime<FixedOffset>> {
    let offset = person.offset().fixed();
    let instant = if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        at
    } else if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        naive.and_local_timezone(offset).single()?
    } else {
        let date = crate::providers::common::parse_iso_date(text)?;
        date.and_hms_opt(0, 0, 0)?
            .and_local_timezone(offset)
            .single()?
    };
    YEARS
        .contains(&instant.year())
        .then(|| instant.with_timezone(&offset))
}

/// The instants a request covers, both inclusive.
#[derive(Clone, Copy, Debug)]
pub(super) struct Window {
    pub(super) start: DateTime<FixedOffset>,
    pub(super) end: DateTime<FixedOffset>,
}

/// Why a query was refused: (parameter, message, input), rendered as Oura's 422 body.
pub(super) type QueryProblem = (&'static str, String, String);

impl Window {
    /// Oura's defaults: `end` now, `start` one day before `end`.
    pub(super) fn parse(
        start: Option<&str>,
        end: Option<&str>,
        names: (&'static str, &'static str),
        person: &Person,
        now: DateTime<FixedOffset>,
    ) -> Result<Window, QueryProblem> {
        let bound = |name: &'static str, text: Option<&str>| -> Result<Option<_>, QueryProblem> {
            match text.filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(text) => parse_bound(text, person).map(Some).ok_or_else(|| {
                    (
                        name,
                        "Input should be a valid date or datetime".to_owned(),
                        text.to_owned(),
                    )
                }),
            }
        };
        let end_at = bound(names.1, end)?.unwrap_or(now);
        let start_at = bound(names.0, start)?.unwrap_or(end_at - TimeDelta::days(1));
        if start_at > end_at {
            return Err((
                names.0,
                "Start date must be before end date".to_owned(),
                start.unwrap_or_default().to_owned(),
            ));
        }
        if (end_at - start_at).num_days() >= MAX_RANGE_DAYS {
            return Err((
                names.1,
                format!("Range must be shorter than {MAX_RANGE_DAYS} days"),
                end.unwrap_or_default().to_owned(),
            ));
        }
        Ok(Window {
            start: start_at,
            end: end_at,
        })
    }

    pub(super) fn contains(&self, at: DateTime<FixedOffset>) -> bool {
        self.start <= at && at <= self.end
    }

    /// Local days whose documents can fall inside: a day's documents are keyed at most a
    /// day after its local midnight (tonight's bedtime_end, tomorrow's 04:00).
    fn days(&self) -> (NaiveDate, NaiveDate) {
        let first = self
            .start
            .date_naive()
            .checked_sub_days(Days::new(1))
            .unwrap_or(self.start.date_naive());
        (first, self.end.date_naive())
    }
}

/// Where the next page starts: a local day and the index of a document on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cursor {
    pub(super) day: NaiveDate,
    pub(super) index: usize,
}

/// Opaque `next_token`: URL-safe base64 of `d:<day>:<index>`.
pub(super) fn encode_cursor(cursor: Cursor) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("d:{}:{}", cursor.day, cursor.index))
}

pub(super) fn decode_cursor(token: &str) -> Option<Cursor> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.splitn(3, ':');
    if parts.next() != Some("d") {
        return None;
    }
    let day = crate::providers::common::parse_iso_date(parts.next()?)?;
    let index = parts.next()?.parse().ok()?;
    Some(Cursor { day, index })
}

/// One page of a collection: up to [`PAGE_SIZE`] documents from `cursor` on, and the
/// cursor of the next matching document (so no page but a lone first one is empty).
pub(super) fn page(
    person: &Person,
    account: &str,
    collection: Collection,
    window: Window,
    cursor: Option<Cursor>,
) -> (Vec<Value>, Option<Cursor>) {
    let (first, last) = window.days();
    let cursor = cursor.unwrap_or(Cursor {
        day: first,
        index: 0,
    });
    let mut data = Vec::new();
    for day in cursor.day.iter_days().take_while(|day| *day <= last) {
        let skip = if day == cursor.day { cursor.index } else { 0 };
        for (index, doc) in docs_on(person, account, collection, day)
            .into_iter()
            .enumerate()
            .skip(skip)
        {
            if !window.contains(doc.key) {
                continue;
            }
            if data.len() == PAGE_SIZE {
                return (data, Some(Cursor { day, index }));
            }
            data.push(doc.body);
        }
    }
    (data, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn ids_carry_their_day_and_differ_per_collection() {
        let day = date(2026, 3, 4);
        let sleep = doc_id("acct", Collection::Sleep, day, 0);
        assert_eq!(sleep.len(), 36, "UUID-shaped: {sleep}");
        assert_eq!(day_of_id(&sleep), Some(day));
        assert_ne!(sleep, doc_id("acct", Collection::DailySpo2, day, 0));
        assert_ne!(sleep, doc_id("other", Collection::Sleep, day, 0));
        assert_eq!(day_of_id("not-existing"), None);
        assert_eq!(day_of_id("96e7772a-64a7-4342-9c5f-3e5ed9e64d6d"), None);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor {
            day: date(2026, 1, 2),
            index: 3,
        };
        assert_eq!(decode_cursor(&encode_cursor(cursor)), Some(cursor));
        assert_eq!(decode_cursor("token123"), None);
        assert_eq!(decode_cursor(""), None);
    }

    #[test]
    fn a_date_only_end_is_local_midnight() {
        let person = Person::new("fixture-44");
        let Some(end) = parse_bound("2026-03-04", &person) else {
            panic!("a date parses");
        };
        assert_eq!(end.offset(), &person.offset().fixed());
        assert_eq!(end.date_naive(), date(2026, 3, 4));
        assert!(parse_bound("2026-03-04T23:59:59", &person).is_some());
        assert!(parse_bound("2026-03-04T23:59:59+02:00", &person).is_some());
        assert!(parse_bound("0024-11-11", &person).is_none());
        assert!(parse_bound("yesterday", &person).is_none());
    }
}
