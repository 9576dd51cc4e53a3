//! OURA tests: golden mappings of real recorded Oura API v2 responses, unit and meaning
//! checks, schema validation, and robustness of the parsers and mappers against arbitrary
//! JSON. One binary on purpose (link time).

mod adapter;
mod golden;
mod robustness;
