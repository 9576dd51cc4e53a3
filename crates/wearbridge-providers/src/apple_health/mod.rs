//! Apple Health: the "Export All Health Data" file (`export.zip`, or its `export.xml`)
//! mapped into Terra records.
//!
//! Two stages, so that a bad file stores nothing: [`collect`] streams the XML once
//! (bounded memory: compact per-day state, never the document) and validates every
//! element, failing with the line of the first problem; [`records`] then maps the
//! collected days, nights and workouts into Terra records lazily. One file per concern:
//! `xml` (streaming elements with line numbers, DTD skipped, entities unescaped),
//! `dates` (Apple's date format), `units`, `dedup` (overlapping sources counted once),
//! `collect`, `workout`, `gpx` (route files), `map/` (Terra records), `archive` (zip or
//! plain file, and the route files next to it).

mod archive;
pub mod collect;
pub mod dates;
pub mod dedup;
pub mod gpx;
pub mod map;
pub mod units;
mod workout;
pub mod xml;

pub use archive::ExportFile;
pub use collect::{Collected, collect};
pub use map::{NoRoutes, RouteSource, records};

/// Why an export cannot be imported. Problems inside the XML name their line.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("line {line}: {message}")]
    Invalid { line: u64, message: String },
    #[error("line {line}: the file ends before </HealthData> (truncated export)")]
    Truncated { line: u64 },
    #[error("cannot read the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a readable Apple Health export archive: {0}")]
    Archive(String),
}

impl ExportError {
    /// The line the problem is on, when it is inside the XML.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Invalid { line, .. } | Self::Truncated { line } => Some(*line),
            Self::Io(_) | Self::Archive(_) => None,
        }
    }
}

#[cfg(test)]
mod tests;
