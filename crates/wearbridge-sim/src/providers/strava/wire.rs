//! The synthetic person in Strava's documents: `DetailedAthlete` / `SummaryAthlete`,
//! `SummaryActivity` / `DetailedActivity` (with laps), and `StreamSet`. Field names, types
//! and units follow Strava's swagger document and the examples it carries (`utc_offset`,
//! heart-rate averages); every figure comes from the person model, computed from the same
//! 1 Hz samples the streams serve, so summaries, laps and streams agree.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, TimeDelta, Timelike, Utc};
use serde_json::{Map, Value, json};

use super::ids;
use crate::person::{Person, Sex, Workout, WorkoutKind, WorkoutSample};

/// Device name on every simulated activity.
pub const DEVICE_NAME: &str = "Wearbridge Simulated Watch";
/// Every stream type the simulator can serve (cadence, power and temperature are not
/// modelled, so no activity has them).
pub const STREAM_TYPES: [&str; 7] = [
    "time",
    "distance",
    "latlng",
    "altitude",
    "velocity_smooth",
    "heartrate",
    "moving",
];
/// Below this speed an outdoor sample is "not moving" (Strava's moving detection).
const MOVING_M_S: f64 = 0.5;

/// `2026-03-04T07:30:00Z`.
pub fn utc(instant: DateTime<FixedOffset>) -> String {
    instant
        .with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The local wall time labelled `Z`, as Strava writes `start_date_local`.
pub fn local_labelled_z(instant: DateTime<FixedOffset>) -> String {
    format!("{}Z", instant.naive_local().format("%Y-%m-%dT%H:%M:%S"))
}

/// Strava's `timezone`: `(GMT+01:00) Europe/Berlin` for the person model's home offsets.
pub fn timezone(offset: FixedOffset) -> String {
    let name = match offset.local_minus_utc() {
        3_600 => "Europe/Berlin",
        -18_000 => "America/New_York",
        0 => "Europe/London",
        32_400 => "Asia/Tokyo",
        -28_800 => "America/Los_Angeles",
        19_800 => "Asia/Kolkata",
        36_000 => "Australia/Sydney",
        -10_800 => "America/Sao_Paulo",
        _ => "Etc/Unknown",
    };
    format!("(GMT{offset}) {name}")
}

/// `SummaryAthlete` (`resource_state` 2: the token answer's `athlete`) or
/// `DetailedAthlete` (3: `GET /athlete`).
pub fn athlete(person: &Person, account: &str, detailed: bool) -> Value {
    let profile = person.profile();
    let mut athlete = json!({
        "id": ids::athlete_id(account),
        "username": format!("{}_{}", profile.first_name, profile.last_name).to_lowercase(),
        "resource_state": if detailed { 3 } else { 2 },
        "firstname": profile.first_name,
        "lastname": profile.last_name,
        "bio": null,
        "city": null,
        "state": null,
        "country": null,
        "sex": match profile.sex { Sex::Female => "F", Sex::Male => "M" },
        "premium": false,
        "summit": false,
        "created_at": "2020-01-15T08:00:00Z",
        "updated_at": "2026-01-01T08:00:00Z",
        "badge_type_id": 0,
        "profile_medium": "avatar/athlete/medium.png",
        "profile": "avatar/athlete/large.png",
        "friend": null,
        "follower": null,
    });
    if detailed && let Value::Object(fields) = &mut athlete {
        fields.insert("follower_count".into(), json!(0));
        fields.insert("friend_count".into(), json!(0));
        fields.insert("measurement_preference".into(), json!("meters"));
        fields.insert("ftp".into(), Value::Null);
        fields.insert("weight".into(), json!(profile.base_weight_kg));
        fields.insert("clubs".into(), json!([]));
        fields.insert("bikes".into(), json!([]));
        fields.insert("shoes".into(), json!([]));
    }
    athlete
}

/// Strava's sport type of a workout kind (also a valid deprecated `type`).
pub fn sport_type(kind: WorkoutKind) -> &'static str {
    match kind {
        WorkoutKind::Running => "Run",
        WorkoutKind::Cycling => "Ride",
        WorkoutKind::Walking => "Walk",
        WorkoutKind::StrengthTraining => "WeightTraining",
        WorkoutKind::Yoga => "Yoga",
    }
}

/// Strava's automatic name: the part of the day and the sport (`Morning Run`).
fn name(workout: &Workout) -> String {
    let part = match workout.start.hour() {
        5..=11 => "Morning",
        12..=13 => "Lunch",
        14..=17 => "Afternoon",
        18..=20 => "Evening",
        _ => "Night",
    };
    let sport = match workout.kind {
        WorkoutKind::StrengthTraining => "Weight Training",
        other => sport_type(other),
    };
    format!("{part} {sport}")
}

/// Whether a sample counts as moving: outdoors above walking-shuffle speed; indoors
/// always (Strava times indoor sessions whole).
fn moving(workout: &Workout, sample: &WorkoutSample) -> bool {
    !workout.has_gps || sample.speed_m_s >= MOVING_M_S
}

fn round(value: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    (value * factor).round() / factor
}

/// Figures over `samples[from..to]` (one sample a second).
struct Span {
    elapsed: usize,
    moving: usize,
    distance: f64,
    gain: f64,
    max_speed: f64,
    avg_hr: f64,
    max_hr: f64,
    elev_high: Option<f64>,
    elev_low: Option<f64>,
}

fn span(workout: &Workout, samples: &[WorkoutSample], from: usize, to: usize) -> Span {
    let part = samples.get(from..to).unwrap_or_default();
    let before = from
        .checked_sub(1)
        .and_then(|index| samples.get(index))
        .map_or(0.0, |sample| sample.distance_m);
    let elevations: Vec<f64> = part.iter().filter_map(|s| s.elevation_m).collect();
    let gain = elevations
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).max(0.0))
        .sum();
    let hr_sum: f64 = part.iter().map(|s| f64::from(s.hr_bpm)).sum();
    Span {
        elapsed: part.len(),
        moving: part.iter().filter(|s| moving(workout, s)).count(),
        distance: part.last().map_or(0.0, |s| s.distance_m) - before,
        gain,
        max_speed: part.iter().map(|s| s.speed_m_s).fold(0.0, f64::max),
        avg_hr: hr_sum / part.len().max(1) as f64,
        max_hr: part.iter().map(|s| f64::from(s.hr_bpm)).fold(0.0, f64::max),
        elev_high: elevations.iter().copied().reduce(f64::max),
        elev_low: elevations.iter().copied().reduce(f64::min),
    }
}

fn lat_lng(sample: Option<&WorkoutSample>) -> Value {
    sample.and_then(|s| s.position).map_or(json!([]), |p| {
        json!([round(p.latitude, 6), round(p.longitude, 6)])
    })
}

/// Google's encoded polyline (precision 10⁻⁵) of every `step`-th GPS sample and the last.
pub fn polyline(samples: &[WorkoutSample], step: usize) -> String {
    let mut points: Vec<(i64, i64)> = samples
        .iter()
        .step_by(step.max(1))
        .chain(samples.last())
        .filter_map(|s| s.position)
        .map(|p| {
            (
                (p.latitude * 1e5).round() as i64,
                (p.longitude * 1e5).round() as i64,
            )
        })
        .collect();
    points.dedup();
    let mut out = String::new();
    let mut previous = (0, 0);
    for point in points {
        for delta in [point.0 - previous.0, point.1 - previous.1] {
            let mut value = if delta < 0 { !(delta << 1) } else { delta << 1 };
            while value >= 0x20 {
                out.push(char::from(
                    u8::try_from((0x20 | (value & 0x1f)) + 63).unwrap_or(b'?'),
                ));
                value >>= 5;
            }
            out.push(char::from(u8::try_from(value + 63).unwrap_or(b'?')));
        }
        previous = point;
    }
    out
}

/// One activity: `SummaryActivity`, or with `detailed` the `DetailedActivity` (calories,
/// description, laps, the full polyline).
pub fn activity(
    person: &Person,
    account: &str,
    date: NaiveDate,
    index: usize,
    workout: &Workout,
    detailed: bool,
) -> Value {
    let athlete = ids::athlete_id(account);
    let id = ids::activity_id(athlete, date, index);
    let samples = workout.samples();
    let whole = span(workout, &samples, 0, samples.len());
    let offset = person.offset().fixed();
    let sport = sport_type(workout.kind);
    let mut map = json!({
        "id": format!("a{id}"),
        "summary_polyline": workout.has_gps.then(|| polyline(&samples, 30)),
        "resource_state": if detailed { 3 } else { 2 },
    });
    if detailed && let Value::Object(fields) = &mut map {
        fields.insert(
            "polyline".into(),
            json!(workout.has_gps.then(|| polyline(&samples, 5))),
        );
    }
    let mut activity = json!({
        "resource_state": if detailed { 3 } else { 2 },
        "athlete": {"id": athlete, "resource_state": 1},
        "name": name(workout),
        "distance": round(workout.distance_m, 1),
        "moving_time": whole.moving,
        "elapsed_time": workout.duration_s,
        "total_elevation_gain": round(workout.elevation_gain_m, 1),
        "type": sport,
        "sport_type": sport,
        "workout_type": null,
        "id": id,
        "external_id": format!("{}.fit", workout.id),
        "start_date": utc(workout.start),
        "start_date_local": local_labelled_z(workout.start),
        "timezone": timezone(offset),
        "utc_offset": f64::from(offset.local_minus_utc()),
        "start_latlng": lat_lng(samples.first().filter(|_| workout.has_gps)),
        "end_latlng": lat_lng(samples.last().filter(|_| workout.has_gps)),
        "location_city": null,
        "location_state": null,
        "location_country": null,
        "map": map,
    });
    let social = json!({
        "achievement_count": 0,
        "kudos_count": 0,
        "comment_count": 0,
        "athlete_count": 1,
        "photo_count": 0,
        "total_photo_count": 0,
        "pr_count": 0,
        "has_kudoed": false,
        "suffer_score": null,
        "device_name": DEVICE_NAME,
        "trainer": false,
        "commute": false,
        "manual": false,
        "private": false,
        "flagged": false,
        "gear_id": null,
    });
    let effort = json!({
        "average_speed": round(workout.distance_m / (whole.moving.max(1) as f64), 3),
        "max_speed": round(whole.max_speed, 3),
        "has_heartrate": true,
        "average_heartrate": f64::from(workout.avg_hr_bpm),
        "max_heartrate": f64::from(workout.max_hr_bpm),
        "heartrate_opt_out": false,
        "display_hide_heartrate_option": true,
    });
    if let (Value::Object(fields), Value::Object(social), Value::Object(effort)) =
        (&mut activity, social, effort)
    {
        fields.extend(social);
        fields.extend(effort);
    }
    let Value::Object(fields) = &mut activity else {
        return activity;
    };
    if let (Some(high), Some(low)) = (whole.elev_high, whole.elev_low) {
        fields.insert("elev_high".into(), json!(round(high, 1)));
        fields.insert("elev_low".into(), json!(round(low, 1)));
    }
    if detailed {
        fields.insert("description".into(), Value::Null);
        fields.insert("calories".into(), json!(round(workout.total_kcal, 1)));
        fields.insert("segment_efforts".into(), json!([]));
        fields.insert(
            "laps".into(),
            Value::Array(laps(person, account, date, index, workout)),
        );
        fields.insert("embed_token".into(), json!(format!("{:x}", id)));
    }
    activity
}

/// Laps as an auto-lapping watch makes them: every kilometre on foot, every 5 km on a
/// bike, and one lap for an indoor session.
pub fn laps(
    person: &Person,
    account: &str,
    date: NaiveDate,
    index: usize,
    workout: &Workout,
) -> Vec<Value> {
    let athlete = ids::athlete_id(account);
    let id = ids::activity_id(athlete, date, index);
    let samples = workout.samples();
    let lap_m = match workout.kind {
        WorkoutKind::Cycling => 5_000.0,
        _ if workout.has_gps => 1_000.0,
        _ => f64::INFINITY,
    };
    let mut bounds = vec![0];
    let mut next = lap_m;
    for (position, sample) in samples.iter().enumerate() {
        if sample.distance_m >= next {
            bounds.push(position + 1);
            next += lap_m;
        }
    }
    if bounds.last() != Some(&samples.len()) {
        bounds.push(samples.len());
    }
    let offset = person.offset().fixed();
    bounds
        .windows(2)
        .enumerate()
        .map(|(lap_index, pair)| {
            let (from, to) = (pair[0], pair[1]);
            let figures = span(workout, &samples, from, to);
            let start = workout.start + TimeDelta::seconds(i64::try_from(from).unwrap_or(0));
            let start = start.with_timezone(&offset);
            json!({
                "id": ids::lap_id(id, lap_index + 1),
                "resource_state": 2,
                "name": format!("Lap {}", lap_index + 1),
                "activity": {"id": id, "resource_state": 1},
                "athlete": {"id": athlete, "resource_state": 1},
                "elapsed_time": figures.elapsed,
                "moving_time": figures.moving,
                "start_date": utc(start),
                "start_date_local": local_labelled_z(start),
                "distance": round(figures.distance, 1),
                "start_index": from,
                "end_index": to.saturating_sub(1),
                "total_elevation_gain": round(figures.gain, 1),
                "average_speed": round(figures.distance / figures.moving.max(1) as f64, 3),
                "max_speed": round(figures.max_speed, 3),
                "average_heartrate": round(figures.avg_hr, 1),
                "max_heartrate": figures.max_hr,
                "lap_index": lap_index + 1,
                "split": lap_index + 1,
            })
        })
        .collect()
}

/// The streams of `keys` the workout has: an object keyed by type (`keyed`), else the
/// list of streams each naming its `type`.
pub fn streams(workout: &Workout, keys: &[&str], keyed: bool) -> Value {
    let samples = workout.samples();
    let mut set = Map::new();
    for key in STREAM_TYPES {
        if !keys.contains(&key) {
            continue;
        }
        let data: Vec<Value> = match key {
            "time" => samples.iter().map(|s| json!(s.offset_s)).collect(),
            "distance" => samples
                .iter()
                .map(|s| json!(round(s.distance_m, 1)))
                .collect(),
            "velocity_smooth" => samples
                .iter()
                .map(|s| json!(round(s.speed_m_s, 3)))
                .collect(),
            "heartrate" => samples.iter().map(|s| json!(s.hr_bpm)).collect(),
            "moving" => samples.iter().map(|s| json!(moving(workout, s))).collect(),
            "latlng" if workout.has_gps => samples.iter().map(|s| lat_lng(Some(s))).collect(),
            "altitude" if workout.has_gps => samples
                .iter()
                .map(|s| s.elevation_m.map_or(Value::Null, |m| json!(round(m, 1))))
                .collect(),
            _ => continue,
        };
        let mut stream = json!({
            "data": data,
            "series_type": "distance",
            "original_size": samples.len(),
            "resolution": "high",
        });
        if !keyed && let Value::Object(fields) = &mut stream {
            fields.insert("type".into(), json!(key));
        }
        set.insert(key.to_owned(), stream);
    }
    if keyed {
        Value::Object(set)
    } else {
        Value::Array(set.into_values().collect())
    }
}
