//! A reusable OAuth 2.0 authorization server (RFC 6749 authorization-code grant with PKCE,
//! RFC 7636; refresh tokens; revocation, RFC 7009) for simulated providers.
//!
//! Every provider module owns one [`OAuthServer`] and mounts its handlers at the provider's own
//! paths. Behaviour that differs between real providers is in [`OAuthSettings`]: how clients
//! authenticate, whether refresh tokens rotate, token lifetimes. All state is in memory: a
//! restarted simulator forgets every grant, which is what tests want.

mod authorize;
mod token;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub use authorize::{AuthorizeParams, authorize_form, authorize_query};
pub use token::{revoke, token};

/// How a client must present its credentials at the token and revoke endpoints (RFC 6749
/// §2.3.1). Real providers differ: Fitbit wants HTTP Basic, Oura and WHOOP accept body
/// parameters, some accept either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuthStyle {
    Basic,
    Body,
    Either,
}

/// Per-provider behaviour of the authorization server.
#[derive(Clone, Debug)]
pub struct OAuthSettings {
    /// Provider name used in messages and the page title, e.g. "Sandbox".
    pub display_name: &'static str,
    /// Absolute path of the authorize endpoint (the consent form posts back to it).
    pub authorize_path: &'static str,
    pub client_auth: ClientAuthStyle,
    pub access_token_ttl: Duration,
    /// Authorization codes are single-use and short-lived (RFC 6749 §4.1.2 recommends ≤10 min).
    pub code_ttl: Duration,
    /// When true a refresh returns a new refresh token and the old one stops working.
    pub rotate_refresh_tokens: bool,
}

/// Why a bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenProblem {
    Missing,
    Unknown,
    Expired,
    Revoked,
}

impl TokenProblem {
    pub fn description(self) -> &'static str {
        match self {
            Self::Missing => "missing bearer token",
            Self::Unknown => "unknown access token",
            Self::Expired => "access token expired",
            Self::Revoked => "access token revoked",
        }
    }
}

/// In-memory authorization server for one simulated provider. Its `Debug` output shows
/// counts only, never tokens or secrets.
pub struct OAuthServer {
    settings: OAuthSettings,
    state: Mutex<GrantState>,
}

#[derive(Default)]
struct GrantState {
    access_ttl: Option<Duration>,
    /// When empty, any client id with a non-empty secret is accepted.
    clients: HashMap<String, String>,
    codes: HashMap<String, PendingCode>,
    access: HashMap<String, AccessGrant>,
    refresh: HashMap<String, RefreshGrant>,
    /// Tokens that existed and no longer work, kept so errors can say why.
    retired: HashMap<String, Retired>,
    /// Accounts that have consented at least once, in first-consent order.
    accounts: Vec<String>,
    next_grant_id: u64,
}

#[derive(Clone, Debug)]
struct PendingCode {
    client_id: String,
    redirect_uri: String,
    account: String,
    scope: String,
    code_challenge: Option<String>,
    expires_at: Instant,
}

#[derive(Clone, Debug)]
struct AccessGrant {
    grant_id: u64,
    account: String,
    expires_at: Instant,
}

#[derive(Clone, Debug)]
struct RefreshGrant {
    grant_id: u64,
    account: String,
    client_id: String,
    scope: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retired {
    Used,
    Revoked,
}

/// The token endpoint's success body (RFC 6749 §5.1). `user_id` is the simulated account,
/// as Fitbit and others return it.
#[derive(Clone, Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
    pub scope: String,
    pub user_id: String,
}

impl std::fmt::Debug for OAuthServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("OAuthServer")
            .field("settings", &self.settings)
            .field("clients", &state.clients.len())
            .field("pending_codes", &state.codes.len())
            .field("access_tokens", &state.access.len())
            .field("refresh_tokens", &state.refresh.len())
            .field("accounts", &state.accounts.len())
            .finish()
    }
}

impl OAuthServer {
    pub fn new(settings: OAuthSettings) -> Self {
        Self {
            settings,
            state: Mutex::new(GrantState::default()),
        }
    }

    pub fn settings(&self) -> &OAuthSettings {
        &self.settings
    }

    /// A poisoned lock only means another request panicked mid-update; the maps are still
    /// structurally valid, so carry on rather than failing every later request.
    fn lock(&self) -> MutexGuard<'_, GrantState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Restricts the server to known clients (by default any client id is accepted).
    pub fn register_client(&self, client_id: &str, client_secret: &str) {
        self.lock()
            .clients
            .insert(client_id.to_owned(), client_secret.to_owned());
    }

    /// Lifetime of access tokens issued from now on.
    pub fn access_token_ttl(&self) -> Duration {
        self.lock()
            .access_ttl
            .unwrap_or(self.settings.access_token_ttl)
    }

    pub fn set_access_token_ttl(&self, ttl: Duration) {
        self.lock().access_ttl = Some(ttl);
    }

    /// Accounts that have consented, oldest first.
    pub fn accounts(&self) -> Vec<String> {
        self.lock().accounts.clone()
    }

    /// Resolves a bearer token to its account.
    pub fn check_access(&self, token: &str) -> Result<String, TokenProblem> {
        let state = self.lock();
        if let Some(grant) = state.access.get(token) {
            return if Instant::now() < grant.expires_at {
                Ok(grant.account.clone())
            } else {
                Err(TokenProblem::Expired)
            };
        }
        match state.retired.get(token) {
            Some(_) => Err(TokenProblem::Revoked),
            None => Err(TokenProblem::Unknown),
        }
    }

    /// Makes every current access token (of one account, or of all) expire now, as if its
    /// lifetime had run out. Refresh tokens keep working. Returns how many expired.
    pub fn expire_access_tokens(&self, account: Option<&str>) -> usize {
        let now = Instant::now();
        let mut state = self.lock();
        let mut count = 0;
        for grant in state.access.values_mut() {
            if account.is_none_or(|a| a == grant.account) && grant.expires_at > now {
                grant.expires_at = now;
                count += 1;
            }
        }
        count
    }

    /// Makes one access token expire now. Returns whether it was a live token.
    pub fn expire_access_token(&self, token: &str) -> bool {
        let now = Instant::now();
        let mut state = self.lock();
        match state.access.get_mut(token) {
            Some(grant) if grant.expires_at > now => {
                grant.expires_at = now;
                true
            }
            _ => false,
        }
    }

    /// Revokes the whole grant an access or refresh token belongs to. Returns the number of
    /// tokens revoked (0 for an unknown token).
    pub fn revoke_token(&self, token: &str) -> usize {
        let mut state = self.lock();
        let grant = state
            .access
            .get(token)
            .map(|g| g.grant_id)
            .or_else(|| state.refresh.get(token).map(|g| g.grant_id));
        grant.map_or(0, |grant_id| state.revoke_grant(grant_id))
    }

    /// Revokes every grant of `account` (as if the user disconnected the app at the
    /// provider): access tokens answer 401, refresh tokens `invalid_grant`. Returns the
    /// number of tokens revoked.
    pub fn revoke_account(&self, account: &str) -> usize {
        let mut state = self.lock();
        let grants: BTreeSet<u64> = state
            .refresh
            .values()
            .filter(|g| g.account == account)
            .map(|g| g.grant_id)
            .chain(
                state
                    .access
                    .values()
                    .filter(|g| g.account == account)
                    .map(|g| g.grant_id),
            )
            .collect();
        grants.iter().map(|id| state.revoke_grant(*id)).sum()
    }

    pub(crate) fn record_consent(&self, account: &str) {
        let mut state = self.lock();
        if !state.accounts.iter().any(|a| a == account) {
            state.accounts.push(account.to_owned());
        }
    }

    pub(crate) fn issue_code(&self, code: PendingCodeInput) -> String {
        let value = random_token("code");
        let pending = PendingCode {
            client_id: code.client_id,
            redirect_uri: code.redirect_uri,
            account: code.account,
            scope: code.scope,
            code_challenge: code.code_challenge,
            expires_at: Instant::now() + self.settings.code_ttl,
        };
        self.lock().codes.insert(value.clone(), pending);
        value
    }

    pub(crate) fn client_known(&self, client_id: &str) -> bool {
        let state = self.lock();
        state.clients.is_empty() || state.clients.contains_key(client_id)
    }

    /// The registered secret of `client_id`; `None` when clients are not restricted (then
    /// any client is accepted, see [`Self::register_client`]) or the client is unknown.
    pub(crate) fn client_secret(&self, client_id: &str) -> Option<String> {
        self.lock().clients.get(client_id).cloned()
    }

    fn client_secret_ok(&self, client_id: &str, secret: &str) -> bool {
        let state = self.lock();
        match state.clients.get(client_id) {
            Some(expected) => expected == secret,
            None => state.clients.is_empty() && !secret.is_empty(),
        }
    }

    fn issue_tokens(
        &self,
        grant_id: Option<u64>,
        account: &str,
        client_id: &str,
        scope: &str,
    ) -> TokenResponse {
        let ttl = self.access_token_ttl();
        let mut state = self.lock();
        let grant_id = grant_id.unwrap_or_else(|| {
            state.next_grant_id += 1;
            state.next_grant_id
        });
        let access_token = random_token("at");
        let refresh_token = random_token("rt");
        state.access.insert(
            access_token.clone(),
            AccessGrant {
                grant_id,
                account: account.to_owned(),
                expires_at: Instant::now() + ttl,
            },
        );
        state.refresh.insert(
            refresh_token.clone(),
            RefreshGrant {
                grant_id,
                account: account.to_owned(),
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
            },
        );
        TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: ttl.as_secs(),
            refresh_token,
            scope: scope.to_owned(),
            user_id: account.to_owned(),
        }
    }
}

impl GrantState {
    fn revoke_grant(&mut self, grant_id: u64) -> usize {
        let access: Vec<String> = self
            .access
            .iter()
            .filter(|(_, g)| g.grant_id == grant_id)
            .map(|(t, _)| t.clone())
            .collect();
        let refresh: Vec<String> = self
            .refresh
            .iter()
            .filter(|(_, g)| g.grant_id == grant_id)
            .map(|(t, _)| t.clone())
            .collect();
        for token in &access {
            self.access.remove(token);
        }
        for token in &refresh {
            self.refresh.remove(token);
        }
        let count = access.len() + refresh.len();
        for token in access.into_iter().chain(refresh) {
            self.retired.insert(token, Retired::Revoked);
        }
        count
    }
}

/// What the authorize step hands to [`OAuthServer::issue_code`].
pub(crate) struct PendingCodeInput {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) account: String,
    pub(crate) scope: String,
    pub(crate) code_challenge: Option<String>,
}

/// An unguessable token: prefix plus 122 random bits (UUID v4 from the OS RNG).
pub(crate) fn random_token(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// An OAuth error response (RFC 6749 §5.2): `{"error": ..., "error_description": ...}`.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    pub(crate) fn new(
        status: StatusCode,
        error: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    pub(crate) fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    pub(crate) fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    pub fn error_code(&self) -> &'static str {
        self.error
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.error,
            "error_description": self.description,
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"wearbridge-sim\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_tokens_or_secrets() {
        let server = OAuthServer::new(crate::providers::SimProvider::Sandbox.oauth_settings());
        server.register_client("app", "very-secret");
        let tokens = server.issue_tokens(None, "acct", "app", "");
        let debug = format!("{server:?}");
        assert!(debug.contains("access_tokens: 1"), "{debug}");
        for secret in [
            tokens.access_token.as_str(),
            tokens.refresh_token.as_str(),
            "very-secret",
        ] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
