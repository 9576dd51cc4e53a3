//! Lenient integer fields.
//!
//! JSON Schema's `integer` accepts `3.0` (a number with zero fraction), and
//! providers that compute counts in floating point do send `1234.0` for a step
//! count. serde's `i64` would reject the whole payload for it, so integer
//! fields read any whole JSON number. They are always written as integers.

use serde::{Deserialize, Deserializer};

use crate::enums::deserialize_code;

/// A whole JSON number as `i64` (`3` or `3.0`; `3.5` is an error).
pub(crate) fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserialize_code(deserializer)
}

/// As [`integer`], for optional fields (`null` → `None`).
pub(crate) fn optional_integer<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "integer")] i64);

    Option::<Whole>::deserialize(deserializer).map(|value| value.map(|Whole(n)| n))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Counts {
        #[serde(deserialize_with = "super::integer")]
        steps: i64,
        #[serde(default, deserialize_with = "super::optional_integer")]
        floors: Option<i64>,
    }

    fn parse(value: serde_json::Value) -> Result<Counts, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn whole_floats_are_integers() {
        let counts = parse(json!({"steps": 1234.0, "floors": 3})).ok();
        assert_eq!(
            counts,
            Some(Counts {
                steps: 1234,
                floors: Some(3)
            })
        );
        let counts = parse(json!({"steps": 1, "floors": null})).ok();
        assert_eq!(
            counts,
            Some(Counts {
                steps: 1,
                floors: None
            })
        );
        let counts = parse(json!({"steps": 1})).ok();
        assert_eq!(
            counts,
            Some(Counts {
                steps: 1,
                floors: None
            })
        );
    }

    #[test]
    fn fractions_and_strings_are_errors() {
        assert!(parse(json!({"steps": 12.5})).is_err());
        assert!(parse(json!({"steps": "12"})).is_err());
        assert!(parse(json!({"steps": 1, "floors": 0.5})).is_err());
    }
}
