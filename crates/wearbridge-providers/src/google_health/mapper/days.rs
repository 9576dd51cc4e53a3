//! Day-scoped records: Terra Daily (steps, distance, floors, calories, heart rate, resting
//! heart rate, VO2 max) and Body (weight, body fat, resting heart rate, HRV, SpO2, core body
//! temperature), one record per local day that has any of its data.

use std::collections::BTreeMap;

use chrono::{FixedOffset, NaiveDate};
use wearbridge_model::{
    Body, BodyMetadata, CaloriesData, Daily, DailyDistanceData, DailyMetadata, HeartData,
    HeartRateData, HeartRateDataDetailed, HeartRateDataSample, HeartRateDataSummary,
    HeartRateVariabilityDataSampleRmssd, HeartRateVariabilityDataSampleSdnn, MeasurementDataSample,
    MeasurementsData, OxygenData, OxygenSaturationSample, OxygenSaturationType, TemperatureData,
    TemperatureSample, Timestamp, UploadType,
};

use super::{day_bounds, device, mean, non_negative, sum, ts, wire};

/// Everything of one local day.
#[derive(Default)]
struct Day<'a> {
    /// The offset of the day's first timed point.
    offset: Option<FixedOffset>,
    points: Vec<&'a wire::DataPoint>,
    steps: Vec<Option<f64>>,
    distance_mm: Vec<Option<f64>>,
    floors: Vec<Option<f64>>,
    active_kcal: Vec<Option<f64>>,
    basal_kcal: Vec<Option<f64>>,
    heart_rate: Vec<(Timestamp, f64)>,
    resting_bpm: Option<f64>,
    /// `daily-vo2-max`, mL/kg/min.
    vo2_max: Option<f64>,
    weights: Vec<(Timestamp, Option<f64>, Option<String>)>,
    body_fat: Vec<(Timestamp, f64)>,
    rmssd: Vec<(Timestamp, f64)>,
    sdnn: Vec<(Timestamp, f64)>,
    daily_rmssd: Option<f64>,
    spo2: Vec<(Timestamp, f64)>,
    daily_spo2: Option<f64>,
    temperature: Vec<(Timestamp, f64)>,
}

impl Day<'_> {
    fn has_daily(&self) -> bool {
        [
            &self.steps,
            &self.distance_mm,
            &self.floors,
            &self.active_kcal,
            &self.basal_kcal,
        ]
        .iter()
        .any(|values| !values.is_empty())
            || !self.heart_rate.is_empty()
            || self.resting_bpm.is_some()
            || self.vo2_max.is_some()
    }

    fn has_body(&self) -> bool {
        !(self.weights.is_empty()
            && self.body_fat.is_empty()
            && self.rmssd.is_empty()
            && self.sdnn.is_empty()
            && self.spo2.is_empty()
            && self.temperature.is_empty())
            || self.daily_rmssd.is_some()
            || self.daily_spo2.is_some()
            || self.resting_bpm.is_some()
    }
}

fn count(value: Option<i64>) -> Option<f64> {
    value.filter(|value| *value >= 0).map(|value| value as f64)
}

/// Groups `points` by local day.
fn group(points: &[wire::DataPoint]) -> BTreeMap<NaiveDate, Day<'_>> {
    let mut days: BTreeMap<NaiveDate, Day<'_>> = BTreeMap::new();
    let timed = |days: &mut BTreeMap<NaiveDate, Day<'_>>, at: chrono::DateTime<FixedOffset>| {
        let day = days.entry(at.date_naive()).or_default();
        day.offset.get_or_insert(*at.offset());
        at.date_naive()
    };
    for point in points {
        let interval_day = |days: &mut BTreeMap<_, _>, interval: &wire::Interval| {
            timed(
                days,
                wire::local(interval.start_time, interval.start_utc_offset),
            )
        };
        let sample = |days: &mut BTreeMap<_, _>, time: &wire::SampleTime| {
            let at = wire::local(time.physical_time, time.utc_offset);
            (timed(days, at), ts(at))
        };
        let date = if let Some(steps) = &point.steps {
            let date = interval_day(&mut days, &steps.interval);
            entry(&mut days, date).steps.push(count(steps.count));
            Some(date)
        } else if let Some(distance) = &point.distance {
            let date = interval_day(&mut days, &distance.interval);
            entry(&mut days, date)
                .distance_mm
                .push(count(distance.millimeters));
            Some(date)
        } else if let Some(floors) = &point.floors {
            let date = interval_day(&mut days, &floors.interval);
            entry(&mut days, date).floors.push(count(floors.count));
            Some(date)
        } else if let Some(energy) = &point.active_energy_burned {
            let date = interval_day(&mut days, &energy.interval);
            entry(&mut days, date)
                .active_kcal
                .push(non_negative(energy.kcal));
            Some(date)
        } else if let Some(energy) = &point.basal_energy_burned {
            let date = interval_day(&mut days, &energy.interval);
            entry(&mut days, date)
                .basal_kcal
                .push(non_negative(energy.kcal));
            Some(date)
        } else if let Some(reading) = &point.heart_rate {
            let (date, at) = sample(&mut days, &reading.sample_time);
            if let Some(bpm) = count(reading.beats_per_minute) {
                entry(&mut days, date).heart_rate.push((at, bpm));
            }
            Some(date)
        } else if let Some(resting) = &point.daily_resting_heart_rate {
            let date = resting.date.naive();
            if let Some(date) = date {
                entry(&mut days, date).resting_bpm = count(resting.beats_per_minute);
            }
            date
        } else if let Some(vo2) = &point.daily_vo2_max {
            let date = vo2.date.naive();
            if let Some(date) = date {
                entry(&mut days, date).vo2_max = non_negative(vo2.vo2_max);
            }
            date
        } else if let Some(weight) = &point.weight {
            let (date, at) = sample(&mut days, &weight.sample_time);
            let kg = non_negative(weight.weight_grams).map(|grams| grams / 1000.0);
            let notes = weight.notes.clone();
            entry(&mut days, date).weights.push((at, kg, notes));
            Some(date)
        } else if let Some(fat) = &point.body_fat {
            let (date, at) = sample(&mut days, &fat.sample_time);
            if let Some(percent) = non_negative(fat.percentage) {
                entry(&mut days, date).body_fat.push((at, percent));
            }
            Some(date)
        } else if let Some(hrv) = &point.heart_rate_variability {
            let (date, at) = sample(&mut days, &hrv.sample_time);
            let day = entry(&mut days, date);
            let rmssd = hrv.root_mean_square_of_successive_differences_milliseconds;
            if let Some(rmssd) = non_negative(rmssd) {
                day.rmssd.push((at, rmssd));
            }
            if let Some(sdnn) = non_negative(hrv.standard_deviation_milliseconds) {
                day.sdnn.push((at, sdnn));
            }
            Some(date)
        } else if let Some(hrv) = &point.daily_heart_rate_variability {
            let date = hrv.date.naive();
            if let Some(date) = date {
                entry(&mut days, date).daily_rmssd =
                    non_negative(hrv.average_heart_rate_variability_milliseconds);
            }
            date
        } else if let Some(spo2) = &point.oxygen_saturation {
            let (date, at) = sample(&mut days, &spo2.sample_time);
            if let Some(percent) = non_negative(spo2.percentage) {
                entry(&mut days, date).spo2.push((at, percent));
            }
            Some(date)
        } else if let Some(spo2) = &point.daily_oxygen_saturation {
            let date = spo2.date.naive();
            if let Some(date) = date {
                entry(&mut days, date).daily_spo2 = non_negative(spo2.average_percentage);
            }
            date
        } else if let Some(temperature) = &point.core_body_temperature {
            let (date, at) = sample(&mut days, &temperature.sample_time);
            if let Some(celsius) = temperature.temperature_celsius.filter(|c| c.is_finite()) {
                entry(&mut days, date).temperature.push((at, celsius));
            }
            Some(date)
        } else {
            None
        };
        if let Some(date) = date {
            entry(&mut days, date).points.push(point);
        }
    }
    days
}

fn entry<'m, 'a>(days: &'m mut BTreeMap<NaiveDate, Day<'a>>, date: NaiveDate) -> &'m mut Day<'a> {
    days.entry(date).or_default()
}

fn values(points: &[(Timestamp, f64)]) -> Vec<f64> {
    points.iter().map(|(_, value)| *value).collect()
}

fn min(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::min)
}

fn max(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::max)
}

fn bpm_samples(points: &[(Timestamp, f64)]) -> Vec<HeartRateDataSample> {
    points
        .iter()
        .map(|(timestamp, bpm)| HeartRateDataSample {
            timestamp: Some(*timestamp),
            bpm: Some(*bpm),
            ..HeartRateDataSample::default()
        })
        .collect()
}

/// One Daily per local day with steps, distance, floors, energy or heart rate.
/// Calories: Google splits a day's energy into active and basal (BMR) burn, so Terra's
/// total is their sum, but only when both are known (a total from one half would be wrong).
pub fn dailies(points: &[wire::DataPoint]) -> Vec<Daily> {
    group(points)
        .into_iter()
        .filter(|(_, day)| day.has_daily())
        .filter_map(|(date, day)| {
            let (start_time, end_time) = day_bounds(date, day.offset)?;
            let active = sum(day.active_kcal.iter().copied());
            let basal = sum(day.basal_kcal.iter().copied());
            let bpm = values(&day.heart_rate);
            Some(Daily {
                metadata: DailyMetadata {
                    start_time,
                    end_time,
                    upload_type: UploadType::Automatic,
                    timestamp_localization: None,
                },
                distance_data: Some(DailyDistanceData {
                    steps: sum(day.steps.iter().copied()).map(|steps| steps.round() as i64),
                    distance_meters: sum(day.distance_mm.iter().copied()).map(|mm| mm / 1000.0),
                    floors_climbed: sum(day.floors.iter().copied())
                        .map(|floors| floors.round() as i64),
                    ..DailyDistanceData::default()
                }),
                calories_data: Some(CaloriesData {
                    net_activity_calories: active,
                    bmr_calories: basal,
                    total_burned_calories: active.zip(basal).map(|(a, b)| a + b),
                    ..CaloriesData::default()
                }),
                heart_rate_data: Some(HeartRateData {
                    summary: Some(HeartRateDataSummary {
                        avg_hr_bpm: mean(&bpm),
                        min_hr_bpm: min(&bpm),
                        max_hr_bpm: max(&bpm),
                        resting_hr_bpm: day.resting_bpm,
                        ..HeartRateDataSummary::default()
                    }),
                    detailed: Some(HeartRateDataDetailed {
                        hr_samples: Some(bpm_samples(&day.heart_rate)),
                        ..HeartRateDataDetailed::default()
                    }),
                }),
                oxygen_data: day.vo2_max.map(|vo2| OxygenData {
                    vo2max_ml_per_min_per_kg: Some(vo2),
                    ..OxygenData::default()
                }),
                device_data: Some(device(&day.points)),
                ..Daily::default()
            })
        })
        .collect()
}

/// One Body per local day with a measurement: weight and body fat (joined into one
/// measurement sample when taken at the same instant, as a smart scale does), resting heart
/// rate, HRV (RMSSD and SDNN kept apart), SpO2 and core body temperature.
pub fn bodies(points: &[wire::DataPoint]) -> Vec<Body> {
    group(points)
        .into_iter()
        .filter(|(_, day)| day.has_body())
        .filter_map(|(date, day)| {
            let (start_time, end_time) = day_bounds(date, day.offset)?;
            let weights: Vec<f64> = day.weights.iter().filter_map(|(_, kg, _)| *kg).collect();
            let fat = values(&day.body_fat);
            let rmssd = values(&day.rmssd);
            let sdnn = values(&day.sdnn);
            let spo2 = values(&day.spo2);
            let temperature = values(&day.temperature);
            Some(Body {
                metadata: BodyMetadata {
                    start_time,
                    end_time,
                    timestamp_localization: None,
                },
                measurements_data: (!(day.weights.is_empty() && day.body_fat.is_empty())).then(
                    || MeasurementsData {
                        measurements: Some(measurements(&day)),
                        day_avg_weight_kg: mean(&weights),
                        day_avg_bodyfat_percentage: mean(&fat),
                        ..MeasurementsData::default()
                    },
                ),
                heart_data: Some(HeartData {
                    heart_rate_data: Some(HeartRateData {
                        summary: Some(HeartRateDataSummary {
                            resting_hr_bpm: day.resting_bpm,
                            // The day's own figure first (Google's nightly RMSSD), else the
                            // mean of the readings.
                            avg_hrv_rmssd: day.daily_rmssd.or_else(|| mean(&rmssd)),
                            avg_hrv_sdnn: mean(&sdnn),
                            ..HeartRateDataSummary::default()
                        }),
                        detailed: Some(HeartRateDataDetailed {
                            hrv_samples_rmssd: Some(
                                day.rmssd
                                    .iter()
                                    .map(|(t, v)| HeartRateVariabilityDataSampleRmssd {
                                        timestamp: Some(*t),
                                        hrv_rmssd: Some(*v),
                                    })
                                    .collect(),
                            ),
                            hrv_samples_sdnn: Some(
                                day.sdnn
                                    .iter()
                                    .map(|(t, v)| HeartRateVariabilityDataSampleSdnn {
                                        timestamp: Some(*t),
                                        hrv_sdnn: Some(*v),
                                    })
                                    .collect(),
                            ),
                            hr_samples: None,
                        }),
                    }),
                    ..HeartData::default()
                }),
                oxygen_data: (day.daily_spo2.is_some() || !spo2.is_empty()).then(|| OxygenData {
                    avg_saturation_percentage: day.daily_spo2.or_else(|| mean(&spo2)),
                    saturation_samples: Some(
                        day.spo2
                            .iter()
                            .map(|(t, v)| OxygenSaturationSample {
                                timestamp: Some(*t),
                                percentage: Some(*v),
                                r#type: Some(OxygenSaturationType::Blood),
                            })
                            .collect(),
                    ),
                    ..OxygenData::default()
                }),
                temperature_data: (!temperature.is_empty()).then(|| TemperatureData {
                    body_temperature_samples: Some(
                        day.temperature
                            .iter()
                            .map(|(t, v)| TemperatureSample {
                                timestamp: Some(*t),
                                temperature_celsius: Some(*v),
                            })
                            .collect(),
                    ),
                    day_avg_body_temperature_celsius: mean(&temperature),
                    ..TemperatureData::default()
                }),
                device_data: Some(device(&day.points)),
                ..Body::default()
            })
        })
        .collect()
}

/// Weight and body-fat samples in time order, one sample per instant.
fn measurements(day: &Day<'_>) -> Vec<MeasurementDataSample> {
    let mut samples: Vec<MeasurementDataSample> = Vec::new();
    let at = |samples: &mut Vec<MeasurementDataSample>, time: Timestamp| -> usize {
        match samples
            .iter()
            .position(|sample| sample.measurement_time == Some(time))
        {
            Some(index) => index,
            None => {
                samples.push(MeasurementDataSample {
                    measurement_time: Some(time),
                    ..MeasurementDataSample::default()
                });
                samples.len() - 1
            }
        }
    };
    for (time, kg, notes) in &day.weights {
        let index = at(&mut samples, *time);
        samples[index].weight_kg = *kg;
        samples[index].user_notes.clone_from(notes);
    }
    for (time, percent) in &day.body_fat {
        let index = at(&mut samples, *time);
        samples[index].bodyfat_percentage = Some(*percent);
    }
    samples.sort_by_key(|sample| sample.measurement_time.and_then(|t| t.to_datetime()));
    samples
}
