//! The streaming XML layer: one element at a time from any `BufRead`, each with the line
//! it starts on, so an error anywhere in a multi-gigabyte export names its line. The DTD
//! (`<!DOCTYPE HealthData [...]>`) is read and skipped; attribute values are unescaped
//! (`&lt;&lt;HKDevice: …&gt;` becomes `<<HKDevice: …>`).

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::ExportError;

/// A `BufRead` that counts the newlines it hands out, so the reader knows its line.
pub struct LineCounter<R> {
    inner: R,
    newlines: u64,
    bytes: u64,
}

impl<R: BufRead> LineCounter<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            newlines: 0,
            bytes: 0,
        }
    }
}

impl<R: BufRead> std::io::Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        if let (Some(target), Some(source)) = (out.get_mut(..n), available.get(..n)) {
            target.copy_from_slice(source);
        }
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The buffer is still the one `fill_buf` returned: re-asking reads nothing.
        if let Ok(buffer) = self.inner.fill_buf() {
            let taken = buffer.get(..amount).unwrap_or(buffer);
            self.newlines += memchr_count(taken);
        }
        self.bytes += amount as u64;
        self.inner.consume(amount);
    }
}

fn memchr_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|b| **b == b'\n').count() as u64
}

/// One start (or empty) element: its name, unescaped attributes and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub line: u64,
    /// `<X …/>`: no children and no end event follows.
    pub empty: bool,
}

impl Element {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// The attribute, or an error naming it and the line.
    pub fn require(&self, key: &str) -> Result<&str, ExportError> {
        self.get(key).ok_or_else(|| ExportError::Invalid {
            line: self.line,
            message: format!("<{}> has no {key} attribute", self.name),
        })
    }
}

/// What the stream yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Open(Element),
    Close { name: String, line: u64 },
}

/// The element stream over an export.
pub struct XmlStream<R: BufRead> {
    reader: Reader<LineCounter<R>>,
    buffer: Vec<u8>,
    depth: usize,
    seen_root: bool,
}

impl<R: BufRead> XmlStream<R> {
    pub fn new(source: R) -> Self {
        let mut reader = Reader::from_reader(LineCounter::new(source));
        reader.config_mut().trim_text(true);
        Self {
            reader,
            buffer: Vec::with_capacity(4096),
            depth: 0,
            seen_root: false,
        }
    }

    /// Bytes read so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.reader.get_ref().bytes
    }

    /// The next element event; `None` at a clean end of the document. A document that
    /// ends with elements still open is truncated.
    pub fn next_node(&mut self) -> Result<Option<Node>, ExportError> {
        loop {
            self.buffer.clear();
            let event = self
                .reader
                .read_event_into(&mut self.buffer)
                .map_err(|error| ExportError::Invalid {
                    line: self.reader.get_ref().newlines + 1,
                    message: format!("malformed XML: {error}"),
                })?;
            let line = self.reader.get_ref().newlines + 1;
            match event {
                Event::Start(start) => {
                    let element = element(&start, line, false)?;
                    self.depth += 1;
                    self.seen_root = true;
                    return Ok(Some(Node::Open(element)));
                }
                Event::Empty(start) => {
                    let element = element(&start, line, true)?;
                    self.seen_root = true;
                    return Ok(Some(Node::Open(element)));
                }
                Event::End(end) => {
                    self.depth = self.depth.saturating_sub(1);
                    let name = String::from_utf8_lossy(end.name().as_ref()).into_owned();
                    return Ok(Some(Node::Close { name, line }));
                }
                Event::Eof if self.depth > 0 || !self.seen_root => {
                    return Err(ExportError::Truncated { line });
                }
                Event::Eof => return Ok(None),
                Event::Text(text) if !text.iter().all(u8::is_ascii_whitespace) => {
                    return Err(ExportError::Invalid {
                        line,
                        message: "unexpected text between elements".to_owned(),
                    });
                }
                _ => {}
            }
        }
    }
}

/// Decodes a start tag. `line_at_end` is the line the reader stands on after the tag; the
/// tag's own newlines move its start back.
fn element(start: &BytesStart<'_>, line_at_end: u64, empty: bool) -> Result<Element, ExportError> {
    let line = line_at_end.saturating_sub(memchr_count(start.as_ref()));
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| ExportError::Invalid {
            line,
            message: format!("malformed attribute in <{name}>: {error}"),
        })?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute
            .unescape_value()
            .map_err(|error| ExportError::Invalid {
                line,
                message: format!("bad escape in <{name} {key}>: {error}"),
            })?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        line,
        empty,
    })
}
