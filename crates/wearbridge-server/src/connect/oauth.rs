//! The OAuth engine: starting an authorization (`state` + PKCE, both kept server-side)
//! and completing it at `/v2/auth/callback/{provider}`.
//!
//! `state` is 256 random bits; only its SHA-256 is stored, bound to one session and one
//! provider, expiring after [`OAUTH_STATE_TTL`], and consumed by a single `DELETE ...
//! RETURNING`, so a replayed or forged callback finds nothing.

use secrecy::ExposeSecret;
use serde::Deserialize;
use url::Url;
use wearbridge_providers::{new_pkce_pair, oauth::authorize_url};
use wearbridge_store::sessions::{ConnectSession, OAuthState};
use wearbridge_store::{NewUser, User};

use super::sessions::session_offers;
use super::vault::seal;
use super::{ConnectError, OAUTH_STATE_TTL};
use crate::adapters::adapter;
use crate::clock::micros;
use crate::events;
use crate::jobs::backfill::enqueue_backfill;
use crate::secrets::{random_secret, secret_hash};
use crate::services::Services;

/// The query a provider redirects back with (RFC 6749 §4.1.2 and §4.1.2.1).
#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Why a connection attempt failed; the `reason` sent to the failure URL and in the
/// `auth` error event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// Missing, unknown, already used, or for another provider: forged or replayed.
    InvalidState,
    /// The state was genuine but too old.
    StateExpired,
    /// The user pressed Deny (or the provider reported `access_denied`).
    AccessDenied,
    /// The provider redirected with another OAuth error, or without a code.
    ProviderError,
    /// The code exchange or the account lookup failed.
    TokenExchangeFailed,
    /// Our side failed (database, encryption).
    Internal,
}

impl FailureReason {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidState => "invalid_state",
            Self::StateExpired => "state_expired",
            Self::AccessDenied => "access_denied",
            Self::ProviderError => "provider_error",
            Self::TokenExchangeFailed => "token_exchange_failed",
            Self::Internal => "internal_error",
        }
    }
}

/// A completed connection.
#[derive(Debug)]
pub struct Connected {
    pub user: User,
    pub session: ConnectSession,
    /// The previous user of the same provider account, now replaced (Terra C).
    pub replaced: Option<User>,
}

/// How a callback ended.
#[derive(Debug)]
pub enum CallbackOutcome {
    /// The user is connected.
    Connected(Box<Connected>),
    /// The attempt failed; `session` is known unless the state was.
    Failed {
        session: Option<Box<ConnectSession>>,
        provider: String,
        reason: FailureReason,
    },
}

/// The callback URL registered with providers: `{public_url}/v2/auth/callback/{id}`
/// (lowercase id; the route accepts any case).
pub fn callback_url(services: &Services, provider_id: &str) -> Result<Url, ConnectError> {
    let text = format!(
        "{}/v2/auth/callback/{}",
        services.public_url,
        provider_id.to_ascii_lowercase()
    );
    Url::parse(&text).map_err(|error| ConnectError::InvalidRedirectUrl {
        field: "public_url",
        reason: error.to_string(),
    })
}

/// Stores a fresh `state` (and PKCE verifier) for `session` and `provider_id`, and returns
/// the provider's authorize URL to send the browser to.
pub async fn begin(
    services: &Services,
    session: &ConnectSession,
    provider_id: &str,
) -> Result<Url, ConnectError> {
    let (provider, ctx) = adapter(services, provider_id)?;
    let id = provider.info().id;
    if !session_offers(session, id) {
        return Err(ConnectError::ProviderNotInSession(id.to_owned()));
    }
    let settings = provider.oauth();
    let pkce = settings.pkce.then(new_pkce_pair);
    let state_value = random_secret();
    let redirect_uri = callback_url(services, id)?;
    let now = services.now_micros();
    let stored = OAuthState {
        state_hash: secret_hash(&state_value),
        session_id: session.id.clone(),
        provider: id.to_owned(),
        pkce_verifier_enc: pkce
            .as_ref()
            .map(|pair| services.cipher.encrypt_str(pair.verifier.expose_secret()))
            .transpose()?,
        redirect_uri: redirect_uri.to_string(),
        created_at: now,
        expires_at: now.saturating_add(micros(OAUTH_STATE_TTL)),
    };
    services.store.insert_oauth_state(&stored).await?;
    let challenge = pkce.as_ref().map(|pair| pair.challenge.as_str());
    Ok(authorize_url(
        settings,
        &ctx.creds,
        &redirect_uri,
        &state_value,
        challenge,
    ))
}

/// Completes an authorization. Never fails: every problem becomes a
/// [`CallbackOutcome::Failed`] (with an `auth` error event when the session is known).
#[tracing::instrument(name = "connect.complete", skip_all, fields(provider = %provider_path))]
pub async fn complete(
    services: &Services,
    provider_path: &str,
    query: CallbackQuery,
) -> CallbackOutcome {
    let provider = provider_path.to_ascii_uppercase();
    let (stored, session) = match verified_state(services, &provider, query.state.as_deref()).await
    {
        Ok(found) => found,
        Err((session, reason)) => return failed(services, session, provider, reason).await,
    };
    match connect(services, &stored, &session, &query).await {
        Ok(outcome) => outcome,
        Err(reason) => failed(services, Some(session), stored.provider, reason).await,
    }
}

type Rejection = (Option<ConnectSession>, FailureReason);

/// Consumes the presented `state` and loads its session.
async fn verified_state(
    services: &Services,
    provider: &str,
    presented: Option<&str>,
) -> Result<(OAuthState, ConnectSession), Rejection> {
    let presented = presented.filter(|value| !value.is_empty());
    let Some(presented) = presented else {
        return Err((None, FailureReason::InvalidState));
    };
    let consumed = services
        .store
        .consume_oauth_state(&secret_hash(presented))
        .await;
    let stored = match consumed {
        Ok(Some(stored)) => stored,
        Ok(None) => return Err((None, FailureReason::InvalidState)),
        Err(error) => return Err((None, internal(&error))),
    };
    let session = match services.store.get_connect_session(&stored.session_id).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err((None, FailureReason::InvalidState)),
        Err(error) => return Err((None, internal(&error))),
    };
    if !stored.provider.eq_ignore_ascii_case(provider) {
        return Err((Some(session), FailureReason::InvalidState));
    }
    if stored.expires_at <= services.now_micros() {
        return Err((Some(session), FailureReason::StateExpired));
    }
    Ok((stored, session))
}

fn internal(error: &dyn std::fmt::Display) -> FailureReason {
    tracing::error!(error = %error, "connect callback failed on our side");
    FailureReason::Internal
}

/// Exchanges the code, looks the account up, and stores the connection.
async fn connect(
    services: &Services,
    stored: &OAuthState,
    session: &ConnectSession,
    query: &CallbackQuery,
) -> Result<CallbackOutcome, FailureReason> {
    if let Some(error) = query.error.as_deref() {
        tracing::info!(provider = %stored.provider, error, description = ?query.error_description, "provider reported an authorization error");
        return Err(if is_cancellation(error) {
            FailureReason::AccessDenied
        } else {
            FailureReason::ProviderError
        });
    }
    let code = query
        .code
        .as_deref()
        .filter(|code| !code.is_empty())
        .ok_or(FailureReason::ProviderError)?;
    let (provider, ctx) = adapter(services, &stored.provider).map_err(|error| internal(&error))?;
    let verifier = stored
        .pkce_verifier_enc
        .as_deref()
        .map(|enc| services.cipher.decrypt_str(enc))
        .transpose()
        .map_err(|error| internal(&error))?;
    let redirect_uri = Url::parse(&stored.redirect_uri).map_err(|error| internal(&error))?;
    let tokens = provider
        .exchange_code(&ctx, code, &redirect_uri, verifier.as_deref())
        .await
        .map_err(|error| exchange_failed(&error))?;
    let ctx = ctx.for_account(tokens.provider_user_id.clone());
    let account = provider
        .fetch_account(&ctx, &tokens.access_token)
        .await
        .map_err(|error| exchange_failed(&error))?;
    let push_url = crate::adapters::push_url(services, provider.info().id)
        .map_err(|error| internal(&error))?;
    provider
        .on_connect(&ctx, &tokens.access_token, &account, &push_url)
        .await
        .map_err(|error| exchange_failed(&error))?;
    let new_user = NewUser {
        provider: provider.info().id.to_owned(),
        provider_user_id: Some(account.provider_user_id),
        reference_id: session.reference_id.clone(),
        scopes: account.scopes.or_else(|| tokens.scopes.clone()),
    };
    let sealed = seal(&services.cipher, &tokens).map_err(|error| internal(&error))?;
    let backfill_days = services.settings.backfill_days(provider.as_ref());
    persist(services, session, new_user, &sealed, backfill_days)
        .await
        .map_err(|error| internal(&error))
}

/// The person closed or denied the consent: RFC 6749's `access_denied`, and the
/// spellings some providers use for a cancelled consent screen.
fn is_cancellation(error: &str) -> bool {
    matches!(
        error,
        "access_denied" | "user_denied" | "user_cancelled" | "consent_denied" | "cancelled"
    )
}

fn exchange_failed(error: &wearbridge_providers::ProviderError) -> FailureReason {
    tracing::warn!(error = %error, "provider token exchange or account lookup failed");
    FailureReason::TokenExchangeFailed
}

/// One transaction: the user (with the reserved id when there is one), its tokens, the
/// replaced user of the same account (Terra C: new id, old one gone), the `auth` and
/// `user_reauth` events, and the backfill job.
async fn persist(
    services: &Services,
    session: &ConnectSession,
    new_user: NewUser,
    tokens: &wearbridge_store::connections::NewTokens,
    backfill_days: u32,
) -> Result<CallbackOutcome, ConnectError> {
    let dev = &session.developer_id;
    let previous = match &new_user.provider_user_id {
        Some(account) => {
            services
                .store
                .find_user_by_provider_account(dev, &new_user.provider, account)
                .await?
        }
        None => None,
    };
    let mut tx = services.store.begin().await?;
    let provider = new_user.provider.clone();
    let user = match &session.reserved_user_id {
        Some(id) => tx.create_user_with_id(dev, id, new_user).await,
        None => tx.create_user(dev, new_user).await,
    };
    // A taken reserved id (`Conflict`) means this authenticateUser flow already
    // completed once; it fails like any other store error.
    let user = user?;
    tx.insert_connection(dev, &user.id, &provider, tokens)
        .await?;
    let mut outbox = vec![events::auth_success(&user, Some(&session.id))?];
    if let Some(old) = &previous {
        tx.mark_deauthenticated(dev, &old.id).await?;
        tx.delete_connection(dev, &old.id).await?;
        outbox.push(events::user_reauth(old, &user)?);
    }
    tx.append_events(&outbox).await?;
    enqueue_backfill(
        &mut tx,
        &user,
        backfill_days,
        services.clock.now().date_naive(),
    )
    .await?;
    tx.commit().await?;
    Ok(CallbackOutcome::Connected(Box::new(Connected {
        user,
        session: session.clone(),
        replaced: previous,
    })))
}

/// Records a failure when the developer is known: the SDK-era `auth` error event and the
/// current spec's `auth_cancelled` (DECISIONS.md, Connect: both are sent).
async fn failed(
    services: &Services,
    session: Option<ConnectSession>,
    provider: String,
    reason: FailureReason,
) -> CallbackOutcome {
    if let Some(session) = &session {
        let built = [
            events::auth_failure(session, &provider, reason.as_str()),
            events::auth_cancelled(session, reason.as_str()),
        ];
        for event in built {
            let appended = match event {
                Ok(event) => services.store.append_event(&event).await.map(|_| ()),
                Err(error) => {
                    tracing::error!(error = %error, "cannot encode an auth error event");
                    Ok(())
                }
            };
            if let Err(error) = appended {
                tracing::error!(error = %error, "cannot append an auth error event");
            }
        }
    }
    CallbackOutcome::Failed {
        session: session.map(Box::new),
        provider,
        reason,
    }
}
