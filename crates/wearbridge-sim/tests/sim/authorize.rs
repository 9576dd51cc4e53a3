//! The SANDBOX authorize step: PKCE round trip, the consent page, redirect URI matching,
//! deny, and refused authorize requests.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wearbridge_sim::SimProvider;

use crate::{
    CLIENT_ID, Ctx, REDIRECT_URI, TestResult, VERIFIER, location_params, param, start, str_of,
    support, urlencode,
};

#[tokio::test]
async fn oauth_round_trip_with_pkce_reaches_the_chosen_account() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("alice").await?;
    assert_eq!(str_of(&tokens, "token_type"), "Bearer");
    assert_eq!(str_of(&tokens, "user_id"), "alice");
    assert_eq!(
        tokens.get("expires_in").and_then(Value::as_u64),
        Some(3_600)
    );
    let me = ctx.api_json(str_of(&tokens, "access_token"), "/me").await?;
    assert_eq!(str_of(&me, "user_id"), "alice");
    let expected_offset = ctx.sim.person("alice").offset().to_string();
    assert_eq!(
        me.pointer("/profile/utc_offset").and_then(Value::as_str),
        Some(expected_offset.as_str())
    );
    assert_eq!(
        ctx.sim.oauth(SimProvider::Sandbox).map(|o| o.accounts()),
        Some(vec!["alice".to_owned()])
    );
    ctx.sim.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn consent_page_is_a_real_form_with_allow_and_deny() -> TestResult {
    let ctx = start().await?;
    let response = ctx.http.get(ctx.authorize_url("")).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await?;
    assert!(html.contains(r#"<form method="post" action="/sandbox/oauth/authorize">"#));
    assert!(html.contains(r#"<button type="submit" name="consent" value="allow">Allow</button>"#));
    assert!(html.contains(r#"<button type="submit" name="consent" value="deny">Deny</button>"#));
    assert!(html.contains(r#"<label for="sim_user">"#) && html.contains("<html lang=\"en\">"));

    // Submitting the form as a browser would, with a chosen account.
    let form = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("state", "st-2"),
        ("sim_user", "bob"),
        ("consent", "allow"),
    ];
    let response = ctx
        .http
        .post(ctx.url("/sandbox/oauth/authorize"))
        .form(&form)
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::FOUND);
    let params = location_params(&response)?;
    assert_eq!(param(&params, "state"), Some("st-2"));
    let code = param(&params, "code").ok_or("no code")?;
    // No PKCE in this request, so no verifier is needed.
    let (status, tokens) = ctx
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(str_of(&tokens, "user_id"), "bob");
    Ok(())
}

#[tokio::test]
async fn consent_page_escapes_request_parameters() -> TestResult {
    let ctx = start().await?;
    let hostile = urlencode(r#""><script>alert(1)</script>"#);
    let url = ctx
        .authorize_url("")
        .replace("state=st-1", &format!("state={hostile}"));
    let response = ctx.http.get(url).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await?;
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&quot;&gt;&lt;script&gt;"));
    Ok(())
}

#[tokio::test]
async fn default_account_is_fresh_and_recorded() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .http
        .get(ctx.authorize_url("&consent=allow"))
        .send()
        .await?;
    let params = location_params(&response)?;
    let code = param(&params, "code").ok_or("no code")?;
    let (_, tokens) = ctx
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .await?;
    let account = str_of(&tokens, "user_id").to_owned();
    assert!(
        account.starts_with("sim-") && account.len() > 8,
        "{account}"
    );
    let listed: Value = ctx
        .http
        .get(ctx.url("/_sim/accounts?provider=sandbox"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(listed.get("accounts"), Some(&json!([account])));
    Ok(())
}

/// An authorization code for `redirect`, without PKCE.
async fn code_with_redirect(
    ctx: &Ctx,
    redirect: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let url = format!(
        "{}?response_type=code&client_id={CLIENT_ID}&redirect_uri={}&consent=allow&sim_user=zed",
        ctx.url("/sandbox/oauth/authorize"),
        urlencode(redirect)
    );
    let response = ctx.http.get(url).send().await?;
    support::redirect_code(&response)
}

#[tokio::test]
async fn redirect_uri_must_match_exactly_as_sent() -> TestResult {
    let ctx = start().await?;
    // Without a path: a URL parser would normalize this to ".../", which must not matter.
    let bare = "http://127.0.0.1:9";
    let code = code_with_redirect(&ctx, bare).await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", "http://127.0.0.1:9/"),
    ];
    let (status, body) = ctx.token_request(&form).await?;
    assert_eq!(
        (status, str_of(&body, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );

    let code = code_with_redirect(&ctx, bare).await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", bare),
    ];
    let (status, body) = ctx.token_request(&form).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    Ok(())
}

#[tokio::test]
async fn deny_redirects_with_access_denied() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .http
        .get(ctx.authorize_url("&consent=deny"))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::FOUND);
    let params = location_params(&response)?;
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert_eq!(param(&params, "state"), Some("st-1"));
    assert_eq!(param(&params, "code"), None);
    Ok(())
}

#[tokio::test]
async fn invalid_authorize_requests_are_refused() -> TestResult {
    let ctx = start().await?;
    let missing_client = format!(
        "{}?response_type=code&redirect_uri={}&consent=allow",
        ctx.url("/sandbox/oauth/authorize"),
        urlencode(REDIRECT_URI)
    );
    let response = ctx.http.get(missing_client).send().await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await?.contains("client_id is required"));

    let no_redirect = format!(
        "{}?response_type=code&client_id=x",
        ctx.url("/sandbox/oauth/authorize")
    );
    assert_eq!(
        ctx.http.get(no_redirect).send().await?.status(),
        StatusCode::BAD_REQUEST
    );

    let plain = ctx.authorize_url("&consent=allow").replace("S256", "plain");
    let response = ctx.http.get(plain).send().await?;
    assert_eq!(
        param(&location_params(&response)?, "error"),
        Some("invalid_request")
    );

    let token = ctx
        .authorize_url("&consent=allow")
        .replace("response_type=code", "response_type=token");
    let response = ctx.http.get(token).send().await?;
    assert_eq!(
        param(&location_params(&response)?, "error"),
        Some("unsupported_response_type")
    );
    Ok(())
}
