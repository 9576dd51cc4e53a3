//! Fault injection (rate limit, server error, hang, malformed JSON, random), the request
//! log, unknown paths, and determinism of person days across simulators.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use wearbridge_sim::{FaultKind, FaultTarget};

use crate::{TestResult, start, str_of};

#[tokio::test]
async fn rate_limit_fault_answers_429_with_retry_after_then_recovers() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("nina").await?, "access_token").to_owned();
    let response = ctx
        .control(
            "/_sim/faults",
            json!({"provider": "sandbox", "fault": {"type": "rate_limit", "retry_after_s": 17}, "times": 2}),
        )
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for _ in 0..2 {
        let response = ctx.api(&access, "/me").await?;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("17")
        );
    }
    assert_eq!(ctx.api(&access, "/me").await?.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn server_error_fault_can_target_the_token_endpoint() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("olga").await?;
    ctx.sim.faults().inject(
        "sandbox",
        FaultKind::ServerError { status: 503 },
        FaultTarget::Token,
        1,
    )?;
    // Data calls are unaffected by a token-endpoint fault.
    assert_eq!(
        ctx.api(str_of(&tokens, "access_token"), "/me")
            .await?
            .status(),
        StatusCode::OK
    );
    let (status, body) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(str_of(&body, "error"), "server_error");
    // The failed call did not consume the refresh token.
    let (status, _) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(status, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn hang_fault_outlasts_a_client_timeout() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("pete").await?, "access_token").to_owned();
    ctx.sim.faults().inject(
        "sandbox",
        FaultKind::Hang { seconds: 3 },
        FaultTarget::Api,
        1,
    )?;
    let result = ctx
        .http
        .get(ctx.url("/sandbox/api/v1/me"))
        .bearer_auth(&access)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    Ok(())
}

#[tokio::test]
async fn malformed_json_fault_truncates_the_body() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("quinn").await?, "access_token").to_owned();
    ctx.sim
        .faults()
        .inject("sandbox", FaultKind::MalformedJson, FaultTarget::Api, 1)?;
    let response = ctx
        .api(&access, "/sleep?start_date=2026-01-01&end_date=2026-01-02")
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await?;
    assert!(text.len() > 100);
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let next = ctx
        .api(&access, "/sleep?start_date=2026-01-01&end_date=2026-01-02")
        .await?;
    assert!(next.json::<Value>().await.is_ok());
    Ok(())
}

#[tokio::test]
async fn random_faults_and_invalid_fault_requests() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("rose").await?, "access_token").to_owned();
    let bad = ctx
        .control(
            "/_sim/faults",
            json!({"provider": "sandbox", "fault": {"type": "server_error", "status": 200}}),
        )
        .await?;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let unknown = ctx
        .control(
            "/_sim/faults",
            json!({"provider": "nope", "fault": {"type": "malformed_json"}}),
        )
        .await?;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let response = ctx
        .control(
            "/_sim/faults/random",
            json!({"provider": "sandbox", "fault": {"type": "server_error"}, "probability": 1.0}),
        )
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ctx.api(&access, "/me").await?.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let cleared = ctx
        .http
        .delete(ctx.url("/_sim/faults?provider=sandbox"))
        .send()
        .await?;
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert_eq!(ctx.api(&access, "/me").await?.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn request_log_counts_per_provider_and_minute() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("sam").await?, "access_token").to_owned();
    ctx.sim.requests().clear();
    for _ in 0..5 {
        ctx.api(&access, "/me").await?;
    }
    assert_eq!(ctx.sim.requests().count("sandbox"), 5);
    let per_minute: u64 = ctx
        .sim
        .requests()
        .per_minute("sandbox")
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(per_minute, 5);
    let log: Value = ctx
        .http
        .get(ctx.url("/_sim/requests?provider=sandbox"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(log.get("total").and_then(Value::as_u64), Some(5));
    let records = log
        .get("records")
        .and_then(Value::as_array)
        .ok_or("no records")?;
    assert!(
        records
            .iter()
            .all(|r| str_of(r, "path") == "/sandbox/api/v1/me" && str_of(r, "class") == "api")
    );
    // Control calls are not provider traffic.
    assert_eq!(ctx.sim.requests().count("sandbox"), 5);
    Ok(())
}

#[tokio::test]
async fn unknown_paths_get_a_json_404() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .http
        .get(ctx.url("/sandbox/api/v1/nothing-here"))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await?;
    assert_eq!(str_of(&body, "error"), "not_found");
    Ok(())
}

#[tokio::test]
async fn person_days_are_identical_across_simulators() -> TestResult {
    let first = start().await?;
    let second = start().await?;
    let path = "/_sim/people/tara/days/2026-06-01";
    let a = first.http.get(first.url(path)).send().await?.text().await?;
    let b = second
        .http
        .get(second.url(path))
        .send()
        .await?
        .text()
        .await?;
    assert!(a.len() > 1_000);
    assert_eq!(a, b);
    let other = first
        .http
        .get(first.url("/_sim/people/uma/days/2026-06-01"))
        .send()
        .await?
        .text()
        .await?;
    assert_ne!(a, other);
    Ok(())
}
