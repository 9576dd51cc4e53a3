//! `wearbridge sim …`: offline renderings of the simulator's synthetic person.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use wearbridge_sim::apple_health::{ExportOptions, write_export, write_routes};

/// Simulator tools.
#[derive(Debug, clap::Subcommand)]
pub enum SimCommand {
    /// Write the synthetic person's Apple Health `export.xml` to stdout (streamed: any
    /// size in constant memory). The same seed always gives the same bytes.
    AppleHealthExport {
        /// Number of local days.
        #[arg(long, value_name = "N")]
        days: u32,
        /// The person's seed (a simulator account id).
        #[arg(long, value_name = "S", default_value = "apple-health")]
        seed: String,
        /// First local day.
        #[arg(long, value_name = "YYYY-MM-DD", default_value = "2026-01-01")]
        start: NaiveDate,
        /// Also write the workouts' GPX routes under DIR/workout-routes/ (the folder that
        /// sits next to export.xml in an unzipped export).
        #[arg(long, value_name = "DIR")]
        routes_dir: Option<PathBuf>,
    },
}

pub fn run_sim(command: SimCommand) -> anyhow::Result<()> {
    match command {
        SimCommand::AppleHealthExport {
            days,
            seed,
            start,
            routes_dir,
        } => {
            let options = ExportOptions { seed, start, days };
            if let Some(dir) = routes_dir {
                write_routes(&options, &dir)
                    .with_context(|| format!("cannot write routes under {}", dir.display()))?;
            }
            let stdout = std::io::stdout().lock();
            let mut sink = std::io::BufWriter::with_capacity(1 << 20, stdout);
            write_export(&options, &mut sink).context("cannot write the export")?;
            sink.flush().context("cannot write the export")?;
            Ok(())
        }
    }
}
