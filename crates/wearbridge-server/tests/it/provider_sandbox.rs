//! SANDBOX through the shared provider flows (`flows.rs`): the same steps every provider's
//! end-to-end test takes, so the flows themselves are proven on the reference provider.

use crate::flows::*;

crate::connect_test!(sandbox_connects_backfills_and_takes_a_push, |env| {
    let dev = env.developer("flows").await;
    let user = env.connect_provider(&dev, "SANDBOX", "flo").await;
    env.run_backfill().await;
    let daily = env.data(&dev, "daily", &user, 10).await;
    assert!(!daily.is_empty(), "backfill stored daily data");
    let athlete = env.data(&dev, "athlete", &user, 10).await;
    assert!(athlete[0].is_object());

    // A push for a day the backfill already holds: one fetch job, no new data event.
    let today = chrono::Utc::now().date_naive();
    let before = env.events(&dev, "daily").await.len();
    let secret = wearbridge_providers::config::SANDBOX_CLIENT_SECRET;
    let status = env
        .send_push(SimProvider::Sandbox, "flo", "daily", today, secret)
        .await;
    assert_eq!(status, 200);
    env.run_fetches().await;
    assert_eq!(env.events(&dev, "daily").await.len(), before);

    // A push signed with the wrong secret is refused.
    let status = env
        .send_push(SimProvider::Sandbox, "flo", "daily", today, "wrong")
        .await;
    assert_eq!(status, 401);
});

// A provider that refuses the user's token again right after a successful refresh gives
// Terra's `connection_error`; the user stays active (it may be the provider's outage).
crate::connect_test!(
    a_token_refused_after_refresh_gives_connection_error,
    |env| {
        let dev = env.developer("refused").await;
        let user = env.connect_provider(&dev, "SANDBOX", "rex").await;
        // Two data calls in a row see their token expire: the first fetch and its retry with
        // the refreshed token.
        env.sim()
            .faults()
            .inject("sandbox", FaultKind::ExpireToken, FaultTarget::Api, 2)
            .expect("fault");
        env.run_backfill().await;

        let errors = env.events(&dev, "connection_error").await;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0]["user"]["user_id"], user.as_str());
        assert_eq!(errors[0]["status"], "warning");
        assert!(env.events(&dev, "access_revoked").await.is_empty());
        let info = env
            .call(
                &dev,
                Method::GET,
                &format!("/v2/userInfo?user_id={user}"),
                None,
                200,
            )
            .await;
        assert_eq!(info["user"]["active"], true);
    }
);
