//! Terra Body (weigh-ins, blood pressure, glucose, SpO2, temperature) and Menstruation,
//! one record per local day that has any.

use chrono::{FixedOffset, NaiveDate};
use wearbridge_model::{
    BloodPressureData, BloodPressureSample, Body, BodyMetadata, GlucoseData, GlucoseDataSample,
    MeasurementDataSample, MeasurementsData, Menstruation, MenstruationData, MenstruationFlow,
    MenstruationFlowSample, MenstruationMetadata, OxygenData, OxygenSaturationSample,
    OxygenSaturationType, TemperatureData, TemperatureSample,
};

use super::{average, day_bounds, device, ts};
use crate::apple_health::collect::{DayData, Point};

pub fn body(date: NaiveDate, offset: FixedOffset, day: &DayData) -> Option<Body> {
    let any = [
        &day.weight,
        &day.body_fat,
        &day.bmi,
        &day.height_cm,
        &day.glucose,
        &day.spo2,
        &day.temperature,
    ]
    .iter()
    .any(|points| !points.is_empty());
    if !any && day.blood_pressure.is_empty() {
        return None;
    }
    let (start_time, end_time) = day_bounds(date, offset)?;
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        measurements_data: measurements(day),
        blood_pressure_data: blood_pressure(day),
        glucose_data: (!day.glucose.is_empty()).then(|| GlucoseData {
            blood_glucose_samples: Some(
                day.glucose
                    .iter()
                    .map(|p| GlucoseDataSample {
                        timestamp: Some(ts(p.at)),
                        blood_glucose_mg_per_dl: Some(p.value),
                        ..GlucoseDataSample::default()
                    })
                    .collect(),
            ),
            day_avg_blood_glucose_mg_per_dl: average(&day.glucose),
            ..GlucoseData::default()
        }),
        oxygen_data: (!day.spo2.is_empty()).then(|| OxygenData {
            avg_saturation_percentage: average(&day.spo2),
            saturation_samples: Some(
                day.spo2
                    .iter()
                    .map(|p| OxygenSaturationSample {
                        timestamp: Some(ts(p.at)),
                        percentage: Some(p.value),
                        r#type: Some(OxygenSaturationType::Blood),
                    })
                    .collect(),
            ),
            ..OxygenData::default()
        }),
        temperature_data: (!day.temperature.is_empty()).then(|| TemperatureData {
            body_temperature_samples: Some(day.temperature.iter().map(temperature).collect()),
            day_avg_body_temperature_celsius: average(&day.temperature),
            ..TemperatureData::default()
        }),
        device_data: Some(device()),
        ..Body::default()
    })
}

fn temperature(point: &Point) -> TemperatureSample {
    TemperatureSample {
        timestamp: Some(ts(point.at)),
        temperature_celsius: Some(point.value),
    }
}

/// One measurement sample per weigh-in time; body fat and BMI join the weight taken at
/// the same instant.
fn measurements(day: &DayData) -> Option<MeasurementsData> {
    let mut times: Vec<_> = [&day.weight, &day.body_fat, &day.bmi, &day.height_cm]
        .iter()
        .flat_map(|points| points.iter().map(|p| p.at))
        .collect();
    if times.is_empty() {
        return None;
    }
    times.sort();
    times.dedup();
    let at = |points: &[Point], time| points.iter().find(|p| p.at == time).map(|p| p.value);
    let samples = times
        .iter()
        .map(|time| MeasurementDataSample {
            measurement_time: Some(ts(*time)),
            weight_kg: at(&day.weight, *time),
            bodyfat_percentage: at(&day.body_fat, *time),
            bmi: at(&day.bmi, *time),
            height_cm: at(&day.height_cm, *time),
            ..MeasurementDataSample::default()
        })
        .collect();
    Some(MeasurementsData {
        measurements: Some(samples),
        day_avg_weight_kg: average(&day.weight),
        day_avg_bodyfat_percentage: average(&day.body_fat),
        day_avg_bmi: average(&day.bmi),
        day_avg_height_cm: average(&day.height_cm),
        ..MeasurementsData::default()
    })
}

fn blood_pressure(day: &DayData) -> Option<BloodPressureData> {
    if day.blood_pressure.is_empty() {
        return None;
    }
    let count = day.blood_pressure.len() as f64;
    Some(BloodPressureData {
        blood_pressure_samples: Some(
            day.blood_pressure
                .iter()
                .map(|(at, systolic, diastolic)| BloodPressureSample {
                    timestamp: Some(ts(*at)),
                    systolic_bp: Some(*systolic),
                    diastolic_bp: Some(*diastolic),
                })
                .collect(),
        ),
        day_avg_systolic_bp: Some(day.blood_pressure.iter().map(|b| b.1).sum::<f64>() / count),
        day_avg_diastolic_bp: Some(day.blood_pressure.iter().map(|b| b.2).sum::<f64>() / count),
    })
}

/// HealthKit's flow values; "unspecified" bleeding is Terra's lightest level.
fn flow(value: &str) -> MenstruationFlow {
    match value.strip_prefix("HKCategoryValueMenstrualFlow") {
        Some("None") => MenstruationFlow::None,
        Some("Light" | "Unspecified") => MenstruationFlow::Light,
        Some("Medium") => MenstruationFlow::Medium,
        Some("Heavy") => MenstruationFlow::Heavy,
        _ => MenstruationFlow::Unknown,
    }
}

/// A day with menstrual flow logged. Apple's export has no cycle model (day in cycle,
/// phase): only what was logged is mapped.
pub fn menstruation(date: NaiveDate, offset: FixedOffset, day: &DayData) -> Option<Menstruation> {
    let (value, first_day) = day.menstrual_flow.as_ref()?;
    let (start_time, end_time) = day_bounds(date, offset)?;
    Some(Menstruation {
        metadata: MenstruationMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        menstruation_data: Some(MenstruationData {
            period_start_date: first_day.then(|| date.format("%Y-%m-%d").to_string()),
            menstruation_flow: Some(vec![MenstruationFlowSample {
                timestamp: Some(start_time),
                flow: Some(flow(value)),
            }]),
            ..MenstruationData::default()
        }),
    })
}
