//! wearbridge-providers
