//! Dexcom API v3 documents, as the official reference describes them
//! (`developer.dexcom.com/docs/dexcomv3`): every collection answers
//! `{recordType, recordVersion, userId, records: [...]}`; `/dataRange` answers the first and
//! last record times of each collection.
//!
//! Read leniently, because Dexcom documents several shapes for the same field: times come
//! with `Z`, with a `±hh:mm` offset, or with no zone at all (records from receivers); an
//! event's `value` is documented as a string but shown as a number in Dexcom's own example;
//! enumerations grow (`g6+`, `dexcomPro`). Enumerations are kept as strings and only the
//! mapper decides what it understands. One record that does not parse is skipped, not the
//! whole page (see [`Page::records`]).

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The envelope of every collection (`/egvs`, `/events`, `/calibrations`, `/alerts`,
/// `/devices`). `records` is kept as raw JSON so that one odd record cannot fail a page.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    #[serde(default)]
    pub record_type: Option<String>,
    #[serde(default)]
    pub record_version: Option<String>,
    /// Dexcom's id of the account, unique per account *and* client app.
    #[serde(default)]
    pub user_id: Option<String>,
    pub records: Vec<Value>,
}

impl Page {
    /// The records that parse as `T`, in answer order; the others are left out (a record
    /// with a field of an undocumented type says nothing this adapter could map).
    pub fn records<T: DeserializeOwned>(&self) -> Vec<T> {
        self.records
            .iter()
            .filter_map(|record| T::deserialize(record).ok())
            .collect()
    }
}

/// One estimated glucose value (`/egvs`), every 5 minutes while a sensor is worn.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Egv {
    /// UUID, stable per record and client app.
    pub record_id: String,
    /// UTC per the device's clock; with `Z`/offset from the mobile apps, without from receivers.
    pub system_time: String,
    /// The time the display device showed: local, with an offset from the mobile apps.
    #[serde(default)]
    pub display_time: Option<String>,
    #[serde(default)]
    pub transmitter_id: Option<String>,
    #[serde(default)]
    pub transmitter_ticks: Option<i64>,
    /// The glucose value in `unit`; `null` when the sensor gave none.
    #[serde(default, deserialize_with = "lenient_number")]
    pub value: Option<f64>,
    /// `unknown`, `high`, `low`, `ok`: outside the sensor's reportable range or not.
    #[serde(default)]
    pub status: Option<String>,
    /// `none`, `unknown`, `doubleUp`, `singleUp`, `fortyFiveUp`, `flat`, `fortyFiveDown`,
    /// `singleDown`, `doubleDown`, `notComputable`, `rateOutOfRange`.
    #[serde(default)]
    pub trend: Option<String>,
    /// Rate of change in `rateUnit`.
    #[serde(default, deserialize_with = "lenient_number")]
    pub trend_rate: Option<f64>,
    /// `mg/dL`, `mmol/L` or `unknown`.
    #[serde(default)]
    pub unit: Option<String>,
    /// `mg/dL/min`, `mmol/L/min` or `unknown`.
    #[serde(default)]
    pub rate_unit: Option<String>,
    /// `iOS`, `android`, `receiver`.
    #[serde(default)]
    pub display_device: Option<String>,
    /// `unknown`, `g4`, `g5`, `g6`, `g6+`, `dexcomPro`, `g7`.
    #[serde(default)]
    pub transmitter_generation: Option<String>,
    #[serde(default)]
    pub display_app: Option<String>,
}

/// One user-entered event (`/events`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub record_id: String,
    pub system_time: String,
    #[serde(default)]
    pub display_time: Option<String>,
    /// `created`, `updated`, `deleted` (a deleted event keeps its `recordId`).
    #[serde(default)]
    pub event_status: Option<String>,
    /// `unknown`, `insulin`, `carbs`, `exercise`, `health`, `bloodGlucose`, `notes`.
    #[serde(default)]
    pub event_type: Option<String>,
    /// `fastActing`/`longActing` (insulin), `light`/`medium`/`heavy` (exercise), health kinds.
    #[serde(default)]
    pub event_sub_type: Option<String>,
    /// Documented as a string, shown as a number in Dexcom's example: both are read.
    #[serde(default, deserialize_with = "lenient_number")]
    pub value: Option<f64>,
    /// `units` (insulin), `grams` (carbs), `minutes` (exercise), `mg/dL` (blood glucose).
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub transmitter_id: Option<String>,
    #[serde(default)]
    pub transmitter_generation: Option<String>,
    #[serde(default)]
    pub display_device: Option<String>,
}

/// `/dataRange`: the first and last record of each collection (`null` when it has none).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataRange {
    #[serde(default)]
    pub record_type: Option<String>,
    #[serde(default)]
    pub record_version: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub calibrations: Option<Span>,
    #[serde(default)]
    pub egvs: Option<Span>,
    #[serde(default)]
    pub events: Option<Span>,
}

/// The first and last record of a collection.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Span {
    pub start: Moment,
    pub end: Moment,
}

/// One record time, as both clocks show it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Moment {
    pub system_time: String,
    #[serde(default)]
    pub display_time: Option<String>,
}

/// A number, or a string holding one (`"4.5"`); anything else (`null`, `"HIGH"`, an
/// object) is `None` rather than an error, so the record still parses.
fn lenient_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|number| number.is_finite()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_values_are_read_as_numbers_or_numeric_strings() {
        let page: Page = serde_json::from_value(serde_json::json!({
            "recordType": "event", "recordVersion": "3.0", "userId": "u",
            "records": [
                {"recordId": "a", "systemTime": "2022-02-06T09:12:35Z", "value": 400},
                {"recordId": "b", "systemTime": "2022-02-06T09:12:35Z", "value": "12.5"},
                {"recordId": "c", "systemTime": "2022-02-06T09:12:35Z", "value": "HIGH"},
                {"recordId": 7, "systemTime": "2022-02-06T09:12:35Z"}
            ]
        }))
        .unwrap_or_else(|error| panic!("{error}"));
        let events: Vec<Event> = page.records();
        let values: Vec<Option<f64>> = events.iter().map(|event| event.value).collect();
        assert_eq!(
            values,
            vec![Some(400.0), Some(12.5), None],
            "record 7 skipped"
        );
    }
}
