//! Suunto's 24/7 data as Terra records: a sleep sample as a Sleep, the daily activity
//! statistics as one Daily per local day.
//!
//! * Sleep: `BedtimeStart`/`BedtimeEnd` (ISO 8601 with offset, kept as written) bound the
//!   record; `Duration` is the whole bedtime (open-wearables' live capture: 02:13→09:19
//!   is exactly its 25,560 s), so it is Terra's time in bed and what the three stage
//!   durations leave of it is time awake. `AvgHRV` is RMSSD (ms). `SleepQualityScore`
//!   (0–100) is Terra's sleep score. `MaxSpo2` has no place in Terra's Sleep.
//! * Daily: `stepcount` values are steps; `energyconsumption` values are joules (as
//!   open-wearables reads them), written as kilocalories (÷ 4184). Where several source
//!   devices report the same day, the largest value wins: sources overlap (a watch and a
//!   phone counting the same walk), so a sum would count twice.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use wearbridge_model::{
    AsleepDurations, AwakeDurations, CaloriesData, Daily, DailyDistanceData, DailyMetadata,
    HeartRateData, HeartRateDataSummary, OtherSleepDurations, Sleep, SleepDurationsData,
    SleepMetadata, SleepScores, SleepUploadType, UploadType,
};

use super::{amount, ts};
use crate::suunto::wire;

/// Joules in one kilocalorie (thermochemical).
pub const JOULES_PER_KCAL: f64 = 4_184.0;

fn parse_time(text: Option<&str>) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text?.trim()).ok()
}

/// One sleep sample; `None` when its bedtime is missing, unreadable or runs backwards.
pub fn sleep(sample: &wire::Sample<wire::SleepEntry>) -> Option<Sleep> {
    let entry = &sample.entry_data;
    let start = parse_time(entry.bedtime_start.as_deref())?;
    let end = parse_time(entry.bedtime_end.as_deref())?;
    if end < start {
        return None;
    }
    let deep = amount(entry.deep_sleep_duration);
    let light = amount(entry.light_sleep_duration);
    let rem = amount(entry.rem_sleep_duration);
    let staged = [deep, light, rem].iter().flatten().sum::<f64>();
    let any_stage = deep.is_some() || light.is_some() || rem.is_some();
    let in_bed = amount(entry.duration);
    let asleep = AsleepDurations {
        duration_asleep_state_seconds: any_stage.then_some(staged),
        duration_deep_sleep_state_seconds: deep,
        duration_light_sleep_state_seconds: light,
        duration_rem_sleep_state_seconds: rem,
        ..AsleepDurations::default()
    };
    let awake = in_bed
        .filter(|_| any_stage)
        .map(|in_bed| (in_bed - staged).max(0.0));
    let heart = HeartRateDataSummary {
        avg_hr_bpm: amount(entry.hr_avg).filter(|bpm| *bpm > 0.0),
        min_hr_bpm: amount(entry.hr_min).filter(|bpm| *bpm > 0.0),
        avg_hrv_rmssd: amount(entry.avg_hrv).filter(|ms| *ms > 0.0),
        ..HeartRateDataSummary::default()
    };
    Some(Sleep {
        metadata: SleepMetadata {
            start_time: ts(start),
            end_time: ts(end),
            is_nap: entry.is_nap,
            summary_id: entry.sleep_id.map(|id| id.to_string()),
            timestamp_localization: None,
            upload_type: SleepUploadType::Automatic,
        },
        sleep_durations_data: Some(SleepDurationsData {
            asleep: any_stage.then_some(asleep),
            awake: awake.map(|seconds| AwakeDurations {
                duration_awake_state_seconds: Some(seconds),
                ..AwakeDurations::default()
            }),
            other: in_bed.map(|seconds| OtherSleepDurations {
                duration_in_bed_seconds: Some(seconds),
                ..OtherSleepDurations::default()
            }),
            ..SleepDurationsData::default()
        }),
        heart_rate_data: (heart != HeartRateDataSummary::default()).then_some(HeartRateData {
            summary: Some(heart),
            detailed: None,
        }),
        scores: entry
            .sleep_quality_score
            .filter(|score| score.is_finite() && (0.0..=100.0).contains(score))
            .map(|score| SleepScores { sleep: Some(score) }),
        ..Sleep::default()
    })
}

/// One local day's totals, as the statistics report them.
#[derive(Debug, Clone, Copy, Default)]
struct DayTotals {
    start: Option<DateTime<FixedOffset>>,
    steps: Option<f64>,
    joules: Option<f64>,
}

fn larger(current: Option<f64>, value: f64) -> Option<f64> {
    Some(current.map_or(value, |current| current.max(value)))
}

/// One Daily per local day the statistics cover, in date order. Days whose `TimeISO8601`
/// does not parse, and values that are negative or not finite, are skipped.
pub fn daily(statistics: &[wire::DailyStatistic]) -> Vec<Daily> {
    let mut days: BTreeMap<NaiveDate, DayTotals> = BTreeMap::new();
    for statistic in statistics {
        let name = statistic.name.as_deref().unwrap_or_default().trim();
        let steps = name.eq_ignore_ascii_case("stepcount");
        let energy = name.eq_ignore_ascii_case("energyconsumption");
        if !steps && !energy {
            continue;
        }
        for sample in statistic.sources.iter().flat_map(|source| &source.samples) {
            let (Some(start), Some(value)) =
                (parse_time(sample.time.as_deref()), amount(sample.value))
            else {
                continue;
            };
            let totals = days.entry(start.date_naive()).or_default();
            totals.start.get_or_insert(start);
            if steps {
                totals.steps = larger(totals.steps, value);
            } else {
                totals.joules = larger(totals.joules, value);
            }
        }
    }
    days.into_iter()
        .filter_map(|(date, totals)| day_record(date, totals))
        .collect()
}

fn day_record(date: NaiveDate, totals: DayTotals) -> Option<Daily> {
    let offset = *totals.start?.offset();
    let midnight = |day: NaiveDate| {
        day.and_hms_opt(0, 0, 0)?
            .and_local_timezone(offset)
            .single()
    };
    let start = midnight(date)?;
    let end = midnight(date.checked_add_days(Days::new(1))?)?;
    Some(Daily {
        metadata: DailyMetadata {
            start_time: ts(start),
            end_time: ts(end),
            timestamp_localization: None,
            upload_type: UploadType::Automatic,
        },
        distance_data: totals
            .steps
            .filter(|steps| *steps <= i64::MAX as f64)
            .map(|steps| DailyDistanceData {
                steps: Some(steps.round() as i64),
                ..DailyDistanceData::default()
            }),
        calories_data: totals.joules.map(|joules| CaloriesData {
            total_burned_calories: Some(joules / JOULES_PER_KCAL),
            ..CaloriesData::default()
        }),
        ..Daily::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(name: &str, samples: &[(&str, f64)]) -> wire::DailyStatistic {
        wire::DailyStatistic {
            name: Some(name.to_owned()),
            sources: vec![wire::StatisticSource {
                samples: samples
                    .iter()
                    .map(|(time, value)| wire::StatisticSample {
                        time: Some((*time).to_owned()),
                        value: Some(*value),
                    })
                    .collect(),
            }],
        }
    }

    #[test]
    fn overlapping_sources_keep_the_larger_count() {
        let watch = stat("stepcount", &[("2026-03-04T00:00:00.000+02:00", 9_000.0)]);
        let phone = stat("stepcount", &[("2026-03-04T00:00:00.000+02:00", 4_000.0)]);
        let days = daily(&[phone, watch]);
        assert_eq!(days.len(), 1);
        let steps = days[0].distance_data.as_ref().and_then(|d| d.steps);
        assert_eq!(steps, Some(9_000));
        assert_eq!(
            days[0].metadata.end_time.to_string(),
            "2026-03-05T00:00:00.000000+02:00"
        );
    }

    #[test]
    fn bad_values_and_unknown_statistics_are_skipped() {
        let days = daily(&[
            stat("stepcount", &[("not a time", 5.0)]),
            stat("energyconsumption", &[("2026-03-04T00:00:00Z", -1.0)]),
            stat("floors", &[("2026-03-04T00:00:00Z", 3.0)]),
        ]);
        assert!(days.is_empty());
    }

    #[test]
    fn a_sleep_running_backwards_is_no_record() {
        let sample = wire::Sample {
            timestamp: "2026-05-17T02:13:00.000+02:00".into(),
            entry_data: wire::SleepEntry {
                bedtime_start: Some("2026-05-17T09:00:00+02:00".into()),
                bedtime_end: Some("2026-05-17T02:00:00+02:00".into()),
                ..wire::SleepEntry::default()
            },
        };
        assert!(sleep(&sample).is_none());
    }
}
