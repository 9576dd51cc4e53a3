//! User endpoints: `GET /v2/userInfo`, `GET /v2/subscriptions`, `POST /v2/bulkUserInfo`,
//! `PATCH /v2/users/{user_id}` (terra-api-notes B.5), all scoped to the calling developer.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer, Serialize};
use wearbridge_store::{Page, User, UserPatch};

use crate::auth::AuthDeveloper;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, PathParams, QueryParams};
use crate::routes::params::{USER_NOT_FOUND, lookup_user, parse_user_id};
use crate::state::AppState;
use wearbridge_model::TerraUser;
use wearbridge_model::api::UserInfoUser;

use crate::wire::{TerraUserDoc, terra_user, timestamp};

/// `per_page` default of `/subscriptions` (Terra's).
const DEFAULT_PER_PAGE: u32 = 500;
/// Largest `per_page` accepted; bounds the size of one response.
const MAX_PER_PAGE: u32 = 10_000;
/// Most user ids accepted by one `/bulkUserInfo` call.
const MAX_BULK_IDS: usize = 1_000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserInfoQuery {
    /// Terra user id; takes precedence over `reference_id`.
    pub user_id: Option<String>,
    /// The developer's own id; returns every user carrying it.
    pub reference_id: Option<String>,
}

/// `{"user", "status": "success", "is_authenticated"}`; `user` also carries the current
/// spec's `last_polled_at` and `most_recent_data_at`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserInfoResponse {
    #[schema(value_type = TerraUserDoc)]
    pub user: UserInfoUser,
    pub status: &'static str,
    pub is_authenticated: bool,
}

/// The two answers of `GET /v2/userInfo` (documentation only): one user by `user_id`,
/// or every user carrying a `reference_id` as a bare array (as Terra answers).
#[derive(Debug, utoipa::ToSchema)]
#[serde(untagged)]
pub enum UserInfoAnswer {
    One(UserInfoResponse),
    ByReference(Vec<TerraUserDoc>),
}

#[utoipa::path(
    get,
    path = "/v2/userInfo",
    operation_id = "user_getinfoforuserid",
    tag = "users",
    params(UserInfoQuery),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "With `user_id`: `{user, status, is_authenticated}`; with `reference_id`: a bare array of TerraUser", body = UserInfoAnswer),
        (status = 400, description = "Neither parameter, or a malformed one", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
    )
)]
async fn user_info(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<UserInfoQuery>,
) -> Result<Response, ApiError> {
    if let Some(user_id) = query.user_id.as_deref().filter(|v| !v.is_empty()) {
        let user = lookup_user(&state, &developer, user_id).await?;
        let body = UserInfoResponse {
            user: UserInfoUser {
                user: terra_user(&user),
                last_polled_at: user.last_polled_at.and_then(timestamp),
                most_recent_data_at: user.most_recent_data_at.and_then(timestamp),
            },
            status: "success",
            // Deauthenticated users are never returned by the store, so every user found
            // is authenticated.
            is_authenticated: true,
        };
        return Ok(Json(body).into_response());
    }
    if let Some(reference_id) = query.reference_id.as_deref().filter(|v| !v.is_empty()) {
        let users = state
            .store
            .users_by_reference_id(developer.id(), reference_id)
            .await?;
        return Ok(Json(terra_users(&users)).into_response());
    }
    Err(ApiError::bad_request("user_id or reference_id is required"))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionsQuery {
    /// Zero-based page; without it every user is returned at once.
    pub page: Option<String>,
    /// Users per page (default 500).
    pub per_page: Option<String>,
}

/// `{"users": [...]}` (no `page`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AllUsers {
    #[schema(value_type = Vec<TerraUserDoc>)]
    pub users: Vec<TerraUser>,
}

/// `{"data": {"next", "max_page", "results"}}` (with `page`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PagedUsers {
    pub data: UserPage,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserPage {
    pub next: Option<u32>,
    pub max_page: u32,
    #[schema(value_type = Vec<TerraUserDoc>)]
    pub results: Vec<TerraUser>,
}

#[utoipa::path(
    get,
    path = "/v2/subscriptions",
    operation_id = "user_getalluserids",
    tag = "users",
    params(SubscriptionsQuery),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "`{users}` without `page`, `{data: {next, max_page, results}}` with it", body = AllUsers),
        (status = 400, description = "Malformed `page` or `per_page`", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
async fn subscriptions(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<SubscriptionsQuery>,
) -> Result<Response, ApiError> {
    let per_page = parse_count(query.per_page.as_deref(), "per_page", DEFAULT_PER_PAGE)?;
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(ApiError::bad_request(format!(
            "per_page must be between 1 and {MAX_PER_PAGE}"
        )));
    }
    let Some(page) = query.page.as_deref() else {
        let users = state.store.list_all_users(developer.id()).await?;
        return Ok(Json(AllUsers {
            users: terra_users(&users),
        })
        .into_response());
    };
    let page = parse_count(Some(page), "page", 0)?;
    let (users, total) = state
        .store
        .list_users(developer.id(), Page { page, per_page })
        .await?;
    Ok(Json(PagedUsers {
        data: user_page(page, per_page, total, terra_users(&users)),
    })
    .into_response())
}

/// Page arithmetic of `/subscriptions`: `max_page` is the last zero-based page (0 when
/// there are no users); `next` is null on and after the last page.
fn user_page(page: u32, per_page: u32, total: i64, results: Vec<TerraUser>) -> UserPage {
    let total = u64::try_from(total).unwrap_or(0);
    let pages = total.div_ceil(u64::from(per_page.max(1)));
    let max_page = u32::try_from(pages.saturating_sub(1)).unwrap_or(u32::MAX);
    let next = (page < max_page).then(|| page + 1);
    UserPage {
        next,
        max_page,
        results,
    }
}

fn parse_count(value: Option<&str>, name: &str, default: u32) -> Result<u32, ApiError> {
    match value {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_request(format!("{name} must be a non-negative integer"))),
    }
}

#[utoipa::path(
    post,
    path = "/v2/bulkUserInfo",
    operation_id = "user_getinfoformultipleuserids",
    tag = "users",
    request_body(content = Vec<String>, description = "A bare JSON array of user ids"),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "A bare array of TerraUser, in request order", body = Vec<TerraUserDoc>),
        (status = 400, description = "Not an array of user ids, or too many", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "One of the users is unknown (the message names it)", body = ErrorBody),
    )
)]
async fn bulk_user_info(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    JsonBody(ids): JsonBody<Vec<String>>,
) -> Result<Json<Vec<TerraUser>>, ApiError> {
    if ids.len() > MAX_BULK_IDS {
        return Err(ApiError::bad_request(format!(
            "at most {MAX_BULK_IDS} user ids per request"
        )));
    }
    let user_ids = ids
        .iter()
        .map(|id| parse_user_id(id, "user id"))
        .collect::<Result<Vec<_>, _>>()?;
    let found = state.store.get_users(developer.id(), &user_ids).await?;
    let mut ordered = Vec::with_capacity(user_ids.len());
    for user_id in &user_ids {
        let user = found
            .iter()
            .find(|user| &user.id == user_id)
            .ok_or_else(|| ApiError::not_found(format!("{USER_NOT_FOUND}: {user_id}")))?;
        ordered.push(terra_user(user));
    }
    Ok(Json(ordered))
}

/// Body of `PATCH /v2/users/{user_id}`. Unknown keys are refused so a typo does not
/// silently do nothing.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModifyUserBody {
    /// New reference id; `null` clears it; absent leaves it.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>)]
    pub reference_id: Option<Option<String>>,
    /// New active flag.
    #[serde(default)]
    pub active: Option<bool>,
}

/// Distinguishes an absent key (outer `None`, via `default`) from `null` (`Some(None)`).
fn present_or_null<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// `{"user", "status": "success"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModifyUserResponse {
    #[schema(value_type = TerraUserDoc)]
    pub user: TerraUser,
    pub status: &'static str,
}

#[utoipa::path(
    patch,
    path = "/v2/users/{user_id}",
    operation_id = "user_modifyuser",
    tag = "users",
    params(("user_id" = String, Path, description = "Terra user id")),
    request_body = ModifyUserBody,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "The updated user", body = ModifyUserResponse),
        (status = 400, description = "Malformed body or user id", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
    )
)]
async fn modify_user(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    PathParams(user_id): PathParams<String>,
    JsonBody(body): JsonBody<ModifyUserBody>,
) -> Result<Json<ModifyUserResponse>, ApiError> {
    let user_id = parse_user_id(&user_id, "user_id")?;
    let patch = UserPatch {
        reference_id: body.reference_id,
        active: body.active,
    };
    let user = state
        .store
        .update_user(developer.id(), &user_id, patch)
        .await?
        .ok_or_else(|| ApiError::not_found(USER_NOT_FOUND))?;
    Ok(Json(ModifyUserResponse {
        user: terra_user(&user),
        status: "success",
    }))
}

fn terra_users(users: &[User]) -> Vec<TerraUser> {
    users.iter().map(terra_user).collect()
}

/// The user routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/userInfo", get(user_info))
        .route("/v2/subscriptions", get(subscriptions))
        .route("/v2/bulkUserInfo", post(bulk_user_info))
        .route("/v2/users/{user_id}", patch(modify_user))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(user_info, subscriptions, bulk_user_info, modify_user))]
pub struct UsersApi;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_arithmetic() {
        let page = user_page(0, 2, 5, Vec::new());
        assert_eq!((page.next, page.max_page), (Some(1), 2));
        let last = user_page(2, 2, 5, Vec::new());
        assert_eq!((last.next, last.max_page), (None, 2));
        let empty = user_page(0, 500, 0, Vec::new());
        assert_eq!((empty.next, empty.max_page), (None, 0));
        let exact = user_page(0, 5, 5, Vec::new());
        assert_eq!((exact.next, exact.max_page), (None, 0));
    }
}
