//! Terra Sleep from sleep `getsummary`, with the night's series from sleep `get`.

use wearbridge_model::{
    AsleepDurations, AwakeDurations, BreathSample, BreathsData, HeartRateData,
    HeartRateDataDetailed, HeartRateDataSample, HeartRateDataSummary,
    HeartRateVariabilityDataSampleRmssd, HeartRateVariabilityDataSampleSdnn, OtherSleepDurations,
    RespirationData, Sleep, SleepDurationsData, SleepHypnogramSample, SleepLevel, SleepMetadata,
    SleepScores, SleepUploadType, SnoringData, Timestamp,
};

use super::common::{
    MAX_SAMPLES, count, device, finite, local_at, mean, measured, model_name, non_empty, ts_at,
};
use crate::withings::wire;

/// Withings's sleep state as Terra's level (0 awake, 1 light, 2 deep, 3 REM).
fn sleep_level(state: i64) -> SleepLevel {
    match state {
        0 => SleepLevel::Awake,
        1 => SleepLevel::LightSleep,
        2 => SleepLevel::DeepSleep,
        3 => SleepLevel::RemSleep,
        _ => SleepLevel::Unknown,
    }
}

/// Sleep efficiency as Terra's percentage. Withings documents a 0–1 ratio; a value above 1
/// can only be a percentage already.
fn efficiency_percent(value: Option<f64>) -> Option<f64> {
    let value = finite(value).filter(|v| *v >= 0.0)?;
    Some(if value <= 1.0 {
        value * 100.0
    } else {
        value.min(100.0)
    })
}

/// The samples of the segments' series, in time order.
#[derive(Debug, Default)]
struct NightSeries {
    hypnogram: Vec<SleepHypnogramSample>,
    hr: Vec<(Timestamp, f64)>,
    rr: Vec<(Timestamp, f64)>,
    rmssd: Vec<(Timestamp, f64)>,
    sdnn: Vec<(Timestamp, f64)>,
}

fn series_points(
    series: Option<&wire::EpochSeries>,
    zone_name: Option<&str>,
) -> Vec<(i64, Timestamp, f64)> {
    series
        .into_iter()
        .flatten()
        .take(MAX_SAMPLES)
        .filter_map(|(key, value)| {
            let epoch = key.parse::<i64>().ok()?;
            Some((epoch, ts_at(epoch, zone_name)?, finite(*value)?))
        })
        .collect()
}

fn night_series(segments: &[&wire::SleepSegment], zone_name: Option<&str>) -> NightSeries {
    let mut ordered: Vec<&wire::SleepSegment> = segments.to_vec();
    ordered.sort_by_key(|segment| segment.startdate);
    let mut night = NightSeries::default();
    let collect = |pick: fn(&wire::SleepSegment) -> Option<&wire::EpochSeries>| {
        let mut points: Vec<(i64, Timestamp, f64)> = ordered
            .iter()
            .flat_map(|segment| series_points(pick(segment), zone_name))
            .take(MAX_SAMPLES)
            .collect();
        points.sort_by_key(|(epoch, _, _)| *epoch);
        points.dedup_by_key(|(epoch, _, _)| *epoch);
        points
            .into_iter()
            .map(|(_, at, value)| (at, value))
            .collect::<Vec<_>>()
    };
    night.hr = collect(|s| s.hr.as_ref());
    night.rr = collect(|s| s.rr.as_ref());
    night.rmssd = collect(|s| s.rmssd.as_ref());
    night.sdnn = collect(|s| s.sdnn_1.as_ref());
    night.hypnogram = ordered
        .iter()
        .take(MAX_SAMPLES)
        .filter_map(|segment| {
            Some(SleepHypnogramSample {
                timestamp: Some(ts_at(segment.startdate, zone_name)?),
                level: Some(sleep_level(segment.state)),
            })
        })
        .collect();
    night
}

fn values(points: &[(Timestamp, f64)]) -> Vec<f64> {
    points.iter().map(|(_, value)| *value).collect()
}

/// One night: the summary's figures, with the detail segments that fall inside it (from
/// `/v2/sleep?action=get`) as hypnogram, heart-rate, HRV and respiration samples.
pub fn sleep(summary: &wire::SleepSummary, segments: &[wire::SleepSegment]) -> Option<Sleep> {
    let zone_name = summary.timezone.as_deref();
    let start = local_at(summary.startdate, zone_name)?;
    let end = local_at(summary.enddate, zone_name)?;
    let inside: Vec<&wire::SleepSegment> = segments
        .iter()
        .filter(|s| s.startdate >= summary.startdate && s.startdate < summary.enddate)
        .collect();
    let night = night_series(&inside, zone_name);
    let data = &summary.data;
    let (start_time, end_time) = (
        Timestamp::from_datetime(start),
        Timestamp::from_datetime(end),
    );
    Some(Sleep {
        metadata: SleepMetadata {
            start_time,
            end_time,
            summary_id: summary.id.map(|id| id.to_string()),
            is_nap: None,
            upload_type: SleepUploadType::Automatic,
            timestamp_localization: None,
        },
        sleep_durations_data: Some(sleep_durations(
            data,
            night.hypnogram.clone(),
            (end - start).num_seconds(),
        )),
        heart_rate_data: Some(sleep_heart_rate(
            [data.hr_average, data.hr_min, data.hr_max],
            &night,
        )),
        respiration_data: Some(RespirationData {
            breaths_data: Some(BreathsData {
                avg_breaths_per_min: measured(data.rr_average),
                min_breaths_per_min: measured(data.rr_min),
                max_breaths_per_min: measured(data.rr_max),
                samples: non_empty(breath_samples(&night.rr)),
                start_time: Some(start_time),
                end_time: Some(end_time),
                ..BreathsData::default()
            }),
            snoring_data: (data.snoring.is_some() || data.snoringepisodecount.is_some()).then(
                || SnoringData {
                    start_time: Some(start_time),
                    end_time: Some(end_time),
                    total_snoring_duration_seconds: finite(data.snoring),
                    num_snoring_events: count(data.snoringepisodecount),
                    ..SnoringData::default()
                },
            ),
            ..RespirationData::default()
        }),
        scores: finite(data.sleep_score).map(|score| SleepScores { sleep: Some(score) }),
        device_data: Some(device(model_name(summary.model.as_ref()))),
        ..Sleep::default()
    })
}

fn sleep_durations(
    data: &wire::SleepSummaryData,
    hypnogram: Vec<SleepHypnogramSample>,
    span_seconds: i64,
) -> SleepDurationsData {
    let stages = [
        data.lightsleepduration,
        data.deepsleepduration,
        data.remsleepduration,
    ];
    let stage_sum = stages
        .iter()
        .map(|v| finite(*v))
        .try_fold(0.0, |sum, v| v.map(|v| sum + v));
    SleepDurationsData {
        asleep: Some(AsleepDurations {
            duration_asleep_state_seconds: finite(data.total_sleep_time)
                .or(finite(data.asleepduration))
                .or(stage_sum),
            duration_light_sleep_state_seconds: finite(data.lightsleepduration),
            duration_deep_sleep_state_seconds: finite(data.deepsleepduration),
            duration_rem_sleep_state_seconds: finite(data.remsleepduration),
            num_rem_events: count(data.nb_rem_episodes),
        }),
        awake: Some(AwakeDurations {
            duration_awake_state_seconds: finite(data.wakeupduration),
            sleep_latency_seconds: finite(data.sleep_latency).or(finite(data.durationtosleep)),
            wake_up_latency_seconds: finite(data.wakeup_latency).or(finite(data.durationtowakeup)),
            num_wakeup_events: count(data.wakeupcount),
            num_out_of_bed_events: count(data.out_of_bed_count),
            ..AwakeDurations::default()
        }),
        other: Some(OtherSleepDurations {
            duration_in_bed_seconds: finite(data.total_timeinbed)
                .or(Some(span_seconds.max(0) as f64)),
            duration_unmeasurable_sleep_seconds: None,
        }),
        sleep_efficiency: efficiency_percent(data.sleep_efficiency),
        hypnogram_samples: non_empty(hypnogram),
    }
}

fn sleep_heart_rate(summary: [Option<f64>; 3], night: &NightSeries) -> HeartRateData {
    let [average, min, max] = summary;
    HeartRateData {
        summary: Some(HeartRateDataSummary {
            avg_hr_bpm: measured(average),
            min_hr_bpm: measured(min),
            max_hr_bpm: measured(max),
            avg_hrv_rmssd: mean(&values(&night.rmssd)),
            avg_hrv_sdnn: mean(&values(&night.sdnn)),
            ..HeartRateDataSummary::default()
        }),
        detailed: Some(HeartRateDataDetailed {
            hr_samples: non_empty(
                night
                    .hr
                    .iter()
                    .map(|(at, bpm)| HeartRateDataSample {
                        timestamp: Some(*at),
                        bpm: Some(*bpm),
                        ..HeartRateDataSample::default()
                    })
                    .collect(),
            ),
            hrv_samples_rmssd: non_empty(
                night
                    .rmssd
                    .iter()
                    .map(|(at, ms)| HeartRateVariabilityDataSampleRmssd {
                        timestamp: Some(*at),
                        hrv_rmssd: Some(*ms),
                    })
                    .collect(),
            ),
            hrv_samples_sdnn: non_empty(
                night
                    .sdnn
                    .iter()
                    .map(|(at, ms)| HeartRateVariabilityDataSampleSdnn {
                        timestamp: Some(*at),
                        hrv_sdnn: Some(*ms),
                    })
                    .collect(),
            ),
        }),
    }
}

fn breath_samples(points: &[(Timestamp, f64)]) -> Vec<BreathSample> {
    points
        .iter()
        .map(|(at, rate)| BreathSample {
            timestamp: Some(*at),
            breaths_per_min: Some(*rate),
        })
        .collect()
}

/// A `/v2/sleep?action=get` answer on its own (`providers map`): one Sleep spanning all its
/// segments, with samples but no summary figures. The answer names no zone, so times are
/// at `+00:00`; the record has no Withings id (its identity is its start time).
pub fn sleep_segments(answer: &wire::SleepBody) -> Option<Sleep> {
    let start = answer.series.iter().map(|s| s.startdate).min()?;
    let end = answer.series.iter().map(|s| s.enddate).max()?;
    let summary = wire::SleepSummary {
        id: None,
        timezone: None,
        model: answer.series.first().and_then(|s| s.model.clone()),
        model_id: None,
        hash_deviceid: None,
        startdate: start,
        enddate: end.max(start),
        date: None,
        created: None,
        modified: None,
        data: wire::SleepSummaryData::default(),
    };
    sleep(&summary, &answer.series)
}
