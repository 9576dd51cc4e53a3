//! SANDBOX: Wearbridge's built-in provider, served by `wearbridge-sim` (wire format in
//! `docs/simulator.md` §2). Standard OAuth 2.0 with PKCE and rotating refresh tokens,
//! a paged JSON data API, RFC 7009 revocation.

pub mod mapper;
pub mod push;
mod source;
pub mod wire;

use std::time::Duration;

use async_trait::async_trait;
use chrono::FixedOffset;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use url::Url;
use wearbridge_model::DataType;

use crate::http::get_json;
use crate::limits::{ProviderBudget, Rate};
use crate::module::{DataTypeSupport, ProviderInfo, ProviderModule, SetupKind};
use crate::oauth::{ClientAuth, OAuthSettings};
use crate::{FetchRange, Provider, ProviderAccount, ProviderCtx, ProviderError, TerraRecordData};

pub use source::map_source;

/// The built-in sandbox provider: served by `wearbridge-sim`, so the whole flow works
/// with no wearable and no internet.
pub const SANDBOX: ProviderInfo = ProviderInfo {
    id: "SANDBOX",
    name: "Sandbox",
    icon_path: "/static/icons/sandbox.svg",
    setup: SetupKind::ApiKeysManaged,
    enabled: true,
    types: DataTypeSupport::ALL,
    sdk_only: false,
};

/// SANDBOX in the registry. No public cloud, hence no real API base: the adapter exists
/// only where a simulator (or an operator's override) says where SANDBOX is served.
pub static MODULE: ProviderModule = ProviderModule {
    info: SANDBOX,
    api_base: None,
    build,
    map_source,
    // Made up, as SANDBOX publishes nothing: an app limit so the budget path is exercised
    // in development; tests and operators replace it through the server's sync settings.
    limits: ProviderBudget {
        app: Some(Rate::per(6_000, Duration::from_secs(60))),
        user: None,
    },
    // docs/simulator.md §2.2: any dates from 1970 to 2100, up to 3660 days per request;
    // no oldest day relative to today.
    history_days: None,
};

/// Every type SANDBOX generates (all seven Terra record types).
const SUPPORTED_TYPES: [DataType; 7] = [
    DataType::Activity,
    DataType::Athlete,
    DataType::Body,
    DataType::Daily,
    DataType::Menstruation,
    DataType::Nutrition,
    DataType::Sleep,
];

/// The SANDBOX adapter.
#[derive(Debug, Clone)]
pub struct SandboxProvider {
    info: ProviderInfo,
    oauth: OAuthSettings,
}

/// The registry's builder: SANDBOX has no public cloud, so it needs a base (the
/// simulator's `<sim>/sandbox/oauth/`, or an operator's override).
pub fn build(auth_base: Option<&Url>) -> Option<std::sync::Arc<dyn Provider>> {
    let provider = SandboxProvider::new(auth_base?)?;
    Some(std::sync::Arc::new(provider))
}

impl SandboxProvider {
    /// The adapter for OAuth endpoints under `auth_base` (`<sim>/sandbox/oauth/`).
    /// `None` if `auth_base` cannot be a base URL (e.g. `data:` URLs).
    pub fn new(auth_base: &Url) -> Option<SandboxProvider> {
        let auth_base = crate::module::with_trailing_slash(auth_base);
        Some(SandboxProvider {
            info: SANDBOX,
            oauth: OAuthSettings {
                authorize_url: auth_base.join("authorize").ok()?,
                token_url: auth_base.join("token").ok()?,
                revoke_url: Some(auth_base.join("revoke").ok()?),
                // The simulator grants everything; "all" is echoed back as the scope.
                scopes: vec!["all".to_owned()],
                scope_separator: " ",
                pkce: true,
                client_auth: ClientAuth::BasicAuth,
                extra_authorize_params: Vec::new(),
            },
        })
    }
}

#[async_trait]
impl Provider for SandboxProvider {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn oauth(&self) -> &OAuthSettings {
        &self.oauth
    }

    fn push(
        &self,
        creds: &crate::ProviderCredentials,
        request: &crate::PushRequest<'_>,
    ) -> Result<crate::PushAnswer, crate::PushError> {
        use secrecy::ExposeSecret;
        push::handle(creds.client_secret.expose_secret(), request)
    }

    async fn fetch_account(
        &self,
        ctx: &ProviderCtx,
        access_token: &SecretString,
    ) -> Result<ProviderAccount, ProviderError> {
        let me: wire::Me = get_json(&ctx.http, api_url(ctx, "me")?, access_token).await?;
        Ok(ProviderAccount {
            provider_user_id: me.user_id,
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
        let records = match data_type {
            DataType::Athlete => {
                let profile = fetch_profile(ctx, access_token).await?;
                vec![mapper::athlete(&profile).into()]
            }
            DataType::Daily => list::<wire::Daily>(ctx, access_token, data_type, range)
                .await?
                .iter()
                .map(|day| mapper::daily(day).into())
                .collect(),
            DataType::Sleep => list::<wire::Sleep>(ctx, access_token, data_type, range)
                .await?
                .iter()
                .map(|night| mapper::sleep(night).into())
                .collect(),
            DataType::Activity => list::<wire::Workout>(ctx, access_token, data_type, range)
                .await?
                .iter()
                .map(|workout| mapper::activity(workout).into())
                .collect(),
            DataType::Body => list::<wire::Body>(ctx, access_token, data_type, range)
                .await?
                .iter()
                .filter_map(mapper::body)
                .map(TerraRecordData::from)
                .collect(),
            DataType::Menstruation => {
                let offset = home_offset(ctx, access_token).await?;
                list::<wire::Menstruation>(ctx, access_token, data_type, range)
                    .await?
                    .iter()
                    .filter_map(|day| mapper::menstruation(day, offset))
                    .map(TerraRecordData::from)
                    .collect()
            }
            DataType::Nutrition => {
                let offset = home_offset(ctx, access_token).await?;
                list::<wire::Nutrition>(ctx, access_token, data_type, range)
                    .await?
                    .iter()
                    .filter_map(|day| mapper::nutrition(day, offset))
                    .map(TerraRecordData::from)
                    .collect()
            }
            other => return Err(ProviderError::Unsupported(other)),
        };
        Ok(records)
    }

    /// The profile (athlete; read first by menstruation and nutrition for the home
    /// offset) plus each window's pages of [`LISTS`].
    fn request_cost(&self, data_type: DataType, range: FetchRange) -> u32 {
        if range.start > range.end {
            return 0;
        }
        let profile = u32::from(matches!(
            data_type,
            DataType::Athlete | DataType::Menstruation | DataType::Nutrition
        ));
        let pages = list_endpoint(data_type).map_or(0, |(_, page_days)| {
            windows(range)
                .iter()
                .map(|window| window_pages(*window, page_days))
                .sum()
        });
        profile.saturating_add(pages)
    }

    fn supported_types(&self) -> &[DataType] {
        &SUPPORTED_TYPES
    }
}

/// Each list type's SANDBOX endpoint and the days one of its pages covers
/// (`docs/simulator.md` §2.2). The simulator pages by these day counts, so the fetch's
/// request count follows from them ([`Provider::request_cost`]).
const LISTS: [(DataType, &str, u32); 6] = [
    (DataType::Daily, "daily", 7),
    (DataType::Sleep, "sleep", 7),
    (DataType::Activity, "workouts", 3),
    (DataType::Body, "body", 31),
    (DataType::Menstruation, "menstruation", 31),
    (DataType::Nutrition, "nutrition", 14),
];

/// The list endpoint of `data_type` and its page size in days.
fn list_endpoint(data_type: DataType) -> Option<(&'static str, u32)> {
    LISTS
        .iter()
        .find(|(listed, _, _)| *listed == data_type)
        .map(|(_, path, page_days)| (*path, *page_days))
}

/// Pages the simulator serves for one window: one per `page_days` days, rounded up.
fn window_pages(window: FetchRange, page_days: u32) -> u32 {
    let days = (window.end - window.start)
        .num_days()
        .saturating_add(1)
        .max(1);
    let pages = u64::try_from(days)
        .unwrap_or(u64::MAX)
        .div_ceil(u64::from(page_days.max(1)));
    u32::try_from(pages).unwrap_or(u32::MAX)
}

fn api_url(ctx: &ProviderCtx, path: &str) -> Result<Url, ProviderError> {
    crate::module::with_trailing_slash(&ctx.api_base)
        .join(path)
        .map_err(|error| ProviderError::Malformed(format!("SANDBOX API URL: {error}")))
}

async fn fetch_profile(
    ctx: &ProviderCtx,
    access_token: &SecretString,
) -> Result<wire::Profile, ProviderError> {
    get_json(&ctx.http, api_url(ctx, "profile")?, access_token).await
}

/// The person's home offset: menstruation and nutrition days carry none of their own.
async fn home_offset(
    ctx: &ProviderCtx,
    access_token: &SecretString,
) -> Result<FixedOffset, ProviderError> {
    let profile = fetch_profile(ctx, access_token).await?;
    mapper::parse_offset(&profile.utc_offset).ok_or_else(|| {
        ProviderError::Malformed(format!("profile utc_offset {:?}", profile.utc_offset))
    })
}

/// Longest range asked for in one request. The simulator rejects more than 3660 days; a
/// year keeps each paged walk short and well inside that limit.
const MAX_DAYS_PER_REQUEST: u64 = 366;

/// `range` cut into consecutive windows of at most [`MAX_DAYS_PER_REQUEST`] days.
fn windows(range: FetchRange) -> Vec<FetchRange> {
    range.chunks(MAX_DAYS_PER_REQUEST)
}

/// Every element of `data_type`'s list endpoint over `range`: window by window, following
/// `next_page`.
async fn list<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    access_token: &SecretString,
    data_type: DataType,
    range: FetchRange,
) -> Result<Vec<T>, ProviderError> {
    let (path, _) = list_endpoint(data_type).ok_or(ProviderError::Unsupported(data_type))?;
    let mut items = Vec::new();
    for window in windows(range) {
        items.extend(list_window(ctx, access_token, path, window).await?);
    }
    Ok(items)
}

/// Every page of one window.
///
/// Each page covers at least one day, so more pages than days (plus one) means the
/// provider is looping; that is reported as malformed instead of fetching forever.
async fn list_window<T: DeserializeOwned>(
    ctx: &ProviderCtx,
    access_token: &SecretString,
    path: &str,
    range: FetchRange,
) -> Result<Vec<T>, ProviderError> {
    let days = (range.end - range.start).num_days().saturating_add(1);
    let max_pages = usize::try_from(days)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let mut items = Vec::new();
    let mut page: Option<String> = None;
    for _ in 0..max_pages {
        let mut url = api_url(ctx, path)?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("start_date", &range.start.format("%Y-%m-%d").to_string());
            query.append_pair("end_date", &range.end.format("%Y-%m-%d").to_string());
            if let Some(page) = &page {
                query.append_pair("page", page);
            }
        }
        let body: wire::ListPage<T> = get_json(&ctx.http, url, access_token).await?;
        items.extend(body.data);
        match body.next_page {
            Some(next) if page.as_ref() != Some(&next) => page = Some(next),
            Some(_) => return Err(ProviderError::Malformed("next_page repeats".to_owned())),
            None => return Ok(items),
        }
    }
    Err(ProviderError::Malformed(format!(
        "SANDBOX /{path} returned more than {max_pages} pages"
    )))
}

#[cfg(test)]
mod tests {
    use chrono::{Days, NaiveDate};

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn long_ranges_split_into_contiguous_windows() {
        let range = FetchRange {
            start: date(2020, 1, 1),
            end: date(2022, 12, 31),
        };
        let windows = windows(range);
        assert_eq!(windows.len(), 3);
        assert_eq!(windows.first().map(|w| w.start), Some(range.start));
        assert_eq!(windows.last().map(|w| w.end), Some(range.end));
        for pair in windows.windows(2) {
            if let [a, b] = pair {
                assert_eq!(a.end.succ_opt(), Some(b.start));
                assert_eq!((a.end - a.start).num_days() + 1, 366);
            }
        }
    }

    fn days(count: u64) -> FetchRange {
        let start = date(2026, 1, 1);
        FetchRange {
            start,
            end: start + Days::new(count - 1),
        }
    }

    #[test]
    fn costs_follow_the_page_sizes() {
        let Ok(base) = Url::parse("http://127.0.0.1:9/sandbox/oauth/") else {
            panic!("test URL parses");
        };
        let Some(sandbox) = SandboxProvider::new(&base) else {
            panic!("base accepted");
        };
        let cost = |data_type, count| sandbox.request_cost(data_type, days(count));
        assert_eq!(cost(DataType::Daily, 7), 1);
        assert_eq!(cost(DataType::Daily, 8), 2);
        assert_eq!(cost(DataType::Activity, 7), 3);
        assert_eq!(cost(DataType::Menstruation, 7), 2);
        assert_eq!(cost(DataType::Nutrition, 15), 3);
        assert_eq!(cost(DataType::Athlete, 7), 1);
        // Two windows (366 + 1 days): each is paged on its own.
        assert_eq!(cost(DataType::Body, 367), 12 + 1);
        assert_eq!(cost(DataType::Nutrition, 1), 2);
    }

    #[test]
    fn a_single_day_is_one_window_and_an_inverted_range_none() {
        let day = FetchRange {
            start: date(2026, 3, 4),
            end: date(2026, 3, 4),
        };
        assert_eq!(windows(day), vec![day]);
        let inverted = FetchRange {
            start: date(2026, 3, 5),
            end: date(2026, 3, 4),
        };
        assert!(windows(inverted).is_empty());
    }
}
