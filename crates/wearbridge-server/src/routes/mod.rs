//! Every HTTP route, one module per resource; each module ends with its `router()`, and
//! [`router`] merges them here, in one place. A new resource adds a module and one line:
//! in [`terra_v2`] when it serves Terra's `/v2/...` paths (they are mounted twice, see
//! there), in [`router`] otherwise.

pub mod auth;
pub mod backfill;
pub mod data;
pub mod deliveries;
pub mod imports;
pub mod integrations;
pub mod ops;
pub mod params;
pub mod planned_workout;
pub mod provider_push;
pub mod rate_limit;
pub mod sdk_ingest;
pub mod sync_status;
pub mod users;
pub mod widget;
pub mod workouts;
pub mod writes;

use axum::Router;

use crate::state::AppState;

/// Prefix of Terra's current base URL (`https://access.tryterra.co/api/v2`): the v2 API
/// is served under `/v2/...` (the SDK-era base `https://api.tryterra.co/v2`) and again
/// under `/api/v2/...`, so a client configured with either base URL works.
pub const CURRENT_BASE_PREFIX: &str = "/api";

/// All resource routers merged (without middleware; see [`crate::app::build_router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(ops::router())
        .merge(terra_v2())
        .nest(CURRENT_BASE_PREFIX, terra_v2())
        .merge(deliveries::router())
        .merge(widget::router())
        .merge(sync_status::router())
        .merge(backfill::router())
        .merge(sdk_ingest::router())
        .merge(imports::router())
}

/// Every route of Terra's v2 API (paths starting `/v2/`), the same handlers on both
/// mounts. Wearbridge's own `/wearbridge/v1/...`, the widget pages and the operational
/// endpoints stay out of it.
fn terra_v2() -> Router<AppState> {
    Router::new()
        .merge(data::router())
        .merge(writes::router())
        .merge(planned_workout::router())
        .merge(workouts::router())
        .merge(users::router())
        .merge(integrations::router())
        .merge(auth::router())
        .merge(provider_push::router())
}
