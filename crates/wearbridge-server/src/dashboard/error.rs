//! The dashboard's error type: every failure is an HTML page with a status and a message
//! a person can act on (the JSON API's envelope is for programs).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::delivery::manage::ManageError;
use crate::error::ApiError;

/// Why a dashboard request failed.
#[derive(Debug, thiserror::Error)]
pub enum DashError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("internal server error")]
    Internal(#[source] anyhow::Error),
}

#[derive(Template)]
#[template(path = "dashboard/error.html")]
struct ErrorPage {
    title: &'static str,
    message: String,
}

impl IntoResponse for DashError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            DashError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "That did not work", message)
            }
            DashError::Forbidden(message) => (StatusCode::FORBIDDEN, "Not allowed", message),
            DashError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "Nothing here for this account.".to_owned(),
            ),
            DashError::Internal(error) => {
                tracing::error!(error = ?error, "dashboard request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not finish this request; see its log.".to_owned(),
                )
            }
        };
        super::render(status, &ErrorPage { title, message })
    }
}

impl From<wearbridge_store::StoreError> for DashError {
    fn from(error: wearbridge_store::StoreError) -> DashError {
        DashError::Internal(error.into())
    }
}

impl From<ManageError> for DashError {
    fn from(error: ManageError) -> DashError {
        match error {
            ManageError::BadInput(message) => DashError::BadRequest(message),
            ManageError::NotFound => DashError::NotFound,
            ManageError::Store(error) => DashError::Internal(error.into()),
            ManageError::Crypto(error) => DashError::Internal(error.into()),
        }
    }
}

/// The JSON API's errors, for the services the dashboard shares with it.
impl From<ApiError> for DashError {
    fn from(error: ApiError) -> DashError {
        match error {
            ApiError::NotFound(_) => DashError::NotFound,
            ApiError::Internal(error) => DashError::Internal(error),
            ApiError::Unauthorized | ApiError::Forbidden(_) => {
                DashError::Forbidden(error.to_string())
            }
            other => DashError::BadRequest(other.to_string()),
        }
    }
}
