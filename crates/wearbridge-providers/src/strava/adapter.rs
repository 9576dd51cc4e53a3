//! The STRAVA [`Provider`]: OAuth (Strava's token answers and errors, refresh-token
//! rotation, deauthorization), activity and athlete fetches, push handling and the push
//! subscription, against `www.strava.com` (providers.md §6, Strava's swagger document) or
//! the same paths under the simulator's `/strava/`.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
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

/// Strava's production endpoints. The data API lives under `API_BASE`; OAuth under the
/// site root.
pub const AUTHORIZE_URL: &str = "https://www.strava.com/oauth/authorize";
pub const TOKEN_URL: &str = "https://www.strava.com/oauth/token";
pub const DEAUTHORIZE_URL: &str = "https://www.strava.com/oauth/deauthorize";
pub const API_BASE: &str = "https://www.strava.com/api/v3/";
/// The OAuth paths below a base (the real site, or the simulator's `<sim>/strava/`).
const OAUTH_PATHS: [&str; 3] = ["oauth/authorize", "oauth/token", "oauth/deauthorize"];

/// `read` (public profile), `profile:read_all` (the detailed athlete) and
/// `activity:read_all` (every activity, "Only You" ones and privacy zones included): the
/// person's own data, all of it. Strava joins scopes with commas.
pub const SCOPES: [&str; 3] = ["read", "profile:read_all", "activity:read_all"];

/// Requests a fetch of activities is charged per day of its range: Strava's list has no
/// calories, laps or samples, so each activity costs its detailed read and its streams
/// read, and a person is assumed to record one activity a day (see `request_cost`).
pub const ACTIVITY_REQUESTS_PER_DAY: u32 = 2;

/// Types [`StravaProvider::fetch`] serves: Strava is activity-centred.
const SUPPORTED_TYPES: [DataType; 2] = [DataType::Activity, DataType::Athlete];

/// Static facts of STRAVA.
pub const STRAVA: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "Strava",
    icon_path: "/static/icons/strava.svg",
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

/// The registry's builder: Strava's real endpoints, or the same paths under `base`.
pub fn build(base: Option<&Url>) -> Option<Arc<dyn Provider>> {
    Some(Arc::new(StravaProvider::new(base)?))
}

/// The STRAVA adapter.
#[derive(Debug, Clone)]
pub struct StravaProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

impl StravaProvider {
    /// The adapter for Strava's production endpoints.
    pub fn production() -> Option<StravaProvider> {
        Self::new(None)
    }

    /// The adapter with Strava's OAuth paths under `base` (the simulator's `<sim>/strava/`).
    pub fn with_base(base: &Url) -> Option<StravaProvider> {
        Self::new(Some(base))
    }

    fn new(base: Option<&Url>) -> Option<StravaProvider> {
        let [authorize_url, token_url, deauthorize_url] = oauth::endpoints(
            base,
            [AUTHORIZE_URL, TOKEN_URL, DEAUTHORIZE_URL],
            OAUTH_PATHS,
        )?;
        Some(StravaProvider {
            info: STRAVA,
            // Strava documents no PKCE; client credentials go in the form body; scopes are
            // comma-separated. Deauthorization is Strava's own call (see `revoke`).
            oauth: OAuthSettings::new(authorize_url, token_url, ClientAuth::RequestBody, &SCOPES)
                .with_scope_separator(",")
                .with_revoke_url(deauthorize_url),
        })
    }

    /// One grant at the token endpoint, read as Strava answers: `expires_at` (epoch
    /// seconds) wins over `expires_in`, and the code exchange names the athlete.
    async fn token_call(
        &self,
        ctx: &ProviderCtx,
        grant: Vec<(&str, &str)>,
    ) -> Result<TokenSet, ProviderError> {
        let response = oauth::post_token_request(&ctx.http, &self.oauth, &ctx.creds, grant).await?;
        let body = http::checked_body(response, api::classify).await?;
        let answer: wire::TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| ProviderError::Malformed("token response did not parse".into()))?;
        let expires_at = answer
            .expires_at
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
            .or_else(|| answer.expires_in.and_then(oauth::expires_after));
        Ok(TokenSet {
            access_token: SecretString::from(answer.access_token),
            refresh_token: answer.refresh_token.map(SecretString::from),
            expires_at,
            scopes: None,
            provider_user_id: answer.athlete.map(|athlete| athlete.id.to_string()),
        })
    }
}

#[async_trait]
impl Provider for StravaProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    /// `grant_type=authorization_code` with the client credentials in the form. The
    /// answer's `athlete.id` is the account id.
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

    /// `grant_type=refresh_token`. Strava may answer with a new refresh token, after which
    /// the old one is refused: the caller stores it before using the access token.
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
            // Not rotated: the one presented stays valid.
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(tokens)
    }

    /// The athlete id the code exchange named, else `GET /athlete` (one request saved on
    /// every connection, against Strava's tight app limits).
    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let provider_user_id = match &ctx.provider_user_id {
            Some(id) => id.clone(),
            None => {
                let athlete: wire::Athlete =
                    api::get(ctx, api::url(ctx, "athlete")?, access_token).await?;
                athlete.id.to_string()
            }
        };
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
        match data_type {
            DataType::Athlete => {
                let athlete: wire::Athlete =
                    api::get(ctx, api::url(ctx, "athlete")?, access_token).await?;
                Ok(vec![mapper::athlete(&athlete).into()])
            }
            DataType::Activity => activities(ctx, access_token, range).await,
            other => Err(ProviderError::Unsupported(other)),
        }
    }

    /// `POST /oauth/deauthorize` with the access token, which ends the whole grant. An
    /// expired access token is refreshed once for it; a refresh token Strava already
    /// refuses means the grant is gone, which is the goal.
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

    /// Athlete: one read. Activities: one list page, plus
    /// [`ACTIVITY_REQUESTS_PER_DAY`] per day (one recorded activity a day, each read in
    /// detail and with its streams). Days without an activity cost less than charged,
    /// days with two more.
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        let days = u32::try_from((range.end - range.start).num_days() + 1).unwrap_or(u32::MAX);
        match data_type {
            DataType::Athlete => 1,
            DataType::Activity => days
                .saturating_mul(ACTIVITY_REQUESTS_PER_DAY)
                .saturating_add(1),
            _ => 0,
        }
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }

    /// The subscription handshake and unsigned events ([`push`]).
    fn push(
        &self,
        creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        push::handle(creds, request)
    }

    /// Keeps the app's one subscription pointing at `push_url`. Strava subscriptions do
    /// not expire, so nothing needs to run again until the next start-up.
    async fn renew_subscriptions(
        &self,
        ctx: &ProviderCtx,
        push_url: &Url,
    ) -> Result<Option<DateTime<Utc>>, ProviderError> {
        super::subscriptions::upkeep(ctx, push_url).await?;
        Ok(None)
    }
}

/// Activities starting on the local days of `range`: the list, then each one's detailed
/// representation (calories, laps, device) and, unless entered by hand, its streams.
async fn activities(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let listed = api::list_activities(ctx, token, range).await?;
    let mut records = Vec::new();
    for summary in listed {
        let day = summary
            .start_date
            .with_timezone(&mapper::activity_offset(&summary))
            .date_naive();
        if day < range.start || day > range.end {
            continue;
        }
        let Some(detailed) = api::activity(ctx, token, summary.id).await? else {
            continue;
        };
        let streams = if detailed.manual == Some(true) {
            None
        } else {
            api::streams(ctx, token, summary.id).await?
        };
        records.push(mapper::activity(&detailed, streams.as_ref()).into());
    }
    Ok(records)
}

/// `POST <deauthorize url>` with `access_token` in the form.
async fn deauthorize(
    ctx: &ProviderCtx,
    settings: &OAuthSettings,
    access_token: &SecretString,
) -> Result<(), ProviderError> {
    let Some(url) = &settings.revoke_url else {
        return Ok(());
    };
    let response = ctx
        .http
        .post(url.clone())
        .form(&[("access_token", access_token.expose_secret())])
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
    fn oauth_settings_follow_strava_documentation() {
        let Some(provider) = StravaProvider::production() else {
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
        assert_eq!(oauth.client_auth, ClientAuth::RequestBody);
        assert_eq!(oauth.scope_separator, ",");
    }

    #[test]
    fn a_base_puts_strava_paths_under_it() {
        let oauth = oauth::settings_below_base(
            "http://127.0.0.1:4000/strava",
            StravaProvider::with_base,
            "oauth/authorize",
            "oauth/token",
        );
        assert_eq!(
            oauth.revoke_url.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:4000/strava/oauth/deauthorize")
        );
    }

    #[test]
    fn activities_are_charged_a_page_and_two_reads_a_day() {
        let Some(provider) = StravaProvider::production() else {
            panic!("production URLs parse");
        };
        let day = |text| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default();
        let week = FetchRange {
            start: day("2026-03-01"),
            end: day("2026-03-07"),
        };
        assert_eq!(provider.request_cost(DataType::Activity, week), 15);
        assert_eq!(provider.request_cost(DataType::Athlete, week), 1);
        assert_eq!(provider.request_cost(DataType::Sleep, week), 0);
        let backwards = FetchRange {
            start: week.end,
            end: week.start,
        };
        assert_eq!(provider.request_cost(DataType::Activity, backwards), 0);
    }
}
