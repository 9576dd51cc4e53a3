//! The WITHINGS [`Provider`]: OAuth through Withings's wrapped token endpoint, and paged
//! fetches against `wbsapi.withings.net` (providers.md §3).
//!
//! Every call is a form POST with an `action` and a Bearer token; answers are HTTP 200 with
//! `{"status", "body"}`, so errors are classified from `status` ([`status_error`]), not from
//! the HTTP status (which is also classified, for proxies and the simulator's generic
//! faults).

use async_trait::async_trait;
use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use reqwest::header::{ACCEPT, AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;
use wearbridge_model::DataType;

use super::{EnvelopeError, mapper, parse_envelope, wire};
use crate::error;
use crate::oauth::{ClientAuth, OAuthSettings, TokenSet};
use crate::push::{PushAnswer, PushError, PushRequest};
use crate::registry::{DataTypeSupport, ProviderInfo, SetupKind, with_trailing_slash};
use crate::{
    FetchRange, Provider, ProviderAccount, ProviderCredentials, ProviderCtx, ProviderError,
    TerraRecordData,
};

/// Withings's production endpoints.
pub const AUTHORIZE_URL: &str = "https://account.withings.com/oauth2_user/authorize2";
pub const TOKEN_URL: &str = "https://wbsapi.withings.net/v2/oauth2";
pub const API_BASE: &str = "https://wbsapi.withings.net/";
/// The documented paths, relative to a base (the simulator serves both under `/withings/`).
pub const AUTHORIZE_PATH: &str = "oauth2_user/authorize2";
pub const TOKEN_PATH: &str = "v2/oauth2";

/// Scopes for everything fetched (comma-separated on the wire).
pub const SCOPES: [&str; 4] = [
    "user.info",
    "user.metrics",
    "user.activity",
    "user.sleepevents",
];

/// Measure types requested from `getmeas`: every type the Body mapper maps.
pub const MEASTYPES: &str = "1,4,5,6,8,9,10,11,12,54,71,73,76,77,88,91,123,170";
/// Fields requested from `getactivity`.
pub const ACTIVITY_FIELDS: &str = "steps,distance,elevation,soft,moderate,intense,active,calories,totalcalories,hr_average,hr_min,hr_max,hr_zone_0,hr_zone_1,hr_zone_2,hr_zone_3";
/// Fields requested from `getintradayactivity`.
pub const INTRADAY_FIELDS: &str = "steps,elevation,calories,distance,duration,heart_rate,spo2_auto";
/// Fields requested from `getworkouts`.
pub const WORKOUT_FIELDS: &str = "calories,intensity,manual_distance,manual_calories,hr_average,hr_min,hr_max,hr_zone_0,hr_zone_1,hr_zone_2,hr_zone_3,pause_duration,algo_pause_duration,spo2_average,steps,distance,elevation,pool_laps,strokes,pool_length";
/// Fields requested from sleep `getsummary`.
pub const SLEEP_SUMMARY_FIELDS: &str = "total_sleep_time,total_timeinbed,asleepduration,lightsleepduration,deepsleepduration,remsleepduration,wakeupduration,wakeupcount,durationtosleep,durationtowakeup,sleep_efficiency,sleep_latency,wakeup_latency,waso,nb_rem_episodes,out_of_bed_count,hr_average,hr_min,hr_max,rr_average,rr_min,rr_max,sleep_score,snoring,snoringepisodecount,breathing_disturbances_intensity,apnea_hypopnea_index";
/// Series requested from sleep `get`.
pub const SLEEP_SERIES_FIELDS: &str = "hr,rr,snoring,sdnn_1,rmssd,mvt_score";

/// Types [`WithingsProvider::fetch`] serves.
const SUPPORTED_TYPES: [DataType; 4] = [
    DataType::Activity,
    DataType::Body,
    DataType::Daily,
    DataType::Sleep,
];

/// Static facts of WITHINGS.
pub const WITHINGS: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "Withings",
    icon_path: "/static/icons/withings.svg",
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

/// Withings envelope statuses (providers.md §3.5).
pub mod status {
    /// Authentication failed: the token is invalid, expired or revoked.
    pub const AUTH_FAILED: [i64; 5] = [100, 101, 102, 200, 401];
    /// The app or user is not authorized for the call.
    pub const UNAUTHORIZED: [i64; 5] = [214, 277, 2553, 2554, 2555];
    pub const TOO_MANY_REQUESTS: i64 = 601;
    pub const TIMEOUT: i64 = 522;
}

/// Most pages fetched per paged call: Withings pages hold hundreds of items, so this many
/// pages means `offset` is not advancing.
const MAX_PAGES: usize = 1_000;
/// Widest zone offsets on Earth (UTC−12 to UTC+14), for epoch windows around local days.
const EARLIEST_OFFSET_S: i64 = 14 * 3_600;
const LATEST_OFFSET_S: i64 = 12 * 3_600;
/// The WITHINGS adapter.
#[derive(Debug)]
pub struct WithingsProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

impl WithingsProvider {
    /// The adapter for Withings's production OAuth endpoints.
    pub fn production() -> Option<WithingsProvider> {
        Some(Self::with_urls(
            Url::parse(AUTHORIZE_URL).ok()?,
            Url::parse(TOKEN_URL).ok()?,
        ))
    }

    /// The adapter with the documented OAuth paths joined onto one base, as the simulator
    /// serves them (`<sim>/withings/oauth2_user/authorize2`, `<sim>/withings/v2/oauth2`).
    pub fn with_base(base: &Url) -> Option<WithingsProvider> {
        let base = with_trailing_slash(base);
        Some(Self::with_urls(
            base.join(AUTHORIZE_PATH).ok()?,
            base.join(TOKEN_PATH).ok()?,
        ))
    }

    fn with_urls(authorize_url: Url, token_url: Url) -> WithingsProvider {
        WithingsProvider {
            info: WITHINGS,
            oauth: OAuthSettings {
                authorize_url,
                token_url,
                // Revocation needs a signed nonce round trip; see `revoke`.
                revoke_url: None,
                scopes: SCOPES.iter().map(|scope| (*scope).to_owned()).collect(),
                scope_separator: ",",
                pkce: false,
                client_auth: ClientAuth::RequestBody,
                extra_authorize_params: Vec::new(),
            },
        }
    }

    /// `POST /v2/oauth2` with `action=requesttoken` and the grant's fields.
    async fn request_token(
        &self,
        ctx: &ProviderCtx,
        grant: &[(&str, &str)],
    ) -> Result<TokenSet, ProviderError> {
        let mut form: Vec<(&str, &str)> = vec![
            ("action", "requesttoken"),
            ("client_id", &ctx.creds.client_id),
            ("client_secret", ctx.creds.client_secret.expose_secret()),
        ];
        form.extend_from_slice(grant);
        let response = ctx
            .http
            .post(self.oauth.token_url.clone())
            .header(ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|error| error::from_transport(&error))?;
        let body = checked_body(response).await?;
        let token: wire::TokenBody = parse_envelope(&body).map_err(token_error)?;
        let user_id = token.user_id().ok_or_else(|| {
            ProviderError::Malformed("Withings token answer without userid".into())
        })?;
        Ok(token_set(token, user_id))
    }
}

fn token_set(token: wire::TokenBody, user_id: String) -> TokenSet {
    let expires_at = token
        .expires_in
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0 && *seconds < 1e9)
        .and_then(|seconds| chrono::Duration::try_seconds(seconds as i64))
        .and_then(|lifetime| Utc::now().checked_add_signed(lifetime));
    TokenSet {
        access_token: SecretString::from(token.access_token),
        refresh_token: Some(SecretString::from(token.refresh_token)),
        expires_at,
        // Withings separates scopes with commas; TokenSet holds them space-separated.
        scopes: token.scope.map(|scope| {
            scope
                .split(',')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        }),
        provider_user_id: Some(user_id),
    }
}

/// A token-endpoint error status: 601 rate limit, 522 timeout; anything else means the
/// code or refresh token cannot be used (Withings answers e.g. 503 "invalid refresh_token"),
/// so the user must reconnect.
fn token_error(error: EnvelopeError) -> ProviderError {
    match error {
        EnvelopeError::Malformed(message) => {
            ProviderError::Malformed(format!("Withings token answer: {message}"))
        }
        EnvelopeError::Status { status, .. } if status == status::TOO_MANY_REQUESTS => {
            ProviderError::RateLimited { retry_after: None }
        }
        EnvelopeError::Status { status, .. } if status == status::TIMEOUT => {
            ProviderError::Transient(format!("Withings status {status}"))
        }
        EnvelopeError::Status { status, .. } => {
            ProviderError::InvalidGrant(format!("Withings token status {status}"))
        }
    }
}

/// A data-endpoint error status as a [`ProviderError`].
pub fn status_error(code: i64) -> ProviderError {
    if status::AUTH_FAILED.contains(&code) || status::UNAUTHORIZED.contains(&code) {
        ProviderError::Unauthorized(format!("Withings status {code}"))
    } else if code == status::TOO_MANY_REQUESTS {
        ProviderError::RateLimited { retry_after: None }
    } else if code == status::TIMEOUT {
        ProviderError::Transient(format!("Withings status {code}"))
    } else {
        ProviderError::Malformed(format!("Withings status {code}"))
    }
}

pub(super) fn data_error(error: EnvelopeError) -> ProviderError {
    match error {
        EnvelopeError::Malformed(message) => ProviderError::Malformed(message),
        EnvelopeError::Status { status, .. } => status_error(status),
    }
}

/// The body of an HTTP 200 answer; any other HTTP status is classified as usual.
pub(super) async fn checked_body(response: reqwest::Response) -> Result<Vec<u8>, ProviderError> {
    let http_status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|error| error::from_transport(&error))?;
    if !http_status.is_success() {
        return Err(error::from_status(http_status, &headers, &body));
    }
    Ok(body.to_vec())
}

/// One data call: `POST <api_base><path>` with `params` as a form and the Bearer token.
pub(super) async fn call<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    token: &SecretString,
    path: &str,
    params: &[(&str, String)],
) -> Result<T, ProviderError> {
    let body = post_form(ctx, token, path, params).await?;
    parse_envelope(&body).map_err(data_error)
}

/// The raw HTTP 200 answer of `POST <api_base><path>` (form `params`, Bearer token).
async fn post_form(
    ctx: &ProviderCtx,
    token: &SecretString,
    path: &str,
    params: &[(&str, String)],
) -> Result<Vec<u8>, ProviderError> {
    let url = with_trailing_slash(&ctx.api_base)
        .join(path)
        .map_err(|error| ProviderError::Malformed(format!("Withings API URL: {error}")))?;
    let response = ctx
        .http
        .post(url)
        .header(AUTHORIZATION, format!("Bearer {}", token.expose_secret()))
        .header(ACCEPT, "application/json")
        .form(params)
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    checked_body(response).await
}

/// The Withings user id of the connection `ctx` is for ([`ProviderCtx::provider_user_id`]).
fn known_account(ctx: &ProviderCtx) -> Result<&str, ProviderError> {
    ctx.provider_user_id.as_deref().ok_or_else(|| {
        ProviderError::Malformed(
            "Withings names the user only in the token answer, and this call has no user id"
                .to_owned(),
        )
    })
}

/// `POST <api_base>notify` with `action=subscribe` for each `appli` we map
/// ([`super::push::SUBSCRIBED`]), calling back `push_url`.
async fn subscribe(
    ctx: &ProviderCtx,
    token: &SecretString,
    push_url: &Url,
) -> Result<(), ProviderError> {
    for (appli, _) in super::push::SUBSCRIBED {
        let params = [
            ("action", "subscribe".to_owned()),
            ("callbackurl", push_url.to_string()),
            ("appli", appli.to_string()),
            ("comment", "wearbridge".to_owned()),
        ];
        call_status_only(ctx, token, "notify", &params).await?;
    }
    Ok(())
}

/// Like [`call`], for actions whose success answer carries no useful `body` (`notify`):
/// only the envelope's `status` is checked.
pub(super) async fn call_status_only(
    ctx: &ProviderCtx,
    token: &SecretString,
    path: &str,
    params: &[(&str, String)],
) -> Result<(), ProviderError> {
    let body = post_form(ctx, token, path, params).await?;
    let envelope: wire::Envelope = serde_json::from_slice(&body)
        .map_err(|error| ProviderError::Malformed(format!("Withings {path}: {error}")))?;
    match envelope.status {
        0 => Ok(()),
        code => Err(status_error(code)),
    }
}

/// Whether Withings can be asked to call `push_url` back: it accepts only HTTPS URLs on
/// a domain (providers.md §3.4). Loopback hosts are let through for the simulator and
/// local development, where the callback is served by the same machine.
pub fn subscribable(push_url: &Url) -> bool {
    push_url.scheme() == "https" || is_loopback(push_url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A page of a paged answer: its items, whether more follow and the next offset.
trait Paged: DeserializeOwned {
    type Item;
    fn into_page(self) -> (Vec<Self::Item>, bool, Option<i64>);
}

macro_rules! paged {
    ($body:ty, $item:ty, $field:ident) => {
        impl Paged for $body {
            type Item = $item;
            fn into_page(self) -> (Vec<$item>, bool, Option<i64>) {
                let more = wire::has_more(self.more.as_ref());
                (self.$field, more, self.offset)
            }
        }
    };
}

paged!(wire::MeasureBody, wire::MeasureGroup, measuregrps);
paged!(wire::ActivityBody, wire::ActivityDay, activities);
paged!(wire::WorkoutsBody, wire::Workout, series);
paged!(wire::SleepSummaryBody, wire::SleepSummary, series);

/// Every item of a paged call: repeats it with `offset` while `more` is set.
async fn all_pages<P: Paged + Clone>(
    ctx: &ProviderCtx,
    token: &SecretString,
    path: &str,
    params: &[(&str, String)],
) -> Result<(Vec<P::Item>, Option<P>), ProviderError> {
    let mut items = Vec::new();
    let mut offset: Option<i64> = None;
    let mut first: Option<P> = None;
    for _ in 0..MAX_PAGES {
        let mut page_params = params.to_vec();
        if let Some(offset) = offset {
            page_params.push(("offset", offset.to_string()));
        }
        let page: P = call(ctx, token, path, &page_params).await?;
        if first.is_none() {
            first = Some(page.clone());
        }
        let (page_items, more, next) = page.into_page();
        items.extend(page_items);
        match next.filter(|_| more) {
            Some(next) if Some(next) == offset => {
                return Err(ProviderError::Malformed(format!(
                    "Withings {path}: offset does not advance"
                )));
            }
            Some(next) => offset = Some(next),
            None => return Ok((items, first)),
        }
    }
    Err(ProviderError::Malformed(format!(
        "Withings {path} returned more than {MAX_PAGES} pages"
    )))
}

fn ymd(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn midnight_utc(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// Epoch seconds bracketing every instant of the local days of `range`, whatever the
/// user's zone.
fn epoch_window(range: FetchRange) -> (i64, i64) {
    let start = midnight_utc(range.start).timestamp() - EARLIEST_OFFSET_S;
    let end_day = range
        .end
        .checked_add_days(Days::new(1))
        .unwrap_or(range.end);
    let end = midnight_utc(end_day).timestamp() + LATEST_OFFSET_S;
    (start, end)
}

fn in_range(record: &TerraRecordData, range: FetchRange) -> bool {
    let start = match record {
        TerraRecordData::Body(body) => body.metadata.start_time,
        TerraRecordData::Daily(daily) => daily.metadata.start_time,
        _ => return true,
    };
    (range.start..=range.end).contains(&start.local_date())
}

async fn fetch_body(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let (start, end) = epoch_window(range);
    let params = [
        ("action", "getmeas".to_owned()),
        ("meastypes", MEASTYPES.to_owned()),
        ("category", "1".to_owned()),
        ("startdate", start.to_string()),
        ("enddate", end.to_string()),
    ];
    let (groups, first) = all_pages::<wire::MeasureBody>(ctx, token, "measure", &params).await?;
    let answer = wire::MeasureBody {
        measuregrps: groups,
        timezone: first.and_then(|page| page.timezone),
        updatetime: None,
        more: None,
        offset: None,
    };
    Ok(mapper::body(&answer)
        .into_iter()
        .map(TerraRecordData::from)
        .filter(|record| in_range(record, range))
        .collect())
}

async fn fetch_daily(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let params = [
        ("action", "getactivity".to_owned()),
        ("startdateymd", ymd(range.start)),
        ("enddateymd", ymd(range.end)),
        ("data_fields", ACTIVITY_FIELDS.to_owned()),
    ];
    let (days, _) = all_pages::<wire::ActivityBody>(ctx, token, "v2/measure", &params).await?;
    let mut records = Vec::new();
    for day in &days {
        let Some(mut daily) = mapper::daily(day) else {
            continue;
        };
        if let Some(samples) = intraday_of(ctx, token, day).await? {
            mapper::attach_samples(&mut daily, samples);
        }
        records.push(TerraRecordData::from(daily));
    }
    Ok(records)
}

/// The intraday samples of an activity day (one call of at most 24 h, in the day's zone).
async fn intraday_of(
    ctx: &ProviderCtx,
    token: &SecretString,
    day: &wire::ActivityDay,
) -> Result<Option<mapper::DaySamples>, ProviderError> {
    let Ok(date) = NaiveDate::parse_from_str(&day.date, "%Y-%m-%d") else {
        return Ok(None);
    };
    let zone_name = day.timezone.as_deref();
    let offset_s = zone_name
        .and_then(|name| super::zone::offset_on(name, date))
        .map_or(0, |offset| i64::from(offset.local_minus_utc()));
    let start = midnight_utc(date).timestamp() - offset_s;
    let params = [
        ("action", "getintradayactivity".to_owned()),
        ("startdate", start.to_string()),
        ("enddate", (start + 86_399).to_string()),
        ("data_fields", INTRADAY_FIELDS.to_owned()),
    ];
    let answer: wire::IntradayBody = call(ctx, token, "v2/measure", &params).await?;
    Ok(mapper::intraday_days(&answer, zone_name)
        .into_iter()
        .find(|(local, _)| *local == date)
        .map(|(_, samples)| samples))
}

async fn fetch_activity(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let params = [
        ("action", "getworkouts".to_owned()),
        ("startdateymd", ymd(range.start)),
        ("enddateymd", ymd(range.end)),
        ("data_fields", WORKOUT_FIELDS.to_owned()),
    ];
    let (workouts, _) = all_pages::<wire::WorkoutsBody>(ctx, token, "v2/measure", &params).await?;
    Ok(workouts
        .iter()
        .filter_map(mapper::workout)
        .map(TerraRecordData::from)
        .collect())
}

async fn fetch_sleep(
    ctx: &ProviderCtx,
    token: &SecretString,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let params = [
        ("action", "getsummary".to_owned()),
        ("startdateymd", ymd(range.start)),
        ("enddateymd", ymd(range.end)),
        ("data_fields", SLEEP_SUMMARY_FIELDS.to_owned()),
    ];
    let (nights, _) = all_pages::<wire::SleepSummaryBody>(ctx, token, "v2/sleep", &params).await?;
    let mut records = Vec::new();
    for night in &nights {
        let params = [
            ("action", "get".to_owned()),
            ("startdate", night.startdate.to_string()),
            ("enddate", night.enddate.to_string()),
            ("data_fields", SLEEP_SERIES_FIELDS.to_owned()),
        ];
        let detail: wire::SleepBody = call(ctx, token, "v2/sleep", &params).await?;
        if let Some(sleep) = mapper::sleep(night, &detail.series) {
            records.push(TerraRecordData::from(sleep));
        }
    }
    Ok(records)
}

#[async_trait]
impl Provider for WithingsProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    /// Withings's token endpoint wants `action=requesttoken` and answers in its envelope.
    async fn exchange_code(
        &self,
        ctx: &ProviderCtx,
        code: &str,
        redirect_uri: &Url,
        _pkce_verifier: Option<&str>,
    ) -> Result<TokenSet, ProviderError> {
        self.request_token(
            ctx,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri.as_str()),
            ],
        )
        .await
    }

    /// Each refresh returns a new refresh token (the old one stays valid for up to 8 h).
    async fn refresh(
        &self,
        ctx: &ProviderCtx,
        refresh_token: &SecretString,
    ) -> Result<TokenSet, ProviderError> {
        self.request_token(
            ctx,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose_secret()),
            ],
        )
        .await
    }

    /// The user id Withings returned with the token ([`TokenSet::provider_user_id`], which
    /// the server puts on `ctx`): Withings names the user only in the token answer.
    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        _access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let provider_user_id = known_account(ctx)?.to_owned();
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
            DataType::Body => fetch_body(ctx, access_token, range).await,
            DataType::Daily => fetch_daily(ctx, access_token, range).await,
            DataType::Activity => fetch_activity(ctx, access_token, range).await,
            DataType::Sleep => fetch_sleep(ctx, access_token, range).await,
            other => Err(ProviderError::Unsupported(other)),
        }
    }

    /// Removes the user's notification subscriptions, then revokes the grant with a signed
    /// request ([`super::revoke`]). The revocation is attempted even when unsubscribing
    /// fails (an expired access token, say): it needs only the client credentials and the
    /// user id, and a revoked grant gets no more notifications.
    async fn revoke(&self, ctx: &ProviderCtx, tokens: &TokenSet) -> Result<(), ProviderError> {
        let user_id = known_account(ctx)?;
        let unsubscribed = super::revoke::unsubscribe_all(ctx, &tokens.access_token).await;
        super::revoke::revoke_grant(ctx, &self.oauth.token_url, user_id).await?;
        unsubscribed
    }

    /// One page per paged call (Withings pages hold hundreds of items), plus, for a
    /// person with an activity day and a night on every day of the range, Daily's
    /// intraday call per day ([`intraday_of`]) and Sleep's detail call per night.
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        let days = u32::try_from((range.end - range.start).num_days().saturating_add(1))
            .unwrap_or(u32::MAX);
        match data_type {
            DataType::Body | DataType::Activity => 1,
            DataType::Daily | DataType::Sleep => days.saturating_add(1),
            _ => 0,
        }
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }

    /// Withings notifications carry no signature; see [`super::push`].
    fn push(
        &self,
        _creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        super::push::handle(request)
    }

    /// Subscribes `push_url` to every notification category we map. Withings refuses
    /// callbacks that are not HTTPS; rather than failing every connection of a deployment
    /// served over plain HTTP, the subscription is skipped with a warning (data then
    /// arrives only through backfill and later fetches).
    async fn on_connect(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        account: &ProviderAccount,
        push_url: &Url,
    ) -> Result<(), ProviderError> {
        if !subscribable(push_url) {
            tracing::warn!(
                provider.name = super::PROVIDER_ID,
                provider_user_id = %account.provider_user_id,
                push_url = %push_url,
                "Withings accepts only HTTPS notification callbacks: not subscribing"
            );
            return Ok(());
        }
        subscribe(ctx, access_token, push_url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_settings_follow_withings_documentation() {
        let Some(provider) = WithingsProvider::production() else {
            panic!("production URLs parse");
        };
        let oauth = provider.oauth();
        assert_eq!(oauth.authorize_url.as_str(), AUTHORIZE_URL);
        assert_eq!(oauth.token_url.as_str(), TOKEN_URL);
        assert_eq!(oauth.scope_separator, ",");
        assert!(!oauth.pkce);
        assert_eq!(oauth.client_auth, ClientAuth::RequestBody);
    }

    #[test]
    fn a_base_puts_the_documented_paths_under_it() {
        let Ok(base) = Url::parse("http://127.0.0.1:4000/withings") else {
            panic!("test URL parses");
        };
        let Some(provider) = WithingsProvider::with_base(&base) else {
            panic!("base accepted");
        };
        assert_eq!(
            provider.oauth().authorize_url.as_str(),
            "http://127.0.0.1:4000/withings/oauth2_user/authorize2"
        );
        assert_eq!(
            provider.oauth().token_url.as_str(),
            "http://127.0.0.1:4000/withings/v2/oauth2"
        );
    }

    #[test]
    fn statuses_map_to_their_meaning() {
        assert!(matches!(status_error(401), ProviderError::Unauthorized(_)));
        assert!(matches!(status_error(2554), ProviderError::Unauthorized(_)));
        assert_eq!(
            status_error(601),
            ProviderError::RateLimited { retry_after: None }
        );
        assert!(matches!(status_error(522), ProviderError::Transient(_)));
        assert!(matches!(status_error(503), ProviderError::Malformed(_)));
        let invalid = EnvelopeError::Status {
            status: 503,
            error: Some("Invalid Params: invalid refresh_token".into()),
        };
        assert!(matches!(
            token_error(invalid),
            ProviderError::InvalidGrant(_)
        ));
    }

    #[test]
    fn epoch_windows_cover_every_zone() {
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
        let (start, end) = epoch_window(FetchRange {
            start: day,
            end: day,
        });
        // 2026-01-05T00:00 at UTC+14 and 2026-01-06T00:00 at UTC-12.
        assert_eq!(start, 1_767_571_200 - 14 * 3_600);
        assert_eq!(end, 1_767_657_600 + 12 * 3_600);
    }

    #[test]
    fn the_account_comes_from_the_call_context() {
        let ctx = ProviderCtx::for_tests();
        assert!(matches!(
            known_account(&ctx),
            Err(ProviderError::Malformed(_))
        ));
        let ctx = ctx.for_account(Some("363".to_owned()));
        assert_eq!(known_account(&ctx).ok(), Some("363"));
    }

    #[test]
    fn only_https_or_loopback_callbacks_are_subscribed() {
        for (url, expected) in [
            (
                "https://wearbridge.example/v2/providers/WITHINGS/webhook",
                true,
            ),
            ("http://127.0.0.1:8080/v2/providers/WITHINGS/webhook", true),
            ("http://localhost/v2/providers/WITHINGS/webhook", true),
            ("http://[::1]:9/x", true),
            (
                "http://wearbridge.example/v2/providers/WITHINGS/webhook",
                false,
            ),
            ("http://10.0.0.2/v2/providers/WITHINGS/webhook", false),
        ] {
            let Ok(url) = Url::parse(url) else {
                panic!("test URL parses: {url}");
            };
            assert_eq!(subscribable(&url), expected, "{url}");
        }
    }
}
