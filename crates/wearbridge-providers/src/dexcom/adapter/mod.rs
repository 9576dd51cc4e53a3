//! The Dexcom [`Provider`]: OAuth settings, windowed fetches of EGVs and events bounded by
//! `/dataRange`, and polling (Dexcom has no push). Facts from Dexcom's developer reference
//! (`developer.dexcom.com`: Authentication, Endpoint Overview, the v3 operations) and
//! providers.md §9.

pub mod fetch;

use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use url::Url;
use wearbridge_model::DataType;

use super::mapper;
use super::wire::{Egv, Event};
use crate::module::{DataTypeSupport, ProviderInfo, SetupKind};
use crate::oauth::{self, ClientAuth, OAuthSettings};
use crate::{FetchRange, Provider, ProviderAccount, ProviderCtx, ProviderError, TerraRecordData};
use fetch::{collection, data_range, in_range, window_count};

/// Dexcom's US production host, the default; OAuth and data share it.
pub const API_BASE: &str = "https://api.dexcom.com/";
/// Dexcom's sandbox host (SandboxUser1–7; 7 has G7 data). An operator points both
/// `auth_base_url` and `api_base_url` of `[providers.DEXCOM]` here to test an app.
pub const SANDBOX_BASE: &str = "https://sandbox-api.dexcom.com/";
/// Production for accounts outside the US (`api_base_url` and `auth_base_url`).
pub const EU_BASE: &str = "https://api.dexcom.eu/";
/// Production for accounts in Japan.
pub const JP_BASE: &str = "https://api.dexcom.jp/";
pub const AUTHORIZE_URL: &str = "https://api.dexcom.com/v2/oauth2/login";
pub const TOKEN_URL: &str = "https://api.dexcom.com/v2/oauth2/token";
/// The OAuth paths below any of the hosts (v2 paths serve the v3 API too).
const AUTHORIZE_PATH: &str = "v2/oauth2/login";
const TOKEN_PATH: &str = "v2/oauth2/token";

/// Dexcom's only scope; it grants read access and a refresh token.
pub const SCOPES: [&str; 1] = ["offline_access"];
/// Dexcom's limit: 60,000 calls per app per hour (Endpoint Overview, "Request Rate
/// Limits"; HTTP 429 beyond).
pub const REQUESTS_PER_HOUR: u32 = 60_000;
/// How often a connection is polled: Terra's default for periodically fetched providers
/// (terra-api-notes F: "every 15 min by default"), Dexcom among them. A poll is about seven
/// calls, so one app's 60,000 an hour poll about 2,000 users at this rate; larger
/// deployments raise `sync.poll_interval_secs.DEXCOM`.
pub const POLL_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// Glucose and insulin (Body), carbohydrates (Nutrition), exercise (Activity).
const SUPPORTED_TYPES: [DataType; 3] = [DataType::Activity, DataType::Body, DataType::Nutrition];

/// Static facts of Dexcom.
pub const DEXCOM: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "Dexcom",
    icon_path: "/static/icons/dexcom.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport {
        activity: true,
        body: true,
        nutrition: true,
        daily: false,
        sleep: false,
        menstruation: false,
    },
    sdk_only: false,
};

/// The Dexcom adapter.
#[derive(Debug, Clone)]
pub struct DexcomProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

/// The registry's constructor: Dexcom's real URLs, or its documented paths under `base`
/// (the simulator, or the sandbox/EU/Japan host an operator configures).
pub fn build(base: Option<&Url>) -> Option<std::sync::Arc<dyn Provider>> {
    Some(std::sync::Arc::new(DexcomProvider::new(base)?))
}

impl DexcomProvider {
    /// The adapter for `base` (`None`: the US production host).
    pub fn new(base: Option<&Url>) -> Option<DexcomProvider> {
        let [authorize_url, token_url] = oauth::endpoints(
            base,
            [AUTHORIZE_URL, TOKEN_URL],
            [AUTHORIZE_PATH, TOKEN_PATH],
        )?;
        Some(DexcomProvider {
            info: DEXCOM,
            // Client id and secret go in the token form (Dexcom's Authentication page); no
            // PKCE is documented; there is no revocation endpoint: a user removes an app's
            // access in their Dexcom account, so `revoke` (no URL) makes no call.
            oauth: OAuthSettings::new(authorize_url, token_url, ClientAuth::RequestBody, &SCOPES),
        })
    }
}

#[async_trait]
impl Provider for DexcomProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    /// Dexcom has no profile endpoint; every answer names the account in `userId`, and
    /// `/dataRange` is the cheapest one.
    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let range = data_range(ctx, access_token).await?;
        let provider_user_id = range
            .user_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ProviderError::Malformed("Dexcom dataRange has no userId".into()))?;
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
        let token = access_token;
        let spans = data_range(ctx, token).await?;
        let events: Vec<Event> =
            collection(ctx, token, "events", spans.events.as_ref(), range).await?;
        let records: Vec<TerraRecordData> = match data_type {
            DataType::Body => {
                let egvs: Vec<Egv> =
                    collection(ctx, token, "egvs", spans.egvs.as_ref(), range).await?;
                mapper::body_days(&egvs, &events)
                    .into_iter()
                    .filter(|body| in_range(body.metadata.start_time.local_date(), range))
                    .map(Into::into)
                    .collect()
            }
            DataType::Nutrition => mapper::nutrition_days(&events)
                .into_iter()
                .filter(|day| in_range(day.metadata.start_time.local_date(), range))
                .map(Into::into)
                .collect(),
            _ => mapper::activities(&events)
                .into_iter()
                .filter(|activity| in_range(activity.metadata.start_time.local_date(), range))
                .map(Into::into)
                .collect(),
        };
        Ok(records)
    }

    /// `/dataRange`, then one request per window of each collection read: events for
    /// every type, EGVs too for Body (an account with data throughout the range).
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end || !SUPPORTED_TYPES.contains(&data_type) {
            return 0;
        }
        let collections = if data_type == DataType::Body { 2 } else { 1 };
        window_count(range)
            .saturating_mul(collections)
            .saturating_add(1)
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }

    fn poll_interval(&self) -> Option<Duration> {
        Some(POLL_INTERVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_settings_follow_dexcom_documentation() {
        let Some(provider) = DexcomProvider::new(None) else {
            panic!("production URLs parse");
        };
        let oauth = provider.oauth();
        assert_eq!(oauth.authorize_url.as_str(), AUTHORIZE_URL);
        assert_eq!(oauth.token_url.as_str(), TOKEN_URL);
        assert_eq!(oauth.scopes, ["offline_access"]);
        assert_eq!(oauth.client_auth, ClientAuth::RequestBody);
        assert!(!oauth.pkce);
        assert_eq!(oauth.revoke_url, None, "Dexcom has no revocation endpoint");
    }

    #[test]
    fn other_hosts_keep_the_documented_paths() {
        oauth::settings_below_base(
            "http://127.0.0.1:4000/dexcom",
            |base| DexcomProvider::new(Some(base)),
            "v2/oauth2/login",
            "v2/oauth2/token",
        );
        let sandbox = Url::parse(SANDBOX_BASE).ok();
        let provider = DexcomProvider::new(sandbox.as_ref());
        assert_eq!(
            provider.map(|p| p.oauth().token_url.to_string()).as_deref(),
            Some("https://sandbox-api.dexcom.com/v2/oauth2/token")
        );
    }

    #[test]
    fn a_fetch_costs_the_data_range_and_a_request_per_window_and_collection() {
        let Some(provider) = DexcomProvider::new(None) else {
            panic!("builds");
        };
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default();
        let week = FetchRange {
            start: day(1),
            end: day(7),
        };
        let month = FetchRange {
            start: day(1),
            end: day(31),
        };
        assert_eq!(provider.request_cost(DataType::Body, week), 3);
        assert_eq!(provider.request_cost(DataType::Nutrition, week), 2);
        assert_eq!(provider.request_cost(DataType::Body, month), 5);
        assert_eq!(provider.request_cost(DataType::Sleep, week), 0);
    }
}
