//! One user's data page: a week or a month of stored records as charts (steps and
//! calories per day, resting heart rate, heart-rate samples, each night's hypnogram,
//! each workout's heart-rate curve) and the raw JSON of every record.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use serde_json::Value;
use wearbridge_model::DataType;
use wearbridge_store::{RecordQuery, User};

use super::charts::{bars, hypnogram, line};
use super::series;
use super::session::DevSession;
use super::users::{UserRow, own_user};
use super::{Chrome, DashError, render};
use crate::extract::{PathParams, QueryParams};
use crate::state::AppState;

/// A chart with its heading.
#[derive(Debug)]
pub struct Chart {
    pub title: String,
    /// SVG markup from [`super::charts`] (escaped there).
    pub svg: String,
}

/// One stored record, as stored.
#[derive(Debug)]
pub struct RawRecord {
    pub kind: &'static str,
    pub label: String,
    pub json: String,
}

#[derive(Template)]
#[template(path = "dashboard/data.html")]
struct DataPage {
    chrome: Chrome,
    user: UserRow,
    view: &'static str,
    start: NaiveDate,
    end: NaiveDate,
    earlier: String,
    later: String,
    charts: Vec<Chart>,
    records: Vec<RawRecord>,
}

#[derive(Debug, Default, Deserialize)]
struct RangeQuery {
    #[serde(default)]
    view: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

/// The days shown: `week` (7) or `month` (30), ending on `end` (default: today).
fn range(
    query: &RangeQuery,
    today: NaiveDate,
) -> Result<(&'static str, NaiveDate, NaiveDate), DashError> {
    let (view, days) = match query.view.as_deref() {
        None | Some("week") => ("week", 7),
        Some("month") => ("month", 30),
        Some(other) => {
            return Err(DashError::BadRequest(format!(
                "view must be week or month, not {other:?}"
            )));
        }
    };
    let end = match query.end.as_deref().filter(|text| !text.is_empty()) {
        None => today,
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| DashError::BadRequest("end must be a date (YYYY-MM-DD)".to_owned()))?,
    };
    let start = end.checked_sub_days(Days::new(days - 1)).unwrap_or(end);
    Ok((view, start, end))
}

async fn records(
    state: &AppState,
    user: &User,
    data_type: DataType,
    (start, end): (NaiveDate, NaiveDate),
) -> Result<Vec<String>, DashError> {
    let query = RecordQuery {
        start_ts: 0,
        end_ts: 0,
        local_days: Some((start, end)),
        with_samples: true,
    };
    Ok(state
        .store
        .query_records(&user.developer_id, &user.id, data_type, query)
        .await?)
}

fn parsed(texts: &[String]) -> Vec<Value> {
    texts
        .iter()
        .filter_map(|text| serde_json::from_str(text).ok())
        .collect()
}

fn label(record: &Value) -> String {
    record
        .pointer("/metadata/start_time")
        .and_then(Value::as_str)
        .unwrap_or("record")
        .to_owned()
}

/// Every chart of the range.
fn charts(days: &[NaiveDate], daily: &[Value], sleep: &[Value], activity: &[Value]) -> Vec<Chart> {
    let day = series::daily(daily);
    let mut charts = vec![
        Chart {
            title: "Steps per day".into(),
            svg: bars("Steps per day", "steps", days, &day.steps),
        },
        Chart {
            title: "Calories per day".into(),
            svg: bars("Calories burned per day", "kcal", days, &day.calories),
        },
        Chart {
            title: "Resting heart rate".into(),
            svg: bars("Resting heart rate per day", "bpm", days, &day.resting_hr),
        },
        Chart {
            title: "Heart rate samples".into(),
            svg: line("Heart rate samples, bpm", &day.hr_samples),
        },
    ];
    for night in sleep.iter().filter_map(series::night) {
        let title = format!("Sleep from {}", chart_time(night.start));
        charts.push(Chart {
            svg: hypnogram(&title, &night.stages),
            title,
        });
    }
    for workout in series::workouts(activity) {
        let title = format!("{} at {}", workout.name, chart_time(workout.start));
        charts.push(Chart {
            svg: line(&format!("{title}, heart rate in bpm"), &workout.hr),
            title,
        });
    }
    charts
}

fn chart_time(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(String::new, |at| {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    })
}

/// `GET /dashboard/users/{id}/data?view=week|month&end=YYYY-MM-DD`.
async fn page(
    State(state): State<AppState>,
    session: DevSession,
    PathParams(id): PathParams<String>,
    QueryParams(query): QueryParams<RangeQuery>,
) -> Result<Response, DashError> {
    let user = own_user(&state, &session.developer, &id).await?;
    let (view, start, end) = range(&query, state.clock.now().date_naive())?;
    let daily = records(&state, &user, DataType::Daily, (start, end)).await?;
    let sleep = records(&state, &user, DataType::Sleep, (start, end)).await?;
    let activity = records(&state, &user, DataType::Activity, (start, end)).await?;
    let days: Vec<NaiveDate> = start.iter_days().take_while(|day| *day <= end).collect();
    let (daily_v, sleep_v, activity_v) = (parsed(&daily), parsed(&sleep), parsed(&activity));
    let charts = charts(&days, &daily_v, &sleep_v, &activity_v);
    let mut raw = Vec::new();
    for (kind, values, texts) in [
        ("daily", &daily_v, daily),
        ("sleep", &sleep_v, sleep),
        ("activity", &activity_v, activity),
    ] {
        raw.extend(values.iter().zip(texts).map(|(value, json)| RawRecord {
            kind,
            label: label(value),
            json,
        }));
    }
    let span = Days::new(days.len() as u64);
    let link = |to: Option<NaiveDate>| {
        to.map_or_else(String::new, |to| {
            format!("/dashboard/users/{}/data?view={view}&end={to}", user.id)
        })
    };
    let page = DataPage {
        chrome: session.chrome("users"),
        earlier: link(end.checked_sub_days(span)),
        later: link(end.checked_add_days(span)),
        user: UserRow::from(&user),
        view,
        start,
        end,
        charts,
        records: raw,
    };
    Ok(render(StatusCode::OK, &page))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard/users/{id}/data", get(page))
}
