//! Developers (tenants).

use sqlx::AnyConnection;

use crate::ids::DeveloperId;
use crate::rows::{self, developer_columns};
use crate::types::{Developer, NewDeveloper};
use crate::{Result, Store, StoreTx, now_micros};

const INSERT: &str = "INSERT INTO developers \
     (id, name, api_key_hash, webhook_url, webhook_secret_enc, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";
const FIND: &str = concat!(
    "SELECT ",
    developer_columns!(),
    " FROM developers WHERE id = $1"
);
const LIST: &str = concat!(
    "SELECT ",
    developer_columns!(),
    " FROM developers ORDER BY created_at, id"
);
const COUNT: &str = "SELECT COUNT(*) AS n FROM developers";
const SET_API_KEY_HASH: &str = "UPDATE developers SET api_key_hash = $2 WHERE id = $1";
const SET_WEBHOOK_URL: &str = "UPDATE developers SET webhook_url = $2 WHERE id = $1";
const SET_WEBHOOK_SECRET: &str = "UPDATE developers SET webhook_secret_enc = $2 WHERE id = $1";

async fn insert(conn: &mut AnyConnection, new: NewDeveloper) -> Result<Developer> {
    let developer = Developer {
        id: DeveloperId::new(),
        name: new.name,
        api_key_hash: new.api_key_hash,
        webhook_url: new.webhook_url,
        webhook_secret_enc: new.webhook_secret_enc,
        created_at: now_micros(),
    };
    sqlx::query(INSERT)
        .bind(developer.id.as_str())
        .bind(&developer.name)
        .bind(&developer.api_key_hash)
        .bind(developer.webhook_url.as_deref())
        .bind(&developer.webhook_secret_enc)
        .bind(developer.created_at)
        .execute(conn)
        .await?;
    Ok(developer)
}

/// Runs a single-column `UPDATE developers ... WHERE id = $1`; true when a row changed.
async fn set_column(
    conn: &mut AnyConnection,
    sql: &'static str,
    id: &DeveloperId,
    value: Option<&str>,
) -> Result<bool> {
    let done = sqlx::query(sql)
        .bind(id.as_str())
        .bind(value)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
    /// Creates a developer with a fresh [`DeveloperId`].
    pub async fn create_developer(&self, new: NewDeveloper) -> Result<Developer> {
        insert(&mut *self.write.acquire().await?, new).await
    }

    /// The developer with this id, if any.
    pub async fn find_developer(&self, id: &DeveloperId) -> Result<Option<Developer>> {
        let row = sqlx::query(FIND)
            .bind(id.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rows::developer).transpose()
    }

    /// All developers, oldest first.
    pub async fn list_developers(&self) -> Result<Vec<Developer>> {
        let rows = sqlx::query(LIST).fetch_all(&self.read).await?;
        rows.iter().map(rows::developer).collect()
    }

    /// Number of developers (development mode creates one when there are none).
    pub async fn count_developers(&self) -> Result<i64> {
        let row = sqlx::query(COUNT).fetch_one(&self.read).await?;
        Ok(sqlx::Row::try_get(&row, "n")?)
    }

    /// Replaces the API key hash (key rotation); false when the developer does not exist.
    pub async fn set_api_key_hash(&self, id: &DeveloperId, api_key_hash: &str) -> Result<bool> {
        let mut conn = self.write.acquire().await?;
        set_column(&mut conn, SET_API_KEY_HASH, id, Some(api_key_hash)).await
    }

    /// Sets or clears the webhook URL; false when the developer does not exist.
    pub async fn set_webhook_url(&self, id: &DeveloperId, url: Option<&str>) -> Result<bool> {
        let mut conn = self.write.acquire().await?;
        set_column(&mut conn, SET_WEBHOOK_URL, id, url).await
    }

    /// Replaces the encrypted webhook secret; false when the developer does not exist.
    pub async fn set_webhook_secret(&self, id: &DeveloperId, secret_enc: &str) -> Result<bool> {
        let mut conn = self.write.acquire().await?;
        set_column(&mut conn, SET_WEBHOOK_SECRET, id, Some(secret_enc)).await
    }
}

impl StoreTx<'_> {
    /// Creates a developer inside this transaction.
    pub async fn create_developer(&mut self, new: NewDeveloper) -> Result<Developer> {
        insert(&mut self.tx, new).await
    }
}
