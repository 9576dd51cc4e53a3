//! Macros for Terra's enums.
//!
//! Terra adds enum values over time (ActivityType grew from 0–148 to 0–154 between
//! spec versions), and a client that rejects a whole payload because of one new
//! code loses data. So every enum has an `Other` variant that keeps the wire value
//! and writes it back unchanged. Numeric enums travel as JSON numbers, string
//! enums as strings, exactly as the schemas declare.
//!
//! Hand-written rather than `serde_repr`: `serde_repr` has no catch-all variant.

/// Declares a numeric Terra enum: unit variants with their wire codes plus
/// `Other(i64)` for codes this crate does not know.
macro_rules! numeric_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A code not in the schema this crate was generated from, kept as sent.
            Other(i64),
        }

        impl $name {
            /// Every value the schema names, in schema order.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),+];

            /// The wire code.
            pub const fn code(self) -> i64 {
                match self {
                    $( Self::$variant => $code, )+
                    Self::Other(code) => code,
                }
            }

            /// The variant for a wire code; unknown codes become `Other`.
            pub const fn from_code(code: i64) -> Self {
                match code {
                    $( $code => Self::$variant, )+
                    other => Self::Other(other),
                }
            }
        }

        impl Default for $name {
            /// The first value the schema lists (the "unknown"/0 value where one exists).
            fn default() -> Self {
                // `KNOWN` is non-empty (the macro requires one variant), so
                // the fallback never applies.
                Self::KNOWN.first().copied().unwrap_or(Self::Other(0))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::enums::deserialize_code(deserializer).map(Self::from_code)
            }
        }
    };
}

/// Declares a string Terra enum: unit variants with their wire strings plus
/// `Other(String)` for strings this crate does not know.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value not in the schema this crate was generated from, kept as sent.
            Other(String),
        }

        impl $name {
            /// Every value the schema names, in schema order.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),+];

            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Other(value) => value,
                }
            }

            /// The variant for a wire string; unknown strings become `Other`.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl Default for $name {
            /// The first value the schema lists.
            fn default() -> Self {
                // `KNOWN` is non-empty (the macro requires one variant).
                Self::KNOWN.first().cloned().unwrap_or_else(|| Self::Other(String::new()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from_wire(&value))
            }
        }
    };
}

pub(crate) use {numeric_enum, string_enum};

/// Reads an enum code. The schemas type the codes as JSON `number`, so `2.0` is
/// accepted as `2`; a fractional or out-of-range number is an error, not a panic.
pub(crate) fn deserialize_code<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<i64, D::Error> {
    struct CodeVisitor;

    impl serde::de::Visitor<'_> for CodeVisitor {
        type Value = i64;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer enum code")
        }

        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<i64, E> {
            Ok(value)
        }

        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<i64, E> {
            i64::try_from(value).map_err(|_| E::custom("enum code out of range"))
        }

        fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<i64, E> {
            // Exact conversion check: only whole numbers inside the i64 range pass.
            let in_range = value >= i64::MIN as f64 && value < i64::MAX as f64;
            if value.fract() == 0.0 && in_range {
                // Whole number inside the i64 range: the cast is exact.
                Ok(value as i64)
            } else {
                Err(E::custom("enum code must be a whole number"))
            }
        }
    }

    deserializer.deserialize_any(CodeVisitor)
}
