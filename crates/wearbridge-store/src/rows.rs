//! Column lists and row decoding shared by the query modules.
//!
//! Column lists are macros (not consts) so they can be spliced into `concat!` and every
//! statement stays a `&'static str`, which sqlx prepares once per connection and caches.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::ids::{DeveloperId, EventId, JobId, UserId};
use crate::types::{Developer, EventRow, Job, User};

macro_rules! developer_columns {
    () => {
        "id, name, api_key_hash, webhook_url, webhook_secret_enc, created_at"
    };
}
macro_rules! user_columns {
    () => {
        "id, developer_id, provider, provider_user_id, reference_id, scopes, active, \
         deauthenticated, created_at, last_webhook_update, last_polled_at, most_recent_data_at"
    };
}
macro_rules! event_columns {
    () => {
        "id, developer_id, user_id, event_type, body, reference, trace_id, created_at, state, \
         attempt_count, next_attempt_at, locked_until, locked_by, delivered_at, last_error"
    };
}
macro_rules! job_columns {
    () => {
        "id, kind, payload, state, attempts, max_attempts, run_at, locked_until, locked_by, \
         last_error, progress, developer_id, user_id, created_at, updated_at"
    };
}
pub(crate) use {developer_columns, event_columns, job_columns, user_columns};

/// Booleans are stored as INTEGER 0/1 on both backends (see the crate docs).
pub(crate) fn flag(value: bool) -> i32 {
    i32::from(value)
}

fn get_flag(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

fn get_i32(row: &AnyRow, column: &str) -> Result<i32> {
    let value: i64 = row.try_get(column)?;
    i32::try_from(value)
        .map_err(|_| crate::StoreError::Corrupt(format!("{column} out of range: {value}")))
}

pub(crate) fn developer(row: &AnyRow) -> Result<Developer> {
    Ok(Developer {
        id: DeveloperId::from_db(row.try_get("id")?),
        name: row.try_get("name")?,
        api_key_hash: row.try_get("api_key_hash")?,
        webhook_url: row.try_get("webhook_url")?,
        webhook_secret_enc: row.try_get("webhook_secret_enc")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn user(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: UserId::from_db(row.try_get("id")?),
        developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
        provider: row.try_get("provider")?,
        provider_user_id: row.try_get("provider_user_id")?,
        reference_id: row.try_get("reference_id")?,
        scopes: row.try_get("scopes")?,
        active: get_flag(row, "active")?,
        deauthenticated: get_flag(row, "deauthenticated")?,
        created_at: row.try_get("created_at")?,
        last_webhook_update: row.try_get("last_webhook_update")?,
        last_polled_at: row.try_get("last_polled_at")?,
        most_recent_data_at: row.try_get("most_recent_data_at")?,
    })
}

pub(crate) fn event(row: &AnyRow) -> Result<EventRow> {
    let state: String = row.try_get("state")?;
    Ok(EventRow {
        id: EventId::from_db(row.try_get("id")?),
        developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
        user_id: row
            .try_get::<Option<String>, _>("user_id")?
            .map(UserId::from_db),
        event_type: row.try_get("event_type")?,
        body: row.try_get("body")?,
        reference: row.try_get("reference")?,
        trace_id: row.try_get("trace_id")?,
        created_at: row.try_get("created_at")?,
        state: state.parse()?,
        attempt_count: get_i32(row, "attempt_count")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        locked_until: row.try_get("locked_until")?,
        locked_by: row.try_get("locked_by")?,
        delivered_at: row.try_get("delivered_at")?,
        last_error: row.try_get("last_error")?,
    })
}

pub(crate) fn job(row: &AnyRow) -> Result<Job> {
    let state: String = row.try_get("state")?;
    Ok(Job {
        id: JobId::from_db(row.try_get("id")?),
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        state: state.parse()?,
        attempts: get_i32(row, "attempts")?,
        max_attempts: get_i32(row, "max_attempts")?,
        run_at: row.try_get("run_at")?,
        locked_until: row.try_get("locked_until")?,
        locked_by: row.try_get("locked_by")?,
        last_error: row.try_get("last_error")?,
        progress: row.try_get("progress")?,
        developer_id: row
            .try_get::<Option<String>, _>("developer_id")?
            .map(DeveloperId::from_db),
        user_id: row
            .try_get::<Option<String>, _>("user_id")?
            .map(UserId::from_db),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Encodes a list of strings as a JSON array, the one portable way to pass a variable
/// number of values in a single prepared statement through the `Any` driver (which has
/// no array type): SQLite reads it with `json_each`, PostgreSQL with
/// `jsonb_array_elements_text`. Keeps one cached statement instead of one per list length.
pub(crate) fn json_list<S: AsRef<str>>(values: &[S]) -> Result<String> {
    let texts: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    serde_json::to_string(&texts)
        .map_err(|e| crate::StoreError::InvalidInput(format!("cannot encode list: {e}")))
}

/// A lease length in microseconds, saturating instead of overflowing.
pub(crate) fn lease_micros(lease: std::time::Duration) -> i64 {
    i64::try_from(lease.as_micros()).unwrap_or(i64::MAX)
}
