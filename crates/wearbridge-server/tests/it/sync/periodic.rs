//! The schedule: periodic polls, token refresh-ahead and subscription renewal, each run
//! once however many nodes sweep.

use std::collections::BTreeSet;
use std::time::Duration;

use wearbridge_server::clock::Clock;
use wearbridge_server::jobs::{poll, refresh, renew};
use wearbridge_server::sync::{SyncSettings, schedule};
use wearbridge_sim::SimProvider;
use wearbridge_sim::faults::RequestClass;
use wearbridge_store::{Backend, JobFilter, JobState, User, UserPatch};

use super::{Env, assert_each_day_once, daily_dates_in_events, settings};

/// [`settings`] with SANDBOX polled every `interval`.
fn polled(days: u32, interval: Duration) -> SyncSettings {
    let mut settings = settings(days, 8, None);
    settings
        .poll_intervals
        .insert("SANDBOX".to_owned(), interval);
    settings
}

impl Env {
    async fn jobs_of(&self, kind: &str, user: Option<&User>) -> Vec<wearbridge_store::Job> {
        let filter = JobFilter {
            kind: Some(kind.to_owned()),
            user_id: user.map(|user| user.id.clone()),
            ..JobFilter::default()
        };
        self.store.list_jobs(filter).await.expect("jobs")
    }

    /// Runs the sync job kinds as two nodes at once; the jobs run in total.
    async fn run_on_two_nodes(&self) -> usize {
        let services = self.state.services();
        let (a, b) = tokio::join!(
            schedule::run_pending(&services, "node-a"),
            schedule::run_pending(&services, "node-b")
        );
        a.expect("node a") + b.expect("node b")
    }

    async fn connection(&self, user: &User) -> wearbridge_store::connections::Connection {
        let stored = self.store.get_connection(&self.dev, &user.id).await;
        stored.expect("connection").expect("stored tokens")
    }

    fn requests_of(&self, class: RequestClass) -> usize {
        let records = self.sim.requests().records(Some("sandbox"));
        records
            .iter()
            .filter(|record| record.class == class)
            .count()
    }
}

const HOUR: Duration = Duration::from_secs(3_600);

sync_test!(
    polls_run_once_per_slot_for_active_connections_and_reschedule_themselves,
    polled(1, HOUR),
    |env| {
        let alice = env.connect("poll-alice").await;
        let bob = env.connect("poll-bob").await;
        env.drain().await;
        let backfilled_day = env.clock.now().date_naive();
        let inactive = UserPatch {
            active: Some(false),
            ..UserPatch::default()
        };
        env.store
            .update_user(&env.dev, &bob.id, inactive)
            .await
            .expect("deactivate");

        // Two nodes sweeping: one job, for the active connection only.
        let first = schedule::sweep(&env.state.services()).await.expect("sweep");
        let second = schedule::sweep(&env.state.services()).await.expect("sweep");
        assert_eq!((first.polls, second.polls), (1, 0));
        assert!(env.jobs_of(poll::KIND, Some(&bob)).await.is_empty());
        let jobs = env.jobs_of(poll::KIND, Some(&alice)).await;
        assert_eq!(jobs.len(), 1);
        let job = jobs[0].clone();
        let now = env.clock.now().timestamp_micros();
        let hour = 3_600_000_000_i64;
        let delay = job.run_at - now;
        assert!(
            (hour * 8 / 10 - 1_000_000..=hour * 12 / 10).contains(&delay),
            "first poll {delay} µs ahead, not within the hour ± 20 %"
        );
        assert_eq!(env.run_on_two_nodes().await, 0, "not due yet");

        // The slot comes: two nodes, one poll.
        env.sim.requests().clear();
        env.clock.jump_to(job.run_at);
        assert_eq!(env.run_on_two_nodes().await, 1);
        // Athlete, daily, sleep, workouts and body: one page each; menstruation and
        // nutrition: the profile plus one page each.
        assert_eq!(env.requests_of(RequestClass::Api), 9, "one poll of 7 types");

        let after = env.store.get_job(&job.id).await.expect("job").expect("row");
        assert_eq!(after.state, JobState::Queued, "{:?}", after.last_error);
        assert_eq!((after.attempts, after.progress.as_deref()), (0, None));
        let polled_at = env.clock.now().timestamp_micros();
        let next = after.run_at - polled_at;
        assert!(
            (hour * 8 / 10 - 1_000_000..=hour * 12 / 10).contains(&next),
            "next poll {next} µs ahead"
        );
        assert_eq!(
            schedule::sweep(&env.state.services())
                .await
                .expect("sweep")
                .polls,
            0
        );

        // The poll fetched today and yesterday (of the moved clock); each day once.
        let today = env.clock.now().date_naive();
        let mut expected: BTreeSet<String> = BTreeSet::new();
        for day in [backfilled_day, today, today - chrono::Days::new(1)] {
            expected.insert(day.to_string());
        }
        let dates = daily_dates_in_events(&env, &alice).await;
        assert_each_day_once(&dates, expected.len());
        let distinct: BTreeSet<String> = dates.into_iter().collect();
        assert_eq!(distinct, expected);
        let user = env.store.get_user(&env.dev, &alice.id).await.expect("user");
        assert!(user.and_then(|user| user.last_polled_at) >= Some(polled_at - 1_000_000));

        // A deactivated user's poll ends instead of rescheduling.
        env.store
            .update_user(
                &env.dev,
                &alice.id,
                UserPatch {
                    active: Some(false),
                    ..UserPatch::default()
                },
            )
            .await
            .expect("deactivate");
        env.sim.requests().clear();
        env.clock.jump_to(after.run_at);
        // (The sweep above may also have queued a refresh-ahead of the tokens the poll
        // refreshed: the moved clock put them near expiry. It ends at once too.)
        assert!(env.run_on_two_nodes().await >= 1);
        let ended = env.store.get_job(&job.id).await.expect("job").expect("row");
        assert_eq!(ended.state, JobState::Completed);
        assert_eq!(env.requests_of(RequestClass::Api), 0);
    }
);

sync_test!(
    providers_without_a_poll_interval_are_not_polled,
    settings(1, 8, None),
    |env| {
        env.connect("no-poll").await;
        env.drain().await;
        let swept = schedule::sweep(&env.state.services()).await.expect("sweep");
        assert_eq!(swept.polls, 0);
        assert!(env.jobs_of(poll::KIND, None).await.is_empty());
    }
);

sync_test!(
    tokens_are_refreshed_ahead_of_expiry_once_per_connection,
    settings(1, 8, None),
    |env| {
        let alice = env.connect("refresh-alice").await;
        let bob = env.connect("refresh-bob").await;
        env.drain().await;
        let before = env.connection(&alice).await;
        let bob_before = env.connection(&bob).await;
        let expires = before.expires_at.expect("SANDBOX tokens expire");
        let bob_expires = bob_before.expires_at.expect("expiry");
        let margin = 600_000_000_i64;

        // An hour from expiry: nothing to do.
        assert_eq!(
            schedule::sweep(&env.state.services())
                .await
                .expect("sweep")
                .refreshes,
            0
        );
        // Eleven minutes before: queued for ten minutes before, once.
        env.clock.jump_to(expires - margin - 60_000_000);
        assert_eq!(
            schedule::sweep(&env.state.services())
                .await
                .expect("sweep")
                .refreshes,
            2
        );
        assert_eq!(
            schedule::sweep(&env.state.services())
                .await
                .expect("sweep")
                .refreshes,
            0
        );
        let job = env.jobs_of(refresh::KIND, Some(&alice)).await;
        assert_eq!(job.len(), 1);
        assert_eq!(job[0].run_at, expires - margin);
        assert_eq!(env.run_on_two_nodes().await, 0, "not due yet");

        // Bob disconnected the app at the provider meanwhile.
        let bob_account = bob.provider_user_id.clone().expect("account");
        let oauth_server = env.sim.oauth(SimProvider::Sandbox).expect("oauth");
        oauth_server.revoke_account(&bob_account);
        env.sim.requests().clear();
        env.clock.jump_to(expires.max(bob_expires) - margin);
        assert_eq!(env.run_on_two_nodes().await, 2);

        // One token call per connection, however many nodes ran.
        assert_eq!(env.requests_of(RequestClass::Token), 2);
        assert_eq!(env.requests_of(RequestClass::Api), 0);
        let after = env.connection(&alice).await;
        assert_eq!(after.version, before.version + 1);
        assert!(after.expires_at > before.expires_at);
        let refresh_token = |tokens: &wearbridge_store::connections::Connection| {
            let sealed = tokens.refresh_token_enc.as_deref().expect("refresh token");
            env.state.cipher.decrypt_str(sealed).expect("decrypt")
        };
        assert_ne!(
            refresh_token(&after),
            refresh_token(&before),
            "the rotated refresh token is stored"
        );
        for user in [&alice, &bob] {
            let jobs = env.jobs_of(refresh::KIND, Some(user)).await;
            assert_eq!(
                jobs[0].state,
                JobState::Completed,
                "{:?}",
                jobs[0].last_error
            );
        }
        let alice_now = env.store.get_user(&env.dev, &alice.id).await.expect("user");
        assert!(alice_now.is_some_and(|user| user.active));
        assert!(env.events("access_revoked", Some(&alice)).await.is_empty());

        let bob_now = env.store.get_user(&env.dev, &bob.id).await.expect("user");
        assert!(bob_now.is_some_and(|user| !user.active));
        assert_eq!(env.events("access_revoked", Some(&bob)).await.len(), 1);
        // An inactive user gets no further refresh jobs.
        env.clock.jump_to(bob_expires);
        schedule::sweep(&env.state.services()).await.expect("sweep");
        assert_eq!(env.jobs_of(refresh::KIND, Some(&bob)).await.len(), 1);
    }
);

/// The providers whose adapters keep app-level push subscriptions.
const SUBSCRIBING: [&str; 2] = ["oura", "strava"];

sync_test!(
    subscription_renewal_is_queued_once_at_start_up,
    settings(1, 8, None),
    |env| {
        // Two nodes start: one renewal job per enabled provider.
        let providers = env.state.providers.enabled().len();
        assert!(providers >= 1, "sandbox mode enables SANDBOX at least");
        let first = renew::enqueue_renewals(&env.state.services())
            .await
            .expect("renewals");
        let second = renew::enqueue_renewals(&env.state.services())
            .await
            .expect("renewals");
        assert_eq!((first, second), (providers, 0));
        env.sim.requests().clear();
        assert_eq!(env.run_on_two_nodes().await, providers);
        // Only OURA and STRAVA keep app-level subscriptions: their jobs call the provider's
        // subscription API (which cannot reach this server's public URL to verify it, so
        // they are queued again); every other provider's job ends without a provider call
        // (the trait default).
        let jobs = env.jobs_of(renew::KIND, None).await;
        assert_eq!(jobs.len(), providers);
        for job in &jobs {
            assert_ne!(job.state, JobState::Failed, "{:?}", job.last_error);
        }
        let completed = jobs
            .iter()
            .filter(|job| job.state == JobState::Completed)
            .count();
        assert_eq!(
            completed,
            providers - SUBSCRIBING.len(),
            "all but {SUBSCRIBING:?} complete"
        );
        let calls = env.sim.requests().records(None);
        assert!(!calls.is_empty(), "the subscription APIs were called");
        assert!(
            calls
                .iter()
                .all(|call| SUBSCRIBING.contains(&call.provider.as_str())),
            "only {SUBSCRIBING:?} were called: {calls:?}"
        );
        // The next start-up renews again, except those whose next run is already queued.
        let restart = renew::enqueue_renewals(&env.state.services())
            .await
            .expect("renewals");
        assert_eq!(restart, providers - SUBSCRIBING.len());
    }
);
