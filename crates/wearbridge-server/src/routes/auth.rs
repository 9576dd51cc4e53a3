//! Authentication endpoints (terra-api-notes B.4): `generateWidgetSession`,
//! `authenticateUser`, `deauthenticateUser`, `generateAuthToken` and the device's token
//! exchange, and the OAuth callback `/v2/auth/callback/{provider}` (any letter case).

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use url::Url;
use wearbridge_model::api::{
    AuthenticateUserRequest, AuthenticateUserResponse, DeauthenticateUserResponse,
    GenerateAuthTokenResponse, ResponseStatus, WidgetSessionRequest, WidgetSessionResponse,
};
use wearbridge_store::ids::UserId;
use wearbridge_store::sessions::ConnectSession;

use crate::auth::AuthDeveloper;
use crate::connect::oauth::{CallbackOutcome, CallbackQuery, FailureReason, begin, complete};
use crate::connect::sdk::{SdkConnectError, connect_device, generate_token};
use crate::connect::sessions::{create_session, widget_url};
use crate::connect::{SESSION_TTL, deauth};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{PathParams, QueryParams, RawBody};
use crate::routes::params::{lookup_user, require};
use crate::state::AppState;

/// Parses an optional JSON body: Terra's SDKs send `{}` or nothing when every field is
/// absent, and both mean "defaults".
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(
    body: &Bytes,
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("invalid JSON body: {error}")))
}

/// OpenAPI shape of the session request (`WidgetSessionParams`); the handler parses
/// `wearbridge_model::api::WidgetSessionRequest`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct WidgetSessionDoc {
    /// Comma-separated provider ids, e.g. `SANDBOX,GARMIN`; absent = every enabled one.
    pub providers: Option<String>,
    /// Widget language (English is the only translation so far).
    pub language: Option<String>,
    pub reference_id: Option<String>,
    /// Absolute URL (custom schemes allowed) for the browser after success.
    pub auth_success_redirect_url: Option<String>,
    pub auth_failure_redirect_url: Option<String>,
}

/// OpenAPI shape of the session response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WidgetSessionResponseDoc {
    pub session_id: String,
    /// `{public_url}/widget/session/{session_id}`.
    pub url: String,
    pub status: String,
    /// Seconds the URL stays valid (900).
    pub expires_in: f64,
}

/// OpenAPI shape of the `authenticateUser` response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthenticateUserResponseDoc {
    pub status: String,
    /// The user id the connection will get.
    pub user_id: String,
    /// The provider's authorize URL to send the end user to.
    pub auth_url: String,
}

/// OpenAPI shape of `{"status": "success"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StatusDoc {
    pub status: String,
}

/// OpenAPI shape of the `generateAuthToken` response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthTokenDoc {
    pub status: String,
    /// Single use; 64 hex characters.
    pub token: String,
    /// Seconds (180).
    pub expires_in: i64,
}

/// `POST /v2/auth/generateWidgetSession` (the widget API's two paths share
/// [`create_widget_session`] but answer bad credentials with 403, see `widget.rs`).
#[utoipa::path(
    post,
    path = "/v2/auth/generateWidgetSession",
    operation_id = "authentication_generatewidgetsession",
    tag = "authentication",
    request_body = WidgetSessionDoc,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Session created; send the end user to `url`", body = WidgetSessionResponseDoc),
        (status = 400, description = "Unknown provider in `providers`, or a bad redirect URL", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
pub async fn generate_widget_session(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    RawBody(body): RawBody,
) -> Result<Json<WidgetSessionResponse>, ApiError> {
    create_widget_session(&state, &developer, &body).await
}

/// A widget session for `developer` from an optional `WidgetSessionParams` body: the
/// work behind every session endpoint.
pub async fn create_widget_session(
    state: &AppState,
    developer: &AuthDeveloper,
    body: &Bytes,
) -> Result<Json<WidgetSessionResponse>, ApiError> {
    let request: WidgetSessionRequest = optional_json(body)?;
    let session = create_session(&state.services(), developer.id(), request, None).await?;
    Ok(Json(WidgetSessionResponse {
        url: Some(widget_url(&state.services(), &session.id)),
        session_id: Some(session.id),
        status: Some(ResponseStatus::Success),
        // Whole seconds; Terra's schema types it as a number.
        expires_in: Some(SESSION_TTL.as_secs_f64()),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ResourceQuery {
    /// Provider id, e.g. `SANDBOX` (any letter case).
    resource: Option<String>,
}

/// `POST /v2/auth/authenticateUser?resource=PROVIDER`: a one-provider session whose user
/// id is reserved now and given to the user created on a successful callback.
#[utoipa::path(
    post,
    path = "/v2/auth/authenticateUser",
    operation_id = "authentication_authenticateuser",
    tag = "authentication",
    params(ResourceQuery),
    request_body = WidgetSessionDoc,
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Send the end user to `auth_url`", body = AuthenticateUserResponseDoc),
        (status = 400, description = "Missing resource, provider not enabled, or a bad redirect URL", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown resource", body = ErrorBody),
    )
)]
async fn authenticate_user(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<ResourceQuery>,
    RawBody(body): RawBody,
) -> Result<Json<AuthenticateUserResponse>, ApiError> {
    let resource = require(query.resource.as_deref(), "resource")?;
    let info = state
        .providers
        .info(resource)
        .ok_or_else(|| ApiError::not_found(format!("unknown resource {resource:?}")))?;
    let request: AuthenticateUserRequest = optional_json(&body)?;
    let reserved = UserId::new();
    let session_request = WidgetSessionRequest {
        providers: Some(info.id.to_owned()),
        language: request.language,
        reference_id: request.reference_id,
        auth_success_redirect_url: request.auth_success_redirect_url,
        auth_failure_redirect_url: request.auth_failure_redirect_url,
    };
    let session = create_session(
        &state.services(),
        developer.id(),
        session_request,
        Some(reserved.clone()),
    )
    .await?;
    let auth_url = begin(&state.services(), &session, info.id).await?;
    Ok(Json(AuthenticateUserResponse {
        status: Some(ResponseStatus::Success),
        user_id: Some(reserved.to_string()),
        auth_url: Some(auth_url.to_string()),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UserIdQuery {
    user_id: Option<String>,
}

/// `DELETE /v2/auth/deauthenticateUser?user_id=`.
#[utoipa::path(
    delete,
    path = "/v2/auth/deauthenticateUser",
    operation_id = "authentication_deauthenticateuser",
    tag = "authentication",
    params(UserIdQuery),
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "Revoked at the provider, tokens and data deleted, `deauth` event queued", body = StatusDoc),
        (status = 400, description = "Missing or malformed user_id", body = ErrorBody),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown user", body = ErrorBody),
    )
)]
async fn deauthenticate_user(
    State(state): State<AppState>,
    developer: AuthDeveloper,
    QueryParams(query): QueryParams<UserIdQuery>,
) -> Result<Json<DeauthenticateUserResponse>, ApiError> {
    let user_id = require(query.user_id.as_deref(), "user_id")?;
    let user = lookup_user(&state, &developer, user_id).await?;
    deauth::deauthenticate(&state.services(), &user).await?;
    Ok(Json(DeauthenticateUserResponse {
        status: Some(ResponseStatus::Success),
    }))
}

/// `POST /v2/auth/generateAuthToken`: a single-use token for a mobile SDK.
#[utoipa::path(
    post,
    path = "/v2/auth/generateAuthToken",
    operation_id = "authentication_generateauthtoken",
    tag = "authentication",
    security(("dev_id" = [], "api_key" = [])),
    responses(
        (status = 200, description = "A token for `POST /v2/auth/sdk/connect`", body = AuthTokenDoc),
        (status = 401, description = "Missing or wrong credentials", body = ErrorBody),
    )
)]
async fn generate_auth_token(
    State(state): State<AppState>,
    developer: AuthDeveloper,
) -> Result<Json<GenerateAuthTokenResponse>, ApiError> {
    let (token, expires_in) = generate_token(&state.services(), developer.id()).await?;
    Ok(Json(GenerateAuthTokenResponse {
        status: Some("success".to_owned()),
        token: Some(token),
        expires_in: i64::try_from(expires_in).ok(),
    }))
}

/// The device's exchange of an auth token for a connection (our own endpoint: Terra's
/// mobile SDKs talk to a private one; see docs/DECISIONS.md "Connect").
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct SdkConnectRequest {
    token: String,
    /// `APPLE`, `SAMSUNG` or `GOOGLEFIT` (any letter case; `HEALTH_CONNECT`, the name
    /// before issue 16, is accepted for `GOOGLEFIT`).
    resource: String,
    #[serde(default)]
    reference_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SdkConnectResponse {
    status: &'static str,
    user_id: String,
    /// Terra's provider id (`GOOGLEFIT` for an alias).
    resource: String,
    /// The device's credential for `POST /wearbridge/v1/sdk/data/{type}` (send as
    /// `Authorization: Bearer <ingest_token>`). 64 hex characters, shown once, valid
    /// until the user is deauthenticated; keep it in the device's secure storage.
    ingest_token: String,
}

/// `POST /v2/auth/sdk/connect` with `{token, resource, reference_id?}`; no developer
/// headers: the token is the credential. Answers the user and its ingest credential.
#[utoipa::path(
    post,
    path = "/v2/auth/sdk/connect",
    operation_id = "authentication_sdkconnect",
    tag = "authentication",
    request_body = SdkConnectRequest,
    responses(
        (status = 200, description = "The device's user was created; `ingest_token` lets the device post its data", body = SdkConnectResponse),
        (status = 400, description = "Not an SDK provider, or a malformed body", body = ErrorBody),
        (status = 401, description = "Unknown, used or expired token", body = ErrorBody),
    )
)]
async fn sdk_connect(
    State(state): State<AppState>,
    RawBody(body): RawBody,
) -> Result<Json<SdkConnectResponse>, ApiError> {
    let request: SdkConnectRequest = serde_json::from_slice(&body)
        .map_err(|error| ApiError::bad_request(format!("invalid JSON body: {error}")))?;
    let connected = connect_device(
        &state.services(),
        &request.token,
        &request.resource,
        request.reference_id,
    )
    .await
    .map_err(|error| match error {
        SdkConnectError::InvalidToken => ApiError::Unauthorized,
        SdkConnectError::NotAnSdkProvider(_) => ApiError::bad_request(error.to_string()),
        SdkConnectError::Connect(inner) => inner.into(),
    })?;
    Ok(Json(SdkConnectResponse {
        status: "success",
        user_id: connected.user.id.to_string(),
        resource: connected.user.provider,
        ingest_token: connected.ingest_token,
    }))
}

/// `GET /v2/auth/callback/{provider}`: always answers with a redirect, to the developer's
/// URL or to our own success/failure page.
#[utoipa::path(
    get,
    path = "/v2/auth/callback/{provider}",
    operation_id = "authentication_callback",
    tag = "authentication",
    params(("provider" = String, Path, description = "Provider id, any letter case")),
    responses(
        (status = 303, description = "To the success URL with user_id, resource, reference_id; or to the failure URL with reason"),
    )
)]
async fn callback(
    State(state): State<AppState>,
    PathParams(provider): PathParams<String>,
    QueryParams(query): QueryParams<CallbackQuery>,
) -> Response {
    let outcome = complete(&state.services(), &provider, query).await;
    Redirect::to(&outcome_location(&state, &outcome)).into_response()
}

/// Where the browser goes after a callback. Success: `user_id`, `resource`,
/// `reference_id` (the literal `null` when absent, as Terra's docs show). Failure: the
/// same plus `reason`.
pub fn outcome_location(state: &AppState, outcome: &CallbackOutcome) -> String {
    let base = state.config.public_base_url();
    match outcome {
        CallbackOutcome::Connected(connected) => {
            let (user, session) = (&connected.user, &connected.session);
            let params = [
                ("user_id", user.id.to_string()),
                ("resource", user.provider.clone()),
                (
                    "reference_id",
                    user.reference_id
                        .clone()
                        .unwrap_or_else(|| "null".to_owned()),
                ),
            ];
            with_query(
                session.success_url.as_deref(),
                &format!("{base}/widget/success"),
                &params,
            )
        }
        CallbackOutcome::Failed {
            session,
            provider,
            reason,
        } => failure_location(&base, session.as_deref(), provider, *reason),
    }
}

fn failure_location(
    base: &str,
    session: Option<&ConnectSession>,
    provider: &str,
    reason: FailureReason,
) -> String {
    let reference = session
        .and_then(|session| session.reference_id.clone())
        .unwrap_or_else(|| "null".to_owned());
    let mut params = vec![
        ("reason", reason.as_str().to_owned()),
        ("resource", provider.to_owned()),
        ("reference_id", reference),
    ];
    if let Some(user) = session.and_then(|session| session.reserved_user_id.as_ref()) {
        params.push(("user_id", user.to_string()));
    }
    let target = session.and_then(|session| session.failure_url.as_deref());
    with_query(target, &format!("{base}/widget/failure"), &params)
}

/// `target` (or `fallback`) with `params` appended to whatever query it already has.
fn with_query(target: Option<&str>, fallback: &str, params: &[(&str, String)]) -> String {
    let Some(mut url) = target
        .and_then(|text| Url::parse(text).ok())
        .or_else(|| Url::parse(fallback).ok())
    else {
        return fallback.to_owned();
    };
    url.query_pairs_mut()
        .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    url.to_string()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v2/auth/generateWidgetSession",
            post(generate_widget_session),
        )
        .route("/v2/auth/authenticateUser", post(authenticate_user))
        .route("/v2/auth/deauthenticateUser", delete(deauthenticate_user))
        .route("/v2/auth/generateAuthToken", post(generate_auth_token))
        .route("/v2/auth/sdk/connect", post(sdk_connect))
        .route("/v2/auth/callback/{provider}", get(callback))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    generate_widget_session,
    authenticate_user,
    deauthenticate_user,
    generate_auth_token,
    sdk_connect,
    callback
))]
pub struct AuthApi;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_appended_to_an_existing_query() {
        let url = with_query(
            Some("https://app.example/done?x=1"),
            "http://fallback/",
            &[
                ("user_id", "u".to_owned()),
                ("reference_id", "a b".to_owned()),
            ],
        );
        assert_eq!(
            url,
            "https://app.example/done?x=1&user_id=u&reference_id=a+b"
        );
        let fallback = with_query(
            None,
            "http://h/widget/success",
            &[("resource", "SANDBOX".to_owned())],
        );
        assert_eq!(fallback, "http://h/widget/success?resource=SANDBOX");
    }
}
