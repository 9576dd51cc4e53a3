//! OURA tests: golden mappings of real recorded Oura API v2 responses, unit and meaning
//! checks, schema validation, and robustness of the parsers and mappers against arbitrary
//! JSON, and the adapter against the simulator's Oura cloud. One binary on purpose (link
//! time).

#[path = "../support/golden.rs"]
mod golden_support;

#[path = "../support/json_props.rs"]
mod json_props;

mod adapter;
mod golden;
mod golden_daily;
mod robustness;
mod sim;
