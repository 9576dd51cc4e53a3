//! Workout templates (a developer's, `POST /v2/workouts`) and planned workouts (on one
//! user's calendar, from a template or from the SDK-era `POST /v2/plannedWorkout`).
//!
//! Planned workouts belong to a user: every statement names the developer and, where a
//! user is addressed, requires that user to be visible to it (not deauthenticated), so
//! another developer's user or a disconnected one reads as absent. Writes that change
//! what a user's reads return move the user's change version like record writes do.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::{DeveloperId, UserId};
use crate::{Result, Store, StoreError, StoreTx};

/// A stored workout template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkoutTemplateRow {
    /// `workout_id`: a decimal integer (Terra's path parameter is an int64).
    pub id: String,
    pub developer_id: DeveloperId,
    /// The template JSON (Terra's `WorkoutTemplate`, without `workout_id`).
    pub body: String,
    /// Creation time, unix microseconds.
    pub created_at: i64,
}

/// A workout on a user's calendar, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedWorkoutRow {
    pub user_id: UserId,
    /// `planned_workout_id` (and the SDK-era log id).
    pub id: String,
    pub developer_id: DeveloperId,
    /// The template it was planned from; `None` for SDK-era writes.
    pub workout_id: Option<String>,
    /// The user's calendar day, `YYYY-MM-DD`.
    pub planned_date: String,
    /// The SDK-era `PlannedWorkout` JSON as served back; `None` for template plans.
    pub sdk_body: Option<String>,
    /// Terra's `AthleteMetrics` JSON given when planning, if any.
    pub athlete_metrics: Option<String>,
    /// The user's provider when it was planned (where it was pushed).
    pub provider: String,
    pub provider_workout_id: Option<String>,
    pub provider_schedule_id: Option<String>,
    /// What did not translate exactly into the provider's format.
    pub coercion_warnings: Option<String>,
    /// Unix microseconds.
    pub created_at: i64,
    pub updated_at: i64,
}

/// Input of [`StoreTx::put_planned_workout`]: everything but the timestamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlannedWorkout {
    pub user_id: UserId,
    pub id: String,
    pub workout_id: Option<String>,
    pub planned_date: String,
    pub sdk_body: Option<String>,
    pub athlete_metrics: Option<String>,
    pub provider: String,
    pub provider_workout_id: Option<String>,
    pub provider_schedule_id: Option<String>,
    pub coercion_warnings: Option<String>,
}

macro_rules! planned_columns {
    () => {
        "user_id, id, developer_id, workout_id, planned_date, sdk_body, athlete_metrics, \
         provider, provider_workout_id, provider_schedule_id, coercion_warnings, created_at, \
         updated_at"
    };
}

/// The condition every planned-workout read ends with: the row's user is visible.
macro_rules! visible_user {
    () => {
        "EXISTS (SELECT 1 FROM users WHERE users.id = planned_workouts.user_id \
         AND users.developer_id = planned_workouts.developer_id AND users.deauthenticated = 0)"
    };
}

const INSERT_TEMPLATE: &str = "INSERT INTO workout_templates (id, developer_id, body, created_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING";
const LIST_TEMPLATES: &str = "SELECT id, developer_id, body, created_at FROM workout_templates \
     WHERE developer_id = $1 ORDER BY created_at, id";
const GET_TEMPLATE: &str = "SELECT id, developer_id, body, created_at FROM workout_templates \
     WHERE developer_id = $1 AND id = $2";
const DELETE_TEMPLATE: &str = "DELETE FROM workout_templates WHERE developer_id = $1 AND id = $2";
/// Insert, or replace everything but `created_at`, provided the user is visible.
const PUT_PLANNED: &str = concat!(
    "INSERT INTO planned_workouts (",
    planned_columns!(),
    ") SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12 \
     WHERE EXISTS (SELECT 1 FROM users WHERE id = $1 AND developer_id = $3 AND deauthenticated = 0) \
     ON CONFLICT (user_id, id) DO UPDATE SET workout_id = excluded.workout_id, \
     planned_date = excluded.planned_date, sdk_body = excluded.sdk_body, \
     athlete_metrics = excluded.athlete_metrics, provider = excluded.provider, \
     provider_workout_id = excluded.provider_workout_id, \
     provider_schedule_id = excluded.provider_schedule_id, \
     coercion_warnings = excluded.coercion_warnings, updated_at = excluded.updated_at \
     RETURNING created_at"
);
const GET_PLANNED: &str = concat!(
    "SELECT ",
    planned_columns!(),
    " FROM planned_workouts WHERE developer_id = $1 AND user_id = $2 AND id = $3 AND ",
    visible_user!()
);
const LIST_PLANNED: &str = concat!(
    "SELECT ",
    planned_columns!(),
    " FROM planned_workouts WHERE developer_id = $1 AND user_id = $2 \
     AND planned_date >= $3 AND planned_date <= $4 AND ",
    visible_user!(),
    " ORDER BY planned_date, created_at, id"
);
const PLANNED_OF_TEMPLATE: &str = concat!(
    "SELECT ",
    planned_columns!(),
    " FROM planned_workouts WHERE developer_id = $1 AND workout_id = $2 AND ",
    visible_user!(),
    " ORDER BY planned_date, created_at, id"
);
const DELETE_PLANNED: &str =
    "DELETE FROM planned_workouts WHERE developer_id = $1 AND user_id = $2 AND id = $3";
const DELETE_USER_PLANNED: &str =
    "DELETE FROM planned_workouts WHERE developer_id = $1 AND user_id = $2";

/// Every date a `YYYY-MM-DD` column can hold sorts between these two.
const FIRST_DATE: &str = "0000-01-01";
const LAST_DATE: &str = "9999-12-31";

fn template(row: &AnyRow) -> Result<WorkoutTemplateRow> {
    Ok(WorkoutTemplateRow {
        id: row.try_get("id")?,
        developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
        body: row.try_get("body")?,
        created_at: row.try_get("created_at")?,
    })
}

fn planned(row: &AnyRow) -> Result<PlannedWorkoutRow> {
    Ok(PlannedWorkoutRow {
        user_id: UserId::from_db(row.try_get("user_id")?),
        id: row.try_get("id")?,
        developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
        workout_id: row.try_get("workout_id")?,
        planned_date: row.try_get("planned_date")?,
        sdk_body: row.try_get("sdk_body")?,
        athlete_metrics: row.try_get("athlete_metrics")?,
        provider: row.try_get("provider")?,
        provider_workout_id: row.try_get("provider_workout_id")?,
        provider_schedule_id: row.try_get("provider_schedule_id")?,
        coercion_warnings: row.try_get("coercion_warnings")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Stores a new template under `id`; `Conflict` when the id is taken.
    pub async fn insert_workout_template(
        &self,
        dev: &DeveloperId,
        id: &str,
        body: &str,
        now: i64,
    ) -> Result<()> {
        let done = sqlx::query(INSERT_TEMPLATE)
            .bind(id)
            .bind(dev.as_str())
            .bind(body)
            .bind(now)
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("workout id {id} is taken")));
        }
        Ok(())
    }

    /// `dev`'s templates, oldest first.
    pub async fn list_workout_templates(
        &self,
        dev: &DeveloperId,
    ) -> Result<Vec<WorkoutTemplateRow>> {
        let rows = sqlx::query(LIST_TEMPLATES)
            .bind(dev.as_str())
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(template).collect()
    }

    /// `dev`'s template `id`, if it exists.
    pub async fn get_workout_template(
        &self,
        dev: &DeveloperId,
        id: &str,
    ) -> Result<Option<WorkoutTemplateRow>> {
        let row = sqlx::query(GET_TEMPLATE)
            .bind(dev.as_str())
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(template).transpose()
    }

    /// The planned workouts of visible users made from `dev`'s template `workout_id`.
    pub async fn planned_workouts_of_template(
        &self,
        dev: &DeveloperId,
        workout_id: &str,
    ) -> Result<Vec<PlannedWorkoutRow>> {
        let rows = sqlx::query(PLANNED_OF_TEMPLATE)
            .bind(dev.as_str())
            .bind(workout_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(planned).collect()
    }

    /// `user`'s planned workout `id`, if the user is `dev`'s and visible.
    pub async fn get_planned_workout(
        &self,
        dev: &DeveloperId,
        user: &UserId,
        id: &str,
    ) -> Result<Option<PlannedWorkoutRow>> {
        let row = sqlx::query(GET_PLANNED)
            .bind(dev.as_str())
            .bind(user.as_str())
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(planned).transpose()
    }

    /// `user`'s planned workouts with a planned date in `[from, to]` (both `YYYY-MM-DD`,
    /// inclusive; `None` leaves that end open), by date then creation.
    pub async fn list_planned_workouts(
        &self,
        dev: &DeveloperId,
        user: &UserId,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<PlannedWorkoutRow>> {
        let rows = sqlx::query(LIST_PLANNED)
            .bind(dev.as_str())
            .bind(user.as_str())
            .bind(from.unwrap_or(FIRST_DATE))
            .bind(to.unwrap_or(LAST_DATE))
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(planned).collect()
    }
}

impl StoreTx<'_> {
    /// Inserts the planned workout, or replaces the one with the same id (keeping its
    /// creation time); the stored row. `NotFound` when `dev` cannot see the user.
    pub async fn put_planned_workout(
        &mut self,
        dev: &DeveloperId,
        new: &NewPlannedWorkout,
        now: i64,
    ) -> Result<PlannedWorkoutRow> {
        self.touch(&new.user_id);
        let row = sqlx::query(PUT_PLANNED)
            .bind(new.user_id.as_str())
            .bind(new.id.as_str())
            .bind(dev.as_str())
            .bind(new.workout_id.as_deref())
            .bind(new.planned_date.as_str())
            .bind(new.sdk_body.as_deref())
            .bind(new.athlete_metrics.as_deref())
            .bind(new.provider.as_str())
            .bind(new.provider_workout_id.as_deref())
            .bind(new.provider_schedule_id.as_deref())
            .bind(new.coercion_warnings.as_deref())
            .bind(now)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(PlannedWorkoutRow {
            user_id: new.user_id.clone(),
            id: new.id.clone(),
            developer_id: dev.clone(),
            workout_id: new.workout_id.clone(),
            planned_date: new.planned_date.clone(),
            sdk_body: new.sdk_body.clone(),
            athlete_metrics: new.athlete_metrics.clone(),
            provider: new.provider.clone(),
            provider_workout_id: new.provider_workout_id.clone(),
            provider_schedule_id: new.provider_schedule_id.clone(),
            coercion_warnings: new.coercion_warnings.clone(),
            created_at: row.try_get("created_at")?,
            updated_at: now,
        })
    }

    /// Deletes `user`'s planned workout `id`; whether one was deleted.
    pub async fn delete_planned_workout(
        &mut self,
        dev: &DeveloperId,
        user: &UserId,
        id: &str,
    ) -> Result<bool> {
        self.touch(user);
        let done = sqlx::query(DELETE_PLANNED)
            .bind(dev.as_str())
            .bind(user.as_str())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes `dev`'s template `id` (its plans are deleted one by one by the caller,
    /// which removes them at the provider first); whether it existed.
    pub async fn delete_workout_template(&mut self, dev: &DeveloperId, id: &str) -> Result<bool> {
        let done = sqlx::query(DELETE_TEMPLATE)
            .bind(dev.as_str())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes every planned workout of `user` (with the user's records on deauth).
    pub(crate) async fn delete_user_planned_workouts(
        &mut self,
        dev: &DeveloperId,
        user: &UserId,
    ) -> Result<u64> {
        let done = sqlx::query(DELETE_USER_PLANNED)
            .bind(dev.as_str())
            .bind(user.as_str())
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected())
    }
}
