//! wearbridge-store
