//! `GET /v2/{activity,athlete,body,daily,menstruation,nutrition,sleep}`: stored records for
//! one user and date range.
//!
//! With `to_webhook=false` the response is `{user, data, type}` built from the stored JSON
//! text without parsing it (see [`crate::wire::data_response_body`]). `to_webhook=true`,
//! Terra's default, answers an acknowledgement with a `reference` and delivers the data as
//! webhook events ([`crate::delivery::data_request`]).

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use serde::Deserialize;
use wearbridge_model::DataType;
use wearbridge_store::ids::UserId;
use wearbridge_store::{RecordQuery, User};

use crate::auth::AuthDeveloper;
use crate::dates::DateRange;
use crate::delivery::data_request;
use crate::delivery::deferred::{self, Deferral};
use crate::error::{ApiError, ErrorBody};
use crate::extract::QueryParams;
use crate::read_cache::ReadKey;
use crate::routes::params::{USER_NOT_FOUND, lookup_user, parse_bool, parse_user_id, require};
use crate::routes::rate_limit::{self, DataRead, RateLimitHeaders};
use crate::state::AppState;
use crate::sync::coverage::{self, DaySpan};
use crate::sync::reads::{self, ReadReady};
use crate::wire::{RawJson, data_response_body, terra_user};
use wearbridge_store::coverage::shift_day;

/// Query parameters of the data endpoints. Everything arrives as text so that each bad
/// value gets a message naming its parameter.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DataQuery {
    /// Terra user id (UUID).
    pub user_id: Option<String>,
    /// `YYYY-MM-DD` or unix seconds. Required (except on `/athlete`).
    pub start_date: Option<String>,
    /// `YYYY-MM-DD` (whole day included) or unix seconds (exclusive); default start + 1 day.
    pub end_date: Option<String>,
    /// `false` returns the data in the response; `true` (default) sends it to the webhook.
    pub to_webhook: Option<String>,
    /// Include sample arrays (default `false`).
    pub with_samples: Option<String>,
}

/// Serves one data type's records for the calling developer's user.
async fn fetch_records(
    state: &AppState,
    developer: &AuthDeveloper,
    query: &DataQuery,
    data_type: DataType,
) -> Result<RawJson, ApiError> {
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    let start = require(query.start_date.as_deref(), "start_date")?;
    let range = DateRange::parse(start, query.end_date.as_deref())?;
    let with_samples = parse_bool(query.with_samples.as_deref(), "with_samples", false)?;
    let to_webhook = parse_bool(query.to_webhook.as_deref(), "to_webhook", true)?;
    if to_webhook {
        let user = lookup_user(state, developer, user_id).await?;
        return data_request::accept(
            &state.services(),
            &user,
            data_type,
            Some(&range),
            with_samples,
        )
        .await
        .map(RawJson::from);
    }
    // A body read before is served while the user is unchanged (`read_cache.rs`) and
    // no day of it can still change at the provider; else the read fills its gaps from
    // the provider (`sync::reads`) and one statement reads it (`read_records`).
    let user_id = parse_user_id(user_id, "user_id")?;
    let days = coverage::read_days(&range);
    let query = RecordQuery {
        start_ts: range.start_micros(),
        end_ts: range.end_micros(),
        local_days: range.local_days(),
        with_samples,
    };
    let key = ReadKey {
        developer: developer.id().clone(),
        user: user_id,
        data_type,
        start_ts: query.start_ts,
        end_ts: query.end_ts,
        local_days: query.local_days,
        with_samples,
    };
    let changes = state.store.changes();
    let cacheable = state.read_cache.enabled() && changes.shared_safely();
    let settled = days.last < shift_day(state.clock.now().date_naive(), -1);
    if cacheable
        && settled
        && let Some(body) = state.read_cache.get(&key, changes.version(&key.user))
    {
        return Ok(RawJson(body));
    }
    let user = lookup_user(state, developer, key.user.as_str()).await?;
    let complete =
        match fill_read(state, &user, (data_type, Some(&range), days), with_samples).await? {
            ReadFill::Serve { complete } => complete,
            ReadFill::Answer(body) => return Ok(body),
        };
    // Read before the query: a commit after this point moves it (read_cache.rs).
    let version = changes.version(&key.user);
    if cacheable && let Some(body) = state.read_cache.get(&key, version) {
        return Ok(RawJson(body));
    }
    let body = read_records(state, &key, query).await?;
    if cacheable && complete {
        state.read_cache.insert(key, version, body.clone());
    }
    Ok(RawJson(body))
}

/// What a `to_webhook=false` read does after its fill.
enum ReadFill {
    /// Serve from the store (`complete`: the body may be cached).
    Serve { complete: bool },
    /// The fetch goes on without the read: this `processing` / `rate_limit` answer.
    Answer(RawJson),
}

/// Fills the read's provider days `days` first (`sync::reads`), waiting at most the
/// configured read wait.
async fn fill_read(
    state: &AppState,
    user: &User,
    (data_type, range, days): (DataType, Option<&DateRange>, DaySpan),
    with_samples: bool,
) -> Result<ReadFill, ApiError> {
    let services = state.services();
    let deferral = match reads::prepare_read(&services, user, data_type, days).await {
        ReadReady::Serve { complete } => return Ok(ReadFill::Serve { complete }),
        ReadReady::StillFetching { retry_after } => Deferral::StillFetching { retry_after },
        ReadReady::RateLimited { retry_at } => Deferral::RateLimited { retry_at },
    };
    let body = deferred::defer(
        &services,
        user,
        (data_type, range, days),
        with_samples,
        deferral,
    )
    .await?;
    Ok(ReadFill::Answer(RawJson::from(body)))
}

/// The response body for `key` from the store: the user and every record in one
/// statement (one round trip), the records as one comma-separated string spliced as a
/// single element, which yields `[r1,r2,...]`.
async fn read_records(
    state: &AppState,
    key: &ReadKey,
    query: RecordQuery,
) -> Result<Bytes, ApiError> {
    let (user, joined) = state
        .store
        .get_user_with_records(&key.developer, &key.user, key.data_type, query)
        .await?
        .ok_or_else(|| ApiError::not_found(USER_NOT_FOUND))?;
    tracing::debug!(user.id = %user.id, data.type = key.data_type.as_str(), bytes = joined.len(), "served records");
    let records: &[String] = if joined.is_empty() {
        &[]
    } else {
        std::slice::from_ref(&joined)
    };
    data_response_body(&terra_user(&user), records, key.data_type).map(Bytes::from)
}

/// `GET /v2/athlete`: the user's athlete profile, `{athlete, user, type: "athlete"}`.
/// Terra takes only `user_id` and `to_webhook` here.
async fn fetch_athlete(
    state: &AppState,
    developer: &AuthDeveloper,
    query: &DataQuery,
) -> Result<RawJson, ApiError> {
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    let to_webhook = parse_bool(query.to_webhook.as_deref(), "to_webhook", true)?;
    let user = lookup_user(state, developer, user_id).await?;
    if to_webhook {
        return data_request::accept(&state.services(), &user, DataType::Athlete, None, true)
            .await
            .map(RawJson::from);
    }
    // A profile has no period: today's fetch is the profile as it is now.
    let today = state.clock.now().date_naive();
    let today = DaySpan {
        first: today,
        last: today,
    };
    let request = (DataType::Athlete, None, today);
    if let ReadFill::Answer(body) = fill_read(state, &user, request, true).await? {
        return Ok(body);
    }
    let athlete = latest_athlete(state, developer, &user.id).await?;
    athlete_body(&user, athlete.as_deref()).map(RawJson::from)
}

/// The most recently started athlete record, if any (athlete profiles carry no period;
/// the whole time axis is searched).
async fn latest_athlete(
    state: &AppState,
    developer: &AuthDeveloper,
    user_id: &UserId,
) -> Result<Option<String>, ApiError> {
    let mut records = state
        .store
        .query_records(
            developer.id(),
            user_id,
            DataType::Athlete,
            RecordQuery {
                start_ts: i64::MIN,
                end_ts: i64::MAX,
                local_days: None,
                with_samples: true,
            },
        )
        .await?;
    Ok(records.pop())
}

/// Terra's `AthleteCollection`: `{"athlete": <raw>, "user": ..., "type": "athlete"}`, with
/// `athlete` omitted (the schema makes it optional) when no profile is stored.
fn athlete_body(user: &User, athlete: Option<&str>) -> Result<String, ApiError> {
    let user_json = serde_json::to_string(&terra_user(user)).map_err(ApiError::internal)?;
    Ok(match athlete {
        Some(raw) => format!(r#"{{"athlete":{raw},"user":{user_json},"type":"athlete"}}"#),
        None => format!(r#"{{"user":{user_json},"type":"athlete"}}"#),
    })
}

/// One handler per data type, each with its OpenAPI description.
macro_rules! data_endpoint {
    ($fn_name:ident, $path:literal, $data_type:ident, $operation:literal) => {
        #[utoipa::path(
            get,
            path = $path,
            operation_id = $operation,
            tag = "data",
            params(DataQuery),
            security(("dev_id" = [], "api_key" = [])),
            responses(
                (status = 200, description = "`to_webhook=false`: `{user, data, type}` with the stored records, ordered by start time. `to_webhook=true`: the acknowledgement `{status, type, reference, trace_id, message, user}` (Terra's `DataSentToWebhook`; a range over one month is delivered in chunks); the data follows as webhook events carrying `terra-reference` and `X-Terra-Trace-Id`", content_type = "application/json"),
                (status = 400, description = "Malformed parameter or bad range", body = ErrorBody),
                (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
                (status = 404, description = "Unknown user", body = ErrorBody),
                (status = 429, description = "Terra's rate limits: `{\"detail\": \"rate limit exceeded\"}` with `X-Terra-RateLimit-Rule` `r1` (more than 1,825 days in one request) or `r2` (the user's day units per rolling hour are spent; with `Retry-After`). Accepted requests carry `X-Terra-RateLimit-Limit`, `-Remaining` and `-Reset-After`"),
            )
        )]
        async fn $fn_name(
            axum::extract::State(state): axum::extract::State<AppState>,
            developer: AuthDeveloper,
            QueryParams(query): QueryParams<DataQuery>,
        ) -> Result<(RateLimitHeaders, RawJson), ApiError> {
            let read = DataRead {
                user_id: query.user_id.as_deref(),
                dates: Some((query.start_date.as_deref(), query.end_date.as_deref())),
            };
            let limits = rate_limit::check(&state, &developer, read).await?;
            let body = fetch_records(&state, &developer, &query, DataType::$data_type).await?;
            Ok((limits, body))
        }
    };
}

data_endpoint!(get_activity, "/v2/activity", Activity, "activity_fetch");
data_endpoint!(get_body, "/v2/body", Body, "body_fetch");
data_endpoint!(get_daily, "/v2/daily", Daily, "daily_fetch");
data_endpoint!(
    get_menstruation,
    "/v2/menstruation",
    Menstruation,
    "menstruation_fetch"
);
data_endpoint!(get_nutrition, "/v2/nutrition", Nutrition, "nutrition_fetch");
data_endpoint!(get_sleep, "/v2/sleep", Sleep, "sleep_fetch");

#[utoipa::path(
    get,
    path = "/v2/athlete",
    operation_id = "athlete_fetch",
    tag = "data",
    params(DataQuery),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "`to_webhook=false`: `{athlete, user, type}`; `athlete` is omitted when no profile is stored. `to_webhook=true`: the acknowledgement `{status, type, reference, trace_id, message, user}`; the profile follows as an `athlete` webhook event", content_type = "application/json"),
        (status = 400, description = "Malformed parameter", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
        (status = 429, description = "Terra's rate limit r2 (each request costs 1 day unit; see the other data endpoints)"),
    )
)]
async fn get_athlete(
    axum::extract::State(state): axum::extract::State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<DataQuery>,
) -> Result<(RateLimitHeaders, RawJson), ApiError> {
    let read = DataRead {
        user_id: query.user_id.as_deref(),
        dates: None,
    };
    let limits = rate_limit::check(&state, &developer, read).await?;
    Ok((limits, fetch_athlete(&state, &developer, &query).await?))
}

/// The data read routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/activity", get(get_activity))
        .route("/v2/athlete", get(get_athlete))
        .route("/v2/body", get(get_body))
        .route("/v2/daily", get(get_daily))
        .route("/v2/menstruation", get(get_menstruation))
        .route("/v2/nutrition", get(get_nutrition))
        .route("/v2/sleep", get(get_sleep))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    get_activity,
    get_athlete,
    get_body,
    get_daily,
    get_menstruation,
    get_nutrition,
    get_sleep
))]
pub struct DataApi;
