//! Pure mappers from Withings answers ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Units: Withings measures are `value × 10^unit` in the unit of their
//! type (kg, m, %, mmHg, bpm, °C); Terra wants grams for body masses and centimetres for
//! height, so those are converted here. Durations are seconds on both sides, energy kcal,
//! distance metres. Sleep efficiency is a 0–1 ratio at Withings and a percentage at Terra.
//! HRV: `rmssd` goes to Terra's RMSSD fields and `sdnn_1` to its SDNN fields, never mixed.
//!
//! Time: Withings sends epoch seconds plus an IANA zone name; each timestamp gets the
//! offset that zone had at that instant ([`super::zone`]). For a zone the table does not
//! know, instants stay exact at `+00:00`, and day records built from a Withings local date
//! carry no offset at all (the local date is right, the offset unknown).
//!
//! One file per Terra type (`body.rs`, `daily.rs`, `activity.rs`, `sleep.rs`), the helpers
//! they share in `common.rs`. Every public item is re-exported here, so callers name
//! `mapper::<item>` whichever file it lives in.

mod activity;
mod body;
mod common;
mod daily;
mod sleep;

pub use activity::{workout, workout_type};
pub use body::{body, meastype};
pub use common::scaled;
pub use daily::{DaySamples, attach_samples, daily, intraday, intraday_days};
pub use sleep::{sleep, sleep_segments};
