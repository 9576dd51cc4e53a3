//! What every stored record model has in common.

use chrono::NaiveDate;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{
    Activity, Athlete, Body, Daily, DataType, Menstruation, Nutrition, PlannedWorkout, Sleep,
    Timestamp,
};

/// A record model Terra serves under a [`DataType`].
///
/// Identity rule (Terra's documented dedup/overwrite semantics):
/// * Activity, Sleep: `metadata.summary_id` (unique per user, not globally).
///   A Sleep without `summary_id` falls back to its start time as written on
///   the wire.
/// * Daily, Body, Menstruation, Nutrition (day-scoped): the local calendar date
///   of `metadata.start_time`, as `YYYY-MM-DD`, in the offset the source
///   reported; a later delivery for the same day replaces the earlier one.
/// * Athlete: one profile per user, so the constant `athlete`.
/// * PlannedWorkout: `metadata.id`.
pub trait TerraRecord: Serialize + DeserializeOwned {
    /// The data type this model is served under.
    const DATA_TYPE: DataType;

    /// The record's stable identity within one user (see the trait docs).
    fn identity(&self) -> Option<String>;

    /// Start of the period the record covers, offset as reported.
    fn start_time(&self) -> Option<Timestamp>;

    /// End of the period the record covers, offset as reported.
    fn end_time(&self) -> Option<Timestamp>;

    /// The record's local calendar date: the date of [`Self::start_time`] in
    /// the offset the source reported.
    fn local_date(&self) -> Option<NaiveDate> {
        self.start_time().map(|start| start.local_date())
    }
}

/// Identity of a day-scoped record: its local start date.
fn day_identity(start: Timestamp) -> String {
    start.local_date().format("%Y-%m-%d").to_string()
}

/// Implements [`TerraRecord`] for a model whose `metadata.start_time` and
/// `metadata.end_time` are required, keyed by local day.
macro_rules! day_scoped_record {
    ($($model:ident => $data_type:ident),+ $(,)?) => {$(
        impl TerraRecord for $model {
            const DATA_TYPE: DataType = DataType::$data_type;

            fn identity(&self) -> Option<String> {
                Some(day_identity(self.metadata.start_time))
            }

            fn start_time(&self) -> Option<Timestamp> {
                Some(self.metadata.start_time)
            }

            fn end_time(&self) -> Option<Timestamp> {
                Some(self.metadata.end_time)
            }
        }
    )+};
}

day_scoped_record! {
    Daily => Daily,
    Body => Body,
    Menstruation => Menstruation,
    Nutrition => Nutrition,
}

impl TerraRecord for Activity {
    const DATA_TYPE: DataType = DataType::Activity;

    fn identity(&self) -> Option<String> {
        Some(self.metadata.summary_id.clone())
    }

    fn start_time(&self) -> Option<Timestamp> {
        Some(self.metadata.start_time)
    }

    fn end_time(&self) -> Option<Timestamp> {
        Some(self.metadata.end_time)
    }
}

impl TerraRecord for Sleep {
    const DATA_TYPE: DataType = DataType::Sleep;

    fn identity(&self) -> Option<String> {
        Some(
            self.metadata
                .summary_id
                .clone()
                .unwrap_or_else(|| self.metadata.start_time.to_string()),
        )
    }

    fn start_time(&self) -> Option<Timestamp> {
        Some(self.metadata.start_time)
    }

    fn end_time(&self) -> Option<Timestamp> {
        Some(self.metadata.end_time)
    }
}

impl TerraRecord for Athlete {
    const DATA_TYPE: DataType = DataType::Athlete;

    fn identity(&self) -> Option<String> {
        Some(DataType::Athlete.as_str().to_owned())
    }

    fn start_time(&self) -> Option<Timestamp> {
        None
    }

    fn end_time(&self) -> Option<Timestamp> {
        None
    }
}

impl TerraRecord for PlannedWorkout {
    const DATA_TYPE: DataType = DataType::PlannedWorkout;

    fn identity(&self) -> Option<String> {
        self.metadata.as_ref()?.id.clone()
    }

    /// The planned date: a planned workout covers no measured period.
    fn start_time(&self) -> Option<Timestamp> {
        self.metadata.as_ref()?.planned_date
    }

    fn end_time(&self) -> Option<Timestamp> {
        None
    }
}
