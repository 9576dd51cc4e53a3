//! The OAuth `state`: replayed and forged states are rejected, and a state is bound to
//! its provider and expires.

use reqwest::StatusCode;
use serde_json::json;
use url::Url;
use wearbridge_store::Backend;

use super::{Env, query};

connect_test!(replayed_and_forged_state_are_rejected, |env| {
    let dev = env.developer("replay").await;
    let session = env
        .widget_session(&dev, json!({"reference_id": "dave"}))
        .await;
    let page_url = session["url"].as_str().expect("url");
    let (_, authorize) = env.browse(&format!("{page_url}/connect/SANDBOX")).await;
    let (_, callback) = env
        .browse(&format!("{authorize}&consent=allow&sim_user=dave"))
        .await;
    let (status, first) = env.browse(&callback).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(first.contains("user_id="), "{first}");
    let (_, replay) = env.browse(&callback).await;
    let replay = Url::parse(&replay).expect("url");
    assert_eq!(query(&replay, "reason").as_deref(), Some("invalid_state"));
    let forged = format!(
        "{}/v2/auth/callback/sandbox?code=x&state=0123",
        env.base_url
    );
    let (_, forged) = env.browse(&forged).await;
    let forged = Url::parse(&forged).expect("url");
    assert_eq!(forged.path(), "/widget/failure");
    assert_eq!(query(&forged, "reason").as_deref(), Some("invalid_state"));
    let users = env
        .call(
            &dev,
            reqwest::Method::GET,
            "/v2/userInfo?reference_id=dave",
            None,
            200,
        )
        .await;
    assert_eq!(users.as_array().map(Vec::len), Some(1), "{users}");
});

connect_test!(a_state_is_bound_to_its_provider_and_expires, |env| {
    let dev = env.developer("binding").await;
    let session = env
        .widget_session(&dev, json!({"reference_id": "lee"}))
        .await;
    let page_url = session["url"].as_str().expect("url").to_owned();
    // A genuine state presented on another provider's callback is rejected and spent.
    let (_, authorize) = env.browse(&format!("{page_url}/connect/SANDBOX")).await;
    let (_, callback) = env
        .browse(&format!("{authorize}&consent=allow&sim_user=lee"))
        .await;
    let elsewhere = callback.replace("/callback/sandbox", "/callback/garmin");
    let (_, landing) = env.browse(&elsewhere).await;
    let landing = Url::parse(&landing).expect("url");
    assert_eq!(query(&landing, "reason").as_deref(), Some("invalid_state"));
    let (_, landing) = env.browse(&callback).await;
    let landing = Url::parse(&landing).expect("url");
    assert_eq!(
        query(&landing, "reason").as_deref(),
        Some("invalid_state"),
        "the state was not spent"
    );
    // A state older than ten minutes is refused even though the session is still valid.
    let (_, authorize) = env.browse(&format!("{page_url}/connect/SANDBOX")).await;
    let (_, callback) = env
        .browse(&format!("{authorize}&consent=allow&sim_user=lee"))
        .await;
    env.clock.advance(chrono::Duration::seconds(601));
    let (_, landing) = env.browse(&callback).await;
    let landing = Url::parse(&landing).expect("url");
    assert_eq!(landing.host_str(), Some("127.0.0.1"));
    assert_eq!(query(&landing, "reason").as_deref(), Some("state_expired"));
    let users = env
        .call(
            &dev,
            reqwest::Method::GET,
            "/v2/userInfo?reference_id=lee",
            None,
            200,
        )
        .await;
    assert_eq!(users, json!([]));
    assert_eq!(
        env.events(&dev, "auth").await.len(),
        2,
        "one auth error event per failed attempt"
    );
});
