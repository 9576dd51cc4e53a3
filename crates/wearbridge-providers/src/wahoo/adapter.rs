//! The WAHOO [`Provider`]: OAuth (Doorkeeper's standard answers, single-use refresh
//! tokens that rotate, revocation with `DELETE /v1/permissions`), workout and user
//! fetches, and the `workout_summary` webhook, against `api.wahooligan.com`
//! (providers.md §10, the Cloud API reference) or the same paths under the simulator's
//! `/wahoo/`.

use std::sync::Arc;

use async_trait::async_trait;
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

/// Wahoo's production endpoints: OAuth and the data API share one host.
pub const AUTHORIZE_URL: &str = "https://api.wahooligan.com/oauth/authorize";
pub const TOKEN_URL: &str = "https://api.wahooligan.com/oauth/token";
pub const API_BASE: &str = "https://api.wahooligan.com/";
/// The OAuth paths below a base (the real host, or the simulator's `<sim>/wahoo/`).
const OAUTH_PATHS: [&str; 2] = ["oauth/authorize", "oauth/token"];
/// Revocation, below the API base: `DELETE` ends the app's whole grant for the user.
pub const PERMISSIONS_PATH: &str = "v1/permissions";

/// `email` and `user_read` (the profile: the athlete), `workouts_read` (workouts and
/// their summaries) and `offline_data` (without which Wahoo sends no webhooks). Space
/// separated, as RFC 6749 and Wahoo's reference say.
pub const SCOPES: [&str; 4] = ["email", "user_read", "workouts_read", "offline_data"];

/// Types [`WahooProvider::fetch`] serves: Wahoo is workout-centred.
const SUPPORTED_TYPES: [DataType; 2] = [DataType::Activity, DataType::Athlete];

/// Static facts of WAHOO.
pub const WAHOO: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "Wahoo",
    icon_path: "/static/icons/wahoo.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport {
        activity: true,
        body: false,
        nutrition: false,
        daily: false,
        sleep: false,
        menstruation: false,
    },
    sdk_only: false,
};

/// The registry's builder: Wahoo's real endpoints, or the same paths under `base`.
pub fn build(base: Option<&Url>) -> Option<Arc<dyn Provider>> {
    Some(Arc::new(WahooProvider::new(base)?))
}

/// The WAHOO adapter.
#[derive(Debug, Clone)]
pub struct WahooProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

impl WahooProvider {
    /// The adapter for Wahoo's production endpoints.
    pub fn production() -> Option<WahooProvider> {
        Self::new(None)
    }

    /// The adapter with Wahoo's OAuth paths under `base` (the simulator's `<sim>/wahoo/`).
    pub fn with_base(base: &Url) -> Option<WahooProvider> {
        Self::new(Some(base))
    }

    fn new(base: Option<&Url>) -> Option<WahooProvider> {
        let [authorize_url, token_url] =
            oauth::endpoints(base, [AUTHORIZE_URL, TOKEN_URL], OAUTH_PATHS)?;
        Some(WahooProvider {
            info: WAHOO,
            // Wahoo's reference sends the client credentials as token-request parameters;
            // PKCE is for public apps, and this server holds a client secret. Revocation
            // is Wahoo's own `DELETE /v1/permissions` (see `revoke`), not RFC 7009.
            oauth: OAuthSettings::new(authorize_url, token_url, ClientAuth::RequestBody, &SCOPES),
        })
    }
}

#[async_trait]
impl Provider for WahooProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    /// `grant_type=refresh_token`. Wahoo's refresh tokens are single-use: the answer's new
    /// one replaces the presented one, which Wahoo then refuses, so the caller stores it
    /// before using the access token. An answer without one (never seen) keeps the old.
    async fn refresh(
        &self,
        ctx: &ProviderCtx,
        refresh_token: &SecretString,
    ) -> Result<TokenSet, ProviderError> {
        let mut tokens = oauth::refresh(&ctx.http, &self.oauth, &ctx.creds, refresh_token).await?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(tokens)
    }

    /// `GET /v1/user`: the token answer names no user.
    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let user: wire::User = api::get(ctx, api::url(ctx, "v1/user")?, access_token).await?;
        Ok(ProviderAccount {
            provider_user_id: user.id.to_string(),
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
        match data_type {
            DataType::Athlete => {
                let user: wire::User =
                    api::get(ctx, api::url(ctx, "v1/user")?, access_token).await?;
                Ok(vec![mapper::athlete(&user).into()])
            }
            DataType::Activity => workouts(ctx, access_token, range).await,
            other => Err(ProviderError::Unsupported(other)),
        }
    }

    /// `DELETE /v1/permissions` with the access token, which revokes every token of the
    /// app's grant (and so also frees the user's share of Wahoo's 10-token cap). An
    /// expired access token is refreshed once for it; a refresh token Wahoo already
    /// refuses means the grant is gone, which is the goal.
    async fn revoke(&self, ctx: &ProviderCtx, tokens: &TokenSet) -> Result<(), ProviderError> {
        match delete_permissions(ctx, &tokens.access_token).await {
            Err(ProviderError::Unauthorized(_)) => {
                let Some(refresh_token) = &tokens.refresh_token else {
                    return Ok(());
                };
                match self.refresh(ctx, refresh_token).await {
                    Ok(fresh) => delete_permissions(ctx, &fresh.access_token).await,
                    Err(ProviderError::InvalidGrant(_)) => Ok(()),
                    Err(other) => Err(other),
                }
            }
            other => other,
        }
    }

    /// Athlete: one read. Activities: the first list page; older pages follow the
    /// person's history, and summaries missing from the list (rare) one read each.
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        match data_type {
            DataType::Athlete | DataType::Activity => 1,
            _ => 0,
        }
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }

    /// The `workout_summary` webhook ([`push`]).
    fn push(
        &self,
        creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        push::handle(creds, request)
    }
}

/// Workouts starting on the local days of `range`, each with its summary: the list's
/// embedded one, else `GET /v1/workouts/{id}/workout_summary` (none yet: the workout alone).
async fn workouts(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let listed = api::list_workouts(ctx, token, range).await?;
    let mut records = Vec::new();
    for workout in listed {
        let summary = match &workout.workout_summary {
            Some(summary) => Some(summary.clone()),
            None => api::summary(ctx, token, workout.id).await?,
        };
        let activity = mapper::activity(&workout, summary.as_ref());
        let day = activity
            .metadata
            .start_time
            .to_datetime()
            .map(|start| start.date_naive());
        if day.is_some_and(|day| day >= range.start && day <= range.end) {
            records.push(activity.into());
        }
    }
    Ok(records)
}

/// `DELETE <api base>v1/permissions` with the bearer token.
async fn delete_permissions(
    ctx: &ProviderCtx,
    access_token: &SecretString,
) -> Result<(), ProviderError> {
    let response = ctx
        .http
        .delete(api::url(ctx, PERMISSIONS_PATH)?)
        .header(
            AUTHORIZATION,
            format!("Bearer {}", access_token.expose_secret()),
        )
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    http::checked_body(response, api::classify).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_settings_follow_wahoo_documentation() {
        let Some(provider) = WahooProvider::production() else {
            panic!("production URLs parse");
        };
        let oauth = provider.oauth();
        assert_eq!(oauth.authorize_url.as_str(), AUTHORIZE_URL);
        assert_eq!(oauth.token_url.as_str(), TOKEN_URL);
        assert!(oauth.revoke_url.is_none());
        assert!(!oauth.pkce);
        assert_eq!(oauth.client_auth, ClientAuth::RequestBody);
        assert_eq!(oauth.scope_separator, " ");
        assert!(oauth.scopes.iter().any(|scope| scope == "offline_data"));
    }

    #[test]
    fn a_base_puts_wahoo_paths_under_it() {
        oauth::settings_below_base(
            "http://127.0.0.1:4000/wahoo",
            WahooProvider::with_base,
            "oauth/authorize",
            "oauth/token",
        );
    }
}
