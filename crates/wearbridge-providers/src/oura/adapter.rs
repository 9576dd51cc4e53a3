//! The OURA [`Provider`]: OAuth settings, paged fetches, revocation, push handling and
//! webhook subscription upkeep against `api.ouraring.com` (providers.md §2.1–2.5, Oura
//! OpenAPI 1.29), or the same paths under the simulator's `/oura/`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;
use wearbridge_model::DataType;

use super::wire::OnDay;
use super::{mapper, push, wire};
use crate::error;
use crate::http::{accept_status, follow_next_token, get_json};
use crate::module::{DataTypeSupport, ProviderInfo, SetupKind};
use crate::oauth::{self, ClientAuth, OAuthSettings, TokenSet};
use crate::{
    FetchRange, Provider, ProviderAccount, ProviderCredentials, ProviderCtx, ProviderError,
    PushAnswer, PushError, PushRequest, TerraRecordData,
};

/// Oura's production endpoints.
pub const AUTHORIZE_URL: &str = "https://cloud.ouraring.com/oauth/authorize";
pub const TOKEN_URL: &str = "https://api.ouraring.com/oauth/token";
pub const REVOKE_URL: &str = "https://api.ouraring.com/oauth/revoke";
pub const API_BASE: &str = "https://api.ouraring.com/";

/// Scopes for everything this adapter fetches (bare names; providers.md §2.1): `daily`
/// (sleep, daily_activity, daily_readiness, daily_sleep, daily_stress, rest_mode_period),
/// `heartrate`, `workout`, `session`, `spo2Daily` (daily_spo2), `personal` + `email`
/// (personal_info), `tag` (enhanced_tag), `heart_health` (vO2_max), `ring_configuration`.
pub const SCOPES: [&str; 10] = [
    "personal",
    "email",
    "daily",
    "heartrate",
    "workout",
    "session",
    "spo2Daily",
    "tag",
    "heart_health",
    "ring_configuration",
];

/// Types [`OuraProvider::fetch`] serves (Oura offers no nutrition; menstruation needs the
/// gated `daily_cycle_phases`, not mapped yet).
const SUPPORTED_TYPES: [DataType; 5] = [
    DataType::Activity,
    DataType::Athlete,
    DataType::Body,
    DataType::Daily,
    DataType::Sleep,
];

/// Static facts of OURA.
pub const OURA: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "Oura",
    icon_path: "/static/icons/oura.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport {
        activity: true,
        body: true,
        nutrition: false,
        daily: true,
        sleep: true,
        menstruation: false,
    },
    sdk_only: false,
};

/// The registry's builder: Oura's real endpoints, or the same paths under `base`.
pub fn build(base: Option<&Url>) -> Option<Arc<dyn Provider>> {
    Some(Arc::new(OuraProvider::new(base)?))
}

/// Oura's `heartrate` collection accepts at most 30 days per request.
const HEARTRATE_MAX_DAYS: u64 = 30;
/// The dated collections of a Terra Daily, merged into one record per day; the Daily
/// fetch also reads `ring_configuration` (one more request, no dates).
const DAILY_COLLECTIONS: [&str; 7] = [
    "daily_activity",
    "daily_readiness",
    "daily_sleep",
    "daily_stress",
    "vO2_max",
    "enhanced_tag",
    "rest_mode_period",
];
/// Pages of `ring_configuration` followed at most (a person has a handful of rings).
const MAX_RING_PAGES: usize = 10;
/// The collections of Terra Activities.
const ACTIVITY_COLLECTIONS: [&str; 2] = ["workout", "session"];

/// The OURA adapter.
#[derive(Debug, Clone)]
pub struct OuraProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

impl OuraProvider {
    /// The adapter for Oura's production OAuth endpoints.
    pub fn production() -> Option<OuraProvider> {
        Self::new(None)
    }

    /// The adapter with Oura's documented OAuth paths (`oauth/authorize`, `oauth/token`,
    /// `oauth/revoke`) under `base`, as the simulator serves them (`<sim>/oura/`).
    pub fn with_base(base: &Url) -> Option<OuraProvider> {
        Self::new(Some(base))
    }

    fn new(base: Option<&Url>) -> Option<OuraProvider> {
        let [authorize_url, token_url, revoke_url] = oauth::endpoints(
            base,
            [AUTHORIZE_URL, TOKEN_URL, REVOKE_URL],
            ["oauth/authorize", "oauth/token", "oauth/revoke"],
        )?;
        Some(OuraProvider {
            info: OURA,
            // Oura documents no PKCE; client credentials go in the form body.
            oauth: OAuthSettings::new(authorize_url, token_url, ClientAuth::RequestBody, &SCOPES)
                .with_revoke_url(revoke_url),
        })
    }
}

#[async_trait]
impl Provider for OuraProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let info: wire::PersonalInfo = get_json(
            &ctx.http,
            collection_url(ctx, "personal_info")?,
            access_token,
        )
        .await?;
        Ok(ProviderAccount {
            provider_user_id: info.id,
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
        let token = access_token;
        let records: Vec<TerraRecordData> = match data_type {
            DataType::Athlete => {
                let info: wire::PersonalInfo =
                    get_json(&ctx.http, collection_url(ctx, "personal_info")?, token).await?;
                vec![mapper::athlete(&info).into()]
            }
            DataType::Sleep => list::<wire::Sleep>(ctx, token, "sleep", range)
                .await?
                .iter()
                .filter_map(mapper::sleep)
                .map(Into::into)
                .collect(),
            DataType::Daily => daily(ctx, token, range).await?,
            DataType::Activity => {
                let [workout, session] = ACTIVITY_COLLECTIONS;
                let workouts = list::<wire::Workout>(ctx, token, workout, range).await?;
                let sessions = list::<wire::Session>(ctx, token, session, range).await?;
                workouts
                    .iter()
                    .map(|workout| mapper::workout(workout).into())
                    .chain(
                        sessions
                            .iter()
                            .map(|session| mapper::session(session).into()),
                    )
                    .collect()
            }
            DataType::Body => body(ctx, token, range).await?,
            other => return Err(ProviderError::Unsupported(other)),
        };
        Ok(records)
    }

    /// Oura revokes with the token as a query parameter (`/oauth/revoke?access_token=`),
    /// not RFC 7009's form; the access token ends the whole grant.
    async fn revoke(&self, ctx: &ProviderCtx, tokens: &TokenSet) -> Result<(), ProviderError> {
        let Some(revoke_url) = &self.oauth.revoke_url else {
            return Ok(());
        };
        let mut url = revoke_url.clone();
        url.query_pairs_mut()
            .append_pair("access_token", tokens.access_token.expose_secret());
        let response = ctx
            .http
            .get(url)
            .send()
            .await
            .map_err(|error| error::from_transport(&error))?;
        // 401: the token is already revoked or expired, which is the goal.
        accept_status(response, &[reqwest::StatusCode::UNAUTHORIZED]).await
    }

    /// One request per collection read (Oura's pages hold a collection's documents of
    /// the range), plus one per [`HEARTRATE_MAX_DAYS`]-day heart-rate window for Body.
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        let collections = match data_type {
            DataType::Athlete | DataType::Sleep => 1,
            DataType::Daily => DAILY_COLLECTIONS.len() + 1,
            DataType::Activity => ACTIVITY_COLLECTIONS.len(),
            DataType::Body => 1 + heartrate_windows(range).len(),
            _ => 0,
        };
        u32::try_from(collections).unwrap_or(u32::MAX)
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }

    /// Verification handshake and signed notifications ([`push`]).
    fn push(
        &self,
        creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        push::handle(creds, request)
    }

    /// Keeps one subscription per (mapped data type, create/update) pointing at
    /// `push_url`: creates missing ones (Oura verifies the callback first), moves ones
    /// pointing elsewhere, renews those expiring within [`RENEW_MARGIN`].
    async fn renew_subscriptions(
        &self,
        ctx: &ProviderCtx,
        push_url: &Url,
    ) -> Result<Option<DateTime<Utc>>, ProviderError> {
        super::subscriptions::upkeep(ctx, push_url, Utc::now()).await
    }

    /// Subscriptions lapse if renewal fails and Oura drops notifications it cannot
    /// deliver, so recent days are also polled.
    fn poll_interval(&self) -> Option<Duration> {
        Some(POLL_INTERVAL)
    }
}

/// How often connections are polled besides push.
pub const POLL_INTERVAL: Duration = Duration::from_secs(6 * 3_600);
pub use super::subscriptions::RENEW_MARGIN;

/// Daily records: one per local day, every Daily collection of that day merged into it
/// (the store keeps one Daily per day, so separate records would overwrite each other):
/// the activity day first, then readiness (recovery score), daily sleep (sleep score),
/// stress, VO2 max and tags; then the ring worn that day as the device.
///
/// `enhanced_tag`, `vO2_max` and `ring_configuration` need scopes of their own (`tag`,
/// `heart_health`, `ring_configuration`) that a person may leave unticked: once
/// daily_activity has answered, the token is good, so a 401/403 on those three means a
/// missing scope and they are read as empty instead of failing the whole Daily.
async fn daily(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let [activity, readiness, sleep, stress, vo2, tags, rest] = DAILY_COLLECTIONS;
    let activity = list::<wire::DailyActivity>(ctx, token, activity, range).await?;
    let readiness = list::<wire::DailyReadiness>(ctx, token, readiness, range).await?;
    let sleep = list::<wire::DailySleep>(ctx, token, sleep, range).await?;
    let stress = list::<wire::DailyStress>(ctx, token, stress, range).await?;
    let vo2 = granted(list::<wire::Vo2Max>(ctx, token, vo2, range).await)?;
    let tags = granted(list::<wire::EnhancedTag>(ctx, token, tags, range).await)?;
    let rest = list::<wire::RestModePeriod>(ctx, token, rest, range).await?;
    let rings = granted(
        paged::<wire::RingConfiguration>(ctx, token, "ring_configuration", &[], MAX_RING_PAGES)
            .await,
    )?;
    let parts = activity
        .iter()
        .filter_map(mapper::daily_activity)
        .chain(readiness.iter().filter_map(mapper::daily_readiness))
        .chain(sleep.iter().filter_map(mapper::daily_sleep))
        .chain(stress.iter().filter_map(mapper::daily_stress))
        .chain(vo2.iter().filter_map(mapper::vo2_max))
        .chain(mapper::enhanced_tags(&tags))
        .chain(mapper::rest_mode_periods(&rest));
    let mut days: Vec<(NaiveDate, wearbridge_model::Daily)> = Vec::new();
    for part in parts {
        let date = part.metadata.start_time.local_date();
        // Rest mode periods come whole; their entries may fall outside the range.
        if date < range.start || date > range.end {
            continue;
        }
        match days.iter_mut().find(|(day, _)| *day == date) {
            Some((_, daily)) => mapper::merge_daily(daily, part),
            None => days.push((date, part)),
        }
    }
    for (date, daily) in &mut days {
        if let Some(ring) = mapper::ring_on(&rings, *date) {
            daily.device_data = Some(mapper::ring_device(ring));
        }
    }
    Ok(days.into_iter().map(|(_, daily)| daily.into()).collect())
}

/// A collection behind a scope the person may not have granted: 401/403 reads as empty
/// (only after another collection answered with the same token; see [`daily`]).
fn granted<T>(result: Result<Vec<T>, ProviderError>) -> Result<Vec<T>, ProviderError> {
    match result {
        Err(ProviderError::Unauthorized(_)) => Ok(Vec::new()),
        other => other,
    }
}

/// Body records: nightly SpO2 and heart-rate readings (the latter in 30-day windows).
async fn body(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let mut records: Vec<TerraRecordData> =
        list::<wire::DailySpo2>(ctx, token, "daily_spo2", range)
            .await?
            .iter()
            .filter_map(mapper::daily_spo2)
            .map(Into::into)
            .collect();
    for (start, end) in heartrate_windows(range) {
        let readings = heartrate_window(ctx, token, start, end).await?;
        records.extend(mapper::heartrate(&readings).into_iter().map(Into::into));
    }
    Ok(records)
}

/// `range` in consecutive windows of at most [`HEARTRATE_MAX_DAYS`] days.
fn heartrate_windows(range: FetchRange) -> Vec<(NaiveDate, NaiveDate)> {
    range
        .chunks(HEARTRATE_MAX_DAYS)
        .into_iter()
        .map(|window| (window.start, window.end))
        .collect()
}

async fn heartrate_window(
    ctx: &ProviderCtx,
    token: &SecretString,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<wire::HeartRate>, ProviderError> {
    let params = [
        ("start_datetime", format!("{start}T00:00:00")),
        ("end_datetime", format!("{end}T23:59:59")),
    ];
    paged(ctx, token, "heartrate", &params, 100_000).await
}

/// Every document of collection `name` filed under the days of `range`.
///
/// Oura matches each document by its own timestamp (daily_activity at 04:00 local, a
/// sleep by when it ends) and reads a date-only `end_date` as midnight, so
/// `end_date=<last day>` silently drops that day's activity and sleep
/// (the-momentum/open-wearables#1161). The query therefore asks for one more day at each
/// end, in any time zone, and keeps the documents whose `day` is in `range`.
async fn list<T: DeserializeOwned + OnDay>(
    ctx: &ProviderCtx,
    token: &SecretString,
    name: &str,
    range: FetchRange,
) -> Result<Vec<T>, ProviderError> {
    let FetchRange {
        start: before,
        end: after,
    } = range.widened(1, 1);
    let days = (after - before).num_days().saturating_add(1);
    let params = [
        ("start_date", before.format("%Y-%m-%d").to_string()),
        ("end_date", after.format("%Y-%m-%d").to_string()),
    ];
    // A page holds at least one document and a day a handful; far more pages means a loop.
    let max_pages = usize::try_from(days)
        .unwrap_or(usize::MAX)
        .saturating_mul(MAX_DOCS_PER_DAY)
        .saturating_add(1);
    let items: Vec<T> = paged(ctx, token, name, &params, max_pages).await?;
    Ok(items
        .into_iter()
        .filter(|item| {
            item.on_day()
                .is_none_or(|day| range.start <= day && day <= range.end)
        })
        .collect())
}

/// Generous bound on documents per day (workouts and sessions), for the page guard.
const MAX_DOCS_PER_DAY: usize = 50;

/// Follows `next_token` until it is null, at most `max_pages` pages.
async fn paged<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    token: &SecretString,
    name: &str,
    params: &[(&str, String)],
    max_pages: usize,
) -> Result<Vec<T>, ProviderError> {
    let url = collection_url(ctx, name)?;
    let label = format!("OURA {name}");
    follow_next_token(
        &label,
        &url,
        params,
        "next_token",
        max_pages,
        |url| async move {
            let page: wire::Page<T> = get_json(&ctx.http, url, token).await?;
            Ok((page.data, page.next_token))
        },
    )
    .await
}

/// `<api_base>/v2/usercollection/<name>`.
fn collection_url(ctx: &ProviderCtx, name: &str) -> Result<Url, ProviderError> {
    crate::module::with_trailing_slash(&ctx.api_base)
        .join(&format!("v2/usercollection/{name}"))
        .map_err(|error| ProviderError::Malformed(format!("OURA API URL: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_settings_follow_oura_documentation() {
        let Some(provider) = OuraProvider::production() else {
            panic!("production URLs parse");
        };
        let oauth = provider.oauth();
        assert_eq!(oauth.authorize_url.as_str(), AUTHORIZE_URL);
        assert_eq!(oauth.token_url.as_str(), TOKEN_URL);
        assert!(!oauth.pkce);
        assert_eq!(oauth.client_auth, ClientAuth::RequestBody);
        assert!(oauth.scopes.iter().any(|scope| scope == "spo2Daily"));
    }

    #[test]
    fn a_base_puts_oura_paths_under_it() {
        let oauth = oauth::settings_below_base(
            "http://127.0.0.1:4000/oura",
            OuraProvider::with_base,
            "oauth/authorize",
            "oauth/token",
        );
        assert_eq!(
            oauth.revoke_url.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:4000/oura/oauth/revoke")
        );
    }
}
