//! Terra Body from `getmeas`: measure groups merged per local day.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use wearbridge_model::{
    BloodPressureData, BloodPressureSample, Body, BodyMetadata, HeartData, HeartRateData,
    HeartRateDataDetailed, HeartRateDataSample, HeartRateDataSummary, MeasurementDataSample,
    MeasurementsData, OxygenData, OxygenSaturationSample, OxygenSaturationType,
    PulseVelocitySample, TemperatureData, TemperatureSample, Timestamp, Vo2MaxSample,
};

use super::common::{averages, day_bounds, device, local_at, non_empty, scaled};
use crate::withings::wire;

/// Withings measure types (providers.md §3.3).
pub mod meastype {
    pub const WEIGHT_KG: i64 = 1;
    pub const HEIGHT_M: i64 = 4;
    pub const FAT_FREE_MASS_KG: i64 = 5;
    pub const FAT_RATIO_PERCENT: i64 = 6;
    pub const FAT_MASS_KG: i64 = 8;
    pub const DIASTOLIC_MMHG: i64 = 9;
    pub const SYSTOLIC_MMHG: i64 = 10;
    pub const HEART_PULSE_BPM: i64 = 11;
    pub const TEMPERATURE_C: i64 = 12;
    pub const SPO2_PERCENT: i64 = 54;
    pub const BODY_TEMPERATURE_C: i64 = 71;
    pub const SKIN_TEMPERATURE_C: i64 = 73;
    pub const MUSCLE_MASS_KG: i64 = 76;
    pub const HYDRATION_KG: i64 = 77;
    pub const BONE_MASS_KG: i64 = 88;
    pub const PULSE_WAVE_VELOCITY_M_S: i64 = 91;
    pub const VO2_MAX: i64 = 123;
    pub const VISCERAL_FAT: i64 = 170;
}

/// Measure-group category of user objectives (goals), which are not measurements.
const CATEGORY_GOAL: i64 = 2;

/// The values of one measure group, by type (the last value wins for a repeated type).
fn values_by_type(group: &wire::MeasureGroup) -> BTreeMap<i64, f64> {
    group
        .measures
        .iter()
        .filter(|measure| measure.position.is_none())
        .filter_map(|measure| Some((measure.kind, scaled(measure)?)))
        .collect()
}

/// Everything one Body day collects, sample by sample.
#[derive(Default)]
struct BodyDay {
    measurements: Vec<MeasurementDataSample>,
    blood_pressure: Vec<BloodPressureSample>,
    heart_rate: Vec<HeartRateDataSample>,
    saturation: Vec<OxygenSaturationSample>,
    vo2: Vec<Vo2MaxSample>,
    pulse_wave: Vec<PulseVelocitySample>,
    body_temperature: Vec<TemperatureSample>,
    skin_temperature: Vec<TemperatureSample>,
    models: Vec<String>,
}

impl BodyDay {
    fn add(&mut self, at: Timestamp, values: &BTreeMap<i64, f64>, model: Option<&String>) {
        use meastype as t;
        let get = |kind: i64| values.get(&kind).copied();
        let weight = get(t::WEIGHT_KG);
        let sample = MeasurementDataSample {
            measurement_time: Some(at),
            weight_kg: weight,
            height_cm: get(t::HEIGHT_M).map(|m| m * 100.0),
            lean_mass_g: get(t::FAT_FREE_MASS_KG).map(|kg| kg * 1000.0),
            bodyfat_percentage: get(t::FAT_RATIO_PERCENT),
            muscle_mass_g: get(t::MUSCLE_MASS_KG).map(|kg| kg * 1000.0),
            bone_mass_g: get(t::BONE_MASS_KG).map(|kg| kg * 1000.0),
            // Hydration is the mass of body water: its share of the weight weighed with it.
            water_percentage: get(t::HYDRATION_KG)
                .zip(weight.filter(|w| *w > 0.0))
                .map(|(water, weight)| water / weight * 100.0),
            visceral_fat_level: get(t::VISCERAL_FAT),
            ..MeasurementDataSample::default()
        };
        if sample
            != (MeasurementDataSample {
                measurement_time: Some(at),
                ..MeasurementDataSample::default()
            })
        {
            self.measurements.push(sample);
        }
        let (systolic, diastolic) = (get(t::SYSTOLIC_MMHG), get(t::DIASTOLIC_MMHG));
        if systolic.is_some() || diastolic.is_some() {
            self.blood_pressure.push(BloodPressureSample {
                timestamp: Some(at),
                systolic_bp: systolic,
                diastolic_bp: diastolic,
            });
        }
        if let Some(bpm) = get(t::HEART_PULSE_BPM) {
            self.heart_rate.push(HeartRateDataSample {
                timestamp: Some(at),
                bpm: Some(bpm),
                ..HeartRateDataSample::default()
            });
        }
        if let Some(percentage) = get(t::SPO2_PERCENT) {
            self.saturation.push(OxygenSaturationSample {
                timestamp: Some(at),
                percentage: Some(percentage),
                r#type: Some(OxygenSaturationType::Blood),
            });
        }
        if let Some(vo2) = get(t::VO2_MAX) {
            self.vo2.push(Vo2MaxSample {
                timestamp: Some(at),
                vo2max_ml_per_min_per_kg: Some(vo2),
            });
        }
        if let Some(speed) = get(t::PULSE_WAVE_VELOCITY_M_S) {
            self.pulse_wave.push(PulseVelocitySample {
                timestamp: Some(at),
                pulse_wave_velocity_meters_per_second: Some(speed),
            });
        }
        for kind in [t::TEMPERATURE_C, t::BODY_TEMPERATURE_C] {
            if let Some(celsius) = get(kind) {
                self.body_temperature.push(temperature(at, celsius));
            }
        }
        if let Some(celsius) = get(t::SKIN_TEMPERATURE_C) {
            self.skin_temperature.push(temperature(at, celsius));
        }
        if let Some(model) = model.filter(|m| !self.models.contains(m)) {
            self.models.push(model.clone());
        }
    }
}

fn temperature(at: Timestamp, celsius: f64) -> TemperatureSample {
    TemperatureSample {
        timestamp: Some(at),
        temperature_celsius: Some(celsius),
    }
}

/// Measure groups as Terra Body records, one per local day (Terra keys Body by day), each
/// measurement a sample at its own time. Goals (`category` 2) and segmental values (with a
/// `position`) are left out; fat mass (type 8) has no Terra field (the fat ratio is kept).
pub fn body(answer: &wire::MeasureBody) -> Vec<Body> {
    let zone_name = answer.timezone.as_deref();
    let mut days: Vec<(NaiveDate, BodyDay)> = Vec::new();
    let mut seen_groups: Vec<i64> = Vec::new();
    for group in &answer.measuregrps {
        if group.category == Some(CATEGORY_GOAL) {
            continue;
        }
        // Withings repeats a group (same `grpid`) when a device re-attributes it.
        if let Some(id) = group.grpid {
            if seen_groups.contains(&id) {
                continue;
            }
            seen_groups.push(id);
        }
        let Some(at) = local_at(group.date, zone_name) else {
            continue;
        };
        let date = at.date_naive();
        let index = match days.iter().position(|(d, _)| *d == date) {
            Some(index) => index,
            None => {
                days.push((date, BodyDay::default()));
                days.len() - 1
            }
        };
        if let Some((_, day)) = days.get_mut(index) {
            day.add(
                Timestamp::from_datetime(at),
                &values_by_type(group),
                group.model.as_ref(),
            );
        }
    }
    days.into_iter()
        .filter_map(|(date, day)| body_day(date, zone_name, day))
        .collect()
}

fn body_day(date: NaiveDate, zone_name: Option<&str>, day: BodyDay) -> Option<Body> {
    let (start_time, end_time) = day_bounds(date, zone_name)?;
    let heart_rate_data = (!day.heart_rate.is_empty()).then(|| HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: averages(&day.heart_rate, |s| s.bpm),
            max_hr_bpm: day.heart_rate.iter().filter_map(|s| s.bpm).reduce(f64::max),
            min_hr_bpm: day.heart_rate.iter().filter_map(|s| s.bpm).reduce(f64::min),
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: Some(day.heart_rate.clone()),
            ..HeartRateDataDetailed::default()
        }),
    });
    let heart_data = (heart_rate_data.is_some() || !day.pulse_wave.is_empty()).then(|| HeartData {
        heart_rate_data,
        pulse_wave_velocity_samples: non_empty(day.pulse_wave.clone()),
        ..HeartData::default()
    });
    let oxygen_data = (!day.saturation.is_empty() || !day.vo2.is_empty()).then(|| OxygenData {
        avg_saturation_percentage: averages(&day.saturation, |s| s.percentage),
        saturation_samples: non_empty(day.saturation.clone()),
        vo2max_ml_per_min_per_kg: day.vo2.last().and_then(|s| s.vo2max_ml_per_min_per_kg),
        vo2_samples: non_empty(day.vo2.clone()),
        ..OxygenData::default()
    });
    let temperature_data = (!day.body_temperature.is_empty() || !day.skin_temperature.is_empty())
        .then(|| TemperatureData {
            day_avg_body_temperature_celsius: averages(&day.body_temperature, |s| {
                s.temperature_celsius
            }),
            day_avg_skin_temperature_celsius: averages(&day.skin_temperature, |s| {
                s.temperature_celsius
            }),
            body_temperature_samples: non_empty(day.body_temperature.clone()),
            skin_temperature_samples: non_empty(day.skin_temperature.clone()),
            ..TemperatureData::default()
        });
    let blood_pressure_data = (!day.blood_pressure.is_empty()).then(|| BloodPressureData {
        day_avg_systolic_bp: averages(&day.blood_pressure, |s| s.systolic_bp),
        day_avg_diastolic_bp: averages(&day.blood_pressure, |s| s.diastolic_bp),
        blood_pressure_samples: Some(day.blood_pressure.clone()),
    });
    let measurements_data = (!day.measurements.is_empty()).then(|| measurements(&day.measurements));
    // A day of only unmapped types (ECG results, nerve-health scores, ...) is no record.
    if measurements_data.is_none()
        && blood_pressure_data.is_none()
        && heart_data.is_none()
        && oxygen_data.is_none()
        && temperature_data.is_none()
    {
        return None;
    }
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
        temperature_data,
        device_data: Some(device(
            (!day.models.is_empty()).then(|| day.models.join(", ")),
        )),
        ..Body::default()
    })
}

fn measurements(samples: &[MeasurementDataSample]) -> MeasurementsData {
    MeasurementsData {
        day_avg_weight_kg: averages(samples, |s| s.weight_kg),
        day_avg_bodyfat_percentage: averages(samples, |s| s.bodyfat_percentage),
        day_avg_height_cm: averages(samples, |s| s.height_cm),
        day_avg_lean_mass_g: averages(samples, |s| s.lean_mass_g),
        day_avg_muscle_mass_g: averages(samples, |s| s.muscle_mass_g),
        day_avg_bone_mass_g: averages(samples, |s| s.bone_mass_g),
        day_avg_water_percentage: averages(samples, |s| s.water_percentage),
        day_avg_visceral_fat_level: averages(samples, |s| s.visceral_fat_level),
        measurements: Some(samples.to_vec()),
        ..MeasurementsData::default()
    }
}
