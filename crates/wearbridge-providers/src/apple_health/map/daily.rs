//! Terra Daily: one per local day with activity or heart-rate data.

use chrono::{FixedOffset, NaiveDate};
use wearbridge_model::{
    CaloriesData, Daily, DailyDistanceData, DailyMetadata, HeartRateData, HeartRateDataDetailed,
    HeartRateDataSample, HeartRateDataSummary, HeartRateVariabilityDataSampleSdnn, UploadType,
};

use super::{average, day_bounds, device, max, min, ts};
use crate::apple_health::collect::DayData;
use crate::apple_health::dedup::deduplicated_sum;
use crate::apple_health::units::Summed;

/// The day's de-duplicated total of one summed quantity (`None`: no samples).
pub fn summed(day: &DayData, quantity: Summed) -> Option<f64> {
    let samples = day.summed.get(quantity.index())?;
    if samples.is_empty() {
        return None;
    }
    let mut samples = samples.clone();
    Some(deduplicated_sum(&mut samples))
}

pub fn daily(date: NaiveDate, offset: FixedOffset, day: &DayData) -> Option<Daily> {
    let has_activity = day.summed.iter().any(|samples| !samples.is_empty());
    if !has_activity && day.heart_rate.is_empty() && day.resting_hr.is_empty() {
        return None;
    }
    let (start_time, end_time) = day_bounds(date, offset)?;
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: UploadType::Automatic,
            timestamp_localization: None,
        },
        distance_data: Some(distance(day)),
        calories_data: Some(calories(day)),
        heart_rate_data: Some(heart_rate(day)),
        device_data: Some(device()),
        ..Daily::default()
    })
}

fn distance(day: &DayData) -> DailyDistanceData {
    let metres = [
        Summed::DistanceWalkingRunning,
        Summed::DistanceCycling,
        Summed::DistanceSwimming,
    ]
    .into_iter()
    .filter_map(|quantity| summed(day, quantity))
    .reduce(|a, b| a + b);
    DailyDistanceData {
        steps: summed(day, Summed::Steps).map(|steps| steps.round() as i64),
        distance_meters: metres.map(|m| (m * 10.0).round() / 10.0),
        floors_climbed: summed(day, Summed::Floors).map(|floors| floors.round() as i64),
        ..DailyDistanceData::default()
    }
}

fn calories(day: &DayData) -> CaloriesData {
    let active = summed(day, Summed::ActiveEnergy);
    let basal = summed(day, Summed::BasalEnergy);
    let total = match (active, basal) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    };
    CaloriesData {
        net_activity_calories: active,
        bmr_calories: basal,
        total_burned_calories: total,
        ..CaloriesData::default()
    }
}

fn heart_rate(day: &DayData) -> HeartRateData {
    let mut samples = day.heart_rate.clone();
    samples.sort_by_key(|p| p.at);
    HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: average(&samples),
            min_hr_bpm: min(&samples),
            max_hr_bpm: max(&samples),
            resting_hr_bpm: day.resting_hr.last().map(|p| p.value),
            avg_hrv_sdnn: average(&day.hrv_sdnn),
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: Some(
                samples
                    .iter()
                    .map(|p| HeartRateDataSample {
                        timestamp: Some(ts(p.at)),
                        bpm: Some(p.value),
                        ..HeartRateDataSample::default()
                    })
                    .collect(),
            ),
            hrv_samples_sdnn: (!day.hrv_sdnn.is_empty()).then(|| {
                day.hrv_sdnn
                    .iter()
                    .map(|p| HeartRateVariabilityDataSampleSdnn {
                        timestamp: Some(ts(p.at)),
                        hrv_sdnn: Some(p.value),
                    })
                    .collect()
            }),
            ..HeartRateDataDetailed::default()
        }),
    }
}
