//! The streaming XML writer: one element at a time straight into the sink, so the size
//! of an export is bounded by the disk, not by memory.

use std::io::{self, Write};

use chrono::{DateTime, FixedOffset};

/// Apple's export date format: local wall time and the numeric offset, `2024-01-02 07:30:00 -0800`.
pub fn apple_date(instant: &DateTime<FixedOffset>) -> String {
    instant.format("%Y-%m-%d %H:%M:%S %z").to_string()
}

/// Who wrote a sample: the attributes every Record, Correlation and Workout carries.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub version: &'static str,
    /// The `HKDevice` description, unescaped (`<<HKDevice: …>, name:Apple Watch, …>`).
    pub device: Option<String>,
}

/// One `Record` (or a correlation's child) before it is written.
pub struct RecordSpec<'a> {
    pub kind: &'a str,
    pub unit: Option<&'a str>,
    pub value: Option<String>,
    pub source: &'a Source,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    /// `MetadataEntry` children (key, value).
    pub metadata: Vec<(&'a str, String)>,
}

/// Counts what it writes so the CLI can report it.
pub struct XmlOut<W: Write> {
    sink: W,
    pub records: u64,
}

impl<W: Write> XmlOut<W> {
    pub fn new(sink: W) -> Self {
        Self { sink, records: 0 }
    }

    pub fn raw(&mut self, text: &str) -> io::Result<()> {
        self.sink.write_all(text.as_bytes())
    }

    /// ` name="value"` with the value escaped.
    pub fn attr(&mut self, name: &str, value: &str) -> io::Result<()> {
        write!(self.sink, " {name}=\"{}\"", escape(value))
    }

    /// `<Record …>` with its metadata, indented by `indent` spaces.
    pub fn record(&mut self, spec: &RecordSpec<'_>, indent: usize) -> io::Result<()> {
        self.records += 1;
        write!(self.sink, "{:indent$}<Record", "")?;
        self.attr("type", spec.kind)?;
        self.source_attrs(spec.source)?;
        if let Some(unit) = spec.unit {
            self.attr("unit", unit)?;
        }
        self.dates(&spec.end, &spec.start, &spec.end)?;
        if let Some(value) = &spec.value {
            self.attr("value", value)?;
        }
        self.close_with_metadata("Record", &spec.metadata, indent)
    }

    /// An HRV record with the beat list Apple attaches (three beats at `bpm`, one a second).
    pub fn record_hrv(&mut self, spec: &RecordSpec<'_>, bpm: u32) -> io::Result<()> {
        self.records += 1;
        self.raw(" <Record")?;
        self.attr("type", spec.kind)?;
        self.source_attrs(spec.source)?;
        if let Some(unit) = spec.unit {
            self.attr("unit", unit)?;
        }
        self.dates(&spec.end, &spec.start, &spec.end)?;
        if let Some(value) = &spec.value {
            self.attr("value", value)?;
        }
        self.raw(">\n  <HeartRateVariabilityMetadataList>\n")?;
        for second in 0..3 {
            let at = spec.start + chrono::TimeDelta::seconds(second);
            self.raw("   <InstantaneousBeatsPerMinute")?;
            self.attr("bpm", &bpm.to_string())?;
            self.attr("time", &at.format("%-I:%M:%S.00 %p").to_string())?;
            self.raw("/>\n")?;
        }
        self.raw("  </HeartRateVariabilityMetadataList>\n </Record>\n")
    }

    /// `sourceName`, `sourceVersion` and `device`.
    pub fn source_attrs(&mut self, source: &Source) -> io::Result<()> {
        self.attr("sourceName", &source.name)?;
        self.attr("sourceVersion", source.version)?;
        if let Some(device) = &source.device {
            self.attr("device", device)?;
        }
        Ok(())
    }

    /// `creationDate`, `startDate`, `endDate`.
    pub fn dates(
        &mut self,
        created: &DateTime<FixedOffset>,
        start: &DateTime<FixedOffset>,
        end: &DateTime<FixedOffset>,
    ) -> io::Result<()> {
        self.attr("creationDate", &apple_date(created))?;
        self.attr("startDate", &apple_date(start))?;
        self.attr("endDate", &apple_date(end))
    }

    /// Ends an open start tag: `/>` without metadata, else the entries and the end tag.
    pub fn close_with_metadata(
        &mut self,
        element: &str,
        metadata: &[(&str, String)],
        indent: usize,
    ) -> io::Result<()> {
        if metadata.is_empty() {
            return self.raw("/>\n");
        }
        self.raw(">\n")?;
        for (key, value) in metadata {
            self.metadata(key, value, indent + 1)?;
        }
        writeln!(self.sink, "{:indent$}</{element}>", "")
    }

    pub fn metadata(&mut self, key: &str, value: &str, indent: usize) -> io::Result<()> {
        write!(self.sink, "{:indent$}<MetadataEntry", "")?;
        self.attr("key", key)?;
        self.attr("value", value)?;
        self.raw("/>\n")
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.sink.flush()
    }
}

/// XML attribute escaping (`&`, `<`, `>`, `"`); Apple escapes `<`/`>` in device strings too.
pub fn escape(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains(['&', '<', '>', '"']) {
        return value.into();
    }
    let mut out = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out.into()
}

/// A number as Apple writes it: no trailing zeros, at most `decimals` decimals.
pub fn num(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}
