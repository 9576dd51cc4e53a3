//! SANDBOX: Wearbridge's own built-in provider, so the whole connect-and-sync flow runs with
//! no wearable and no internet. Its wire format is deliberately plain and is documented field
//! by field (with units) in `docs/simulator.md`; the SANDBOX adapter maps from exactly that.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::common::{
    ApiError, DateRange, authenticate, authorize_page, authorize_submit, revoke, token,
};
use crate::SimState;
use crate::oauth::{ClientAuthStyle, OAuthServer, OAuthSettings};
use crate::person::Person;
use wire::{
    ListResponse, MeResponse, WireBody, WireDaily, WireMenstruation, WireNutrition, WireSleep,
    WireWorkout, wire_body, wire_daily, wire_menstruation, wire_nutrition, wire_profile,
    wire_sleep, wire_workouts,
};

mod push;
mod wire;

pub const AUTHORIZE_PATH: &str = "/sandbox/oauth/authorize";
pub const TOKEN_PATH: &str = "/sandbox/oauth/token";
pub const REVOKE_PATH: &str = "/sandbox/oauth/revoke";
pub const API_PREFIX: &str = "/sandbox/api/v1";

/// Days per page for each list endpoint: small enough to keep responses modest, large enough
/// that a year's backfill is a few dozen calls.
const DAILY_PAGE_DAYS: u64 = 7;
const SLEEP_PAGE_DAYS: u64 = 7;
const WORKOUT_PAGE_DAYS: u64 = 3;
const BODY_PAGE_DAYS: u64 = 31;
const MENSTRUATION_PAGE_DAYS: u64 = 31;
const NUTRITION_PAGE_DAYS: u64 = 14;

/// One hour, like most real providers' access tokens; tests shorten it at runtime.
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(3_600);

/// SANDBOX's cloud ([`super::SimCloud`]).
pub(crate) struct Cloud;

impl super::SimCloud for Cloud {
    fn oauth_settings(&self) -> OAuthSettings {
        oauth_settings()
    }

    fn router(&self, oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
        router(oauth, sim)
    }

    fn token_paths(&self) -> &'static [&'static str] {
        &[TOKEN_PATH, REVOKE_PATH]
    }

    fn push_message(
        &self,
        _sim: &SimState,
        account: &str,
        data_type: &str,
        date: NaiveDate,
        secret: &str,
    ) -> Option<super::PushMessage> {
        Some(push::message(account, data_type, date, secret))
    }
}

pub(crate) fn oauth_settings() -> OAuthSettings {
    OAuthSettings {
        display_name: "Sandbox",
        authorize_path: AUTHORIZE_PATH,
        client_auth: ClientAuthStyle::Either,
        access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        code_ttl: Duration::from_secs(600),
        rotate_refresh_tokens: true,
    }
}

#[derive(Clone, FromRef)]
struct SandboxState {
    oauth: Arc<OAuthServer>,
    sim: Arc<SimState>,
}

pub(crate) fn router(oauth: Arc<OAuthServer>, sim: Arc<SimState>) -> Router {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize_page).post(authorize_submit))
        .route(TOKEN_PATH, post(token))
        .route(REVOKE_PATH, post(revoke))
        .route("/sandbox/api/v1/me", get(me))
        .route("/sandbox/api/v1/profile", get(profile))
        .route("/sandbox/api/v1/daily", list_route(DAILY_PAGE_DAYS, daily))
        .route("/sandbox/api/v1/sleep", list_route(SLEEP_PAGE_DAYS, sleep))
        .route(
            "/sandbox/api/v1/workouts",
            list_route(WORKOUT_PAGE_DAYS, workouts),
        )
        .route("/sandbox/api/v1/body", list_route(BODY_PAGE_DAYS, body))
        .route(
            "/sandbox/api/v1/menstruation",
            list_route(MENSTRUATION_PAGE_DAYS, menstruation),
        )
        .route(
            "/sandbox/api/v1/nutrition",
            list_route(NUTRITION_PAGE_DAYS, nutrition),
        )
        .with_state(SandboxState { oauth, sim })
}

// ---------------------------------------------------------------------------------------
// Handlers.

#[derive(Deserialize, Default)]
struct ListQuery {
    start_date: Option<String>,
    end_date: Option<String>,
    page: Option<String>,
    include_samples: Option<bool>,
}

async fn me(State(state): State<SandboxState>, headers: HeaderMap) -> Response {
    match authenticate(&state.oauth, &headers) {
        Ok(account) => {
            let profile = wire_profile(&state.sim.person(&account));
            axum::Json(MeResponse {
                user_id: account,
                profile,
            })
            .into_response()
        }
        Err(error) => error.into_response(),
    }
}

async fn profile(State(state): State<SandboxState>, headers: HeaderMap) -> Response {
    match authenticate(&state.oauth, &headers) {
        Ok(account) => axum::Json(wire_profile(&state.sim.person(&account))).into_response(),
        Err(error) => error.into_response(),
    }
}

/// Shared shape of every list endpoint: authenticate, parse range and page, render each
/// date. Renderers generate only what they need (`/sleep` does not build a whole day).
fn list<T: Serialize>(
    state: &SandboxState,
    headers: &HeaderMap,
    query: Option<&str>,
    days_per_page: u64,
    render: impl Fn(&Person, NaiveDate, &ListQuery) -> Vec<T>,
) -> Result<Response, ApiError> {
    let account = authenticate(&state.oauth, headers)?;
    let query: ListQuery = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))?;
    let range = DateRange::parse(query.start_date.as_deref(), query.end_date.as_deref())?;
    let page = range.page(query.page.as_deref(), days_per_page)?;
    let person = state.sim.person(&account);
    let data = page
        .dates
        .iter()
        .flat_map(|date| render(&person, *date, &query))
        .collect();
    Ok(axum::Json(ListResponse {
        user_id: account,
        start_date: range.start,
        end_date: range.end,
        data,
        next_page: page.next.map(|d| d.to_string()),
    })
    .into_response())
}

/// `GET` of a list endpoint: [`list`] with `days_per_page` and `render`, errors as JSON.
/// The list endpoints differ only in page size and renderer, so they share one handler.
fn list_route<T, R>(days_per_page: u64, render: R) -> MethodRouter<SandboxState>
where
    T: Serialize,
    R: Fn(&Person, NaiveDate, &ListQuery) -> Vec<T> + Clone + Send + Sync + 'static,
{
    get(
        move |state: State<SandboxState>, headers: HeaderMap, query: RawQuery| async move {
            list(
                &state.0,
                &headers,
                query.0.as_deref(),
                days_per_page,
                render,
            )
            .unwrap_or_else(IntoResponse::into_response)
        },
    )
}

// Renderers of the list endpoints: what one date contributes.

fn daily(person: &Person, date: NaiveDate, _: &ListQuery) -> Vec<WireDaily> {
    vec![wire_daily(&person.day(date))]
}

fn sleep(person: &Person, date: NaiveDate, _: &ListQuery) -> Vec<WireSleep> {
    vec![wire_sleep(date, &person.sleep_ending_on(date))]
}

fn workouts(person: &Person, date: NaiveDate, query: &ListQuery) -> Vec<WireWorkout> {
    wire_workouts(&person.day(date), query.include_samples.unwrap_or(true))
}

fn body(person: &Person, date: NaiveDate, _: &ListQuery) -> Vec<WireBody> {
    vec![wire_body(date, &person.body_on(date))]
}

fn menstruation(person: &Person, date: NaiveDate, _: &ListQuery) -> Vec<WireMenstruation> {
    let cycle = person.menstruation_on(date);
    cycle
        .map(|m| wire_menstruation(date, &m))
        .into_iter()
        .collect()
}

fn nutrition(person: &Person, date: NaiveDate, _: &ListQuery) -> Vec<WireNutrition> {
    vec![wire_nutrition(&person.day(date))]
}
