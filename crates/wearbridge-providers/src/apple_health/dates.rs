//! Apple's export dates: `2024-01-02 07:30:00 -0800` (local wall time and its offset,
//! which is kept: records land on the local day the person lived).

use chrono::{DateTime, FixedOffset};

/// Parses one export date; `None` for anything else.
pub fn parse_apple_date(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S %z").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_local_offset() {
        let parsed = parse_apple_date("2024-01-02 07:30:00 -0800").map(|d| d.to_rfc3339());
        assert_eq!(parsed.as_deref(), Some("2024-01-02T07:30:00-08:00"));
    }

    #[test]
    fn half_hour_offsets_and_garbage() {
        let parsed = parse_apple_date("2024-01-02 07:30:00 +0530").map(|d| d.to_rfc3339());
        assert_eq!(parsed.as_deref(), Some("2024-01-02T07:30:00+05:30"));
        assert_eq!(parse_apple_date("2024-01-02T07:30:00Z"), None);
        assert_eq!(parse_apple_date("yesterday"), None);
    }
}
