//! Serialise and parse one realistic day of records with the typed model, next
//! to a plain `serde_json::Value` round trip of the same bytes.
//!
//! The day: one Daily (5-minute samples), one 8-hour Sleep (30-second
//! hypnogram, 1-minute heart rate), three Activities (45, 60 and 30 minutes)
//! with 1 Hz heart rate and GPS. Values are synthetic but shaped like Garmin
//! data; the same bytes feed both the typed and the `Value` benches.
//!
//! Run: `cargo bench -p wearbridge-model --bench day -- --measurement-time 5`

use std::hint::black_box;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};
use wearbridge_model::*;

/// One day for one user, as a server would store or send it.
#[derive(Debug, Serialize, Deserialize)]
struct Day {
    daily: Vec<Daily>,
    sleep: Vec<Sleep>,
    activity: Vec<Activity>,
}

fn start_of_day() -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(3600).unwrap_or_else(|| unreachable!("valid offset"));
    let date = NaiveDate::from_ymd_opt(2024, 5, 14).unwrap_or_default();
    date.and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_local_timezone(offset)
        .single()
        .unwrap_or_default()
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_datetime(start_of_day() + Duration::seconds(seconds))
}

/// A smooth, deterministic signal: heart rate, speed, ... without an RNG.
fn wave(base: f64, amplitude: f64, t: i64, period: f64) -> f64 {
    let phase = t as f64 / period * std::f64::consts::TAU;
    (base + amplitude * phase.sin()).round()
}

fn activity(index: i64, start: i64, minutes: i64) -> Activity {
    let seconds = minutes * 60;
    let hr_samples = (0..seconds)
        .map(|t| HeartRateDataSample {
            timestamp: Some(at(start + t)),
            bpm: Some(wave(145.0, 15.0, t, 600.0)),
            timer_duration_seconds: Some(t as f64),
            context: Some(HeartRateContext::Active),
        })
        .collect();
    let position_samples = (0..seconds)
        .map(|t| PositionSample {
            timestamp: Some(at(start + t)),
            coords_lat_lng_deg: Some(vec![51.5 + t as f64 * 1e-5, -0.12 + t as f64 * 2e-5]),
            timer_duration_seconds: Some(t as f64),
        })
        .collect();
    Activity {
        metadata: ActivityMetadata {
            summary_id: format!("garmin-{index}"),
            name: Some("Morning Run".into()),
            start_time: at(start),
            end_time: at(start + seconds),
            r#type: ActivityType::Running,
            upload_type: UploadType::Automatic,
            ..ActivityMetadata::default()
        },
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: Some(145.0),
                max_hr_bpm: Some(170.0),
                min_hr_bpm: Some(110.0),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: Some(hr_samples),
                ..HeartRateDataDetailed::default()
            }),
        }),
        position_data: Some(PositionData {
            position_samples: Some(position_samples),
            start_pos_lat_lng_deg: Some(vec![51.5, -0.12]),
            ..PositionData::default()
        }),
        distance_data: Some(DistanceData {
            summary: Some(DistanceDataSummary {
                distance_meters: Some(minutes as f64 * 180.0),
                steps: Some(minutes * 170),
                ..DistanceDataSummary::default()
            }),
            detailed: None,
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: Some(minutes as f64 * 11.0),
            ..CaloriesData::default()
        }),
        ..Activity::default()
    }
}

fn sleep() -> Sleep {
    let start = -2 * 3600; // 22:00 the evening before
    let hypnogram_samples = (0..960)
        .map(|i| SleepHypnogramSample {
            timestamp: Some(at(start + i * 30)),
            level: Some(SleepLevel::from_code(1 + (i / 20) % 6)),
        })
        .collect();
    let hr_samples = (0..480)
        .map(|i| HeartRateDataSample {
            timestamp: Some(at(start + i * 60)),
            bpm: Some(wave(52.0, 6.0, i, 90.0)),
            ..HeartRateDataSample::default()
        })
        .collect();
    Sleep {
        metadata: SleepMetadata {
            summary_id: Some("sleep-1".into()),
            start_time: at(start),
            end_time: at(start + 8 * 3600),
            upload_type: SleepUploadType::Automatic,
            ..SleepMetadata::default()
        },
        sleep_durations_data: Some(SleepDurationsData {
            hypnogram_samples: Some(hypnogram_samples),
            ..SleepDurationsData::default()
        }),
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                resting_hr_bpm: Some(48.0),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: Some(hr_samples),
                ..HeartRateDataDetailed::default()
            }),
        }),
        ..Sleep::default()
    }
}

fn daily() -> Daily {
    let every_five_minutes = 0..288_i64;
    Daily {
        metadata: DailyMetadata {
            start_time: at(0),
            end_time: at(86_400),
            upload_type: UploadType::Automatic,
            ..DailyMetadata::default()
        },
        heart_rate_data: Some(HeartRateData {
            summary: Some(HeartRateDataSummary {
                avg_hr_bpm: Some(71.0),
                ..HeartRateDataSummary::default()
            }),
            detailed: Some(HeartRateDataDetailed {
                hr_samples: Some(
                    every_five_minutes
                        .clone()
                        .map(|i| HeartRateDataSample {
                            timestamp: Some(at(i * 300)),
                            bpm: Some(wave(70.0, 20.0, i, 288.0)),
                            ..HeartRateDataSample::default()
                        })
                        .collect(),
                ),
                ..HeartRateDataDetailed::default()
            }),
        }),
        calories_data: Some(CaloriesData {
            total_burned_calories: Some(2650.0),
            calorie_samples: Some(
                every_five_minutes
                    .map(|i| CalorieSample {
                        timestamp: Some(at(i * 300)),
                        calories: Some(9.2),
                        timer_duration_seconds: None,
                    })
                    .collect(),
            ),
            ..CaloriesData::default()
        }),
        ..Daily::default()
    }
}

fn day() -> Day {
    Day {
        daily: vec![daily()],
        sleep: vec![sleep()],
        activity: vec![
            activity(1, 7 * 3600, 45),
            activity(2, 12 * 3600, 60),
            activity(3, 18 * 3600, 30),
        ],
    }
}

fn benches(c: &mut Criterion) {
    let day = day();
    let bytes = serde_json::to_vec(&day).unwrap_or_default();
    eprintln!("day payload: {} bytes", bytes.len());
    let mut group = c.benchmark_group("day");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("typed/serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&day)))
    });
    group.bench_function("typed/parse", |b| {
        b.iter(|| serde_json::from_slice::<Day>(black_box(&bytes)))
    });
    group.bench_function("typed/round_trip", |b| {
        b.iter(|| {
            let parsed: Result<Day, _> = serde_json::from_slice(black_box(&bytes));
            parsed.and_then(|day| serde_json::to_vec(&day))
        })
    });
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    group.bench_function("value/serialize", |b| {
        b.iter(|| serde_json::to_vec(black_box(&value)))
    });
    group.bench_function("value/parse", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)))
    });
    group.bench_function("value/round_trip", |b| {
        b.iter(|| {
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(black_box(&bytes));
            parsed.and_then(|value| serde_json::to_vec(&value))
        })
    });
    group.finish();
}

criterion_group!(day_benches, benches);
criterion_main!(day_benches);
