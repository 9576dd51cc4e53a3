//! Mobile-SDK ingest credentials: the long-lived secret a phone receives from
//! `POST /v2/auth/sdk/connect` and presents to post its user's data. Like every secret
//! here, only its hash (chosen by the server) is stored; the credential is bound to one
//! user of one developer and dies with the user (a deauthenticated user's credential
//! resolves to nothing).

use crate::ids::{DeveloperId, UserId};
use crate::rows::{self, user_columns};
use crate::types::User;
use crate::{Result, Store, StoreTx};

const INSERT: &str = "INSERT INTO sdk_credentials (token_hash, developer_id, user_id, created_at) \
     VALUES ($1, $2, $3, $4)";
/// Two primary-key lookups: the credential row, then its (live) user of the same developer.
const USER_OF: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users WHERE deauthenticated = 0 \
     AND id = (SELECT user_id FROM sdk_credentials WHERE token_hash = $1) \
     AND developer_id = (SELECT developer_id FROM sdk_credentials WHERE token_hash = $1)"
);

impl Store {
    /// The live user the credential with this hash belongs to; `None` for an unknown
    /// hash or a deauthenticated user.
    pub async fn sdk_credential_user(&self, token_hash: &str) -> Result<Option<User>> {
        let row = sqlx::query(USER_OF)
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(rows::user).transpose()
    }
}

impl StoreTx<'_> {
    /// Stores the hash of a new credential for `user` (in the transaction that creates
    /// the user, so a device never holds a credential for a user that was not created).
    pub async fn insert_sdk_credential(
        &mut self,
        token_hash: &str,
        dev: &DeveloperId,
        user: &UserId,
        created_at: i64,
    ) -> Result<()> {
        sqlx::query(INSERT)
            .bind(token_hash)
            .bind(dev.as_str())
            .bind(user.as_str())
            .bind(created_at)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
