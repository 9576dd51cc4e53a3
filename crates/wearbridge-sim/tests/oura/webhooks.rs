//! The OURA webhook subscription API with its verification handshake, and signed pushes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::TimeDelta;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use wearbridge_sim::SimProvider;

use crate::schema::{assert_schema, assert_validation_error, spec};
use crate::{ACCOUNT, CLIENT_ID, CLIENT_SECRET, Ctx, TestResult, access, day};

/// A callback that answers Oura's verification when the token is `good-token`, recording
/// every query it gets.
async fn callback_server()
-> Result<(String, Arc<Mutex<Vec<BTreeMap<String, String>>>>), Box<dyn std::error::Error>> {
    use axum::extract::Query;
    let seen: Arc<Mutex<Vec<BTreeMap<String, String>>>> = Arc::default();
    let log = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::get(move |Query(query): Query<BTreeMap<String, String>>| {
            let log = Arc::clone(&log);
            async move {
                if let Ok(mut log) = log.lock() {
                    log.push(query.clone());
                }
                if query.get("verification_token").map(String::as_str) == Some("good-token") {
                    (
                        StatusCode::OK,
                        axum::Json(json!({"challenge": query.get("challenge")})),
                    )
                } else {
                    (StatusCode::UNAUTHORIZED, axum::Json(json!({})))
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((format!("http://{addr}/hook"), seen))
}

#[tokio::test]
async fn subscriptions_are_verified_listed_renewed_and_deleted() -> TestResult {
    let ctx = Ctx::start().await?;
    let spec = spec();
    let (callback, seen) = callback_server().await?;
    let app = |method: reqwest::Method, path: &str| {
        ctx.http
            .request(method, ctx.url(&format!("/v2/webhook/subscription{path}")))
            .header("x-client-id", CLIENT_ID)
            .header("x-client-secret", CLIENT_SECRET)
    };
    let create = |token: &str, data_type: &str| {
        app(reqwest::Method::POST, "").json(&json!({
            "callback_url": callback, "verification_token": token,
            "event_type": "create", "data_type": data_type,
        }))
    };
    let created = create("good-token", "sleep").send().await?;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await?;
    assert_schema(&spec, "WebhookSubscriptionModel", &created);
    let handshake = seen
        .lock()
        .map(|log| log.last().cloned())
        .ok()
        .flatten()
        .unwrap_or_default();
    assert_eq!(
        handshake.get("verification_token").map(String::as_str),
        Some("good-token")
    );
    assert!(handshake.get("challenge").is_some_and(|c| !c.is_empty()));

    assert_eq!(
        create("good-token", "sleep").send().await?.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(
        create("bad-token", "workout").send().await?.status(),
        StatusCode::BAD_REQUEST
    );
    let invalid = create("good-token", "sleeps").send().await?;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_validation_error(&spec, &invalid.json().await?);
    let anonymous = ctx
        .http
        .get(ctx.url("/v2/webhook/subscription"))
        .send()
        .await?;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let listed: Value = app(reqwest::Method::GET, "").send().await?.json().await?;
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "the refused ones were not stored"
    );
    assert_schema(&spec, "WebhookSubscriptionModel", &listed[0]);
    let id = created["id"].as_str().unwrap_or_default();
    let got = app(reqwest::Method::GET, &format!("/{id}")).send().await?;
    assert_eq!(got.json::<Value>().await?, created);
    let other = app(
        reqwest::Method::GET,
        "/c534043e-ba54-4131-9dce-e40537823bff",
    )
    .send()
    .await?;
    assert_eq!(other.status(), StatusCode::FORBIDDEN);

    let updated = app(reqwest::Method::PUT, &format!("/{id}"))
        .json(&json!({"verification_token": "good-token", "event_type": "update"}))
        .send()
        .await?;
    assert_eq!(updated.status(), StatusCode::OK);
    assert_eq!(updated.json::<Value>().await?["event_type"], "update");
    let no_token = app(reqwest::Method::PUT, &format!("/{id}"))
        .json(&json!({}))
        .send()
        .await?;
    assert_eq!(no_token.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let renewed = app(reqwest::Method::PUT, &format!("/renew/{id}"))
        .send()
        .await?;
    assert_eq!(renewed.status(), StatusCode::OK);
    let renewed: Value = renewed.json().await?;
    assert_schema(&spec, "WebhookSubscriptionModel", &renewed);
    let expires = chrono::NaiveDateTime::parse_from_str(
        renewed["expiration_time"].as_str().unwrap_or_default(),
        "%Y-%m-%dT%H:%M:%S%.f",
    )?;
    assert!(expires.and_utc() > chrono::Utc::now() + TimeDelta::days(6));
    let missing = app(reqwest::Method::PUT, "/renew/nope").send().await?;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    assert_eq!(
        app(reqwest::Method::DELETE, &format!("/{id}"))
            .send()
            .await?
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app(reqwest::Method::DELETE, &format!("/{id}"))
            .send()
            .await?
            .status(),
        StatusCode::NOT_FOUND
    );
    let listed: Value = app(reqwest::Method::GET, "").send().await?.json().await?;
    assert_eq!(listed, json!([]));
    Ok(())
}

#[tokio::test]
async fn pushes_name_a_fetchable_document_and_are_signed_with_the_client_secret() -> TestResult {
    let ctx = Ctx::start().await?;
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let date = day(2026, 3, 4);
    for (terra, oura) in [
        ("sleep", "sleep"),
        ("daily", "daily_activity"),
        ("body", "daily_spo2"),
    ] {
        let Some(push) =
            ctx.sim
                .push_message(SimProvider::Oura, ACCOUNT, terra, date, CLIENT_SECRET)
        else {
            panic!("{terra}: Oura notifies");
        };
        assert_eq!(
            (push.method, push.content_type),
            ("POST", "application/json")
        );
        let body: Value = serde_json::from_slice(&push.body)?;
        assert_eq!(body["data_type"], oura);
        assert_eq!(body["user_id"], ACCOUNT);
        assert_eq!(body["event_type"], "create");
        let header = |name: &str| {
            push.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(CLIENT_SECRET.as_bytes())?;
        mac.update(header("x-oura-timestamp").as_bytes());
        mac.update(&push.body);
        assert_eq!(
            header("x-oura-signature"),
            hex::encode_upper(mac.finalize().into_bytes())
        );
        let object = body["object_id"].as_str().unwrap_or_default();
        let (status, doc) = ctx
            .get(&token, &format!("/v2/usercollection/{oura}/{object}"))
            .await?;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(doc["day"], "2026-03-04");
    }
    assert!(
        ctx.sim
            .push_message(SimProvider::Oura, ACCOUNT, "athlete", date, CLIENT_SECRET)
            .is_none()
    );
    Ok(())
}
