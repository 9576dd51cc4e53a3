//! Dashboard sign-in sessions: the cookie, the CSRF token, and the extractors every
//! handler takes ([`Signed`], [`DevSession`], [`Posted`]).
//!
//! The cookie carries 256 random bits; the database keeps only their SHA-256, so a leaked
//! database opens no session. The CSRF token is derived from the cookie value (SHA-256
//! with a domain prefix): bound to the session, unknown to other sites (they cannot read
//! the cookie), and nothing more to store. A missing or wrong token is 403.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use wearbridge_store::dashboard::DashboardSession;

use super::{Chrome, DashError};
use crate::auth::AuthDeveloper;
use crate::secrets::secret_hash;
use crate::state::{AppState, now_micros};

/// Name of the session cookie.
pub const COOKIE: &str = "wearbridge_dashboard";
/// Where a request without a session is sent.
pub const SIGN_IN_PATH: &str = "/dashboard/sign-in";
/// Name of the CSRF field of every form.
pub const CSRF_FIELD: &str = "csrf";

/// The CSRF token of the session whose cookie value is `raw_id`.
pub fn csrf_token(raw_id: &str) -> String {
    secret_hash(&format!("wearbridge-dashboard-csrf:{raw_id}"))
}

/// The session cookie's value in `headers`, if any.
fn cookie_value(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// Whether the browser reached us over https: the public URL says so, or the proxy in
/// front does (`X-Forwarded-Proto`; trusting it can only add the `Secure` flag).
pub fn over_https(state: &AppState, headers: &HeaderMap) -> bool {
    let public = state
        .config
        .public_url
        .as_ref()
        .is_some_and(|url| url.scheme() == "https");
    let forwarded = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    public || forwarded
}

/// `Set-Cookie` for a new session: HttpOnly (no script reads it), SameSite=Strict (no
/// other site sends it), Secure behind https, limited to `/dashboard`.
pub fn session_cookie(raw_id: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={raw_id}; Path=/dashboard; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}"
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// A signed-in browser (developer or operator).
#[derive(Debug, Clone)]
pub struct Signed {
    pub session: DashboardSession,
    /// The token this session's forms must carry.
    pub csrf: String,
}

impl Signed {
    /// The page chrome for `section`.
    pub fn chrome(&self, section: &'static str) -> Chrome {
        Chrome {
            who: self
                .session
                .developer_id
                .as_ref()
                .map_or_else(|| "operator".to_owned(), ToString::to_string),
            operator: self.session.operator,
            csrf: self.csrf.clone(),
            section,
        }
    }
}

fn to_sign_in() -> Response {
    Redirect::to(SIGN_IN_PATH).into_response()
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(raw_id) = cookie_value(&parts.headers) else {
            return Err(to_sign_in());
        };
        let session = state
            .store
            .live_dashboard_session(&secret_hash(raw_id), now_micros(state))
            .await
            .map_err(|error| DashError::from(error).into_response())?;
        match session {
            Some(session) => Ok(Signed {
                session,
                csrf: csrf_token(raw_id),
            }),
            None => Err(to_sign_in()),
        }
    }
}

/// A signed-in developer; an operator session is sent to the operator page.
#[derive(Debug, Clone)]
pub struct DevSession {
    pub signed: Signed,
    pub developer: AuthDeveloper,
}

impl DevSession {
    fn from_signed(signed: Signed) -> Result<DevSession, Redirect> {
        match signed.session.developer_id.clone() {
            Some(id) => Ok(DevSession {
                developer: AuthDeveloper(id),
                signed,
            }),
            None => Err(Redirect::to("/dashboard/operator")),
        }
    }

    pub fn chrome(&self, section: &'static str) -> Chrome {
        self.signed.chrome(section)
    }
}

impl FromRequestParts<AppState> for DevSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        DevSession::from_signed(Signed::from_request_parts(parts, state).await?)
            .map_err(IntoResponse::into_response)
    }
}

/// A state-changing form of a signed-in developer: the session is checked, then the CSRF
/// token (403 when missing or wrong), then the form is decoded into `T` (400 when it does
/// not fit). Every dashboard POST except sign-in takes this, so none can skip the check.
#[derive(Debug)]
pub struct Posted<T> {
    pub session: DevSession,
    pub form: T,
}

/// Whether `body` (urlencoded) carries `expected` as its CSRF field, in constant time.
pub fn csrf_matches(body: &[u8], expected: &str) -> bool {
    url::form_urlencoded::parse(body)
        .find(|(name, _)| name == CSRF_FIELD)
        .is_some_and(|(_, token)| bool::from(token.as_bytes().ct_eq(expected.as_bytes())))
}

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = Signed::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| rejection.into_response())?;
        if !csrf_matches(&body, &signed.csrf) {
            return Err(DashError::Forbidden(
                "The form's security token is missing or does not belong to this sign-in. Reload the page and try again."
                    .to_owned(),
            )
            .into_response());
        }
        let session = DevSession::from_signed(signed).map_err(IntoResponse::into_response)?;
        let form = serde_urlencoded::from_bytes(&body).map_err(|error| {
            DashError::BadRequest(format!("the form could not be read: {error}")).into_response()
        })?;
        Ok(Posted { session, form })
    }
}

/// A `303 See Other` to `location` (after a POST, the browser loads it with GET).
pub fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_owned())],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            format!("a=1; {COOKIE}=abc; b=2")
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(cookie_value(&headers), Some("abc"));
        assert_eq!(cookie_value(&HeaderMap::new()), None);
    }

    #[test]
    fn csrf_is_bound_to_the_session() {
        let token = csrf_token("session-a");
        assert_ne!(token, csrf_token("session-b"));
        assert!(csrf_matches(format!("x=1&csrf={token}").as_bytes(), &token));
        assert!(!csrf_matches(b"x=1", &token));
        assert!(!csrf_matches(
            format!("csrf={}", csrf_token("session-b")).as_bytes(),
            &token
        ));
    }

    #[test]
    fn cookies_are_http_only_and_strict() {
        let plain = session_cookie("v", 60, false);
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Strict"));
        assert!(!plain.contains("Secure"));
        assert!(session_cookie("v", 60, true).ends_with("; Secure"));
    }
}
