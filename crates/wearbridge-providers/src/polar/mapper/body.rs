//! Terra Body of one date: continuous heart rate and Nightly Recharge.

use chrono::NaiveDateTime;
use wearbridge_model::{
    Body, BodyMetadata, HeartData, HeartRateData, HeartRateDataDetailed, HeartRateDataSummary,
    Timestamp,
};

use super::common::{
    MAX_SAMPLES, bpm_samples, device, local_day_bounds, max_of, mean, min_of, non_negative,
    rmssd_samples,
};
use crate::polar::time::{clock_time, date, in_night_local};
use crate::polar::wire;

/// One day's Body record: the day's continuous heart rate (5-minute averages, local
/// device time) and the Nightly Recharge of the night that ended that morning (average
/// heart rate and RMSSD of the recharge window, 5-minute RMSSD samples). Either may be
/// absent; `None` when both are, or when the dates disagree or do not parse.
pub fn body_day(
    heart: Option<&wire::ContinuousHeartRate>,
    recharge: Option<&wire::NightlyRecharge>,
) -> Option<Body> {
    let day = match (heart, recharge) {
        (Some(heart), Some(recharge)) => {
            let day = date(&heart.date)?;
            (date(&recharge.date)? == day).then_some(day)?
        }
        (Some(heart), None) => date(&heart.date)?,
        (None, Some(recharge)) => date(&recharge.date)?,
        (None, None) => return None,
    };
    let (start_time, end_time) = local_day_bounds(day)?;
    let readings: Vec<(Timestamp, f64)> = heart
        .map(|heart| heart.heart_rate_samples.as_slice())
        .unwrap_or_default()
        .iter()
        .take(MAX_SAMPLES)
        .filter_map(|sample| {
            let bpm = non_negative(sample.heart_rate)?;
            let clock = clock_time(sample.sample_time.as_deref()?)?;
            Some((Timestamp::from_local(day.and_time(clock)), bpm))
        })
        .collect();
    let mut hrv: Vec<(NaiveDateTime, f64)> = recharge
        .and_then(|r| r.hrv_samples.as_ref())
        .into_iter()
        .flatten()
        .take(MAX_SAMPLES)
        .filter_map(|(key, value)| {
            let value = value.filter(|v| v.is_finite())?;
            Some((in_night_local(day, clock_time(key)?)?, value))
        })
        .collect();
    hrv.sort_by_key(|(at, _)| *at);
    let bpm: Vec<f64> = readings.iter().map(|(_, v)| *v).collect();
    Some(Body {
        metadata: BodyMetadata {
            start_time,
            end_time,
            timestamp_localization: None,
        },
        heart_data: Some(HeartData {
            heart_rate_data: Some(HeartRateData {
                summary: Some(HeartRateDataSummary {
                    avg_hr_bpm: mean(&bpm),
                    min_hr_bpm: min_of(&bpm),
                    max_hr_bpm: max_of(&bpm),
                    avg_hrv_rmssd: recharge
                        .and_then(|r| non_negative(r.heart_rate_variability_avg)),
                    ..HeartRateDataSummary::default()
                }),
                detailed: Some(HeartRateDataDetailed {
                    hr_samples: heart.map(|_| bpm_samples(readings.iter().copied())),
                    hrv_samples_rmssd: recharge.map(|_| {
                        rmssd_samples(hrv.iter().map(|(at, v)| (Timestamp::from_local(*at), *v)))
                    }),
                    hrv_samples_sdnn: None,
                }),
            }),
            ..HeartData::default()
        }),
        device_data: Some(device(None)),
        ..Body::default()
    })
}
