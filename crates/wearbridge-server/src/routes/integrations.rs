//! `GET /v2/integrations` and `GET /v2/integrations/detailed`, from the provider registry
//! (terra-api-notes B.6). Both are public: Terra serves the first without credentials and
//! reads only an optional `dev-id` on the second.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use wearbridge_providers::{DataTypeSupport, ProviderInfo};

use crate::auth::DevIdHint;
use crate::error::{ApiError, ErrorBody};
use crate::extract::QueryParams;
use crate::routes::params::parse_bool;
use crate::state::AppState;

/// `{"providers": [...], "sdk_resource": [...], "status": "success"}` (SDK-era names).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IntegrationsResponse {
    /// Providers connected through the web flow.
    pub providers: Vec<String>,
    /// Providers reachable only through the mobile SDKs.
    pub sdk_resource: Vec<String>,
    pub status: &'static str,
}

#[utoipa::path(
    get,
    path = "/v2/integrations",
    operation_id = "integrations_fetch",
    tag = "integrations",
    responses((status = 200, description = "Provider ids offered by this deployment", body = IntegrationsResponse))
)]
async fn integrations(State(state): State<AppState>) -> Json<IntegrationsResponse> {
    let enabled = state.providers.all().iter().filter(|p| p.enabled);
    let (sdk, web): (Vec<&ProviderInfo>, Vec<&ProviderInfo>) = enabled.partition(|p| p.sdk_only);
    Json(IntegrationsResponse {
        providers: web.iter().map(|p| p.id.to_owned()).collect(),
        sdk_resource: sdk.iter().map(|p| p.id.to_owned()).collect(),
        status: "success",
    })
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailedQuery {
    /// Include mobile-SDK-only providers (default false).
    pub sdk: Option<String>,
}

/// Terra's `IntegrationProvider`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IntegrationProvider {
    pub provider: String,
    pub name: String,
    /// Absolute icon URL.
    pub icon: String,
    pub setup: String,
    pub enabled: bool,
    #[schema(value_type = Object)]
    pub types: DataTypeSupport,
}

/// `{"status": "success", "providers": [IntegrationProvider]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DetailedIntegrationsResponse {
    pub status: &'static str,
    pub providers: Vec<IntegrationProvider>,
}

#[utoipa::path(
    get,
    path = "/v2/integrations/detailed",
    operation_id = "integrations_detailedfetch",
    tag = "integrations",
    params(DetailedQuery),
    responses(
        (status = 200, description = "Every provider with its capabilities", body = DetailedIntegrationsResponse),
        (status = 400, description = "Malformed `sdk`", body = ErrorBody),
    )
)]
async fn integrations_detailed(
    State(state): State<AppState>,
    // Terra tailors the list to the developer's enabled providers; this deployment
    // enables the same providers for every developer, so the hint changes nothing yet.
    DevIdHint(_dev_id): DevIdHint,
    QueryParams(query): QueryParams<DetailedQuery>,
) -> Result<Json<DetailedIntegrationsResponse>, ApiError> {
    let include_sdk = parse_bool(query.sdk.as_deref(), "sdk", false)?;
    let base_url = state.config.public_base_url();
    let providers = state
        .providers
        .all()
        .iter()
        .filter(|provider| include_sdk || !provider.sdk_only)
        .map(|provider| IntegrationProvider {
            provider: provider.id.to_owned(),
            name: provider.name.to_owned(),
            icon: format!("{base_url}{}", provider.icon_path),
            setup: provider.setup.as_str().to_owned(),
            enabled: provider.enabled,
            types: provider.types,
        })
        .collect();
    Ok(Json(DetailedIntegrationsResponse {
        status: "success",
        providers,
    }))
}

/// The integrations routes (public).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/integrations", get(integrations))
        .route("/v2/integrations/detailed", get(integrations_detailed))
}

/// The OpenAPI paths of this module.
#[derive(utoipa::OpenApi)]
#[openapi(paths(integrations, integrations_detailed))]
pub struct IntegrationsApi;
