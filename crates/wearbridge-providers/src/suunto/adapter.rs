//! The SUUNTO [`Provider`]: OAuth against `cloudapi-oauth.suunto.com` (client credentials
//! as HTTP Basic, JWT access tokens naming the user, deauthorization), workout and 24/7
//! fetches against `cloudapi.suunto.com` with the APIM subscription key ([`api`]), and
//! signed full-payload pushes ([`push`]). In sandbox mode both live under the simulator's
//! `/suunto/`.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use reqwest::header::AUTHORIZATION;
use secrecy::{ExposeSecret, SecretString};
use url::Url;
use wearbridge_model::DataType;

use super::{api, mapper, push, wire};
use crate::error;
use crate::http;
use crate::module::{DataTypeSupport, ProviderInfo, SetupKind};
use crate::oauth::{self, ClientAuth, OAuthSettings, TokenSet};
use crate::{
    FetchRange, Provider, ProviderAccount, ProviderCredentials, ProviderCtx, ProviderError,
    PushAnswer, PushError, PushRequest, TerraRecordData,
};

/// Suunto's production endpoints: OAuth on its own host, the data API on another.
pub const AUTHORIZE_URL: &str = "https://cloudapi-oauth.suunto.com/oauth/authorize";
pub const TOKEN_URL: &str = "https://cloudapi-oauth.suunto.com/oauth/token";
pub const DEAUTHORIZE_URL: &str = "https://cloudapi-oauth.suunto.com/oauth/deauthorize";
pub const API_BASE: &str = "https://cloudapi.suunto.com/";
/// The OAuth paths below a base (the real host, or the simulator's `<sim>/suunto/`).
const OAUTH_PATHS: [&str; 3] = ["oauth/authorize", "oauth/token", "oauth/deauthorize"];

/// Suunto's quick start documents one scope, `workout`, which grants the 24/7 data too.
pub const SCOPES: [&str; 1] = ["workout"];

/// Types [`SuuntoProvider::fetch`] serves.
const SUPPORTED_TYPES: [DataType; 4] = [
    DataType::Activity,
    DataType::Daily,
    DataType::Sleep,
    DataType::Athlete,
];

/// Static facts of SUUNTO. Body is not offered: the 24/7 activity samples (HR, SpO2, HRV)
/// are not mapped yet (docs/DECISIONS.md, "Suunto").
pub const SUUNTO: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "Suunto",
    icon_path: "/static/icons/suunto.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport {
        activity: true,
        body: false,
        nutrition: false,
        daily: true,
        sleep: true,
        menstruation: false,
    },
    sdk_only: false,
};

/// The registry's builder: Suunto's real endpoints, or the same paths under `base`.
pub fn build(base: Option<&Url>) -> Option<Arc<dyn Provider>> {
    Some(Arc::new(SuuntoProvider::new(base)?))
}

/// The SUUNTO adapter.
#[derive(Debug, Clone)]
pub struct SuuntoProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

impl SuuntoProvider {
    /// The adapter for Suunto's production endpoints.
    pub fn production() -> Option<SuuntoProvider> {
        Self::new(None)
    }

    /// The adapter with Suunto's OAuth paths under `base` (the simulator's `<sim>/suunto/`).
    pub fn with_base(base: &Url) -> Option<SuuntoProvider> {
        Self::new(Some(base))
    }

    fn new(base: Option<&Url>) -> Option<SuuntoProvider> {
        let [authorize_url, token_url, deauthorize_url] = oauth::endpoints(
            base,
            [AUTHORIZE_URL, TOKEN_URL, DEAUTHORIZE_URL],
            OAUTH_PATHS,
        )?;
        Some(SuuntoProvider {
            info: SUUNTO,
            // The quick start authenticates the client with `curl --user id:secret`.
            oauth: OAuthSettings::new(authorize_url, token_url, ClientAuth::BasicAuth, &SCOPES)
                .with_revoke_url(deauthorize_url),
        })
    }

    /// One grant at the token endpoint. The account is the username: the answer's `user`,
    /// else the JWT's `user` claim (pushes name accounts by username).
    async fn token_call(
        &self,
        ctx: &ProviderCtx,
        grant: Vec<(&str, &str)>,
    ) -> Result<TokenSet, ProviderError> {
        let response = oauth::post_token_request(&ctx.http, &self.oauth, &ctx.creds, grant).await?;
        let body = http::checked_body(response, error::from_status).await?;
        let answer: wire::TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| ProviderError::Malformed("token response did not parse".into()))?;
        let username = answer
            .user
            .clone()
            .filter(|user| !user.trim().is_empty())
            .or_else(|| jwt_claim(&answer.access_token, "user"));
        Ok(TokenSet {
            access_token: SecretString::from(answer.access_token),
            refresh_token: answer.refresh_token.map(SecretString::from),
            expires_at: answer.expires_in.and_then(oauth::expires_after),
            scopes: answer.scope,
            provider_user_id: username,
        })
    }
}

/// A string claim of a JWT's payload, read without verifying the signature: the token
/// came straight from Suunto's token endpoint over TLS, and is only read for the username.
pub fn jwt_claim(token: &str, claim: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims
        .get(claim)?
        .as_str()
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

#[async_trait]
impl Provider for SuuntoProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    /// `grant_type=authorization_code` with `redirect_uri` and `code`, client in Basic.
    async fn exchange_code(
        &self,
        ctx: &ProviderCtx,
        code: &str,
        redirect_uri: &Url,
        _pkce_verifier: Option<&str>,
    ) -> Result<TokenSet, ProviderError> {
        let grant = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
        ];
        self.token_call(ctx, grant).await
    }

    /// `grant_type=refresh_token`; a refresh token Suunto does not replace stays valid.
    async fn refresh(
        &self,
        ctx: &ProviderCtx,
        refresh_token: &SecretString,
    ) -> Result<TokenSet, ProviderError> {
        let grant = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        let mut tokens = self.token_call(ctx, grant).await?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(tokens)
    }

    /// The username the code exchange named (no Suunto endpoint returns a profile).
    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let provider_user_id = ctx
            .provider_user_id
            .clone()
            .or_else(|| jwt_claim(access_token.expose_secret(), "user"))
            .ok_or_else(|| {
                ProviderError::Malformed("SUUNTO token names no user (no `user` claim)".into())
            })?;
        Ok(ProviderAccount {
            provider_user_id,
            scopes: None,
        })
    }

    async fn fetch(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        data_type: DataType,
        range: FetchRange,
    ) -> Result<Vec<TerraRecordData>, ProviderError> {
        if range.start > range.end {
            return Ok(Vec::new());
        }
        let in_range = |day: chrono::NaiveDate| day >= range.start && day <= range.end;
        match data_type {
            DataType::Athlete => {
                let account = self.fetch_account(ctx, access_token).await?;
                Ok(vec![mapper::athlete(&account.provider_user_id).into()])
            }
            DataType::Activity => Ok(api::list_workouts(ctx, access_token, range)
                .await?
                .iter()
                .filter_map(|workout| mapper::activity(workout, None))
                .filter(|activity| in_range(activity.metadata.start_time.local_date()))
                .map(Into::into)
                .collect()),
            DataType::Sleep => {
                Ok(
                    api::samples::<wire::SleepEntry>(ctx, access_token, "sleep", range)
                        .await?
                        .iter()
                        .filter_map(mapper::sleep)
                        .filter(|sleep| in_range(sleep.metadata.end_time.local_date()))
                        .map(Into::into)
                        .collect(),
                )
            }
            DataType::Daily => {
                let statistics = api::daily_statistics(ctx, access_token, range).await?;
                Ok(mapper::daily(&statistics)
                    .into_iter()
                    .filter(|daily| in_range(daily.metadata.start_time.local_date()))
                    .map(Into::into)
                    .collect())
            }
            other => Err(ProviderError::Unsupported(other)),
        }
    }

    /// `GET /oauth/deauthorize?client_id=…` with the access token as bearer, which ends the
    /// grant. An expired access token is refreshed once for it; a refresh token Suunto
    /// already refuses means the grant is gone, which is the goal.
    async fn revoke(&self, ctx: &ProviderCtx, tokens: &TokenSet) -> Result<(), ProviderError> {
        match deauthorize(ctx, &self.oauth, &tokens.access_token).await {
            Err(ProviderError::Unauthorized(_)) => {
                let Some(refresh_token) = &tokens.refresh_token else {
                    return Ok(());
                };
                match self.refresh(ctx, refresh_token).await {
                    Ok(fresh) => deauthorize(ctx, &self.oauth, &fresh.access_token).await,
                    Err(ProviderError::InvalidGrant(_)) => Ok(()),
                    Err(other) => Err(other),
                }
            }
            other => other,
        }
    }

    /// Athlete: none (the username is known). Activities: the first list page. Sleep:
    /// one request per 28 days of the range widened by a day each side; Daily: one per
    /// 28 days of the range.
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        match data_type {
            DataType::Activity => 1,
            DataType::Sleep => api::sample_requests(range, 1),
            DataType::Daily => api::sample_requests(range, 0),
            _ => 0,
        }
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }

    /// Signed full-payload notifications ([`push`]).
    fn push(
        &self,
        creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        push::handle(creds, request)
    }
}

/// `GET <deauthorize url>?client_id=<id>` with `access_token` as bearer.
async fn deauthorize(
    ctx: &ProviderCtx,
    settings: &OAuthSettings,
    access_token: &SecretString,
) -> Result<(), ProviderError> {
    let Some(url) = &settings.revoke_url else {
        return Ok(());
    };
    let mut url = url.clone();
    url.query_pairs_mut()
        .append_pair("client_id", &ctx.creds.client_id);
    let response = ctx
        .http
        .get(url)
        .header(
            AUTHORIZATION,
            format!("Bearer {}", access_token.expose_secret()),
        )
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    http::checked_body(response, error::from_status).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_settings_follow_suunto_documentation() {
        let Some(provider) = SuuntoProvider::production() else {
            panic!("production URLs parse");
        };
        let oauth = provider.oauth();
        assert_eq!(oauth.authorize_url.as_str(), AUTHORIZE_URL);
        assert_eq!(oauth.token_url.as_str(), TOKEN_URL);
        assert_eq!(
            oauth.revoke_url.as_ref().map(Url::as_str),
            Some(DEAUTHORIZE_URL)
        );
        assert!(!oauth.pkce);
        assert_eq!(oauth.client_auth, ClientAuth::BasicAuth);
    }

    #[test]
    fn a_base_puts_suunto_paths_under_it() {
        let oauth = oauth::settings_below_base(
            "http://127.0.0.1:4000/suunto",
            SuuntoProvider::with_base,
            "oauth/authorize",
            "oauth/token",
        );
        assert_eq!(
            oauth.revoke_url.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:4000/suunto/oauth/deauthorize")
        );
    }

    #[test]
    fn the_username_is_read_from_the_jwt() {
        let encode = |value: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value);
        let token = format!(
            "{}.{}.sig",
            encode(r#"{"alg":"HS256"}"#),
            encode(r#"{"sub":"123","user":"johndoe123"}"#)
        );
        assert_eq!(jwt_claim(&token, "user").as_deref(), Some("johndoe123"));
        assert_eq!(jwt_claim(&token, "missing"), None);
        assert_eq!(jwt_claim("opaque", "user"), None);
        assert_eq!(jwt_claim("a.!!!.c", "user"), None);
    }
}
