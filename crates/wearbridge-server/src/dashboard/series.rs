//! What the data page plots, read out of stored Terra records (JSON as the API serves
//! it). IO-free: records in, plain series out; a field a provider did not send is simply
//! missing from its series.

use chrono::{DateTime, NaiveDate};
use serde_json::Value;

/// One value per day (bars).
#[derive(Debug, Clone, PartialEq)]
pub struct DayValue {
    pub day: NaiveDate,
    pub value: f64,
}

/// One timed sample: unix seconds and value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at: i64,
    pub value: f64,
}

/// A run of one sleep stage, unix seconds; `level` is Terra's `SleepLevel`
/// (0 unknown, 1 awake, 2 sleeping, 3 out of bed, 4 light, 5 deep, 6 REM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageRun {
    pub start: i64,
    pub end: i64,
    pub level: u8,
}

/// The series of a range of daily records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DailySeries {
    pub steps: Vec<DayValue>,
    pub calories: Vec<DayValue>,
    pub resting_hr: Vec<DayValue>,
    pub hr_samples: Vec<Sample>,
}

/// One workout: its name, start and heart-rate curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Workout {
    pub name: String,
    pub start: i64,
    pub hr: Vec<Sample>,
}

/// One night: its start and stage runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Night {
    pub start: i64,
    pub stages: Vec<StageRun>,
}

fn instant(value: &Value) -> Option<i64> {
    DateTime::parse_from_rfc3339(value.as_str()?)
        .ok()
        .map(|at| at.timestamp())
}

/// The record's calendar day: the date part of its local `metadata.start_time`.
fn record_day(record: &Value) -> Option<NaiveDate> {
    let start = record.pointer("/metadata/start_time")?.as_str()?;
    NaiveDate::parse_from_str(start.get(..10)?, "%Y-%m-%d").ok()
}

fn day_value(record: &Value, pointer: &str) -> Option<DayValue> {
    Some(DayValue {
        day: record_day(record)?,
        value: record.pointer(pointer)?.as_f64()?,
    })
}

/// `[{timestamp, bpm}]` samples at `pointer`, in time order.
fn hr_samples(record: &Value, pointer: &str) -> Vec<Sample> {
    let mut samples: Vec<Sample> = record
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|sample| {
                    Some(Sample {
                        at: instant(sample.get("timestamp")?)?,
                        value: sample.get("bpm")?.as_f64()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    samples.sort_by_key(|sample| sample.at);
    samples
}

/// Steps, calories, resting heart rate per day, and every heart-rate sample.
pub fn daily(records: &[Value]) -> DailySeries {
    let mut series = DailySeries::default();
    for record in records {
        series
            .steps
            .extend(day_value(record, "/distance_data/steps"));
        series
            .calories
            .extend(day_value(record, "/calories_data/total_burned_calories"));
        series
            .resting_hr
            .extend(day_value(record, "/heart_rate_data/summary/resting_hr_bpm"));
        series
            .hr_samples
            .extend(hr_samples(record, "/heart_rate_data/detailed/hr_samples"));
    }
    series.hr_samples.sort_by_key(|sample| sample.at);
    series
}

/// A `SleepLevel` as a number (Terra sends the integer; names are accepted too).
fn level(value: &Value) -> Option<u8> {
    if let Some(number) = value.as_u64() {
        return u8::try_from(number).ok().filter(|level| *level <= 6);
    }
    let level = match value.as_str()?.to_ascii_lowercase().as_str() {
        "awake" => 1,
        "sleeping" | "asleep" => 2,
        "out_of_bed" => 3,
        "light" | "light_sleep" => 4,
        "deep" | "deep_sleep" => 5,
        "rem" | "rem_sleep" => 6,
        _ => 0,
    };
    Some(level)
}

/// A night's hypnogram: each sample's level holds until the next sample, the last one
/// until the record's end.
pub fn night(record: &Value) -> Option<Night> {
    let start = instant(record.pointer("/metadata/start_time")?)?;
    let end = record
        .pointer("/metadata/end_time")
        .and_then(instant)
        .unwrap_or(start);
    let mut points: Vec<(i64, u8)> = record
        .pointer("/sleep_durations_data/hypnogram_samples")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|sample| {
            Some((
                instant(sample.get("timestamp")?)?,
                level(sample.get("level")?)?,
            ))
        })
        .collect();
    points.sort_by_key(|point| point.0);
    let stages = points
        .iter()
        .enumerate()
        .map(|(index, &(at, level))| StageRun {
            start: at,
            end: points.get(index + 1).map_or(end.max(at), |next| next.0),
            level,
        })
        .collect();
    Some(Night { start, stages })
}

/// Workouts with their heart-rate curves.
pub fn workouts(records: &[Value]) -> Vec<Workout> {
    records
        .iter()
        .filter_map(|record| {
            Some(Workout {
                name: record
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("Workout")
                    .to_owned(),
                start: instant(record.pointer("/metadata/start_time")?)?,
                hr: hr_samples(record, "/heart_rate_data/detailed/hr_samples"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn daily_records_give_one_value_per_day() {
        let records = [json!({
            "metadata": {"start_time": "2026-03-02T00:00:00+01:00"},
            "distance_data": {"steps": 8000},
            "calories_data": {"total_burned_calories": 2100.5},
            "heart_rate_data": {"summary": {"resting_hr_bpm": 52.0},
                "detailed": {"hr_samples": [
                    {"timestamp": "2026-03-02T10:00:00+01:00", "bpm": 90.0},
                    {"timestamp": "2026-03-02T09:00:00+01:00", "bpm": 70.0}]}}
        })];
        let series = daily(&records);
        let day = NaiveDate::from_ymd_opt(2026, 3, 2);
        assert_eq!(
            series.steps.first().map(|v| (Some(v.day), v.value)),
            Some((day, 8000.0))
        );
        assert_eq!(series.calories.first().map(|v| v.value), Some(2100.5));
        assert_eq!(series.resting_hr.first().map(|v| v.value), Some(52.0));
        let bpm: Vec<f64> = series.hr_samples.iter().map(|s| s.value).collect();
        assert_eq!(bpm, [70.0, 90.0], "samples in time order");
    }

    #[test]
    fn a_hypnogram_holds_each_level_until_the_next() {
        let record = json!({
            "metadata": {"start_time": "2026-03-02T23:00:00Z", "end_time": "2026-03-03T07:00:00Z"},
            "sleep_durations_data": {"hypnogram_samples": [
                {"timestamp": "2026-03-02T23:00:00Z", "level": 1},
                {"timestamp": "2026-03-02T23:30:00Z", "level": "deep"}]}
        });
        let night = night(&record).expect("a night");
        assert_eq!(night.stages.len(), 2);
        assert_eq!(night.stages[0].end, night.stages[1].start);
        assert_eq!(night.stages[1].level, 5);
        assert_eq!(night.stages[1].end - night.stages[1].start, 7 * 3600 + 1800);
    }
}
