//! WHOOP end to end through the shared provider flows (`flows.rs`) against the simulator's
//! WHOOP cloud: connect with consent, backfill every supported type, a signed webhook,
//! WHOOP's own rate-limit answer pausing the budget, and a revoked grant.

use crate::flows::*;

/// WHOOP signs webhooks with the app's client secret (the sandbox-mode dev secret here).
const CLIENT_SECRET: &str = wearbridge_providers::config::SANDBOX_CLIENT_SECRET;

crate::connect_test!(whoop_connects_backfills_and_takes_a_push, |env| {
    let dev = env.developer("whoop-flows").await;
    let user = env.connect_provider(&dev, "WHOOP", "wendy").await;
    env.drain_jobs().await;
    for kind in ["daily", "sleep", "body", "activity"] {
        let data = env.data(&dev, kind, &user, 30).await;
        assert!(!data.is_empty(), "backfill stored {kind} data");
    }
    let athlete = env.data(&dev, "athlete", &user, 31).await;
    assert_eq!(
        athlete[0]["first_name"],
        env.sim().person("wendy").profile().first_name.as_str()
    );

    // Sleep keeps the person's local offset although WHOOP sends UTC instants.
    let sleeps = env.data(&dev, "sleep", &user, 30).await;
    let offset = env.sim().person("wendy").offset().to_string();
    let start = sleeps[0]["metadata"]["start_time"]
        .as_str()
        .unwrap_or_default();
    let expected_suffix = if offset == "+00:00" {
        "+00:00".to_owned()
    } else {
        offset
    };
    assert!(
        start.ends_with(&expected_suffix),
        "{start} in {expected_suffix}"
    );

    // A webhook for a night the backfill holds: verified, fetched, nothing new.
    let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let before = env.events(&dev, "sleep").await.len();
    env.sim().requests().clear();
    let status = env
        .send_push(
            SimProvider::Whoop,
            "wendy",
            "sleep",
            yesterday,
            CLIENT_SECRET,
        )
        .await;
    assert!((200..300).contains(&status), "push answered {status}");
    // Through the budget like any fetch (the backfill may have spent the burst).
    env.drain_jobs().await;
    assert_eq!(env.events(&dev, "sleep").await.len(), before);
    let pushed_fetches = env
        .sim()
        .requests()
        .records(Some("whoop"))
        .iter()
        .filter(|record| record.path.contains("/activity/sleep"))
        .count();
    assert!(pushed_fetches > 0);

    // Signed with another secret: refused.
    let status = env
        .send_push(SimProvider::Whoop, "wendy", "sleep", yesterday, "wrong")
        .await;
    assert_eq!(status, 401);
});

crate::connect_test!(whoop_rate_limit_pauses_the_budget, |env| {
    let dev = env.developer("whoop-limits").await;
    let _user = env.connect_provider(&dev, "WHOOP", "rita").await;
    env.sim()
        .faults()
        .inject(
            "whoop",
            FaultKind::RateLimit { retry_after_s: 600 },
            FaultTarget::Api,
            1,
        )
        .expect("fault");
    env.run_backfill().await;
    let records = env.sim().requests().records(Some("whoop"));
    let limited = records
        .iter()
        .position(|record| record.fault.as_deref() == Some("rate_limit"))
        .expect("the 429 was served");
    assert_eq!(records[limited].status, 429);
    // WHOOP's 429 carries X-RateLimit-Reset, not Retry-After: the budget is paused for its
    // 600 s, so nothing more reaches WHOOP in this run or an immediate rerun.
    env.run_backfill().await;
    let after = env.sim().requests().records(Some("whoop")).len();
    assert_eq!(after, limited + 1, "requests after the rate limit");
    let jobs = env
        .state()
        .store
        .list_jobs(wearbridge_store::JobFilter {
            kind: Some("backfill".into()),
            ..Default::default()
        })
        .await
        .expect("jobs");
    let now_us = chrono::Utc::now().timestamp_micros();
    assert!(
        jobs.iter()
            .any(|job| job.state != wearbridge_store::JobState::Completed
                && job.run_at >= now_us + 500 * 1_000_000),
        "backfill waits for the reset: {jobs:?}"
    );
});

crate::connect_test!(whoop_revoked_grant_ends_in_access_revoked, |env| {
    let dev = env.developer("whoop-revoked").await;
    let user = env.connect_provider(&dev, "WHOOP", "vera").await;
    let oauth = env.sim().oauth(SimProvider::Whoop).expect("whoop oauth");
    assert!(oauth.revoke_account("vera") > 0);
    env.run_backfill().await;
    let revoked = env.events(&dev, "access_revoked").await;
    assert_eq!(revoked.len(), 1, "one access_revoked event");
    assert_eq!(revoked[0]["user"]["user_id"], user.as_str());
});
