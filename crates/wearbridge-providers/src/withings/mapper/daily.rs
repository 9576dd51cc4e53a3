//! Terra Daily from `getactivity`, with the day's samples from `getintradayactivity`.

use chrono::NaiveDate;
use wearbridge_model::{
    ActiveDurationsData, CalorieSample, CaloriesData, Daily, DailyDistanceData, DailyMetadata,
    DistanceDataDetailed, DistanceSample, ElevationData, HeartRateData, HeartRateDataDetailed,
    HeartRateDataSample, HeartRateDataSummary, OxygenData, OxygenSaturationSample,
    OxygenSaturationType, StepSample, Timestamp, UploadType,
};

use super::common::{
    MAX_SAMPLES, averages, count, day_bounds, device, finite, hr_zones, local_at, measured,
    non_empty, parse_day,
};
use crate::withings::wire;

/// One activity day, local midnight to midnight in the day's zone.
pub fn daily(day: &wire::ActivityDay) -> Option<Daily> {
    let date = parse_day(&day.date)?;
    let (start_time, end_time) = day_bounds(date, day.timezone.as_deref())?;
    let has_hr = [day.hr_average, day.hr_min, day.hr_max]
        .iter()
        .any(|v| measured(*v).is_some());
    Some(Daily {
        metadata: DailyMetadata {
            start_time,
            end_time,
            upload_type: UploadType::Automatic,
            timestamp_localization: None,
        },
        distance_data: Some(DailyDistanceData {
            steps: count(day.steps),
            distance_meters: finite(day.distance),
            elevation: finite(day.elevation).map(|gain| ElevationData {
                gain_actual_meters: Some(gain),
                ..ElevationData::default()
            }),
            ..DailyDistanceData::default()
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: finite(day.totalcalories),
            net_activity_calories: finite(day.calories),
            ..CaloriesData::default()
        }),
        active_durations_data: Some(ActiveDurationsData {
            activity_seconds: finite(day.active),
            low_intensity_seconds: finite(day.soft),
            moderate_intensity_seconds: finite(day.moderate),
            vigorous_intensity_seconds: finite(day.intense),
            ..ActiveDurationsData::default()
        }),
        heart_rate_data: has_hr.then(|| HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: measured(day.hr_average),
                min_hr_bpm: measured(day.hr_min),
                max_hr_bpm: measured(day.hr_max),
                hr_zone_data: hr_zones([
                    day.hr_zone_0,
                    day.hr_zone_1,
                    day.hr_zone_2,
                    day.hr_zone_3,
                ]),
                ..HeartRateDataSummary::default()
            }),
            detailed: None,
        }),
        device_data: Some(device(day.model.clone())),
        ..Daily::default()
    })
}

/// The intraday samples of one local day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaySamples {
    pub steps: Vec<StepSample>,
    pub distance: Vec<DistanceSample>,
    pub calories: Vec<CalorieSample>,
    pub heart_rate: Vec<HeartRateDataSample>,
    pub saturation: Vec<OxygenSaturationSample>,
}

/// Intraday points grouped by the local day (in `zone_name`) they start in, in time order.
pub fn intraday_days(
    answer: &wire::IntradayBody,
    zone_name: Option<&str>,
) -> Vec<(NaiveDate, DaySamples)> {
    let wire::IntradaySeries::Points(points) = &answer.series else {
        return Vec::new();
    };
    let mut sorted: Vec<(i64, &wire::IntradayPoint)> = points
        .iter()
        .filter_map(|(key, point)| Some((key.parse::<i64>().ok()?, point)))
        .take(MAX_SAMPLES)
        .collect();
    sorted.sort_by_key(|(epoch, _)| *epoch);
    let mut days: Vec<(NaiveDate, DaySamples)> = Vec::new();
    for (epoch, point) in sorted {
        let Some(at) = local_at(epoch, zone_name) else {
            continue;
        };
        let date = at.date_naive();
        if days.last().is_none_or(|(d, _)| *d != date) {
            days.push((date, DaySamples::default()));
        }
        if let Some((_, samples)) = days.last_mut() {
            add_point(samples, Timestamp::from_datetime(at), point);
        }
    }
    days
}

fn add_point(samples: &mut DaySamples, at: Timestamp, point: &wire::IntradayPoint) {
    if let Some(steps) = finite(point.steps) {
        samples.steps.push(StepSample {
            timestamp: Some(at),
            steps: Some(steps),
            timer_duration_seconds: None,
        });
    }
    if let Some(meters) = finite(point.distance) {
        samples.distance.push(DistanceSample {
            timestamp: Some(at),
            distance_meters: Some(meters),
            timer_duration_seconds: None,
        });
    }
    if let Some(kcal) = finite(point.calories) {
        samples.calories.push(CalorieSample {
            timestamp: Some(at),
            calories: Some(kcal),
            timer_duration_seconds: None,
        });
    }
    if let Some(bpm) = measured(point.heart_rate) {
        samples.heart_rate.push(HeartRateDataSample {
            timestamp: Some(at),
            bpm: Some(bpm),
            ..HeartRateDataSample::default()
        });
    }
    if let Some(percentage) = measured(point.spo2_auto) {
        samples.saturation.push(OxygenSaturationSample {
            timestamp: Some(at),
            percentage: Some(percentage),
            r#type: Some(OxygenSaturationType::Blood),
        });
    }
}

/// Adds a day's intraday samples to its Daily record. Terra's step and distance samples
/// are per-interval amounts here (Withings reports each interval's own steps and metres).
pub fn attach_samples(daily: &mut Daily, samples: DaySamples) {
    let distance = daily
        .distance_data
        .get_or_insert_with(DailyDistanceData::default);
    distance.detailed = Some(DistanceDataDetailed {
        step_samples: non_empty(samples.steps),
        distance_samples: non_empty(samples.distance),
        ..DistanceDataDetailed::default()
    });
    daily
        .calories_data
        .get_or_insert_with(CaloriesData::default)
        .calorie_samples = non_empty(samples.calories);
    if !samples.heart_rate.is_empty() {
        let heart = daily
            .heart_rate_data
            .get_or_insert_with(HeartRateData::default);
        heart.detailed = Some(HeartRateDataDetailed {
            hr_samples: Some(samples.heart_rate),
            ..HeartRateDataDetailed::default()
        });
    }
    if !samples.saturation.is_empty() {
        let oxygen = daily.oxygen_data.get_or_insert_with(OxygenData::default);
        oxygen.avg_saturation_percentage = averages(&samples.saturation, |s| s.percentage);
        oxygen.saturation_samples = Some(samples.saturation);
    }
}

/// An intraday answer on its own (`providers map`): one Daily per local day holding only
/// the samples (the day's totals come from `getactivity`).
pub fn intraday(answer: &wire::IntradayBody, zone_name: Option<&str>) -> Vec<Daily> {
    intraday_days(answer, zone_name)
        .into_iter()
        .filter_map(|(date, samples)| {
            let (start_time, end_time) = day_bounds(date, zone_name)?;
            let mut daily = Daily {
                metadata: DailyMetadata {
                    start_time,
                    end_time,
                    upload_type: UploadType::Automatic,
                    timestamp_localization: None,
                },
                device_data: Some(device(None)),
                ..Daily::default()
            };
            attach_samples(&mut daily, samples);
            Some(daily)
        })
        .collect()
}
