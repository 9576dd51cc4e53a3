//! Terra Body: a local day's `bodyComps`, `bloodPressures`, `pulseOx`, `hrv` and
//! `userMetrics` merged into one record.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use wearbridge_model::{
    BloodPressureData, BloodPressureSample, Body, BodyMetadata, HeartData, HeartRateData,
    HeartRateDataDetailed, HeartRateDataSummary, HeartRateVariabilityDataSampleRmssd,
    MeasurementDataSample, MeasurementsData, OxygenData, OxygenSaturationSample, Timestamp,
};

use super::common::{
    avg_of, count, day_bounds, device, display_offset, finite, hr_samples, instant,
    local_day_bounds, parse_date, series, some, spo2_samples, summary_day, ts,
};
use crate::garmin::wire;

/// Everything measured on one local day that lands in a Terra Body record.
#[derive(Debug, Default, Clone, Copy)]
pub struct BodySources<'a> {
    pub body_comps: &'a [wire::BodyComp],
    pub blood_pressures: &'a [wire::BloodPressure],
    pub pulse_ox: &'a [wire::PulseOx],
    pub hrv: &'a [wire::Hrv],
    pub user_metrics: &'a [wire::UserMetrics],
}

#[derive(Default)]
struct BodyDay {
    offset: Option<FixedOffset>,
    measurements: Vec<MeasurementDataSample>,
    pressures: Vec<BloodPressureSample>,
    pulses: Vec<(Timestamp, f64)>,
    spo2: Vec<OxygenSaturationSample>,
    hrv: Vec<(Timestamp, f64)>,
    hrv_avg: Option<f64>,
    vo2max: Option<f64>,
}

/// One Terra Body per local day of the given summaries, in date order.
pub fn body_days(sources: BodySources<'_>) -> Vec<Body> {
    let mut days: BTreeMap<NaiveDate, BodyDay> = BTreeMap::new();
    for comp in sources.body_comps {
        let offset = display_offset(comp.measurement_time_offset_in_seconds);
        if let Some(at) = instant(comp.measurement_time_in_seconds, offset) {
            let day = days.entry(at.date_naive()).or_default();
            day.offset.get_or_insert(offset);
            day.measurements.push(measurement(comp, at));
        }
    }
    for reading in sources.blood_pressures {
        let offset = display_offset(reading.measurement_time_offset_in_seconds);
        if let Some(at) = instant(reading.measurement_time_in_seconds, offset) {
            let day = days.entry(at.date_naive()).or_default();
            day.offset.get_or_insert(offset);
            day.pressures.push(BloodPressureSample {
                timestamp: Some(ts(at)),
                systolic_bp: finite(reading.systolic),
                diastolic_bp: finite(reading.diastolic),
            });
            if let Some(pulse) = finite(reading.pulse) {
                day.pulses.push((ts(at), pulse));
            }
        }
    }
    for summary in sources.pulse_ox {
        let offset = display_offset(summary.start_time_offset_in_seconds);
        let start = instant(summary.start_time_in_seconds, offset);
        if let (Some(start), Some(date)) =
            (start, summary_day(summary.calendar_date.as_deref(), start))
        {
            let day = days.entry(date).or_default();
            day.offset.get_or_insert(offset);
            day.spo2.extend(spo2_samples(&series(
                summary.time_offset_spo2_values.as_ref(),
                start,
            )));
        }
    }
    for summary in sources.hrv {
        let offset = display_offset(summary.start_time_offset_in_seconds);
        let start = instant(summary.start_time_in_seconds, offset);
        if let (Some(start), Some(date)) =
            (start, summary_day(summary.calendar_date.as_deref(), start))
        {
            let day = days.entry(date).or_default();
            day.offset.get_or_insert(offset);
            day.hrv.extend(series(summary.hrv_values.as_ref(), start));
            day.hrv_avg = finite(summary.last_night_avg).or(day.hrv_avg);
        }
    }
    for metrics in sources.user_metrics {
        if let Some(date) = parse_date(metrics.calendar_date.as_deref()) {
            let day = days.entry(date).or_default();
            day.vo2max = finite(metrics.vo2_max).or(day.vo2max);
            if let Some(age) = count(metrics.fitness_age) {
                day.measurements.push(MeasurementDataSample {
                    estimated_fitness_age: Some(age),
                    ..MeasurementDataSample::default()
                });
            }
        }
    }
    days.into_iter()
        .filter_map(|(date, day)| body_record(date, day))
        .collect()
}

/// A weigh-in: grams → kilograms for `weight_kg`; muscle and bone mass stay grams
/// (Terra's `_g` fields).
fn measurement(comp: &wire::BodyComp, at: DateTime<FixedOffset>) -> MeasurementDataSample {
    MeasurementDataSample {
        measurement_time: Some(ts(at)),
        weight_kg: finite(comp.weight_in_grams).map(|grams| grams / 1000.0),
        bmi: finite(comp.body_mass_index),
        bodyfat_percentage: finite(comp.body_fat_in_percent),
        water_percentage: finite(comp.body_water_in_percent),
        bone_mass_g: finite(comp.bone_mass_in_grams),
        muscle_mass_g: finite(comp.muscle_mass_in_grams),
        ..MeasurementDataSample::default()
    }
}

fn body_record(date: NaiveDate, day: BodyDay) -> Option<Body> {
    let (start_time, end_time) = match day.offset {
        Some(offset) => day_bounds(date, offset)?,
        None => local_day_bounds(date)?,
    };
    let weights = || day.measurements.iter().filter_map(|m| m.weight_kg);
    let measurements_data = (!day.measurements.is_empty()).then(|| MeasurementsData {
        day_avg_weight_kg: avg_of(weights()),
        day_avg_bmi: avg_of(day.measurements.iter().filter_map(|m| m.bmi)),
        day_avg_bodyfat_percentage: avg_of(
            day.measurements.iter().filter_map(|m| m.bodyfat_percentage),
        ),
        measurements: Some(day.measurements.clone()),
        ..MeasurementsData::default()
    });
    let blood_pressure_data = (!day.pressures.is_empty()).then(|| BloodPressureData {
        day_avg_systolic_bp: avg_of(day.pressures.iter().filter_map(|p| p.systolic_bp)),
        day_avg_diastolic_bp: avg_of(day.pressures.iter().filter_map(|p| p.diastolic_bp)),
        blood_pressure_samples: Some(day.pressures.clone()),
    });
    let heart_data =
        (!day.hrv.is_empty() || day.hrv_avg.is_some() || !day.pulses.is_empty()).then(|| {
            HeartData {
                heart_rate_data: Some(HeartRateData {
                    summary: Some(HeartRateDataSummary {
                        // Garmin's HRV is RMSSD (spec §7.10); nothing goes to the SDNN fields.
                        avg_hrv_rmssd: day.hrv_avg,
                        ..HeartRateDataSummary::default()
                    }),
                    detailed: Some(HeartRateDataDetailed {
                        hr_samples: some(hr_samples(&day.pulses)),
                        hrv_samples_rmssd: some(
                            day.hrv
                                .iter()
                                .map(|(timestamp, rmssd)| HeartRateVariabilityDataSampleRmssd {
                                    timestamp: Some(*timestamp),
                                    hrv_rmssd: Some(*rmssd),
                                })
                                .collect(),
                        ),
                        hrv_samples_sdnn: None,
                    }),
                }),
                ..HeartData::default()
            }
        });
    let oxygen_data = (!day.spo2.is_empty() || day.vo2max.is_some()).then(|| OxygenData {
        avg_saturation_percentage: avg_of(day.spo2.iter().filter_map(|s| s.percentage)),
        saturation_samples: some(day.spo2.clone()),
        vo2max_ml_per_min_per_kg: day.vo2max,
        ..OxygenData::default()
    });
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        measurements_data,
        blood_pressure_data,
        heart_data,
        oxygen_data,
        device_data: Some(device()),
        ..Body::default()
    })
}
