//! Opening pools and applying migrations.

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, Connection, Executor};

use crate::{Backend, Result, Store, StoreError, UserChanges};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Reader connections on SQLite (WAL lets them run beside the single writer).
const SQLITE_READERS: u32 = 8;
/// Connections per process on PostgreSQL; several nodes share the server's limit.
const POSTGRES_CONNECTIONS: u32 = 16;
/// How long a caller waits for a pooled connection before getting an error.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// A pooled connection idle for longer than this is pinged before it is handed out.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

/// Pool options shared by both backends. sqlx's default `test_before_acquire` pings on
/// *every* checkout: a full round trip per query on PostgreSQL and a worker-thread hop on
/// SQLite. Pinging only connections that sat idle keeps the protection against servers
/// that dropped a connection while it idled, without taxing the hot path.
fn pool_options(max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|conn: &mut AnyConnection, meta| {
            Box::pin(async move {
                if meta.idle_for < PING_IF_IDLE_FOR {
                    return Ok(true);
                }
                // `false` makes the pool close this connection and try another.
                Ok(conn.ping().await.is_ok())
            })
        })
}

/// Per-connection SQLite settings. `busy_timeout` comes first so the WAL switch waits
/// for a lock instead of failing; `synchronous=NORMAL` is durable in WAL mode except for
/// the last transactions before a power loss, the usual trade for write throughput.
/// `mmap_size` (256 MiB of address space, not memory) lets reads use the OS page cache
/// directly instead of a `pread` copy per page; `cache_size` (negative = KiB, 16 MiB per
/// connection) keeps hot index and record pages in SQLite's own cache between queries.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL; \
     PRAGMA mmap_size = 268435456; \
     PRAGMA cache_size = -16384;";

pub(crate) fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::UnsupportedUrl(redact(url)))
    }
}

/// Drops everything after the scheme so a password never reaches an error message.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, _)) => format!("{scheme}://…"),
        None => url.chars().take(16).collect(),
    }
}

/// Registers the SQLite and PostgreSQL drivers with `Any` (idempotent).
pub(crate) fn connect_drivers() {
    install_default_drivers();
}

pub(crate) async fn connect(url: &str) -> Result<Store> {
    connect_drivers();
    match backend_of(url)? {
        Backend::Sqlite => connect_sqlite(url).await,
        Backend::Postgres => connect_postgres(url).await,
    }
}

async fn connect_postgres(url: &str) -> Result<Store> {
    let pool = pool_options(POSTGRES_CONNECTIONS).connect(url).await?;
    Ok(Store {
        read: pool.clone(),
        write: pool,
        backend: Backend::Postgres,
        changes: Arc::new(UserChanges::new(Backend::Postgres)),
        listen_url: Some(DatabaseUrl(url.to_owned())),
    })
}

/// A database URL kept for reconnecting; its `Debug` hides it (it may hold a password).
#[derive(Clone)]
pub(crate) struct DatabaseUrl(String);

impl DatabaseUrl {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

/// Whether an SQLite URL names an in-memory database, where every connection would see
/// its own empty database: then reader and writer must be the same single connection.
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Adds `mode=rwc` (create the file if missing) unless the URL chose a mode.
fn with_create_mode(url: &str) -> String {
    if url.contains("mode=") || is_in_memory(url) {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

fn sqlite_pool_options(max_connections: u32) -> AnyPoolOptions {
    pool_options(max_connections).after_connect(|conn: &mut AnyConnection, _meta| {
        Box::pin(async move {
            conn.execute(SQLITE_PRAGMAS).await?;
            Ok(())
        })
    })
}

async fn connect_sqlite(url: &str) -> Result<Store> {
    let url = with_create_mode(url);
    if is_in_memory(&url) {
        let pool = sqlite_pool_options(1)
            // An idle in-memory connection must never be closed: it *is* the database.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect(&url)
            .await?;
        return Ok(Store {
            read: pool.clone(),
            write: pool,
            backend: Backend::Sqlite,
            changes: Arc::new(UserChanges::new(Backend::Sqlite)),
            listen_url: None,
        });
    }
    // The writer connects first so the file exists and is in WAL mode before readers open.
    let write = sqlite_pool_options(1).connect(&url).await?;
    let read = sqlite_pool_options(SQLITE_READERS).connect(&url).await?;
    Ok(Store {
        read,
        write,
        backend: Backend::Sqlite,
        changes: Arc::new(UserChanges::new(Backend::Sqlite)),
        listen_url: None,
    })
}

/// The migrations of this build not applied to `store` yet (`version description`),
/// oldest first; all of them when the database was never migrated.
pub(crate) async fn pending_migrations(store: &Store) -> Result<Vec<String>> {
    let migrator = match store.backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&store.read)
            .await
            .unwrap_or_default();
    Ok(migrator
        .iter()
        .filter(|migration| !applied.contains(&migration.version))
        .map(|migration| format!("{} {}", migration.version, migration.description))
        .collect())
}

pub(crate) async fn migrate(store: &Store) -> Result<()> {
    let migrator = match store.backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    migrator.run(&store.write).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_read_from_the_scheme() {
        assert_eq!(backend_of("sqlite://x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(backend_of("sqlite::memory:").ok(), Some(Backend::Sqlite));
        assert_eq!(
            backend_of("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            backend_of("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(backend_of("mysql://u:secret@h/db").is_err());
    }

    #[test]
    fn unsupported_url_errors_hide_credentials() {
        let message = backend_of("mysql://u:secret@h/db")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn create_mode_is_added_once() {
        assert_eq!(with_create_mode("sqlite://a.db"), "sqlite://a.db?mode=rwc");
        assert_eq!(
            with_create_mode("sqlite://a.db?x=1"),
            "sqlite://a.db?x=1&mode=rwc"
        );
        assert_eq!(
            with_create_mode("sqlite://a.db?mode=ro"),
            "sqlite://a.db?mode=ro"
        );
        assert_eq!(with_create_mode("sqlite::memory:"), "sqlite::memory:");
    }

    async fn pragma(pool: &sqlx::AnyPool, name: &str) -> Result<String> {
        use sqlx::Row;
        let row = sqlx::query(&format!("PRAGMA {name}"))
            .fetch_one(pool)
            .await?;
        // PRAGMAs answer either text or an integer; normalise to text for comparison.
        match row.try_get::<String, _>(0) {
            Ok(text) => Ok(text),
            Err(_) => Ok(row.try_get::<i64, _>(0)?.to_string()),
        }
    }

    #[tokio::test]
    async fn sqlite_file_is_created_with_the_documented_settings() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| StoreError::InvalidInput(e.to_string()))?;
        let path = dir.path().join("new.db");
        assert!(!path.exists());
        let store = connect(&format!("sqlite://{}", path.display())).await?;
        assert!(path.exists(), "the database file was not created");
        for pool in [&store.read, &store.write] {
            assert_eq!(pragma(pool, "journal_mode").await?, "wal");
            assert_eq!(pragma(pool, "busy_timeout").await?, "5000");
            assert_eq!(pragma(pool, "foreign_keys").await?, "1");
            // 1 = NORMAL (0 OFF, 2 FULL, 3 EXTRA).
            assert_eq!(pragma(pool, "synchronous").await?, "1");
            assert_eq!(pragma(pool, "cache_size").await?, "-16384");
            assert_eq!(pragma(pool, "mmap_size").await?, "268435456");
        }
        store.close().await;
        Ok(())
    }

    #[tokio::test]
    async fn in_memory_sqlite_shares_one_connection() -> Result<()> {
        let store = connect("sqlite::memory:").await?;
        store.migrate().await?;
        // Migrated tables are visible through the read pool: it is the same database.
        assert_eq!(store.count_developers().await?, 0);
        Ok(())
    }
}
