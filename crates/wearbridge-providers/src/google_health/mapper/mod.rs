//! Pure mappers from Google Health API v4 data points ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Units are converted exactly: millimetres to metres (÷1000), grams
//! to kilograms (÷1000), `google-duration` seconds as seconds, kcal and percent unchanged,
//! nutrient grams to Terra's milligram fields (×1000) where Terra counts in mg. Meanings:
//! Google's heart-rate variability is RMSSD (`rootMeanSquareOfSuccessiveDifferences…`,
//! `averageHeartRateVariabilityMilliseconds` "RMSSD") and goes to Terra's `hrv_rmssd`
//! fields; its `standardDeviationMilliseconds` is SDNN and goes to `hrv_sdnn`, never mixed.
//!
//! Days: every point carries its user's UTC offset, so each is placed on its local day
//! (the offset of the point itself); a day-scoped record runs local midnight to midnight in
//! the offset of the day's first timed point. Daily types (`date` only, no offset) join the
//! day of that date; alone, they keep local times without an offset rather than inventing
//! UTC.

mod days;
mod sessions;

#[cfg(test)]
mod tests;

pub use days::{bodies, dailies};
pub use sessions::{activity, activity_type, nutrition, sleep, sleeps};

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use wearbridge_model::{DeviceData, Timestamp};

use super::wire;

fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

/// Local midnight of `day` and of the next day, at `offset` when known (else offset-less
/// local times).
fn day_bounds(day: NaiveDate, offset: Option<FixedOffset>) -> Option<(Timestamp, Timestamp)> {
    let start = day.and_hms_opt(0, 0, 0)?;
    let end = day.checked_add_days(Days::new(1))?.and_hms_opt(0, 0, 0)?;
    match offset {
        Some(offset) => Some((
            ts(start.and_local_timezone(offset).single()?),
            ts(end.and_local_timezone(offset).single()?),
        )),
        None => Some((Timestamp::from_local(start), Timestamp::from_local(end))),
    }
}

/// The recording device, from the first point that names one; "Google Health" otherwise.
fn device(points: &[&wire::DataPoint]) -> DeviceData {
    let named = points
        .iter()
        .filter_map(|point| point.data_source.as_ref()?.device.as_ref())
        .find(|device| device.display_name.is_some());
    DeviceData {
        name: Some(
            named
                .and_then(|device| device.display_name.clone())
                .unwrap_or_else(|| "Google Health".to_owned()),
        ),
        manufacturer: named.and_then(|device| device.manufacturer.clone()),
        ..DeviceData::default()
    }
}

/// Whether a point was entered by hand (`recordingMethod: MANUAL`).
fn is_manual(point: &wire::DataPoint) -> bool {
    point
        .data_source
        .as_ref()
        .and_then(|source| source.recording_method.as_deref())
        == Some("MANUAL")
}

/// A finite, non-negative value (quantities Google never reports below zero).
fn non_negative(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite() && *value >= 0.0)
}

/// Sum of the values present; `None` when none is.
fn sum(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values
        .flatten()
        .filter(|value| value.is_finite())
        .fold(None, |total, value| Some(total.unwrap_or(0.0) + value))
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}
