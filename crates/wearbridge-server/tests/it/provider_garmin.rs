//! GARMIN end to end in sandbox mode: connect through `authenticateUser` (OAuth 2 with
//! PKCE at the simulator), backfill by upload-time pulls, a PUSH and a PING from the
//! simulated Garmin, schema-valid data of every supported type, Garmin's 429 pausing the
//! budget, a revoked grant ending in `access_revoked`, and a `userPermissionsChange` notice
//! becoming one `permission_change` event and the user's new scopes.

use crate::flows::*;

/// Garmin pushes carry the app's consumer key, not a signature; the secret is unused.
const NO_SECRET: &str = "";

crate::connect_test!(garmin_connects_backfills_and_takes_pushes, |env| {
    let dev = env.developer("garmin").await;
    let user = env.connect_provider(&dev, "GARMIN", "garmin-gus").await;
    // On connect the adapter asked Garmin for history (spec §8: 202 per summary type).
    let backfills = env
        .sim()
        .requests()
        .records(Some("garmin"))
        .into_iter()
        .filter(|r| r.path.contains("/wellness-api/rest/backfill/"))
        .count();
    assert!(backfills > 0, "no backfill request on connect");
    env.run_backfill().await;
    for kind in [
        "daily",
        "sleep",
        "body",
        "activity",
        "menstruation",
        "athlete",
    ] {
        let data = env.data(&dev, kind, &user, 10).await;
        if matches!(kind, "daily" | "sleep" | "body" | "athlete") {
            assert!(!data.is_empty(), "backfill stored {kind} data");
        }
    }
    let person = env.sim().person("garmin-gus");
    let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let daily = env.data(&dev, "daily", &user, 10).await;
    let steps = daily
        .iter()
        .find(|d| {
            d["metadata"]["start_time"]
                .as_str()
                .is_some_and(|t| t.starts_with(&yesterday.to_string()))
        })
        .map(|d| d["distance_data"]["steps"].clone());
    assert_eq!(steps, Some(json!(person.day(yesterday).total_steps())));

    // A PUSH of a day the backfill holds: a fetch job that changes nothing.
    let before = env.events(&dev, "daily").await.len();
    let status = env
        .send_push(
            SimProvider::Garmin,
            "garmin-gus",
            "daily",
            yesterday,
            NO_SECRET,
        )
        .await;
    assert_eq!(status, 200);
    env.run_fetches().await;
    assert_eq!(env.events(&dev, "daily").await.len(), before);
    // A PUSH of a sleep is stored from the body; a PING of body composition fetches.
    for kind in ["sleep", "body"] {
        let status = env
            .send_push(
                SimProvider::Garmin,
                "garmin-gus",
                kind,
                yesterday,
                NO_SECRET,
            )
            .await;
        assert_eq!(status, 200, "{kind} push");
    }
    env.run_fetches().await;

    // Garmin's deregistration notice ends the user's access.
    let deregistration = json!({"deregistrations": [{"userId": "garmin-gus"}]});
    let response = reqwest::Client::new()
        .post(env.push_url("GARMIN"))
        .header(
            "garmin-client-id",
            wearbridge_providers::config::SANDBOX_CLIENT_ID,
        )
        .json(&deregistration)
        .send()
        .await
        .expect("deregistration push");
    assert_eq!(response.status().as_u16(), 200);
    let revoked = env.events(&dev, "access_revoked").await;
    assert_eq!(
        revoked.len(),
        1,
        "no access_revoked event after deregistration"
    );
});

crate::connect_test!(garmin_rate_limit_pauses_the_budget, |env| {
    let dev = env.developer("garmin-faults").await;
    let user = env.connect_provider(&dev, "GARMIN", "garmin-rae").await;
    // Garmin's own 429 (`{"errorMessage": ...}` with Retry-After) on the first pull.
    env.sim()
        .faults()
        .inject(
            "garmin",
            FaultKind::RateLimit {
                retry_after_s: 3_600,
            },
            FaultTarget::Api,
            1,
        )
        .expect("fault");
    env.sim().requests().clear();
    env.run_backfill().await;
    let requests = env.sim().requests().records(Some("garmin"));
    let limited = requests.iter().position(|r| r.status == 429);
    assert!(limited.is_some(), "no rate-limited request: {requests:?}");
    // The pause holds: nothing more was sent to Garmin after the 429.
    assert_eq!(
        limited.map(|at| requests.len() - at - 1),
        Some(0),
        "{requests:?}"
    );
    // A read meanwhile gets Terra's rate-limit answer at once, without calling Garmin.
    let today = wearbridge_server::clock::Clock::now(env.clock()).date_naive();
    let path = format!(
        "/v2/daily?user_id={user}&start_date={}&end_date={today}&to_webhook=false",
        today - chrono::Days::new(9)
    );
    let body = env.call(&dev, Method::GET, &path, None, 200).await;
    assert_eq!(body["type"], "rate_limit", "{body}");
    assert!(
        body["retry_after_seconds"]
            .as_i64()
            .is_some_and(|s| (1..=3_600).contains(&s))
    );
    assert_eq!(
        env.sim().requests().records(Some("garmin")).len(),
        requests.len()
    );
});

crate::connect_test!(garmin_revoked_grant_ends_in_access_revoked, |env| {
    let dev = env.developer("garmin-revoked").await;
    env.connect_provider(&dev, "GARMIN", "garmin-rex").await;
    // The user removes the app at Garmin: pulls answer 403, the refresh invalid_grant.
    let oauth = env.sim().oauth(SimProvider::Garmin).expect("garmin oauth");
    assert!(oauth.revoke_account("garmin-rex") > 0);
    env.run_backfill().await;
    let revoked = env.events(&dev, "access_revoked").await;
    assert_eq!(revoked.len(), 1, "no access_revoked event");
});

/// `GET /v2/userInfo` of `user`, schema-checked; its `user.scopes`.
async fn scopes_of(env: &Env, dev: &Dev, user: &str) -> Value {
    let info = env
        .call(
            dev,
            Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_valid("api/v2/User_Get.200", &info);
    info["user"]["scopes"].clone()
}

crate::connect_test!(garmin_permission_change_updates_scopes_once, |env| {
    let dev = env.developer("garmin-permissions").await;
    let user = env.connect_provider(&dev, "GARMIN", "garmin-pat").await;
    // On connect the adapter read what the user shares (`user/permissions`).
    let all = wearbridge_sim::providers::garmin::PERMISSIONS.join(",");
    assert_eq!(scopes_of(&env, &dev, &user).await, json!(all));

    // The user stops sharing health data at Garmin.
    let kept: Vec<&str> = wearbridge_sim::providers::garmin::PERMISSIONS
        .into_iter()
        .filter(|permission| *permission != "HEALTH_EXPORT")
        .collect();
    let notice = env.sim().garmin_permissions_change("garmin-pat", &kept);
    let target = env.push_url("GARMIN");
    let status = env.sim().send_message(&notice, &target).await;
    assert_eq!(status.expect("push sent"), 200);
    let changes = env.events(&dev, "permission_change").await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    let event = &changes[0];
    assert_valid("core/PermissionChangeEvent", event);
    assert_eq!(event["status"], "warning");
    assert_eq!(event["scopes_removed"], "HEALTH_EXPORT");
    assert_eq!(event["scopes_added"], "");
    assert_eq!(event["user"]["user_id"], user.as_str());
    assert_eq!(event["user"]["scopes"], json!(kept.join(",")));
    assert_eq!(scopes_of(&env, &dev, &user).await, json!(kept.join(",")));

    // Garmin repeats the notice (e.g. after a timeout): nothing new.
    let status = env.sim().send_message(&notice, &target).await;
    assert_eq!(status.expect("push sent"), 200);
    assert_eq!(env.events(&dev, "permission_change").await.len(), 1);

    // Sharing it again is the opposite change.
    let notice = env.sim().garmin_permissions_change(
        "garmin-pat",
        &wearbridge_sim::providers::garmin::PERMISSIONS,
    );
    let status = env.sim().send_message(&notice, &target).await;
    assert_eq!(status.expect("push sent"), 200);
    let changes = env.events(&dev, "permission_change").await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes
            .iter()
            .any(|event| event["scopes_added"] == "HEALTH_EXPORT" && event["scopes_removed"] == ""),
        "{changes:?}"
    );
    assert_eq!(scopes_of(&env, &dev, &user).await, json!(all));
});
