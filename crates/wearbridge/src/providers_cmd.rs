//! `wearbridge providers ...`: offline tools for provider payloads.

use std::io::Read;

use anyhow::Context;
use serde_json::{Value, json};

/// Provider tools.
#[derive(Debug, clap::Subcommand)]
pub enum ProvidersCommand {
    /// Map one raw provider response body (read from stdin) to Terra records, printed as a
    /// JSON array of {"type", "data"}. SANDBOX menstruation and nutrition days are placed
    /// at UTC (their offset lives in the profile, which a lone body lacks).
    Map {
        /// Terra provider id, e.g. OURA or SANDBOX.
        #[arg(long, value_name = "NAME")]
        provider: String,
        /// The provider API path the body came from, e.g. /v2/usercollection/sleep.
        #[arg(long, value_name = "PATH")]
        source: String,
    },
}

pub fn run_providers(command: ProvidersCommand) -> anyhow::Result<()> {
    match command {
        ProvidersCommand::Map { provider, source } => {
            let mut body = String::new();
            std::io::stdin()
                .read_to_string(&mut body)
                .context("cannot read the response body from stdin")?;
            let output = map_body(&provider, &source, &body)?;
            println!("{}", serde_json::to_string_pretty(&output)?);
            Ok(())
        }
    }
}

/// The `[{"type", "data"}]` array for one body.
fn map_body(provider: &str, source: &str, body: &str) -> anyhow::Result<Value> {
    let records = wearbridge_providers::map_source(provider, source, body)
        .with_context(|| format!("cannot map {provider} {source}"))?;
    let items = records
        .iter()
        .map(|record| {
            Ok(json!({
                "type": record.data_type().as_str(),
                "data": record.to_json()?,
            }))
        })
        .collect::<anyhow::Result<Vec<Value>>>()?;
    Ok(Value::Array(items))
}
