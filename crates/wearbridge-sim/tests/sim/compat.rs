//! Compatibility: the `oauth2` crate the provider adapters use completes the flow and
//! recovers from expiry and revocation, and the simulator embeds in a host router.

use std::time::Duration;

use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};
use wearbridge_sim::{FaultKind, FaultTarget, SimConfig, SimProvider, Simulator};

use crate::{REDIRECT_URI, TestResult, location_params, param, start, str_of, urlencode};

#[tokio::test]
async fn the_oauth2_crate_completes_the_flow_and_refreshes() -> TestResult {
    use oauth2::basic::BasicClient;
    use oauth2::{
        AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
        RedirectUrl, Scope, TokenResponse, TokenUrl,
    };

    let ctx = start().await?;
    let client = BasicClient::new(ClientId::new("wearbridge app".into()))
        .set_client_secret(ClientSecret::new("s3cret&more".into()))
        .set_auth_uri(AuthUrl::new(ctx.url("/sandbox/oauth/authorize"))?)
        .set_token_uri(TokenUrl::new(ctx.url("/sandbox/oauth/token"))?)
        .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.into())?);
    ctx.sim
        .oauth(SimProvider::Sandbox)
        .ok_or("sandbox not enabled")?
        .register_client("wearbridge app", "s3cret&more");
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("daily".into()))
        .set_pkce_challenge(challenge)
        .url();
    let response = ctx
        .http
        .get(format!("{auth_url}&consent=allow&sim_user=olivia"))
        .send()
        .await?;
    let params = location_params(&response)?;
    assert_eq!(param(&params, "state"), Some(csrf.secret().as_str()));
    let code = param(&params, "code").ok_or("no code")?.to_owned();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&ctx.http)
        .await?;
    let refresh = tokens.refresh_token().ok_or("no refresh token")?;
    assert_eq!(tokens.expires_in(), Some(Duration::from_secs(3_600)));
    assert_eq!(
        ctx.api(tokens.access_token().secret(), "/me")
            .await?
            .status(),
        StatusCode::OK
    );

    let renewed = client
        .exchange_refresh_token(refresh)
        .request_async(&ctx.http)
        .await?;
    assert_ne!(
        renewed.refresh_token().map(|t| t.secret()),
        Some(refresh.secret())
    );
    let reused = client
        .exchange_refresh_token(refresh)
        .request_async(&ctx.http)
        .await;
    assert!(reused.is_err(), "a used refresh token must be refused");
    Ok(())
}

#[tokio::test]
async fn token_expiring_mid_backfill_is_recovered_by_refresh() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("victor").await?;
    let response = ctx
        .control(
            "/_sim/faults",
            json!({"provider": "sandbox", "fault": {"type": "expire_token"}, "after": 2}),
        )
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let access = str_of(&tokens, "access_token");
    let mut page = String::new();
    let mut statuses = Vec::new();
    let mut access = access.to_owned();
    let mut refresh = str_of(&tokens, "refresh_token").to_owned();
    // A backfill loop as an adapter would write it: on 401, refresh once and retry the page.
    for _ in 0..20 {
        let query = format!("/daily?start_date=2026-01-01&end_date=2026-01-31{page}");
        let response = ctx.api(&access, &query).await?;
        statuses.push(response.status().as_u16());
        if response.status() == StatusCode::UNAUTHORIZED {
            let body: Value = response.json().await?;
            assert_eq!(str_of(&body, "error_description"), "access token expired");
            let (status, renewed) = ctx.refresh(&refresh).await?;
            assert_eq!(status, StatusCode::OK);
            access = str_of(&renewed, "access_token").to_owned();
            refresh = str_of(&renewed, "refresh_token").to_owned();
            continue;
        }
        let body: Value = response.json().await?;
        match body.get("next_page").and_then(Value::as_str) {
            Some(next) => page = format!("&page={next}"),
            None => break,
        }
    }
    assert_eq!(statuses, vec![200, 200, 401, 200, 200, 200]);
    Ok(())
}

#[tokio::test]
async fn token_revoked_mid_sync_stays_revoked() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("wanda").await?;
    let access = str_of(&tokens, "access_token");
    ctx.sim
        .faults()
        .inject_after("sandbox", FaultKind::RevokeToken, FaultTarget::Api, 1, 1)?;
    assert_eq!(ctx.api(access, "/me").await?.status(), StatusCode::OK);
    let body: Value = ctx.api(access, "/me").await?.json().await?;
    assert_eq!(str_of(&body, "error_description"), "access token revoked");
    let (status, error) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(
        (status, str_of(&error, "error_description")),
        (StatusCode::BAD_REQUEST, "refresh token revoked")
    );
    Ok(())
}

#[tokio::test]
async fn the_simulator_can_be_embedded_in_another_router() -> TestResult {
    let (sim_router, control) = Simulator::router(&SimConfig::default())?;
    let app = axum::Router::new()
        .route("/host-only", axum::routing::get(|| async { "host" }))
        .merge(sim_router);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()?;
    assert_eq!(
        http.get(format!("{base}/host-only"))
            .send()
            .await?
            .text()
            .await?,
        "host"
    );
    let page = http
        .get(format!(
            "{base}/sandbox/oauth/authorize?response_type=code&client_id=c&redirect_uri={}",
            urlencode(REDIRECT_URI)
        ))
        .send()
        .await?;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(control.requests().count("sandbox"), 1);
    server.abort();
    Ok(())
}
