//! Oura API v2 documents rendered from the synthetic person (field names, types and units
//! of Oura's OpenAPI 1.29; docs/simulator.md §OURA lists every field and where it comes
//! from). Numbers come from the person; what the person has no model for (Oura's activity
//! and readiness scores and their contributors, temperature deviation, breathing
//! disturbance index) is `null`, which the spec allows for each of them. The daily sleep
//! score, daytime stress and VO2 max come from small stated models ([`day_extras`]).
//!
//! This file holds what every document shares (timestamps, `meta`, samples) and
//! `personal_info`; the nightly documents are in [`night`], the activity day in
//! [`activity`], workouts in [`workout`], heart-rate rows in [`heart_rate`], daily sleep,
//! stress, VO2 max and the ring in [`day_extras`].

mod activity;
mod day_extras;
mod heart_rate;
mod night;
mod workout;

pub(super) use activity::daily_activity;
pub(super) use day_extras::{
    RING_SETUP_DAY, daily_sleep, daily_stress, ring_configuration, vo2_max,
};
pub(super) use heart_rate::heart_rate_rows;
pub(super) use night::{daily_readiness, daily_spo2, sleep};
pub(super) use workout::workout;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde::Serialize;

use crate::person::{Person, Sex};

/// Spacing of `class_5_min`, `sleep_phase_5_min` and the heart-rate rows.
pub(super) const FIVE_MINUTES_S: i64 = 300;
/// The person's activity intervals are 15 minutes long.
const INTERVAL_S: i64 = 900;
/// Oura's activity day starts at 04:00 local time (its `timestamp`) and lasts 24 hours.
pub(super) const ACTIVITY_DAY_START_S: i64 = 4 * 3_600;

/// `LocalizedDateTime`: whole seconds with the numeric offset (`+02:00`, UTC as `+00:00`).
pub(super) fn localized(at: DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Series timestamps carry milliseconds (`2024-10-10T01:01:59.000+02:00`), as Oura sends.
fn localized_ms(at: DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// `UtcDateTime` (`2024-12-13T12:31:21+00:00`).
pub(super) fn utc(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&Utc)
        .fixed_offset()
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Local midnight of `date` plus `seconds`, at the person's offset.
pub(super) fn local_at(person: &Person, date: NaiveDate, seconds: i64) -> DateTime<FixedOffset> {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let offset = person.offset().fixed();
    let local = midnight
        .checked_add_signed(TimeDelta::seconds(seconds))
        .unwrap_or(midnight);
    local
        .and_local_timezone(offset)
        .single()
        .unwrap_or_else(|| DateTime::from_naive_utc_and_offset(local, offset))
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

/// Every document carries `meta` (required by the 1.29 spec): when it last changed, and a
/// version counter. Simulated documents never change after their period ends.
#[derive(Serialize)]
pub(super) struct Meta {
    updated_at: String,
    version: u32,
}

fn meta(period_end: DateTime<FixedOffset>) -> Meta {
    Meta {
        updated_at: utc(period_end),
        version: 1,
    }
}

/// `PublicSample`: `items[i]` at `timestamp + i * interval` seconds.
#[derive(Serialize)]
pub(super) struct Sample {
    interval: f64,
    items: Vec<Option<f64>>,
    timestamp: String,
}

/// `PersonalInfoResponse`.
#[derive(Serialize)]
pub(super) struct PersonalInfo {
    id: String,
    age: u32,
    /// Kilograms.
    weight: f64,
    /// Metres.
    height: f64,
    biological_sex: &'static str,
    email: String,
}

/// `account` is Oura's user id (also `user_id` in webhook notifications); `today` gives the
/// age Oura reports now.
pub(super) fn personal_info(account: &str, person: &Person, today: NaiveDate) -> PersonalInfo {
    let profile = person.profile();
    PersonalInfo {
        id: account.to_owned(),
        age: person.age_on(today),
        weight: profile.base_weight_kg,
        height: profile.height_m,
        biological_sex: match profile.sex {
            Sex::Female => "female",
            Sex::Male => "male",
        },
        email: format!(
            "{}.{}@example.com",
            profile.first_name.to_lowercase(),
            profile.last_name.to_lowercase()
        ),
    }
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}
