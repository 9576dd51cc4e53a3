//! The synthetic person in Dexcom's v3 documents: CGM readings as EGVs, meals as `carbs`
//! events, workouts as `exercise` events, and the spans `/dataRange` reports. Every number
//! comes from the person model; this file only chooses Dexcom's field names, units and
//! time notation.
//!
//! Each account uses one display device, chosen from its id: the iOS app (times with `Z`),
//! the Android app (times with `+00:00` and a local offset), or a receiver (times with no
//! zone at all, as Dexcom documents for receivers), so the adapter meets every notation.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::person::{GlucoseReading, Person};

/// The first local day each simulated account has data for. Fixed, so that a backfill
/// reaching before it (clipped by `/dataRange`) is reproducible.
pub fn history_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// How an account's display device writes times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Display {
    Ios,
    Android,
    Receiver,
}

impl Display {
    /// The device `account` reads its sensor with.
    pub fn of(account: &str) -> Display {
        match digest("display", account).first().map(|byte| byte % 3) {
            Some(0) => Display::Ios,
            Some(1) => Display::Android,
            _ => Display::Receiver,
        }
    }

    /// `displayDevice`.
    pub fn device(self) -> &'static str {
        match self {
            Display::Ios => "iOS",
            Display::Android => "android",
            Display::Receiver => "receiver",
        }
    }

    /// `displayApp` (receivers have none).
    pub fn app(self) -> Value {
        match self {
            Display::Ios => json!("G7"),
            Display::Android => json!("G7Android"),
            Display::Receiver => Value::Null,
        }
    }

    /// `systemTime` of `at` (UTC).
    pub fn system_time(self, at: DateTime<FixedOffset>) -> String {
        let utc = at.with_timezone(&Utc);
        match self {
            Display::Ios => utc.to_rfc3339_opts(SecondsFormat::Secs, true),
            Display::Android => utc.to_rfc3339_opts(SecondsFormat::Secs, false),
            Display::Receiver => utc.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }

    /// `displayTime` of `at` (the person's local time).
    pub fn display_time(self, at: DateTime<FixedOffset>) -> String {
        match self {
            Display::Receiver => at.naive_local().format("%Y-%m-%dT%H:%M:%S").to_string(),
            _ => at.to_rfc3339_opts(SecondsFormat::Secs, false),
        }
    }
}

fn digest(kind: &str, text: &str) -> Vec<u8> {
    Sha256::digest(format!("dexcom:{kind}:{text}").as_bytes()).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A stable UUID-shaped id for one record (Dexcom's `recordId`s are UUIDs).
fn record_id(kind: &str, account: &str, key: &str) -> String {
    let h = hex(&digest(kind, &format!("{account}/{key}")));
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Dexcom's `userId` for `account` (64 hex digits, as in Dexcom's examples).
pub fn user_id(account: &str) -> String {
    hex(&digest("user", account))
}

fn transmitter_id(account: &str) -> String {
    hex(&digest("transmitter", account))
}

/// Dexcom's trend arrow for a rate in mg/dL/min (flat within ±1; 45° to 2; single to 3;
/// double beyond).
fn trend(rate: f64) -> &'static str {
    match rate {
        r if r > 3.0 => "doubleUp",
        r if r > 2.0 => "singleUp",
        r if r > 1.0 => "fortyFiveUp",
        r if r >= -1.0 => "flat",
        r if r >= -2.0 => "fortyFiveDown",
        r if r >= -3.0 => "singleDown",
        _ => "doubleDown",
    }
}

/// The ends of a Dexcom sensor's range (40–400 mg/dL): a reading there is `low`/`high`.
const SENSOR_LOW: f64 = 40.0;
const SENSOR_HIGH: f64 = 400.0;

/// One EGV record.
pub fn egv(account: &str, display: Display, reading: &GlucoseReading) -> Value {
    let status = if reading.mg_per_dl <= SENSOR_LOW {
        "low"
    } else if reading.mg_per_dl >= SENSOR_HIGH {
        "high"
    } else {
        "ok"
    };
    let ticks = (reading.at.timestamp() - session_start(reading.at)).max(0);
    json!({
        "recordId": record_id("egv", account, &reading.at.timestamp().to_string()),
        "systemTime": display.system_time(reading.at),
        "displayTime": display.display_time(reading.at),
        "transmitterId": transmitter_id(account),
        "transmitterTicks": ticks,
        "value": reading.mg_per_dl as i64,
        "status": status,
        "trend": trend(reading.trend_mg_per_dl_per_min),
        "trendRate": reading.trend_mg_per_dl_per_min,
        "unit": "mg/dL",
        "rateUnit": "mg/dL/min",
        "displayDevice": display.device(),
        "transmitterGeneration": "g7",
        "displayApp": display.app(),
    })
}

/// Start of the 10-day sensor session holding `at` (G7 sensors last ten days), as epoch
/// seconds: what `transmitterTicks` counts from.
fn session_start(at: DateTime<FixedOffset>) -> i64 {
    const SESSION_S: i64 = 10 * 86_400;
    at.timestamp() - at.timestamp().rem_euclid(SESSION_S)
}

/// Every user-entered event of the local day `date`: one `carbs` event per meal, one
/// `exercise` event per workout (intensity from the workout's heart rate over the
/// person's maximum: under 64 % light, under 77 % medium, else heavy, the ACSM bands).
pub fn events_on(
    person: &Person,
    account: &str,
    display: Display,
    date: NaiveDate,
) -> Vec<(DateTime<FixedOffset>, Value)> {
    let day = person.day(date);
    let common = |kind: &str, key: &str, at: DateTime<FixedOffset>| {
        json!({
            "recordId": record_id(kind, account, key),
            "systemTime": display.system_time(at),
            "displayTime": display.display_time(at),
            "eventStatus": "created",
            "transmitterId": transmitter_id(account),
            "transmitterGeneration": "g7",
            "displayDevice": display.device(),
        })
    };
    let mut events = Vec::new();
    for meal in &day.meals {
        let mut event = common("carbs", &meal.id, meal.eaten_at);
        event["eventType"] = json!("carbs");
        event["eventSubType"] = Value::Null;
        // Documented as a string.
        event["value"] = json!(meal.carbohydrates_g.to_string());
        event["unit"] = json!("grams");
        events.push((meal.eaten_at, event));
    }
    let max_hr = person.profile().max_hr_bpm.max(1.0);
    for workout in &day.workouts {
        let share = f64::from(workout.avg_hr_bpm) / max_hr;
        let level = if share < 0.64 {
            "light"
        } else if share < 0.77 {
            "medium"
        } else {
            "heavy"
        };
        let minutes = (workout.duration_s as f64 / 60.0).round() as i64;
        let mut event = common("exercise", &workout.id, workout.start);
        event["eventType"] = json!("exercise");
        event["eventSubType"] = json!(level);
        event["value"] = json!(minutes.to_string());
        event["unit"] = json!("minutes");
        events.push((workout.start, event));
    }
    events.sort_by_key(|(at, _)| at.timestamp());
    events
}

/// `{systemTime, displayTime}` of one record time.
pub fn moment(display: Display, at: DateTime<FixedOffset>) -> Value {
    json!({
        "systemTime": display.system_time(at),
        "displayTime": display.display_time(at),
    })
}
