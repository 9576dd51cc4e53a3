//! Standard OAuth 2.0 authorization-code flows, on the `oauth2` crate.
//!
//! Providers describe themselves with [`OAuthSettings`]; these functions run the standard
//! calls. A provider that deviates (Withings wraps tokens in `{status, body}`) overrides the
//! token methods of [`crate::Provider`] instead of bending these.
//!
//! HTTP goes through the shared `reqwest::Client` via a small adapter ([`send`]) rather than
//! `oauth2`'s built-in one, because `oauth2` tries to parse every non-200 body as an OAuth
//! error and so would report a 503 or 429 as a parse failure; the adapter classifies those
//! first (transient, rate limited with `Retry-After`).

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use oauth2::basic::BasicClient;
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, StandardErrorResponse, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::config::ProviderCredentials;
use crate::error::{self, ProviderError};

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic `client_id:client_secret` (RFC 6749 §2.3.1, the recommended form).
    BasicAuth,
    /// `client_id` and `client_secret` as form fields (providers that reject Basic).
    RequestBody,
}

/// A provider's OAuth endpoints and quirks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthSettings {
    pub authorize_url: Url,
    pub token_url: Url,
    /// RFC 7009 revocation endpoint; `None` where the provider offers no revocation.
    pub revoke_url: Option<Url>,
    pub scopes: Vec<String>,
    /// How scopes are joined in the `scope` parameter: `" "` per RFC 6749, `","` for
    /// providers such as Strava.
    pub scope_separator: &'static str,
    /// Whether to send a PKCE (S256) challenge.
    pub pkce: bool,
    pub client_auth: ClientAuth,
    /// Extra query parameters on the authorize URL (e.g. `prompt=consent`).
    pub extra_authorize_params: Vec<(String, String)>,
}

impl OAuthSettings {
    /// Settings with the common defaults spelled out once (no revocation endpoint, scopes
    /// joined with a space as RFC 6749 says, no PKCE, no extra authorize parameters), so
    /// each adapter states only what is its own: the client authentication style here,
    /// and PKCE, revocation and separator through the `with_*` methods.
    pub fn new(
        authorize_url: Url,
        token_url: Url,
        client_auth: ClientAuth,
        scopes: &[&str],
    ) -> OAuthSettings {
        OAuthSettings {
            authorize_url,
            token_url,
            revoke_url: None,
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
            scope_separator: " ",
            pkce: false,
            client_auth,
            extra_authorize_params: Vec::new(),
        }
    }

    /// These settings with a PKCE (S256) challenge on the authorize URL.
    pub fn with_pkce(mut self) -> OAuthSettings {
        self.pkce = true;
        self
    }

    /// These settings with an RFC 7009 revocation endpoint.
    pub fn with_revoke_url(mut self, revoke_url: Url) -> OAuthSettings {
        self.revoke_url = Some(revoke_url);
        self
    }

    /// These settings with scopes joined by `separator` instead of a space.
    pub fn with_scope_separator(mut self, separator: &'static str) -> OAuthSettings {
        self.scope_separator = separator;
        self
    }
}

/// A provider's OAuth endpoints, from its production URLs or from its documented paths
/// below a base (the simulator's `<sim>/<provider>/`). Every adapter is built both ways,
/// so the parse-or-join choice lives here once; `None` when a URL does not parse or the
/// base cannot be a base.
pub fn endpoints<const N: usize>(
    base: Option<&Url>,
    production: [&str; N],
    paths: [&str; N],
) -> Option<[Url; N]> {
    let mut urls = Vec::with_capacity(N);
    match base {
        None => {
            for url in production {
                urls.push(Url::parse(url).ok()?);
            }
        }
        Some(base) => {
            let base = crate::module::with_trailing_slash(base);
            for path in paths {
                urls.push(base.join(path).ok()?);
            }
        }
    }
    urls.try_into().ok()
}

/// The instant a token issued now with a lifetime of `seconds` expires. Shared by the
/// hand-read token answers (Polar, Withings, WHOOP), each of which first checks the
/// `expires_in` it received by its own rules; `None` when out of range.
pub fn expires_after(seconds: i64) -> Option<DateTime<Utc>> {
    chrono::TimeDelta::try_seconds(seconds)
        .and_then(|lifetime| Utc::now().checked_add_signed(lifetime))
}

/// Tokens from a code exchange or refresh.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    /// `None` when the provider issued none (or did not rotate it on refresh).
    pub refresh_token: Option<SecretString>,
    /// Computed from `expires_in` at receipt.
    pub expires_at: Option<DateTime<Utc>>,
    /// Granted scopes, space-separated, when the provider says.
    pub scopes: Option<String>,
    /// The account id, for providers whose token answer names it (Polar `x_user_id`,
    /// Withings `userid`) and have no endpoint that does.
    pub provider_user_id: Option<String>,
}

/// A fresh PKCE pair: send `challenge` (S256) on the authorize URL, keep `verifier`
/// server-side for the code exchange.
#[derive(Debug)]
pub struct PkcePair {
    pub challenge: String,
    pub verifier: SecretString,
}

/// Generates a PKCE pair with 32 random bytes (RFC 7636 §4.1), via `oauth2`.
pub fn new_pkce_pair() -> PkcePair {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    PkcePair {
        challenge: challenge.as_str().to_owned(),
        verifier: SecretString::from(verifier.secret().clone()),
    }
}

/// The provider's authorize URL for this `state` (and PKCE challenge, S256, when given).
pub fn authorize_url(
    settings: &OAuthSettings,
    creds: &ProviderCredentials,
    redirect_uri: &Url,
    state: &str,
    pkce_challenge: Option<&str>,
) -> Url {
    let client = BasicClient::new(ClientId::new(creds.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(settings.authorize_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(redirect_uri.clone()));
    let state = state.to_owned();
    let mut request = client.authorize_url(move || CsrfToken::new(state));
    if !settings.scopes.is_empty() {
        // Joined here rather than with `add_scopes`, which always joins with a space.
        request = request.add_extra_param("scope", settings.scopes.join(settings.scope_separator));
    }
    if let Some(challenge) = pkce_challenge {
        request = request
            .add_extra_param("code_challenge", challenge.to_owned())
            .add_extra_param("code_challenge_method", "S256");
    }
    for (name, value) in &settings.extra_authorize_params {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    request.url().0
}

/// Exchanges an authorization code for tokens.
pub async fn exchange_code(
    http: &reqwest::Client,
    settings: &OAuthSettings,
    creds: &ProviderCredentials,
    code: &str,
    redirect_uri: &Url,
    pkce_verifier: Option<&str>,
) -> Result<TokenSet, ProviderError> {
    let client = BasicClient::new(ClientId::new(creds.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            creds.client_secret.expose_secret().to_owned(),
        ))
        .set_auth_type(auth_type(settings.client_auth))
        .set_token_uri(TokenUrl::from_url(settings.token_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(redirect_uri.clone()));
    let mut request = client.exchange_code(AuthorizationCode::new(code.to_owned()));
    if let Some(verifier) = pkce_verifier {
        request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()));
    }
    let response = request
        .request_async(&TokenHttp(http))
        .await
        .map_err(request_error)?;
    Ok(token_set(&response))
}

/// Exchanges a refresh token for new tokens. Providers that rotate refresh tokens return a
/// new one; the old one then fails with [`ProviderError::InvalidGrant`].
pub async fn refresh(
    http: &reqwest::Client,
    settings: &OAuthSettings,
    creds: &ProviderCredentials,
    refresh_token: &SecretString,
) -> Result<TokenSet, ProviderError> {
    let client = BasicClient::new(ClientId::new(creds.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            creds.client_secret.expose_secret().to_owned(),
        ))
        .set_auth_type(auth_type(settings.client_auth))
        .set_token_uri(TokenUrl::from_url(settings.token_url.clone()));
    let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let response = client
        .exchange_refresh_token(&token)
        .request_async(&TokenHttp(http))
        .await
        .map_err(request_error)?;
    Ok(token_set(&response))
}

/// Which token a revocation names (RFC 7009 `token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

/// Revokes a token (RFC 7009). `Ok` without a call where the provider has no revocation.
///
/// Hand-written on reqwest rather than `oauth2`'s `revoke_token`, because `oauth2` refuses
/// revocation URLs that are not HTTPS, and the simulator (and any plain-HTTP development
/// mirror) serves HTTP. The request is the RFC's: a form with `token` and
/// `token_type_hint`, client authentication as configured.
pub async fn revoke(
    http: &reqwest::Client,
    settings: &OAuthSettings,
    creds: &ProviderCredentials,
    token: &SecretString,
    kind: TokenKind,
) -> Result<(), ProviderError> {
    let Some(revoke_url) = &settings.revoke_url else {
        return Ok(());
    };
    let hint = match kind {
        TokenKind::Access => "access_token",
        TokenKind::Refresh => "refresh_token",
    };
    let form = vec![("token", token.expose_secret()), ("token_type_hint", hint)];
    let request = with_client_auth(
        http.post(revoke_url.clone()),
        settings.client_auth,
        creds,
        form,
    );
    let response = request
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    crate::http::checked_body(response, error::from_status).await?;
    Ok(())
}

/// A form POST authenticated as the client the way `client_auth` says: an HTTP Basic
/// header, or `client_id` and `client_secret` appended to the form. Revocation and the
/// hand-built token requests (providers whose answers `oauth2` cannot read) share it, so
/// both authenticate exactly as the standard flows do.
fn with_client_auth<'a>(
    request: reqwest::RequestBuilder,
    client_auth: ClientAuth,
    creds: &'a ProviderCredentials,
    mut form: Vec<(&'a str, &'a str)>,
) -> reqwest::RequestBuilder {
    match client_auth {
        ClientAuth::BasicAuth => request
            .basic_auth(&creds.client_id, Some(creds.client_secret.expose_secret()))
            .form(&form),
        ClientAuth::RequestBody => {
            form.push(("client_id", &creds.client_id));
            form.push(("client_secret", creds.client_secret.expose_secret()));
            request.form(&form)
        }
    }
}

/// POSTs a hand-built token request (`grant`: the grant's own fields) to the token
/// endpoint of `settings`, asking for JSON and authenticating the client as configured.
/// For providers whose token answer the standard flow cannot read (Polar's `x_user_id`,
/// Withings's envelope) or whose refresh needs extra fields (WHOOP's `scope=offline`);
/// each reads the answer itself.
pub(crate) async fn post_token_request(
    http: &reqwest::Client,
    settings: &OAuthSettings,
    creds: &ProviderCredentials,
    grant: Vec<(&str, &str)>,
) -> Result<reqwest::Response, ProviderError> {
    let request = http
        .post(settings.token_url.clone())
        .header(reqwest::header::ACCEPT, "application/json");
    with_client_auth(request, settings.client_auth, creds, grant)
        .send()
        .await
        .map_err(|error| error::from_transport(&error))
}

fn auth_type(client_auth: ClientAuth) -> AuthType {
    match client_auth {
        ClientAuth::BasicAuth => AuthType::BasicAuth,
        ClientAuth::RequestBody => AuthType::RequestBody,
    }
}

fn token_set(response: &oauth2::basic::BasicTokenResponse) -> TokenSet {
    let expires_at = response
        .expires_in()
        .and_then(|lifetime| chrono::Duration::from_std(lifetime).ok())
        .and_then(|lifetime| Utc::now().checked_add_signed(lifetime));
    let scopes = response.scopes().map(|scopes| {
        scopes
            .iter()
            .map(|scope| scope.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    });
    TokenSet {
        access_token: SecretString::from(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|token| SecretString::from(token.secret().clone())),
        expires_at,
        scopes,
        provider_user_id: None,
    }
}

/// A token-endpoint answer classified before `oauth2` sees it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ClassifiedHttpError(ProviderError);

/// The shared client as an `oauth2` HTTP client (a named type, not a closure, so the
/// future is `Send` for every lifetime, as `async_trait` requires).
struct TokenHttp<'a>(&'a reqwest::Client);

impl<'c> AsyncHttpClient<'c> for TokenHttp<'_> {
    type Error = ClassifiedHttpError;
    type Future =
        Pin<Box<dyn Future<Output = Result<HttpResponse, ClassifiedHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send(self.0, request))
    }
}

/// Sends one `oauth2` request through the shared client. Rate limits and server errors are
/// answered here (see the module docs); everything else goes to `oauth2` to parse.
async fn send(
    http: &reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, ClassifiedHttpError> {
    let request = reqwest::Request::try_from(request)
        .map_err(|_| ClassifiedHttpError(ProviderError::Malformed("bad token request".into())))?;
    let response = http
        .execute(request)
        .await
        .map_err(|error| ClassifiedHttpError(error::from_transport(&error)))?;
    let (status, headers, body) = crate::http::read(response)
        .await
        .map_err(ClassifiedHttpError)?;
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(ClassifiedHttpError(error::from_status(
            status, &headers, &body,
        )));
    }
    let mut builder = oauth2::http::Response::builder().status(status);
    for (name, value) in &headers {
        builder = builder.header(name, value);
    }
    builder
        .body(body)
        .map_err(|_| ClassifiedHttpError(ProviderError::Malformed("bad token response".into())))
}

/// Maps an `oauth2` failure onto [`ProviderError`]. Messages carry error codes and JSON
/// paths only, never body text (a half-parsed token response may contain a token).
fn request_error<T: oauth2::ErrorResponseType + std::fmt::Display + 'static>(
    error: RequestTokenError<ClassifiedHttpError, StandardErrorResponse<T>>,
) -> ProviderError {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let code = serde_json::to_value(response.error())
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_else(|| "unknown".to_owned());
            match code.as_str() {
                "invalid_grant" => ProviderError::InvalidGrant(code),
                "invalid_client" | "unauthorized_client" => ProviderError::Unauthorized(code),
                _ => ProviderError::Malformed(format!("token endpoint error {code}")),
            }
        }
        RequestTokenError::Request(ClassifiedHttpError(inner)) => inner,
        RequestTokenError::Parse(parse, _) => {
            ProviderError::Malformed(format!("token response did not parse at {}", parse.path()))
        }
        RequestTokenError::Other(message) => ProviderError::Malformed(message),
    }
}

/// Test support for every adapter's "a base keeps the documented paths" test: builds the
/// adapter below `base` and checks its authorize and token URLs are `base` joined with
/// the given paths; returns the settings for any further checks.
#[cfg(test)]
pub(crate) fn settings_below_base<P: crate::Provider>(
    base: &str,
    build: impl Fn(&Url) -> Option<P>,
    authorize_path: &str,
    token_path: &str,
) -> OAuthSettings {
    let Ok(base_url) = Url::parse(base) else {
        panic!("test URL parses");
    };
    let Some(provider) = build(&base_url) else {
        panic!("base accepted");
    };
    let oauth = provider.oauth().clone();
    assert_eq!(
        oauth.authorize_url.as_str(),
        format!("{base}/{authorize_path}")
    );
    assert_eq!(oauth.token_url.as_str(), format!("{base}/{token_path}"));
    oauth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Option<OAuthSettings> {
        Some(OAuthSettings {
            authorize_url: Url::parse("https://auth.example/authorize").ok()?,
            token_url: Url::parse("https://auth.example/token").ok()?,
            revoke_url: None,
            scopes: vec!["activity".into(), "sleep".into()],
            scope_separator: ",",
            pkce: true,
            client_auth: ClientAuth::BasicAuth,
            extra_authorize_params: vec![("prompt".into(), "consent".into())],
        })
    }

    #[test]
    fn authorize_url_carries_every_parameter() {
        let (Some(settings), Ok(redirect)) = (
            settings(),
            Url::parse("https://wb.example/v2/auth/callback/sandbox"),
        ) else {
            panic!("test URLs parse");
        };
        let url = authorize_url(
            &settings,
            &crate::config::ProviderCredentials::sandbox_dev(),
            &redirect,
            "state-123",
            Some("challenge-abc"),
        );
        let query: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        let get = |key: &str| query.get(key).map(String::as_str);
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some(crate::config::SANDBOX_CLIENT_ID));
        assert_eq!(get("state"), Some("state-123"));
        assert_eq!(get("scope"), Some("activity,sleep"));
        assert_eq!(get("code_challenge"), Some("challenge-abc"));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(get("prompt"), Some("consent"));
        assert_eq!(get("redirect_uri"), Some(redirect.as_str()));
    }

    #[test]
    fn pkce_pairs_are_s256_of_the_verifier() {
        let pair = new_pkce_pair();
        let recomputed = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            pair.verifier.expose_secret().to_owned(),
        ));
        assert_eq!(recomputed.as_str(), pair.challenge);
        assert_eq!(pair.challenge.len(), 43);
    }
}
