//! Backfills under trouble: a 365-day backfill under 429/500/malformed pages, a crashed
//! worker resuming from its checkpoint, a revoked grant, a hung provider (timeouts), and
//! the backfill progress API.

use std::time::Duration;

use serde_json::Value;
use wearbridge_model::DataType;
use wearbridge_server::clock::Clock;
use wearbridge_server::jobs::registry as lanes;
use wearbridge_server::jobs::run_lane;
use wearbridge_server::sync::SyncSettings;
use wearbridge_server::workers::WorkerSet;
use wearbridge_sim::{FaultKind, FaultTarget, SimProvider};
use wearbridge_store::{Backend, JobState};

use super::{Env, assert_each_day_once, daily_dates_in_events, settings};

sync_test!(
    a_year_backfill_completes_under_faults,
    settings(365, 8, None),
    |env| {
        // Connected before the faults start (the account lookup is an API call too).
        let user = env.connect("year-alice").await;
        let faults = env.sim.faults();
        let random = [
            FaultKind::RateLimit { retry_after_s: 30 },
            FaultKind::ServerError { status: 503 },
            FaultKind::MalformedJson,
        ];
        for kind in random {
            faults
                .inject_randomly("sandbox", kind, FaultTarget::Api, 0.04)
                .expect("fault");
        }
        env.drain().await;

        let job = env.backfill_job(&user).await;
        assert_eq!(job.state, JobState::Completed, "{:?}", job.last_error);
        let faulted = env
            .sim
            .requests()
            .records(Some("sandbox"))
            .iter()
            .filter(|record| record.fault.is_some())
            .count();
        assert!(faulted >= 5, "only {faulted} faults were injected");
        let stored = env
            .store
            .count_records(&env.dev, &user.id, DataType::Daily)
            .await
            .expect("count");
        assert_eq!(stored, 365);
        assert_each_day_once(&daily_dates_in_events(&env, &user).await, 365);
    }
);

sync_test!(
    a_crashed_backfill_resumes_from_its_checkpoint,
    settings(60, 1_000, None),
    |env| {
        // A clean run of the same plan for another account: the request count to expect.
        let clean = env.connect("crash-baseline").await;
        env.drain().await;
        assert_eq!(env.backfill_job(&clean).await.state, JobState::Completed);
        let clean_requests = env.api_requests();
        env.sim.requests().clear();

        // The crash point is an event, not a moment: the 21st data request hangs at the
        // provider, so the worker is parked inside a fetch, 20 requests into the plan,
        // whatever the machine's load.
        let faults = env.sim.faults();
        let hang = FaultKind::Hang { seconds: 3_600 };
        faults
            .inject_after("sandbox", hang, FaultTarget::Api, 20, 1)
            .expect("fault");
        let user = env.connect("crash-bob").await;
        let state = env.state.clone();
        let mut workers = WorkerSet::new();
        workers.spawn("backfill", |shutdown| {
            run_lane(state.services(), shutdown, &lanes::BACKFILL)
        });
        while faults.pending("sandbox") > 0 {
            let job = env.backfill_job(&user).await;
            assert!(
                matches!(job.state, JobState::Queued | JobState::Running),
                "the backfill ended before it reached the hanging request: {job:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        faults.clear(Some("sandbox"));
        // No grace period: the worker is aborted wherever it is, as in a crash.
        workers.shutdown(Duration::ZERO).await;
        let crashed = env.backfill_job(&user).await;
        assert_eq!(
            crashed.state,
            JobState::Running,
            "the crash left the lease behind"
        );

        env.drain().await;
        let job = env.backfill_job(&user).await;
        assert_eq!(job.state, JobState::Completed, "{:?}", job.last_error);
        let total = env.api_requests();
        // Resumed, not restarted: at most the chunk in flight is fetched again (≤ 3 pages).
        assert!(
            total >= clean_requests && total <= clean_requests + 3,
            "{total} requests after the crash vs {clean_requests} for a clean run"
        );
        assert_each_day_once(&daily_dates_in_events(&env, &user).await, 60);
    }
);

sync_test!(
    a_revoked_grant_stops_without_a_retry_storm,
    settings(30, 8, None),
    |env| {
        let user = env.connect("revoked-carol").await;
        let account = user.provider_user_id.clone().expect("account");
        let oauth_server = env.sim.oauth(SimProvider::Sandbox).expect("oauth");
        oauth_server.revoke_account(&account);
        env.sim.requests().clear();
        env.drain().await;

        let revoked = env.events("access_revoked", Some(&user)).await;
        assert_eq!(revoked.len(), 1);
        let stored = env.store.get_user(&env.dev, &user.id).await.expect("user");
        assert!(stored.is_some_and(|user| !user.active));
        // One data call (401), one refresh (invalid_grant), nothing more.
        let requests = env.sim.requests().count("sandbox");
        assert!(
            requests <= 2,
            "{requests} provider requests after revocation"
        );
        let job = env.backfill_job(&user).await;
        assert_eq!(job.state, JobState::Completed, "stopped, not retried");
    }
);

impl Env {
    /// `GET /wearbridge/v1/users/{user}/sync` with this environment's developer.
    async fn sync_status(&self, user: &str, status: u16) -> Value {
        let answer = self
            .http
            .get(format!("{}/wearbridge/v1/users/{user}/sync", self.base_url))
            .header("dev-id", self.dev.to_string())
            .header("x-api-key", &self.api_key)
            .send()
            .await
            .expect("status");
        assert_eq!(answer.status(), status);
        answer.json().await.unwrap_or(Value::Null)
    }
}

sync_test!(
    backfill_progress_is_visible_per_type_with_a_completion_marker,
    settings(30, 8, None),
    |env| {
        let user = env.connect("status-erin").await;
        let before = env.sync_status(user.id.as_str(), 200).await;
        let backfill = &before["backfills"][0];
        assert_eq!(backfill["state"], "queued");
        assert_eq!(backfill["completed"], false);
        assert_eq!(backfill["chunks_done"], 0);
        assert_eq!(backfill["chunks_total"], 35, "5 weekly windows x 7 types");
        assert_eq!(backfill["types"][0]["ranges"][0]["status"], "pending");

        env.drain().await;
        let after = env.sync_status(user.id.as_str(), 200).await;
        let backfill = &after["backfills"][0];
        assert_eq!(backfill["state"], "completed");
        assert_eq!(backfill["completed"], true);
        assert!(backfill["completed_at"].is_string());
        assert_eq!(backfill["chunks_done"], 35);
        let types = backfill["types"].as_array().expect("types");
        assert_eq!(types.len(), 7);
        for progress in types {
            let ranges = progress["ranges"].as_array().expect("ranges");
            assert_eq!(ranges.len(), 1, "{progress}");
            assert_eq!(ranges[0]["status"], "done");
            assert_eq!(ranges[0]["start_date"], backfill["start_date"]);
            assert_eq!(ranges[0]["end_date"], backfill["end_date"]);
        }
        env.sync_status("00000000-0000-4000-8000-000000000000", 404)
            .await;
        env.sync_status("not-a-uuid", 400).await;
    }
);

/// [`settings`] with provider calls timing out after `timeout`.
fn timing_out(days: u32, timeout: Duration) -> SyncSettings {
    let mut settings = settings(days, 1_000, None);
    settings
        .set_provider_timeout(timeout)
        .expect("provider client");
    settings
}

sync_test!(
    a_hung_provider_times_out_and_the_backfill_retries_with_backoff,
    timing_out(30, Duration::from_millis(300)),
    |env| {
        let user = env.connect("hang-frank").await;
        // Three requests in the middle of the backfill hang far beyond the timeout.
        env.sim
            .faults()
            .inject_after(
                "sandbox",
                FaultKind::Hang { seconds: 5 },
                FaultTarget::Api,
                6,
                3,
            )
            .expect("fault");
        let started = env.clock.now();
        env.drain().await;

        let job = env.backfill_job(&user).await;
        assert_eq!(job.state, JobState::Completed, "{:?}", job.last_error);
        // Every hang was served (the request log only records a hung request once its
        // late answer is written, after the client gave up, so it is not counted here).
        assert_eq!(env.sim.faults().pending("sandbox"), 0);
        assert!(
            job.last_error
                .as_deref()
                .is_some_and(|e| e.contains("timeout")),
            "last error: {:?}",
            job.last_error
        );
        // Waited out the backoff (at least the first 30 s step) rather than retrying at
        // once; the hangs themselves took under a second each.
        let waited = env.clock.now() - started;
        assert!(
            waited >= chrono::Duration::seconds(30),
            "retried after {waited}"
        );
        assert_each_day_once(&daily_dates_in_events(&env, &user).await, 30);
        let stored = env
            .store
            .count_records(&env.dev, &user.id, DataType::Daily)
            .await
            .expect("count");
        assert_eq!(stored, 30);
    }
);
