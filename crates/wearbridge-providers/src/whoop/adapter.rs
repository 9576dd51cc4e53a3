//! The WHOOP [`Provider`]: OAuth settings, paged fetches and revocation against
//! `api.prod.whoop.com` (providers.md §7.1–7.5, WHOOP's OpenAPI document).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;
use wearbridge_model::DataType;

use super::{mapper, push, wire};
use crate::ProviderCredentials;
use crate::error;
use crate::http;
use crate::module::{DataTypeSupport, ProviderInfo, SetupKind, with_trailing_slash};
use crate::oauth::{self, ClientAuth, OAuthSettings, TokenSet};
use crate::push::{PushAnswer, PushError, PushRequest};
use crate::{FetchRange, Provider, ProviderAccount, ProviderCtx, ProviderError, TerraRecordData};

/// WHOOP's production endpoints. The data API lives under `<API_BASE>developer/`.
pub const AUTHORIZE_URL: &str = "https://api.prod.whoop.com/oauth/oauth2/auth";
pub const TOKEN_URL: &str = "https://api.prod.whoop.com/oauth/oauth2/token";
pub const API_BASE: &str = "https://api.prod.whoop.com/";
/// Paths below an API base (real or simulator).
const AUTHORIZE_PATH: &str = "oauth/oauth2/auth";
const TOKEN_PATH: &str = "oauth/oauth2/token";
const DATA_PREFIX: &str = "developer/v2/";

/// Every read scope, plus `offline`, without which WHOOP issues no refresh token.
pub const SCOPES: [&str; 7] = [
    "read:recovery",
    "read:cycles",
    "read:workout",
    "read:sleep",
    "read:profile",
    "read:body_measurement",
    "offline",
];

/// Largest page WHOOP serves (`limit` ≤ 25).
pub const PAGE_LIMIT: u32 = 25;
/// WHOOP's app limits (providers.md §7.5): 100 requests a minute, 10 000 a day.
pub const REQUESTS_PER_MINUTE: u32 = 100;
pub const REQUESTS_PER_DAY: u32 = 10_000;

/// Types [`WhoopProvider::fetch`] serves (WHOOP has no nutrition or menstruation data).
const SUPPORTED_TYPES: [DataType; 5] = [
    DataType::Activity,
    DataType::Athlete,
    DataType::Body,
    DataType::Daily,
    DataType::Sleep,
];

/// Static facts of WHOOP.
pub const WHOOP: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "WHOOP",
    icon_path: "/static/icons/whoop.svg",
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

/// The WHOOP adapter.
#[derive(Debug, Clone)]
pub struct WhoopProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

/// The registry's constructor: WHOOP's real URLs, or its documented paths under `base`.
pub fn build(base: Option<&Url>) -> Option<std::sync::Arc<dyn Provider>> {
    let provider = match base {
        Some(base) => WhoopProvider::with_base(base)?,
        None => WhoopProvider::production()?,
    };
    Some(std::sync::Arc::new(provider))
}

impl WhoopProvider {
    /// The adapter for WHOOP's production OAuth endpoints.
    pub fn production() -> Option<WhoopProvider> {
        Self::with_base(&Url::parse(API_BASE).ok()?)
    }

    /// The adapter with WHOOP's documented OAuth paths joined onto `base` (the real host,
    /// or the simulator's `<sim>/whoop/`).
    pub fn with_base(base: &Url) -> Option<WhoopProvider> {
        let [authorize_url, token_url] = oauth::endpoints(
            Some(base),
            [AUTHORIZE_URL, TOKEN_URL],
            [AUTHORIZE_PATH, TOKEN_PATH],
        )?;
        Some(WhoopProvider {
            info: WHOOP,
            // WHOOP documents no PKCE; client credentials go in the form body. It revokes
            // with an authenticated DELETE on the data API (see `revoke`), not RFC 7009.
            oauth: OAuthSettings::new(authorize_url, token_url, ClientAuth::RequestBody, &SCOPES),
        })
    }
}

/// A token response (RFC 6749 §5.1).
#[derive(serde::Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
}

#[async_trait]
impl Provider for WhoopProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    /// WHOOP posts signed notify-only events (no handshake), signed with the client
    /// secret; each becomes fetches of the days around its send time.
    fn push(
        &self,
        creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        if !request.method.eq_ignore_ascii_case("POST") {
            return Err(PushError::NotSupported(format!(
                "{} (WHOOP has no handshake)",
                request.method
            )));
        }
        let (Some(signature), Some(timestamp)) = (
            request.header(push::SIGNATURE_HEADER),
            request.header(push::TIMESTAMP_HEADER),
        ) else {
            return Err(PushError::BadSignature);
        };
        push::verify_signature(
            creds.client_secret.expose_secret().as_bytes(),
            timestamp,
            request.body,
            signature,
        )
        .map_err(|_| PushError::BadSignature)?;
        let notification = push::parse_notification(request.body)
            .map_err(|error| PushError::Malformed(error.to_string()))?;
        let items = push::items(&notification, timestamp)
            .map_err(|error| PushError::Malformed(error.to_string()))?;
        Ok(PushAnswer::Items(items))
    }

    /// WHOOP's refresh must repeat `scope=offline` to get a new (rotated) refresh token.
    async fn refresh(
        &self,
        ctx: &ProviderCtx,
        refresh_token: &SecretString,
    ) -> Result<TokenSet, ProviderError> {
        let grant = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("scope", "offline"),
        ];
        let response = oauth::post_token_request(&ctx.http, &self.oauth, &ctx.creds, grant).await?;
        let body = http::checked_body(response, classify).await?;
        let tokens: TokenBody = serde_json::from_slice(&body)
            .map_err(|_| ProviderError::Malformed("token response did not parse".into()))?;
        Ok(TokenSet {
            access_token: SecretString::from(tokens.access_token),
            refresh_token: tokens.refresh_token.map(SecretString::from),
            expires_at: tokens.expires_in.and_then(oauth::expires_after),
            scopes: tokens.scope,
            provider_user_id: None,
        })
    }

    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let profile: wire::Profile =
            get(ctx, data_url(ctx, "user/profile/basic")?, access_token).await?;
        Ok(ProviderAccount {
            provider_user_id: profile.user_id,
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
        match data_type {
            DataType::Athlete => {
                let profile: wire::Profile =
                    get(ctx, data_url(ctx, "user/profile/basic")?, token).await?;
                Ok(vec![mapper::athlete(&profile).into()])
            }
            DataType::Activity => Ok(list::<wire::Workout>(ctx, token, "activity/workout", range)
                .await?
                .iter()
                .map(mapper::workout)
                .filter(|activity| in_range(activity.metadata.start_time.local_date(), range))
                .map(Into::into)
                .collect()),
            // A night belongs to the day on which it ends.
            DataType::Sleep => Ok(list::<wire::Sleep>(ctx, token, "activity/sleep", range)
                .await?
                .iter()
                .map(mapper::sleep)
                .filter(|sleep| in_range(sleep.metadata.end_time.local_date(), range))
                .map(Into::into)
                .collect()),
            DataType::Daily => daily(ctx, token, range).await,
            DataType::Body => body(ctx, token, range, Utc::now()).await,
            other => Err(ProviderError::Unsupported(other)),
        }
    }

    /// `DELETE /developer/v2/user/access` with the access token (204): ends the grant and
    /// the app's webhooks for this user.
    async fn revoke(&self, ctx: &ProviderCtx, tokens: &TokenSet) -> Result<(), ProviderError> {
        let response = ctx
            .http
            .delete(data_url(ctx, "user/access")?)
            .header(
                AUTHORIZATION,
                format!("Bearer {}", tokens.access_token.expose_secret()),
            )
            .send()
            .await
            .map_err(|error| error::from_transport(&error))?;
        let (status, headers, body) = http::read(response).await?;
        // 401: the token is already revoked or expired, which is the goal.
        if status.is_success() || status == StatusCode::UNAUTHORIZED {
            return Ok(());
        }
        Err(classify(status, &headers, &body))
    }

    /// Each collection read, paged by [`PAGE_LIMIT`]: cycles, recoveries and sleeps come
    /// one per day of the queried window, workouts count one page. Body adds the body
    /// measurement when today (UTC; the person's offset can move it by a day) is in range.
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        let daily = daily_pages(range);
        match data_type {
            DataType::Athlete | DataType::Activity => 1,
            DataType::Sleep => daily,
            // Cycles and recoveries.
            DataType::Daily => daily.saturating_mul(2),
            // Recoveries and sleeps, and the measurement of today.
            DataType::Body => daily
                .saturating_mul(2)
                .saturating_add(u32::from(in_range(Utc::now().date_naive(), range))),
            _ => 0,
        }
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }
}

/// The UTC days a collection read asks for: a day before `range` to a day after it (end
/// exclusive), so every local day of the range is covered at any offset.
fn query_window(range: FetchRange) -> (NaiveDate, NaiveDate) {
    let window = range.widened(1, 2);
    (window.start, window.end)
}

/// Pages of a once-a-day collection (cycles, recoveries, sleeps) over the query window.
fn daily_pages(range: FetchRange) -> u32 {
    let (start, end) = query_window(range);
    let days = u32::try_from((end - start).num_days().max(1)).unwrap_or(u32::MAX);
    days.div_ceil(PAGE_LIMIT)
}

fn in_range(date: NaiveDate, range: FetchRange) -> bool {
    range.start <= date && date <= range.end
}

/// Daily records: scored cycles, each with the recovery of its cycle merged in.
async fn daily(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let cycles = list::<wire::Cycle>(ctx, token, "cycle", range).await?;
    let recoveries = list::<wire::Recovery>(ctx, token, "recovery", range).await?;
    Ok(cycles
        .iter()
        .filter_map(|cycle| {
            let mut daily = mapper::cycle(cycle)?;
            if !in_range(daily.metadata.start_time.local_date(), range) {
                return None;
            }
            if let Some(recovery) = recoveries.iter().find(|r| r.cycle_id == cycle.id) {
                mapper::merge_recovery(&mut daily, recovery);
            }
            Some(daily.into())
        })
        .collect())
}

/// Body records: each scored recovery on the morning of its sleep, and WHOOP's current
/// height and weight on today's record when today (in the person's latest offset) is in
/// the range.
async fn body(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
    now: DateTime<Utc>,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let recoveries = list::<wire::Recovery>(ctx, token, "recovery", range).await?;
    let sleeps = list::<wire::Sleep>(ctx, token, "activity/sleep", range).await?;
    let mut bodies: Vec<wearbridge_model::Body> = recoveries
        .iter()
        .filter_map(|recovery| {
            let sleep = sleeps
                .iter()
                .find(|sleep| recovery.sleep_id.as_ref() == Some(&sleep.id));
            mapper::recovery(recovery, sleep)
        })
        .filter(|body| in_range(body.metadata.start_time.local_date(), range))
        .collect();
    let offset = latest_offset(&sleeps);
    let observed_at = now.with_timezone(&offset);
    if in_range(observed_at.date_naive(), range) {
        let measurement: wire::BodyMeasurement =
            get(ctx, data_url(ctx, "user/measurement/body")?, token).await?;
        let today = observed_at.date_naive();
        match bodies
            .iter_mut()
            .find(|body| body.metadata.start_time.local_date() == today)
        {
            Some(body) => mapper::merge_body_measurement(body, &measurement, observed_at),
            None => bodies.extend(mapper::body_measurement(&measurement, observed_at)),
        }
    }
    Ok(bodies.into_iter().map(Into::into).collect())
}

/// The offset of the most recent sleep (the person's current local time), UTC if none.
fn latest_offset(sleeps: &[wire::Sleep]) -> FixedOffset {
    sleeps
        .iter()
        .max_by_key(|sleep| sleep.end)
        .and_then(|sleep| sleep.timezone_offset.as_deref())
        .and_then(mapper::parse_offset)
        .unwrap_or_else(|| Utc.fix())
}

/// Every record of collection `name` around `range` ([`query_window`]); the caller keeps
/// the records whose local day is in range.
async fn list<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    token: &SecretString,
    name: &str,
    range: FetchRange,
) -> Result<Vec<T>, ProviderError> {
    let (start, end) = query_window(range);
    let params = [
        ("limit", PAGE_LIMIT.to_string()),
        ("start", format!("{start}T00:00:00.000Z")),
        ("end", format!("{end}T00:00:00.000Z")),
    ];
    // Generous bound: 25 records per page and at most ~10 records per day and collection.
    let days = (end - start).num_days().max(1);
    let max_pages = usize::try_from(days)
        .unwrap_or(usize::MAX)
        .saturating_add(2);
    paged(ctx, token, name, &params, max_pages).await
}

/// Follows `next_token` (sent back as `nextToken`) until it is absent, at most `max_pages`.
async fn paged<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    token: &SecretString,
    name: &str,
    params: &[(&str, String)],
    max_pages: usize,
) -> Result<Vec<T>, ProviderError> {
    let url = data_url(ctx, name)?;
    let label = format!("WHOOP {name}");
    http::follow_next_token(
        &label,
        &url,
        params,
        "nextToken",
        max_pages,
        |url| async move {
            let page: wire::Page<T> = get(ctx, url, token).await?;
            Ok((page.records, page.next_token))
        },
    )
    .await
}

/// `<api_base>developer/v2/<path>`.
fn data_url(ctx: &ProviderCtx, path: &str) -> Result<Url, ProviderError> {
    with_trailing_slash(&ctx.api_base)
        .join(&format!("{DATA_PREFIX}{path}"))
        .map_err(|error| ProviderError::Malformed(format!("WHOOP API URL: {error}")))
}

/// Authenticated GET of one JSON document, failures read by [`classify`].
async fn get<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    url: Url,
    token: &SecretString,
) -> Result<T, ProviderError> {
    http::get_json_classified(&ctx.http, url, token, classify).await
}

/// [`error::from_status`], plus WHOOP's own rate-limit signal: a 429 says when the window
/// resets in `X-RateLimit-Reset` (seconds), usually without `Retry-After`.
fn classify(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ProviderError {
    match error::from_status(status, headers, body) {
        ProviderError::RateLimited { retry_after: None } => ProviderError::RateLimited {
            retry_after: rate_limit_reset(headers),
        },
        other => other,
    }
}

/// `X-RateLimit-Reset`: seconds until the exhausted window resets.
pub fn rate_limit_reset(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get("x-ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn oauth_settings_follow_whoop_documentation() {
        let Some(provider) = WhoopProvider::production() else {
            panic!("production URLs parse");
        };
        let oauth = provider.oauth();
        assert_eq!(oauth.authorize_url.as_str(), AUTHORIZE_URL);
        assert_eq!(oauth.token_url.as_str(), TOKEN_URL);
        assert!(!oauth.pkce);
        assert_eq!(oauth.client_auth, ClientAuth::RequestBody);
        assert!(oauth.scopes.iter().any(|scope| scope == "offline"));
        assert_eq!(oauth.revoke_url, None);
    }

    #[test]
    fn simulator_base_keeps_the_documented_paths() {
        oauth::settings_below_base(
            "http://127.0.0.1:4000/whoop",
            WhoopProvider::with_base,
            "oauth/oauth2/auth",
            "oauth/oauth2/token",
        );
    }

    #[test]
    fn a_429_waits_for_the_rate_limit_window() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("42"));
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &headers, b""),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(42))
            }
        );
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, &headers, b""),
            ProviderError::Unauthorized(_)
        ));
    }
}
