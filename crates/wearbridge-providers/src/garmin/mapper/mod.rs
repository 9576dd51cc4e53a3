//! Pure mappers from Garmin Health/Activity API summaries ([`super::wire`]) to Terra records.
//!
//! No IO and no clock. Garmin sends instants as Unix seconds plus the device's display
//! offset; every Terra timestamp here is that instant *in that offset*, so a summary keeps
//! the local day the user saw it on. Without an offset an instant stays in UTC (still the
//! right instant). Units: weights arrive in **grams** and become kilograms where Terra
//! wants kilograms (`weight_kg`) but stay grams where Terra counts grams (`bone_mass_g`,
//! `muscle_mass_g`); durations are seconds on both sides; HRV values are RMSSD (ms).
//!
//! Terra keys Daily and Body records by local day, while Garmin spreads a day over several
//! summaries (dailies, epochs, stressDetails; bodyComps, bloodPressures, pulseOx, hrv,
//! userMetrics). The `*_days` functions therefore merge everything of one local day into
//! one record, so two summaries never overwrite each other in the store.
//!
//! One file per Terra type (`daily.rs`, `sleep.rs`, `body.rs`, `activity.rs`,
//! `menstruation.rs`; Athlete is the one function below), the helpers they share in
//! `common.rs`. Every public mapper is re-exported here, so callers name
//! `mapper::<function>` whichever file it lives in.

mod activity;
mod body;
mod common;
mod daily;
mod menstruation;
mod sleep;

use wearbridge_model::Athlete;

use super::wire;

pub use activity::{activity, activity_details, activity_type};
pub use body::{BodySources, body_days};
pub use common::{display_offset, instant, parse_date, series};
pub use daily::daily_days;
pub use menstruation::menstruation;
pub use sleep::sleep;

/// The athlete: Garmin has no profile endpoint, only the user id.
pub fn athlete(user: &wire::UserId) -> Athlete {
    Athlete {
        provider_user_id: Some(user.user_id.clone()),
        ..Athlete::default()
    }
}
