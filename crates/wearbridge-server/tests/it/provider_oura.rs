//! OURA end to end against the simulator's Oura cloud: connect through authenticateUser
//! and consent, backfill, webhook subscriptions verified through the server's push route,
//! a signed push, schema-valid data for every supported type, Oura's rate limit (429,
//! empty body) pausing the budget, and a revoked grant ending in `access_revoked`.

use crate::flows::*;

const SECRET: &str = wearbridge_providers::config::SANDBOX_CLIENT_SECRET;

crate::connect_test!(oura_connects_backfills_subscribes_and_takes_a_push, |env| {
    let dev = env.developer("oura").await;
    let user = env.connect_provider(&dev, "OURA", "oura-flo").await;
    let other = env.connect_provider(&dev, "OURA", "oura-gus").await;
    env.run_backfill().await;
    for kind in ["sleep", "daily", "body", "activity"] {
        let records = env.data(&dev, kind, &user, 10).await;
        assert!(!records.is_empty(), "backfill stored {kind} data");
    }
    // Every Oura Daily collection lands in the day's one record: sleep score, stress,
    // VO2 max and the ring worn that day.
    let dailies = env.data(&dev, "daily", &user, 10).await;
    assert!(
        dailies
            .iter()
            .any(|daily| daily["scores"]["sleep"].is_number()
                && daily["stress_data"]["high_stress_duration_seconds"].is_number()
                && daily["oxygen_data"]["vo2max_ml_per_min_per_kg"].is_number()
                && daily["device_data"]["hardware_version"] == "gen3"),
        "{dailies:?}"
    );
    let athlete = env.data(&dev, "athlete", &user, 10).await;
    assert_eq!(athlete[0]["provider_user_id"], "oura-flo");

    // Subscriptions: the simulator verifies the callback through the server's push route.
    let (provider, ctx) = wearbridge_server::adapters::adapter(&env.state().services(), "OURA")
        .expect("OURA adapter");
    let push_url = env.push_url("OURA");
    let next = provider
        .renew_subscriptions(&ctx, &push_url)
        .await
        .expect("subscriptions");
    assert!(next.is_some_and(|next| next > chrono::Utc::now()));

    // A signed push: accepted, fetched; a push signed with another secret is refused.
    let today = chrono::Utc::now().date_naive();
    let status = env
        .send_push(SimProvider::Oura, "oura-flo", "sleep", today, SECRET)
        .await;
    assert_eq!(status, 200);
    env.run_fetches().await;
    let status = env
        .send_push(SimProvider::Oura, "oura-flo", "sleep", today, "wrong")
        .await;
    assert_eq!(status, 401);

    // The user revokes at Oura: the next fetch ends in access_revoked.
    let oauth = env.sim().oauth(SimProvider::Oura).expect("oura oauth");
    assert!(oauth.revoke_account("oura-flo") > 0);
    let status = env
        .send_push(SimProvider::Oura, "oura-flo", "daily", today, SECRET)
        .await;
    assert_eq!(status, 200);
    env.run_fetches().await;
    let revoked = env.events(&dev, "access_revoked").await;
    assert!(
        revoked
            .iter()
            .any(|event| event["user"]["user_id"] == user.as_str()),
        "{revoked:?}"
    );

    // Oura's rate limit (429, empty body): the budget pauses, nothing more is sent.
    env.sim()
        .faults()
        .inject(
            "oura",
            FaultKind::RateLimit { retry_after_s: 60 },
            FaultTarget::Api,
            1,
        )
        .expect("fault");
    env.sim().requests().clear();
    let status = env
        .send_push(SimProvider::Oura, "oura-gus", "daily", today, SECRET)
        .await;
    assert_eq!(status, 200);
    env.run_fetches().await;
    let records = env.sim().requests().records(Some("oura"));
    let limited = records.iter().position(|r| r.status == 429);
    assert!(
        limited.is_some(),
        "the fetch met the rate limit: {records:?}"
    );
    assert_eq!(
        limited.map(|index| records.len() - index - 1),
        Some(0),
        "no call after the 429 within Retry-After"
    );
    let _ = other;
});
