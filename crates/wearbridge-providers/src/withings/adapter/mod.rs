//! The WITHINGS [`Provider`]: OAuth through Withings's wrapped token endpoint, and paged
//! fetches against `wbsapi.withings.net` (providers.md §3).
//!
//! Every call is a form POST with an `action` and a Bearer token; answers are HTTP 200 with
//! `{"status", "body"}`, so errors are classified from `status` ([`status_error`]), not from
//! the HTTP status (which is also classified, for proxies and the simulator's generic
//! faults).
//!
//! This file holds the constants, the OAuth token calls and the [`Provider`]
//! implementation; `client.rs` the data calls and the classification of Withings
//! statuses, `fetch.rs` the paged fetches per Terra type, `subscribe.rs` the notification
//! subscriptions made on connect.

pub(super) mod client;
mod fetch;
mod subscribe;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use url::Url;
use wearbridge_model::DataType;

use super::{EnvelopeError, parse_envelope, wire};
use crate::module::{DataTypeSupport, ProviderInfo, SetupKind};
use crate::oauth::{self, ClientAuth, OAuthSettings, TokenSet};
use crate::push::{PushAnswer, PushError, PushRequest};
use crate::{
    FetchRange, Provider, ProviderAccount, ProviderCredentials, ProviderCtx, ProviderError,
    TerraRecordData,
};

use client::known_account;
use fetch::{fetch_activity, fetch_body, fetch_daily, fetch_sleep};
use subscribe::subscribe;

pub use client::status_error;
pub(super) use client::{call, call_status_only, checked_body};
pub use subscribe::subscribable;

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

pub mod status;

/// The WITHINGS adapter.
#[derive(Debug)]
pub struct WithingsProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

impl WithingsProvider {
    /// The adapter for Withings's production OAuth endpoints.
    pub fn production() -> Option<WithingsProvider> {
        Self::new(None)
    }

    /// The adapter with the documented OAuth paths joined onto one base, as the simulator
    /// serves them (`<sim>/withings/oauth2_user/authorize2`, `<sim>/withings/v2/oauth2`).
    pub fn with_base(base: &Url) -> Option<WithingsProvider> {
        Self::new(Some(base))
    }

    fn new(base: Option<&Url>) -> Option<WithingsProvider> {
        let [authorize_url, token_url] = oauth::endpoints(
            base,
            [AUTHORIZE_URL, TOKEN_URL],
            [AUTHORIZE_PATH, TOKEN_PATH],
        )?;
        Some(WithingsProvider {
            info: WITHINGS,
            // No PKCE; revocation needs a signed nonce round trip (see `revoke`).
            oauth: OAuthSettings::new(authorize_url, token_url, ClientAuth::RequestBody, &SCOPES)
                .with_scope_separator(","),
        })
    }

    /// `POST /v2/oauth2` with `action=requesttoken` and the grant's fields (the client
    /// credentials go in the form, as for every Withings call).
    async fn request_token(
        &self,
        ctx: &ProviderCtx,
        grant: &[(&str, &str)],
    ) -> Result<TokenSet, ProviderError> {
        let mut form: Vec<(&str, &str)> = vec![("action", "requesttoken")];
        form.extend_from_slice(grant);
        let response = oauth::post_token_request(&ctx.http, &self.oauth, &ctx.creds, form).await?;
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
        .and_then(|seconds| oauth::expires_after(seconds as i64));
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
    /// intraday call per day (`fetch::intraday_of`) and Sleep's detail call per night.
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
        oauth::settings_below_base(
            "http://127.0.0.1:4000/withings",
            WithingsProvider::with_base,
            "oauth2_user/authorize2",
            "v2/oauth2",
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
}
