//! Dexcom tests: golden mappings of payloads in Dexcom's documented v3 shapes, unit, offset
//! and meaning checks, schema validation, robustness of the parsers and mappers against
//! arbitrary JSON, and the adapter against the simulator (OAuth, every type, `/dataRange`,
//! refresh rotation, faults). One binary on purpose (link time).

#[path = "../support/golden.rs"]
mod golden_support;

#[path = "../support/sim_harness.rs"]
mod sim_harness;

#[path = "../support/json_props.rs"]
mod json_props;

mod golden;
mod live;
mod robustness;
