//! The synthetic person's data as Suunto writes it, and workout keys the simulator can
//! read back without stored state.
//!
//! A workout key is 24 lower-case hex digits, as Suunto's are: 8 for the account (hashed),
//! 8 for the day (days since 1970-01-01), 8 for the workout's index in its day.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, SecondsFormat};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::person::{Person, Workout, WorkoutKind};

/// Joules in one kilocalorie: Suunto's daily energy is in joules.
pub const JOULES_PER_KCAL: f64 = 4_184.0;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn account_tag(account: &str) -> u32 {
    let digest = Sha256::digest(account.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// The key of workout `index` of `date` for `account`.
pub fn workout_key(account: &str, date: NaiveDate, index: usize) -> String {
    let days = u32::try_from((date - epoch()).num_days()).unwrap_or(0);
    let index = u32::try_from(index).unwrap_or(0);
    format!("{:08x}{days:08x}{index:08x}", account_tag(account))
}

/// The day and index a key of `account` names, if it is one of theirs.
pub fn decode_key(account: &str, key: &str) -> Option<(NaiveDate, usize)> {
    if key.len() != 24 || !key.is_ascii() {
        return None;
    }
    let part = |range: std::ops::Range<usize>| u32::from_str_radix(key.get(range)?, 16).ok();
    if part(0..8)? != account_tag(account) {
        return None;
    }
    let date = epoch().checked_add_days(Days::new(u64::from(part(8..16)?)))?;
    Some((date, usize::try_from(part(16..24)?).ok()?))
}

/// Suunto's sport code for the simulated kind.
pub fn activity_id(kind: WorkoutKind) -> i64 {
    match kind {
        WorkoutKind::Walking => 0,
        WorkoutKind::Running => 1,
        WorkoutKind::Cycling => 2,
        WorkoutKind::StrengthTraining => 23,
        WorkoutKind::Yoga => 51,
    }
}

fn iso(at: DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// The device every simulated workout is recorded with.
pub fn gear(account: &str) -> Value {
    json!({
        "manufacturer": "Suunto",
        "name": "Suunto Race 2",
        "displayName": "Suunto Race 2",
        "serialNumber": format!("SIM{:08X}", account_tag(account)),
        "swVersion": "2.53.42",
        "hwVersion": "Sailfish_RevA1",
        "productType": "SPORT_WATCH",
    })
}

/// A workout as `GET /v3/workouts/...` writes it; `fresh` leaves out `stopTime` and the
/// root `gear`, as a `WORKOUT_CREATED` push does.
pub fn workout(
    person: &Person,
    account: &str,
    date: NaiveDate,
    index: usize,
    workout: &Workout,
    fresh: bool,
) -> Value {
    let start = workout.start.timestamp_millis();
    let position = if workout.has_gps {
        let home = person.profile().home;
        json!({"x": home.longitude, "y": home.latitude})
    } else {
        json!({"x": 0.0, "y": 0.0})
    };
    let user_max = person.profile().max_hr_bpm.round();
    let mut value = json!({
        "workoutKey": workout_key(account, date, index),
        "workoutId": 0,
        "activityId": activity_id(workout.kind),
        "startTime": start,
        "totalTime": workout.duration_s,
        "timeOffsetInMinutes": workout.start.offset().local_minus_utc() / 60,
        "totalDistance": workout.distance_m,
        "totalAscent": workout.elevation_gain_m,
        "stepCount": workout.steps,
        "energyConsumption": (workout.total_kcal * 10.0).round() / 10.0,
        "avgSpeed": workout.avg_speed_m_s,
        "startPosition": position,
        "isManuallyAdded": false,
        "hrdata": {
            "workoutAvgHR": workout.avg_hr_bpm,
            "workoutMaxHR": workout.max_hr_bpm,
            "avg": workout.avg_hr_bpm,
            "hrmax": workout.max_hr_bpm,
            "userMaxHR": user_max,
            "max": user_max,
        },
    });
    if !fresh && let Value::Object(fields) = &mut value {
        fields.insert("stopTime".into(), json!(workout.end.timestamp_millis()));
        fields.insert("gear".into(), gear(account));
    }
    value
}

/// The night ending on `date` as one `/247samples/sleep` item.
pub fn sleep(person: &Person, date: NaiveDate) -> Value {
    let night = person.sleep_ending_on(date);
    json!({
        "timestamp": iso(night.start),
        "entryData": {
            "BedtimeStart": iso(night.start),
            "BedtimeEnd": iso(night.end),
            "Duration": night.in_bed_s as f64,
            "DeepSleepDuration": night.deep_s as f64,
            "LightSleepDuration": night.light_s as f64,
            "REMSleepDuration": night.rem_s as f64,
            "HRAvg": f64::from(night.avg_hr_bpm),
            "HRMin": f64::from(night.resting_hr_bpm),
            "AvgHRV": night.hrv_rmssd_ms,
            "SleepQualityScore": night.efficiency_percent.round(),
            "IsNap": false,
            "SleepId": night.start.timestamp(),
        },
    })
}

/// `/247/daily-activity-statistics` for the local days `first..=last`: steps and energy
/// (joules) from one source, the watch.
pub fn daily_statistics(person: &Person, first: NaiveDate, last: NaiveDate) -> Value {
    let offset = person.offset().fixed();
    let mut steps = Vec::new();
    let mut energy = Vec::new();
    for date in first.iter_days().take_while(|day| *day <= last) {
        let Some(midnight) = date
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single())
        else {
            continue;
        };
        let day = person.day(date);
        steps.push(json!({"TimeISO8601": iso(midnight), "Value": day.total_steps()}));
        energy.push(json!({
            "TimeISO8601": iso(midnight),
            "Value": (day.total_kcal() * JOULES_PER_KCAL).round(),
        }));
    }
    json!([
        {"Name": "stepcount", "Sources": [{"Samples": steps}]},
        {"Name": "energyconsumption", "Sources": [{"Samples": energy}]},
    ])
}

/// A few 24/7 activity samples of `date` (heart rate and steps every 15 minutes of its
/// first hours), as a `SUUNTO_247_ACTIVITY_CREATED` push carries them.
pub fn activity_samples(person: &Person, date: NaiveDate) -> Vec<Value> {
    person
        .day(date)
        .intervals
        .iter()
        .take(4)
        .map(|interval| {
            json!({
                "timestamp": iso(interval.start),
                "entryData": {"HR": interval.avg_hr_bpm, "StepCount": interval.steps},
            })
        })
        .collect()
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn keys_decode_for_their_account_only() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap_or_default();
        let key = workout_key("alice", date, 1);
        assert_eq!(key.len(), 24);
        assert_eq!(decode_key("alice", &key), Some((date, 1)));
        assert_eq!(decode_key("bob", &key), None);
        assert_eq!(decode_key("alice", "zz"), None);
        assert_eq!(decode_key("alice", "é1234567890123456789012"), None);
    }
}
