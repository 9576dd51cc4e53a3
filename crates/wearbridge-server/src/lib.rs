//! wearbridge-server: the HTTP API (Terra v2 surface), its auth, errors, configuration,
//! metrics and background-worker plumbing.
//!
//! Entry points: [`config::Config`] (what to run), [`state::AppState`] (what handlers
//! share), [`app::serve`] / [`app::RunningServer`] (run it), [`developers`] (credentials,
//! shared with the CLI).

pub mod adapters;
pub mod app;
pub mod auth;
pub mod auth_cache;
pub mod clock;
pub mod config;
pub mod connect;
pub mod crypto;
pub mod dashboard;
pub mod dates;
pub mod delivery;
pub mod developers;
pub mod encoding;
pub mod error;
pub mod events;
pub mod extract;
pub mod imports;
pub mod ingest;
pub mod jobs;
pub mod keyed_locks;
pub mod listen;
pub mod metrics;
pub mod openapi;
pub mod outbound;
pub mod read_cache;
pub mod routes;
pub mod secrets;
pub mod services;
pub mod shutdown;
pub mod state;
pub mod sync;
pub mod wire;
pub mod workers;
pub mod workouts;
