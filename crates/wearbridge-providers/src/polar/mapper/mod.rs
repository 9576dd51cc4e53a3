//! Pure mappers from Polar AccessLink documents ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Units: Polar reports energy in kcal, distances in metres, heart
//! rate in bpm, HRV as RMSSD in ms and sleep stages in seconds, Terra's units; exercise
//! speed samples are km/h and become m/s here, durations are ISO 8601 text and become
//! seconds. Times keep what Polar says about their zone: exercises carry a UTC offset in
//! minutes (kept), sleep carries an offset in its start and end (kept, and used for the
//! night's clock-time samples), while daily activity, continuous heart rate and Nightly
//! Recharge carry none, so their records use local wall-clock times without an offset
//! (Terra's documented form for "user's local time") rather than inventing UTC.
//!
//! One file per Terra type (`activity.rs` for exercises, `sleep.rs`, `body.rs`,
//! `daily.rs`; Athlete is the one function below), the helpers they share in `common.rs`.
//! Every public mapper is re-exported here, so callers name `mapper::<function>` whichever
//! file it lives in.

mod activity;
mod body;
mod common;
mod daily;
mod sleep;

use wearbridge_model::Athlete;

use super::time::date;
use super::wire;

pub use activity::{activity_type, exercise};
pub use body::body_day;
pub use daily::daily;
pub use sleep::sleep;

/// The user profile. Polar's weight (kg) and height (cm) describe the profile, not a
/// dated measurement, so they are not turned into a Body record.
pub fn athlete(user: &wire::User) -> Athlete {
    let sex = user.gender.as_deref().map(str::to_ascii_lowercase);
    Athlete {
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        date_of_birth: user
            .birthdate
            .as_deref()
            .and_then(date)
            .map(|d| d.format("%Y-%m-%d").to_string()),
        sex: sex.clone(),
        gender: sex,
        provider_user_id: Some(user.polar_user_id.to_string()),
        ..Athlete::default()
    }
}
