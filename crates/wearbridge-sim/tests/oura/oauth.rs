//! OURA OAuth: single-use refresh tokens and revoke by query token.

use reqwest::StatusCode;
use serde_json::Value;

use crate::{ACCOUNT, CLIENT_ID, CLIENT_SECRET, Ctx, TestResult, access};

#[tokio::test]
async fn refresh_tokens_are_single_use_and_revoke_takes_the_query_token() -> TestResult {
    let ctx = Ctx::start().await?;
    let tokens = ctx.tokens(ACCOUNT).await?;
    assert_eq!(tokens["expires_in"], 86_400);
    assert_eq!(tokens["token_type"], "Bearer");
    let refresh = |token: String| {
        ctx.http
            .post(ctx.url("/oauth/token"))
            .form(&[
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", token),
                ("client_id", CLIENT_ID.to_owned()),
                ("client_secret", CLIENT_SECRET.to_owned()),
            ])
            .send()
    };
    let old = tokens["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let renewed = refresh(old.clone()).await?;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await?;
    let reused = refresh(old).await?;
    assert_eq!(reused.status(), StatusCode::BAD_REQUEST);
    let reused: Value = reused.json().await?;
    assert_eq!(reused["error"], "invalid_grant");

    let token = access(&renewed);
    let revoke = format!("{}?access_token={token}", ctx.url("/oauth/revoke"));
    assert_eq!(ctx.http.get(&revoke).send().await?.status(), StatusCode::OK);
    let (status, _) = ctx.get(&token, "/v2/usercollection/personal_info").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Already revoked: 401, which clients treat as done.
    assert_eq!(
        ctx.http.post(&revoke).send().await?.status(),
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}
