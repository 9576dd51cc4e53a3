//! The night's sleep: timing, hypnogram, and overnight physiology.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeDelta, Weekday};
use serde::Serialize;

use super::time::{local, previous_day};
use super::{Person, round_to};
use crate::prng::{SplitMix64, Stream};

/// Hypnogram resolution; every stage boundary is a multiple of this (30 s is the
/// polysomnography "epoch" that consumer wearables also report in).
const EPOCH_S: i64 = 30;
/// Physiology samples (heart rate, HRV) are 5-minute averages.
const SAMPLE_S: i64 = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SleepStage {
    Awake,
    Light,
    Deep,
    Rem,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SleepStageSpan {
    pub stage: SleepStage,
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub start: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub end: DateTime<FixedOffset>,
}

/// One timestamped value; `time` is the start of the averaging window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimedValue {
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub time: DateTime<FixedOffset>,
    pub value: f64,
}

/// One night in bed. Stage spans are contiguous and cover `start..end` exactly, so
/// `awake_s + light_s + deep_s + rem_s == in_bed_s`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sleep {
    pub id: String,
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub start: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    pub end: DateTime<FixedOffset>,
    pub in_bed_s: i64,
    /// Light + deep + REM.
    pub asleep_s: i64,
    pub awake_s: i64,
    pub light_s: i64,
    pub deep_s: i64,
    pub rem_s: i64,
    /// From getting into bed to the first non-awake epoch.
    pub latency_s: i64,
    /// asleep / in bed, in percent.
    pub efficiency_percent: f64,
    /// Lowest 5-minute average heart rate of the night (rounded).
    pub resting_hr_bpm: u32,
    pub avg_hr_bpm: u32,
    /// Mean of the 5-minute RMSSD values.
    pub hrv_rmssd_ms: f64,
    pub spo2_avg_percent: f64,
    pub spo2_min_percent: f64,
    /// Breaths per minute.
    pub respiration_rate_brpm: f64,
    pub stages: Vec<SleepStageSpan>,
    /// 5-minute average heart rate, bpm.
    pub hr_samples: Vec<TimedValue>,
    /// 5-minute RMSSD, ms.
    pub hrv_samples: Vec<TimedValue>,
}

/// Uth–Sørensen estimate: VO2 max ≈ 15.3 × HRmax / HRrest (Uth et al. 2004), mL/min/kg.
const UTH_FACTOR: f64 = 15.3;

impl Sleep {
    /// The day's VO2 max estimate (mL/min/kg) from `max_hr_bpm` and this night's resting
    /// heart rate, the Uth–Sørensen ratio every simulator that reports VO2 max uses.
    pub fn vo2_max_estimate(&self, max_hr_bpm: f64) -> f64 {
        UTH_FACTOR * max_hr_bpm / f64::from(self.resting_hr_bpm.max(1))
    }

    /// Whether `instant` falls inside the night.
    pub fn contains(&self, instant: DateTime<FixedOffset>) -> bool {
        self.start <= instant && instant < self.end
    }

    /// Heart rate of the 5-minute window containing `instant`, if inside the night.
    pub fn hr_at(&self, instant: DateTime<FixedOffset>) -> Option<f64> {
        if !self.contains(instant) {
            return None;
        }
        let index = (instant - self.start).num_seconds() / SAMPLE_S;
        self.hr_samples
            .get(usize::try_from(index).ok()?)
            .map(|sample| sample.value)
    }

    fn stage_at(&self, instant: DateTime<FixedOffset>) -> SleepStage {
        self.stages
            .iter()
            .find(|span| span.start <= instant && instant < span.end)
            .map_or(SleepStage::Awake, |span| span.stage)
    }
}

/// The night ending on the morning of `date`; it starts the evening before (or just after
/// midnight).
pub(super) fn night(person: &Person, date: NaiveDate) -> Sleep {
    let mut rng = person.rng(Stream::Sleep, date);
    let bed_day = previous_day(date);
    let weekend = matches!(bed_day.weekday(), Weekday::Fri | Weekday::Sat);
    let late = if weekend { 1_800.0 } else { 0.0 };
    let start_s = quantize(22.0 * 3_600.0 + rng.range(-45.0, 150.0) * 60.0 + late);
    let hours = rng.normal(7.5, 0.6).clamp(5.5, 9.5) + if weekend { 0.4 } else { 0.0 };
    let in_bed_s = quantize(hours * 3_600.0);
    let offset = person.offset();
    let start = local(bed_day, start_s, offset);
    let end = start + TimeDelta::seconds(in_bed_s);
    let stages = to_spans(hypnogram(in_bed_s / EPOCH_S, &mut rng), start);
    let id = format!("{:016x}", rng.next_u64());
    let mut sleep = Sleep {
        id,
        start,
        end,
        in_bed_s,
        asleep_s: 0,
        awake_s: 0,
        light_s: 0,
        deep_s: 0,
        rem_s: 0,
        latency_s: 0,
        efficiency_percent: 0.0,
        resting_hr_bpm: 0,
        avg_hr_bpm: 0,
        hrv_rmssd_ms: 0.0,
        spo2_avg_percent: 0.0,
        spo2_min_percent: 0.0,
        respiration_rate_brpm: 0.0,
        stages,
        hr_samples: Vec::new(),
        hrv_samples: Vec::new(),
    };
    fill_durations(&mut sleep);
    fill_physiology(&mut sleep, person, date, &mut rng);
    sleep
}

fn quantize(seconds: f64) -> i64 {
    (seconds / EPOCH_S as f64).round() as i64 * EPOCH_S
}

/// Stage sequence in epochs: sleep latency, ~90-minute cycles (deep sleep front-loaded, REM
/// growing toward morning, as in typical adult hypnograms), brief awakenings, and a final
/// awake stretch. Always sums to `total_epochs`.
fn hypnogram(total_epochs: i64, rng: &mut SplitMix64) -> Vec<(SleepStage, i64)> {
    const DEEP_SHARE: [f64; 5] = [0.30, 0.20, 0.08, 0.03, 0.0];
    const REM_SHARE: [f64; 5] = [0.08, 0.18, 0.25, 0.30, 0.33];
    let final_awake = rng.int(4, 20);
    let body_epochs = (total_epochs - final_awake).max(0);
    let mut sequence = vec![(SleepStage::Awake, rng.int(10, 40))];
    let mut cycle = 0usize;
    while sequence.iter().map(|(_, n)| n).sum::<i64>() < body_epochs {
        let length = rng.int(170, 220) as f64;
        let index = cycle.min(4);
        let deep = DEEP_SHARE.get(index).copied().unwrap_or(0.0) * rng.range(0.8, 1.2);
        let rem = REM_SHARE.get(index).copied().unwrap_or(0.3) * rng.range(0.8, 1.2);
        let light = 1.0 - deep - rem;
        for (stage, share) in [
            (SleepStage::Light, light * 0.55),
            (SleepStage::Deep, deep),
            (SleepStage::Light, light * 0.45),
            (SleepStage::Rem, rem),
        ] {
            sequence.push((stage, (length * share).round() as i64));
        }
        if rng.chance(0.35) {
            sequence.push((SleepStage::Awake, rng.int(2, 10)));
        }
        cycle += 1;
    }
    let mut trimmed = truncate(sequence, body_epochs);
    trimmed.push((SleepStage::Awake, total_epochs - body_epochs));
    merge(trimmed)
}

fn truncate(sequence: Vec<(SleepStage, i64)>, limit: i64) -> Vec<(SleepStage, i64)> {
    let mut remaining = limit;
    let mut out = Vec::with_capacity(sequence.len());
    for (stage, epochs) in sequence {
        let taken = epochs.min(remaining);
        if taken > 0 {
            out.push((stage, taken));
        }
        remaining -= taken;
    }
    out
}

fn merge(sequence: Vec<(SleepStage, i64)>) -> Vec<(SleepStage, i64)> {
    let mut out: Vec<(SleepStage, i64)> = Vec::with_capacity(sequence.len());
    for (stage, epochs) in sequence.into_iter().filter(|(_, n)| *n > 0) {
        match out.last_mut() {
            Some((last, total)) if *last == stage => *total += epochs,
            _ => out.push((stage, epochs)),
        }
    }
    out
}

fn to_spans(sequence: Vec<(SleepStage, i64)>, start: DateTime<FixedOffset>) -> Vec<SleepStageSpan> {
    let mut cursor = start;
    sequence
        .into_iter()
        .map(|(stage, epochs)| {
            let end = cursor + TimeDelta::seconds(epochs * EPOCH_S);
            let span = SleepStageSpan {
                stage,
                start: cursor,
                end,
            };
            cursor = end;
            span
        })
        .collect()
}

fn fill_durations(sleep: &mut Sleep) {
    let total = |stage: SleepStage| -> i64 {
        sleep
            .stages
            .iter()
            .filter(|span| span.stage == stage)
            .map(|span| (span.end - span.start).num_seconds())
            .sum()
    };
    sleep.awake_s = total(SleepStage::Awake);
    sleep.light_s = total(SleepStage::Light);
    sleep.deep_s = total(SleepStage::Deep);
    sleep.rem_s = total(SleepStage::Rem);
    sleep.asleep_s = sleep.light_s + sleep.deep_s + sleep.rem_s;
    sleep.latency_s = sleep
        .stages
        .iter()
        .find(|span| span.stage != SleepStage::Awake)
        .map_or(sleep.in_bed_s, |span| {
            (span.start - sleep.start).num_seconds()
        });
    sleep.efficiency_percent = if sleep.in_bed_s > 0 {
        round_to(100.0 * sleep.asleep_s as f64 / sleep.in_bed_s as f64, 0.1)
    } else {
        0.0
    };
}

/// Heart rate sits a few beats above the night's floor (higher in REM and awake, lowest in
/// deep sleep, drifting down through the night); RMSSD is highest in deep sleep.
fn fill_physiology(sleep: &mut Sleep, person: &Person, date: NaiveDate, rng: &mut SplitMix64) {
    let profile = person.profile();
    let floor = profile.base_resting_hr_bpm + rng.normal(0.0, 1.5);
    let age = f64::from(profile.age_on(date));
    let fitness_boost = 1.0 + (60.0 - profile.base_resting_hr_bpm) / 60.0;
    let hrv_night = ((75.0 - 0.8 * (age - 20.0)).clamp(18.0, 110.0) * fitness_boost)
        * rng.normal(1.0, 0.12).clamp(0.6, 1.4);
    let windows = (sleep.in_bed_s + SAMPLE_S - 1) / SAMPLE_S;
    for window in 0..windows {
        let time = sleep.start + TimeDelta::seconds(window * SAMPLE_S);
        let stage = sleep.stage_at(time + TimeDelta::seconds(SAMPLE_S / 2));
        let (hr_bonus, hrv_factor) = match stage {
            SleepStage::Deep => (0.0, 1.25),
            SleepStage::Light => (2.0, 1.0),
            SleepStage::Rem => (5.0, 0.85),
            SleepStage::Awake => (9.0, 0.7),
        };
        let early = 3.0 * (-(window * SAMPLE_S) as f64 / 5_400.0).exp();
        let hr = floor + hr_bonus + early + rng.range(0.0, 2.5);
        let hrv = hrv_night * hrv_factor * rng.range(0.9, 1.1);
        sleep.hr_samples.push(TimedValue {
            time,
            value: round_to(hr, 0.1),
        });
        sleep.hrv_samples.push(TimedValue {
            time,
            value: round_to(hrv, 0.1),
        });
    }
    let hr_values = sleep.hr_samples.iter().map(|s| s.value);
    sleep.resting_hr_bpm = hr_values.clone().fold(f64::MAX, f64::min).round() as u32;
    sleep.avg_hr_bpm = mean(hr_values).round() as u32;
    sleep.hrv_rmssd_ms = round_to(mean(sleep.hrv_samples.iter().map(|s| s.value)), 0.1);
    sleep.spo2_avg_percent = round_to(rng.range(95.0, 98.5), 0.1);
    sleep.spo2_min_percent = round_to(sleep.spo2_avg_percent - rng.range(1.5, 4.0), 0.1);
    sleep.respiration_rate_brpm = round_to(rng.normal(14.5, 1.2).clamp(11.0, 19.0), 0.1);
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    if count == 0 {
        0.0
    } else {
        sum / f64::from(count)
    }
}
