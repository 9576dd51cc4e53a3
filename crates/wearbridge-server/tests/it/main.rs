//! Integration tests: the real server on 127.0.0.1:0 against a fresh database, once on
//! SQLite and once on PostgreSQL (`WEARBRIDGE_TEST_POSTGRES_URL`; the PostgreSQL variant
//! is skipped with a note when it is unset). One test binary keeps linking cheap: new
//! areas add a module here.

mod harness;

mod auth;
mod browser;
mod compression;
mod connect;
mod dashboard;
mod data;
mod fixtures;
mod flows;
mod fuzz;
mod imports;
mod integrations;
mod on_demand;
mod on_demand_history;
mod on_demand_providers;
mod ops;
mod paths;
mod provider_dexcom;
mod provider_garmin;
mod provider_google_health;
mod provider_oura;
mod provider_polar;
mod provider_sandbox;
mod provider_strava;
mod provider_suunto;
mod provider_wahoo;
mod provider_whoop;
mod provider_widget;
mod provider_withings;
mod rate_limits;
mod read_cache;
mod sdk_ingest;
mod slow_clients;
mod sync;
mod users;
mod webhooks;
mod workouts;
mod writes;
