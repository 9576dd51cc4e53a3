//! The synthetic person in Withings's wire format (providers.md §3.3): epoch seconds, an
//! IANA zone name per record, measures as `value × 10^unit` integers.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::person::{Day, Person, Sleep, SleepStage, Workout, WorkoutKind};

/// A Withings-style numeric id for one of the person's string ids (Withings ids are
/// integers): the first 6 bytes of its SHA-256, so it is stable and fits JSON numbers.
pub(super) fn numeric_id(text: &str) -> i64 {
    let digest = Sha256::digest(text.as_bytes());
    digest
        .iter()
        .take(6)
        .fold(0i64, |id, byte| (id << 8) | i64::from(*byte))
}

/// An IANA zone with the person's fixed offset and no daylight saving, so the adapter's
/// zone rules give back exactly the person's offset: a real city where one has no DST,
/// otherwise the `Etc/GMT±N` zone (sign inverted by IANA convention).
pub(super) fn zone_name(offset_s: i32) -> String {
    match offset_s {
        0 => "Etc/UTC".to_owned(),
        19_800 => "Asia/Kolkata".to_owned(),
        32_400 => "Asia/Tokyo".to_owned(),
        36_000 => "Australia/Brisbane".to_owned(),
        -10_800 => "America/Sao_Paulo".to_owned(),
        seconds if seconds % 3_600 == 0 => {
            let hours = -seconds / 3_600;
            format!("Etc/GMT{hours:+}")
        }
        _ => "Etc/UTC".to_owned(),
    }
}

pub(super) fn person_zone(person: &Person) -> String {
    zone_name(person.offset().seconds())
}

fn epoch(instant: DateTime<FixedOffset>) -> i64 {
    instant.timestamp()
}

/// One measure: `value × 10^unit`.
fn measure(kind: i64, value: f64, unit: i64) -> Value {
    let exponent = i32::try_from(-unit).unwrap_or(0);
    json!({"value": (value * 10f64.powi(exponent)).round() as i64, "type": kind, "unit": unit})
}

/// The morning weigh-in of `date` as a measure group (Body+ scale: weight, fat ratio,
/// fat-free and fat mass), restricted to `types` when given.
pub(super) fn measure_group(person: &Person, date: NaiveDate, types: Option<&[i64]>) -> Value {
    let body = person.body_on(date);
    let fat_mass = body.weight_kg - body.lean_mass_kg;
    let measures: Vec<Value> = [
        measure(1, body.weight_kg, -3),
        measure(6, body.body_fat_percent, -2),
        measure(5, body.lean_mass_kg, -3),
        measure(8, fat_mass, -3),
    ]
    .into_iter()
    .filter(|m| {
        let kind = m.get("type").and_then(Value::as_i64).unwrap_or_default();
        types.is_none_or(|types| types.contains(&kind))
    })
    .collect();
    let at = epoch(body.measured_at);
    json!({
        "grpid": numeric_id(&format!("{}-{date}-weigh-in", person.profile().user_id)),
        "attrib": 0,
        "date": at,
        "created": at + 5,
        "modified": at + 5,
        "category": 1,
        "deviceid": "sim-body-plus",
        "hash_deviceid": "sim-body-plus",
        "model": "Body+",
        "modelid": 5,
        "measures": measures,
        "comment": null,
    })
}

/// One activity day (`getactivity`): totals of the person's day.
pub(super) fn activity_day(person: &Person, day: &Day) -> Value {
    let hr: Vec<u32> = day.intervals.iter().map(|i| i.avg_hr_bpm).collect();
    json!({
        "date": day.date.format("%Y-%m-%d").to_string(),
        "timezone": person_zone(person),
        "deviceid": "sim-scanwatch",
        "hash_deviceid": "sim-scanwatch",
        "brand": 1,
        "is_tracker": true,
        "model": "ScanWatch",
        "steps": day.total_steps(),
        "distance": round3(day.distance_m()),
        "elevation": 0,
        "calories": round3(day.active_kcal()),
        "totalcalories": round3(day.total_kcal()),
        "hr_average": day.avg_hr_bpm(),
        "hr_min": hr.iter().min().copied().unwrap_or(0),
        "hr_max": hr.iter().max().copied().unwrap_or(0),
        "modified": day.intervals.last().map_or(0, |i| epoch(i.end)),
    })
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Intraday points (`getintradayactivity`) of `day` starting in `[start, end]`: one per
/// 15-minute interval, keyed by its start.
pub(super) fn intraday_points(day: &Day, start: i64, end: i64, series: &mut Map<String, Value>) {
    for interval in &day.intervals {
        let at = epoch(interval.start);
        if at < start || at > end {
            continue;
        }
        series.insert(
            at.to_string(),
            json!({
                "steps": interval.steps,
                "distance": round3(interval.distance_m),
                "calories": round3(interval.active_kcal),
                "elevation": 0,
                "duration": (interval.end - interval.start).num_seconds(),
                "heart_rate": interval.avg_hr_bpm,
            }),
        );
    }
}

fn workout_category(kind: WorkoutKind) -> i64 {
    match kind {
        WorkoutKind::Walking => 1,
        WorkoutKind::Running => 2,
        WorkoutKind::Cycling => 6,
        WorkoutKind::StrengthTraining => 16,
        WorkoutKind::Yoga => 28,
    }
}

/// One workout (`getworkouts`).
pub(super) fn workout(person: &Person, date: NaiveDate, session: &Workout) -> Value {
    json!({
        "id": numeric_id(&session.id),
        "category": workout_category(session.kind),
        "attrib": 0,
        "startdate": epoch(session.start),
        "enddate": epoch(session.end),
        "date": date.format("%Y-%m-%d").to_string(),
        "timezone": person_zone(person),
        "deviceid": "sim-scanwatch",
        "model": 93,
        "data": {
            "calories": round3(session.active_kcal),
            "effduration": session.duration_s,
            "hr_average": session.avg_hr_bpm,
            "hr_max": session.max_hr_bpm,
            "steps": session.steps,
            "distance": round3(session.distance_m),
            "elevation": round3(session.elevation_gain_m),
            "pause_duration": 0,
        },
        "modified": epoch(session.end) + 60,
    })
}

/// One night's summary (`getsummary`); `date` is the day the night ended.
pub(super) fn sleep_summary(person: &Person, date: NaiveDate, night: &Sleep) -> Value {
    let hr_max = night
        .hr_samples
        .iter()
        .map(|s| s.value)
        .fold(f64::NAN, f64::max);
    json!({
        "id": numeric_id(&night.id),
        "timezone": person_zone(person),
        "model": 32,
        "model_id": 63,
        "hash_deviceid": "sim-sleep-analyzer",
        "startdate": epoch(night.start),
        "enddate": epoch(night.end),
        "date": date.format("%Y-%m-%d").to_string(),
        "created": epoch(night.end) + 600,
        "modified": epoch(night.end) + 600,
        "data": {
            "total_sleep_time": night.asleep_s,
            "total_timeinbed": night.in_bed_s,
            "asleepduration": night.asleep_s,
            "lightsleepduration": night.light_s,
            "deepsleepduration": night.deep_s,
            "remsleepduration": night.rem_s,
            "wakeupduration": night.awake_s,
            "durationtosleep": night.latency_s,
            "sleep_latency": night.latency_s,
            // A ratio 0–1 at Withings.
            "sleep_efficiency": (night.efficiency_percent / 100.0 * 100.0).round() / 100.0,
            "hr_average": night.avg_hr_bpm,
            "hr_min": night.resting_hr_bpm,
            "hr_max": if hr_max.is_finite() { hr_max.round() } else { 0.0 },
            "rr_average": night.respiration_rate_brpm.round(),
        },
    })
}

fn state(stage: SleepStage) -> i64 {
    match stage {
        SleepStage::Awake => 0,
        SleepStage::Light => 1,
        SleepStage::Deep => 2,
        SleepStage::Rem => 3,
    }
}

/// The night's segments (`sleep get`) that start in `[start, end]`, each with the 5-minute
/// heart-rate and RMSSD samples inside it and the night's respiration rate.
pub(super) fn sleep_segments(night: &Sleep, start: i64, end: i64, out: &mut Vec<Value>) {
    for span in &night.stages {
        let (from, to) = (epoch(span.start), epoch(span.end));
        if from < start || from > end {
            continue;
        }
        let inside = |time: DateTime<FixedOffset>| {
            let at = epoch(time);
            at >= from && at < to
        };
        let series = |samples: &[crate::person::TimedValue], round: bool| -> Map<String, Value> {
            samples
                .iter()
                .filter(|s| inside(s.time))
                .map(|s| {
                    let value = if round {
                        s.value.round()
                    } else {
                        (s.value * 10.0).round() / 10.0
                    };
                    (epoch(s.time).to_string(), json!(value))
                })
                .collect()
        };
        let hr = series(&night.hr_samples, true);
        let rr: Map<String, Value> = hr
            .keys()
            .map(|key| (key.clone(), json!(night.respiration_rate_brpm.round())))
            .collect();
        out.push(json!({
            "startdate": from,
            "enddate": to,
            "state": state(span.stage),
            "model": "Sleep Analyzer",
            "model_id": 63,
            "hash_deviceid": "sim-sleep-analyzer",
            "hr": hr,
            "rr": rr,
            "rmssd": series(&night.hrv_samples, false),
        }));
    }
}
