//! Ending a Withings connection (providers.md §3.1, §3.4): the user's notification
//! subscriptions are removed (`notify` `action=list`, then `action=revoke` for each), and
//! the grant is revoked with a signed request: a one-time nonce from `/v2/signature`
//! (`action=getnonce`, signed over the timestamp), then `/v2/oauth2` `action=revoke` with
//! the user id, signed over the nonce.

use chrono::Utc;
use hmac::{Hmac, Mac};
use reqwest::header::ACCEPT;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;
use url::Url;

use super::adapter::client::{call, call_status_only, checked_body, data_error};
use super::parse_envelope;
use crate::{ProviderCtx, ProviderError, error};

/// `notify?action=list` answer body.
#[derive(Debug, Deserialize)]
struct Profiles {
    #[serde(default)]
    profiles: Vec<Profile>,
}

/// One subscription of the user.
#[derive(Debug, Deserialize)]
struct Profile {
    appli: i64,
    callbackurl: String,
}

/// `v2/signature?action=getnonce` answer body.
#[derive(Debug, Deserialize)]
struct Nonce {
    nonce: String,
}

/// Removes every notification subscription of the token's user for our app (each
/// subscription is per app and user, so all of them are ours, including ones made for an
/// earlier push URL).
pub(super) async fn unsubscribe_all(
    ctx: &ProviderCtx,
    token: &SecretString,
) -> Result<(), ProviderError> {
    let list: Profiles = call(ctx, token, "notify", &[("action", "list".to_owned())]).await?;
    for profile in list.profiles {
        let params = [
            ("action", "revoke".to_owned()),
            ("callbackurl", profile.callbackurl),
            ("appli", profile.appli.to_string()),
        ];
        call_status_only(ctx, token, "notify", &params).await?;
    }
    Ok(())
}

/// Revokes the grant of `user_id` at `token_url` (`/v2/oauth2`).
pub(super) async fn revoke_grant(
    ctx: &ProviderCtx,
    token_url: &Url,
    user_id: &str,
) -> Result<(), ProviderError> {
    let client_id = ctx.creds.client_id.as_str();
    let secret = &ctx.creds.client_secret;
    let nonce = get_nonce(ctx, token_url).await?;
    let signature = request_signature(secret, &["revoke", client_id, &nonce])?;
    let form = [
        ("action", "revoke"),
        ("client_id", client_id),
        ("nonce", &nonce),
        ("signature", &signature),
        ("userid", user_id),
    ];
    let body = signed_post(ctx, token_url.clone(), &form).await?;
    parse_envelope::<serde_json::Value>(&body)
        .map(drop)
        .map_err(data_error)
}

/// A one-time nonce from `/v2/signature` (next to the token endpoint).
async fn get_nonce(ctx: &ProviderCtx, token_url: &Url) -> Result<String, ProviderError> {
    let url = token_url
        .join("signature")
        .map_err(|error| ProviderError::Malformed(format!("Withings signature URL: {error}")))?;
    let client_id = ctx.creds.client_id.as_str();
    let timestamp = Utc::now().timestamp().to_string();
    let signature = request_signature(
        &ctx.creds.client_secret,
        &["getnonce", client_id, &timestamp],
    )?;
    let form = [
        ("action", "getnonce"),
        ("client_id", client_id),
        ("timestamp", &timestamp),
        ("signature", &signature),
    ];
    let body = signed_post(ctx, url, &form).await?;
    let answer: Nonce = parse_envelope(&body).map_err(data_error)?;
    Ok(answer.nonce)
}

async fn signed_post(
    ctx: &ProviderCtx,
    url: Url,
    form: &[(&str, &str)],
) -> Result<Vec<u8>, ProviderError> {
    let response = ctx
        .http
        .post(url)
        .header(ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(|error| error::from_transport(&error))?;
    checked_body(response).await
}

/// Withings's request signature: lowercase hex HMAC-SHA256, keyed with the client secret,
/// of the signed parameters' values joined by commas in their keys' alphabetical order
/// (`action`, `client_id`, then `nonce` or `timestamp`).
pub fn request_signature(secret: &SecretString, values: &[&str]) -> Result<String, ProviderError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .map_err(|error| ProviderError::Malformed(format!("HMAC key: {error}")))?;
    mac.update(values.join(",").as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_an_independent_hmac() {
        // python3: hmac.new(b'wearbridge-dev-secret', b'revoke,wearbridge-dev,nonce_abc',
        //                   hashlib.sha256).hexdigest()
        let secret = SecretString::from("wearbridge-dev-secret");
        let signature = request_signature(&secret, &["revoke", "wearbridge-dev", "nonce_abc"]);
        assert_eq!(
            signature.ok().as_deref(),
            Some("b9f31e1050a7f29814d013852e6ad2f49c5b05ed443104808a6d2441a8f91e27")
        );
    }

    #[test]
    fn list_answers_parse_with_and_without_profiles() {
        let listed: Result<Profiles, _> = serde_json::from_str(
            r#"{"profiles":[{"appli":44,"callbackurl":"https://x.example/h","comment":"c","expires":2147483647}]}"#,
        );
        let Ok(listed) = listed else {
            panic!("list answer parses");
        };
        assert_eq!(listed.profiles.len(), 1);
        assert_eq!(listed.profiles[0].appli, 44);
        let empty: Result<Profiles, _> = serde_json::from_str("{}");
        assert!(empty.is_ok_and(|empty| empty.profiles.is_empty()));
    }
}
