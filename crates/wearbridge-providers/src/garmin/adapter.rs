//! The GARMIN [`Provider`]: OAuth 2.0 with PKCE, pulls by upload time, backfill requests
//! and deregistration against `apis.garmin.com` (providers.md §4, Health API spec v1.2.2).
//!
//! Garmin indexes summaries by *upload* time, not by the day they describe: a pull names
//! an upload window of at most 86 400 s. [`GarminProvider::fetch`] therefore treats the
//! days of a range as upload days (padded by a day on each side for offsets and late
//! syncs), merges what it gets per local day, and drops nothing older than the range: a
//! summary uploaded in the window is current data whatever day it describes. Garmin's
//! intended path is push (see [`super::push`]); on connect the adapter also asks Garmin to
//! backfill history ([`super::BACKFILL_TYPES`]), which Garmin then delivers by push.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Days, NaiveDate, NaiveTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;
use wearbridge_model::DataType;

use super::training::TrainingApi;
use super::{mapper, push, wire};
use crate::config::ProviderCredentials;
use crate::error;
use crate::http::{accept_status, get_json};
use crate::module::{DataTypeSupport, ProviderInfo, SetupKind};
use crate::oauth::{self, ClientAuth, OAuthSettings, TokenSet};
use crate::push::{PushAnswer, PushError, PushRequest};
use crate::workout::WorkoutCalendar;
use crate::{
    FetchRange, HistoryAccess, Provider, ProviderAccount, ProviderCtx, ProviderError,
    TerraRecordData,
};

/// Garmin's production endpoints.
pub const AUTHORIZE_URL: &str = "https://connect.garmin.com/oauth2Confirm";
pub const TOKEN_URL: &str = "https://diauth.garmin.com/di-oauth2-service/oauth/token";
pub const API_BASE: &str = "https://apis.garmin.com/";

/// Longest pull window (spec §7: 24 hours of upload time).
const UPLOAD_WINDOW_S: i64 = 86_400;
/// How many days, today included, an on-demand read pulls by upload window; older days
/// go through the backfill API. A week: the upload days a pull of day D needs (D and the
/// day after, for late syncs) stay inside the window Garmin's pings announce, and the
/// connect-time backfill and pushes keep these days current anyway (DECISIONS.md).
pub const PULLED_DAYS: u32 = 7;
/// Longest backfill request (spec §8: 90 days).
const BACKFILL_CHUNK_DAYS: u64 = 90;

/// The summary endpoints merged into one Terra Daily: `dailies`, `epochs`, `stressDetails`.
const DAILY_ENDPOINTS: [&str; 3] = ["dailies", "epochs", "stressDetails"];
/// The summary endpoints merged into one Terra Body: `bodyComps`, `bloodPressures`,
/// `pulseOx`, `hrv`, `userMetrics`.
const BODY_ENDPOINTS: [&str; 5] = [
    "bodyComps",
    "bloodPressures",
    "pulseOx",
    "hrv",
    "userMetrics",
];
/// Activities: `activityDetails` (with samples), then plain `activities`.
const ACTIVITY_ENDPOINTS: [&str; 2] = ["activityDetails", "activities"];
const SLEEP_ENDPOINT: &str = "sleeps";
const MCT_ENDPOINT: &str = "mct";

const SUPPORTED_TYPES: [DataType; 6] = [
    DataType::Activity,
    DataType::Athlete,
    DataType::Body,
    DataType::Daily,
    DataType::Menstruation,
    DataType::Sleep,
];

/// Static facts of GARMIN (no nutrition: Garmin only reports consumed calories).
pub const GARMIN: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "Garmin",
    icon_path: "/static/icons/garmin.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport {
        activity: true,
        body: true,
        nutrition: false,
        daily: true,
        sleep: true,
        menstruation: true,
    },
    sdk_only: false,
};

/// The GARMIN adapter.
#[derive(Debug, Clone)]
pub struct GarminProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

/// The registry's constructor: real URLs for `None`, Garmin's paths below `base` otherwise.
pub fn build(auth_base: Option<&Url>) -> Option<Arc<dyn Provider>> {
    Some(Arc::new(GarminProvider::new(auth_base)?))
}

impl GarminProvider {
    /// The adapter for Garmin's production OAuth endpoints.
    pub fn production() -> Option<GarminProvider> {
        Self::new(None)
    }

    /// The adapter for Garmin's OAuth paths below one base (`<base>/oauth2Confirm`,
    /// `<base>/di-oauth2-service/oauth/token`), as the simulator serves them.
    pub fn with_auth_base(auth_base: &Url) -> Option<GarminProvider> {
        Self::new(Some(auth_base))
    }

    fn new(base: Option<&Url>) -> Option<GarminProvider> {
        let [authorize_url, token_url] = oauth::endpoints(
            base,
            [AUTHORIZE_URL, TOKEN_URL],
            ["oauth2Confirm", "di-oauth2-service/oauth/token"],
        )?;
        Some(GarminProvider {
            info: GARMIN,
            // No scopes: permissions are set per app and toggled by the user on consent.
            // No RFC 7009 endpoint: revoking is deregistration (see `revoke`).
            oauth: OAuthSettings::new(authorize_url, token_url, ClientAuth::RequestBody, &[])
                .with_pkce(),
        })
    }
}

#[async_trait]
impl Provider for GarminProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    /// The user id, and the permissions the user granted as the account's scopes
    /// (comma-separated, as Terra writes `scopes`), so a later `userPermissionsChange`
    /// can say what was added and removed.
    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let user: wire::UserId =
            get_json(&ctx.http, rest_url(ctx, "user/id")?, access_token).await?;
        Ok(ProviderAccount {
            provider_user_id: user.user_id,
            scopes: permissions(ctx, access_token).await?,
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
        let pull = Pull {
            ctx,
            token: access_token,
            range,
        };
        let records: Vec<TerraRecordData> = match data_type {
            DataType::Athlete => {
                let user: wire::UserId =
                    get_json(&ctx.http, rest_url(ctx, "user/id")?, access_token).await?;
                vec![mapper::athlete(&user).into()]
            }
            DataType::Daily => {
                let [dailies, epochs, stress] = DAILY_ENDPOINTS;
                into(mapper::daily_days(
                    &pull.all(dailies).await?,
                    &pull.all(epochs).await?,
                    &pull.all(stress).await?,
                ))
            }
            DataType::Body => {
                let [comps, pressures, pulse_ox, hrv, metrics] = BODY_ENDPOINTS;
                into(mapper::body_days(mapper::BodySources {
                    body_comps: &pull.all(comps).await?,
                    blood_pressures: &pull.all(pressures).await?,
                    pulse_ox: &pull.all(pulse_ox).await?,
                    hrv: &pull.all(hrv).await?,
                    user_metrics: &pull.all(metrics).await?,
                }))
            }
            DataType::Sleep => pull
                .all::<wire::Sleep>(SLEEP_ENDPOINT)
                .await?
                .iter()
                .filter_map(mapper::sleep)
                .map(Into::into)
                .collect(),
            DataType::Activity => activities(&pull).await?,
            DataType::Menstruation => pull
                .all::<wire::Mct>(MCT_ENDPOINT)
                .await?
                .iter()
                .filter_map(mapper::menstruation)
                .map(Into::into)
                .collect(),
            other => return Err(ProviderError::Unsupported(other)),
        };
        Ok(not_after(records, range.end))
    }

    /// Garmin has no token revocation: the partner deregisters the user
    /// (`DELETE /wellness-api/rest/user/registration`, 204), which ends the grant.
    async fn revoke(&self, ctx: &ProviderCtx, tokens: &TokenSet) -> Result<(), ProviderError> {
        let response = ctx
            .http
            .delete(rest_url(ctx, "user/registration")?)
            .bearer_auth(tokens.access_token.expose_secret())
            .send()
            .await
            .map_err(|error| error::from_transport(&error))?;
        // 401/403: the user is already gone, which is the goal.
        let gone = [
            reqwest::StatusCode::UNAUTHORIZED,
            reqwest::StatusCode::FORBIDDEN,
        ];
        accept_status(response, &gone).await
    }

    /// One request per summary endpoint of the type per upload window (see [`Pull::all`]);
    /// Garmin answers a window with one array, never paged.
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        let endpoints = match data_type {
            DataType::Athlete => return 1,
            DataType::Daily => DAILY_ENDPOINTS.len(),
            DataType::Body => BODY_ENDPOINTS.len(),
            DataType::Activity => ACTIVITY_ENDPOINTS.len(),
            DataType::Sleep | DataType::Menstruation => 1,
            _ => 0,
        };
        u32::try_from(endpoints)
            .unwrap_or(u32::MAX)
            .saturating_mul(upload_windows(range))
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }

    /// Pulls name *upload* windows, and Garmin's terms allow them for recent data only:
    /// days older than [`PULLED_DAYS`] are asked for through the backfill API, which
    /// answers 202 and delivers the summaries by push (spec §8).
    fn history_access(&self) -> HistoryAccess {
        HistoryAccess::ByPushAfterRequest {
            recent_days: PULLED_DAYS,
        }
    }

    /// `GET /backfill/{kind}` for each summary type behind `data_type` over `range`.
    async fn request_history(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        data_type: DataType,
        range: FetchRange,
    ) -> Result<(), ProviderError> {
        for kind in history_endpoints(data_type)? {
            request_backfill(ctx, access_token, kind, range.start, range.end).await?;
        }
        Ok(())
    }

    fn push(
        &self,
        creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        push::handle(creds, request)
    }

    /// Planned workouts go to the user's Garmin Connect calendar (Training API V2).
    fn workout_calendar(&self) -> Option<&dyn WorkoutCalendar> {
        static TRAINING: TrainingApi = TrainingApi;
        Some(&TRAINING)
    }

    /// Asks Garmin to backfill the last [`Provider::backfill_days`] of every summary type
    /// (spec §8); Garmin answers 202 and delivers the history by push. Best effort: a 409
    /// (already requested) or 403 (no historical permission) does not fail the connection.
    async fn on_connect(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        _account: &ProviderAccount,
        _push_url: &Url,
    ) -> Result<(), ProviderError> {
        let today = Utc::now().date_naive();
        let start = today
            .checked_sub_days(Days::new(u64::from(self.backfill_days())))
            .unwrap_or(today);
        for kind in super::BACKFILL_TYPES {
            match request_backfill(ctx, access_token, kind, start, today).await {
                Ok(()) => {}
                Err(error @ (ProviderError::Unauthorized(_) | ProviderError::InvalidGrant(_))) => {
                    return Err(error);
                }
                Err(error) => {
                    tracing::warn!(provider.name = "GARMIN", summary.kind = kind, %error, "backfill request failed");
                }
            }
        }
        Ok(())
    }
}

/// The summary types whose backfill brings `data_type` (the endpoints its pulls merge).
fn history_endpoints(data_type: DataType) -> Result<&'static [&'static str], ProviderError> {
    Ok(match data_type {
        DataType::Daily => &DAILY_ENDPOINTS,
        DataType::Body => &BODY_ENDPOINTS,
        DataType::Activity => &ACTIVITY_ENDPOINTS,
        DataType::Sleep => &[SLEEP_ENDPOINT],
        DataType::Menstruation => &[MCT_ENDPOINT],
        other => return Err(ProviderError::Unsupported(other)),
    })
}

/// `GET /wellness-api/rest/backfill/{kind}` over `start..=end` in ≤ 90-day requests.
/// 202 and 409 (this window was already requested) are both success.
pub async fn request_backfill(
    ctx: &ProviderCtx,
    token: &SecretString,
    kind: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<(), ProviderError> {
    let days = FetchRange { start, end };
    for FetchRange {
        start: from,
        end: to,
    } in days.chunks(BACKFILL_CHUNK_DAYS)
    {
        let mut url = rest_url(ctx, &format!("backfill/{kind}"))?;
        url.query_pairs_mut()
            .append_pair("summaryStartTimeInSeconds", &utc_midnight(from).to_string())
            .append_pair(
                "summaryEndTimeInSeconds",
                &utc_midnight(to.checked_add_days(Days::new(1)).unwrap_or(to)).to_string(),
            );
        let response = ctx
            .http
            .get(url)
            .bearer_auth(token.expose_secret())
            .send()
            .await
            .map_err(|error| error::from_transport(&error))?;
        accept_status(response, &[reqwest::StatusCode::CONFLICT]).await?;
    }
    Ok(())
}

/// `GET /wellness-api/rest/user/permissions`, comma-joined. Best effort: the scopes are
/// informational, so only a refused token fails the connection; any other failure leaves
/// them unknown (`None`).
async fn permissions(
    ctx: &ProviderCtx,
    access_token: &SecretString,
) -> Result<Option<String>, ProviderError> {
    let url = rest_url(ctx, "user/permissions")?;
    match get_json::<wire::Permissions>(&ctx.http, url, access_token).await {
        Ok(granted) => Ok(Some(granted.permissions.join(","))),
        Err(error @ (ProviderError::Unauthorized(_) | ProviderError::InvalidGrant(_))) => {
            Err(error)
        }
        Err(error) => {
            tracing::warn!(provider.name = "GARMIN", %error, "user permissions unavailable");
            Ok(None)
        }
    }
}

fn into<T: Into<TerraRecordData>>(items: Vec<T>) -> Vec<TerraRecordData> {
    items.into_iter().map(Into::into).collect()
}

/// Drops records of days after `end` (a padded pull window can reach into them); older
/// ones stay: they were uploaded in the window and are current.
fn not_after(records: Vec<TerraRecordData>, end: NaiveDate) -> Vec<TerraRecordData> {
    let last = end.format("%Y-%m-%d").to_string();
    records
        .into_iter()
        .filter(|record| {
            record
                .store_parts()
                .is_ok_and(|parts| parts.local_date <= last)
        })
        .collect()
}

/// Activities: details (summary + samples) win over plain summaries of the same activity.
async fn activities(pull: &Pull<'_>) -> Result<Vec<TerraRecordData>, ProviderError> {
    let [details, summaries] = ACTIVITY_ENDPOINTS;
    let details = pull.all::<wire::ActivityDetails>(details).await?;
    let summaries = pull.all::<wire::Activity>(summaries).await?;
    let mut records: Vec<wearbridge_model::Activity> = details
        .iter()
        .filter_map(mapper::activity_details)
        .collect();
    for activity in summaries.iter().filter_map(mapper::activity) {
        if !records
            .iter()
            .any(|known| known.metadata.summary_id == activity.metadata.summary_id)
        {
            records.push(activity);
        }
    }
    Ok(into(records))
}

/// Unix seconds of UTC midnight of `date`.
fn utc_midnight(date: NaiveDate) -> i64 {
    date.and_time(NaiveTime::MIN).and_utc().timestamp()
}

/// One fetch's pulls: every upload window covering the range's days.
struct Pull<'a> {
    ctx: &'a ProviderCtx,
    token: &'a SecretString,
    range: FetchRange,
}

impl Pull<'_> {
    /// Every summary of endpoint `kind` uploaded in [`upload_span`] of the range, one ≤ 24 h
    /// window per request.
    async fn all<T: DeserializeOwned>(&self, kind: &str) -> Result<Vec<T>, ProviderError> {
        let (from, until) = upload_span(self.range);
        let mut items = Vec::new();
        let mut start = from;
        while start < until {
            let end = (start + UPLOAD_WINDOW_S).min(until);
            let mut url = rest_url(self.ctx, kind)?;
            url.query_pairs_mut()
                .append_pair("uploadStartTimeInSeconds", &start.to_string())
                .append_pair("uploadEndTimeInSeconds", &end.to_string());
            let page: Vec<T> = get_json(&self.ctx.http, url, self.token).await?;
            items.extend(page);
            start = end;
        }
        Ok(items)
    }
}

/// The upload time pulled for `range` (unix seconds, end exclusive): from the day before
/// `range.start` (UTC) to the end of the day after `range.end` (UTC), so summaries of the
/// range's local days uploaded at any offset or a day late are included.
fn upload_span(range: FetchRange) -> (i64, i64) {
    let span = range.widened(1, 2);
    (utc_midnight(span.start), utc_midnight(span.end))
}

/// The ≤ [`UPLOAD_WINDOW_S`] windows [`Pull::all`] requests for `range`, per endpoint.
fn upload_windows(range: FetchRange) -> u32 {
    let (from, until) = upload_span(range);
    let span = u64::try_from(until.saturating_sub(from)).unwrap_or(0);
    let windows = span.div_ceil(UPLOAD_WINDOW_S.unsigned_abs());
    u32::try_from(windows).unwrap_or(u32::MAX)
}

/// `<api_base>/wellness-api/rest/<path>`.
fn rest_url(ctx: &ProviderCtx, path: &str) -> Result<Url, ProviderError> {
    crate::module::with_trailing_slash(&ctx.api_base)
        .join(&format!("wellness-api/rest/{path}"))
        .map_err(|error| ProviderError::Malformed(format!("GARMIN API URL: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_settings_follow_garmin_documentation() {
        let Some(provider) = GarminProvider::production() else {
            panic!("production URLs parse");
        };
        let oauth = provider.oauth();
        assert_eq!(oauth.authorize_url.as_str(), AUTHORIZE_URL);
        assert_eq!(oauth.token_url.as_str(), TOKEN_URL);
        assert!(oauth.pkce, "Garmin requires PKCE");
        assert!(oauth.scopes.is_empty(), "Garmin takes no scope parameter");
        assert_eq!(oauth.client_auth, ClientAuth::RequestBody);
        assert!(oauth.revoke_url.is_none());
    }

    #[test]
    fn simulator_base_keeps_garmin_paths() {
        oauth::settings_below_base(
            "http://127.0.0.1:4000/garmin",
            GarminProvider::with_auth_base,
            "oauth2Confirm",
            "di-oauth2-service/oauth/token",
        );
    }
}
