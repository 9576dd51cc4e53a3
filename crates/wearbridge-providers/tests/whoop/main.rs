//! WHOOP tests: golden mappings of payloads in WHOOP's documented shapes, unit and meaning
//! checks, schema validation, robustness of the parsers and mappers against arbitrary JSON,
//! and the adapter against the simulator (OAuth, every data type, push, faults, revoke).
//! One binary on purpose (link time).

#[path = "../support/golden.rs"]
mod golden_support;

#[path = "../support/sim_harness.rs"]
mod sim_harness;

#[path = "../support/json_props.rs"]
mod json_props;

mod golden;
mod live;
mod robustness;
