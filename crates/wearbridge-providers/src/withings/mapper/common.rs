//! Helpers every Withings mapper shares: instants and local days in the offset of a
//! Withings zone name, decimal measure scaling, guards against unmeasured or non-finite
//! values, and the device record.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, Offset, Utc};
use wearbridge_model::{DeviceData, HeartRateZoneData, Timestamp};

use crate::withings::wire;
use crate::withings::zone;

/// Longest sample list accepted per series (a week of 1-second samples); a hostile answer
/// cannot make a record unbounded.
pub(super) const MAX_SAMPLES: usize = 7 * 24 * 3600;

/// Measure-group / workout `attrib` of values the user typed in.
pub(super) const ATTRIB_MANUAL: [i64; 2] = [2, 4];

pub(super) fn utc() -> FixedOffset {
    Utc.fix()
}

/// The instant of `epoch` seconds in the offset `zone` had then (`+00:00` for an unknown
/// or missing zone).
pub(super) fn local_at(epoch: i64, zone_name: Option<&str>) -> Option<DateTime<FixedOffset>> {
    let instant = DateTime::<Utc>::from_timestamp(epoch, 0)?;
    let offset = zone_name
        .and_then(|name| zone::offset_at(name, instant))
        .unwrap_or_else(utc);
    Some(instant.with_timezone(&offset))
}

pub(super) fn ts_at(epoch: i64, zone_name: Option<&str>) -> Option<Timestamp> {
    local_at(epoch, zone_name).map(Timestamp::from_datetime)
}

/// Local midnight of `day` and of the next day; with the zone's offset when known, else
/// as local wall-clock times without an offset.
pub(super) fn day_bounds(
    day: NaiveDate,
    zone_name: Option<&str>,
) -> Option<(Timestamp, Timestamp)> {
    let next = day.checked_add_days(Days::new(1))?;
    let start = day.and_hms_opt(0, 0, 0)?;
    let end = next.and_hms_opt(0, 0, 0)?;
    let start_offset = zone_name.and_then(|name| zone::offset_on(name, day));
    let end_offset = zone_name.and_then(|name| zone::offset_on(name, next));
    match (start_offset, end_offset) {
        (Some(start_offset), Some(end_offset)) => Some((
            Timestamp::from_datetime(start.and_local_timezone(start_offset).single()?),
            Timestamp::from_datetime(end.and_local_timezone(end_offset).single()?),
        )),
        _ => Some((Timestamp::from_local(start), Timestamp::from_local(end))),
    }
}

pub(super) fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// `value × 10^unit` as a float: exact decimal scaling (division by the power of ten for
/// negative units gives the double nearest the decimal, 7215 × 10^-2 → 72.15).
pub fn scaled(measure: &wire::Measure) -> Option<f64> {
    let exponent = i32::try_from(measure.unit).ok().filter(|e| e.abs() <= 22)?;
    let value = measure.value as f64;
    let result = if exponent < 0 {
        value / 10f64.powi(-exponent)
    } else {
        value * 10f64.powi(exponent)
    };
    result.is_finite().then_some(result)
}

pub(super) fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// Withings sends `0` for heart-rate and SpO2 values a device did not measure.
pub(super) fn measured(value: Option<f64>) -> Option<f64> {
    finite(value).filter(|v| *v > 0.0)
}

pub(super) fn count(value: Option<f64>) -> Option<i64> {
    finite(value)
        .filter(|v| *v >= 0.0 && *v <= 1e15)
        .map(|v| v.round() as i64)
}

pub(super) fn mean(values: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return None;
    }
    Some(finite.iter().sum::<f64>() / finite.len() as f64)
}

pub(super) fn device(model: Option<String>) -> DeviceData {
    DeviceData {
        name: model,
        manufacturer: Some("Withings".to_owned()),
        ..DeviceData::default()
    }
}

pub(super) fn model_name(model: Option<&serde_json::Value>) -> Option<String> {
    match model? {
        serde_json::Value::String(name) if !name.is_empty() => Some(name.clone()),
        _ => None,
    }
}

pub(super) fn averages<T>(samples: &[T], value: impl Fn(&T) -> Option<f64>) -> Option<f64> {
    mean(&samples.iter().filter_map(value).collect::<Vec<_>>())
}

pub(super) fn non_empty<T>(samples: Vec<T>) -> Option<Vec<T>> {
    (!samples.is_empty()).then_some(samples)
}

pub(super) fn hr_zones(zones: [Option<f64>; 4]) -> Option<Vec<HeartRateZoneData>> {
    let zones: Vec<HeartRateZoneData> = zones
        .iter()
        .enumerate()
        .filter_map(|(index, seconds)| {
            Some(HeartRateZoneData {
                zone: Some(i64::try_from(index).ok()?),
                duration_seconds: Some(finite(*seconds)?),
                ..HeartRateZoneData::default()
            })
        })
        .collect();
    non_empty(zones)
}
