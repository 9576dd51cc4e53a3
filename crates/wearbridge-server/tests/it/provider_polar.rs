//! POLAR end to end through the shared provider flows (`flows.rs`) against the simulator's
//! Polar AccessLink cloud: connect with consent (which registers the user at Polar),
//! backfill every supported type, a signed webhook, a 429 pausing the budget, and a revoked
//! token ending in `access_revoked` (Polar issues no refresh token).

use crate::flows::*;

crate::connect_test!(polar_connects_backfills_and_takes_a_push, |env| {
    let dev = env.developer("polar-flows").await;
    let user = env.connect_provider(&dev, "POLAR", "paula").await;
    env.run_backfill().await;
    for kind in ["daily", "sleep", "activity"] {
        let data = env.data(&dev, kind, &user, 31).await;
        assert!(!data.is_empty(), "backfill stored {kind} data");
    }
    let athlete = env.data(&dev, "athlete", &user, 31).await;
    assert!(athlete[0].is_object(), "athlete profile stored");

    // A signed notification for a night the backfill holds: fetched, nothing new.
    let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let before = env.events(&dev, "sleep").await.len();
    let status = env
        .send_push(
            SimProvider::Polar,
            "paula",
            "sleep",
            yesterday,
            SANDBOX_WEBHOOK_SECRET,
        )
        .await;
    assert!((200..300).contains(&status), "push answered {status}");
    env.run_fetches().await;
    assert_eq!(env.events(&dev, "sleep").await.len(), before);

    // Signed with another secret: refused.
    let status = env
        .send_push(SimProvider::Polar, "paula", "sleep", yesterday, "wrong")
        .await;
    assert_eq!(status, 401);
});

crate::connect_test!(polar_rate_limit_pauses_the_budget, |env| {
    let dev = env.developer("polar-limits").await;
    let _user = env.connect_provider(&dev, "POLAR", "rolf").await;
    env.sim()
        .faults()
        .inject(
            "polar",
            FaultKind::RateLimit { retry_after_s: 600 },
            FaultTarget::Api,
            1,
        )
        .expect("fault");
    env.run_backfill().await;
    let records = env.sim().requests().records(Some("polar"));
    let limited = records
        .iter()
        .position(|record| record.fault.as_deref() == Some("rate_limit"))
        .expect("the 429 was served");
    assert_eq!(records[limited].status, 429);
    // Paused for the 600 s: nothing more reaches Polar in an immediate rerun.
    env.run_backfill().await;
    let after = env.sim().requests().records(Some("polar")).len();
    assert_eq!(after, limited + 1, "requests after the rate limit");
});

crate::connect_test!(polar_revoked_token_ends_in_access_revoked, |env| {
    let dev = env.developer("polar-revoked").await;
    let user = env.connect_provider(&dev, "POLAR", "petra").await;
    let oauth = env.sim().oauth(SimProvider::Polar).expect("polar oauth");
    assert!(oauth.revoke_account("petra") > 0);
    env.run_backfill().await;
    let revoked = env.events(&dev, "access_revoked").await;
    assert_eq!(revoked.len(), 1, "one access_revoked event");
    assert_eq!(revoked[0]["user"]["user_id"], user.as_str());
});

crate::connect_test!(polar_deauth_deregisters_the_user, |env| {
    let dev = env.developer("polar-deauth").await;
    let user = env.connect_provider(&dev, "POLAR", "pia").await;
    let token = env.stored_access_token(&dev, &user).await;
    let oauth = env.sim().oauth(SimProvider::Polar).expect("oauth");
    assert!(oauth.check_access(&token).is_ok());
    env.sim().requests().clear();

    env.deauthenticate(&dev, &user).await;

    // The Polar user id comes from the stored user, not from adapter memory.
    let deletes: Vec<_> = env
        .sim()
        .requests()
        .records(Some("polar"))
        .into_iter()
        .filter(|record| record.method == "DELETE" && record.path.starts_with("/polar/v3/users/"))
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0].status, 204);
    assert!(oauth.check_access(&token).is_err(), "the token still works");
});
