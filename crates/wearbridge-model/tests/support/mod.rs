//! Shared test support: fully populated values, strategies and the schema case list.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support module"
)]

pub mod generated;

use std::fmt::Debug;

use chrono::Offset;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wearbridge_model::{Timestamp, WebhookEvent};

/// A value with every optional field set and every array non-empty, so that a
/// misnamed or mistyped key anywhere in the tree reaches the schema check.
pub trait Populated {
    fn populated() -> Self;
}

/// The timestamp used in populated values: a non-UTC offset, so a conversion
/// to UTC would show up as a changed string.
pub fn ts() -> Timestamp {
    "2022-10-28T10:00:00.000000+01:00"
        .parse()
        .unwrap_or_default()
}

/// One generated type and the schema it mirrors.
pub struct Case {
    pub schema: &'static str,
    /// JSON of the fully populated value.
    pub populated: fn() -> Result<Value, String>,
    /// Parse JSON into the type and serialise it again.
    pub reparse: fn(Value) -> Result<Value, String>,
    /// Populated value → JSON → value: equal?
    pub round_trips: fn() -> Result<bool, String>,
}

pub fn case<T>(schema: &'static str) -> Case
where
    T: Populated + Serialize + DeserializeOwned + PartialEq + Debug,
{
    Case {
        schema,
        populated: || serde_json::to_value(T::populated()).map_err(|e| e.to_string()),
        reparse: reparse::<T>,
        round_trips: || {
            let value = T::populated();
            let json = serde_json::to_string(&value).map_err(|e| e.to_string())?;
            let back: T = serde_json::from_str(&json).map_err(|e| e.to_string())?;
            Ok(back == value)
        },
    }
}

/// A webhook event: validated and round-tripped through [`WebhookEvent`],
/// which writes the `type`/`status` the struct leaves out.
pub fn event_case<T>(schema: &'static str) -> Case
where
    T: Populated + Into<WebhookEvent>,
{
    Case {
        schema,
        populated: || serde_json::to_value(T::populated().into()).map_err(|e| e.to_string()),
        reparse: reparse::<WebhookEvent>,
        round_trips: || {
            let event: WebhookEvent = T::populated().into();
            let json = serde_json::to_string(&event).map_err(|e| e.to_string())?;
            let back: WebhookEvent = serde_json::from_str(&json).map_err(|e| e.to_string())?;
            Ok(back == event && !matches!(back, WebhookEvent::Unknown(_)))
        },
    }
}

/// An SDK-era event: as [`event_case`], but the JSON checked against the
/// SDK-era schema has no `user.created_at`, a key the SDK-era `TerraUser` does
/// not declare (the current spec added it; SDK parsers ignore it either way).
pub fn sdk_event_case<T>(schema: &'static str) -> Case
where
    T: Populated + Into<WebhookEvent>,
{
    Case {
        populated: || {
            let mut json =
                serde_json::to_value(T::populated().into()).map_err(|e| e.to_string())?;
            if let Some(user) = json.get_mut("user").and_then(Value::as_object_mut) {
                user.remove("created_at");
            }
            Ok(json)
        },
        ..event_case::<T>(schema)
    }
}

pub fn reparse<T: Serialize + DeserializeOwned>(value: Value) -> Result<Value, String> {
    let parsed: T = serde_json::from_value(value).map_err(|e| e.to_string())?;
    serde_json::to_value(parsed).map_err(|e| e.to_string())
}

/// One generated enum and its schema.
pub struct EnumCase {
    pub schema: &'static str,
    /// Every named value, serialised.
    pub known: fn() -> Vec<Value>,
    pub reparse: fn(Value) -> Result<Value, String>,
    pub numeric: bool,
}

pub fn enum_case(
    schema: &'static str,
    known: fn() -> Vec<Value>,
    reparse: fn(Value) -> Result<Value, String>,
    numeric: bool,
) -> EnumCase {
    EnumCase {
        schema,
        known,
        reparse,
        numeric,
    }
}

pub fn known_json<T: Serialize>(values: &[T]) -> Vec<Value> {
    values
        .iter()
        .map(|value| serde_json::to_value(value).unwrap_or(Value::Null))
        .collect()
}

/// Text of `min_len..min_len+12` arbitrary characters (JSON escaping included).
pub fn arb_text(min_len: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), min_len..min_len + 12)
        .prop_map(|chars| chars.into_iter().collect())
}

/// Timestamps between 1990 and 2060 with microsecond precision and an offset
/// between -12:00 and +14:00 in quarter hours, or (1 in 8) no offset at all.
pub fn arb_timestamp() -> impl Strategy<Value = Timestamp> {
    (
        631_152_000_i64..2_871_763_200,
        0_u32..1_000_000,
        -48_i32..=56,
        0_u8..8,
    )
        .prop_map(|(secs, micros, quarter_hours, no_offset)| {
            let offset = chrono::FixedOffset::east_opt(quarter_hours * 900)
                .unwrap_or_else(|| chrono::Utc.fix());
            let utc = chrono::DateTime::from_timestamp(secs, micros * 1_000).unwrap_or_default();
            let local = utc.with_timezone(&offset);
            if no_offset == 0 {
                Timestamp::from_local(local.naive_local())
            } else {
                Timestamp::from_datetime(local)
            }
        })
}

/// JSON equivalence for round trips of Terra's own examples: numbers compare
/// by value (`142` == `142.0`), timestamps by meaning (`Z` == `+00:00`,
/// 3 vs 6 fraction digits), `null` equals an absent key.
pub fn equivalent(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::String(b)) => a == b || same_timestamp(a, b),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equivalent(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            let keys = a.keys().chain(b.keys());
            keys.into_iter().all(|key| {
                let left = a.get(key).unwrap_or(&Value::Null);
                let right = b.get(key).unwrap_or(&Value::Null);
                equivalent(left, right)
            })
        }
        _ => expected == actual,
    }
}

fn same_timestamp(a: &str, b: &str) -> bool {
    match (a.parse::<Timestamp>(), b.parse::<Timestamp>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
