//! The GOOGLE_HEALTH [`Provider`]: Google OAuth 2.0 (PKCE, offline access for a refresh
//! token, revocation at Google's revoke endpoint), paged data-point reads per data type,
//! webhook deliveries ([`super::push`]) and polling for the types Google does not notify.
//! Facts from the Google Health API v4 discovery document (our condensed reference) and
//! providers.md §8.2/§8.4.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use url::Url;
use wearbridge_model::DataType;

use super::fetch::{self, BODY_KINDS, DAILY_KINDS, EXERCISE, Kind, NUTRITION_KINDS, SLEEP_KINDS};
use super::{mapper, push, wire};
use crate::module::{DataTypeSupport, ProviderInfo, SetupKind};
use crate::oauth::{self, ClientAuth, OAuthSettings};
use crate::{
    FetchRange, Provider, ProviderAccount, ProviderCredentials, ProviderCtx, ProviderError,
    PushAnswer, PushError, PushRequest, TerraRecordData, http,
};

/// Google's OAuth endpoints (providers.md §8.2) and the Health API host.
pub const AUTHORIZE_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
pub const REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";
pub const API_BASE: &str = "https://health.googleapis.com/";
/// The same endpoints' paths below one base (the simulator's `<sim>/google_health/`).
const OAUTH_PATHS: [&str; 3] = ["o/oauth2/v2/auth", "token", "revoke"];

/// Read-only scopes of the data this adapter reads, as the v4 discovery document names
/// them (nutrition and hydration logs have no scope of their own there; see
/// docs/DECISIONS.md).
pub const SCOPES: [&str; 3] = [
    "https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly",
    "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly",
    "https://www.googleapis.com/auth/googlehealth.sleep.readonly",
];

/// Google's documented per-user limit: 300 requests a minute (providers.md §8.4).
pub const USER_REQUESTS_PER_MINUTE: u32 = 300;
/// And per project: 120,000 a minute.
pub const APP_REQUESTS_PER_MINUTE: u32 = 120_000;
/// Polling keeps the types Google does not notify current (its subscriptions cover
/// altitude, distance, floors, sleep, steps and weight only): Terra's default period for
/// periodically fetched providers (terra-api-notes F, 15 minutes).
pub const POLL_INTERVAL: Duration = Duration::from_secs(15 * 60);

const SUPPORTED_TYPES: [DataType; 5] = [
    DataType::Activity,
    DataType::Body,
    DataType::Daily,
    DataType::Sleep,
    DataType::Nutrition,
];

/// Static facts of GOOGLE_HEALTH.
pub const GOOGLE_HEALTH: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "Google Health (Fitbit, Pixel)",
    icon_path: "/static/icons/google_health.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport {
        activity: true,
        body: true,
        nutrition: true,
        daily: true,
        sleep: true,
        menstruation: false,
    },
    sdk_only: false,
};

/// The Google Health adapter.
#[derive(Debug, Clone)]
pub struct GoogleHealthProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

/// The registry's constructor: Google's real URLs, or the same paths under `base`.
pub fn build(base: Option<&Url>) -> Option<Arc<dyn Provider>> {
    Some(Arc::new(GoogleHealthProvider::new(base)?))
}

impl GoogleHealthProvider {
    pub fn new(base: Option<&Url>) -> Option<GoogleHealthProvider> {
        let [authorize_url, token_url, revoke_url] =
            oauth::endpoints(base, [AUTHORIZE_URL, TOKEN_URL, REVOKE_URL], OAUTH_PATHS)?;
        let mut settings =
            OAuthSettings::new(authorize_url, token_url, ClientAuth::RequestBody, &SCOPES)
                .with_pkce()
                .with_revoke_url(revoke_url);
        // Google issues a refresh token only for `access_type=offline`, and again on a
        // reconnect only with `prompt=consent`; `include_granted_scopes` keeps scopes the
        // user granted earlier (Google's web-server OAuth guide).
        settings.extra_authorize_params = vec![
            ("access_type".to_owned(), "offline".to_owned()),
            ("prompt".to_owned(), "consent".to_owned()),
            ("include_granted_scopes".to_owned(), "true".to_owned()),
        ];
        Some(GoogleHealthProvider {
            info: GOOGLE_HEALTH,
            oauth: settings,
        })
    }
}

/// The types read for a Terra type.
fn kinds(data_type: DataType) -> &'static [Kind] {
    match data_type {
        DataType::Activity => &[EXERCISE],
        DataType::Sleep => &SLEEP_KINDS,
        DataType::Daily => &DAILY_KINDS,
        DataType::Body => &BODY_KINDS,
        DataType::Nutrition => &NUTRITION_KINDS,
        _ => &[],
    }
}

fn in_range(date: chrono::NaiveDate, range: FetchRange) -> bool {
    range.start <= date && date <= range.end
}

/// A record's local start date (the day Terra files it under).
fn start_date(record: &TerraRecordData) -> Option<chrono::NaiveDate> {
    use wearbridge_model::TerraRecord;
    match record {
        TerraRecordData::Activity(record) => record.local_date(),
        TerraRecordData::Athlete(record) => record.local_date(),
        TerraRecordData::Body(record) => record.local_date(),
        TerraRecordData::Daily(record) => record.local_date(),
        TerraRecordData::Menstruation(record) => record.local_date(),
        TerraRecordData::Nutrition(record) => record.local_date(),
        TerraRecordData::Sleep(record) => record.local_date(),
    }
}

#[async_trait]
impl Provider for GoogleHealthProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    /// `GET v4/users/me/identity`: `healthUserId` names the account in notifications.
    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let identity: wire::Identity =
            http::get_json(&ctx.http, fetch::url(ctx, "identity")?, access_token).await?;
        let provider_user_id = identity
            .health_user_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ProviderError::Malformed("identity has no healthUserId".into()))?;
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
        if !SUPPORTED_TYPES.contains(&data_type) {
            return Err(ProviderError::Unsupported(data_type));
        }
        if range.start > range.end {
            return Ok(Vec::new());
        }
        let points = fetch::list_all(ctx, access_token, kinds(data_type), range).await?;
        Ok(map(data_type, &points)
            .into_iter()
            .filter(|record| start_date(record).is_some_and(|date| in_range(date, range)))
            .collect())
    }

    /// One request per data type read (the first page; a month of minute heart rate is
    /// five pages, which the budget charges as they happen).
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        u32::try_from(kinds(data_type).len()).unwrap_or(u32::MAX)
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }

    fn push(
        &self,
        creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        push::handle(creds, request)
    }

    fn poll_interval(&self) -> Option<Duration> {
        Some(POLL_INTERVAL)
    }
}

/// Maps the points read for `data_type` (pure; `map_source` shares it).
pub fn map(data_type: DataType, points: &[wire::DataPoint]) -> Vec<TerraRecordData> {
    match data_type {
        DataType::Activity => points
            .iter()
            .filter_map(mapper::activity)
            .map(Into::into)
            .collect(),
        DataType::Sleep => mapper::sleeps(points).into_iter().map(Into::into).collect(),
        DataType::Daily => mapper::dailies(points)
            .into_iter()
            .map(Into::into)
            .collect(),
        DataType::Body => mapper::bodies(points).into_iter().map(Into::into).collect(),
        DataType::Nutrition => mapper::nutrition(points)
            .into_iter()
            .map(Into::into)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_follows_googles_web_server_flow() {
        let Some(provider) = GoogleHealthProvider::new(None) else {
            panic!("production URLs parse");
        };
        let oauth = provider.oauth();
        assert_eq!(oauth.authorize_url.as_str(), AUTHORIZE_URL);
        assert_eq!(oauth.token_url.as_str(), TOKEN_URL);
        assert_eq!(oauth.revoke_url.as_ref().map(Url::as_str), Some(REVOKE_URL));
        assert!(oauth.pkce);
        assert_eq!(oauth.client_auth, ClientAuth::RequestBody);
        assert!(
            oauth
                .extra_authorize_params
                .contains(&("access_type".to_owned(), "offline".to_owned()))
        );
        oauth::settings_below_base(
            "http://127.0.0.1:4000/google_health",
            |base| GoogleHealthProvider::new(Some(base)),
            "o/oauth2/v2/auth",
            "token",
        );
    }

    #[test]
    fn a_fetch_costs_one_request_per_data_type() {
        let Some(provider) = GoogleHealthProvider::new(None) else {
            panic!("builds");
        };
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 5, d).unwrap_or_default();
        let week = FetchRange {
            start: day(1),
            end: day(7),
        };
        assert_eq!(provider.request_cost(DataType::Body, week), 8);
        // Daily reads `daily-vo2-max` too; Sleep reads `daily-respiratory-rate` with the sessions.
        assert_eq!(provider.request_cost(DataType::Daily, week), 8);
        assert_eq!(provider.request_cost(DataType::Sleep, week), 2);
        assert_eq!(provider.request_cost(DataType::Menstruation, week), 0);
    }
}
