//! The single error type at the store boundary.

/// Everything that can go wrong inside the store. The server maps these to HTTP
/// responses; nothing in this crate panics on database content or caller input.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row the caller addressed does not exist (or belongs to another developer,
    /// which is deliberately indistinguishable).
    #[error("not found")]
    NotFound,
    /// A uniqueness or state rule rejected the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller passed something the store cannot accept (e.g. a malformed id).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A row read back from the database does not have the shape this code expects
    /// (e.g. an unknown state string): the database was changed outside the store.
    #[error("unexpected data in the database: {0}")]
    Corrupt(String),
    /// The database URL names a scheme this build does not support.
    #[error("unsupported database url (expected sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
    /// Any error from the driver or the connection pool.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Shorthand used by every public store method.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
