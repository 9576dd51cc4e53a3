//! Imports of health-data files a user exported themselves (Apple Health's "Export All
//! Health Data"), shared by `wearbridge import …` and the `/wearbridge/v1/imports` API
//! (whose durable job is `jobs/import.rs`).

pub mod apple_health;

use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{NewUser, Store, StoreError, User};

/// The Terra provider code of imported Apple Health data (the same code the SDK-era
/// Apple Health connection uses).
pub const APPLE_PROVIDER: &str = "APPLE";

/// Where uploaded exports wait for their job: `WEARBRIDGE_IMPORTS_DIR`, else
/// `wearbridge-imports` in the system temporary directory. On disk, so an upload of
/// gigabytes never sits in memory and a restart finds it again.
pub fn upload_dir() -> std::path::PathBuf {
    std::env::var_os("WEARBRIDGE_IMPORTS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("wearbridge-imports"))
}

/// Which user an import is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportTarget {
    /// An existing user of the developer.
    User(UserId),
    /// The developer's oldest `APPLE` user with this reference id, created if none.
    Reference(String),
    /// A new `APPLE` user.
    New,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("user not found")]
    UserNotFound,
    #[error(transparent)]
    Export(#[from] wearbridge_providers::apple_health::ExportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot store the records: {0}")]
    Ingest(#[from] crate::ingest::IngestRecordsError),
    #[error("the import stopped unexpectedly: {0}")]
    Task(String),
}

/// The user `target` names, created when it asks for one.
pub async fn resolve_user(
    store: &Store,
    developer: &DeveloperId,
    target: &ImportTarget,
) -> Result<User, ImportError> {
    let new_user = |reference_id: Option<String>| NewUser {
        provider: APPLE_PROVIDER.to_owned(),
        provider_user_id: None,
        reference_id,
        scopes: None,
    };
    match target {
        ImportTarget::User(id) => store
            .get_user(developer, id)
            .await?
            .ok_or(ImportError::UserNotFound),
        ImportTarget::Reference(reference) => {
            let users = store.users_by_reference_id(developer, reference).await?;
            match users.into_iter().find(|u| u.provider == APPLE_PROVIDER) {
                Some(user) => Ok(user),
                None => Ok(store
                    .create_user(developer, new_user(Some(reference.clone())))
                    .await?),
            }
        }
        ImportTarget::New => Ok(store.create_user(developer, new_user(None)).await?),
    }
}
