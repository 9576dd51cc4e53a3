//! Garmin Training API V2 wire format (Garmin Connect Developer Program, "Training API
//! V2", v1.0 of 2025-05-26, §3.2–3.3): a workout of segments of steps, and a schedule
//! pinning a workout to a day. Field names are Garmin's; optional fields left out are
//! null to Garmin.

use serde::{Deserialize, Serialize};

/// Longest workout name we send (Garmin shows about this much on a watch).
pub const NAME_MAX_CHARS: usize = 80;
/// Garmin truncates longer step descriptions (§3.2.1).
pub const STEP_DESCRIPTION_MAX_CHARS: usize = 512;
/// Garmin truncates longer workout descriptions (§3.2.1).
pub const DESCRIPTION_MAX_CHARS: usize = 1024;
/// `workoutProvider` / `workoutSourceId`: at most 20 characters (§3.2.1).
pub const WORKOUT_PROVIDER: &str = "Wearbridge";

/// A workout (`POST /workoutportal/workout/v2`, `GET|PUT|DELETE
/// /training-api/workout/v2/{workoutId}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workout {
    /// Set by Garmin; left out on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workout_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    pub workout_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `RUNNING`, `CYCLING`, `LAP_SWIMMING`, `STRENGTH_TRAINING`, `CARDIO_TRAINING`,
    /// `GENERIC`, `YOGA`, `PILATES` (or `MULTI_SPORT`).
    pub sport: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_length: Option<f64>,
    /// `METER` or `YARD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_length_unit: Option<String>,
    pub workout_provider: String,
    pub workout_source_id: String,
    #[serde(default)]
    pub is_session_transition_enabled: bool,
    pub segments: Vec<Segment>,
}

/// One sport of a workout; a single-sport workout has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    pub segment_order: u32,
    pub sport: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_length: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_length_unit: Option<String>,
    pub steps: Vec<Step>,
}

/// A step: `type` tells `WorkoutStep` from `WorkoutRepeatStep`. (The single step is
/// boxed: it is seven times the size of a repeat.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Step {
    WorkoutStep(Box<SingleStep>),
    WorkoutRepeatStep(RepeatStep),
}

/// A step to do: how long (`duration*`), how hard (`target*`), and sport details.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SingleStep {
    pub step_order: u32,
    /// `REST`, `WARMUP`, `COOLDOWN`, `RECOVERY`, `ACTIVE`, `INTERVAL`, `MAIN` (swim).
    pub intensity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `TIME`, `DISTANCE`, `HR_LESS_THAN`, `HR_GREATER_THAN`, `CALORIES`, `OPEN`,
    /// `POWER_LESS_THAN`, `POWER_GREATER_THAN`, `TIME_AT_VALID_CDA`, `FIXED_REST`, `REPS`.
    pub duration_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_value: Option<f64>,
    /// `PERCENT` (heart rate and power), `METER` (distance, as Garmin's examples send).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_value_type: Option<String>,
    /// `SPEED`, `HEART_RATE`, `CADENCE`, `POWER`, `GRADE`, `RESISTANCE`, `POWER_LAP`,
    /// `SPEED_LAP`, `HEART_RATE_LAP`, `OPEN`, `PACE` (as speed in m/s); null for swims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    /// A zone number (heart rate 1–5, power 1–7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_value_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_value_high: Option<f64>,
    /// `PERCENT` for heart rate and power.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_value_type: Option<String>,
    /// Cycling's secondary target, and swimming's only one (`PACE_ZONE`, m/s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_target_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_target_value_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_target_value_high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_target_value_type: Option<String>,
    /// Lap swimming: `BACKSTROKE`, `BREASTSTROKE`, `BUTTERFLY`, `FREESTYLE`, `MIXED`, `IM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stroke_type: Option<String>,
    /// Lap swimming: `KICK`, `PULL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill_type: Option<String>,
    /// Lap swimming: `NONE`, `SWIM_FINS`, `SWIM_KICKBOARD`, `SWIM_PADDLES`,
    /// `SWIM_PULL_BUOY`, `SWIM_SNORKEL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equipment_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_name: Option<String>,
    /// Kilograms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_value: Option<f64>,
    /// `KILOGRAM` or `POUND` (display only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_display_unit: Option<String>,
}

/// Sub-steps repeated until `repeatType`/`repeatValue` is met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepeatStep {
    pub step_order: u32,
    /// `REPEAT_UNTIL_STEPS_CMPLT` (a count), `REPEAT_UNTIL_TIME`, `REPEAT_UNTIL_DISTANCE`,
    /// `REPEAT_UNTIL_CALORIES`, `REPEAT_UNTIL_HR_LESS_THAN`, `REPEAT_UNTIL_HR_GREATER_THAN`,
    /// `REPEAT_UNTIL_POWER_LESS_THAN`, `REPEAT_UNTIL_POWER_GREATER_THAN`.
    pub repeat_type: String,
    pub repeat_value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_last_rest_step: Option<bool>,
    pub steps: Vec<Step>,
}

/// A workout pinned to a day (`POST /training-api/schedule/`, `PUT|DELETE
/// /training-api/schedule/{scheduleId}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<i64>,
    pub workout_id: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// What Garmin answers to a schedule create: the schedule, or its bare id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ScheduleCreated {
    Schedule(Schedule),
    Id(i64),
}

impl ScheduleCreated {
    /// The new schedule's id, when Garmin said it.
    pub fn id(&self) -> Option<i64> {
        match self {
            Self::Schedule(schedule) => schedule.schedule_id,
            Self::Id(id) => Some(*id),
        }
    }
}

/// Garmin's error body (`{"errorMessage": ...}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub error_message: Option<String>,
}
