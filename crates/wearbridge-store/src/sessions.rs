//! Connect-flow state that lives only minutes: widget/authenticateUser sessions, OAuth
//! `state` values in flight, and mobile-SDK auth tokens.
//!
//! One-time secrets (`state`, SDK tokens) are stored as hashes chosen by the server, and
//! are *consumed* with `DELETE ... RETURNING`: one statement, so two concurrent callbacks
//! presenting the same `state` cannot both succeed on either backend.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::ids::{DeveloperId, UserId};
use crate::{Result, Store, StoreTx};

/// A widget session or a direct `authenticateUser` flow. The session id in the widget URL
/// is the capability: sessions are looked up by id alone (the end user's browser carries
/// no developer credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectSession {
    /// Random id, chosen by the server (it appears in the widget URL).
    pub id: String,
    /// The developer that created the session; the user is created for it.
    pub developer_id: DeveloperId,
    /// Comma-separated uppercase provider ids to offer; `None` offers every enabled one.
    pub providers: Option<String>,
    /// Widget language as requested (e.g. `en`).
    pub language: Option<String>,
    /// The developer's id for the end user, copied onto the user.
    pub reference_id: Option<String>,
    /// Where to send the browser after a successful connection.
    pub success_url: Option<String>,
    /// Where to send the browser after a failed connection.
    pub failure_url: Option<String>,
    /// For `authenticateUser`: the user id already returned to the developer.
    pub reserved_user_id: Option<UserId>,
    /// Creation time, unix microseconds.
    pub created_at: i64,
    /// The session cannot be used from this time on, unix microseconds.
    pub expires_at: i64,
}

/// An OAuth `state` in flight, bound to one session and one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthState {
    /// Hash of the `state` value sent to the provider (the value itself is never stored).
    pub state_hash: String,
    /// The session that started the authorization.
    pub session_id: String,
    /// Uppercase provider id.
    pub provider: String,
    /// The PKCE code verifier, encrypted by the server; `None` without PKCE.
    pub pkce_verifier_enc: Option<String>,
    /// The `redirect_uri` sent with the authorization (the token call must repeat it).
    pub redirect_uri: String,
    /// Creation time, unix microseconds.
    pub created_at: i64,
    /// The state is rejected from this time on, unix microseconds.
    pub expires_at: i64,
}

/// A consumed mobile-SDK auth token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkAuthToken {
    /// The developer that generated the token.
    pub developer_id: DeveloperId,
    /// The token is rejected from this time on, unix microseconds.
    pub expires_at: i64,
}

const INSERT_SESSION: &str = "INSERT INTO connect_sessions (id, developer_id, providers, \
     language, reference_id, success_url, failure_url, reserved_user_id, created_at, \
     expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const GET_SESSION: &str = "SELECT id, developer_id, providers, language, reference_id, \
     success_url, failure_url, reserved_user_id, created_at, expires_at \
     FROM connect_sessions WHERE id = $1";
const INSERT_STATE: &str = "INSERT INTO oauth_states (state_hash, session_id, provider, \
     pkce_verifier_enc, redirect_uri, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const CONSUME_STATE: &str = "DELETE FROM oauth_states WHERE state_hash = $1 RETURNING \
     state_hash, session_id, provider, pkce_verifier_enc, redirect_uri, created_at, expires_at";
const INSERT_SDK_TOKEN: &str = "INSERT INTO sdk_auth_tokens \
     (token_hash, developer_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
const CONSUME_SDK_TOKEN: &str =
    "DELETE FROM sdk_auth_tokens WHERE token_hash = $1 RETURNING developer_id, expires_at";
const PURGE_STATES: &str = "DELETE FROM oauth_states WHERE expires_at <= $1";
const PURGE_SDK_TOKENS: &str = "DELETE FROM sdk_auth_tokens WHERE expires_at <= $1";
/// A session outlives its expiry while a live `state` still points at it: the user
/// started the provider login in time and may finish it after the session expired.
const PURGE_SESSIONS: &str = "DELETE FROM connect_sessions WHERE expires_at <= $1 \
     AND NOT EXISTS (SELECT 1 FROM oauth_states WHERE oauth_states.session_id = connect_sessions.id)";

fn session(row: &AnyRow) -> Result<ConnectSession> {
    Ok(ConnectSession {
        id: row.try_get("id")?,
        developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
        providers: row.try_get("providers")?,
        language: row.try_get("language")?,
        reference_id: row.try_get("reference_id")?,
        success_url: row.try_get("success_url")?,
        failure_url: row.try_get("failure_url")?,
        reserved_user_id: row
            .try_get::<Option<String>, _>("reserved_user_id")?
            .map(UserId::from_db),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

fn oauth_state(row: &AnyRow) -> Result<OAuthState> {
    Ok(OAuthState {
        state_hash: row.try_get("state_hash")?,
        session_id: row.try_get("session_id")?,
        provider: row.try_get("provider")?,
        pkce_verifier_enc: row.try_get("pkce_verifier_enc")?,
        redirect_uri: row.try_get("redirect_uri")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

impl Store {
    /// Stores a new session.
    pub async fn create_connect_session(&self, session: &ConnectSession) -> Result<()> {
        sqlx::query(INSERT_SESSION)
            .bind(&session.id)
            .bind(session.developer_id.as_str())
            .bind(session.providers.as_deref())
            .bind(session.language.as_deref())
            .bind(session.reference_id.as_deref())
            .bind(session.success_url.as_deref())
            .bind(session.failure_url.as_deref())
            .bind(session.reserved_user_id.as_ref().map(UserId::as_str))
            .bind(session.created_at)
            .bind(session.expires_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The session with this id, expired or not (the caller tells the user which).
    pub async fn get_connect_session(&self, id: &str) -> Result<Option<ConnectSession>> {
        let row = sqlx::query(GET_SESSION)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(session).transpose()
    }

    /// Stores an OAuth `state` in flight.
    pub async fn insert_oauth_state(&self, state: &OAuthState) -> Result<()> {
        sqlx::query(INSERT_STATE)
            .bind(&state.state_hash)
            .bind(&state.session_id)
            .bind(&state.provider)
            .bind(state.pkce_verifier_enc.as_deref())
            .bind(&state.redirect_uri)
            .bind(state.created_at)
            .bind(state.expires_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Removes and returns the state with this hash: the first caller gets it, every
    /// later caller (a replay) gets `None`. Expiry is the caller's check.
    pub async fn consume_oauth_state(&self, state_hash: &str) -> Result<Option<OAuthState>> {
        let row = sqlx::query(CONSUME_STATE)
            .bind(state_hash)
            .fetch_optional(&self.write)
            .await?;
        row.as_ref().map(oauth_state).transpose()
    }

    /// Stores the hash of a new mobile-SDK auth token.
    pub async fn insert_sdk_auth_token(
        &self,
        token_hash: &str,
        dev: &DeveloperId,
        created_at: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(INSERT_SDK_TOKEN)
            .bind(token_hash)
            .bind(dev.as_str())
            .bind(created_at)
            .bind(expires_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Removes and returns the token with this hash (single use, like OAuth states).
    pub async fn consume_sdk_auth_token(&self, token_hash: &str) -> Result<Option<SdkAuthToken>> {
        let row = sqlx::query(CONSUME_SDK_TOKEN)
            .bind(token_hash)
            .fetch_optional(&self.write)
            .await?;
        row.map(|row| {
            Ok(SdkAuthToken {
                developer_id: DeveloperId::from_db(row.try_get("developer_id")?),
                expires_at: row.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Deletes states and SDK tokens that expired before `now_micros`, then expired
    /// sessions no live state refers to; the number of rows removed.
    pub async fn purge_expired_connect_state(&self, now_micros: i64) -> Result<u64> {
        let mut tx = self.begin().await?;
        let mut removed = 0;
        for sql in [PURGE_STATES, PURGE_SDK_TOKENS, PURGE_SESSIONS] {
            removed += sqlx::query(sql)
                .bind(now_micros)
                .execute(&mut *tx.tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(removed)
    }
}

impl StoreTx<'_> {
    /// [`Store::get_connect_session`] inside this transaction.
    pub async fn get_connect_session(&mut self, id: &str) -> Result<Option<ConnectSession>> {
        let row = sqlx::query(GET_SESSION)
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?;
        row.as_ref().map(session).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;
    use crate::{Backend, NewDeveloper};

    async fn developer(store: &Store) -> Result<DeveloperId> {
        let dev = store
            .create_developer(NewDeveloper {
                name: "d".to_owned(),
                api_key_hash: "h".to_owned(),
                webhook_url: None,
                webhook_secret_enc: "s".to_owned(),
            })
            .await?;
        Ok(dev.id)
    }

    #[tokio::test]
    async fn a_state_is_consumed_once() -> Result<()> {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let Some((store, _guard)) = fresh_store(backend).await? else {
                continue;
            };
            let dev = developer(&store).await?;
            let session = ConnectSession {
                id: "s1".to_owned(),
                developer_id: dev,
                providers: Some("SANDBOX".to_owned()),
                language: None,
                reference_id: Some("ref".to_owned()),
                success_url: None,
                failure_url: None,
                reserved_user_id: Some(UserId::new()),
                created_at: 1,
                expires_at: 2,
            };
            store.create_connect_session(&session).await?;
            assert_eq!(store.get_connect_session("s1").await?, Some(session));
            let state = OAuthState {
                state_hash: "h".to_owned(),
                session_id: "s1".to_owned(),
                provider: "SANDBOX".to_owned(),
                pkce_verifier_enc: Some("v".to_owned()),
                redirect_uri: "http://x/cb".to_owned(),
                created_at: 1,
                expires_at: 5,
            };
            store.insert_oauth_state(&state).await?;
            assert_eq!(store.consume_oauth_state("h").await?, Some(state.clone()));
            assert_eq!(store.consume_oauth_state("h").await?, None);
            // A live state (expires at 5) keeps its expired session (expired at 2).
            store.insert_oauth_state(&state).await?;
            assert_eq!(store.purge_expired_connect_state(3).await?, 0);
            assert!(store.get_connect_session("s1").await?.is_some());
            assert_eq!(store.purge_expired_connect_state(10).await?, 2);
            assert_eq!(store.get_connect_session("s1").await?, None);
        }
        Ok(())
    }
}
