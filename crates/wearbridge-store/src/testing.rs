//! Fresh, isolated databases for tests (feature `testing`), shared with the server's
//! integration tests so nobody copies this logic.
//!
//! - SQLite: a new file in a temporary directory, removed with the guard.
//! - PostgreSQL: `CREATE DATABASE wb_<random>` on the server named by
//!   [`POSTGRES_URL_VAR`]; the guard drops it (`WITH (FORCE)`, so open pool connections do
//!   not keep it alive). When the variable is unset the helpers return `None` after
//!   printing a note, and the caller skips the test.
//!
//! ```no_run
//! # async fn demo() -> wearbridge_store::Result<()> {
//! use wearbridge_store::{Backend, testing};
//! for backend in [Backend::Sqlite, Backend::Postgres] {
//!     let Some((store, _guard)) = testing::fresh_store(backend).await? else {
//!         continue; // PostgreSQL not configured: skipped, a note was printed
//!     };
//!     assert!(store.ping().await.is_ok());
//! }
//! # Ok(()) }
//! ```

use std::env;

use sqlx::{AnyConnection, Connection, Executor};
use uuid::Uuid;

use crate::{Backend, Result, Store, StoreError};

/// Environment variable naming a PostgreSQL server (and a database on it to connect to
/// while creating test databases), e.g. `postgres://postgres@127.0.0.1:5432/test`.
pub const POSTGRES_URL_VAR: &str = "WEARBRIDGE_TEST_POSTGRES_URL";

/// Keeps a test database alive; dropping it deletes the database.
#[derive(Debug)]
pub struct TestDatabase {
    kind: Guard,
}

#[derive(Debug)]
enum Guard {
    Sqlite(#[allow(dead_code, reason = "held for its Drop")] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// A URL for a new, empty database of `backend` and its guard; `Ok(None)` (with a note
/// on stderr) when `backend` is PostgreSQL and [`POSTGRES_URL_VAR`] is unset or empty.
pub async fn fresh_database_url(backend: Backend) -> Result<Option<(String, TestDatabase)>> {
    match backend {
        Backend::Sqlite => fresh_sqlite().map(Some),
        Backend::Postgres => match env::var(POSTGRES_URL_VAR) {
            Ok(admin_url) if !admin_url.trim().is_empty() => {
                fresh_postgres(admin_url).await.map(Some)
            }
            _ => {
                eprintln!("note: {POSTGRES_URL_VAR} is unset; skipping the PostgreSQL variant");
                Ok(None)
            }
        },
    }
}

/// [`fresh_database_url`], connected and migrated.
pub async fn fresh_store(backend: Backend) -> Result<Option<(Store, TestDatabase)>> {
    let Some((url, guard)) = fresh_database_url(backend).await? else {
        return Ok(None);
    };
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    Ok(Some((store, guard)))
}

fn fresh_sqlite() -> Result<(String, TestDatabase)> {
    let dir = tempfile::tempdir()
        .map_err(|e| StoreError::InvalidInput(format!("cannot create a temp dir: {e}")))?;
    let path = dir.path().join("wearbridge-test.db");
    let url = format!("sqlite://{}", path.display());
    Ok((
        url,
        TestDatabase {
            kind: Guard::Sqlite(dir),
        },
    ))
}

async fn fresh_postgres(admin_url: String) -> Result<(String, TestDatabase)> {
    crate::connect::connect_drivers();
    let name = format!("wb_{}", Uuid::new_v4().simple());
    let mut admin = AnyConnection::connect(&admin_url).await?;
    // The name is generated above (letters, digits, underscore), so splicing it is safe.
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    admin.close().await?;
    let mut url = url::Url::parse(&admin_url)
        .map_err(|e| StoreError::InvalidInput(format!("{POSTGRES_URL_VAR}: {e}")))?;
    url.set_path(&format!("/{name}"));
    Ok((
        url.into(),
        TestDatabase {
            kind: Guard::Postgres { admin_url, name },
        },
    ))
}

/// Drops a PostgreSQL test database on a separate thread with its own runtime: `Drop`
/// cannot await, and blocking inside the test's runtime could deadlock it.
fn drop_postgres_database(admin_url: String, name: String) {
    let dropper = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        let Ok(runtime) = runtime else { return };
        runtime.block_on(async move {
            let Ok(mut admin) = AnyConnection::connect(&admin_url).await else {
                return;
            };
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(error) = admin.execute(sql.as_str()).await {
                eprintln!("note: could not drop test database {name}: {error}");
            }
            let _ = admin.close().await;
        });
    });
    let _ = dropper.join();
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Guard::Postgres { admin_url, name } = &mut self.kind {
            drop_postgres_database(std::mem::take(admin_url), std::mem::take(name));
        }
    }
}
