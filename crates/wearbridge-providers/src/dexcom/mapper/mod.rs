//! Pure mappers from Dexcom's documents ([`super::wire`]) into Terra's model: no IO, no
//! clock. [`glucose`] makes the Body records (EGVs and insulin), [`events`] the Nutrition
//! (carbohydrates) and Activity (exercise) records, [`time`] places every record in the
//! person's local time.

pub mod events;
pub mod glucose;
pub mod time;

pub use events::{activities, nutrition_days};
pub use glucose::body_days;
