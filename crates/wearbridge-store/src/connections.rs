//! Provider connections: the (encrypted) tokens of each connected user, and the user rows
//! the connect flow creates.
//!
//! Token refresh across nodes: refresh tokens rotate and are single-use, so two nodes
//! refreshing the same connection at once would make one of them fail with
//! `invalid_grant` and disconnect a healthy user. A refresher first takes a short lease
//! ([`Store::try_lock_refresh`], compare-and-swap on `version` and the lease column), and
//! stores the new tokens with a second compare-and-swap on `version`
//! ([`Store::store_refreshed_tokens`]) *before* it uses the new access token.

use std::time::Duration;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::{DeveloperId, UserId};
use crate::rows::lease_micros;
use crate::types::{NewUser, User};
use crate::{Result, Store, StoreTx, now_micros};

/// The stored tokens of one connected user. Token fields hold the server's ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The connected user.
    pub user_id: UserId,
    /// Its developer.
    pub developer_id: DeveloperId,
    /// Uppercase provider id.
    pub provider: String,
    /// Encrypted access token.
    pub access_token_enc: String,
    /// Encrypted refresh token, when the provider issued one.
    pub refresh_token_enc: Option<String>,
    /// Access-token expiry, unix microseconds; `None` when the provider gave none.
    pub expires_at: Option<i64>,
    /// Granted scopes as reported by the provider.
    pub scopes: Option<String>,
    /// Grows by one with every token change (the compare-and-swap key).
    pub version: i64,
}

/// Tokens to store (already encrypted by the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTokens {
    /// Encrypted access token.
    pub access_token_enc: String,
    /// Encrypted refresh token.
    pub refresh_token_enc: Option<String>,
    /// Access-token expiry, unix microseconds.
    pub expires_at: Option<i64>,
    /// Granted scopes.
    pub scopes: Option<String>,
}

const INSERT_CONNECTION: &str = "INSERT INTO connections (user_id, developer_id, provider, \
     access_token_enc, refresh_token_enc, expires_at, scopes, version, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)";
const GET_CONNECTION: &str = "SELECT user_id, developer_id, provider, access_token_enc, \
     refresh_token_enc, expires_at, scopes, version FROM connections \
     WHERE developer_id = $1 AND user_id = $2";
const LOCK_REFRESH: &str = "UPDATE connections SET refresh_locked_until = $3 \
     WHERE user_id = $1 AND version = $2 \
     AND (refresh_locked_until IS NULL OR refresh_locked_until <= $4)";
const STORE_REFRESHED: &str = "UPDATE connections SET access_token_enc = $3, \
     refresh_token_enc = COALESCE($4, refresh_token_enc), expires_at = $5, \
     scopes = COALESCE($6, scopes), version = version + 1, refresh_locked_until = NULL, \
     updated_at = $7 WHERE user_id = $1 AND version = $2";
const UNLOCK_REFRESH: &str =
    "UPDATE connections SET refresh_locked_until = NULL WHERE user_id = $1 AND version = $2";
const DELETE_CONNECTION: &str = "DELETE FROM connections WHERE developer_id = $1 AND user_id = $2";
const DELETE_RECORDS: &str = "DELETE FROM records WHERE developer_id = $1 AND user_id = $2";

fn connection(row: &AnyRow) -> Result<Connection> {
    Ok(Connection {
        user_id: UserId::from_db(row.try_get("user_id")?),
        developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
        provider: row.try_get("provider")?,
        access_token_enc: row.try_get("access_token_enc")?,
        refresh_token_enc: row.try_get("refresh_token_enc")?,
        expires_at: row.try_get("expires_at")?,
        scopes: row.try_get("scopes")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// The connection of `user`, if `dev` owns one.
    pub async fn get_connection(
        &self,
        dev: &DeveloperId,
        user: &UserId,
    ) -> Result<Option<Connection>> {
        let row = sqlx::query(GET_CONNECTION)
            .bind(dev.as_str())
            .bind(user.as_str())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(connection).transpose()
    }

    /// Takes the refresh lease of `user`'s connection for `lease`, if the connection is
    /// still at `version` and nobody holds an unexpired lease. False means: someone else
    /// refreshed (re-read the connection) or is refreshing (wait, then re-read).
    pub async fn try_lock_refresh(
        &self,
        user: &UserId,
        version: i64,
        lease: Duration,
        now_micros: i64,
    ) -> Result<bool> {
        let done = sqlx::query(LOCK_REFRESH)
            .bind(user.as_str())
            .bind(version)
            .bind(now_micros.saturating_add(lease_micros(lease)))
            .bind(now_micros)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores refreshed tokens if the connection is still at `version` (a refresh token
    /// of `None` keeps the old one: some providers do not rotate), and releases the
    /// lease. False when the version moved on.
    pub async fn store_refreshed_tokens(
        &self,
        user: &UserId,
        version: i64,
        tokens: &NewTokens,
    ) -> Result<bool> {
        let done = sqlx::query(STORE_REFRESHED)
            .bind(user.as_str())
            .bind(version)
            .bind(&tokens.access_token_enc)
            .bind(tokens.refresh_token_enc.as_deref())
            .bind(tokens.expires_at)
            .bind(tokens.scopes.as_deref())
            .bind(now_micros())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Releases a refresh lease without changing the tokens (the refresh failed).
    pub async fn unlock_refresh(&self, user: &UserId, version: i64) -> Result<()> {
        sqlx::query(UNLOCK_REFRESH)
            .bind(user.as_str())
            .bind(version)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

impl StoreTx<'_> {
    /// Creates a user with a caller-chosen id (the id `authenticateUser` already
    /// returned), active and authenticated. `Conflict` when the id is taken.
    pub async fn create_user_with_id(
        &mut self,
        dev: &DeveloperId,
        id: &UserId,
        new: NewUser,
    ) -> Result<User> {
        crate::users::insert_with_id(&mut self.tx, dev, id, new)
            .await
            .map_err(|error| match error {
                crate::StoreError::Database(error) => conflict_on_duplicate(error),
                other => other,
            })
    }

    /// Stores the tokens of a new connection.
    pub async fn insert_connection(
        &mut self,
        dev: &DeveloperId,
        user: &UserId,
        provider: &str,
        tokens: &NewTokens,
    ) -> Result<()> {
        sqlx::query(INSERT_CONNECTION)
            .bind(user.as_str())
            .bind(dev.as_str())
            .bind(provider)
            .bind(&tokens.access_token_enc)
            .bind(tokens.refresh_token_enc.as_deref())
            .bind(tokens.expires_at)
            .bind(tokens.scopes.as_deref())
            .bind(now_micros())
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Deletes the tokens of `user`; false when there were none.
    pub async fn delete_connection(&mut self, dev: &DeveloperId, user: &UserId) -> Result<bool> {
        let done = sqlx::query(DELETE_CONNECTION)
            .bind(dev.as_str())
            .bind(user.as_str())
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes every stored record of `user` (Terra deletes a deauthenticated user's
    /// data), planned workouts included; the number of records removed.
    pub async fn delete_user_records(&mut self, dev: &DeveloperId, user: &UserId) -> Result<u64> {
        self.touch(user);
        // Coverage says "fetched and stored": with the records gone it would keep reads
        // from ever fetching these days again.
        self.forget_coverage(user).await?;
        let done = sqlx::query(DELETE_RECORDS)
            .bind(dev.as_str())
            .bind(user.as_str())
            .execute(&mut *self.tx)
            .await?;
        self.delete_user_planned_workouts(dev, user).await?;
        Ok(done.rows_affected())
    }
}

/// A duplicate primary key becomes `Conflict`, so the caller can tell "id taken" (a
/// replayed `authenticateUser` completion) from a broken database.
fn conflict_on_duplicate(error: sqlx::Error) -> crate::StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            crate::StoreError::Conflict("user id already exists".to_owned())
        }
        _ => error.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;
    use crate::{Backend, NewDeveloper};

    fn tokens(access: &str, refresh: Option<&str>) -> NewTokens {
        NewTokens {
            access_token_enc: access.to_owned(),
            refresh_token_enc: refresh.map(str::to_owned),
            expires_at: Some(10),
            scopes: None,
        }
    }

    /// A developer, a fresh user id and the SANDBOX user to create under it.
    async fn new_user(store: &Store) -> Result<(DeveloperId, UserId, NewUser)> {
        let dev = store
            .create_developer(NewDeveloper {
                name: "d".to_owned(),
                api_key_hash: "h".to_owned(),
                webhook_url: None,
                webhook_secret_enc: "s".to_owned(),
            })
            .await?
            .id;
        let new = NewUser {
            provider: "SANDBOX".to_owned(),
            ..NewUser::default()
        };
        Ok((dev, UserId::new(), new))
    }

    async fn connected(store: &Store) -> Result<(DeveloperId, UserId)> {
        let (dev, id, new) = new_user(store).await?;
        let mut tx = store.begin().await?;
        tx.create_user_with_id(&dev, &id, new.clone()).await?;
        assert!(matches!(
            tx.create_user_with_id(&dev, &id, new).await,
            Err(crate::StoreError::Conflict(_))
        ));
        Ok((dev, id))
    }

    #[tokio::test]
    async fn refresh_is_serialised_by_lease_and_version() -> Result<()> {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let Some((store, _guard)) = fresh_store(backend).await? else {
                continue;
            };
            let (dev, user) = connected_committed(&store).await?;
            let lease = Duration::from_secs(30);
            assert!(store.try_lock_refresh(&user, 1, lease, 100).await?);
            // A second refresher neither gets the lease nor can store over the first.
            assert!(!store.try_lock_refresh(&user, 1, lease, 101).await?);
            assert!(
                store
                    .store_refreshed_tokens(&user, 1, &tokens("a2", Some("r2")))
                    .await?
            );
            assert!(
                !store
                    .store_refreshed_tokens(&user, 1, &tokens("a3", Some("r3")))
                    .await?
            );
            let stored = store.get_connection(&dev, &user).await?;
            assert_eq!(stored.as_ref().map(|c| c.version), Some(2));
            assert_eq!(
                stored.and_then(|c| c.refresh_token_enc),
                Some("r2".to_owned())
            );
            // The lease was released with the new tokens.
            assert!(store.try_lock_refresh(&user, 2, lease, 102).await?);
        }
        Ok(())
    }

    async fn connected_committed(store: &Store) -> Result<(DeveloperId, UserId)> {
        let (dev, id, new) = new_user(store).await?;
        let mut tx = store.begin().await?;
        tx.create_user_with_id(&dev, &id, new).await?;
        tx.insert_connection(&dev, &id, "SANDBOX", &tokens("a1", Some("r1")))
            .await?;
        tx.commit().await?;
        Ok((dev, id))
    }

    #[tokio::test]
    async fn a_reserved_user_id_cannot_be_used_twice() -> Result<()> {
        let Some((store, _guard)) = fresh_store(Backend::Sqlite).await? else {
            return Ok(());
        };
        connected(&store).await?;
        Ok(())
    }
}
