//! Planned workouts written to providers: what the server hands an adapter whose public
//! API accepts structured workouts (Garmin's Training API), and what comes back.
//!
//! The provider-neutral form is Terra's current `WorkoutTemplate` (step blocks,
//! completion conditions, intensity targets) planned onto one calendar day with the
//! athlete's metrics. The SDK-era `PlannedWorkout` (`POST /v2/plannedWorkout`) is turned
//! into that form by [`sdk::template_of`] first, so each provider has one mapper. Nothing
//! here does IO except through [`WorkoutCalendar`], which adapters implement.

pub mod sdk;

use async_trait::async_trait;
use chrono::NaiveDate;
use secrecy::SecretString;
use wearbridge_model::{AthleteMetrics, WorkoutTemplate};

use crate::{ProviderCtx, ProviderError};

/// One workout to put on a user's calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkoutPlan {
    pub template: WorkoutTemplate,
    /// The user's calendar day.
    pub planned_date: NaiveDate,
    /// Personalises zone targets (percentages of max or threshold heart rate, of FTP);
    /// `pool_length_meters` overrides the template's.
    pub metrics: AthleteMetrics,
}

/// Where a plan landed at the provider.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushedWorkout {
    /// The provider's id of the workout.
    pub workout_id: String,
    /// The provider's id of the calendar entry, where the provider schedules separately.
    pub schedule_id: Option<String>,
    /// What the provider's format could not represent exactly (Terra's
    /// `coercion_warnings`), one sentence each.
    pub coercion_warnings: Vec<String>,
}

/// The provider-side ids of a pushed plan, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedIds {
    pub workout_id: String,
    pub schedule_id: Option<String>,
}

/// A provider calendar that takes structured workouts. Every call is on behalf of one
/// user (`ctx.provider_user_id`, `access_token`).
#[async_trait]
pub trait WorkoutCalendar: Send + Sync {
    /// Creates the workout and schedules it on `plan.planned_date`.
    async fn create(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        plan: &WorkoutPlan,
    ) -> Result<PushedWorkout, ProviderError>;

    /// Moves the scheduled workout to `date`; the calendar entry's id afterwards.
    async fn reschedule(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        pushed: &PushedIds,
        date: NaiveDate,
    ) -> Result<Option<String>, ProviderError>;

    /// Removes the workout (and its calendar entry). A workout the provider no longer
    /// has counts as removed.
    async fn delete(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        pushed: &PushedIds,
    ) -> Result<(), ProviderError>;
}
