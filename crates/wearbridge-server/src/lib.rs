//! wearbridge-server
