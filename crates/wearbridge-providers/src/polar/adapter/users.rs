//! Polar users: the id every user-scoped call names, and the registration (and
//! deregistration) Polar requires before (and instead of) anything else.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use secrecy::SecretString;

use super::api::{api_url, bearer, classify};
use crate::ProviderCtx;
use crate::error::{self, ProviderError};

/// The Polar user id of the connection `ctx` is for ([`ProviderCtx::provider_user_id`]),
/// parsed: Polar's ids are integers, and it goes into URL paths.
pub(super) fn known_user(ctx: &ProviderCtx) -> Result<u64, ProviderError> {
    let id = ctx.provider_user_id.as_deref().ok_or_else(|| {
        ProviderError::Malformed(
            "POLAR: this call has no Polar user id (it comes only with the code exchange)"
                .to_owned(),
        )
    })?;
    id.parse()
        .map_err(|_| ProviderError::Malformed(format!("POLAR: user id {id:?} is not a number")))
}

/// Registers the user with our client (`POST /v3/users {"member-id": ...}`), which Polar
/// requires before any data is readable. 409 (already registered) is success.
pub async fn register_user(
    ctx: &ProviderCtx,
    access_token: &SecretString,
    member_id: &str,
) -> Result<(), ProviderError> {
    let url = api_url(ctx, "v3/users")?;
    let response = ctx
        .http
        .post(url)
        .header(AUTHORIZATION, bearer(access_token))
        .header(ACCEPT, "application/json")
        .json(&serde_json::json!({ "member-id": member_id }))
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    let status = response.status();
    if status.is_success() || status == StatusCode::CONFLICT {
        return Ok(());
    }
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap_or_default();
    Err(classify(status, &headers, &body))
}

/// Deregisters the user; 204, and 401/403/404 (already gone) are success.
pub async fn deregister_user(
    ctx: &ProviderCtx,
    access_token: &SecretString,
    user_id: u64,
) -> Result<(), ProviderError> {
    let url = api_url(ctx, &format!("v3/users/{user_id}"))?;
    let response = ctx
        .http
        .delete(url)
        .header(AUTHORIZATION, bearer(access_token))
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    let status = response.status();
    if status.is_success()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        )
    {
        return Ok(());
    }
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap_or_default();
    Err(classify(status, &headers, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_id_comes_from_the_call_context_as_a_number() {
        let ctx = ProviderCtx::for_tests();
        assert!(matches!(known_user(&ctx), Err(ProviderError::Malformed(_))));
        let ctx = ctx.for_account(Some("475".to_owned()));
        assert_eq!(known_user(&ctx).ok(), Some(475));
        let ctx = ctx.for_account(Some("../admin".to_owned()));
        assert!(matches!(known_user(&ctx), Err(ProviderError::Malformed(_))));
    }
}
