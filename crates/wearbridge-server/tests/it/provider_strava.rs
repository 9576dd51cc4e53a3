//! STRAVA end to end through the shared provider flows (`flows.rs`) against the simulator's
//! Strava cloud: connect through the widget, backfill, read activities and the athlete,
//! the push subscription verified through the server's push route, an activity event
//! delivering a new record, an expired token refreshed with rotation, deauthentication
//! (Strava's deauthorize), and the athlete revoking the app at Strava.

use crate::flows::*;

/// Strava signs nothing: the simulator's events name the app by its client id.
const CLIENT_ID: &str = wearbridge_providers::config::SANDBOX_CLIENT_ID;

/// A simulated account whose person finished a workout on the local day `yesterday` (the
/// UTC date before today), and that date. Searched rather than assumed: which days hold
/// workouts follows the calendar.
fn account_with_a_workout_yesterday(env: &Env) -> (String, NaiveDate) {
    let now = chrono::Utc::now();
    let yesterday = now.date_naive() - chrono::Days::new(1);
    (0..200)
        .map(|n| format!("strava-e2e-{n}"))
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
    strava_connects_backfills_pushes_refreshes_and_deauthenticates,
    |env| {
        let (account, yesterday) = account_with_a_workout_yesterday(&env);
        let dev = env.developer("strava").await;
        // The server's clock stands a week back while the user connects: the backfill covers
        // the 30 days before that, so yesterday's workout is new when Strava announces it.
        let now = chrono::Utc::now();
        env.clock().set(now - chrono::Duration::days(7));
        let user = env
            .connect_provider_via_widget(&dev, SimProvider::Strava, &account)
            .await;
        env.drain_jobs().await;
        env.clock().set(chrono::Utc::now());

        // Reads stay inside the backfilled month: a wider one would fill the rest from
        // Strava, whose 100-requests-per-15-minutes budget the backfill has mostly spent.
        let last = (now - chrono::Duration::days(7)).date_naive();
        let first = last - chrono::Days::new(29);
        let expected = workouts_between(&env, &account, first, last);
        let activities = env.data_between(&dev, "activity", &user, first, last).await;
        assert!(expected > 0, "{account} worked out in the backfilled month");
        assert_eq!(activities.len(), expected, "every workout of the backfill");
        let person = env.sim().person(&account);
        let offset = person.offset().to_string();
        for activity in &activities {
            let start = activity["metadata"]["start_time"]
                .as_str()
                .unwrap_or_default();
            assert!(
                start.ends_with(&offset),
                "{start} keeps the person's offset {offset}"
            );
            assert!(
                activity["calories_data"]["total_burned_calories"]
                    .as_f64()
                    .is_some()
            );
        }
        let athlete = env.data_between(&dev, "athlete", &user, first, last).await;
        assert_eq!(
            athlete[0]["first_name"],
            person.profile().first_name.as_str()
        );

        // The subscription: Strava verifies the callback through the server's push route.
        let (provider, ctx) =
            wearbridge_server::adapters::adapter(&env.state().services(), "STRAVA")
                .expect("STRAVA adapter");
        let push_url = env.push_url("STRAVA");
        let next = provider.renew_subscriptions(&ctx, &push_url).await;
        assert!(matches!(next, Ok(None)), "{next:?}");
        let forged =
            format!("{push_url}?hub.mode=subscribe&hub.verify_token=STRAVA&hub.challenge=c");
        let (status, _) = env.browse(&forged).await;
        assert_eq!(
            status.as_u16(),
            401,
            "a handshake with another token is refused"
        );

        // Strava announces yesterday's workout: fetched, stored, and sent as a data event.
        let message = env
            .sim()
            .push_message(
                SimProvider::Strava,
                &account,
                "activity",
                yesterday,
                CLIENT_ID,
            )
            .expect("an activity event");
        let event: Value = serde_json::from_slice(&message.body).expect("event JSON");
        let pushed_id = event["object_id"].as_i64().expect("object_id").to_string();
        let events_before = env.events(&dev, "activity").await.len();
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
            .unwrap_or_else(|| panic!("activity {pushed_id} stored after the event"));
        assert_eq!(
            pushed["metadata"]["start_time"].as_str().map(|t| &t[..10]),
            Some(yesterday.to_string().as_str())
        );
        let events = env.events(&dev, "activity").await;
        assert!(
            events.len() > events_before,
            "a data event for the new activity"
        );
        assert!(
            events
                .iter()
                .any(|e| e["data"].as_array().is_some_and(|data| data
                    .iter()
                    .any(|a| a["metadata"]["summary_id"] == pushed_id.as_str()))),
            "the event carries the new activity"
        );

        // Strava expires the access token: the next fetch refreshes it once, with rotation.
        let old_token = env.stored_access_token(&dev, &user).await;
        let oauth = env.sim().oauth(SimProvider::Strava).expect("strava oauth");
        assert!(oauth.expire_access_tokens(Some(&account)) > 0);
        let status = env
            .sim()
            .send_message(&message, &push_url)
            .await
            .expect("sent");
        assert_eq!(status, 200);
        env.drain_jobs().await;
        let new_token = env.stored_access_token(&dev, &user).await;
        assert_ne!(new_token, old_token, "refreshed");
        assert!(oauth.check_access(&new_token).is_ok());
        assert!(env.events(&dev, "access_revoked").await.is_empty());

        // Deauthentication deauthorizes at Strava, which ends the grant there.
        env.deauthenticate(&dev, &user).await;
        assert!(
            oauth.check_access(&new_token).is_err(),
            "deauthorized at Strava"
        );
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

crate::connect_test!(
    strava_deauthorization_events_are_checked_with_strava,
    |env| {
        let dev = env.developer("strava-deauth").await;
        let stays = env.connect_provider(&dev, "STRAVA", "strava-stays").await;
        let leaves = env.connect_provider(&dev, "STRAVA", "strava-leaves").await;
        env.drain_jobs().await;
        let today = chrono::Utc::now().date_naive();
        // An unsigned deauthorization for an athlete who did not revoke anything (anyone can
        // post one: athlete ids are public): Strava still answers for them, nothing changes.
        let status = env
            .send_push(
                SimProvider::Strava,
                "strava-stays",
                "athlete",
                today,
                CLIENT_ID,
            )
            .await;
        assert_eq!(status, 200);
        env.drain_jobs().await;
        assert!(env.events(&dev, "access_revoked").await.is_empty());
        // The athlete revokes the app at Strava, and Strava says so.
        let oauth = env.sim().oauth(SimProvider::Strava).expect("strava oauth");
        assert!(oauth.revoke_account("strava-leaves") > 0);
        let status = env
            .send_push(
                SimProvider::Strava,
                "strava-leaves",
                "athlete",
                today,
                CLIENT_ID,
            )
            .await;
        assert_eq!(status, 200);
        env.drain_jobs().await;
        let revoked = env.events(&dev, "access_revoked").await;
        assert_eq!(revoked.len(), 1, "{revoked:?}");
        assert_eq!(revoked[0]["user"]["user_id"], leaves.as_str());
        let info = env
            .call(
                &dev,
                Method::GET,
                &format!("/v2/userInfo?user_id={stays}"),
                None,
                200,
            )
            .await;
        assert_eq!(info["user"]["active"], true);
        // An event that is not JSON is refused.
        let status = env
            .sim()
            .send_message(
                &wearbridge_sim::PushMessage {
                    method: "POST",
                    query: String::new(),
                    content_type: "application/json",
                    headers: Vec::new(),
                    body: b"{\"object_type\":".to_vec(),
                },
                &env.push_url("STRAVA"),
            )
            .await
            .expect("sent");
        assert_eq!(status, 400);
    }
);
