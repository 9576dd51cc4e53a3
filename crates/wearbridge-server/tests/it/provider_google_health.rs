//! GOOGLE_HEALTH end to end against the simulator's Google Health cloud (`flows.rs`):
//! connect through the hosted widget (Google OAuth with PKCE and offline access), a
//! backfill of every supported type, webhook verification (201 with the secret, 401
//! without), a notification delivering a day the backfill did not cover, a poll, an expired
//! access token refreshed without rotation (Google keeps the refresh token), and
//! deauthentication revoking the grant at Google's revoke endpoint.

use chrono::{DateTime, Days, Utc};
use secrecy::ExposeSecret;
use wearbridge_server::jobs::poll;
use wearbridge_server::sync::schedule;
use wearbridge_store::ids::{DeveloperId, UserId};

use crate::flows::*;

/// The refresh token stored for `user`.
async fn stored_refresh_token(env: &Env, dev: &Dev, user: &str) -> String {
    let dev_id = DeveloperId::parse(&dev.id).expect("dev id");
    let user_id = UserId::parse(user).expect("user id");
    let connection = env.state().store.get_connection(&dev_id, &user_id).await;
    let connection = connection.expect("read").expect("a connection");
    let tokens = wearbridge_server::connect::vault::open(&env.state().cipher, &connection)
        .expect("tokens decrypt");
    let refresh = tokens.refresh_token.expect("Google issued a refresh token");
    refresh.expose_secret().to_owned()
}

/// POSTs `body` to the push endpoint, with `authorization` when given; the status.
async fn post_delivery(env: &Env, authorization: Option<&str>, body: &Value) -> u16 {
    let mut request = reqwest::Client::new()
        .post(env.push_url("GOOGLE_HEALTH"))
        .json(body);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.expect("delivery").status().as_u16()
}

crate::connect_test!(
    google_health_connects_backfills_pushes_polls_refreshes_and_revokes,
    |env| {
        let dev = env.developer("google-health").await;
        let account = "google-gina";
        // The server's clock stands three days back while Gina connects: the backfill
        // covers the month up to then, and yesterday arrives later by notification.
        let now = Utc::now();
        env.clock().set(now - chrono::Duration::days(3));
        let user = env
            .connect_provider_via_widget(&dev, SimProvider::GoogleHealth, account)
            .await;
        let (dev_id, user_id) = (
            DeveloperId::parse(&dev.id).expect("dev id"),
            UserId::parse(&user).expect("user id"),
        );
        let store = &env.state().store;
        let stored = store.get_user(&dev_id, &user_id).await.expect("read");
        let stored = stored.expect("the user");
        assert_eq!(stored.provider, "GOOGLE_HEALTH");
        assert_eq!(
            stored.provider_user_id,
            Some(wearbridge_sim::providers::google_health::health_user_id(
                account
            )),
            "healthUserId, from v4/users/me/identity"
        );
        let authorize = env
            .sim()
            .requests()
            .records(Some("google_health"))
            .into_iter()
            .find(|record| record.path.contains("o/oauth2/v2/auth"))
            .expect("the authorize request");
        for param in [
            "code_challenge_method=S256",
            "access_type=offline",
            "prompt=consent",
        ] {
            assert!(
                authorize.path.contains(param),
                "{param}: {}",
                authorize.path
            );
        }

        // Backfill: every supported type, schema-valid, matching the person.
        env.drain_jobs().await;
        env.clock().set(now);
        let today = now.date_naive();
        let start = today - Days::new(30);
        let connected = today - Days::new(3);
        for kind in ["activity", "body", "daily", "sleep", "nutrition"] {
            let data = env.data_between(&dev, kind, &user, start, connected).await;
            assert!(!data.is_empty(), "the backfill stored no {kind}");
        }
        let person = env.sim().person(account);
        let checked = connected - Days::new(1);
        let daily = env
            .data_between(&dev, "daily", &user, checked, checked)
            .await;
        assert_eq!(
            daily[0]["distance_data"]["steps"].as_u64(),
            Some(u64::from(person.day(checked).total_steps())),
            "{}",
            daily[0]
        );
        // Yesterday is after the backfill (not read here: a read past the stored days
        // would fill them from Google itself).
        let yesterday = today - Days::new(1);

        // Webhook verification: 201 with the registered secret, 401 without it.
        let probe = json!({"type": "verification"});
        assert_eq!(
            post_delivery(&env, Some(SANDBOX_WEBHOOK_SECRET), &probe).await,
            201
        );
        assert_eq!(post_delivery(&env, None, &probe).await, 401);
        assert_eq!(post_delivery(&env, Some("Bearer wrong"), &probe).await, 401);

        // Google notifies yesterday's steps: fetched, stored and announced.
        let before = env.events(&dev, "daily").await.len();
        let status = env
            .send_push(
                SimProvider::GoogleHealth,
                account,
                "daily",
                yesterday,
                SANDBOX_WEBHOOK_SECRET,
            )
            .await;
        assert_eq!(status, 200);
        env.drain_jobs().await;
        let pushed = env
            .data_between(&dev, "daily", &user, yesterday, yesterday)
            .await;
        assert_eq!(
            pushed
                .first()
                .and_then(|day| day["distance_data"]["steps"].as_u64()),
            Some(u64::from(person.day(yesterday).total_steps()))
        );
        assert!(
            env.events(&dev, "daily").await.len() > before,
            "a data event"
        );

        // The types Google does not notify are polled.
        let services = env.state().services();
        let swept = schedule::sweep(&services).await.expect("sweep");
        assert!(swept.polls >= 1, "GOOGLE_HEALTH connections are polled");
        let filter = wearbridge_store::JobFilter {
            kind: Some(poll::KIND.to_owned()),
            ..wearbridge_store::JobFilter::default()
        };
        let jobs = store.list_jobs(filter).await.expect("jobs");
        let due = jobs.iter().map(|job| job.run_at).max().expect("a poll job");
        env.clock()
            .set(DateTime::from_timestamp_micros(due).expect("instant"));

        // Google expires the access token: the poll refreshes it once; the refresh token
        // stays (Google does not rotate it).
        let old_token = env.stored_access_token(&dev, &user).await;
        let old_refresh = stored_refresh_token(&env, &dev, &user).await;
        let oauth = env
            .sim()
            .oauth(SimProvider::GoogleHealth)
            .expect("google oauth");
        assert!(oauth.expire_access_tokens(Some(account)) > 0);
        assert!(
            schedule::run_pending(&services, "poller")
                .await
                .expect("run")
                >= 1
        );
        let new_token = env.stored_access_token(&dev, &user).await;
        assert_ne!(new_token, old_token, "refreshed");
        assert!(oauth.check_access(&new_token).is_ok());
        assert_eq!(stored_refresh_token(&env, &dev, &user).await, old_refresh);
        assert!(env.events(&dev, "access_revoked").await.is_empty());

        // Deauthentication revokes the grant at Google.
        env.sim().requests().clear();
        env.deauthenticate(&dev, &user).await;
        assert!(
            env.sim()
                .requests()
                .records(Some("google_health"))
                .iter()
                .any(|record| record.method == "POST" && record.path.ends_with("/revoke")),
            "a call to Google's revoke endpoint"
        );
        assert!(oauth.check_access(&new_token).is_err(), "revoked at Google");
        assert_eq!(env.events(&dev, "deauth").await.len(), 1);
    }
);

crate::connect_test!(
    google_health_access_removed_at_google_ends_in_access_revoked,
    |env| {
        let dev = env.developer("google-removed").await;
        let user = env
            .connect_provider(&dev, "GOOGLE_HEALTH", "google-remy")
            .await;
        let oauth = env
            .sim()
            .oauth(SimProvider::GoogleHealth)
            .expect("google oauth");
        assert!(oauth.revoke_account("google-remy") > 0);
        env.run_backfill().await;
        let revoked = env.events(&dev, "access_revoked").await;
        assert_eq!(revoked.len(), 1, "{revoked:?}");
        assert_eq!(revoked[0]["user"]["user_id"], user.as_str());
    }
);
