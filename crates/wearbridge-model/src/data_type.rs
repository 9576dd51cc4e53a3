//! The kinds of record Terra serves.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Terra data type: the `type` of a data response or webhook and the
/// resource of a data endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataType {
    Activity,
    Athlete,
    Body,
    Daily,
    Menstruation,
    Nutrition,
    Sleep,
    /// SDK-era planned workouts (`/plannedWorkout`).
    PlannedWorkout,
}

/// A string that names no Terra data type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown data type {0:?}")]
pub struct UnknownDataType(pub String);

impl DataType {
    /// Every data type, in the order the docs list them.
    pub const ALL: [Self; 8] = [
        Self::Activity,
        Self::Athlete,
        Self::Body,
        Self::Daily,
        Self::Menstruation,
        Self::Nutrition,
        Self::Sleep,
        Self::PlannedWorkout,
    ];

    /// The wire name, as in a webhook's or data response's `type`.
    ///
    /// Planned workouts are `planned_workout`: the only type string any Terra
    /// spec defines for them (the current spec's `PlannedWorkoutEvent`); the
    /// SDK-era spec names none. The endpoint path differs, see [`Self::path`].
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Activity => "activity",
            Self::Athlete => "athlete",
            Self::Body => "body",
            Self::Daily => "daily",
            Self::Menstruation => "menstruation",
            Self::Nutrition => "nutrition",
            Self::Sleep => "sleep",
            Self::PlannedWorkout => "planned_workout",
        }
    }

    /// The v2 endpoint path segment (`/v2/<path>`): equal to [`Self::as_str`]
    /// except `plannedWorkout`.
    pub const fn path(self) -> &'static str {
        match self {
            Self::PlannedWorkout => "plannedWorkout",
            other => other.as_str(),
        }
    }

    /// Day-scoped types carry one record per local calendar day, keyed by the
    /// date of `metadata.start_time` (Terra's documented overwrite rule).
    pub const fn is_day_scoped(self) -> bool {
        matches!(
            self,
            Self::Daily | Self::Body | Self::Menstruation | Self::Nutrition
        )
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DataType {
    type Err = UnknownDataType;

    /// Accepts the wire name and the endpoint path (`plannedWorkout`).
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|data_type| data_type.as_str() == value || data_type.path() == value)
            .ok_or_else(|| UnknownDataType(value.to_owned()))
    }
}

impl Serialize for DataType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DataType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for data_type in DataType::ALL {
            assert_eq!(data_type.as_str().parse::<DataType>(), Ok(data_type));
            assert_eq!(data_type.path().parse::<DataType>(), Ok(data_type));
            let json = serde_json::to_string(&data_type).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", data_type.as_str()));
        }
        assert!("workout".parse::<DataType>().is_err());
        assert_eq!(DataType::PlannedWorkout.path(), "plannedWorkout");
    }
}
