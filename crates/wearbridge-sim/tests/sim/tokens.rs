//! The SANDBOX token endpoint: single-use codes and PKCE, client authentication, refresh
//! rotation, expiry and lifetime, revocation, and reconnecting an account.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use wearbridge_sim::SimProvider;

use crate::{CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, TestResult, VERIFIER, start, str_of};

#[tokio::test]
async fn codes_are_single_use_and_pkce_is_enforced() -> TestResult {
    let ctx = start().await?;
    let code = ctx.code_for("carol").await?;
    let exchange = |verifier: &'static str, code: String| {
        let ctx = &ctx;
        async move {
            ctx.token_request(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", verifier),
            ])
            .await
        }
    };
    let wrong = "b-very-long-code-verifier-that-is-at-least-43-characters-long";
    let (status, body) = exchange(wrong, code.clone()).await?;
    assert_eq!(
        (status, str_of(&body, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    // The failed attempt consumed the code.
    let (status, body) = exchange(VERIFIER, code).await?;
    assert_eq!(
        (status, str_of(&body, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );

    let code = ctx.code_for("carol").await?;
    let (status, _) = exchange(VERIFIER, code.clone()).await?;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = exchange(VERIFIER, code).await?;
    assert_eq!(
        (status, str_of(&body, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    Ok(())
}

#[tokio::test]
async fn client_authentication_is_checked() -> TestResult {
    let ctx = start().await?;
    let code = ctx.code_for("dave").await?;
    let response = ctx
        .http
        .post(ctx.url("/sandbox/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await?;
    assert_eq!(str_of(&body, "error"), "invalid_client");
    // Body-parameter client authentication works too (SANDBOX accepts either style).
    let code = ctx.code_for("dave").await?;
    let response = ctx
        .http
        .post(ctx.url("/sandbox/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn refresh_tokens_rotate_and_are_single_use() -> TestResult {
    let ctx = start().await?;
    let first = ctx.connect("erin").await?;
    let old_refresh = str_of(&first, "refresh_token").to_owned();
    let (status, second) = ctx.refresh(&old_refresh).await?;
    assert_eq!(status, StatusCode::OK);
    let new_refresh = str_of(&second, "refresh_token").to_owned();
    assert_ne!(new_refresh, old_refresh);
    assert_ne!(
        str_of(&second, "access_token"),
        str_of(&first, "access_token")
    );
    assert_eq!(str_of(&second, "user_id"), "erin");

    let (status, error) = ctx.refresh(&old_refresh).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(str_of(&error, "error"), "invalid_grant");
    assert_eq!(
        str_of(&error, "error_description"),
        "refresh token already used"
    );

    let (status, _) = ctx.refresh(&new_refresh).await?;
    assert_eq!(status, StatusCode::OK);
    let me = ctx.api(str_of(&second, "access_token"), "/me").await?;
    assert_eq!(me.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_recovers() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("frank").await?;
    let access = str_of(&tokens, "access_token");
    assert_eq!(ctx.api(access, "/me").await?.status(), StatusCode::OK);

    let expired: Value = ctx
        .control(
            "/_sim/expire",
            json!({"provider": "sandbox", "sim_user": "frank"}),
        )
        .await?
        .json()
        .await?;
    assert_eq!(expired.get("expired").and_then(Value::as_u64), Some(1));
    let response = ctx.api(access, "/me").await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response
            .headers()
            .contains_key(reqwest::header::WWW_AUTHENTICATE)
    );
    let body: Value = response.json().await?;
    assert_eq!(str_of(&body, "error"), "invalid_token");
    assert_eq!(str_of(&body, "error_description"), "access token expired");

    let (status, renewed) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ctx.api(str_of(&renewed, "access_token"), "/me")
            .await?
            .status(),
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn token_lifetime_is_configurable_at_runtime() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .control(
            "/_sim/config",
            json!({"provider": "sandbox", "access_token_ttl_s": 1}),
        )
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let config: Value = ctx
        .http
        .get(ctx.url("/_sim/config"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        config.pointer("/providers/0/access_token_ttl_s"),
        Some(&json!(1))
    );
    let tokens = ctx.connect("grace").await?;
    assert_eq!(tokens.get("expires_in").and_then(Value::as_u64), Some(1));
    let access = str_of(&tokens, "access_token");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        ctx.api(access, "/me").await?.status(),
        StatusCode::UNAUTHORIZED
    );
    let zero = ctx
        .control(
            "/_sim/config",
            json!({"provider": "sandbox", "access_token_ttl_s": 0}),
        )
        .await?;
    assert_eq!(zero.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn revoke_endpoint_and_account_revocation_kill_the_grant() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("heidi").await?;
    let response = ctx
        .http
        .post(ctx.url("/sandbox/oauth/revoke"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", str_of(&tokens, "refresh_token"))])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = ctx
        .api(str_of(&tokens, "access_token"), "/me")
        .await?
        .json()
        .await?;
    assert_eq!(str_of(&body, "error_description"), "access token revoked");
    let (status, error) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(
        (status, str_of(&error, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );

    // Revocation at the provider (user disconnected the app), through the control API.
    let again = ctx.connect("heidi").await?;
    let revoked: Value = ctx
        .control(
            "/_sim/revoke",
            json!({"provider": "sandbox", "sim_user": "heidi"}),
        )
        .await?
        .json()
        .await?;
    assert_eq!(revoked.get("revoked").and_then(Value::as_u64), Some(2));
    assert_eq!(
        ctx.api(str_of(&again, "access_token"), "/me")
            .await?
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = ctx.refresh(str_of(&again, "refresh_token")).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn reconnecting_the_same_account_serves_the_same_person() -> TestResult {
    let ctx = start().await?;
    let first = ctx.connect("ivan").await?;
    let second = ctx.connect("ivan").await?;
    assert_eq!(str_of(&first, "user_id"), str_of(&second, "user_id"));
    let query = "/daily?start_date=2026-03-01&end_date=2026-03-02";
    let a = ctx.api_json(str_of(&first, "access_token"), query).await?;
    let b = ctx.api_json(str_of(&second, "access_token"), query).await?;
    assert_eq!(a, b);
    assert_eq!(
        ctx.sim
            .oauth(SimProvider::Sandbox)
            .map(|o| o.accounts().len()),
        Some(1)
    );
    Ok(())
}
