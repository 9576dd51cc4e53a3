//! Terra's inbound rate limits on the data reads (terra-api-notes A.3): r1 (at most 1,825
//! days in one request) and r2 (day units per user and rolling hour), with Terra's 429
//! body and `X-Terra-RateLimit-*` headers, on a pinned clock. Two nodes sharing the count
//! run as real processes in `crates/wearbridge/tests/rate_limits.rs`.

use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate};
use serde_json::json;
use wearbridge_server::clock::ManualClock;
use wearbridge_store::Backend;
use wearbridge_store::ids::UserId;

use crate::harness::{Checked, TestApp};

/// 2026-01-01T00:00:00Z: a minute boundary, so reset times are whole minutes.
const START: i64 = 1_767_225_600;

/// The app with r2 at `limit` day units per hour and a clock standing at [`START`].
async fn app(backend: Backend, limit: i64) -> Option<(TestApp, Arc<ManualClock>)> {
    let clock = Arc::new(ManualClock::new(
        DateTime::from_timestamp(START, 0).expect("valid instant"),
    ));
    let shared = clock.clone();
    let app = TestApp::spawn_adjusted(
        backend,
        |config| config.rate_limits.day_units_per_hour = limit,
        move |state| state.with_clock(shared),
    )
    .await?;
    Some((app, clock))
}

/// `start_date=2020-01-01&end_date=<start + days>`: a request costing `days`.
fn span(days: u64) -> String {
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date");
    let end = start.checked_add_days(Days::new(days)).expect("valid date");
    format!("start_date={start}&end_date={end}")
}

fn daily(user: &UserId, query: &str) -> String {
    format!("/v2/daily?user_id={user}&{query}&to_webhook=false")
}

fn header(response: &Checked, name: &str) -> Option<String> {
    response
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// `(limit, remaining, reset after)` of an accepted request.
fn r2_headers(response: &Checked) -> (i64, i64, i64) {
    let number = |name: &str| {
        header(response, name)
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing: {:?}", response.headers))
    };
    (
        number("x-terra-ratelimit-limit"),
        number("x-terra-ratelimit-remaining"),
        number("x-terra-ratelimit-reset-after"),
    )
}

/// Terra's 429: exactly `{"detail": "rate limit exceeded"}` and the rule header.
fn assert_refused(response: &Checked, rule: &str) {
    assert_eq!(response.json(), json!({ "detail": "rate limit exceeded" }));
    assert_eq!(
        header(response, "x-terra-ratelimit-rule").as_deref(),
        Some(rule)
    );
    assert_eq!(header(response, "x-terra-ratelimit-limit"), None);
}

async fn r1_refuses_more_than_1825_days(backend: Backend) {
    let Some((app, _clock)) = app(backend, 6_000).await else {
        return;
    };
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let client = app.client(&dev);
    for base in ["/v2", "/api/v2"] {
        let path = format!("{base}/daily?user_id={user}&{}", span(1_826));
        let refused = client.get(&path, 429).await;
        assert_refused(&refused, "r1");
        assert_eq!(
            header(&refused, "retry-after"),
            None,
            "r1 has no Retry-After"
        );
    }
    // A partial day counts as a day: 1,825 days and one second is 1,826.
    let seconds = 1_700_000_000_i64;
    let unix = format!(
        "start_date={seconds}&end_date={}",
        seconds + 1_825 * 86_400 + 1
    );
    assert_refused(&client.get(&daily(&user, &unix), 429).await, "r1");
    // Exactly 1,825 is allowed, and the refused requests cost nothing.
    let accepted = client.get(&daily(&user, &span(1_825)), 200).await;
    assert_eq!(r2_headers(&accepted), (6_000, 4_175, 3_660));
}

async fn r2_counts_day_units_per_user_in_a_rolling_hour(backend: Backend) {
    let Some((app, clock)) = app(backend, 2_000).await else {
        return;
    };
    let dev = app.developer("acme").await;
    let alice = app.user(&dev, None).await;
    let bob = app.user(&dev, None).await;
    let client = app.client(&dev);

    let first = client.get(&daily(&alice, &span(1_000)), 200).await;
    // Units of minute 0 leave the window an hour after that minute ends.
    assert_eq!(r2_headers(&first), (2_000, 1_000, 3_660));

    clock.advance(chrono::Duration::minutes(10));
    let second = client
        .get(
            &format!(
                "/api/v2/sleep?user_id={alice}&{}&to_webhook=false",
                span(999)
            ),
            200,
        )
        .await;
    assert_eq!(r2_headers(&second), (2_000, 1, 3_660));
    // No dates: 1 unit (athlete), also on the default to_webhook=true path.
    let athlete = client
        .get(&format!("/v2/athlete?user_id={alice}"), 200)
        .await;
    assert_eq!(r2_headers(&athlete).1, 0);

    // Bad input and unknown users are answered as before and cost nothing.
    client
        .get(&daily(&alice, "start_date=2024-02-30"), 400)
        .await;
    client.get(&daily(&UserId::new(), &span(1)), 404).await;

    // A call without end_date costs one day: refused until minute 0's 1,000 units
    // leave, 51 minutes from now.
    let refused = client
        .get(&daily(&alice, "start_date=2024-01-01"), 429)
        .await;
    assert_refused(&refused, "r2");
    assert_eq!(header(&refused, "retry-after").as_deref(), Some("3060"));
    // Another user's budget is untouched.
    let other = client.get(&daily(&bob, &span(1_000)), 200).await;
    assert_eq!(r2_headers(&other).1, 1_000);

    // One second early it is still refused; at Retry-After it passes.
    clock.advance(chrono::Duration::seconds(3_059));
    client.get(&daily(&alice, &span(1)), 429).await;
    clock.advance(chrono::Duration::seconds(1));
    let later = client.get(&daily(&alice, &span(1)), 200).await;
    assert_eq!(r2_headers(&later).1, 1_000 - 1);
}

async fn r2_off_keeps_r1(backend: Backend) {
    let Some((app, _clock)) = app(backend, 0).await else {
        return;
    };
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let client = app.client(&dev);
    for _ in 0..3 {
        let accepted = client.get(&daily(&user, &span(1_825)), 200).await;
        assert_eq!(header(&accepted, "x-terra-ratelimit-limit"), None);
    }
    assert_refused(&client.get(&daily(&user, &span(1_826)), 429).await, "r1");
}

macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(Backend::Postgres).await;
                }
            }
        )+
    };
}

on_both_backends!(
    r1_refuses_more_than_1825_days,
    r2_counts_day_units_per_user_in_a_rolling_hour,
    r2_off_keeps_r1,
);
