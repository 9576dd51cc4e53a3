//! Token endpoint (authorization_code and refresh_token grants) and revocation endpoint.

use std::collections::HashMap;
use std::time::Instant;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use super::{ClientAuthStyle, OAuthError, OAuthServer, Retired};

type Form = HashMap<String, String>;

/// `POST <token path>`, form-encoded (RFC 6749 §4.1.3 and §6).
pub fn token(server: &OAuthServer, headers: &HeaderMap, body: &[u8]) -> Response {
    match exchange(server, headers, body) {
        Ok(tokens) => {
            let mut response = Json(tokens).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => error.into_response(),
    }
}

fn exchange(
    server: &OAuthServer,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<super::TokenResponse, OAuthError> {
    let form = parse_form(body)?;
    let client_id = authenticate_client(server, headers, &form)?;
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => redeem_code(server, &client_id, &form),
        Some("refresh_token") => refresh(server, &client_id, &form),
        Some(other) => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type {other:?} is not supported"),
        )),
        None => Err(OAuthError::invalid_request("grant_type is required")),
    }
}

fn parse_form(body: &[u8]) -> Result<Form, OAuthError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|e| OAuthError::invalid_request(format!("malformed form body: {e}")))
}

fn required<'a>(form: &'a Form, key: &str) -> Result<&'a str, OAuthError> {
    form.get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| OAuthError::invalid_request(format!("{key} is required")))
}

/// Returns the authenticated client id, enforcing the provider's accepted style.
fn authenticate_client(
    server: &OAuthServer,
    headers: &HeaderMap,
    form: &Form,
) -> Result<String, OAuthError> {
    let basic = basic_credentials(headers)?;
    let body = form.get("client_id").map(|id| {
        (
            id.clone(),
            form.get("client_secret").cloned().unwrap_or_default(),
        )
    });
    let (client_id, secret) = match (server.settings().client_auth, basic, body) {
        (ClientAuthStyle::Basic | ClientAuthStyle::Either, Some(basic), _) => basic,
        (ClientAuthStyle::Body | ClientAuthStyle::Either, None, Some(body)) => body,
        (ClientAuthStyle::Body, Some(_), _) => {
            return Err(OAuthError::invalid_client(
                "this provider expects client_id and client_secret in the form body",
            ));
        }
        (ClientAuthStyle::Basic, None, _) => {
            return Err(OAuthError::invalid_client(
                "this provider expects HTTP Basic client authentication",
            ));
        }
        (_, None, None) => return Err(OAuthError::invalid_client("client authentication missing")),
    };
    if !server.client_secret_ok(&client_id, &secret) {
        return Err(OAuthError::invalid_client("unknown client or wrong secret"));
    }
    Ok(client_id)
}

/// Parses `Authorization: Basic base64(client_id:client_secret)`. RFC 6749 §2.3.1 has both
/// parts form-urlencoded before base64 (the `oauth2` crate does this), so they are decoded.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || OAuthError::invalid_client("malformed Basic authorization header");
    let text = value.to_str().map_err(|_| malformed())?;
    let Some(encoded) = text.strip_prefix("Basic ") else {
        return Err(malformed());
    };
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let pair = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = pair.split_once(':').ok_or_else(malformed)?;
    Ok(Some((form_decode(id), form_decode(secret))))
}

/// Decodes one `application/x-www-form-urlencoded` value (`+` and `%XX`).
fn form_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("v={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

fn redeem_code(
    server: &OAuthServer,
    client_id: &str,
    form: &Form,
) -> Result<super::TokenResponse, OAuthError> {
    let code = required(form, "code")?;
    // Single use: the code is removed on the first attempt, successful or not.
    let pending = {
        let mut state = server.lock();
        let pending = state.codes.remove(code);
        if pending.is_some() {
            state.retired.insert(code.to_owned(), Retired::Used);
        }
        pending
    };
    let pending = pending
        .ok_or_else(|| OAuthError::invalid_grant("unknown or already used authorization code"))?;
    if Instant::now() >= pending.expires_at {
        return Err(OAuthError::invalid_grant("authorization code expired"));
    }
    if pending.client_id != client_id {
        return Err(OAuthError::invalid_grant(
            "code was issued to another client",
        ));
    }
    if form.get("redirect_uri") != Some(&pending.redirect_uri) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorize request",
        ));
    }
    if let Some(challenge) = &pending.code_challenge {
        verify_pkce(challenge, form.get("code_verifier").map(String::as_str))?;
    }
    Ok(server.issue_tokens(None, &pending.account, client_id, &pending.scope))
}

/// RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) must equal the challenge; the verifier is
/// 43–128 unreserved characters.
fn verify_pkce(challenge: &str, verifier: Option<&str>) -> Result<(), OAuthError> {
    let verifier =
        verifier.ok_or_else(|| OAuthError::invalid_grant("code_verifier is required"))?;
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return Err(OAuthError::invalid_grant("code_verifier is malformed"));
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if computed != challenge {
        return Err(OAuthError::invalid_grant(
            "code_verifier does not match code_challenge",
        ));
    }
    Ok(())
}

fn refresh(
    server: &OAuthServer,
    client_id: &str,
    form: &Form,
) -> Result<super::TokenResponse, OAuthError> {
    let presented = required(form, "refresh_token")?;
    let rotate = server.settings().rotate_refresh_tokens;
    let grant = {
        let mut state = server.lock();
        match state.refresh.get(presented).cloned() {
            Some(grant) if grant.client_id != client_id => {
                return Err(OAuthError::invalid_grant(
                    "refresh token was issued to another client",
                ));
            }
            Some(grant) => {
                if rotate {
                    state.refresh.remove(presented);
                    state.retired.insert(presented.to_owned(), Retired::Used);
                }
                grant
            }
            None => {
                let why = match state.retired.get(presented) {
                    Some(Retired::Used) => "refresh token already used",
                    Some(Retired::Revoked) => "refresh token revoked",
                    None => "unknown refresh token",
                };
                return Err(OAuthError::invalid_grant(why));
            }
        }
    };
    let mut tokens = server.issue_tokens(
        Some(grant.grant_id),
        &grant.account,
        client_id,
        &grant.scope,
    );
    if !rotate {
        // Non-rotating providers keep the original refresh token; drop the extra one issued.
        server.lock().refresh.remove(&tokens.refresh_token);
        tokens.refresh_token = presented.to_owned();
    }
    Ok(tokens)
}

/// `POST <revoke path>` (RFC 7009): revokes the whole grant the token belongs to. Answers
/// 200 for unknown tokens too, as the RFC requires.
pub fn revoke(server: &OAuthServer, headers: &HeaderMap, body: &[u8]) -> Response {
    let result = parse_form(body).and_then(|form| {
        authenticate_client(server, headers, &form)?;
        server.revoke_token(required(&form, "token")?);
        Ok(())
    });
    match result {
        Ok(()) => StatusCode::OK.into_response(),
        Err(error) => error.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::oauth::{OAuthSettings, PendingCodeInput};

    fn server(client_auth: ClientAuthStyle, rotate: bool, code_ttl: Duration) -> OAuthServer {
        OAuthServer::new(OAuthSettings {
            display_name: "Test",
            authorize_path: "/test/authorize",
            client_auth,
            access_token_ttl: Duration::from_secs(60),
            code_ttl,
            rotate_refresh_tokens: rotate,
        })
    }

    fn code(server: &OAuthServer) -> String {
        server.issue_code(PendingCodeInput {
            client_id: "app".into(),
            redirect_uri: "http://localhost/cb".into(),
            account: "acct".into(),
            scope: String::new(),
            code_challenge: None,
        })
    }

    fn basic() -> HeaderMap {
        let mut headers = HeaderMap::new();
        // base64("app:secret")
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic YXBwOnNlY3JldA=="),
        );
        headers
    }

    fn code_form(code: &str, with_body_credentials: bool) -> Vec<u8> {
        let mut form = format!(
            "grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2Flocalhost%2Fcb"
        );
        if with_body_credentials {
            form.push_str("&client_id=app&client_secret=secret");
        }
        form.into_bytes()
    }

    #[test]
    fn basic_only_provider_refuses_body_credentials() {
        let server = server(ClientAuthStyle::Basic, true, Duration::from_secs(60));
        let body = code_form(&code(&server), true);
        let refused = exchange(&server, &HeaderMap::new(), &body);
        assert_eq!(
            refused.err().map(|e| e.error_code()),
            Some("invalid_client")
        );
        let body = code_form(&code(&server), false);
        assert!(exchange(&server, &basic(), &body).is_ok());
    }

    #[test]
    fn body_only_provider_refuses_basic_credentials() {
        let server = server(ClientAuthStyle::Body, true, Duration::from_secs(60));
        let body = code_form(&code(&server), false);
        let refused = exchange(&server, &basic(), &body);
        assert_eq!(
            refused.err().map(|e| e.error_code()),
            Some("invalid_client")
        );
        let body = code_form(&code(&server), true);
        assert!(exchange(&server, &HeaderMap::new(), &body).is_ok());
    }

    #[test]
    fn registered_clients_must_present_their_secret() {
        let server = server(ClientAuthStyle::Either, true, Duration::from_secs(60));
        server.register_client("app", "other-secret");
        let refused = exchange(&server, &basic(), &code_form(&code(&server), false));
        assert_eq!(
            refused.err().map(|e| e.error_code()),
            Some("invalid_client")
        );
    }

    #[test]
    fn expired_codes_are_refused() {
        let server = server(ClientAuthStyle::Either, true, Duration::ZERO);
        let refused = exchange(&server, &basic(), &code_form(&code(&server), false));
        assert_eq!(refused.err().map(|e| e.error_code()), Some("invalid_grant"));
    }

    #[test]
    fn non_rotating_provider_keeps_the_refresh_token() {
        let server = server(ClientAuthStyle::Either, false, Duration::from_secs(60));
        let first = exchange(&server, &basic(), &code_form(&code(&server), false));
        let Ok(first) = first else {
            panic!("code exchange failed")
        };
        let form = format!(
            "grant_type=refresh_token&refresh_token={}",
            first.refresh_token
        );
        for _ in 0..3 {
            let refreshed = exchange(&server, &basic(), form.as_bytes());
            let Ok(refreshed) = refreshed else {
                panic!("refresh failed")
            };
            assert_eq!(refreshed.refresh_token, first.refresh_token);
            assert_ne!(refreshed.access_token, first.access_token);
        }
    }

    #[test]
    fn pkce_accepts_the_rfc_7636_example_and_rejects_others() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verify_pkce(challenge, Some(verifier)).is_ok());
        let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX";
        assert!(verify_pkce(challenge, Some(wrong)).is_err());
        assert!(verify_pkce(challenge, None).is_err());
        assert!(verify_pkce(challenge, Some("short")).is_err());
    }

    #[test]
    fn basic_header_is_parsed_and_garbage_rejected() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic aWQ6c2VjcmV0"),
        );
        let parsed = basic_credentials(&headers).ok().flatten();
        assert_eq!(parsed, Some(("id".to_owned(), "secret".to_owned())));
        // base64("my+app:s%26cret") decodes to ("my app", "s&cret").
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic bXkrYXBwOnMlMjZjcmV0"),
        );
        let parsed = basic_credentials(&headers).ok().flatten();
        assert_eq!(parsed, Some(("my app".to_owned(), "s&cret".to_owned())));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic %%%"));
        assert!(basic_credentials(&headers).is_err());
    }
}
