//! Credentials: `dev-id` + `x-api-key` on every non-public `/v2` call.

use axum::http::Method;
use serde_json::json;

use crate::harness::backend_test;

/// Every authenticated endpoint, with a body where it needs one.
fn protected_calls(user_id: &str) -> Vec<(Method, String, Option<serde_json::Value>)> {
    let mut calls: Vec<(Method, String, Option<serde_json::Value>)> = [
        "activity",
        "athlete",
        "body",
        "daily",
        "menstruation",
        "nutrition",
        "sleep",
    ]
    .iter()
    .map(|kind| {
        (
            Method::GET,
            format!("/v2/{kind}?user_id={user_id}&start_date=2024-01-01&to_webhook=false"),
            None,
        )
    })
    .collect();
    calls.extend([
        (Method::GET, format!("/v2/userInfo?user_id={user_id}"), None),
        (Method::GET, "/v2/subscriptions".to_owned(), None),
        (
            Method::POST,
            "/v2/bulkUserInfo".to_owned(),
            Some(json!([user_id])),
        ),
        (
            Method::PATCH,
            format!("/v2/users/{user_id}"),
            Some(json!({"active": true})),
        ),
        (
            Method::POST,
            format!("/v2/activity?user_id={user_id}"),
            Some(json!({"data": []})),
        ),
        (
            Method::DELETE,
            format!("/v2/body?user_id={user_id}"),
            Some(json!({"log_ids": ["x"]})),
        ),
    ]);
    calls
}

backend_test!(missing_or_wrong_credentials_are_401_everywhere, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await.to_string();
    let other = app.developer("other").await;
    let clients = [
        app.anonymous(),
        app.with_headers(&[("dev-id", &dev.dev_id)]),
        app.with_headers(&[("x-api-key", &dev.api_key)]),
        app.with_headers(&[("dev-id", &dev.dev_id), ("x-api-key", "wrong")]),
        app.with_headers(&[("dev-id", &dev.dev_id), ("x-api-key", &other.api_key)]),
        app.with_headers(&[
            ("dev-id", "dev_00000000000000000000000000000000"),
            ("x-api-key", &dev.api_key),
        ]),
        app.with_headers(&[("dev-id", "not a dev id"), ("x-api-key", &dev.api_key)]),
    ];
    for client in &clients {
        for (method, path, body) in protected_calls(&user) {
            let body = body.unwrap_or(serde_json::Value::Null);
            let response = client.json(method.clone(), &path, &body, 401).await;
            assert_eq!(response.error_message(), "unauthorized", "{method} {path}");
            assert_eq!(response.json(), json!({"message": "unauthorized"}));
        }
    }
});

backend_test!(valid_credentials_pass_and_header_names_ignore_case, |app| {
    let dev = app.developer("acme").await;
    app.client(&dev).get("/v2/subscriptions", 200).await;
    app.with_headers(&[("Dev-Id", &dev.dev_id), ("X-API-Key", &dev.api_key)])
        .get("/v2/subscriptions", 200)
        .await;
});

backend_test!(rotating_a_key_revokes_the_old_one, |app| {
    let mut dev = app.developer("acme").await;
    let new_key = wearbridge_server::developers::rotate_api_key(&app.store, &dev.dev_id)
        .await
        .expect("rotation");
    app.client(&dev).get("/v2/subscriptions", 401).await;
    dev.api_key = crate::harness::ExposeSecret::expose_secret(&new_key).to_owned();
    app.client(&dev).get("/v2/subscriptions", 200).await;
});

backend_test!(stored_secrets_are_not_plaintext, |app| {
    let dev = app.developer("acme").await;
    let stored = app
        .store
        .find_developer(&dev.dev_id.parse().expect("dev id"))
        .await
        .expect("query")
        .expect("developer exists");
    assert_ne!(stored.api_key_hash, dev.api_key);
    assert_eq!(stored.api_key_hash.len(), 64, "SHA-256 hex");
    assert!(
        !stored
            .webhook_secret_enc
            .contains(&dev.webhook_signing_secret)
    );
    let decrypted = app
        .state
        .cipher
        .decrypt_str(&stored.webhook_secret_enc)
        .expect("decrypts");
    assert_eq!(decrypted, dev.webhook_signing_secret);
});
