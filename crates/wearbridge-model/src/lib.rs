//! wearbridge-model
