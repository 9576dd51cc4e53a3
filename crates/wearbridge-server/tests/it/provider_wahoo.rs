//! WAHOO end to end through the shared provider flows (`flows.rs`) against the simulator's
//! Wahoo cloud: connect through the widget (the user found with `GET /v1/user`), backfill
//! workouts with their summaries, read activities and the athlete, a `workout_summary`
//! webhook delivering a new workout as data, one with a wrong `webhook_token` refused, the
//! refresh-ahead job rotating the single-use refresh token, and deauthentication (Wahoo's
//! `DELETE /v1/permissions` ending the grant).

use chrono::DateTime;
use wearbridge_server::sync::schedule;
use wearbridge_store::ids::{DeveloperId, UserId};

use crate::flows::*;

/// A simulated account whose person finished a workout on the local day `yesterday` (the
/// UTC date before today), and that date. Searched rather than assumed: which days hold
/// workouts follows the calendar.
fn account_with_a_workout_yesterday(env: &Env) -> (String, NaiveDate) {
    let now = chrono::Utc::now();
    let yesterday = now.date_naive() - chrono::Days::new(1);
    (0..200)
        .map(|n| format!("wahoo-e2e-{n}"))
        .find(|account| {
            env.sim()
                .person(account)
                .day(yesterday)
                .workouts
                .iter()
                .any(|workout| workout.end <= now)
        })
        .map(|account| (account, yesterday))
        .expect("some simulated person worked out yesterday")
}

/// The person's workouts starting on the local days `first..=last`.
fn workouts_between(env: &Env, account: &str, first: NaiveDate, last: NaiveDate) -> usize {
    let person = env.sim().person(account);
    first
        .iter_days()
        .take_while(|day| *day <= last)
        .map(|day| person.day(day).workouts.len())
        .sum()
}

crate::connect_test!(
    wahoo_connects_backfills_receives_webhooks_refreshes_and_deauthenticates,
    |env| {
        let (account, yesterday) = account_with_a_workout_yesterday(&env);
        let dev = env.developer("wahoo").await;
        // The server's clock stands a week back while the user connects: the backfill covers
        // the 30 days before that, so yesterday's workout is new when Wahoo delivers it.
        let now = chrono::Utc::now();
        env.clock().set(now - chrono::Duration::days(7));
        let user = env
            .connect_provider_via_widget(&dev, SimProvider::Wahoo, &account)
            .await;
        let (dev_id, user_id) = (
            DeveloperId::parse(&dev.id).expect("dev id"),
            UserId::parse(&user).expect("user id"),
        );
        let store = &env.state().store;
        let stored = store.get_user(&dev_id, &user_id).await.expect("read");
        assert_eq!(
            stored.expect("the user").provider_user_id,
            Some(wearbridge_sim::providers::wahoo::push::user_id(&account).to_string()),
            "Wahoo's user id, from GET /v1/user"
        );
        env.drain_jobs().await;
        env.clock().set(chrono::Utc::now());

        // The backfilled month: every workout, with its summary's energy and duration.
        let last = (now - chrono::Duration::days(7)).date_naive();
        let first = last - chrono::Days::new(29);
        let expected = workouts_between(&env, &account, first, last);
        let activities = env.data_between(&dev, "activity", &user, first, last).await;
        assert!(expected > 0, "{account} worked out in the backfilled month");
        assert_eq!(activities.len(), expected, "every workout of the backfill");
        for activity in &activities {
            assert!(
                activity["calories_data"]["total_burned_calories"]
                    .as_f64()
                    .is_some(),
                "{activity}"
            );
            assert!(
                activity["active_durations_data"]["activity_seconds"]
                    .as_f64()
                    .is_some()
            );
        }
        let person = env.sim().person(&account);
        let athlete = env.data_between(&dev, "athlete", &user, first, last).await;
        assert_eq!(
            athlete[0]["first_name"],
            person.profile().first_name.as_str()
        );

        // A delivery with another webhook token is refused, and changes nothing.
        let push_url = env.push_url("WAHOO");
        let events_before = env.events(&dev, "activity").await.len();
        let forged = env
            .sim()
            .push_message(
                SimProvider::Wahoo,
                &account,
                "activity",
                yesterday,
                "not-the-portal-token",
            )
            .expect("a workout_summary delivery");
        let status = env
            .sim()
            .send_message(&forged, &push_url)
            .await
            .expect("sent");
        assert_eq!(status, 401, "a wrong webhook_token");
        env.drain_jobs().await;
        assert_eq!(
            env.events(&dev, "activity").await.len(),
            events_before,
            "no data event from the forged delivery"
        );

        // Wahoo delivers yesterday's workout with the portal token: stored as pushed, and
        // sent as a data event.
        let message = env
            .sim()
            .push_message(
                SimProvider::Wahoo,
                &account,
                "activity",
                yesterday,
                SANDBOX_WEBHOOK_SECRET,
            )
            .expect("a workout_summary delivery");
        let delivery: Value = serde_json::from_slice(&message.body).expect("delivery JSON");
        let pushed_id = delivery["workout_summary"]["workout"]["id"]
            .as_i64()
            .expect("workout id")
            .to_string();
        let status = env
            .sim()
            .send_message(&message, &push_url)
            .await
            .expect("sent");
        assert_eq!(status, 200);
        env.drain_jobs().await;
        let activities = env
            .data_between(&dev, "activity", &user, yesterday, yesterday)
            .await;
        let pushed = activities
            .iter()
            .find(|activity| activity["metadata"]["summary_id"] == pushed_id.as_str())
            .unwrap_or_else(|| panic!("workout {pushed_id} stored after the delivery"));
        assert_eq!(
            pushed["metadata"]["start_time"].as_str().map(|t| &t[..10]),
            Some(yesterday.to_string().as_str())
        );
        let events = env.events(&dev, "activity").await;
        assert!(
            events.len() > events_before,
            "a data event for the new workout"
        );

        // Refresh ahead of expiry: the single-use refresh token rotates, and the new access
        // token works at Wahoo.
        let connection = store.get_connection(&dev_id, &user_id).await.expect("read");
        let connection = connection.expect("tokens");
        let expires = connection.expires_at.expect("Wahoo tokens expire");
        let old_token = env.stored_access_token(&dev, &user).await;
        env.clock()
            .set(DateTime::from_timestamp_micros(expires - 5 * 60 * 1_000_000).expect("instant"));
        let services = env.state().services();
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
        let oauth = env.sim().oauth(SimProvider::Wahoo).expect("wahoo oauth");
        assert!(oauth.check_access(&new_token).is_ok());
        assert!(env.events(&dev, "access_revoked").await.is_empty());

        // Deauthentication revokes the grant at Wahoo (DELETE /v1/permissions).
        env.deauthenticate(&dev, &user).await;
        assert!(oauth.check_access(&new_token).is_err(), "revoked at Wahoo");
        assert_eq!(env.events(&dev, "deauth").await.len(), 1);
        env.call(
            &dev,
            Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            404,
        )
        .await;
    }
);
