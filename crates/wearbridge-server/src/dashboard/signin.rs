//! Signing in and out, and the operator view.
//!
//! A developer signs in with the same developer id and API key the API takes, checked
//! the same way ([`crate::secrets::hashes_match`] against the stored hash). With
//! `[dashboard] operator_key` set, developer id `operator` and that key open the operator
//! view, which lists every developer (and nothing of their users' data).

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use bytes::Bytes;
use secrecy::ExposeSecret;
use serde::Deserialize;
use subtle::ConstantTimeEq;
use wearbridge_store::dashboard::DashboardSession;
use wearbridge_store::ids::DeveloperId;

use super::session::{Signed, cleared_cookie, csrf_matches, over_https, see_other, session_cookie};
use super::{Chrome, DashError, render};
use crate::developers::{DeveloperSummary, list_developers};
use crate::secrets::{hash_api_key, hashes_match, random_secret, secret_hash};
use crate::state::{AppState, now_micros};

/// The developer id that asks for the operator view.
pub const OPERATOR_ID: &str = "operator";
/// One message for every failed sign-in, so the form cannot be used to probe which
/// developer ids exist.
const REFUSED: &str = "That developer id and API key do not match.";

#[derive(Template)]
#[template(path = "dashboard/sign_in.html")]
struct SignInPage {
    error: Option<&'static str>,
    dev_id: String,
}

#[derive(Template)]
#[template(path = "dashboard/operator.html")]
struct OperatorPage {
    chrome: Chrome,
    developers: Vec<DeveloperSummary>,
}

#[derive(Debug, Deserialize)]
struct SignInForm {
    #[serde(default)]
    dev_id: String,
    #[serde(default)]
    api_key: String,
}

async fn sign_in_page() -> Response {
    render(
        StatusCode::OK,
        &SignInPage {
            error: None,
            dev_id: String::new(),
        },
    )
}

/// Who the credentials belong to: `Ok(None)` for the operator, `Ok(Some(id))` for a
/// developer, `Err(())` when they match nothing.
async fn check_credentials(
    state: &AppState,
    dev_id: &str,
    api_key: &str,
) -> Result<Result<Option<DeveloperId>, ()>, DashError> {
    if dev_id == OPERATOR_ID {
        let matches = state
            .config
            .dashboard
            .operator_key
            .as_ref()
            .is_some_and(|key| {
                bool::from(key.expose_secret().as_bytes().ct_eq(api_key.as_bytes()))
            });
        return Ok(if matches { Ok(None) } else { Err(()) });
    }
    let Ok(id) = DeveloperId::parse(dev_id) else {
        return Ok(Err(()));
    };
    let Some(developer) = state.store.find_developer(&id).await? else {
        return Ok(Err(()));
    };
    if hashes_match(&hash_api_key(api_key), &developer.api_key_hash) {
        Ok(Ok(Some(developer.id)))
    } else {
        Ok(Err(()))
    }
}

/// `POST /dashboard/sign-in`: a session cookie and a redirect to the dashboard, or the
/// form again with one message.
async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, DashError> {
    let dev_id = form.dev_id.trim();
    let developer = match check_credentials(&state, dev_id, form.api_key.trim()).await? {
        Ok(developer) => developer,
        Err(()) => {
            let page = SignInPage {
                error: Some(REFUSED),
                dev_id: dev_id.to_owned(),
            };
            return Ok(render(StatusCode::UNAUTHORIZED, &page));
        }
    };
    let now = now_micros(&state);
    let lifetime = state.config.dashboard.session_lifetime();
    let raw_id = random_secret();
    let operator = developer.is_none();
    let session = DashboardSession {
        id_hash: secret_hash(&raw_id),
        developer_id: developer,
        operator,
        created_at: now,
        expires_at: now.saturating_add(i64::try_from(lifetime.as_micros()).unwrap_or(i64::MAX)),
    };
    state.store.purge_dashboard_sessions(now).await?;
    state.store.create_dashboard_session(&session).await?;
    let cookie = session_cookie(&raw_id, lifetime.as_secs(), over_https(&state, &headers));
    let home = if operator {
        "/dashboard/operator"
    } else {
        "/dashboard/users"
    };
    let mut response = see_other(home);
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /dashboard/sign-out`: the session is deleted server-side (the cookie alone no
/// longer opens anything) and the cookie cleared.
async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: Signed,
    body: Bytes,
) -> Result<Response, DashError> {
    if !csrf_matches(&body, &signed.csrf) {
        return Err(DashError::Forbidden(
            "The form's security token is missing or wrong.".to_owned(),
        ));
    }
    state
        .store
        .delete_dashboard_session(&signed.session.id_hash)
        .await?;
    let mut response = see_other(super::session::SIGN_IN_PATH);
    if let Ok(value) = cleared_cookie(over_https(&state, &headers)).parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /dashboard`: the users page, or the operator page for the operator.
async fn home(signed: Signed) -> Redirect {
    if signed.session.operator {
        Redirect::to("/dashboard/operator")
    } else {
        Redirect::to("/dashboard/users")
    }
}

/// `GET /dashboard/operator`: every developer (operator sessions only; 404 otherwise, as
/// if the page did not exist).
async fn operator(State(state): State<AppState>, signed: Signed) -> Result<Response, DashError> {
    if !signed.session.operator {
        return Err(DashError::NotFound);
    }
    let developers = list_developers(&state.store)
        .await
        .map_err(|error| DashError::Internal(error.into()))?;
    let page = OperatorPage {
        chrome: signed.chrome("operator"),
        developers,
    };
    Ok(render(StatusCode::OK, &page))
}

pub fn router() -> axum::Router<AppState> {
    Router::new()
        .route("/dashboard", get(home))
        .route("/dashboard/", get(home))
        .route("/dashboard/sign-in", get(sign_in_page).post(sign_in))
        .route("/dashboard/sign-out", post(sign_out))
        .route("/dashboard/operator", get(operator))
}
