//! The webhook envelope: one enum over every event Terra sends.
//!
//! Events are told apart by `type`, and for `auth` also by `status`
//! (`success` vs the SDK-era `error`). serde's internally tagged enums cannot
//! key on two fields, so (de)serialisation is written out here: the event
//! structs leave `type` and any constant `status` out, and `WebhookEvent`
//! writes them back. An event whose `type`/`status` this crate does not know is
//! kept verbatim as `Unknown`, so a receiver never drops a payload.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::generated::*;

/// `type`, optional constant `status`, then the event body, flattened.
#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(flatten)]
    body: &'a T,
}

/// Declares `WebhookEvent` from `(variant, struct, type, const status, schema)` rows.
macro_rules! webhook_events {
    ( $( $variant:ident($ty:ident) = ($kind:literal, $status:expr, $schema:literal), )+ ) => {
        /// Every webhook payload Terra sends (current spec plus the SDK-era events
        /// the official SDKs still parse), serialised with its wire `type`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum WebhookEvent {
            $(
                #[doc = concat!("`type: ", $kind, "`; schema `", $schema, ".json`.")]
                $variant($ty),
            )+
            /// An event type (or `type`/`status` pair) this crate does not know, kept verbatim.
            Unknown(Value),
        }

        impl WebhookEvent {
            /// The wire `type` value.
            pub fn event_type(&self) -> &str {
                match self {
                    $( Self::$variant(_) => $kind, )+
                    Self::Unknown(value) => value.get("type").and_then(Value::as_str).unwrap_or(""),
                }
            }

            /// The constant `status` this event type always carries, if any.
            pub fn fixed_status(&self) -> Option<&'static str> {
                match self {
                    $( Self::$variant(_) => $status, )+
                    Self::Unknown(_) => None,
                }
            }

            /// The committed schema this event validates against (`core/...` or `sdk/...`).
            pub fn schema_name(&self) -> Option<&'static str> {
                match self {
                    $( Self::$variant(_) => Some($schema), )+
                    Self::Unknown(_) => None,
                }
            }
        }

        impl Serialize for WebhookEvent {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(
                        Self::$variant(body) => Tagged { kind: $kind, status: $status, body }
                            .serialize(serializer),
                    )+
                    Self::Unknown(value) => value.serialize(serializer),
                }
            }
        }

        impl<'de> Deserialize<'de> for WebhookEvent {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = Value::deserialize(deserializer)?;
                let kind = value.get("type").and_then(Value::as_str).map(str::to_owned);
                let status = value.get("status").and_then(Value::as_str).map(str::to_owned);
                let (kind, status) = (kind.as_deref(), status.as_deref());
                $(
                    if kind == Some($kind) && crate::webhook::status_matches($status, status) {
                        return serde_json::from_value::<$ty>(value)
                            .map(Self::$variant)
                            .map_err(serde::de::Error::custom);
                    }
                )+
                Ok(Self::Unknown(value))
            }
        }

        $(
            impl From<$ty> for WebhookEvent {
                fn from(event: $ty) -> Self {
                    Self::$variant(event)
                }
            }
        )+
    };
}

crate::generated::for_each_webhook_event!(webhook_events);

/// An event with a constant `status` only matches payloads carrying that status.
pub(crate) fn status_matches(expected: Option<&str>, actual: Option<&str>) -> bool {
    expected.is_none() || expected == actual
}

impl WebhookEvent {
    /// The data type a record-carrying event delivers; `None` for
    /// connection, processing and delivery events.
    pub fn data_type(&self) -> Option<crate::DataType> {
        use crate::DataType;
        Some(match self {
            Self::Activity(_) => DataType::Activity,
            Self::Athlete(_) => DataType::Athlete,
            Self::Body(_) => DataType::Body,
            Self::Daily(_) => DataType::Daily,
            Self::Menstruation(_) => DataType::Menstruation,
            Self::Nutrition(_) => DataType::Nutrition,
            Self::Sleep(_) => DataType::Sleep,
            Self::PlannedWorkout(_) => DataType::PlannedWorkout,
            _ => return None,
        })
    }
}
