//! Reading Google Health data points: `GET v4/users/me/dataTypes/{type}/dataPoints` with an
//! AIP-160 `filter` on the user's civil (local) time, followed through `nextPageToken`.
//!
//! Which filter field a type takes depends on its family (reference §3): interval and
//! session types `{type}.interval.civil_start_time`, sample types
//! `{type}.sample_time.civil_time`, daily types `{type}.date`, sleep
//! `sleep.interval.civil_end_time`. Filter type names are snake_case, URL type ids
//! kebab-case. Civil times are the user's local days, which is what Terra's ranges are.

use chrono::{Days, NaiveDate};
use secrecy::SecretString;
use url::Url;

use super::wire::{DataPoint, ListPage};
use crate::module::with_trailing_slash;
use crate::{FetchRange, ProviderCtx, ProviderError, http};

/// Page size for most types: the documented maximum (default 1440, max 10000).
pub const PAGE_SIZE: u32 = 10_000;
/// Exercise and sleep: default and maximum 25 per page.
pub const SESSION_PAGE_SIZE: u32 = 25;
/// Most pages one type's read follows: 200 pages of 10,000 points is four months of
/// per-second heart rate; beyond that the cursor is broken or the answer hostile.
pub const MAX_PAGES: usize = 200;

/// How a data type is filtered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Interval and session types (steps, exercise, nutrition-log, ...).
    Interval,
    /// Sample types (heart-rate, weight, ...).
    Sample,
    /// Daily types (`date`: daily-resting-heart-rate, ...).
    Daily,
    /// Sleep: filtered by its end.
    Sleep,
}

/// One data type as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// URL id, kebab-case.
    pub id: &'static str,
    pub family: Family,
}

impl Kind {
    const fn new(id: &'static str, family: Family) -> Kind {
        Kind { id, family }
    }

    /// The filter's type name: snake_case.
    pub fn filter_name(self) -> String {
        self.id.replace('-', "_")
    }

    pub fn page_size(self) -> u32 {
        match self.id {
            "exercise" | "sleep" => SESSION_PAGE_SIZE,
            _ => PAGE_SIZE,
        }
    }

    /// The filter selecting the local days `range` (both ends inclusive). Sleep is
    /// selected by its end, a day later than `range` too, so a night that starts on the
    /// last day is found.
    pub fn filter(self, range: FetchRange) -> String {
        let name = self.filter_name();
        let field = match self.family {
            Family::Interval => format!("{name}.interval.civil_start_time"),
            Family::Sample => format!("{name}.sample_time.civil_time"),
            Family::Daily => format!("{name}.date"),
            Family::Sleep => format!("{name}.interval.civil_end_time"),
        };
        let after = if self.family == Family::Sleep { 2 } else { 1 };
        let end = range
            .end
            .checked_add_days(Days::new(after))
            .unwrap_or(range.end);
        format!(
            "{field} >= \"{}\" AND {field} < \"{}\"",
            day(range.start),
            day(end)
        )
    }
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub const EXERCISE: Kind = Kind::new("exercise", Family::Interval);
pub const SLEEP: Kind = Kind::new("sleep", Family::Sleep);
pub const STEPS: Kind = Kind::new("steps", Family::Interval);
pub const DISTANCE: Kind = Kind::new("distance", Family::Interval);
pub const FLOORS: Kind = Kind::new("floors", Family::Interval);
pub const ACTIVE_ENERGY: Kind = Kind::new("active-energy-burned", Family::Interval);
pub const BASAL_ENERGY: Kind = Kind::new("basal-energy-burned", Family::Interval);
pub const HEART_RATE: Kind = Kind::new("heart-rate", Family::Sample);
pub const RESTING_HEART_RATE: Kind = Kind::new("daily-resting-heart-rate", Family::Daily);
pub const WEIGHT: Kind = Kind::new("weight", Family::Sample);
pub const BODY_FAT: Kind = Kind::new("body-fat", Family::Sample);
pub const HRV: Kind = Kind::new("heart-rate-variability", Family::Sample);
pub const DAILY_HRV: Kind = Kind::new("daily-heart-rate-variability", Family::Daily);
pub const SPO2: Kind = Kind::new("oxygen-saturation", Family::Sample);
pub const DAILY_SPO2: Kind = Kind::new("daily-oxygen-saturation", Family::Daily);
pub const DAILY_VO2_MAX: Kind = Kind::new("daily-vo2-max", Family::Daily);
pub const DAILY_RESPIRATORY_RATE: Kind = Kind::new("daily-respiratory-rate", Family::Daily);
pub const TEMPERATURE: Kind = Kind::new("core-body-temperature", Family::Sample);
pub const NUTRITION_LOG: Kind = Kind::new("nutrition-log", Family::Interval);
pub const HYDRATION_LOG: Kind = Kind::new("hydration-log", Family::Interval);

/// The types read for Terra Daily.
pub const DAILY_KINDS: [Kind; 8] = [
    STEPS,
    DISTANCE,
    FLOORS,
    ACTIVE_ENERGY,
    BASAL_ENERGY,
    HEART_RATE,
    RESTING_HEART_RATE,
    DAILY_VO2_MAX,
];
/// The types read for Terra Sleep: the sessions, and the nightly breathing rate Google
/// files as a daily type.
pub const SLEEP_KINDS: [Kind; 2] = [SLEEP, DAILY_RESPIRATORY_RATE];
/// The types read for Terra Body.
pub const BODY_KINDS: [Kind; 8] = [
    WEIGHT,
    BODY_FAT,
    RESTING_HEART_RATE,
    HRV,
    DAILY_HRV,
    SPO2,
    DAILY_SPO2,
    TEMPERATURE,
];
/// The types read for Terra Nutrition.
pub const NUTRITION_KINDS: [Kind; 2] = [NUTRITION_LOG, HYDRATION_LOG];
/// Every type this adapter reads, for `map_source`.
pub const ALL_KINDS: [Kind; 20] = [
    EXERCISE,
    SLEEP,
    STEPS,
    DISTANCE,
    FLOORS,
    ACTIVE_ENERGY,
    BASAL_ENERGY,
    HEART_RATE,
    RESTING_HEART_RATE,
    WEIGHT,
    BODY_FAT,
    HRV,
    DAILY_HRV,
    SPO2,
    DAILY_SPO2,
    TEMPERATURE,
    DAILY_VO2_MAX,
    DAILY_RESPIRATORY_RATE,
    NUTRITION_LOG,
    HYDRATION_LOG,
];

/// `<api_base>v4/users/me/<path>`.
pub fn url(ctx: &ProviderCtx, path: &str) -> Result<Url, ProviderError> {
    with_trailing_slash(&ctx.api_base)
        .join(&format!("v4/users/me/{path}"))
        .map_err(|error| ProviderError::Malformed(format!("Google Health API URL: {error}")))
}

/// Every data point of `kind` on the local days of `range`, all pages.
pub async fn list(
    ctx: &ProviderCtx,
    token: &SecretString,
    kind: Kind,
    range: FetchRange,
) -> Result<Vec<DataPoint>, ProviderError> {
    let url = url(ctx, &format!("dataTypes/{}/dataPoints", kind.id))?;
    let params = [
        ("filter", kind.filter(range)),
        ("pageSize", kind.page_size().to_string()),
    ];
    let label = format!("Google Health {}", kind.id);
    http::follow_next_token(&label, &url, &params, "pageToken", MAX_PAGES, |page_url| {
        let http = ctx.http.clone();
        async move {
            let page: ListPage = http::get_json(&http, page_url, token).await?;
            Ok((page.data_points, page.next_page_token))
        }
    })
    .await
}

/// Every point of each of `kinds` over `range`, concatenated.
pub async fn list_all(
    ctx: &ProviderCtx,
    token: &SecretString,
    kinds: &[Kind],
    range: FetchRange,
) -> Result<Vec<DataPoint>, ProviderError> {
    let mut points = Vec::new();
    for kind in kinds {
        points.extend(list(ctx, token, *kind, range).await?);
    }
    Ok(points)
}

/// The type a URL path names (`…/dataTypes/{type}/dataPoints`).
pub fn kind_of_path(path: &str) -> Option<Kind> {
    let (_, rest) = path.split_once("/dataTypes/")?;
    let id = rest.split('/').next()?;
    ALL_KINDS.into_iter().find(|kind| kind.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: &str, end: &str) -> FetchRange {
        let day = |text| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default();
        FetchRange {
            start: day(start),
            end: day(end),
        }
    }

    #[test]
    fn filters_follow_each_family() {
        let week = range("2026-05-01", "2026-05-07");
        assert_eq!(
            STEPS.filter(week),
            "steps.interval.civil_start_time >= \"2026-05-01\" AND \
             steps.interval.civil_start_time < \"2026-05-08\""
        );
        assert_eq!(
            HEART_RATE.filter(week),
            "heart_rate.sample_time.civil_time >= \"2026-05-01\" AND \
             heart_rate.sample_time.civil_time < \"2026-05-08\""
        );
        assert_eq!(
            DAILY_HRV.filter(week),
            "daily_heart_rate_variability.date >= \"2026-05-01\" AND \
             daily_heart_rate_variability.date < \"2026-05-08\""
        );
        assert_eq!(
            SLEEP.filter(week),
            "sleep.interval.civil_end_time >= \"2026-05-01\" AND \
             sleep.interval.civil_end_time < \"2026-05-09\""
        );
        assert_eq!(EXERCISE.page_size(), 25);
        assert_eq!(STEPS.page_size(), 10_000);
    }

    #[test]
    fn paths_name_their_type() {
        assert_eq!(
            kind_of_path("/v4/users/me/dataTypes/daily-resting-heart-rate/dataPoints"),
            Some(RESTING_HEART_RATE)
        );
        assert_eq!(kind_of_path("/v4/users/me/dataTypes/ecg/dataPoints"), None);
        assert_eq!(kind_of_path("/v4/users/me/identity"), None);
    }
}
