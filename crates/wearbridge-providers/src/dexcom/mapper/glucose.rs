//! EGVs (and insulin events) into Terra Body records: one record per local day, because
//! Terra keys Body by its local date and a later delivery of the same day replaces the
//! earlier one, so everything Dexcom says about a day must be in that day's one record.
//!
//! Units and meanings (DECISIONS.md, "Dexcom glucose"):
//! * `blood_glucose_mg_per_dL` is mg/dL, Terra's only glucose unit: `mg/dL` values are
//!   kept as they are; `mmol/L` values are multiplied by 18.0156 (glucose's molar mass,
//!   180.156 g/mol, over 10) and rounded to a whole mg/dL, finer than a mmol/L value with
//!   one decimal can say. A value in any other unit (`unknown`) is left out.
//! * `trend_arrow`: Dexcom's seven arrows onto Terra's five by their documented rates:
//!   `doubleUp` (> 3 mg/dL/min) and `singleUp` (2–3) are Rising Quickly, `fortyFiveUp`
//!   (1–2) Rising, `flat` Flat, and the same downwards; `none`, `unknown`,
//!   `notComputable` and `rateOutOfRange` are Unknown.
//! * `glucose_level_flag`: Dexcom's `status` (the value is outside what the sensor can
//!   read): `high` High, `low` Low, `ok` Normal; `unknown` or absent: no flag.
//! * `day_avg_blood_glucose_mg_per_dL` is the mean of the day's samples to one decimal
//!   (the samples are whole mg/dL); `sensor_usage` their count (terra-api-notes: "number
//!   of sensor points in the day").

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use wearbridge_model::{
    Body, BodyMetadata, DeviceData, GlucoseData, GlucoseDataSample, GlucoseFlag,
    MeasurementDataSample, MeasurementsData, Timestamp, TrendArrow,
};

use super::super::wire::{Egv, Event};
use super::events::{insulin, live_events};
use super::time::{day_bounds, local_time};

/// mg/dL in one mmol/L of glucose: its molar mass, 180.156 g/mol, over 10.
pub const MG_PER_DL_PER_MMOL_PER_L: f64 = 18.0156;

/// Highest value kept: Dexcom sensors read 40–400 mg/dL; anything above 1,000 is corrupt.
const MAX_MG_PER_DL: f64 = 1_000.0;

/// `value` in `unit` as mg/dL; `None` for another unit or an impossible value.
pub fn mg_per_dl(value: f64, unit: Option<&str>) -> Option<f64> {
    let mg = match unit.map(str::trim) {
        Some(unit) if unit.eq_ignore_ascii_case("mg/dL") => value,
        Some(unit) if unit.eq_ignore_ascii_case("mmol/L") => {
            (value * MG_PER_DL_PER_MMOL_PER_L).round()
        }
        _ => return None,
    };
    (mg.is_finite() && mg > 0.0 && mg <= MAX_MG_PER_DL).then_some(mg)
}

/// Dexcom's trend arrow as Terra's (see the module docs).
pub fn trend_arrow(trend: Option<&str>) -> Option<TrendArrow> {
    Some(match trend? {
        "doubleUp" | "singleUp" => TrendArrow::RisingQuickly,
        "fortyFiveUp" => TrendArrow::Rising,
        "flat" => TrendArrow::Flat,
        "fortyFiveDown" => TrendArrow::Falling,
        "singleDown" | "doubleDown" => TrendArrow::FallingQuickly,
        _ => TrendArrow::Unknown,
    })
}

/// Dexcom's `status` as Terra's glucose level flag.
pub fn level_flag(status: Option<&str>) -> Option<GlucoseFlag> {
    match status? {
        "high" => Some(GlucoseFlag::High),
        "low" => Some(GlucoseFlag::Low),
        "ok" => Some(GlucoseFlag::Normal),
        _ => None,
    }
}

/// One EGV placed in local time, with the device that read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub at: DateTime<FixedOffset>,
    pub sample: GlucoseDataSample,
    pub device: DeviceData,
}

/// One EGV as a Terra glucose sample; `None` without a usable time or value.
pub fn reading(egv: &Egv) -> Option<Reading> {
    let at = local_time(&egv.system_time, egv.display_time.as_deref())?;
    let mg = mg_per_dl(egv.value?, egv.unit.as_deref())?;
    Some(Reading {
        at,
        sample: GlucoseDataSample {
            timestamp: Some(Timestamp::from_datetime(at)),
            blood_glucose_mg_per_dl: Some(mg),
            glucose_level_flag: level_flag(egv.status.as_deref()),
            trend_arrow: trend_arrow(egv.trend.as_deref()),
        },
        device: device(egv),
    })
}

/// The CGM behind an EGV: Dexcom and the transmitter generation (`g7` → "Dexcom G7").
fn device(egv: &Egv) -> DeviceData {
    let name = match egv.transmitter_generation.as_deref() {
        Some("dexcomPro") => Some("Dexcom G6 Pro".to_owned()),
        Some(generation) if generation.starts_with('g') && generation.len() <= 4 => {
            Some(format!("Dexcom {}", generation.to_ascii_uppercase()))
        }
        _ => None,
    };
    DeviceData {
        manufacturer: Some("Dexcom".to_owned()),
        name,
        ..DeviceData::default()
    }
}

/// Everything one local day holds, before it becomes a record.
#[derive(Default)]
struct DayParts {
    offset: Option<FixedOffset>,
    readings: Vec<Reading>,
    insulin: Vec<(DateTime<FixedOffset>, MeasurementDataSample)>,
}

impl DayParts {
    fn note_offset(&mut self, at: &DateTime<FixedOffset>) {
        self.offset.get_or_insert(*at.offset());
    }
}

/// Body records of every local day that has EGVs or insulin doses, oldest first. Records
/// repeated across fetch windows (same `recordId`) count once; deleted events not at all.
pub fn body_days(egvs: &[Egv], events: &[Event]) -> Vec<Body> {
    let mut seen = std::collections::BTreeSet::new();
    let mut readings: Vec<Reading> = egvs
        .iter()
        .filter(|egv| seen.insert(egv.record_id.as_str()))
        .filter_map(reading)
        .collect();
    readings.sort_by_key(|reading| reading.at.timestamp());
    let mut doses: Vec<_> = live_events(events)
        .into_iter()
        .filter_map(insulin)
        .collect();
    doses.sort_by_key(|(at, _)| at.timestamp());

    let mut days: BTreeMap<NaiveDate, DayParts> = BTreeMap::new();
    for reading in readings {
        let day = days.entry(reading.at.date_naive()).or_default();
        day.note_offset(&reading.at);
        day.readings.push(reading);
    }
    for (at, dose) in doses {
        let day = days.entry(at.date_naive()).or_default();
        day.note_offset(&at);
        day.insulin.push((at, dose));
    }
    days.into_iter()
        .filter_map(|(date, parts)| body(date, parts))
        .collect()
}

/// `value` to one decimal, as the closest double to that decimal (120.3, not
/// 120.30000000000001), so it reads back from JSON as the same number.
fn one_decimal(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn body(date: NaiveDate, parts: DayParts) -> Option<Body> {
    let (start_time, end_time) = day_bounds(date, parts.offset?)?;
    let device = parts.readings.last().map(|reading| reading.device.clone());
    let glucose_data = (!parts.readings.is_empty()).then(|| {
        let values: Vec<f64> = parts
            .readings
            .iter()
            .filter_map(|reading| reading.sample.blood_glucose_mg_per_dl)
            .collect();
        let count = values.len();
        GlucoseData {
            day_avg_blood_glucose_mg_per_dl: Some(one_decimal(
                values.iter().sum::<f64>() / count as f64,
            )),
            sensor_usage: i64::try_from(count).ok(),
            blood_glucose_samples: Some(
                parts
                    .readings
                    .into_iter()
                    .map(|reading| reading.sample)
                    .collect(),
            ),
            ..GlucoseData::default()
        }
    });
    let measurements_data = (!parts.insulin.is_empty()).then(|| MeasurementsData {
        measurements: Some(parts.insulin.into_iter().map(|(_, dose)| dose).collect()),
        ..MeasurementsData::default()
    });
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        glucose_data,
        measurements_data,
        device_data: device,
        ..Body::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_to_mg_per_dl_and_unknown_units_are_dropped() {
        assert_eq!(mg_per_dl(122.0, Some("mg/dL")), Some(122.0));
        // 6.8 mmol/L × 18.0156 = 122.506 → 123 mg/dL.
        assert_eq!(mg_per_dl(6.8, Some("mmol/L")), Some(123.0));
        assert_eq!(mg_per_dl(122.0, Some("unknown")), None);
        assert_eq!(mg_per_dl(122.0, None), None);
        assert_eq!(mg_per_dl(-3.0, Some("mg/dL")), None);
        assert_eq!(mg_per_dl(1e9, Some("mg/dL")), None);
    }

    #[test]
    fn seven_arrows_fold_into_five() {
        let arrows: Vec<Option<TrendArrow>> = [
            "doubleUp",
            "singleUp",
            "fortyFiveUp",
            "flat",
            "fortyFiveDown",
            "singleDown",
            "doubleDown",
            "notComputable",
        ]
        .iter()
        .map(|trend| trend_arrow(Some(trend)))
        .collect();
        use TrendArrow::*;
        assert_eq!(
            arrows,
            [
                RisingQuickly,
                RisingQuickly,
                Rising,
                Flat,
                Falling,
                FallingQuickly,
                FallingQuickly,
                Unknown
            ]
            .map(Some)
        );
        assert_eq!(trend_arrow(None), None);
        assert_eq!(level_flag(Some("unknown")), None);
        assert_eq!(level_flag(Some("high")), Some(GlucoseFlag::High));
    }
}
