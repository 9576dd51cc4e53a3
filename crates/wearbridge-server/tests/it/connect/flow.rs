//! The connect flow itself: widget session → page → provider consent → callback →
//! redirect → backfill → schema-valid data; authenticateUser; deny; expiry; reconnect.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;
use wearbridge_store::Backend;
use wearbridge_store::ids::{DeveloperId, UserId};

use super::{Env, data_path, query};
use crate::harness::assert_valid;

connect_test!(widget_flow_connects_and_backfills_all_types, |env| {
    let dev = env.developer("widget").await;
    let landing = env
        .connect_with_widget(&dev, "ref-42", "allow", "alice")
        .await;
    assert_eq!(landing.host_str(), Some("app.example"));
    assert_eq!(query(&landing, "step").as_deref(), Some("2"));
    assert_eq!(query(&landing, "resource").as_deref(), Some("SANDBOX"));
    assert_eq!(query(&landing, "reference_id").as_deref(), Some("ref-42"));
    let user = query(&landing, "user_id").expect("user_id");
    let auth = env.events(&dev, "auth").await;
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0]["user"]["user_id"], user.as_str());

    env.run_backfill().await;
    for kind in [
        "activity",
        "body",
        "daily",
        "menstruation",
        "nutrition",
        "sleep",
    ] {
        let body = env
            .call(
                &dev,
                reqwest::Method::GET,
                &data_path(kind, &user, 40),
                None,
                200,
            )
            .await;
        assert_valid(&format!("api/DataResponse.{kind}"), &body);
        let count = body["data"].as_array().map_or(0, Vec::len);
        if kind != "menstruation" {
            assert!(
                count >= 25,
                "{kind}: only {count} records after a 30-day backfill"
            );
        }
    }
    let athlete = env
        .call(
            &dev,
            reqwest::Method::GET,
            &format!("/v2/athlete?user_id={user}&to_webhook=false"),
            None,
            200,
        )
        .await;
    assert_valid("v2/AthleteCollection", &athlete);
    assert!(athlete.get("athlete").is_some(), "{athlete}");
    assert!(
        !env.events(&dev, "sleep").await.is_empty(),
        "backfill appended no sleep events"
    );
    let info = env
        .call(
            &dev,
            reqwest::Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(info["user"]["reference_id"], "ref-42");

    // An unchanged re-fetch stores nothing and sends nothing.
    let before = env.events(&dev, "sleep").await.len();
    let (dev_id, user_id) = (
        DeveloperId::parse(&dev.id).expect("dev"),
        UserId::parse(&user).expect("user"),
    );
    let stored = env
        .store
        .get_user(&dev_id, &user_id)
        .await
        .expect("user")
        .expect("exists");
    let (provider, ctx) =
        wearbridge_server::adapters::adapter(&env.state.services(), "SANDBOX").expect("adapter");
    let token = wearbridge_server::connect::vault::access_token(
        &env.state.services(),
        provider.as_ref(),
        &ctx,
        &dev_id,
        &user_id,
        None,
    )
    .await
    .expect("token");
    let today = Utc::now().date_naive();
    let range = wearbridge_providers::FetchRange {
        start: today - chrono::Days::new(6),
        end: today,
    };
    let records = provider
        .fetch(&ctx, &token.token, wearbridge_model::DataType::Sleep, range)
        .await
        .expect("fetch");
    let summary = wearbridge_server::ingest::ingest_records(&env.store, &stored, records, None)
        .await
        .expect("ingest");
    assert_eq!(
        (summary.inserted, summary.updated, summary.events),
        (0, 0, 0),
        "{summary:?}"
    );
    assert_eq!(env.events(&dev, "sleep").await.len(), before);
});

connect_test!(authenticate_user_reserves_the_user_id, |env| {
    let dev = env.developer("direct").await;
    let started = env
        .call(
            &dev,
            reqwest::Method::POST,
            "/v2/auth/authenticateUser?resource=sandbox",
            Some(json!({"reference_id": "bob"})),
            200,
        )
        .await;
    assert_valid("api/sdk/Authentication_AuthenticateUser.200", &started);
    let reserved = started["user_id"].as_str().expect("user_id").to_owned();
    let auth_url = started["auth_url"].as_str().expect("auth_url");
    let landing = env.consent(auth_url, "allow", "bob-account").await;
    assert_eq!(landing.path(), "/widget/success");
    assert_eq!(
        query(&landing, "user_id").as_deref(),
        Some(reserved.as_str())
    );
    assert_eq!(query(&landing, "reference_id").as_deref(), Some("bob"));
    let (status, page) = env.browse(landing.as_str()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&reserved) && page.contains("/v2/sleep?user_id="),
        "{page}"
    );
    env.call(
        &dev,
        reqwest::Method::GET,
        &format!("/v2/userInfo?user_id={reserved}"),
        None,
        200,
    )
    .await;
    env.call(
        &dev,
        reqwest::Method::POST,
        "/v2/auth/authenticateUser?resource=NOPE",
        None,
        404,
    )
    .await;
    // A phone's provider has no web authorization: the answer says how it connects.
    let sdk_only = env
        .call(
            &dev,
            reqwest::Method::POST,
            "/v2/auth/authenticateUser?resource=APPLE",
            None,
            400,
        )
        .await;
    let message = sdk_only["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("mobile-SDK provider") && message.contains("generateAuthToken"),
        "{sdk_only}"
    );
});

connect_test!(denied_consent_redirects_to_the_failure_url, |env| {
    let dev = env.developer("deny").await;
    let landing = env
        .connect_with_widget(&dev, "carol", "deny", "carol")
        .await;
    assert_eq!(landing.path(), "/failed");
    assert_eq!(query(&landing, "reason").as_deref(), Some("access_denied"));
    assert_eq!(query(&landing, "reference_id").as_deref(), Some("carol"));
    let errors = env.events(&dev, "auth").await;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["status"], "error");
    assert_eq!(errors[0]["reason"], "access_denied");
    // The current spec's arm of the `auth` webhook for the same denial (schema-checked by
    // `events`): the flow, the reason and the reference, no user.
    let cancelled = env.events(&dev, "auth_cancelled").await;
    assert_eq!(cancelled.len(), 1, "{cancelled:?}");
    assert_eq!(cancelled[0]["status"], "error");
    assert_eq!(cancelled[0]["reason"], "access_denied");
    assert_eq!(cancelled[0]["reference_id"], "carol");
    assert_eq!(cancelled[0]["flow_id"], errors[0]["widget_session_id"]);
    assert!(cancelled[0].get("user").is_none(), "{cancelled:?}");
    let users = env
        .call(
            &dev,
            reqwest::Method::GET,
            "/v2/userInfo?reference_id=carol",
            None,
            200,
        )
        .await;
    assert_eq!(users, json!([]), "a denied connection created a user");
});

connect_test!(expired_and_unknown_sessions_say_so, |env| {
    let dev = env.developer("expiry").await;
    let rejected = env
        .call(
            &dev,
            reqwest::Method::POST,
            "/v2/auth/generateWidgetSession",
            Some(json!({"providers": "SANDBOX,NOPE"})),
            400,
        )
        .await;
    assert_valid(
        "api/sdk/Authentication_GenerateWidgetSession.400",
        &rejected,
    );
    let newer = env
        .call(
            &dev,
            reqwest::Method::POST,
            "/widget/api/session",
            Some(json!({"providers": "sandbox"})),
            200,
        )
        .await;
    assert_valid("api/widget/GenerateWidgetSession.200", &newer);
    let session = env.widget_session(&dev, json!({})).await;
    assert_eq!(session["expires_in"], 900.0);
    let url = session["url"].as_str().expect("url").to_owned();
    env.clock.advance(chrono::Duration::seconds(901));
    let (status, page) = env.browse(&url).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("expired"), "{page}");
    let (status, _) = env.browse(&format!("{url}/connect/SANDBOX")).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, page) = env
        .browse(&format!("{}/widget/session/nope", env.base_url))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("not valid"), "{page}");
});

connect_test!(reconnect_issues_a_new_user_and_user_reauth, |env| {
    let dev = env.developer("reconnect").await;
    let first = env
        .connect_with_widget(&dev, "erin", "allow", "erin-acct")
        .await;
    let second = env
        .connect_with_widget(&dev, "erin", "allow", "erin-acct")
        .await;
    let (old, new) = (
        query(&first, "user_id").expect("old"),
        query(&second, "user_id").expect("new"),
    );
    assert_ne!(old, new);
    let reauth = env.events(&dev, "user_reauth").await;
    assert_eq!(reauth.len(), 1);
    assert_eq!(reauth[0]["old_user"]["user_id"], old.as_str());
    assert_eq!(reauth[0]["new_user"]["user_id"], new.as_str());
    assert_eq!(env.events(&dev, "auth").await.len(), 2);
    let users = env
        .call(
            &dev,
            reqwest::Method::GET,
            "/v2/userInfo?reference_id=erin",
            None,
            200,
        )
        .await;
    assert_eq!(users.as_array().map(Vec::len), Some(1), "{users}");
    assert_eq!(users[0]["user_id"], new.as_str());
    env.call(
        &dev,
        reqwest::Method::GET,
        &format!("/v2/userInfo?user_id={old}"),
        None,
        404,
    )
    .await;
});
