//! DEXCOM end to end against the simulator's Dexcom cloud (`flows.rs`): connect through the
//! hosted widget, a backfill bounded by what the account has uploaded, glucose read back
//! through `/v2/body` with its samples, a poll that delivers the readings uploaded since,
//! the refresh-ahead job rotating the refresh token, deauthentication (Dexcom has no
//! revocation endpoint: no call), and access removed at Dexcom ending in `access_revoked`.

use chrono::{DateTime, TimeDelta, Utc};
use wearbridge_server::jobs::poll;
use wearbridge_server::sync::schedule;
use wearbridge_store::ids::{DeveloperId, UserId};

use crate::flows::*;

/// `GET /v2/body` of `user` over the last `days` days with samples, schema-checked.
async fn bodies_with_samples(env: &Env, dev: &Dev, user: &str, days: u64) -> Vec<Value> {
    let end = Utc::now().date_naive() + chrono::Days::new(2);
    let start = end - chrono::Days::new(days);
    let path = format!(
        "/v2/body?user_id={user}&start_date={start}&end_date={end}&to_webhook=false&with_samples=true"
    );
    let body = env.call(dev, Method::GET, &path, None, 200).await;
    assert_valid("api/DataResponse.body", &body);
    body["data"].as_array().cloned().unwrap_or_default()
}

/// The instants of every glucose sample in `bodies`.
fn sample_times(bodies: &[Value]) -> Vec<DateTime<Utc>> {
    bodies
        .iter()
        .flat_map(|body| {
            body["glucose_data"]["blood_glucose_samples"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|sample| {
            let text = sample["timestamp"].as_str()?.to_owned();
            DateTime::parse_from_rfc3339(&text)
                .ok()
                .map(|at| at.with_timezone(&Utc))
        })
        .collect()
}

crate::connect_test!(
    dexcom_connects_backfills_polls_refreshes_and_deauths,
    |env| {
        let dev = env.developer("dexcom").await;
        // Dana lives at UTC. A poll fetches yesterday and today in UTC dates, so for a
        // person east of UTC the readings uploaded after their local midnight wait for the
        // next UTC day's poll (DECISIONS.md, Sync): with such a person this test would
        // depend on the time of day it runs.
        let account = (0..)
            .map(|n| format!("dexcom-dana-{n}"))
            .find(|name| env.sim().person(name).offset().to_string() == "+00:00")
            .expect("some account lives at UTC");
        let account = account.as_str();
        // Dana's receiver has not uploaded the last three hours yet.
        let held_at = Utc::now() - TimeDelta::hours(3);
        env.sim().dexcom_hold_uploads(account, held_at);
        let user = env
            .connect_provider_via_widget(&dev, SimProvider::Dexcom, account)
            .await;
        let (dev_id, user_id) = (
            DeveloperId::parse(&dev.id).expect("dev id"),
            UserId::parse(&user).expect("user id"),
        );
        let store = &env.state().store;
        let stored = store.get_user(&dev_id, &user_id).await.expect("read");
        let stored = stored.expect("the user");
        assert_eq!(stored.provider, "DEXCOM");
        assert_eq!(
            stored.provider_user_id,
            Some(wearbridge_sim::providers::dexcom::render::user_id(account)),
            "Dexcom's userId, from /dataRange"
        );

        // Backfill: glucose, carbohydrates and exercise, schema-valid, nothing after the hold.
        env.drain_jobs().await;
        for kind in ["body", "nutrition", "activity"] {
            assert!(
                !env.data(&dev, kind, &user, 31).await.is_empty(),
                "the backfill stored no {kind}"
            );
        }
        let bodies = bodies_with_samples(&env, &dev, &user, 33).await;
        let person = env.sim().person(account);
        let offset = person.offset().to_string();
        assert!(bodies.iter().all(|body| {
            body["metadata"]["start_time"]
                .as_str()
                .is_some_and(|start| start.ends_with(&offset) || offset == "+00:00")
        }));
        assert!(
            bodies
                .iter()
                .all(|body| body["glucose_data"]["day_avg_blood_glucose_mg_per_dL"].is_number())
        );
        let times = sample_times(&bodies);
        assert!(
            times.len() > 28 * 288,
            "a month of 5-minute readings: {}",
            times.len()
        );
        assert!(
            times.iter().all(|at| *at <= held_at),
            "nothing after the upload stop"
        );

        // Dexcom pushes nothing: the poll job picks up what was uploaded since.
        env.sim().dexcom_release_uploads(account);
        let services = env.state().services();
        let swept = schedule::sweep(&services).await.expect("sweep");
        assert!(swept.polls >= 1, "DEXCOM connections are polled");
        let filter = wearbridge_store::JobFilter {
            kind: Some(poll::KIND.to_owned()),
            ..wearbridge_store::JobFilter::default()
        };
        let jobs = env.state().store.list_jobs(filter).await.expect("jobs");
        let due = jobs.iter().map(|job| job.run_at).max().expect("a poll job");
        env.clock()
            .set(DateTime::from_timestamp_micros(due).expect("instant"));
        let before = env.events(&dev, "body").await.len();
        assert!(
            schedule::run_pending(&services, "poller")
                .await
                .expect("run")
                >= 1
        );
        let events = env.events(&dev, "body").await;
        assert!(events.len() > before, "the poll delivered body events");
        let polled: Vec<Value> = events[before..]
            .iter()
            .flat_map(|event| event["data"].as_array().cloned().unwrap_or_default())
            .collect();
        assert!(
            sample_times(&polled).iter().any(|at| *at > held_at),
            "the poll's records carry the readings uploaded after the hold"
        );
        let after = sample_times(&bodies_with_samples(&env, &dev, &user, 33).await);
        assert!(after.len() > times.len(), "the new readings are readable");

        // Refresh ahead of expiry: one refresh, the refresh token rotates.
        let connection = store.get_connection(&dev_id, &user_id).await.expect("read");
        let connection = connection.expect("tokens");
        let expires = connection.expires_at.expect("Dexcom tokens expire");
        let old_token = env.stored_access_token(&dev, &user).await;
        env.clock()
            .set(DateTime::from_timestamp_micros(expires - 5 * 60 * 1_000_000).expect("instant"));
        let swept = schedule::sweep(&services).await.expect("sweep");
        assert!(swept.refreshes >= 1, "a refresh-ahead job");
        schedule::run_pending(&services, "refresher")
            .await
            .expect("run");
        let refreshed = store.get_connection(&dev_id, &user_id).await.expect("read");
        let refreshed = refreshed.expect("tokens");
        assert!(refreshed.version > connection.version, "refreshed");
        assert_ne!(
            refreshed.refresh_token_enc, connection.refresh_token_enc,
            "the refresh token rotated"
        );
        let new_token = env.stored_access_token(&dev, &user).await;
        assert_ne!(new_token, old_token);
        let oauth = env.sim().oauth(SimProvider::Dexcom).expect("dexcom oauth");
        assert!(oauth.check_access(&new_token).is_ok());

        // Deauthentication: Dexcom has no revocation endpoint, so no call reaches it.
        env.sim().requests().clear();
        env.deauthenticate(&dev, &user).await;
        assert!(env.sim().requests().records(Some("dexcom")).is_empty());
        assert_eq!(env.events(&dev, "deauth").await.len(), 1);
    }
);

crate::connect_test!(
    dexcom_access_removed_at_dexcom_ends_in_access_revoked,
    |env| {
        let dev = env.developer("dexcom-removed").await;
        let user = env.connect_provider(&dev, "DEXCOM", "dexcom-remy").await;
        // Remy removes the app in their Dexcom account: the data call is refused, the refresh
        // invalid_grant.
        let oauth = env.sim().oauth(SimProvider::Dexcom).expect("dexcom oauth");
        assert!(oauth.revoke_account("dexcom-remy") > 0);
        env.run_backfill().await;
        let revoked = env.events(&dev, "access_revoked").await;
        assert_eq!(revoked.len(), 1, "{revoked:?}");
        assert_eq!(revoked[0]["user"]["user_id"], user.as_str());
    }
);
