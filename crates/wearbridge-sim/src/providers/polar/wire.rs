//! Polar AccessLink v3 documents rendered from the person model, field names and
//! notations as Polar's OpenAPI documents them (snake_case in the newer endpoints,
//! kebab-case in `user` and exercise samples; ISO 8601 durations; local times without zone
//! plus an offset in minutes; `HH:MM` keyed night samples). Optional fields the person
//! model has no value for (sleep score, continuity, Nightly Recharge status, ...) are left
//! out, as Polar leaves out what a device did not measure: nothing is invented here.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Timelike};
use serde_json::{Value, json};

use crate::person::{Day, Person, Sex, Sleep, SleepStage, Workout, WorkoutKind, round_to};

/// Where Polar's absolute links point.
pub const POLAR_API: &str = "https://www.polaraccesslink.com";
/// The device every document names.
const DEVICE: &str = "Polar Vantage V3";
const DEVICE_ID: &str = "A1B2C3D4";

/// `PT1H2M3S` for whole seconds (Polar leaves out zero components, keeps `PT0S`).
pub fn iso_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || (h == 0 && m == 0) {
        out.push_str(&format!("{s}S"));
    }
    out
}

fn user_link(polar_user_id: u64) -> String {
    format!("{POLAR_API}/v3/users/{polar_user_id}")
}

fn clock(at: DateTime<FixedOffset>) -> String {
    at.format("%H:%M").to_string()
}

/// `GET /v3/users/{user-id}`.
pub fn user(person: &Person, polar_user_id: u64, member_id: &str) -> Value {
    let profile = person.profile();
    json!({
        "polar-user-id": polar_user_id,
        "member-id": member_id,
        "registration-date": "2026-01-01T00:00:00.000Z",
        "first-name": profile.first_name,
        "last-name": profile.last_name,
        "birthdate": profile.birth_date.format("%Y-%m-%d").to_string(),
        "gender": match profile.sex { Sex::Female => "FEMALE", Sex::Male => "MALE" },
        "weight": profile.base_weight_kg,
        "height": round_to(profile.height_m * 100.0, 0.1),
        "extra-info": [],
    })
}

fn sport(kind: WorkoutKind) -> (&'static str, &'static str) {
    match kind {
        WorkoutKind::Running => ("RUNNING", "RUNNING"),
        WorkoutKind::Cycling => ("CYCLING", "ROAD_BIKING"),
        WorkoutKind::Walking => ("WALKING", "WALKING"),
        WorkoutKind::StrengthTraining => ("OTHER", "STRENGTH_TRAINING"),
        WorkoutKind::Yoga => ("OTHER", "YOGA"),
    }
}

/// Comma-separated values, as Polar's sample `data`.
fn joined(values: impl Iterator<Item = String>) -> String {
    values.collect::<Vec<_>>().join(",")
}

/// One exercise (`exerciseHashId`), with 1 Hz samples and route when asked for.
pub fn exercise(w: &Workout, polar_user_id: u64, samples: bool, route: bool) -> Value {
    let (sport, detailed) = sport(w.kind);
    let mut doc = json!({
        "id": w.id,
        "upload_time": (w.end + TimeDelta::minutes(10)).with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "polar_user": user_link(polar_user_id),
        "device": DEVICE,
        "device_id": DEVICE_ID,
        "start_time": w.start.naive_local().format("%Y-%m-%dT%H:%M:%S").to_string(),
        "start_time_utc_offset": w.start.offset().local_minus_utc() / 60,
        "duration": iso_duration(w.duration_s),
        "calories": w.total_kcal.round() as i64,
        "heart_rate": {"average": w.avg_hr_bpm, "maximum": w.max_hr_bpm},
        "sport": sport,
        "has_route": w.has_gps,
        "detailed_sport_info": detailed,
    });
    if let Value::Object(map) = &mut doc {
        if w.kind.is_outdoor() {
            map.insert("distance".into(), json!(round_to(w.distance_m, 0.1)));
        }
        if samples || route {
            let all = w.samples();
            if samples {
                let mut series = vec![json!({
                    "recording-rate": 1,
                    "sample-type": "0",
                    "data": joined(all.iter().map(|s| s.hr_bpm.to_string())),
                })];
                if w.kind.is_outdoor() {
                    series.push(json!({
                        "recording-rate": 1,
                        "sample-type": "1",
                        "data": joined(all.iter().map(|s| format!("{}", round_to(s.speed_m_s * 3.6, 0.1)))),
                    }));
                    series.push(json!({
                        "recording-rate": 1,
                        "sample-type": "10",
                        "data": joined(all.iter().map(|s| format!("{}", round_to(s.distance_m, 0.1)))),
                    }));
                }
                if all.iter().any(|s| s.elevation_m.is_some()) {
                    series.push(json!({
                        "recording-rate": 1,
                        "sample-type": "3",
                        "data": joined(all.iter().map(|s| s.elevation_m.map_or_else(String::new, |e| format!("{}", round_to(e, 0.1))))),
                    }));
                }
                map.insert("samples".into(), Value::Array(series));
            }
            if route && w.has_gps {
                let points: Vec<Value> = all
                    .iter()
                    .filter_map(|s| {
                        let p = s.position?;
                        Some(json!({
                            "latitude": p.latitude,
                            "longitude": p.longitude,
                            "time": iso_duration(s.offset_s),
                            "satellites": 12,
                            "fix": 3,
                        }))
                    })
                    .collect();
                map.insert("route".into(), Value::Array(points));
            }
        }
    }
    doc
}

/// The instant the person fell asleep (first non-awake epoch) and woke up (end of the
/// last non-awake epoch): the span Polar's sleep documents describe.
fn asleep_span(s: &Sleep) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let first = s
        .stages
        .iter()
        .find(|span| span.stage != SleepStage::Awake)?;
    let last = s
        .stages
        .iter()
        .rev()
        .find(|span| span.stage != SleepStage::Awake)?;
    Some((first.start, last.end))
}

fn stage_code(stage: SleepStage) -> i64 {
    match stage {
        SleepStage::Awake => 0,
        SleepStage::Rem => 1,
        SleepStage::Light => 3,
        SleepStage::Deep => 4,
    }
}

/// One night (`sleep`), for the night that ended on the morning of `date`.
pub fn sleep_night(date: NaiveDate, s: &Sleep, polar_user_id: u64) -> Option<Value> {
    let (start, end) = asleep_span(s)?;
    let mut hypnogram: BTreeMap<String, i64> = BTreeMap::new();
    for span in s
        .stages
        .iter()
        .filter(|span| span.end > start && span.start < end)
    {
        hypnogram.insert(clock(span.start.max(start)), stage_code(span.stage));
    }
    let start_minute = start.with_second(0).unwrap_or(start);
    // Whole beats per minute, as Polar reports them.
    let heart: BTreeMap<String, i64> = s
        .hr_samples
        .iter()
        .filter(|v| v.time >= start_minute && v.time < end)
        .map(|v| (clock(v.time), v.value.round() as i64))
        .collect();
    let asleep = s.light_s + s.deep_s + s.rem_s;
    Some(json!({
        "polar_user": user_link(polar_user_id),
        "date": date.format("%Y-%m-%d").to_string(),
        "sleep_start_time": start.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        "sleep_end_time": end.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        "device_id": DEVICE_ID,
        "light_sleep": s.light_s,
        "deep_sleep": s.deep_s,
        "rem_sleep": s.rem_s,
        "unrecognized_sleep_stage": 0,
        "total_interruption_duration": ((end - start).num_seconds() - asleep).max(0),
        "hypnogram": hypnogram,
        "heart_rate_samples": heart,
    }))
}

/// The Nightly Recharge of the night that ended on `date`: averages over the four hours
/// from 30 minutes after falling asleep, as Polar defines them.
pub fn nightly_recharge(date: NaiveDate, s: &Sleep, polar_user_id: u64) -> Option<Value> {
    let (start, _) = asleep_span(s)?;
    let from = start + TimeDelta::minutes(30);
    let to = from + TimeDelta::hours(4);
    let window = |values: &[crate::person::TimedValue]| -> Vec<(DateTime<FixedOffset>, f64)> {
        values
            .iter()
            .filter(|v| v.time >= from && v.time < to)
            .map(|v| (v.time, v.value))
            .collect()
    };
    let hr = window(&s.hr_samples);
    let hrv = window(&s.hrv_samples);
    let mean = |points: &[(DateTime<FixedOffset>, f64)]| {
        (!points.is_empty())
            .then(|| points.iter().map(|(_, v)| v).sum::<f64>() / points.len() as f64)
    };
    let hr_avg = mean(&hr)?.round() as i64;
    let hrv_avg = mean(&hrv)?.round() as i64;
    let samples: BTreeMap<String, i64> = hrv
        .iter()
        .map(|(t, v)| (clock(*t), v.round() as i64))
        .collect();
    Some(json!({
        "polar_user": user_link(polar_user_id),
        "date": date.format("%Y-%m-%d").to_string(),
        "heart_rate_avg": hr_avg,
        "beat_to_beat_avg": if hr_avg > 0 { 60_000 / hr_avg } else { 0 },
        "heart_rate_variability_avg": hrv_avg,
        "breathing_rate_avg": s.respiration_rate_brpm,
        "hrv_samples": samples,
    }))
}

/// One day of continuous heart rate: the person's 15-minute averages (the model's
/// resolution; Polar's devices report every 5 minutes), at each interval's start.
pub fn continuous_heart_rate(day: &Day, polar_user_id: u64) -> Value {
    let samples: Vec<Value> = day
        .intervals
        .iter()
        .map(|i| {
            json!({
                "heart_rate": i.avg_hr_bpm,
                "sample_time": i.start.format("%H:%M:%S").to_string(),
            })
        })
        .collect();
    json!({
        "polar_user": user_link(polar_user_id),
        "date": day.date.format("%Y-%m-%d").to_string(),
        "heart_rate_samples": samples,
    })
}

/// One day's activity summary with step samples (15-minute intervals; consecutive equal
/// counts left out, as Polar does).
pub fn daily_activity(day: &Day, steps: bool) -> Value {
    let date = day.date.format("%Y-%m-%d").to_string();
    let mut doc = json!({
        "start_time": format!("{date}T00:00:00"),
        "end_time": format!("{date}T23:59:59"),
        "calories": day.total_kcal().round() as i64,
        "active_calories": day.active_kcal().round() as i64,
        "steps": day.total_steps(),
        "distance_from_steps": round_to(day.distance_m(), 0.1),
    });
    if steps {
        let mut samples = Vec::new();
        let mut previous: Option<u32> = None;
        for interval in &day.intervals {
            if previous != Some(interval.steps) {
                samples.push(json!({
                    "steps": interval.steps,
                    "timestamp": interval.start.format("%Y-%m-%dT%H:%M").to_string(),
                }));
            }
            previous = Some(interval.steps);
        }
        if let Value::Object(map) = &mut doc {
            map.insert(
                "samples".into(),
                json!({
                    "date": date,
                    "steps": {
                        "interval_ms": 900_000,
                        "total_steps": day.total_steps(),
                        "samples": samples,
                    },
                }),
            );
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso_duration(3723), "PT1H2M3S");
        assert_eq!(iso_duration(2700), "PT45M");
        assert_eq!(iso_duration(0), "PT0S");
        assert_eq!(iso_duration(7200), "PT2H");
    }
}
