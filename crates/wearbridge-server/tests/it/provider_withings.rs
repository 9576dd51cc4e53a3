//! WITHINGS end to end against its simulator (`flows.rs`): connect through authenticateUser
//! with notification subscriptions, backfill every supported type, a form-encoded push, a
//! rate limit in Withings's own form (HTTP 200 + `status: 601`) pausing the app budget, and
//! a revoked grant (`status: 401`, then a refused refresh) ending in `access_revoked`, and
//! a deauthentication that unsubscribes and revokes the grant with a signed request.

use crate::flows::*;

use wearbridge_server::state::now_micros;
use wearbridge_server::sync::budget::RateShape;
use wearbridge_store::sync::BudgetDecision;

/// The Terra types the WITHINGS adapter fetches.
const TYPES: [&str; 4] = ["activity", "body", "daily", "sleep"];

/// Requests the simulator logged for Withings on `path` (without the query).
fn logged(env: &Env, path: &str) -> Vec<wearbridge_sim::RequestRecord> {
    env.sim()
        .requests()
        .records(Some("withings"))
        .into_iter()
        .filter(|record| record.path.split('?').next() == Some(path))
        .collect()
}

crate::connect_test!(withings_connects_backfills_and_takes_a_push, |env| {
    let dev = env.developer("withings").await;
    let user = env.connect_provider(&dev, "WITHINGS", "alice").await;

    // on_connect subscribed the push endpoint (loopback: allowed) for every mapped appli.
    let subscriptions = logged(&env, "/withings/notify");
    assert_eq!(subscriptions.len(), 6, "{subscriptions:?}");
    assert!(subscriptions.iter().all(|record| record.status == 200));

    env.drain_jobs().await;
    for kind in TYPES {
        let data = env.data(&dev, kind, &user, 30).await;
        assert!(!data.is_empty(), "backfill stored no {kind}");
        assert!(
            data.iter()
                .all(|record| record["metadata"]["start_time"].is_string()),
            "{kind}: {data:?}"
        );
    }
    // Withings has no menstruation or nutrition: nothing stored, still schema-valid.
    assert!(env.data(&dev, "nutrition", &user, 30).await.is_empty());

    // Withings's reachability check (HEAD before subscribing) gets a 2xx.
    let head = reqwest::Client::new()
        .head(env.push_url("WITHINGS"))
        .send()
        .await
        .expect("HEAD");
    assert_eq!(head.status().as_u16(), 200);

    // A sleep notification (appli 44): one sleep fetch against the simulator.
    let before = logged(&env, "/withings/v2/sleep").len();
    let today = chrono::Utc::now().date_naive();
    let status = env
        .send_push(SimProvider::Withings, "alice", "sleep", today, "unused")
        .await;
    assert_eq!(status, 200);
    env.drain_jobs().await;
    assert!(
        logged(&env, "/withings/v2/sleep").len() > before,
        "the push triggered no sleep fetch"
    );
    let sleep = env.data(&dev, "sleep", &user, 30).await;
    assert!(!sleep.is_empty());
});

crate::connect_test!(withings_status_601_pauses_the_app_budget, |env| {
    let dev = env.developer("withings-601").await;
    let _user = env.connect_provider(&dev, "WITHINGS", "bob").await;
    env.sim()
        .faults()
        .inject(
            "withings",
            FaultKind::RateLimit { retry_after_s: 30 },
            FaultTarget::Api,
            1,
        )
        .expect("fault");
    env.run_backfill().await;

    // The simulator answered the first data call the Withings way: HTTP 200, status 601.
    let faulted: Vec<_> = env
        .sim()
        .requests()
        .records(Some("withings"))
        .into_iter()
        .filter(|record| record.fault.as_deref() == Some("rate_limit"))
        .collect();
    assert_eq!(faulted.len(), 1, "{faulted:?}");
    assert_eq!(faulted[0].status, 200);

    // Withings limits per partner app: the app budget is paused (default pause, 60 s).
    let state = env.state();
    let rate = state
        .sync
        .budget("WITHINGS")
        .and_then(|budget| budget.app)
        .expect("WITHINGS app budget");
    let now = now_micros(state);
    let decision = state
        .store
        .acquire_budget("app:WITHINGS", rate.shape(), 1, now)
        .await
        .expect("budget");
    let BudgetDecision::RetryAt(at) = decision else {
        panic!("the app budget is not paused: {decision:?}");
    };
    assert!(
        at >= now + 50_000_000,
        "paused only {} s",
        (at - now) / 1_000_000
    );
});

crate::connect_test!(withings_revoked_grant_ends_in_access_revoked, |env| {
    let dev = env.developer("withings-revoked").await;
    let user = env.connect_provider(&dev, "WITHINGS", "carol").await;
    let oauth = env.sim().oauth(SimProvider::Withings).expect("oauth");
    env.sim().requests().clear();
    assert!(oauth.revoke_account("carol") > 0, "no token to revoke");
    env.run_backfill().await;

    let revoked = env.events(&dev, "access_revoked").await;
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    assert_eq!(revoked[0]["user"]["user_id"], user.as_str());
    // A data call refused in Withings's form (HTTP 200, `status: 401` in the body), then
    // one refused refresh at the token endpoint; no retries after that.
    let calls = env.sim().requests().records(Some("withings"));
    let data_calls = calls
        .iter()
        .filter(|record| !record.path.starts_with("/withings/v2/oauth2"))
        .count();
    let refreshes = logged(&env, "/withings/v2/oauth2").len();
    assert_eq!((data_calls, refreshes), (1, 1), "{calls:?}");
    assert!(calls.iter().all(|record| record.status == 200));
});

crate::connect_test!(withings_deauth_unsubscribes_and_revokes_the_grant, |env| {
    let dev = env.developer("withings-deauth").await;
    let user = env.connect_provider(&dev, "WITHINGS", "dora").await;
    let token = env.stored_access_token(&dev, &user).await;
    let oauth = env.sim().oauth(SimProvider::Withings).expect("oauth");
    assert!(oauth.check_access(&token).is_ok());
    env.sim().requests().clear();

    env.deauthenticate(&dev, &user).await;

    // notify list + one revoke per subscription (6), a nonce, the signed revocation.
    assert_eq!(logged(&env, "/withings/notify").len(), 7);
    assert_eq!(logged(&env, "/withings/v2/signature").len(), 1);
    assert_eq!(logged(&env, "/withings/v2/oauth2").len(), 1);
    assert!(
        oauth.check_access(&token).is_err(),
        "the grant still works at Withings after deauthentication"
    );
    let deauth = env.events(&dev, "deauth").await;
    assert_eq!(deauth.len(), 1, "{deauth:?}");
});
