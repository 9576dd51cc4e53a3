//! wearbridge-providers: what Wearbridge knows about each data provider, and how it talks
//! to them.
//!
//! * [`registry`]: the list of provider modules (each provider folder declares its own
//!   `MODULE`: facts `/v2/integrations` publishes, real endpoints, adapter builder,
//!   mapper for `providers map`, [`limits`], history depth), plus the configured adapters.
//! * [`Provider`]: one adapter per provider: OAuth settings and token calls ([`oauth`]),
//!   account lookup, data fetches mapped into Terra records ([`TerraRecordData`]),
//!   revocation. IO here is provider HTTP only; each provider's mappers are pure functions
//!   in their own module (no IO, no clock).
//! * [`sandbox`]: the built-in SANDBOX provider, served by `wearbridge-sim`.
//! * [`sdk`]: the mobile-SDK-only providers (APPLE, SAMSUNG, GOOGLEFIT): listed, never
//!   called.
//! * [`oura`]: Oura Ring API v2 (wire format and mappers so far).
//! * [`workout`]: planned workouts written to providers that take them
//!   ([`Provider::workout_calendar`]; Garmin's Training API).

pub mod apple_health;
pub mod config;
pub mod dexcom;
pub mod error;
pub mod garmin;
pub mod google_health;
mod http;
pub mod limits;
pub mod module;
pub mod oauth;
pub mod oura;
pub mod polar;
pub mod push;
pub mod record;
pub mod registry;
pub mod sandbox;
pub mod sdk;
pub mod strava;
pub mod suunto;
pub mod wahoo;
pub mod whoop;
pub mod withings;
pub mod workout;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use secrecy::SecretString;
use url::Url;
use wearbridge_model::DataType;

pub use config::{ProviderCredentials, ProvidersConfig, SimEndpoints};
pub use error::ProviderError;
pub use oauth::{ClientAuth, OAuthSettings, PkcePair, TokenKind, TokenSet, new_pkce_pair};
pub use push::{PushAnswer, PushError, PushItem, PushRequest};
pub use record::{RecordError, StoreParts, TerraRecordData};
pub use registry::{
    DataTypeSupport, MapSourceError, ProviderInfo, ProviderModule, Registry, SetupKind, map_source,
};

/// Everything an adapter call needs besides its arguments.
#[derive(Debug, Clone)]
pub struct ProviderCtx {
    /// The process-wide client ([`http_client`]); shared so connections are pooled.
    pub http: reqwest::Client,
    pub creds: ProviderCredentials,
    /// Base of the provider's data API.
    pub api_base: Url,
    /// Base of the provider's OAuth endpoints. The registry also builds the adapter's
    /// [`OAuthSettings`] from it, so the two always agree.
    pub auth_base: Url,
    /// The provider's id of the account this call is for, when the caller knows it: the
    /// server sets it from the stored user for every per-user call, and from
    /// [`TokenSet::provider_user_id`] right after a code exchange. Polar and Withings need
    /// it because their user-scoped calls name the user and no endpoint tells whom a token
    /// belongs to.
    pub provider_user_id: Option<String>,
}

impl ProviderCtx {
    /// A context on the sandbox credentials with an unroutable base, for unit tests of code
    /// that reads the context but makes no call.
    #[cfg(test)]
    pub(crate) fn for_tests() -> ProviderCtx {
        let base = Url::parse("http://127.0.0.1:9/").unwrap_or_else(|_| unreachable!());
        ProviderCtx {
            http: reqwest::Client::new(),
            creds: ProviderCredentials::sandbox_dev(),
            api_base: base.clone(),
            auth_base: base,
            provider_user_id: None,
        }
    }

    /// This context for calls on behalf of `provider_user_id`.
    pub fn for_account(mut self, provider_user_id: Option<String>) -> ProviderCtx {
        self.provider_user_id = provider_user_id;
        self
    }
}

/// The provider account behind a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAccount {
    /// The provider's own id for the account (Terra's `provider_user_id`).
    pub provider_user_id: String,
    pub scopes: Option<String>,
}

/// The days to fetch: user-local calendar days, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl FetchRange {
    /// This range with `before` days added at the start and `after` at the end (each end
    /// stays put where the calendar ends). Adapters widen what they ask a provider for so
    /// that every local day of the range is covered at any zone offset.
    pub fn widened(self, before: u64, after: u64) -> FetchRange {
        FetchRange {
            start: self
                .start
                .checked_sub_days(chrono::Days::new(before))
                .unwrap_or(self.start),
            end: self
                .end
                .checked_add_days(chrono::Days::new(after))
                .unwrap_or(self.end),
        }
    }

    /// This range cut into consecutive ranges of at most `max_days` days (none when the
    /// range is empty). Providers cap the days one request may cover (Oura's heart rate,
    /// Polar's date ranges, SANDBOX's windows, Garmin's backfill) and all cut the same way.
    pub fn chunks(self, max_days: u64) -> Vec<FetchRange> {
        let mut chunks = Vec::new();
        let mut start = self.start;
        while start <= self.end {
            let end = start
                .checked_add_days(chrono::Days::new(max_days.saturating_sub(1)))
                .map_or(self.end, |end| end.min(self.end));
            chunks.push(FetchRange { start, end });
            match end.checked_add_days(chrono::Days::new(1)) {
                Some(next) => start = next,
                None => break,
            }
        }
        chunks
    }
}

/// Connect timeout of [`http_client`]: a provider that does not accept a connection in
/// 5 s is treated as down (transient) rather than holding a worker.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole-request timeout of [`http_client`]; the largest provider pages (a week of 1 Hz
/// workouts) arrive well within it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The shared HTTP client for provider calls: the timeouts above, and no redirects
/// (an OAuth token endpoint must not be followed elsewhere with credentials; data APIs
/// answer directly).
pub fn http_client() -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| ProviderError::Transient(format!("HTTP client: {error}")))
}

/// How a provider serves days of the past (on-demand reads and `to_webhook` requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryAccess {
    /// [`Provider::fetch`] answers any day within the provider's history depth at once.
    Synchronous,
    /// [`Provider::fetch`] answers only the last `recent_days` days (today included);
    /// older days must be asked for with [`Provider::request_history`] and arrive later
    /// by push (Garmin's backfill API).
    ByPushAfterRequest { recent_days: u32 },
}

/// One provider adapter. Token methods default to the standard flows in [`oauth`];
/// a provider that deviates overrides them.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Static facts (id, name, icon, supported types).
    fn info(&self) -> &ProviderInfo;

    /// OAuth endpoints and quirks.
    fn oauth(&self) -> &OAuthSettings;

    /// Exchanges an authorization code (with the PKCE verifier when one was sent).
    async fn exchange_code(
        &self,
        ctx: &ProviderCtx,
        code: &str,
        redirect_uri: &Url,
        pkce_verifier: Option<&str>,
    ) -> Result<TokenSet, ProviderError> {
        oauth::exchange_code(
            &ctx.http,
            self.oauth(),
            &ctx.creds,
            code,
            redirect_uri,
            pkce_verifier,
        )
        .await
    }

    /// Refreshes tokens; rotating providers return a new refresh token.
    async fn refresh(
        &self,
        ctx: &ProviderCtx,
        refresh_token: &SecretString,
    ) -> Result<TokenSet, ProviderError> {
        oauth::refresh(&ctx.http, self.oauth(), &ctx.creds, refresh_token).await
    }

    /// The account the access token belongs to.
    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError>;

    /// Every record of `data_type` in `range` (all pages), mapped to Terra.
    async fn fetch(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        data_type: DataType,
        range: FetchRange,
    ) -> Result<Vec<TerraRecordData>, ProviderError>;

    /// Revokes the grant at the provider; `Ok` without a call where it has no revocation.
    /// Revokes the refresh token when there is one (that ends the whole grant at providers
    /// following RFC 7009 §2.1), else the access token.
    async fn revoke(&self, ctx: &ProviderCtx, tokens: &TokenSet) -> Result<(), ProviderError> {
        let (token, kind) = match &tokens.refresh_token {
            Some(refresh) => (refresh, TokenKind::Refresh),
            None => (&tokens.access_token, TokenKind::Access),
        };
        oauth::revoke(&ctx.http, self.oauth(), &ctx.creds, token, kind).await
    }

    /// The minimum number of HTTP requests [`Provider::fetch`] makes for that call, pages
    /// assumed full-sized, used to charge the rate budget before the fetch (providers count
    /// requests, not fetches). Where the count follows the data, a person with one summary
    /// per day and per night is assumed (a worn device); collections whose size nothing
    /// predicts (workouts, sample series) count their first page only. Each adapter
    /// derives it from the constants its fetch uses (windows, page sizes), so the two
    /// cannot drift. Default: one request.
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        let _ = (data_type, range);
        1
    }

    /// The data types [`Provider::fetch`] accepts.
    fn supported_types(&self) -> &[DataType];

    /// How past days can be had from the provider: at once through [`Provider::fetch`]
    /// (the default), or only by a history request answered later by push.
    fn history_access(&self) -> HistoryAccess {
        HistoryAccess::Synchronous
    }

    /// Asks the provider to send `data_type` over `range` by push later (a provider
    /// declaring [`HistoryAccess::ByPushAfterRequest`]). Default: the provider takes no
    /// such request.
    async fn request_history(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        data_type: DataType,
        range: FetchRange,
    ) -> Result<(), ProviderError> {
        let _ = (ctx, access_token, range);
        Err(ProviderError::Unsupported(data_type))
    }

    /// How many days a new connection backfills.
    fn backfill_days(&self) -> u32 {
        30
    }

    /// Handles one request to `/v2/providers/{id}/webhook` (any method): a verification
    /// handshake, or notifications verified with the provider's signature scheme (secret:
    /// `creds.webhook_secret` where the provider issues one, else the client secret).
    /// Pure: the server does the IO for the returned items. Default: no push.
    fn push(
        &self,
        creds: &ProviderCredentials,
        request: &PushRequest<'_>,
    ) -> Result<PushAnswer, PushError> {
        let _ = (creds, request);
        Err(PushError::NotSupported(format!(
            "push for {}",
            self.info().id
        )))
    }

    /// Provider-side registration right after a connection is made and before the user
    /// exists here (Polar: register the user; Withings: subscribe notifications to
    /// `push_url`). An error fails the connection. Default: nothing to register.
    async fn on_connect(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
        account: &ProviderAccount,
        push_url: &Url,
    ) -> Result<(), ProviderError> {
        let _ = (ctx, access_token, account, push_url);
        Ok(())
    }

    /// App-level push subscription upkeep (create missing subscriptions, renew expiring
    /// ones). Returns when it should run next; `None` when the provider has none.
    async fn renew_subscriptions(
        &self,
        ctx: &ProviderCtx,
        push_url: &Url,
    ) -> Result<Option<DateTime<Utc>>, ProviderError> {
        let _ = (ctx, push_url);
        Ok(None)
    }

    /// How often each connection is polled for recent data; `None` when push alone keeps
    /// data current.
    fn poll_interval(&self) -> Option<Duration> {
        None
    }

    /// Where planned workouts go when the provider's public API takes them (Garmin's
    /// Training API). `None`, the default, for providers that take no writes: Terra
    /// answers 400 for those.
    fn workout_calendar(&self) -> Option<&dyn workout::WorkoutCalendar> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_moves_each_end_and_stops_at_the_calendar() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let range = FetchRange {
            start: day(2026, 3, 1),
            end: day(2026, 3, 31),
        };
        assert_eq!(
            range.widened(1, 2),
            FetchRange {
                start: day(2026, 2, 28),
                end: day(2026, 4, 2),
            }
        );
        let edge = FetchRange {
            start: NaiveDate::MIN,
            end: NaiveDate::MAX,
        };
        assert_eq!(edge.widened(1, 1), edge);
    }
}
