//! wearbridge-sim
pub mod person;
mod prng;
