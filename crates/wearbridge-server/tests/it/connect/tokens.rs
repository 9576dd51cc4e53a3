//! Provider tokens after connecting: refresh with rotation mid-backfill, a revoked grant,
//! a crashed backfill resuming with a refreshed token, and concurrent refreshes.

use std::time::Duration;

use serde_json::json;
use wearbridge_server::clock::Clock;
use wearbridge_server::connect::vault::open;
use wearbridge_sim::SimProvider;
use wearbridge_store::Backend;
use wearbridge_store::ids::{DeveloperId, UserId};

use super::{Env, data_path, query};
use crate::harness::ExposeSecret;

connect_test!(
    expired_access_token_is_refreshed_once_with_rotation,
    |env| {
        let dev = env.developer("refresh").await;
        let landing = env.connect_with_widget(&dev, "gina", "allow", "gina").await;
        let user = query(&landing, "user_id").expect("user");
        let (dev_id, user_id) = (
            DeveloperId::parse(&dev.id).expect("dev"),
            UserId::parse(&user).expect("user"),
        );
        let before = env
            .store
            .get_connection(&dev_id, &user_id)
            .await
            .expect("read")
            .expect("connection");
        let old_tokens = open(&env.state.cipher, &before).expect("decrypt");
        // The provider expires the access token before the backfill uses it: the first
        // fetch is rejected, the worker refreshes once (rotating the refresh token) and goes on.
        let oauth = env.sim.oauth(SimProvider::Sandbox).expect("sandbox oauth");
        assert!(oauth.expire_access_tokens(Some("gina")) > 0);
        env.run_backfill().await;
        let after = env
            .store
            .get_connection(&dev_id, &user_id)
            .await
            .expect("read")
            .expect("connection");
        assert_eq!(
            after.version,
            before.version + 1,
            "expected exactly one refresh"
        );
        let new_tokens = open(&env.state.cipher, &after).expect("decrypt");
        let (old_refresh, new_refresh) = (
            old_tokens
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            new_tokens
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
        );
        assert!(old_refresh.is_some() && new_refresh.is_some());
        assert_ne!(old_refresh, new_refresh, "refresh token did not rotate");
        let body = env
            .call(
                &dev,
                reqwest::Method::GET,
                &data_path("daily", &user, 40),
                None,
                200,
            )
            .await;
        assert!(
            body["data"].as_array().map_or(0, Vec::len) >= 25,
            "backfill incomplete after refresh"
        );
        let jobs = env
            .store
            .list_jobs(wearbridge_store::JobFilter {
                kind: Some("backfill".into()),
                ..Default::default()
            })
            .await
            .expect("jobs");
        assert!(
            jobs.iter()
                .all(|job| job.state == wearbridge_store::JobState::Completed),
            "{jobs:?}"
        );
    }
);

connect_test!(a_revoked_grant_marks_the_user_inactive, |env| {
    let dev = env.developer("revoked").await;
    let landing = env.connect_with_widget(&dev, "hank", "allow", "hank").await;
    let user = query(&landing, "user_id").expect("user");
    let oauth = env.sim.oauth(SimProvider::Sandbox).expect("sandbox oauth");
    assert!(oauth.revoke_account("hank") > 0);
    env.run_backfill().await;
    let revoked = env.events(&dev, "access_revoked").await;
    assert_eq!(revoked.len(), 1, "no access_revoked event");
    let info = env
        .call(
            &dev,
            reqwest::Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(info["user"]["active"], false);
});

connect_test!(
    a_crashed_backfill_resumes_from_its_checkpoint_with_a_refreshed_token,
    |env| {
        let dev = env.developer("resume").await;
        let landing = env.connect_with_widget(&dev, "kim", "allow", "kim").await;
        let user = query(&landing, "user_id").expect("user");
        // A worker claims the job, checkpoints 7 chunks (the first 7-day window of every
        // type), and dies without finishing; its lease then runs out.
        let lease = Duration::from_secs(120);
        let now = env.clock.now().timestamp_micros();
        let job = env
            .store
            .claim_job("crashed-worker", &["backfill"], lease, now)
            .await
            .expect("claim")
            .expect("a queued backfill job");
        let types = env
            .state
            .providers
            .get("SANDBOX")
            .expect("sandbox")
            .supported_types()
            .len();
        let progress = json!({ "chunks_done": types }).to_string();
        assert!(
            env.store
                .update_job_progress(&job.id, &progress)
                .await
                .expect("progress")
        );
        // Meanwhile the access token expires at the provider.
        let oauth = env.sim.oauth(SimProvider::Sandbox).expect("sandbox oauth");
        assert!(oauth.expire_access_tokens(Some("kim")) > 0);
        env.clock.advance(chrono::Duration::seconds(121));
        env.run_backfill().await;

        let dev_id = DeveloperId::parse(&dev.id).expect("dev");
        let user_id = UserId::parse(&user).expect("user");
        let connection = env
            .store
            .get_connection(&dev_id, &user_id)
            .await
            .expect("read")
            .expect("connection");
        assert_eq!(
            connection.version, 2,
            "expected one refresh after the expiry"
        );
        let jobs = env
            .store
            .list_jobs(wearbridge_store::JobFilter {
                kind: Some("backfill".into()),
                ..Default::default()
            })
            .await
            .expect("jobs");
        assert_eq!(jobs.len(), 1);
        assert_eq!(
            jobs[0].state,
            wearbridge_store::JobState::Completed,
            "{jobs:?}"
        );
        // The checkpointed window was not fetched again: the oldest days stay empty in the
        // store (a read through the API would fetch them now) while the rest of the 30
        // days arrived.
        let start = env.clock.now().date_naive() - chrono::Days::new(29);
        let early = env
            .store
            .query_records(
                &dev_id,
                &user_id,
                wearbridge_model::DataType::Daily,
                wearbridge_store::RecordQuery {
                    start_ts: i64::MIN,
                    end_ts: i64::MAX,
                    local_days: Some((start, start + chrono::Days::new(5))),
                    with_samples: false,
                },
            )
            .await
            .expect("stored records");
        assert!(early.is_empty(), "resumed from the start: {early:?}");
        let all = env
            .call(
                &dev,
                reqwest::Method::GET,
                &data_path("daily", &user, 40),
                None,
                200,
            )
            .await;
        assert!(all["data"].as_array().map_or(0, Vec::len) >= 20, "{all}");
    }
);

connect_test!(concurrent_refreshes_call_the_provider_once, |env| {
    let dev = env.developer("race").await;
    let landing = env.connect_with_widget(&dev, "mo", "allow", "mo").await;
    let user = query(&landing, "user_id").expect("user");
    let (dev_id, user_id) = (
        DeveloperId::parse(&dev.id).expect("dev"),
        UserId::parse(&user).expect("user"),
    );
    let token_calls = || {
        env.sim
            .requests()
            .records(Some("sandbox"))
            .iter()
            .filter(|record| record.path.contains("/oauth/token"))
            .count()
    };
    let before = token_calls();
    let services = env.state.services();
    let (provider, ctx) =
        wearbridge_server::adapters::adapter(&services, "SANDBOX").expect("adapter");
    // Four workers find the same access token rejected at once.
    let attempts = (0..4).map(|_| {
        wearbridge_server::connect::vault::access_token(
            &services,
            provider.as_ref(),
            &ctx,
            &dev_id,
            &user_id,
            Some(1),
        )
    });
    let tokens = futures::future::join_all(attempts).await;
    let tokens: Vec<String> = tokens
        .into_iter()
        .map(|token| token.expect("fresh token").token.expose_secret().to_owned())
        .collect();
    assert_eq!(
        token_calls(),
        before + 1,
        "the refresh token was spent more than once"
    );
    assert!(
        tokens.windows(2).all(|pair| pair[0] == pair[1]),
        "workers got different tokens"
    );
    let connection = env
        .store
        .get_connection(&dev_id, &user_id)
        .await
        .expect("read")
        .expect("connection");
    assert_eq!(connection.version, 2);
});
