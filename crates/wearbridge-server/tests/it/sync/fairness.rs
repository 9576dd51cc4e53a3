//! Sharing the provider between users: a new connection is served while a cohort
//! backfills, and rate budgets hold under a cohort (request log per window).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use wearbridge_model::DataType;
use wearbridge_server::jobs::registry as lanes;
use wearbridge_server::jobs::run_lane;
use wearbridge_server::sync::Rate;
use wearbridge_server::workers::WorkerSet;
use wearbridge_store::{Backend, EventFilter};

use super::{Env, settings};

sync_test!(
    a_new_connection_is_served_while_a_cohort_backfills,
    settings(30, 2, None),
    |env| {
        let mut cohort = Vec::new();
        for index in 0..6 {
            cohort.push(env.connect(&format!("cohort-{index}")).await);
        }
        let newcomer = env.connect("newcomer").await;
        env.drain().await;

        // Data events in creation order (UUID v7 ids): who was served when.
        let mut order: Vec<String> = Vec::new();
        for event_type in [
            "activity",
            "athlete",
            "body",
            "daily",
            "menstruation",
            "nutrition",
            "sleep",
        ] {
            let filter = EventFilter {
                event_type: Some(event_type.to_owned()),
                limit: Some(100_000),
                ..EventFilter::default()
            };
            let rows = env
                .store
                .list_events(&env.dev, filter)
                .await
                .expect("events");
            order.extend(rows.iter().map(|row| {
                format!(
                    "{}|{}",
                    row.id,
                    row.user_id
                        .as_ref()
                        .map(|u| u.to_string())
                        .unwrap_or_default()
                )
            }));
        }
        order.sort();
        let first_newcomer = order
            .iter()
            .position(|entry| entry.ends_with(&newcomer.id.to_string()))
            .expect("newcomer data");
        let share = first_newcomer as f64 / order.len() as f64;
        // First-come-first-served would put the newcomer after all six others (~86%);
        // round-robin slices serve it in the first round.
        assert!(
            share < 0.25,
            "newcomer first served at {:.0}% of the work",
            share * 100.0
        );
        let mut per_user: HashMap<String, usize> = HashMap::new();
        for entry in &order {
            let user = entry.split('|').nth(1).unwrap_or_default().to_owned();
            *per_user.entry(user).or_default() += 1;
        }
        assert_eq!(per_user.len(), cohort.len() + 1, "every user got data");
    }
);

/// Cohort size: `WEARBRIDGE_TEST_COHORT` (default 200, which keeps the test near 30 s;
/// 1,000 was run for the report, see docs/DECISIONS.md `## Sync`).
fn cohort_size() -> usize {
    std::env::var("WEARBRIDGE_TEST_COHORT")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(200)
}

/// The budget of the cohort test: at most 1,000 SANDBOX requests in any 10 seconds
/// (100/s on average). A 10 s window rather than 1 s: the budget's 1 % headroom is then
/// 10 requests, which covers the milliseconds between charging a multi-page fetch and
/// its last page leaving on a loaded test machine (1 request of headroom at 100/s did not).
const COHORT_RATE: Rate = Rate {
    requests: 1_000,
    period: Duration::from_secs(10),
    burst: 10,
};

/// Most requests in any half-open window of `window` starting at a request.
fn peak_in_window(mut times: Vec<DateTime<Utc>>, window: chrono::Duration) -> usize {
    times.sort();
    let mut peak = 0;
    let mut end = 0;
    for (start, at) in times.iter().enumerate() {
        while end < times.len() && times[end] < *at + window {
            end += 1;
        }
        peak = peak.max(end - start);
    }
    peak
}

sync_test!(
    a_cohort_stays_within_the_provider_budget,
    settings(1, 8, Some(COHORT_RATE)),
    |env| {
        let size = cohort_size();
        let mut users = Vec::with_capacity(size);
        for index in 0..size {
            users.push(env.connect(&format!("cohort-user-{index}")).await);
        }
        env.sim.requests().clear();
        let mut workers = WorkerSet::new();
        for name in ["backfill-1", "backfill-2", "backfill-3", "backfill-4"] {
            let state = env.state.clone();
            workers.spawn(name, |shutdown| {
                run_lane(state.services(), shutdown, &lanes::BACKFILL)
            });
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(600);
        while env.next_wake().await.is_some() {
            assert!(
                std::time::Instant::now() < deadline,
                "cohort did not finish"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        workers.shutdown(Duration::from_secs(5)).await;

        let times: Vec<DateTime<Utc>> = env
            .sim
            .requests()
            .records(Some("sandbox"))
            .iter()
            .map(|record| record.at)
            .collect();
        // 9 requests per user-day: athlete, daily, sleep, workouts, body, and profile +
        // list for each of menstruation and nutrition.
        assert_eq!(times.len(), size * 9, "requests");
        let peak_second = peak_in_window(times.clone(), chrono::Duration::seconds(1));
        let peak = peak_in_window(times, chrono::Duration::seconds(10));
        eprintln!(
            "cohort of {size}: peak {peak} requests in any 10 s (budget 1000), \
             {peak_second} in any 1 s"
        );
        assert!(peak <= 1_000, "{peak} requests in 10 seconds; budget 1000");
        for user in &users {
            let daily = env
                .store
                .count_records(&env.dev, &user.id, DataType::Daily)
                .await;
            assert_eq!(daily.expect("count"), 1, "user {} has no data", user.id);
        }
    }
);
