//! Our OpenAPI document, generated from the handlers' annotations and served at
//! `/openapi.json`. A snapshot test (`openapi.snapshot.json`) fails when it drifts.
//!
//! Paths served twice are listed twice ([`add_aliases`]): every `/v2/...` path again
//! under `/api/v2/...` (Terra's current base URL) and the widget session under
//! `/api/widget/session`, each alias with its own `operationId` (`<id>_api`), so the
//! document lists exactly what the router serves.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    CURRENT_BASE_PREFIX, auth, backfill, data, deliveries, imports, integrations, ops,
    planned_workout, provider_push, sdk_ingest, sync_status, users, widget, workouts, writes,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Wearbridge",
        description = "A self-hostable server speaking Terra's v2 wearables API.",
        license(name = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "data", description = "Health and fitness records"),
        (name = "users", description = "Connected users"),
        (name = "workouts", description = "Workout templates and planned workouts, pushed to the user's provider"),
        (name = "integrations", description = "Providers offered by this deployment"),
        (name = "sdk", description = "Mobile-SDK data ingest: phones post Apple Health, Samsung Health and Health Connect records (Wearbridge's own /wearbridge/v1 prefix)"),
        (name = "imports", description = "Imports of files users exported themselves: Apple Health (Wearbridge's own /wearbridge/v1 prefix)"),
        (name = "sync", description = "Provider push notifications and backfill progress (Wearbridge's own /wearbridge/v1 prefix)"),
        (name = "operations", description = "Health, readiness, metrics")
    )
)]
struct BaseApi;

/// Terra's two credential headers, and the mobile-SDK ingest credential.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "dev_id",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("dev-id"))),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
        );
        components.add_security_scheme(
            "sdk_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The `ingest_token` of POST /v2/auth/sdk/connect (one device, one user)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The complete document. The version is fixed (not the crate version) so the snapshot
/// changes only when the API does.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = BaseApi::openapi();
    document.info.version = "2".to_owned();
    document.merge(ops::OpsApi::openapi());
    document.merge(auth::AuthApi::openapi());
    document.merge(data::DataApi::openapi());
    document.merge(writes::WritesApi::openapi());
    document.merge(planned_workout::PlannedWorkoutApi::openapi());
    document.merge(workouts::WorkoutsApi::openapi());
    document.merge(users::UsersApi::openapi());
    document.merge(integrations::IntegrationsApi::openapi());
    document.merge(deliveries::DeliveriesApi::openapi());
    document.merge(provider_push::ProviderPushApi::openapi());
    document.merge(sync_status::SyncStatusApi::openapi());
    document.merge(backfill::RepullApi::openapi());
    document.merge(sdk_ingest::SdkIngestApi::openapi());
    document.merge(imports::ImportsApi::openapi());
    document.merge(widget::WidgetApi::openapi());
    add_aliases(&mut document);
    document
}

/// Lists the second mount of each path served twice (see the module docs).
fn add_aliases(document: &mut utoipa::openapi::OpenApi) {
    let aliases: Vec<(String, utoipa::openapi::PathItem)> = document
        .paths
        .paths
        .iter()
        .filter_map(|(path, item)| {
            let alias = if path.starts_with("/v2/") {
                format!("{CURRENT_BASE_PREFIX}{path}")
            } else if path == "/widget/api/session" {
                "/api/widget/session".to_owned()
            } else {
                return None;
            };
            let mut item = item.clone();
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                if let Some(id) = &mut operation.operation_id {
                    id.push_str("_api");
                }
            }
            Some((alias, item))
        })
        .collect();
    document.paths.paths.extend(aliases);
}
