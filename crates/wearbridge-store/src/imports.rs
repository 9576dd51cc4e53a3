//! File imports (`0600_imports`): one row per uploaded export, its state and progress.
//! Every read is scoped to the developer: another developer's import is absent.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::{DeveloperId, UserId};
use crate::{Result, Store, now_micros};

/// A stored import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub id: String,
    pub developer_id: DeveloperId,
    pub user_id: UserId,
    /// `apple_health`.
    pub kind: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub state: String,
    pub file_path: String,
    pub bytes_total: i64,
    pub bytes_read: i64,
    pub records_stored: i64,
    /// Summary JSON once succeeded.
    pub result: Option<String>,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Input of [`Store::insert_import`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImport {
    pub id: String,
    pub user_id: UserId,
    pub kind: String,
    pub file_path: String,
    pub bytes_total: i64,
}

const COLUMNS: &str = "id, developer_id, user_id, kind, state, file_path, bytes_total, \
     bytes_read, records_stored, result, error, created_at, updated_at";
const INSERT: &str = "INSERT INTO imports (id, developer_id, user_id, kind, state, file_path, \
     bytes_total, bytes_read, records_stored, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, 'queued', $5, $6, 0, 0, $7, $7)";
const PROGRESS: &str = "UPDATE imports SET state = 'running', bytes_read = $2, \
     records_stored = $3, updated_at = $4 WHERE id = $1 AND state IN ('queued', 'running')";
const FINISH: &str = "UPDATE imports SET state = $2, result = $3, error = $4, updated_at = $5 \
     WHERE id = $1";

fn import(row: &AnyRow) -> Result<ImportRow> {
    Ok(ImportRow {
        id: row.try_get("id")?,
        developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
        user_id: UserId::from_db(row.try_get("user_id")?),
        kind: row.try_get("kind")?,
        state: row.try_get("state")?,
        file_path: row.try_get("file_path")?,
        bytes_total: row.try_get("bytes_total")?,
        bytes_read: row.try_get("bytes_read")?,
        records_stored: row.try_get("records_stored")?,
        result: row.try_get("result")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Records a queued import of `dev`.
    pub async fn insert_import(&self, dev: &DeveloperId, new: &NewImport) -> Result<()> {
        sqlx::query(INSERT)
            .bind(new.id.as_str())
            .bind(dev.as_str())
            .bind(new.user_id.as_str())
            .bind(new.kind.as_str())
            .bind(new.file_path.as_str())
            .bind(new.bytes_total)
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// `dev`'s import `id`, if it exists.
    pub async fn get_import(&self, dev: &DeveloperId, id: &str) -> Result<Option<ImportRow>> {
        let sql = format!("SELECT {COLUMNS} FROM imports WHERE developer_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(dev.as_str())
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(import).transpose()
    }

    /// The import `id` whatever its developer (for the job, which got the id from a
    /// row it owns).
    pub async fn import_by_id(&self, id: &str) -> Result<Option<ImportRow>> {
        let sql = format!("SELECT {COLUMNS} FROM imports WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(import).transpose()
    }

    /// Marks the import running with its progress.
    pub async fn set_import_progress(
        &self,
        id: &str,
        bytes_read: i64,
        records_stored: i64,
    ) -> Result<()> {
        sqlx::query(PROGRESS)
            .bind(id)
            .bind(bytes_read)
            .bind(records_stored)
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Ends the import: `succeeded` with its summary JSON, or `failed` with the error.
    pub async fn finish_import(
        &self,
        id: &str,
        result: std::result::Result<&str, &str>,
    ) -> Result<()> {
        let (state, summary, error) = match result {
            Ok(summary) => ("succeeded", Some(summary), None),
            Err(error) => ("failed", None, Some(error)),
        };
        sqlx::query(FINISH)
            .bind(id)
            .bind(state)
            .bind(summary)
            .bind(error)
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
