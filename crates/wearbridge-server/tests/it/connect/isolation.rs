//! Who can reach a connection: deauthentication and tenant isolation, no plaintext
//! tokens at rest, and single-use mobile-SDK tokens.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wearbridge_server::connect::vault::open;
use wearbridge_store::Backend;
use wearbridge_store::ids::{DeveloperId, UserId};

use super::{Env, data_path, query};
use crate::harness::{ExposeSecret, assert_valid};

connect_test!(deauthentication_revokes_and_hides_the_user, |env| {
    let dev = env.developer("deauth").await;
    let other = env.developer("other").await;
    let landing = env
        .connect_with_widget(&dev, "frank", "allow", "frank")
        .await;
    let user = query(&landing, "user_id").expect("user");
    env.run_backfill().await;
    // Another developer sees nothing of this user.
    env.call(
        &other,
        reqwest::Method::GET,
        &format!("/v2/userInfo?user_id={user}"),
        None,
        404,
    )
    .await;
    env.call(
        &other,
        reqwest::Method::GET,
        &data_path("sleep", &user, 7),
        None,
        404,
    )
    .await;
    env.call(
        &other,
        reqwest::Method::DELETE,
        &format!("/v2/auth/deauthenticateUser?user_id={user}"),
        None,
        404,
    )
    .await;

    let done = env
        .call(
            &dev,
            reqwest::Method::DELETE,
            &format!("/v2/auth/deauthenticateUser?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_valid("api/sdk/Authentication_DeauthenticateUser.200", &done);
    let log = env.sim.requests().records(Some("sandbox"));
    let revocations = log
        .iter()
        .filter(|record| record.path.contains("/oauth/revoke"))
        .count();
    let paths: Vec<_> = log
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.status))
        .collect();
    assert_eq!(revocations, 1, "no revocation at the provider: {paths:?}");
    env.call(
        &dev,
        reqwest::Method::GET,
        &format!("/v2/userInfo?user_id={user}"),
        None,
        404,
    )
    .await;
    env.call(
        &dev,
        reqwest::Method::GET,
        &data_path("sleep", &user, 7),
        None,
        404,
    )
    .await;
    let deauth = env.events(&dev, "deauth").await;
    assert_eq!(deauth.len(), 1);
    assert_eq!(deauth[0]["user"]["user_id"], user.as_str());
    let dev_id = DeveloperId::parse(&dev.id).expect("dev");
    let user_id = UserId::parse(&user).expect("user");
    assert!(
        env.store
            .get_connection(&dev_id, &user_id)
            .await
            .expect("read")
            .is_none()
    );
    env.call(
        &dev,
        reqwest::Method::DELETE,
        &format!("/v2/auth/deauthenticateUser?user_id={user}"),
        None,
        404,
    )
    .await;
});

connect_test!(no_token_is_stored_in_plain_text, |env| {
    let dev = env.developer("vault").await;
    let landing = env.connect_with_widget(&dev, "ivy", "allow", "ivy").await;
    let user = query(&landing, "user_id").expect("user");
    let (dev_id, user_id) = (
        DeveloperId::parse(&dev.id).expect("dev"),
        UserId::parse(&user).expect("user"),
    );
    let connection = env
        .store
        .get_connection(&dev_id, &user_id)
        .await
        .expect("read")
        .expect("connection");
    let tokens = open(&env.state.cipher, &connection).expect("decrypt");
    let mut secrets = vec![tokens.access_token.expose_secret().to_owned()];
    secrets.extend(
        tokens
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
    );
    assert!(
        secrets.iter().all(|secret| secret.len() >= 16),
        "unexpectedly short tokens"
    );
    let stored = stored_text(&env).await;
    assert!(!stored.is_empty());
    for secret in &secrets {
        assert!(
            !stored.contains(secret.as_str()),
            "a provider token is stored in plain text"
        );
    }
});

/// Everything the database holds that could contain a token: on SQLite the raw bytes of
/// the database file and its WAL; on PostgreSQL every text column of the connect tables.
async fn stored_text(env: &Env) -> String {
    match env.store.backend() {
        Backend::Sqlite => {
            let path = env.database_url.trim_start_matches("sqlite://");
            let path = path.split('?').next().unwrap_or(path);
            let mut bytes = std::fs::read(path).expect("database file");
            if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                bytes.extend(wal);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Backend::Postgres => {
            use sqlx::{Connection, Row};
            let mut conn = sqlx::PgConnection::connect(&env.database_url)
                .await
                .expect("pg");
            let mut text = String::new();
            for sql in [
                "SELECT concat_ws('|', user_id, access_token_enc, refresh_token_enc, scopes) FROM connections",
                "SELECT concat_ws('|', state_hash, session_id, pkce_verifier_enc, redirect_uri) FROM oauth_states",
                "SELECT concat_ws('|', id, provider, provider_user_id, scopes) FROM users",
                "SELECT concat_ws('|', body) FROM events",
                "SELECT concat_ws('|', payload, progress, last_error) FROM jobs",
            ] {
                for row in sqlx::query(sql).fetch_all(&mut conn).await.expect("select") {
                    text.push_str(&row.try_get::<String, _>(0).unwrap_or_default());
                }
            }
            text
        }
    }
}

connect_test!(mobile_sdk_tokens_are_single_use, |env| {
    let dev = env.developer("sdk").await;
    let issued = env
        .call(
            &dev,
            reqwest::Method::POST,
            "/v2/auth/generateAuthToken",
            None,
            200,
        )
        .await;
    assert_valid("api/sdk/Authentication_GenerateAuthToken.200", &issued);
    assert_eq!(issued["expires_in"], 180);
    let token = issued["token"].as_str().expect("token").to_owned();
    let exchange = |token: String| {
        env.http
            .post(format!("{}/v2/auth/sdk/connect", env.base_url))
            .json(&json!({"token": token, "resource": "APPLE", "reference_id": "jo"}))
            .send()
    };
    let first = exchange(token.clone()).await.expect("exchange");
    assert_eq!(first.status(), StatusCode::OK);
    let body: Value = first.json().await.expect("json");
    assert_eq!(body["resource"], "APPLE");
    let user = body["user_id"].as_str().expect("user").to_owned();
    let info = env
        .call(
            &dev,
            reqwest::Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(info["user"]["provider"], "APPLE");
    let replay = exchange(token).await.expect("exchange");
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
});
