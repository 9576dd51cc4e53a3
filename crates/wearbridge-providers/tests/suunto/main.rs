//! Suunto tests: golden mappings of documented and captured payloads, unit and meaning
//! checks, schema validation, the push signature and events, the adapter against the
//! simulator (OAuth, fetches with requests counted, faults, refresh, deauthorization,
//! signed pushes), and robustness of the parsers and mappers against arbitrary JSON. One
//! binary on purpose (link time).

#[path = "../support/golden.rs"]
mod golden_support;

#[path = "../support/sim_harness.rs"]
mod sim_harness;

#[path = "../support/json_props.rs"]
mod json_props;

mod golden;
mod live;
mod robustness;
