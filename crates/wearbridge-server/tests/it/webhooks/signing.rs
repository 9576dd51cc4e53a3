//! Webhook signatures: Terra's `terra-signature` scheme checked by the independent
//! verifier, and both secrets signing for a day after a rotation.

use axum::http::Method;
use serde_json::json;
use wearbridge_store::{Backend, EventState};

use super::{Setup, header, parse_signature, verify};

webhook_test!(signed_exactly_like_terra, 15, |s| {
    let body = r#"{"type":"healthcheck","status":"success","n":"é ✓"}"#;
    let id = s.append("healthcheck", body, Some("ref-42")).await;
    assert_eq!(s.exact().run_due_now().await.expect("run"), 1);

    let requests = s.receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.body.as_ref(),
        body.as_bytes(),
        "body sent unchanged"
    );
    let signature = header(request, "terra-signature");
    let now = s.now_secs();
    assert!(verify(
        signature,
        &request.body,
        &s.dev.webhook_signing_secret,
        now
    ));
    assert!(!verify(signature, &request.body, "wrong-secret", now));
    assert!(!verify(
        signature,
        b"{}",
        &s.dev.webhook_signing_secret,
        now
    ));
    assert_eq!(header(request, "x-terra-signature"), signature);
    assert_eq!(parse_signature(signature).1.len(), 1);
    assert_eq!(header(request, "webhook-id"), id.as_str());
    assert_eq!(header(request, "terra-reference"), "ref-42");
    assert_eq!(header(request, "content-type"), "application/json");
    assert_eq!(s.event(&id).await.state, EventState::Delivered);
    // Nothing is due any more.
    assert_eq!(s.exact().run_due_now().await.expect("run"), 0);
});

webhook_test!(rotation_signs_with_both_secrets_for_a_day, 15, |s| {
    let client = s.app.client(&s.dev);
    let rotated = client
        .json(
            Method::POST,
            "/wearbridge/v1/webhook/rotate-secret",
            &json!({}),
            200,
        )
        .await
        .json();
    let new_secret = rotated["webhook_signing_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(new_secret, s.dev.webhook_signing_secret);

    s.append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    let first = s.receiver.requests()[0].clone();
    let signature = header(&first, "terra-signature");
    let (_, v1) = parse_signature(signature);
    assert_eq!(v1.len(), 2, "two v1 during the overlap: {signature}");
    let now = s.now_secs();
    // Receivers with either secret accept it; the new one signs first.
    assert!(verify(signature, &first.body, &new_secret, now));
    assert!(verify(
        signature,
        &first.body,
        &s.dev.webhook_signing_secret,
        now
    ));
    let new_only = format!(
        "t={},v1={}",
        parse_signature(signature).0.unwrap_or(0),
        v1[0]
    );
    assert!(verify(&new_only, &first.body, &new_secret, now));

    // A day later the old secret no longer signs.
    s.clock
        .advance(chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    s.append("healthcheck", r#"{"type":"healthcheck"}"#, None)
        .await;
    s.exact().run_due_now().await.expect("run");
    let second = s.receiver.requests()[1].clone();
    let signature = header(&second, "terra-signature");
    let now = s.now_secs();
    assert_eq!(parse_signature(signature).1.len(), 1);
    assert!(verify(signature, &second.body, &new_secret, now));
    assert!(!verify(
        signature,
        &second.body,
        &s.dev.webhook_signing_secret,
        now
    ));
});
