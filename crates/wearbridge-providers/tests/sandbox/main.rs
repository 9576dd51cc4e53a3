//! SANDBOX adapter tests: golden mappings from committed simulator output, schema
//! validation, robustness of the wire parsers and mappers, and the whole OAuth + fetch
//! cycle against an in-process simulator. One binary on purpose (link time).

mod common;
mod golden;
mod live;
mod robustness;
