//! The POLAR [`Provider`]: OAuth, user registration, fetches and deregistration against
//! Polar AccessLink v3 (providers.md §5, Polar's AccessLink OpenAPI).
//!
//! OAuth deviations from the standard flow, all handled here:
//! * The token endpoint wants HTTP Basic client authentication and answers
//!   `{access_token, token_type, expires_in, x_user_id}`: **no refresh token**. The access
//!   token is long-lived (Polar documents no expiry; `expires_in` is years), so a token that
//!   stops working means the user must reconnect; [`PolarProvider::refresh`] says so.
//! * The Polar user id arrives only in that token answer (`x_user_id`), while every
//!   user-scoped endpoint needs it in the path. The exchange returns it as
//!   [`TokenSet::provider_user_id`]; later calls read it from [`ProviderCtx::provider_user_id`],
//!   which the server fills from the stored user.
//! * A user must be registered (`POST /v3/users`) before any data is readable, and is
//!   deregistered (`DELETE /v3/users/{user-id}`, which also ends the token) instead of an
//!   OAuth revocation.
//!
//! Data comes from the non-transactional endpoints: exercises of the last 30 days, sleep and
//! Nightly Recharge of the last 28 days (older dates one request per date), daily activity
//! and continuous heart rate by date range (at most 28 days per request).
//!
//! Rate limits (providers.md §5.5): per 15 minutes 500 + 20 × registered users requests,
//! per 24 hours 5000 + 100 × users; over the limit Polar answers 429.
//!
//! This file holds the constants, the OAuth settings and the [`Provider`] implementation;
//! `users.rs` the registration Polar requires, `api.rs` the authenticated calls and the
//! error classification, `fetch.rs` the fetches per Terra type (lists, windows, dates).

mod api;
mod fetch;
mod users;

use async_trait::async_trait;
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use url::Url;
use wearbridge_model::DataType;

use super::{mapper, push, wire};
use crate::config::ProviderCredentials;
use crate::error::ProviderError;
use crate::module::{DataTypeSupport, ProviderInfo, SetupKind};
use crate::oauth::{self, ClientAuth, OAuthSettings, TokenSet};
use crate::push::{PushAnswer, PushError, PushItem, PushRequest, check_notified_range};
use crate::{FetchRange, Provider, ProviderAccount, ProviderCtx, TerraRecordData};

use api::Api;
use api::read_json;
use fetch::{body, daily, days_before_lists, exercises, polar_today, sleep, windows};
use users::known_user;

pub use users::{deregister_user, register_user};

/// Polar's production endpoints.
pub const AUTHORIZE_URL: &str = "https://flow.polar.com/oauth2/authorization";
pub const TOKEN_URL: &str = "https://polarremote.com/v2/oauth2/token";
pub const API_BASE: &str = "https://www.polaraccesslink.com/";
/// The documented paths, joined onto a simulator base in sandbox mode.
pub const AUTHORIZE_PATH: &str = "oauth2/authorization";
pub const TOKEN_PATH: &str = "v2/oauth2/token";

/// Polar's only scope.
pub const SCOPE: &str = "accesslink.read_all";

/// Days Polar keeps in its sleep and Nightly Recharge lists.
pub const LIST_DAYS: u64 = 28;
/// Longest range of one daily-activity or continuous-heart-rate request.
pub const MAX_RANGE_DAYS: u64 = 28;
/// Oldest day the date endpoints accept, counted back from today.
pub const MAX_AGE_DAYS: u64 = 365;

const SUPPORTED_TYPES: [DataType; 5] = [
    DataType::Activity,
    DataType::Athlete,
    DataType::Body,
    DataType::Daily,
    DataType::Sleep,
];

/// Static facts of POLAR.
pub const POLAR: ProviderInfo = ProviderInfo {
    id: super::PROVIDER_ID,
    name: "Polar",
    icon_path: "/static/icons/polar.svg",
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

/// The POLAR adapter.
#[derive(Debug)]
pub struct PolarProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

impl PolarProvider {
    /// The adapter for Polar's production OAuth endpoints.
    pub fn production() -> Option<PolarProvider> {
        Self::build(None)
    }

    /// The adapter for the documented OAuth paths under one base (the simulator's
    /// `<sim>/polar/`): `<base>/oauth2/authorization` and `<base>/v2/oauth2/token`.
    pub fn with_auth_base(auth_base: &Url) -> Option<PolarProvider> {
        Self::build(Some(auth_base))
    }

    /// [`Self::production`] without a base, [`Self::with_auth_base`] with one: the
    /// registry's constructor.
    pub fn build(base: Option<&Url>) -> Option<PolarProvider> {
        let [authorize_url, token_url] = oauth::endpoints(
            base,
            [AUTHORIZE_URL, TOKEN_URL],
            [AUTHORIZE_PATH, TOKEN_PATH],
        )?;
        Some(PolarProvider {
            info: POLAR,
            // No PKCE; Polar ends a grant by deregistering the user (see `revoke`).
            oauth: OAuthSettings::new(authorize_url, token_url, ClientAuth::BasicAuth, &[SCOPE]),
        })
    }
}

#[async_trait]
impl Provider for PolarProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    /// The code exchange, by hand: Polar's answer has no refresh token and carries the
    /// user id (`x_user_id`) that the standard client would drop.
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
        let response = oauth::post_token_request(&ctx.http, &self.oauth, &ctx.creds, grant).await?;
        let answer: wire::TokenResponse = read_json(response).await?;
        let access_token = SecretString::from(answer.access_token);
        let expires_at = answer
            .expires_in
            .filter(|seconds| seconds.is_finite() && *seconds > 0.0 && *seconds < 1e10)
            .and_then(|seconds| oauth::expires_after(seconds as i64));
        Ok(TokenSet {
            access_token,
            refresh_token: None,
            expires_at,
            scopes: Some(SCOPE.to_owned()),
            provider_user_id: Some(answer.x_user_id.to_string()),
        })
    }

    /// Polar issues no refresh tokens: an unusable access token needs a new consent.
    async fn refresh(
        &self,
        _ctx: &ProviderCtx,
        _refresh_token: &SecretString,
    ) -> Result<TokenSet, ProviderError> {
        Err(ProviderError::InvalidGrant(
            "POLAR issues no refresh tokens".to_owned(),
        ))
    }

    /// The user id of the token answer (on `ctx`, see [`TokenSet::provider_user_id`]).
    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        _access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        Ok(ProviderAccount {
            provider_user_id: known_user(ctx)?.to_string(),
            scopes: Some(SCOPE.to_owned()),
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
        let api = Api {
            ctx,
            token: access_token,
        };
        match data_type {
            DataType::Athlete => {
                let user_id = known_user(ctx)?;
                let user: wire::User = api.get(&format!("v3/users/{user_id}"), &[]).await?;
                Ok(vec![mapper::athlete(&user).into()])
            }
            DataType::Activity => exercises(&api, range).await,
            DataType::Sleep => sleep(&api, range).await,
            DataType::Body => body(&api, range).await,
            DataType::Daily => daily(&api, range).await,
            other => Err(ProviderError::Unsupported(other)),
        }
    }

    /// Deregisters the user (`DELETE /v3/users/{user-id}`), which also ends the token.
    async fn revoke(&self, ctx: &ProviderCtx, tokens: &TokenSet) -> Result<(), ProviderError> {
        let user_id = known_user(ctx)?;
        deregister_user(ctx, &tokens.access_token, user_id).await
    }

    /// Exercises and the athlete are one request; Daily one per [`MAX_RANGE_DAYS`]-day
    /// window; Sleep reads the sleep and Nightly Recharge lists plus, for each day before
    /// their [`LIST_DAYS`], one request each; Body the heart-rate windows plus Nightly
    /// Recharge as Sleep reads it. The days before the lists count from [`polar_today`]
    /// (a day after UTC's, for people east of UTC) and each is requested whether or not
    /// the person's list already holds it, so the count follows the dates alone.
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        let windows = windows(range, polar_today()).len();
        let recharges = 1 + days_before_lists(range, polar_today()).len();
        let requests = match data_type {
            DataType::Athlete | DataType::Activity => 1,
            DataType::Daily => windows,
            // Nights and recharges are read the same way.
            DataType::Sleep => 2 * recharges,
            DataType::Body => windows + recharges,
            _ => 0,
        };
        u32::try_from(requests).unwrap_or(u32::MAX)
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }

    /// Polar POSTs every delivery (no GET handshake). A PING (sent when the webhook is
    /// created or changed) is answered 200 with nothing to do, signed or not; every other
    /// delivery must carry a valid `Polar-Webhook-Signature` made with the webhook's
    /// signature secret (`creds.webhook_secret`; the client secret when none is set).
    fn push(
        &self,
        creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        if !request.method.eq_ignore_ascii_case("POST") {
            return Err(PushError::NotSupported(format!(
                "{} (Polar POSTs its webhooks)",
                request.method
            )));
        }
        if push::is_ping(request.body) {
            return Ok(PushAnswer::Items(Vec::new()));
        }
        let secret = creds
            .webhook_secret
            .as_ref()
            .unwrap_or(&creds.client_secret);
        let signature = request
            .header(push::SIGNATURE_HEADER)
            .ok_or(PushError::BadSignature)?;
        push::verify_signature(secret.expose_secret().as_bytes(), request.body, signature)
            .map_err(|_| PushError::BadSignature)?;
        let notification = push::parse_notification(request.body)
            .map_err(|error| PushError::Malformed(error.to_string()))?;
        let today = Utc::now().date_naive();
        match push::notice(&notification, today)
            .map_err(|error| PushError::Malformed(error.to_string()))?
        {
            push::Notice::Fetch {
                provider_user_id,
                data_type,
                start,
                end,
                ..
            } => {
                let range = FetchRange { start, end };
                check_notified_range(range)?;
                Ok(PushAnswer::Items(vec![PushItem::Fetch {
                    provider_user_id,
                    data_type,
                    range,
                }]))
            }
            push::Notice::Ping | push::Notice::Ignored { .. } => Ok(PushAnswer::Items(Vec::new())),
        }
    }

    /// Registers the user with our client; Polar serves no data of unregistered users.
    /// The member id (our name for the user at Polar) is the Polar user id itself: stable,
    /// unique, and known at this point.
    async fn on_connect(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        account: &ProviderAccount,
        _push_url: &Url,
    ) -> Result<(), ProviderError> {
        register_user(ctx, access_token, &account.provider_user_id).await
    }
}

/// The registry's constructor: Polar's real OAuth URLs without a base, the documented
/// paths below `base` with one (the simulator's `<sim>/polar/`).
pub fn build(base: Option<&Url>) -> Option<std::sync::Arc<dyn Provider>> {
    let provider = PolarProvider::build(base)?;
    Some(std::sync::Arc::new(provider))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use reqwest::header::HeaderMap;

    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn oauth_settings_follow_polar_documentation() {
        let Some(provider) = PolarProvider::production() else {
            panic!("production URLs parse");
        };
        let oauth = provider.oauth();
        assert_eq!(oauth.authorize_url.as_str(), AUTHORIZE_URL);
        assert_eq!(oauth.token_url.as_str(), TOKEN_URL);
        assert_eq!(oauth.client_auth, ClientAuth::BasicAuth);
        assert!(!oauth.pkce);
        assert_eq!(oauth.scopes, vec![SCOPE.to_owned()]);
        assert!(oauth.revoke_url.is_none());
    }

    #[test]
    fn simulator_base_keeps_the_documented_paths() {
        oauth::settings_below_base(
            "http://127.0.0.1:4000/polar",
            PolarProvider::with_auth_base,
            "oauth2/authorization",
            "v2/oauth2/token",
        );
    }

    fn push_request<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> PushRequest<'a> {
        PushRequest {
            method: "POST",
            headers,
            query: None,
            body,
        }
    }

    #[test]
    fn push_answers_ping_verifies_signatures_and_queues_the_day() {
        let Some(provider) = PolarProvider::production() else {
            panic!("production URLs parse");
        };
        let creds = crate::config::ProviderCredentials::sandbox_dev();
        let none = HeaderMap::new();
        let ping = br#"{"timestamp":"2026-06-03T10:00:00Z","event":"PING"}"#;
        assert_eq!(
            provider.push(&creds, &push_request(&none, ping)),
            Ok(PushAnswer::Items(Vec::new()))
        );
        let body = br#"{"event":"SLEEP","user_id":475,"date":"2026-06-03","timestamp":"2026-06-03T10:00:00Z","url":"https://www.polaraccesslink.com/v3/users/sleep/2026-06-03"}"#;
        assert_eq!(
            provider.push(&creds, &push_request(&none, body)),
            Err(PushError::BadSignature)
        );
        let secret = crate::config::SANDBOX_WEBHOOK_SECRET.as_bytes();
        let mut headers = HeaderMap::new();
        if let Ok(value) = push::sign(secret, body).parse() {
            headers.insert(push::SIGNATURE_HEADER, value);
        }
        assert_eq!(
            provider.push(&creds, &push_request(&headers, body)),
            Ok(PushAnswer::Items(vec![PushItem::Fetch {
                provider_user_id: "475".to_owned(),
                data_type: DataType::Sleep,
                range: FetchRange {
                    start: day("2026-06-03"),
                    end: day("2026-06-03"),
                },
            }]))
        );
        // Signed with the client secret instead of the webhook secret: refused.
        let mut wrong = HeaderMap::new();
        if let Ok(value) = push::sign(crate::config::SANDBOX_CLIENT_SECRET.as_bytes(), body).parse()
        {
            wrong.insert(push::SIGNATURE_HEADER, value);
        }
        assert_eq!(
            provider.push(&creds, &push_request(&wrong, body)),
            Err(PushError::BadSignature)
        );
    }
}
