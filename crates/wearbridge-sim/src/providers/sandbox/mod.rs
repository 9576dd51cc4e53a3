//! SANDBOX: Wearbridge's own built-in provider, so the whole connect-and-sync flow runs with
//! no wearable and no internet. Its wire format is deliberately plain and is documented field
//! by field (with units) in `docs/simulator.md`; the SANDBOX adapter maps from exactly that.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::common::{ApiError, DateRange, authenticate};
use crate::SimState;
use crate::faults::RequestClass;
use crate::oauth::{self, ClientAuthStyle, OAuthServer, OAuthSettings};
use crate::person::{CyclePhase, Day, FlowLevel, MealType, Person, Sex, SleepStage, WorkoutKind};

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

pub(crate) fn classify(path: &str) -> RequestClass {
    match path {
        AUTHORIZE_PATH => RequestClass::Authorize,
        TOKEN_PATH | REVOKE_PATH => RequestClass::Token,
        _ => RequestClass::Api,
    }
}

#[derive(Clone)]
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
        .route("/sandbox/api/v1/daily", get(daily))
        .route("/sandbox/api/v1/sleep", get(sleep))
        .route("/sandbox/api/v1/workouts", get(workouts))
        .route("/sandbox/api/v1/body", get(body))
        .route("/sandbox/api/v1/menstruation", get(menstruation))
        .route("/sandbox/api/v1/nutrition", get(nutrition))
        .with_state(SandboxState { oauth, sim })
}

async fn authorize_page(State(state): State<SandboxState>, RawQuery(query): RawQuery) -> Response {
    oauth::authorize_query(&state.oauth, query.as_deref())
}

async fn authorize_submit(State(state): State<SandboxState>, body: Bytes) -> Response {
    oauth::authorize_form(&state.oauth, &body)
}

async fn token(State(state): State<SandboxState>, headers: HeaderMap, body: Bytes) -> Response {
    oauth::token(&state.oauth, &headers, &body)
}

async fn revoke(State(state): State<SandboxState>, headers: HeaderMap, body: Bytes) -> Response {
    oauth::revoke(&state.oauth, &headers, &body)
}

// ---------------------------------------------------------------------------------------
// Wire format. Every field is documented in docs/simulator.md; keep the two in step.

#[derive(Serialize)]
struct MeResponse {
    user_id: String,
    profile: WireProfile,
}

#[derive(Serialize)]
struct WireProfile {
    user_id: String,
    first_name: String,
    last_name: String,
    sex: Sex,
    birth_date: NaiveDate,
    height_m: f64,
    /// The person's typical weight; daily weigh-ins are under /body.
    weight_kg: f64,
    utc_offset: String,
}

#[derive(Serialize)]
struct ListResponse<T> {
    user_id: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    data: Vec<T>,
    next_page: Option<String>,
}

#[derive(Serialize)]
struct WireDaily {
    date: NaiveDate,
    utc_offset: String,
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
    steps: u32,
    distance_m: f64,
    active_kcal: f64,
    bmr_kcal: f64,
    total_kcal: f64,
    resting_hr_bpm: u32,
    avg_hr_bpm: u32,
    max_hr_bpm: u32,
    intervals: Vec<WireInterval>,
}

#[derive(Serialize)]
struct WireInterval {
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
    steps: u32,
    distance_m: f64,
    kcal: f64,
    active_kcal: f64,
    avg_hr_bpm: u32,
}

#[derive(Serialize)]
struct WireSleep {
    id: String,
    date: NaiveDate,
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
    in_bed_s: i64,
    asleep_s: i64,
    awake_s: i64,
    light_s: i64,
    deep_s: i64,
    rem_s: i64,
    latency_s: i64,
    efficiency_percent: f64,
    resting_hr_bpm: u32,
    avg_hr_bpm: u32,
    hrv_rmssd_ms: f64,
    spo2_avg_percent: f64,
    spo2_min_percent: f64,
    respiration_rate_brpm: f64,
    stages: Vec<WireStage>,
    heart_rate_samples: Vec<WireHeartRate>,
    hrv_samples: Vec<WireHrv>,
}

#[derive(Serialize)]
struct WireStage {
    stage: SleepStage,
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
}

#[derive(Serialize)]
struct WireHeartRate {
    #[serde(serialize_with = "crate::person::rfc3339")]
    time: DateTime<FixedOffset>,
    bpm: f64,
}

#[derive(Serialize)]
struct WireHrv {
    #[serde(serialize_with = "crate::person::rfc3339")]
    time: DateTime<FixedOffset>,
    rmssd_ms: f64,
}

#[derive(Serialize)]
struct WireWorkout {
    id: String,
    date: NaiveDate,
    #[serde(rename = "type")]
    kind: WorkoutKind,
    #[serde(serialize_with = "crate::person::rfc3339")]
    start_time: DateTime<FixedOffset>,
    #[serde(serialize_with = "crate::person::rfc3339")]
    end_time: DateTime<FixedOffset>,
    duration_s: i64,
    distance_m: f64,
    elevation_gain_m: f64,
    avg_speed_m_s: f64,
    avg_hr_bpm: u32,
    max_hr_bpm: u32,
    steps: u32,
    active_kcal: f64,
    total_kcal: f64,
    has_gps: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    samples: Option<Vec<WireSample>>,
}

#[derive(Serialize)]
struct WireSample {
    offset_s: i64,
    hr_bpm: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    longitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    elevation_m: Option<f64>,
    distance_m: f64,
    speed_m_s: f64,
}

#[derive(Serialize)]
struct WireBody {
    id: String,
    date: NaiveDate,
    #[serde(serialize_with = "crate::person::rfc3339")]
    measured_at: DateTime<FixedOffset>,
    weight_kg: f64,
    body_fat_percent: f64,
    bmi: f64,
    lean_mass_kg: f64,
}

#[derive(Serialize)]
struct WireMenstruation {
    date: NaiveDate,
    cycle_day: u32,
    cycle_length_days: u32,
    period_length_days: u32,
    period_start_date: NaiveDate,
    phase: CyclePhase,
    flow: FlowLevel,
}

#[derive(Serialize)]
struct WireNutrition {
    date: NaiveDate,
    totals: WireNutrients,
    meals: Vec<WireMeal>,
}

#[derive(Serialize, Default)]
struct WireNutrients {
    kcal: f64,
    carbohydrates_g: f64,
    protein_g: f64,
    fat_g: f64,
    fiber_g: f64,
    sugar_g: f64,
    sodium_mg: f64,
    water_ml: f64,
}

#[derive(Serialize)]
struct WireMeal {
    id: String,
    meal_type: MealType,
    name: String,
    #[serde(serialize_with = "crate::person::rfc3339")]
    eaten_at: DateTime<FixedOffset>,
    #[serde(flatten)]
    nutrients: WireNutrients,
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

fn wire_profile(person: &Person) -> WireProfile {
    let profile = person.profile();
    WireProfile {
        user_id: profile.user_id.clone(),
        first_name: profile.first_name.clone(),
        last_name: profile.last_name.clone(),
        sex: profile.sex,
        birth_date: profile.birth_date,
        height_m: profile.height_m,
        weight_kg: profile.base_weight_kg,
        utc_offset: profile.utc_offset.to_string(),
    }
}

/// Shared shape of every list endpoint: authenticate, parse range and page, render each day.
fn list<T: Serialize>(
    state: &SandboxState,
    headers: &HeaderMap,
    query: Option<&str>,
    days_per_page: u64,
    render: impl Fn(&Day, &ListQuery) -> Vec<T>,
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
        .flat_map(|date| render(&person.day(*date), &query))
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

fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn daily(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    respond(list(
        &state,
        &headers,
        q.as_deref(),
        DAILY_PAGE_DAYS,
        |day, _| vec![wire_daily(day)],
    ))
}

async fn sleep(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    respond(list(
        &state,
        &headers,
        q.as_deref(),
        SLEEP_PAGE_DAYS,
        |day, _| vec![wire_sleep(day)],
    ))
}

async fn workouts(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    respond(list(
        &state,
        &headers,
        q.as_deref(),
        WORKOUT_PAGE_DAYS,
        |day, query| wire_workouts(day, query.include_samples.unwrap_or(true)),
    ))
}

async fn body(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    respond(list(
        &state,
        &headers,
        q.as_deref(),
        BODY_PAGE_DAYS,
        |day, _| vec![wire_body(day)],
    ))
}

async fn menstruation(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    respond(list(
        &state,
        &headers,
        q.as_deref(),
        MENSTRUATION_PAGE_DAYS,
        |day, _| wire_menstruation(day).into_iter().collect(),
    ))
}

async fn nutrition(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    respond(list(
        &state,
        &headers,
        q.as_deref(),
        NUTRITION_PAGE_DAYS,
        |day, _| vec![wire_nutrition(day)],
    ))
}

// ---------------------------------------------------------------------------------------
// Rendering: the person model → sandbox JSON. No numbers are invented here.

fn round1(value: f64) -> f64 {
    crate::person::round_to(value, 0.1)
}

fn wire_daily(day: &Day) -> WireDaily {
    WireDaily {
        date: day.date,
        utc_offset: day.utc_offset.to_string(),
        start_time: day
            .intervals
            .first()
            .map_or_else(|| day.sleep.end, |i| i.start),
        end_time: day
            .intervals
            .last()
            .map_or_else(|| day.sleep.end, |i| i.end),
        steps: day.total_steps(),
        distance_m: round1(day.distance_m()),
        active_kcal: round1(day.active_kcal()),
        bmr_kcal: round1(day.bmr_kcal),
        total_kcal: round1(day.total_kcal()),
        resting_hr_bpm: day.resting_hr_bpm(),
        avg_hr_bpm: day.avg_hr_bpm(),
        max_hr_bpm: day.max_hr_bpm(),
        intervals: day
            .intervals
            .iter()
            .map(|i| WireInterval {
                start_time: i.start,
                end_time: i.end,
                steps: i.steps,
                distance_m: i.distance_m,
                kcal: i.kcal,
                active_kcal: i.active_kcal,
                avg_hr_bpm: i.avg_hr_bpm,
            })
            .collect(),
    }
}

fn wire_sleep(day: &Day) -> WireSleep {
    let s = &day.sleep;
    WireSleep {
        id: s.id.clone(),
        date: day.date,
        start_time: s.start,
        end_time: s.end,
        in_bed_s: s.in_bed_s,
        asleep_s: s.asleep_s,
        awake_s: s.awake_s,
        light_s: s.light_s,
        deep_s: s.deep_s,
        rem_s: s.rem_s,
        latency_s: s.latency_s,
        efficiency_percent: s.efficiency_percent,
        resting_hr_bpm: s.resting_hr_bpm,
        avg_hr_bpm: s.avg_hr_bpm,
        hrv_rmssd_ms: s.hrv_rmssd_ms,
        spo2_avg_percent: s.spo2_avg_percent,
        spo2_min_percent: s.spo2_min_percent,
        respiration_rate_brpm: s.respiration_rate_brpm,
        stages: s
            .stages
            .iter()
            .map(|span| WireStage {
                stage: span.stage,
                start_time: span.start,
                end_time: span.end,
            })
            .collect(),
        heart_rate_samples: s
            .hr_samples
            .iter()
            .map(|v| WireHeartRate {
                time: v.time,
                bpm: v.value,
            })
            .collect(),
        hrv_samples: s
            .hrv_samples
            .iter()
            .map(|v| WireHrv {
                time: v.time,
                rmssd_ms: v.value,
            })
            .collect(),
    }
}

fn wire_workouts(day: &Day, include_samples: bool) -> Vec<WireWorkout> {
    day.workouts
        .iter()
        .map(|w| WireWorkout {
            id: w.id.clone(),
            date: day.date,
            kind: w.kind,
            start_time: w.start,
            end_time: w.end,
            duration_s: w.duration_s,
            distance_m: w.distance_m,
            elevation_gain_m: w.elevation_gain_m,
            avg_speed_m_s: w.avg_speed_m_s,
            avg_hr_bpm: w.avg_hr_bpm,
            max_hr_bpm: w.max_hr_bpm,
            steps: w.steps,
            active_kcal: w.active_kcal,
            total_kcal: w.total_kcal,
            has_gps: w.has_gps,
            samples: include_samples.then(|| {
                w.samples()
                    .into_iter()
                    .map(|s| WireSample {
                        offset_s: s.offset_s,
                        hr_bpm: s.hr_bpm,
                        latitude: s.position.map(|p| p.latitude),
                        longitude: s.position.map(|p| p.longitude),
                        elevation_m: s.elevation_m,
                        distance_m: crate::person::round_to(s.distance_m, 0.01),
                        speed_m_s: s.speed_m_s,
                    })
                    .collect()
            }),
        })
        .collect()
}

fn wire_body(day: &Day) -> WireBody {
    let b = &day.body;
    WireBody {
        id: format!("body-{}", day.date),
        date: day.date,
        measured_at: b.measured_at,
        weight_kg: b.weight_kg,
        body_fat_percent: b.body_fat_percent,
        bmi: b.bmi,
        lean_mass_kg: b.lean_mass_kg,
    }
}

fn wire_menstruation(day: &Day) -> Option<WireMenstruation> {
    let m = day.menstruation.as_ref()?;
    Some(WireMenstruation {
        date: day.date,
        cycle_day: m.cycle_day,
        cycle_length_days: m.cycle_length_days,
        period_length_days: m.period_length_days,
        period_start_date: m.period_start_date,
        phase: m.phase,
        flow: m.flow,
    })
}

fn wire_nutrition(day: &Day) -> WireNutrition {
    let meals: Vec<WireMeal> = day
        .meals
        .iter()
        .map(|m| WireMeal {
            id: m.id.clone(),
            meal_type: m.meal_type,
            name: m.name.clone(),
            eaten_at: m.eaten_at,
            nutrients: WireNutrients {
                kcal: m.kcal,
                carbohydrates_g: m.carbohydrates_g,
                protein_g: m.protein_g,
                fat_g: m.fat_g,
                fiber_g: m.fiber_g,
                sugar_g: m.sugar_g,
                sodium_mg: m.sodium_mg,
                water_ml: m.water_ml,
            },
        })
        .collect();
    let totals = meals
        .iter()
        .fold(WireNutrients::default(), |t, m| WireNutrients {
            kcal: round1(t.kcal + m.nutrients.kcal),
            carbohydrates_g: round1(t.carbohydrates_g + m.nutrients.carbohydrates_g),
            protein_g: round1(t.protein_g + m.nutrients.protein_g),
            fat_g: round1(t.fat_g + m.nutrients.fat_g),
            fiber_g: round1(t.fiber_g + m.nutrients.fiber_g),
            sugar_g: round1(t.sugar_g + m.nutrients.sugar_g),
            sodium_mg: round1(t.sodium_mg + m.nutrients.sodium_mg),
            water_ml: round1(t.water_ml + m.nutrients.water_ml),
        });
    WireNutrition {
        date: day.date,
        totals,
        meals,
    }
}
