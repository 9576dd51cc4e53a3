//! Helpers every Polar mapper shares: the sample cap, timestamps, the device record and
//! guards and statistics over Polar's numbers.

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use wearbridge_model::{
    DeviceData, HeartRateDataSample, HeartRateVariabilityDataSampleRmssd, Timestamp,
};

/// Longest series accepted (a day of 1-second samples); longer ones are cut, so a hostile
/// payload cannot make a record unbounded.
pub(super) const MAX_SAMPLES: usize = 86_400;

pub(super) fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

pub(super) fn device(name: Option<&str>) -> DeviceData {
    DeviceData {
        name: name.map(str::to_owned),
        manufacturer: Some("Polar".to_owned()),
        ..DeviceData::default()
    }
}

/// A finite, non-negative number (Polar never reports negative counts or durations).
pub(super) fn non_negative(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite() && *v >= 0.0)
}

pub(super) fn count(value: Option<f64>) -> Option<i64> {
    non_negative(value)
        .filter(|v| *v < 1e12)
        .map(|v| v.round() as i64)
}

pub(super) fn mean(values: &[f64]) -> Option<f64> {
    let sum: f64 = values.iter().sum();
    (!values.is_empty())
        .then(|| sum / values.len() as f64)
        .filter(|avg| avg.is_finite())
}

pub(super) fn min_of(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::min)
}

pub(super) fn max_of(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::max)
}

pub(super) fn bpm_samples(
    points: impl Iterator<Item = (Timestamp, f64)>,
) -> Vec<HeartRateDataSample> {
    points
        .map(|(timestamp, bpm)| HeartRateDataSample {
            timestamp: Some(timestamp),
            bpm: Some(bpm),
            ..HeartRateDataSample::default()
        })
        .collect()
}

pub(super) fn rmssd_samples(
    points: impl Iterator<Item = (Timestamp, f64)>,
) -> Vec<HeartRateVariabilityDataSampleRmssd> {
    points
        .map(|(timestamp, rmssd)| HeartRateVariabilityDataSampleRmssd {
            timestamp: Some(timestamp),
            hrv_rmssd: Some(rmssd),
        })
        .collect()
}

/// Local midnight of `day` and of the next day, without an offset.
pub(super) fn local_day_bounds(day: NaiveDate) -> Option<(Timestamp, Timestamp)> {
    let start = day.and_hms_opt(0, 0, 0)?;
    let end = day.checked_add_days(Days::new(1))?.and_hms_opt(0, 0, 0)?;
    Some((Timestamp::from_local(start), Timestamp::from_local(end)))
}
