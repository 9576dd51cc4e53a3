//! Parameter helpers shared by the route modules: each turns one raw value into a domain
//! value or a 400/404 whose message names the parameter.

use wearbridge_store::User;
use wearbridge_store::ids::UserId;

use crate::auth::AuthDeveloper;
use crate::error::ApiError;
use crate::state::AppState;

/// Message of every unknown-user 404. Identical for a user that does not exist and one
/// that belongs to another developer, on purpose.
pub const USER_NOT_FOUND: &str = "user not found";

/// A required parameter, or 400 naming it.
pub fn require<'a>(value: Option<&'a str>, name: &str) -> Result<&'a str, ApiError> {
    value
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))
}

/// A boolean parameter: Terra's SDKs send lowercase `true`/`false`; case is ignored.
pub fn parse_bool(value: Option<&str>, name: &str, default: bool) -> Result<bool, ApiError> {
    match value.map(str::trim) {
        None => Ok(default),
        Some(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        Some(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(ApiError::bad_request(format!(
            "{name} must be true or false"
        ))),
    }
}

/// Parses a user id parameter; a malformed one is a 400 naming the parameter.
pub fn parse_user_id(value: &str, name: &str) -> Result<UserId, ApiError> {
    UserId::parse(value.trim())
        .map_err(|_| ApiError::bad_request(format!("{name} must be a Terra user id (a UUID)")))
}

/// The calling developer's user, or 404.
pub async fn lookup_user(
    state: &AppState,
    developer: &AuthDeveloper,
    user_id: &str,
) -> Result<User, ApiError> {
    let user_id = parse_user_id(user_id, "user_id")?;
    state
        .store
        .get_user(developer.id(), &user_id)
        .await?
        .ok_or_else(|| ApiError::not_found(USER_NOT_FOUND))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_accept_only_true_and_false() {
        assert!(matches!(parse_bool(None, "x", true), Ok(true)));
        assert!(matches!(parse_bool(Some("FALSE"), "x", true), Ok(false)));
        assert!(matches!(parse_bool(Some("true"), "x", false), Ok(true)));
        let error = parse_bool(Some("1"), "with_samples", false);
        assert!(
            matches!(error, Err(ApiError::BadRequest(message)) if message.contains("with_samples"))
        );
    }

    #[test]
    fn required_rejects_blank() {
        assert!(require(Some("  "), "user_id").is_err());
        assert!(matches!(require(Some("x"), "user_id"), Ok("x")));
    }
}
