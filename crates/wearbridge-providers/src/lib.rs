//! wearbridge-providers: what Wearbridge knows about each data provider.
//!
//! For now this crate holds only the provider [`registry`]: the static facts the
//! `/v2/integrations` endpoints publish. The adapter trait (OAuth settings, API client,
//! mappers to the Terra model) lands next to it in a later change.

pub mod registry;

pub use registry::{DataTypeSupport, ProviderInfo, Registry, SetupKind};
