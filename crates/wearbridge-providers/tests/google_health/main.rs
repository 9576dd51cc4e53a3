//! Google Health tests: golden mappings of Fitbit-era values and documented shapes in the
//! v4 wire format, unit and meaning checks, schema validation, and robustness of the
//! parsers and mappers against arbitrary JSON. One binary on purpose (link time).

#[path = "../support/golden.rs"]
mod golden_support;

#[path = "../support/json_props.rs"]
mod json_props;

mod golden;
mod robustness;
