//! Helpers every Garmin mapper shares: instants in the device's display offset, offset
//! series, local-day bounds and guards against non-finite or unbounded values.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, Offset, TimeDelta, Utc};
use wearbridge_model::{
    DeviceData, HeartRateDataSample, OxygenSaturationSample, OxygenSaturationType, Timestamp,
};

use crate::garmin::wire;

/// Longest series accepted (a week of 1-second samples); longer ones are cut, so a hostile
/// payload cannot make one record unbounded.
pub(super) const MAX_SAMPLES: usize = 7 * 24 * 3600;
/// Instants beyond ±10^11 s (year ~5000) are refused rather than overflowing chrono.
pub(super) const MAX_EPOCH_SECONDS: f64 = 1e11;
/// A day, the span of a complete daily summary.
pub(super) const DAY_S: i64 = 86_400;

pub(super) fn ts(value: DateTime<FixedOffset>) -> Timestamp {
    Timestamp::from_datetime(value)
}

pub(super) fn device() -> DeviceData {
    DeviceData {
        manufacturer: Some("Garmin".to_owned()),
        ..DeviceData::default()
    }
}

/// `None` for an empty series, so a record without samples omits the key.
pub(super) fn some<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

pub(super) fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|value| value.is_finite())
}

/// A whole, non-negative count (steps, floors) as Terra's integer.
pub(super) fn count(value: Option<f64>) -> Option<i64> {
    finite(value)
        .filter(|value| (0.0..=9.0e15).contains(value))
        .map(|value| value.round() as i64)
}

/// Garmin's `…OffsetInSeconds`, or UTC when absent or outside ±24 h.
pub fn display_offset(seconds: Option<f64>) -> FixedOffset {
    finite(seconds)
        .filter(|seconds| seconds.abs() < DAY_S as f64)
        .and_then(|seconds| FixedOffset::east_opt(seconds.round() as i32))
        .unwrap_or(Utc.fix())
}

/// The instant `seconds` (Unix, UTC) shown in `offset`. Fractions are kept to the
/// millisecond (pulseOx and respiration type their start as a float).
pub fn instant(seconds: Option<f64>, offset: FixedOffset) -> Option<DateTime<FixedOffset>> {
    let seconds = finite(seconds).filter(|s| s.abs() < MAX_EPOCH_SECONDS)?;
    let millis = (seconds * 1000.0).round() as i64;
    Some(DateTime::from_timestamp_millis(millis)?.with_timezone(&offset))
}

pub(super) fn plus(start: DateTime<FixedOffset>, seconds: f64) -> Option<DateTime<FixedOffset>> {
    if !seconds.is_finite() || seconds.abs() > MAX_EPOCH_SECONDS {
        return None;
    }
    start.checked_add_signed(TimeDelta::try_milliseconds(
        (seconds * 1000.0).round() as i64
    )?)
}

/// A Garmin offset series as (time, value), ordered by offset. Keys that are not whole
/// numbers and values that are not finite numbers are skipped.
pub fn series(
    map: Option<&wire::OffsetSeries>,
    start: DateTime<FixedOffset>,
) -> Vec<(Timestamp, f64)> {
    let Some(map) = map else {
        return Vec::new();
    };
    let mut points: Vec<(i64, f64)> = map
        .iter()
        .filter_map(|(key, value)| Some((key.trim().parse::<i64>().ok()?, value.as_f64()?)))
        .filter(|(_, value)| value.is_finite())
        .take(MAX_SAMPLES)
        .collect();
    points.sort_by_key(|(offset, _)| *offset);
    points
        .into_iter()
        .filter_map(|(offset, value)| {
            let at = start.checked_add_signed(TimeDelta::try_seconds(offset)?)?;
            Some((ts(at), value))
        })
        .collect()
}

pub(super) fn values(points: &[(Timestamp, f64)]) -> impl Iterator<Item = f64> + '_ {
    points.iter().map(|(_, value)| *value)
}

pub(super) fn mean(points: &[(Timestamp, f64)]) -> Option<f64> {
    if points.is_empty() {
        return None;
    }
    Some(values(points).sum::<f64>() / points.len() as f64).filter(|avg| avg.is_finite())
}

/// Local midnight of `day` and of the next day at `offset`: a day-scoped record's period.
pub(super) fn day_bounds(day: NaiveDate, offset: FixedOffset) -> Option<(Timestamp, Timestamp)> {
    let start = day
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    let next = day.checked_add_days(Days::new(1))?;
    let end = next
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(offset)
        .single()?;
    Some((ts(start), ts(end)))
}

/// Local midnights without an offset, for date-only summaries (userMetrics, mct):
/// inventing UTC would move the record to another day for half the world.
pub(super) fn local_day_bounds(day: NaiveDate) -> Option<(Timestamp, Timestamp)> {
    let start = day.and_hms_opt(0, 0, 0)?;
    let end = day.checked_add_days(Days::new(1))?.and_hms_opt(0, 0, 0)?;
    Some((Timestamp::from_local(start), Timestamp::from_local(end)))
}

/// Strict `YYYY-MM-DD`.
pub fn parse_date(text: Option<&str>) -> Option<NaiveDate> {
    let text = text?.trim();
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The local day of a summary: its `calendarDate`, else the local date of its start.
pub(super) fn summary_day(
    calendar_date: Option<&str>,
    start: Option<DateTime<FixedOffset>>,
) -> Option<NaiveDate> {
    parse_date(calendar_date).or_else(|| start.map(|start| start.date_naive()))
}

pub(super) fn hr_samples(points: &[(Timestamp, f64)]) -> Vec<HeartRateDataSample> {
    points
        .iter()
        .map(|(timestamp, bpm)| HeartRateDataSample {
            timestamp: Some(*timestamp),
            bpm: Some(*bpm),
            ..HeartRateDataSample::default()
        })
        .collect()
}

/// SpO2 readings (percent of blood oxygen saturation).
pub(super) fn spo2_samples(points: &[(Timestamp, f64)]) -> Vec<OxygenSaturationSample> {
    points
        .iter()
        .map(|(timestamp, percentage)| OxygenSaturationSample {
            timestamp: Some(*timestamp),
            percentage: Some(*percentage),
            r#type: Some(OxygenSaturationType::Blood),
        })
        .collect()
}

pub(super) fn avg_of(items: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = items.fold((0.0, 0_usize), |(sum, n), value| (sum + value, n + 1));
    (n > 0)
        .then(|| sum / n as f64)
        .filter(|avg| avg.is_finite())
}
