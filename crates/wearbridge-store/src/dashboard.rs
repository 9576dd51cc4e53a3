//! Sign-in sessions of the web dashboard. The server keeps only the hash of the cookie's
//! random id; looking a session up and signing out are single statements keyed on it.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::DeveloperId;
use crate::rows::flag;
use crate::{Result, Store};

/// A signed-in dashboard browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardSession {
    /// SHA-256 (hex) of the cookie value; the value itself is never stored.
    pub id_hash: String,
    /// The developer signed in; `None` for an operator session.
    pub developer_id: Option<DeveloperId>,
    /// Signed in with the operator key (sees every developer).
    pub operator: bool,
    /// Creation time, unix microseconds.
    pub created_at: i64,
    /// The session is refused from this time on, unix microseconds.
    pub expires_at: i64,
}

const INSERT: &str = "INSERT INTO dashboard_sessions \
     (id_hash, developer_id, operator, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
const GET_LIVE: &str = "SELECT id_hash, developer_id, operator, created_at, expires_at \
     FROM dashboard_sessions WHERE id_hash = $1 AND expires_at > $2";
const DELETE: &str = "DELETE FROM dashboard_sessions WHERE id_hash = $1";
const PURGE: &str = "DELETE FROM dashboard_sessions WHERE expires_at <= $1";

fn session(row: &AnyRow) -> Result<DashboardSession> {
    Ok(DashboardSession {
        id_hash: row.try_get("id_hash")?,
        developer_id: row
            .try_get::<Option<String>, _>("developer_id")?
            .map(DeveloperId::from_db),
        operator: row.try_get::<i64, _>("operator")? != 0,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

impl Store {
    /// Stores a new dashboard session.
    pub async fn create_dashboard_session(&self, session: &DashboardSession) -> Result<()> {
        sqlx::query(INSERT)
            .bind(&session.id_hash)
            .bind(session.developer_id.as_ref().map(DeveloperId::as_str))
            .bind(flag(session.operator))
            .bind(session.created_at)
            .bind(session.expires_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The session with this hash if it has not expired at `now` (unix microseconds).
    pub async fn live_dashboard_session(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<DashboardSession>> {
        let row = sqlx::query(GET_LIVE)
            .bind(id_hash)
            .bind(now)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(session).transpose()
    }

    /// Signs a session out; true when it existed.
    pub async fn delete_dashboard_session(&self, id_hash: &str) -> Result<bool> {
        let done = sqlx::query(DELETE)
            .bind(id_hash)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes sessions expired at `now`; returns how many.
    pub async fn purge_dashboard_sessions(&self, now: i64) -> Result<u64> {
        let done = sqlx::query(PURGE).bind(now).execute(&self.write).await?;
        Ok(done.rows_affected())
    }
}
