//! Wahoo tests: golden mappings of the Cloud API reference's documented examples (and our
//! payloads in the shape integrators record), unit and meaning checks, schema validation,
//! and robustness of the parsers, mappers and webhook handler against arbitrary JSON. One
//! binary on purpose (link time).

#[path = "../support/golden.rs"]
mod golden_support;

#[path = "../support/json_props.rs"]
mod json_props;

mod golden;
mod robustness;
