//! Typed identifiers. Each is a newtype over `String` that serializes as a plain JSON
//! string, validates its format on `parse`/deserialize, and generates itself with `new()`.
//!
//! Formats (chosen so that every id is safe in URLs, headers and log lines):
//! - [`DeveloperId`]: `dev_` followed by the 32 lowercase hex digits of a random UUID v4
//!   (122 random bits). A prefix makes a developer id recognisable in logs and support
//!   tickets and impossible to confuse with a user id.
//! - [`UserId`]: a hyphenated lowercase UUID v4, because Terra user ids are UUIDs and
//!   SDKs validate them as such.
//! - [`EventId`], [`JobId`]: hyphenated lowercase UUID v7, so ids sort by creation time
//!   (the outbox and the job queue order by id).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a string is not a valid id of the requested kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {value:?}")]
pub struct InvalidId {
    /// Which id type was being parsed (e.g. `"user id"`).
    pub kind: &'static str,
    /// The rejected input, kept for the error message.
    pub value: String,
}

/// Parses a UUID in any form `uuid` accepts and returns its canonical hyphenated
/// lowercase spelling, so that lookups never miss because of letter case.
fn canonical_uuid(value: &str, kind: &'static str) -> Result<String, InvalidId> {
    Uuid::try_parse(value)
        .map(|uuid| uuid.hyphenated().to_string())
        .map_err(|_| InvalidId {
            kind,
            value: value.to_owned(),
        })
}

/// Length of the hex part of a [`DeveloperId`] (a UUID in `simple` form).
const DEVELOPER_ID_HEX_LEN: usize = 32;
/// Prefix of every [`DeveloperId`].
const DEVELOPER_ID_PREFIX: &str = "dev_";

fn validate_developer_id(value: &str) -> Result<String, InvalidId> {
    let valid = value.strip_prefix(DEVELOPER_ID_PREFIX).is_some_and(|hex| {
        hex.len() == DEVELOPER_ID_HEX_LEN
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if valid {
        Ok(value.to_owned())
    } else {
        Err(InvalidId {
            kind: "developer id",
            value: value.to_owned(),
        })
    }
}

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident, $validate:expr, $generate:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Generates a fresh id.
            #[expect(clippy::new_without_default, reason = "a random id is not a sensible `Default`")]
            pub fn new() -> Self {
                Self($generate)
            }

            /// Validates `value` and returns the id in canonical form.
            pub fn parse(value: &str) -> Result<Self, InvalidId> {
                ($validate)(value).map(Self)
            }

            /// The id as text, as stored and as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Wraps a value read back from our own database without re-validating it:
            /// the store only ever writes validated ids.
            pub(crate) fn from_db(value: String) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(value: &str) -> Result<Self, InvalidId> {
                Self::parse(value)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(value: String) -> Result<Self, InvalidId> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

typed_id!(
    /// A developer (tenant): `dev_` + 32 hex digits.
    DeveloperId,
    validate_developer_id,
    format!("{DEVELOPER_ID_PREFIX}{}", Uuid::new_v4().simple())
);
typed_id!(
    /// A Terra user id: a hyphenated UUID v4.
    UserId,
    |value| canonical_uuid(value, "user id"),
    Uuid::new_v4().hyphenated().to_string()
);
typed_id!(
    /// An outbox event id: a UUID v7, so ids sort by creation time.
    EventId,
    |value| canonical_uuid(value, "event id"),
    Uuid::now_v7().hyphenated().to_string()
);
typed_id!(
    /// A durable job id: a UUID v7, so ids sort by creation time.
    JobId,
    |value| canonical_uuid(value, "job id"),
    Uuid::now_v7().hyphenated().to_string()
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back() {
        let dev = DeveloperId::new();
        assert_eq!(DeveloperId::parse(dev.as_str()), Ok(dev.clone()));
        let user = UserId::new();
        assert_eq!(user.as_str().parse::<UserId>(), Ok(user.clone()));
        let event = EventId::new();
        assert_eq!(EventId::parse(event.as_str()), Ok(event));
        let job = JobId::new();
        assert_eq!(JobId::parse(job.as_str()), Ok(job));
    }

    #[test]
    fn developer_id_format_is_enforced() {
        assert!(DeveloperId::parse("dev_0123456789abcdef0123456789abcdef").is_ok());
        for bad in [
            "",
            "dev_",
            "dev_0123456789ABCDEF0123456789abcdef",
            "dev_0123456789abcdef0123456789abcde",
            "usr_0123456789abcdef0123456789abcdef",
            "dev_0123456789abcdef0123456789abcdeg",
        ] {
            assert!(DeveloperId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn user_ids_are_canonicalised() {
        let parsed = UserId::parse("8E2C5D4A-1F3B-4C6D-9E8F-0A1B2C3D4E5F");
        assert_eq!(
            parsed.map(String::from),
            Ok("8e2c5d4a-1f3b-4c6d-9e8f-0a1b2c3d4e5f".to_owned())
        );
        assert!(UserId::parse("not-a-uuid").is_err());
    }

    #[test]
    fn event_ids_sort_by_creation() {
        let first = EventId::new();
        let second = EventId::new();
        assert!(first < second);
    }

    #[test]
    fn serde_round_trip_validates() {
        let user = UserId::new();
        let json = serde_json::to_string(&user).unwrap_or_default();
        assert_eq!(json, format!("\"{user}\""));
        assert_eq!(serde_json::from_str::<UserId>(&json).ok(), Some(user));
        assert!(serde_json::from_str::<UserId>("\"nope\"").is_err());
    }
}
