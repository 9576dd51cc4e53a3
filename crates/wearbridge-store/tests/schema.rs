//! Cross-backend guarantees that no single-backend test can see.

mod common;

use std::collections::BTreeSet;

use common::{daily, developer, user};
use sqlx::{AnyConnection, Connection, Row};
use wearbridge_model::DataType;
use wearbridge_store::{Backend, Store, StoreError, testing};

const SQLITE_COLUMNS: &str = "SELECT m.name AS table_name, p.name AS column_name \
     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx_%'";
const POSTGRES_COLUMNS: &str = "SELECT table_name::text AS table_name, \
     column_name::text AS column_name FROM information_schema.columns \
     WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx\\_%'";

async fn columns(backend: Backend) -> Result<Option<BTreeSet<(String, String)>>, StoreError> {
    let Some((url, _guard)) = testing::fresh_database_url(backend).await? else {
        return Ok(None);
    };
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    store.close().await;
    let mut conn = AnyConnection::connect(&url).await?;
    let sql = match backend {
        Backend::Sqlite => SQLITE_COLUMNS,
        Backend::Postgres => POSTGRES_COLUMNS,
    };
    let rows = sqlx::query(sql).fetch_all(&mut conn).await?;
    conn.close().await?;
    let pairs = rows
        .iter()
        .map(|row| Ok((row.try_get("table_name")?, row.try_get("column_name")?)))
        .collect::<Result<BTreeSet<_>, sqlx::Error>>()?;
    Ok(Some(pairs))
}

/// Both migration sets must define the same tables and columns, or code that passes on
/// one backend fails on the other.
#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() -> Result<(), StoreError> {
    let sqlite = columns(Backend::Sqlite).await?.unwrap_or_default();
    assert!(
        sqlite.contains(&("records".to_owned(), "payload".to_owned())),
        "{sqlite:?}"
    );
    // 0001 alone defines 61 columns; fewer means the query above silently missed tables.
    assert!(sqlite.len() >= 61, "only {} columns found", sqlite.len());
    let Some(postgres) = columns(Backend::Postgres).await? else {
        return Ok(());
    };
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "schema drift: only in SQLite {only_sqlite:?}, only in PostgreSQL {only_postgres:?}"
    );
    Ok(())
}

/// Two processes (say the CLI and the server) writing to one SQLite file at once: each
/// has its own writer, so `BEGIN IMMEDIATE` plus `busy_timeout` must serialise them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_sqlite_file_both_write() -> Result<(), StoreError> {
    let Some((url, _guard)) = testing::fresh_database_url(Backend::Sqlite).await? else {
        return Ok(());
    };
    let first = Store::connect(&url).await?;
    first.migrate().await?;
    let second = Store::connect(&url).await?;
    let dev = developer(&first, "dev").await?;
    let user = user(&first, &dev.id, "r").await?;
    let mut tasks = tokio::task::JoinSet::new();
    for day in 0..30 {
        let store = if day % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let (dev, user) = (dev.id.clone(), user.id.clone());
        tasks.spawn(async move {
            let mut tx = store.begin().await?;
            tx.upsert_record(&dev, &user, &daily(day, "v")).await?;
            tx.commit().await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| StoreError::Conflict(format!("task panicked: {e}")))??;
    }
    assert_eq!(
        second
            .count_records(&dev.id, &user.id, DataType::Daily)
            .await?,
        30
    );
    first.close().await;
    second.close().await;
    Ok(())
}
