//! Withings's OAuth and signed calls: the consent pages, the token endpoint
//! (`/v2/oauth2`, `action=requesttoken`) wrapping the shared server's answer in the
//! envelope, and the HMAC-signed `getnonce` → `revoke` pair. Separate from the data
//! actions, which only check the tokens issued here.

use std::sync::PoisonError;

use axum::body::{Bytes, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::params::{Failure, Params, envelope, envelope_error, invalid, respond, unknown_action};
use super::{WithingsState, status};
use crate::oauth;
use crate::providers::common::hmac_sha256;

// ---------------------------------------------------------------------------------------
// OAuth.

/// `POST /v2/oauth2` with `action=requesttoken`: the shared token endpoint's answer,
/// re-wrapped in Withings's envelope (`userid`, tokens, `expires_in`, comma scopes).
pub(super) async fn token(
    State(state): State<WithingsState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = Params::new(None, &body);
    match params.get("action") {
        Some("requesttoken") => {}
        Some("revoke") => return respond(revoke(&state, &params)),
        _ => return unknown_action().into_response(),
    }
    let answer = oauth::token(&state.oauth, &headers, &body);
    let ok = answer.status() == StatusCode::OK;
    let bytes = to_bytes(answer.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let parsed: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let text = |key: &str| parsed.get(key).cloned().unwrap_or(Value::Null);
    if !ok {
        let description = parsed
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or("invalid request");
        return envelope_error(
            status::INVALID_PARAMS,
            &format!("Invalid Params: {description}"),
        );
    }
    let scope = parsed
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .replace(' ', ",");
    envelope(json!({
        "userid": text("user_id"),
        "access_token": text("access_token"),
        "refresh_token": text("refresh_token"),
        "expires_in": text("expires_in"),
        "scope": scope,
        "csrf_token": "sim",
        "token_type": "Bearer",
    }))
}

// ---------------------------------------------------------------------------------------
// Signed calls: `getnonce`, then `revoke` with the nonce.

/// How far a `getnonce` timestamp may be from the simulator's clock.
const NONCE_TIMESTAMP_SKEW_S: i64 = 600;

/// Withings's request signature: lowercase hex HMAC-SHA256 keyed with the client secret
/// over the values of `action`, `client_id` and `nonce` (or `timestamp` for `getnonce`)
/// joined with commas, in that (alphabetical key) order.
pub fn request_signature(client_secret: &str, values: &[&str]) -> String {
    hmac_sha256(client_secret.as_bytes(), &[values.join(",").as_bytes()])
        .map_or_else(String::new, hex::encode)
}

/// Checks a signature over `values` for `client_id`. A registered client's secret must
/// match; with no registered clients (the sandbox default: any client accepted) only the
/// form is checked, as the secret is unknown here.
fn check_signature(
    state: &WithingsState,
    client_id: &str,
    values: &[&str],
    signature: &str,
) -> Result<(), Failure> {
    let bad = || Failure::new(status::INVALID_SIGNATURE, "Invalid signature");
    match state.oauth.client_secret(client_id) {
        Some(secret) if request_signature(&secret, values) == signature => Ok(()),
        Some(_) => Err(bad()),
        None if !state.oauth.client_known(client_id) => Err(bad()),
        None if signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(()),
        None => Err(bad()),
    }
}

/// `POST /v2/signature` `action=getnonce&client_id&timestamp&signature`: a one-time nonce.
pub(super) async fn signature(State(state): State<WithingsState>, body: Bytes) -> Response {
    let params = Params::new(None, &body);
    respond(getnonce(&state, &params))
}

fn getnonce(state: &WithingsState, params: &Params) -> Result<Response, Failure> {
    if params.get("action") != Some("getnonce") {
        return Err(unknown_action());
    }
    let client_id = params
        .get("client_id")
        .ok_or_else(|| invalid("client_id"))?;
    let timestamp = params
        .epoch("timestamp")?
        .ok_or_else(|| invalid("timestamp"))?;
    if (Utc::now().timestamp() - timestamp).abs() > NONCE_TIMESTAMP_SKEW_S {
        return Err(invalid("timestamp"));
    }
    let signature = params
        .get("signature")
        .ok_or_else(|| invalid("signature"))?;
    let timestamp = timestamp.to_string();
    check_signature(
        state,
        client_id,
        &["getnonce", client_id, &timestamp],
        signature,
    )?;
    let nonce = oauth::random_token("nonce");
    state
        .nonces
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(nonce.clone());
    Ok(envelope(json!({"nonce": nonce})))
}

/// `POST /v2/oauth2` `action=revoke&client_id&nonce&signature&userid`: ends every grant of
/// `userid` (its tokens then answer status 401 and `invalid_grant`).
fn revoke(state: &WithingsState, params: &Params) -> Result<Response, Failure> {
    let client_id = params
        .get("client_id")
        .ok_or_else(|| invalid("client_id"))?;
    let nonce = params.get("nonce").ok_or_else(|| invalid("nonce"))?;
    let signature = params
        .get("signature")
        .ok_or_else(|| invalid("signature"))?;
    let userid = params.get("userid").ok_or_else(|| invalid("userid"))?;
    let fresh = state
        .nonces
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(nonce);
    if !fresh {
        return Err(Failure::new(status::INVALID_SIGNATURE, "Invalid nonce"));
    }
    check_signature(state, client_id, &["revoke", client_id, nonce], signature)?;
    state.oauth.revoke_account(userid);
    Ok(envelope(json!({})))
}
