//! Every HTTP route, one module per resource; each module ends with its `router()`, and
//! [`router`] merges them here, in one place. A new resource adds a module and one line.

pub mod auth;
pub mod data;
pub mod deliveries;
pub mod integrations;
pub mod ops;
pub mod params;
pub mod planned_workout;
pub mod provider_push;
pub mod sync_status;
pub mod users;
pub mod widget;
pub mod workouts;
pub mod writes;

use axum::Router;

use crate::state::AppState;

/// All resource routers merged (without middleware; see [`crate::app::build_router`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(ops::router())
        .merge(data::router())
        .merge(writes::router())
        .merge(planned_workout::router())
        .merge(workouts::router())
        .merge(users::router())
        .merge(integrations::router())
        .merge(deliveries::router())
        .merge(auth::router())
        .merge(widget::router())
        .merge(provider_push::router())
        .merge(sync_status::router())
}
