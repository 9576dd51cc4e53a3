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

/// Data types cross the store boundary typed; one read back from a column that names
/// no Terra data type means the row was written outside the store.
impl From<wearbridge_model::UnknownDataType> for StoreError {
    fn from(error: wearbridge_model::UnknownDataType) -> Self {
        StoreError::Corrupt(error.to_string())
    }
}

/// Shorthand used by every public store method.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A data type column holding no Terra data type is reported as corrupt data that
    /// names the value, not as a caller error.
    #[test]
    fn an_unknown_data_type_read_back_is_corrupt_data() {
        let Err(unknown) = "workout".parse::<wearbridge_model::DataType>() else {
            panic!("workout is not a Terra data type");
        };
        let error = StoreError::from(unknown);
        assert!(matches!(error, StoreError::Corrupt(_)));
        assert_eq!(
            error.to_string(),
            "unexpected data in the database: unknown data type \"workout\""
        );
    }
}
