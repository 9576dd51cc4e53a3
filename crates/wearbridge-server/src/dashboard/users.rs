//! The users page (search, state, last data and webhook) and one user's page (backfill
//! progress per type, disconnect, re-pull a range, a widget link to reconnect).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;
use wearbridge_model::DataType;
use wearbridge_store::User;
use wearbridge_store::ids::UserId;

use super::session::{DevSession, Posted, see_other};
use super::{Chrome, DashError, render};
use crate::auth::AuthDeveloper;
use crate::connect::deauth::deauthenticate;
use crate::error::ApiError;
use crate::extract::{PathParams, QueryParams};
use crate::state::{AppState, now_micros};
use crate::sync::repull::{RepullError, repull};
use crate::sync::status::{SyncStatus, sync_status};

/// One user as the pages show it.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub reference_id: String,
    pub provider: String,
    /// `active` or `revoked` (the provider no longer accepts the grant).
    pub state: &'static str,
    pub connected_at: String,
    pub last_data: String,
    pub last_webhook: String,
}

/// A unix-microsecond instant as `YYYY-MM-DD HH:MM UTC`, or `—`.
pub fn when(micros: Option<i64>) -> String {
    micros
        .and_then(chrono::DateTime::from_timestamp_micros)
        .map_or_else(
            || "—".to_owned(),
            |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
}

impl From<&User> for UserRow {
    fn from(user: &User) -> UserRow {
        UserRow {
            id: user.id.to_string(),
            reference_id: user.reference_id.clone().unwrap_or_default(),
            provider: user.provider.clone(),
            state: if user.active { "active" } else { "revoked" },
            connected_at: when(Some(user.created_at)),
            last_data: when(user.most_recent_data_at),
            last_webhook: when(user.last_webhook_update),
        }
    }
}

/// The users page's search: `q` matches the user id or the reference id (substring, any
/// case), `provider` the provider exactly (any case).
#[derive(Debug, Default, Deserialize)]
pub struct Search {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub provider: String,
}

impl Search {
    /// Whether `user` matches (IO-free; the list is one developer's users).
    pub fn matches(&self, user: &User) -> bool {
        let q = self.q.trim().to_lowercase();
        let text_ok = q.is_empty()
            || user.id.as_str().contains(&q)
            || user
                .reference_id
                .as_deref()
                .is_some_and(|reference| reference.to_lowercase().contains(&q));
        let provider = self.provider.trim();
        text_ok && (provider.is_empty() || user.provider.eq_ignore_ascii_case(provider))
    }
}

#[derive(Template)]
#[template(path = "dashboard/users.html")]
struct UsersPage {
    chrome: Chrome,
    q: String,
    provider: String,
    providers: Vec<String>,
    users: Vec<UserRow>,
    total: usize,
}

#[derive(Template)]
#[template(path = "dashboard/user.html")]
struct UserPage {
    chrome: Chrome,
    user: UserRow,
    sync: SyncStatus,
    notice: Option<String>,
    types: String,
}

/// `dev`'s user `id`, or 404 (also for another developer's user, or a malformed id).
pub async fn own_user(
    state: &AppState,
    developer: &AuthDeveloper,
    id: &str,
) -> Result<User, DashError> {
    let id = UserId::parse(id.trim()).map_err(|_| DashError::NotFound)?;
    state
        .store
        .get_user(developer.id(), &id)
        .await?
        .ok_or(DashError::NotFound)
}

/// `GET /dashboard/users`.
async fn list(
    State(state): State<AppState>,
    session: DevSession,
    QueryParams(search): QueryParams<Search>,
) -> Result<Response, DashError> {
    let all = state.store.list_all_users(session.developer.id()).await?;
    let mut providers: Vec<String> = all.iter().map(|user| user.provider.clone()).collect();
    providers.sort();
    providers.dedup();
    let users: Vec<UserRow> = all
        .iter()
        .filter(|user| search.matches(user))
        .map(UserRow::from)
        .collect();
    let page = UsersPage {
        chrome: session.chrome("users"),
        q: search.q,
        provider: search.provider,
        providers,
        total: all.len(),
        users,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, Deserialize)]
struct Notice {
    #[serde(default)]
    notice: Option<String>,
}

/// `GET /dashboard/users/{id}`.
async fn show(
    State(state): State<AppState>,
    session: DevSession,
    PathParams(id): PathParams<String>,
    QueryParams(notice): QueryParams<Notice>,
) -> Result<Response, DashError> {
    let user = own_user(&state, &session.developer, &id).await?;
    let adapter = state.providers.get(&user.provider);
    let supported = adapter.as_ref().map(|provider| provider.supported_types());
    let sync = sync_status(&state.store, &user, supported).await?;
    let types = supported
        .unwrap_or(&[])
        .iter()
        .map(|data_type| data_type.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let page = UserPage {
        chrome: session.chrome("users"),
        user: UserRow::from(&user),
        sync,
        notice: notice.notice.filter(|text| !text.is_empty()),
        types,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /dashboard/users/{id}/disconnect`: what `DELETE /v2/auth/deauthenticateUser` does.
async fn disconnect(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, DashError> {
    let user = own_user(&state, &posted.session.developer, &id).await?;
    deauthenticate(&state.services(), &user)
        .await
        .map_err(ApiError::from)?;
    Ok(see_other("/dashboard/users"))
}

#[derive(Debug, Deserialize)]
struct RepullForm {
    start_date: String,
    end_date: String,
    /// Comma-separated data types; empty: every type the provider offers.
    #[serde(default)]
    types: String,
}

fn day(value: &str, name: &str) -> Result<NaiveDate, DashError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| DashError::BadRequest(format!("{name} must be a date (YYYY-MM-DD)")))
}

fn data_types(text: &str) -> Result<Option<Vec<DataType>>, DashError> {
    let names: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    names
        .into_iter()
        .map(|name| {
            name.parse::<DataType>()
                .map_err(|_| DashError::BadRequest(format!("unknown data type {name:?}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `POST /dashboard/users/{id}/backfill`: what `POST /wearbridge/v1/users/{id}/backfill`
/// does; back to the user's page with what was queued.
async fn backfill(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    posted: Posted<RepullForm>,
) -> Result<Response, DashError> {
    let user = own_user(&state, &posted.session.developer, &id).await?;
    let form = posted.form;
    let range = (
        day(&form.start_date, "start date")?,
        day(&form.end_date, "end date")?,
    );
    let types = data_types(&form.types)?;
    let provider = state.providers.get(&user.provider).ok_or_else(|| {
        DashError::BadRequest(RepullError::ProviderNotEnabled(user.provider.clone()).to_string())
    })?;
    let queued = repull(
        (&state.store, now_micros(&state)),
        &user,
        provider.supported_types(),
        range,
        types,
    )
    .await
    .map_err(|error| match error {
        RepullError::Store(error) => DashError::from(error),
        other => DashError::BadRequest(other.to_string()),
    })?;
    let notice = format!(
        "Re-pull {} to {}: {}",
        queued.start_date,
        queued.end_date,
        queued.status.replace('_', " ")
    );
    let query = serde_urlencoded::to_string([("notice", notice)]).unwrap_or_default();
    Ok(see_other(&format!("/dashboard/users/{}?{query}", user.id)))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/users", get(list))
        .route("/dashboard/users/{id}", get(show))
        .route("/dashboard/users/{id}/disconnect", post(disconnect))
        .route("/dashboard/users/{id}/backfill", post(backfill))
}
