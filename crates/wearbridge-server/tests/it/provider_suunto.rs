//! SUUNTO end to end through the shared provider flows (`flows.rs`) against the simulator's
//! Suunto cloud: connect through the widget, backfill of workouts, sleep and dailies, a
//! signed `WORKOUT_CREATED` push delivering a new activity and a forged one refused, an
//! expired token refreshed for a push-triggered fetch, and deauthentication (Suunto's
//! deauthorize).

use crate::flows::*;

/// A simulated account whose person finished a workout on the local day `yesterday` (the
/// UTC date before today), and that date. Searched rather than assumed: which days hold
/// workouts follows the calendar.
fn account_with_a_workout_yesterday(env: &Env) -> (String, NaiveDate) {
    let now = chrono::Utc::now();
    let yesterday = now.date_naive() - chrono::Days::new(1);
    (0..200)
        .map(|n| format!("suunto-e2e-{n}"))
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

/// `message` with its signature replaced by one made with another secret.
fn forged(message: &wearbridge_sim::PushMessage, body: Vec<u8>) -> wearbridge_sim::PushMessage {
    let signature = wearbridge_providers::suunto::push::sign(b"not the secret", &body);
    wearbridge_sim::PushMessage {
        headers: vec![(
            wearbridge_providers::suunto::push::SIGNATURE_HEADER.to_owned(),
            signature,
        )],
        body,
        ..message.clone()
    }
}

crate::connect_test!(
    suunto_connects_backfills_pushes_refreshes_and_deauthenticates,
    |env| {
        let (account, yesterday) = account_with_a_workout_yesterday(&env);
        let dev = env.developer("suunto").await;
        // The server's clock stands a week back while the user connects: the backfill covers
        // the 30 days before that, so yesterday's workout is new when Suunto pushes it.
        let now = chrono::Utc::now();
        env.clock().set(now - chrono::Duration::days(7));
        let user = env
            .connect_provider_via_widget(&dev, SimProvider::Suunto, &account)
            .await;
        env.drain_jobs().await;
        env.clock().set(chrono::Utc::now());

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
        // The 24/7 data of the same month: a night per morning, the day's steps exactly.
        let nights = env.data_between(&dev, "sleep", &user, first, last).await;
        assert!(nights.len() >= 28, "{} nights", nights.len());
        let days = env.data_between(&dev, "daily", &user, first, last).await;
        let check = last - chrono::Days::new(3);
        let day = days
            .iter()
            .find(|daily| {
                daily["metadata"]["start_time"]
                    .as_str()
                    .is_some_and(|start| start.starts_with(&check.to_string()))
            })
            .unwrap_or_else(|| panic!("a daily for {check}"));
        assert_eq!(
            day["distance_data"]["steps"].as_i64(),
            Some(i64::from(person.day(check).total_steps()))
        );

        // Suunto pushes yesterday's workout, signed: stored as sent, and delivered.
        let push_url = env.push_url("SUUNTO");
        let message = env
            .sim()
            .push_message(
                SimProvider::Suunto,
                &account,
                "activity",
                yesterday,
                SANDBOX_WEBHOOK_SECRET,
            )
            .expect("a workout push");
        let body: Value = serde_json::from_slice(&message.body).expect("push JSON");
        let key = body["workout"]["workoutKey"]
            .as_str()
            .expect("workoutKey")
            .to_owned();
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
            .find(|activity| activity["metadata"]["summary_id"] == key.as_str())
            .unwrap_or_else(|| panic!("activity {key} stored after the push"));
        assert_eq!(
            pushed["metadata"]["start_time"].as_str().map(|t| &t[..10]),
            Some(yesterday.to_string().as_str())
        );
        assert_eq!(pushed["device_data"]["name"], "Suunto Race 2");
        let events = env.events(&dev, "activity").await;
        assert!(
            events.len() > events_before,
            "a data event for the new activity"
        );

        // A forged push (same shape, another workout, signed with the wrong secret) is
        // refused and stores nothing.
        let forged_key = "ffffffffffffffffffffffff";
        let forged_body = String::from_utf8_lossy(&message.body)
            .replace(&key, forged_key)
            .into_bytes();
        let status = env
            .sim()
            .send_message(&forged(&message, forged_body), &push_url)
            .await
            .expect("sent");
        assert_eq!(status, 401, "a forged signature is refused");
        let mut unsigned = message.clone();
        unsigned.headers.clear();
        let status = env
            .sim()
            .send_message(&unsigned, &push_url)
            .await
            .expect("sent");
        assert_eq!(status, 401, "an unsigned push is refused");
        env.drain_jobs().await;
        let activities = env
            .data_between(&dev, "activity", &user, yesterday, yesterday)
            .await;
        assert!(
            !activities
                .iter()
                .any(|activity| activity["metadata"]["summary_id"] == forged_key),
            "nothing stored from the forged push"
        );

        // Suunto expires the access token; a 24/7 activity push asks for the day's daily,
        // whose fetch refreshes the token once.
        let old_token = env.stored_access_token(&dev, &user).await;
        let oauth = env.sim().oauth(SimProvider::Suunto).expect("suunto oauth");
        assert!(oauth.expire_access_tokens(Some(&account)) > 0);
        let status = env
            .send_push(
                SimProvider::Suunto,
                &account,
                "daily",
                yesterday,
                SANDBOX_WEBHOOK_SECRET,
            )
            .await;
        assert_eq!(status, 200);
        env.drain_jobs().await;
        let new_token = env.stored_access_token(&dev, &user).await;
        assert_ne!(new_token, old_token, "refreshed");
        assert!(oauth.check_access(&new_token).is_ok());
        assert!(env.events(&dev, "access_revoked").await.is_empty());

        // Deauthentication deauthorizes at Suunto, which ends the grant there.
        env.deauthenticate(&dev, &user).await;
        assert!(
            oauth.check_access(&new_token).is_err(),
            "deauthorized at Suunto"
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

crate::connect_test!(suunto_sleep_pushes_are_stored_as_sent, |env| {
    let dev = env.developer("suunto-sleep").await;
    let user = env.connect_provider(&dev, "SUUNTO", "suunto-sleeper").await;
    env.drain_jobs().await;
    let today = chrono::Utc::now().date_naive();
    let status = env
        .send_push(
            SimProvider::Suunto,
            "suunto-sleeper",
            "sleep",
            today,
            SANDBOX_WEBHOOK_SECRET,
        )
        .await;
    assert_eq!(status, 200);
    env.drain_jobs().await;
    let night = env.sim().person("suunto-sleeper").sleep_ending_on(today);
    let nights = env.data_between(&dev, "sleep", &user, today, today).await;
    let id = night.start.timestamp().to_string();
    assert!(
        nights
            .iter()
            .any(|sleep| sleep["metadata"]["summary_id"] == id.as_str()),
        "the pushed night {id} is stored: {nights:?}"
    );
    // A push for nobody connected here is accepted (Suunto must not retry it) and ignored.
    let status = env
        .send_push(
            SimProvider::Suunto,
            "suunto-stranger",
            "sleep",
            today,
            SANDBOX_WEBHOOK_SECRET,
        )
        .await;
    assert_eq!(status, 200);
});
