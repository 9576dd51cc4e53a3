//! Wahoo tests: golden mappings of the Cloud API reference's documented examples (and our
//! payloads in the shape integrators record), unit and meaning checks, schema validation,
//! robustness of the parsers, mappers and webhook handler against arbitrary JSON, and the
//! adapter against the simulator (OAuth with single-use refresh, fetches with requests
//! counted, revocation, faults). One binary on purpose (link time).

#[path = "../support/golden.rs"]
mod golden_support;

#[path = "../support/sim_harness.rs"]
mod sim_harness;

#[path = "../support/json_props.rs"]
mod json_props;

mod golden;
mod live;
mod robustness;
