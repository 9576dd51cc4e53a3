//! wearbridge-sim
