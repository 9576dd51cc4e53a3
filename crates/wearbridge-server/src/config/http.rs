//! The `[http]` section: what one client may hold of the server (slow and oversized
//! clients), validated at start-up.

use std::time::Duration;

use serde::Deserialize;

/// `[http]` configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpLimits {
    /// A request's head (request line and headers) must arrive within this many seconds
    /// of the connection's first byte, or the connection is closed (slow-loris).
    pub header_read_timeout_secs: u64,
    /// A request body must be read completely within this many seconds.
    pub body_read_timeout_secs: u64,
    /// Open connections at most; a connection over the cap is closed at once.
    pub max_connections: usize,
    /// Bytes a request head may take (HTTP/1 read buffer), at least 8192.
    pub max_header_bytes: usize,
    /// Headers a request may carry.
    pub max_headers: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 60,
            max_connections: 10_000,
            max_header_bytes: 64 * 1024,
            max_headers: 100,
        }
    }
}

impl HttpLimits {
    /// Checks ranges; the error names the configuration key.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.header_read_timeout_secs == 0 || self.body_read_timeout_secs == 0 {
            return Err(("http", "timeouts must be at least 1 second".into()));
        }
        if self.max_connections == 0 || self.max_headers == 0 {
            return Err((
                "http",
                "max_connections and max_headers must be at least 1".into(),
            ));
        }
        if self.max_header_bytes < 8192 {
            return Err(("http.max_header_bytes", "must be at least 8192".into()));
        }
        Ok(())
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_secs(self.body_read_timeout_secs)
    }
}
