//! The authorize endpoint: a consent page with Allow and Deny buttons (plain HTML forms, no
//! JavaScript), plus the `consent=allow|deny` query shortcut for scripts and tests, and
//! `sim_user=<id>` to choose which simulated account consents.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use url::Url;

use super::{OAuthServer, PendingCodeInput};

/// Query (GET) or form (POST) parameters of the authorize endpoint. Everything is optional at
/// the type level so that missing values get a clear error page, not an extractor rejection.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// Simulator extension: which simulated account consents.
    pub sim_user: Option<String>,
    /// Simulator extension: `allow` or `deny` decides without showing the page.
    pub consent: Option<String>,
}

/// GET: shows the consent page, or decides at once when `consent` is given.
pub fn authorize_query(server: &OAuthServer, raw_query: Option<&str>) -> Response {
    match serde_urlencoded::from_str::<AuthorizeParams>(raw_query.unwrap_or("")) {
        Ok(params) => authorize(server, params),
        Err(error) => error_page(&format!("malformed query string: {error}")),
    }
}

/// POST from the consent page's form.
pub fn authorize_form(server: &OAuthServer, body: &[u8]) -> Response {
    match serde_urlencoded::from_bytes::<AuthorizeParams>(body) {
        Ok(params) => authorize(server, params),
        Err(error) => error_page(&format!("malformed form body: {error}")),
    }
}

fn authorize(server: &OAuthServer, params: AuthorizeParams) -> Response {
    let request = match ValidRequest::parse(server, &params) {
        Ok(request) => request,
        // Never redirect to an unchecked redirect_uri (RFC 6749 §4.1.2.1): show the error.
        Err(Invalid::Page(message)) => return error_page(&message),
        Err(Invalid::Redirect(redirect_uri, error, description)) => {
            return redirect_error(&redirect_uri, error, &description, params.state.as_deref());
        }
    };
    let account = params
        .sim_user
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    match params.consent.as_deref() {
        None => consent_page(server, &params, account),
        Some("allow") => allow(server, request, &params, account),
        Some("deny") => redirect_error(
            &request.redirect_uri,
            "access_denied",
            "the user denied access",
            params.state.as_deref(),
        ),
        Some(other) => error_page(&format!("consent must be allow or deny, not {other:?}")),
    }
}

struct ValidRequest {
    client_id: String,
    redirect_uri: Url,
    /// As sent: the token request must repeat it byte for byte (RFC 6749 §4.1.3), and `Url`
    /// normalizes (e.g. adds a trailing `/`), so the parsed form cannot be compared.
    redirect_uri_raw: String,
    code_challenge: Option<String>,
}

enum Invalid {
    Page(String),
    Redirect(Box<Url>, &'static str, String),
}

impl ValidRequest {
    fn parse(server: &OAuthServer, params: &AuthorizeParams) -> Result<Self, Invalid> {
        let client_id = non_empty(params.client_id.as_deref())
            .ok_or_else(|| Invalid::Page("client_id is required".into()))?;
        if !server.client_known(client_id) {
            return Err(Invalid::Page(format!("unknown client_id {client_id:?}")));
        }
        let redirect_text = non_empty(params.redirect_uri.as_deref())
            .ok_or_else(|| Invalid::Page("redirect_uri is required".into()))?;
        let redirect_uri = Url::parse(redirect_text)
            .map_err(|e| Invalid::Page(format!("redirect_uri is not an absolute URL: {e}")))?;
        let redirect = |error, description: &str| {
            Invalid::Redirect(
                Box::new(redirect_uri.clone()),
                error,
                description.to_owned(),
            )
        };
        if params.response_type.as_deref() != Some("code") {
            return Err(redirect(
                "unsupported_response_type",
                "response_type must be code",
            ));
        }
        let code_challenge = match non_empty(params.code_challenge.as_deref()) {
            None => None,
            Some(challenge) => Some(
                check_challenge(challenge, params).map_err(|d| redirect("invalid_request", d))?,
            ),
        };
        Ok(Self {
            client_id: client_id.to_owned(),
            redirect_uri,
            redirect_uri_raw: redirect_text.to_owned(),
            code_challenge,
        })
    }
}

/// Only S256 is accepted: `plain` offers no protection and current providers reject it.
/// An S256 challenge is base64url(SHA-256) without padding: exactly 43 characters.
fn check_challenge(challenge: &str, params: &AuthorizeParams) -> Result<String, &'static str> {
    if params.code_challenge_method.as_deref() != Some("S256") {
        return Err("code_challenge_method must be S256");
    }
    let well_formed = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err("code_challenge must be 43 base64url characters");
    }
    Ok(challenge.to_owned())
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|s| !s.is_empty())
}

fn allow(
    server: &OAuthServer,
    request: ValidRequest,
    params: &AuthorizeParams,
    account: Option<String>,
) -> Response {
    let account = account.unwrap_or_else(fresh_account);
    server.record_consent(&account);
    let code = server.issue_code(PendingCodeInput {
        client_id: request.client_id,
        redirect_uri: request.redirect_uri_raw,
        account,
        scope: params.scope.clone().unwrap_or_default(),
        code_challenge: request.code_challenge,
    });
    let mut target = request.redirect_uri;
    {
        let mut query = target.query_pairs_mut();
        query.append_pair("code", &code);
        if let Some(state) = params.state.as_deref() {
            query.append_pair("state", state);
        }
    }
    found(&target)
}

/// A new simulated account id: random, and recorded once it consents.
fn fresh_account() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("sim-{}", id.get(..12).unwrap_or(&id))
}

fn redirect_error(
    redirect_uri: &Url,
    error: &str,
    description: &str,
    state: Option<&str>,
) -> Response {
    let mut target = redirect_uri.clone();
    {
        let mut query = target.query_pairs_mut();
        query.append_pair("error", error);
        query.append_pair("error_description", description);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    found(&target)
}

fn found(target: &Url) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

fn error_page(message: &str) -> Response {
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Authorization error</title></head>\n<body><main><h1>Authorization error</h1>\
         <p role=\"alert\">{}</p></main></body></html>\n",
        escape_html(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// The consent page. Every original parameter travels as a hidden field so the POST carries
/// the same request; the account field lets a person (or a browser test) pick the account.
fn consent_page(
    server: &OAuthServer,
    params: &AuthorizeParams,
    account: Option<String>,
) -> Response {
    let name = escape_html(server.settings().display_name);
    let account = escape_html(&account.unwrap_or_else(fresh_account));
    let client = escape_html(params.client_id.as_deref().unwrap_or(""));
    let hidden: String = [
        ("response_type", &params.response_type),
        ("client_id", &params.client_id),
        ("redirect_uri", &params.redirect_uri),
        ("state", &params.state),
        ("scope", &params.scope),
        ("code_challenge", &params.code_challenge),
        ("code_challenge_method", &params.code_challenge_method),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.as_deref().map(|v| (key, v)))
    .map(|(key, value)| {
        format!(
            "<input type=\"hidden\" name=\"{key}\" value=\"{}\">\n",
            escape_html(value)
        )
    })
    .collect();
    let scope = escape_html(params.scope.as_deref().unwrap_or("(none)"));
    let action = escape_html(server.settings().authorize_path);
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}: authorize access</title></head>\n<body><main>\n\
         <h1>{name} (simulated)</h1>\n\
         <p>The application <strong>{client}</strong> asks to read your data. Scope: {scope}.</p>\n\
         <form method=\"post\" action=\"{action}\">\n{hidden}\
         <p><label for=\"sim_user\">Simulated account</label>\n\
         <input id=\"sim_user\" name=\"sim_user\" value=\"{account}\" autocomplete=\"off\"></p>\n\
         <p><button type=\"submit\" name=\"consent\" value=\"allow\">Allow</button>\n\
         <button type=\"submit\" name=\"consent\" value=\"deny\">Deny</button></p>\n\
         </form>\n</main></body></html>\n"
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// Escapes the five HTML-significant characters. Hand-written because this one page is the
/// simulator's only HTML; a template engine would add a build step for 20 lines of markup.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
