//! On-demand reads (issue 13) against the SANDBOX simulator, on both backends: a read of
//! a range nothing has fetched yet fetches exactly its gap (the simulator's request log
//! proves which days), once; concurrent overlapping reads fetch every day once;
//! `to_webhook=true` right after the connect delivers the range tagged with the
//! acknowledgement's reference; faults during a read give the right answer and events,
//! never a hang, never a record twice; a re-pull fetches a covered range again.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use reqwest::Method;
use serde_json::Value;
use wearbridge_server::clock::Clock;
use wearbridge_server::sync::SyncSettings;
use wearbridge_sim::{FaultKind, FaultTarget};
use wearbridge_store::ids::DeveloperId;
use wearbridge_store::{Backend, EventFilter};

use crate::connect::{Dev, Env};
use crate::harness::assert_valid;

const HOOK: &str = "http://127.0.0.1:9/hook";

fn today(env: &Env) -> NaiveDate {
    env.clock().now().date_naive()
}

pub(crate) fn days_back(env: &Env, days: u64) -> NaiveDate {
    today(env) - Days::new(days)
}

/// The `(start_date, end_date)` of every SANDBOX `daily` request the simulator received.
fn daily_fetches(env: &Env) -> Vec<(NaiveDate, NaiveDate)> {
    env.sim()
        .requests()
        .records(Some("sandbox"))
        .iter()
        .filter(|record| record.path.starts_with("/sandbox/api/v1/daily"))
        .map(|record| {
            let url = url::Url::parse(&format!("http://sim{}", record.path)).expect("path");
            let param = |name: &str| {
                url.query_pairs()
                    .find(|(key, _)| key == name)
                    .and_then(|(_, value)| value.parse::<NaiveDate>().ok())
                    .unwrap_or_else(|| panic!("{name} in {}", record.path))
            };
            (param("start_date"), param("end_date"))
        })
        .collect()
}

/// How often each day was fetched.
fn fetch_counts(fetches: &[(NaiveDate, NaiveDate)]) -> BTreeMap<NaiveDate, usize> {
    let mut counts = BTreeMap::new();
    for (first, last) in fetches {
        for day in first.iter_days().take_while(|day| day <= last) {
            *counts.entry(day).or_default() += 1;
        }
    }
    counts
}

pub(crate) async fn read(
    env: &Env,
    dev: &Dev,
    kind: &str,
    user: &str,
    range: (NaiveDate, NaiveDate),
) -> Value {
    let (start, end) = range;
    let path =
        format!("/v2/{kind}?user_id={user}&start_date={start}&end_date={end}&to_webhook=false");
    env.call(dev, Method::GET, &path, None, 200).await
}

/// The local days of a `daily` response's records.
fn record_days(body: &Value) -> Vec<NaiveDate> {
    body["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|record| {
            let start = record["metadata"]["start_time"]
                .as_str()
                .expect("start_time");
            start[..10].parse().expect("date")
        })
        .collect()
}

fn every_day(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    first.iter_days().take_while(|day| *day <= last).collect()
}

/// Outbox rows of `event_type` with their reference.
async fn events_with_reference(
    env: &Env,
    dev: &Dev,
    event_type: &str,
) -> Vec<(Value, Option<String>)> {
    let filter = EventFilter {
        event_type: Some(event_type.to_owned()),
        ..EventFilter::default()
    };
    let dev_id = DeveloperId::parse(&dev.id).expect("dev id");
    env.state()
        .store
        .list_events(&dev_id, filter)
        .await
        .expect("events")
        .into_iter()
        .map(|row| {
            (
                serde_json::from_str(&row.body).expect("json"),
                row.reference,
            )
        })
        .collect()
}

/// The records of `event_type` events tagged with `reference`.
async fn tagged_records(env: &Env, dev: &Dev, event_type: &str, reference: &str) -> Vec<Value> {
    events_with_reference(env, dev, event_type)
        .await
        .into_iter()
        .filter(|(_, tag)| tag.as_deref() == Some(reference))
        .flat_map(|(body, _)| body["data"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Makes the next SANDBOX data request meet `fault`.
fn inject(env: &Env, fault: FaultKind) {
    env.sim()
        .faults()
        .inject("sandbox", fault, FaultTarget::Api, 1)
        .expect("fault");
}

crate::connect_test!(
    a_read_fetches_its_gap_once,
    settings = SyncSettings::default(),
    |env| {
        let dev = env.developer("gap").await;
        let user = env.connect_provider(&dev, "SANDBOX", "gabe").await;
        // The connect backfill is queued but not run: nothing is stored yet.
        let range = (days_back(&env, 90), days_back(&env, 60));
        env.sim().requests().clear();

        let body = read(&env, &dev, "daily", &user, range).await;
        assert_valid("api/DataResponse.daily", &body);
        assert_eq!(
            record_days(&body),
            every_day(range.0, range.1),
            "one daily record per day"
        );
        let counts = fetch_counts(&daily_fetches(&env));
        assert_eq!(
            counts.keys().copied().collect::<Vec<_>>(),
            every_day(range.0, range.1),
            "exactly the gap was fetched"
        );
        assert!(counts.values().all(|count| *count == 1), "{counts:?}");

        // The same read again, and a read inside it: no provider call.
        let before = env.sim().requests().count("sandbox");
        let again = read(&env, &dev, "daily", &user, range).await;
        assert_eq!(again["data"], body["data"]);
        let inside = (days_back(&env, 80), days_back(&env, 70));
        assert_eq!(
            record_days(&read(&env, &dev, "daily", &user, inside).await).len(),
            11
        );
        assert_eq!(
            env.sim().requests().count("sandbox"),
            before,
            "no provider call"
        );

        // A wider read fetches only its new days.
        let wider = (days_back(&env, 95), days_back(&env, 60));
        let body = read(&env, &dev, "daily", &user, wider).await;
        assert_eq!(record_days(&body), every_day(wider.0, wider.1));
        let counts = fetch_counts(&daily_fetches(&env));
        assert_eq!(counts.len(), 36);
        assert!(counts.values().all(|count| *count == 1), "{counts:?}");

        // The connect backfill later skips nothing it needs and stores nothing twice.
        env.run_backfill().await;
        let body = read(&env, &dev, "daily", &user, wider).await;
        assert_eq!(record_days(&body), every_day(wider.0, wider.1));
    }
);

crate::connect_test!(
    concurrent_overlapping_reads_fetch_each_day_once,
    settings = SyncSettings::default(),
    |env| {
        let dev = env.developer("overlap").await;
        let user = env.connect_provider(&dev, "SANDBOX", "olive").await;
        env.sim().requests().clear();
        let a = (days_back(&env, 120), days_back(&env, 100));
        let b = (days_back(&env, 110), days_back(&env, 95));
        let c = (days_back(&env, 118), days_back(&env, 96));
        let (ra, rb, rc) = tokio::join!(
            read(&env, &dev, "daily", &user, a),
            read(&env, &dev, "daily", &user, b),
            read(&env, &dev, "daily", &user, c),
        );
        assert_eq!(record_days(&ra), every_day(a.0, a.1));
        assert_eq!(record_days(&rb), every_day(b.0, b.1));
        assert_eq!(record_days(&rc), every_day(c.0, c.1));
        let counts = fetch_counts(&daily_fetches(&env));
        assert_eq!(
            counts.keys().copied().collect::<Vec<_>>(),
            every_day(a.0, b.1)
        );
        assert!(
            counts.values().all(|count| *count == 1),
            "a day fetched twice: {counts:?}"
        );
    }
);

crate::connect_test!(
    to_webhook_right_after_connect_delivers_the_range,
    settings = SyncSettings::default(),
    |env| {
        let dev = env.developer_with_webhook("hooked", Some(HOOK)).await;
        let user = env.connect_provider(&dev, "SANDBOX", "wendy").await;
        let range = (days_back(&env, 75), days_back(&env, 70));
        let (start, end) = range;
        let ack = env
            .call(
                &dev,
                Method::GET,
                &format!("/v2/sleep?user_id={user}&start_date={start}&end_date={end}"),
                None,
                200,
            )
            .await;
        let reference = ack["reference"].as_str().expect("reference").to_owned();
        wearbridge_server::jobs::data_request::run_pending(&env.state().services(), "test")
            .await
            .expect("data request");
        let delivered = tagged_records(&env, &dev, "sleep", &reference).await;
        assert!(
            !delivered.is_empty(),
            "the data arrives tagged with {reference}"
        );
        let direct = read(&env, &dev, "sleep", &user, range).await;
        assert_eq!(
            Value::from(delivered),
            direct["data"],
            "the same records either way"
        );
    }
);

crate::connect_test!(
    a_provider_rate_limit_answers_and_delivers_later,
    settings = SyncSettings::default(),
    |env| {
        let dev = env.developer_with_webhook("limited", Some(HOOK)).await;
        let user = env.connect_provider(&dev, "SANDBOX", "lim").await;
        inject(&env, FaultKind::RateLimit { retry_after_s: 60 });
        let range = (days_back(&env, 50), days_back(&env, 48));
        let body = read(&env, &dev, "daily", &user, range).await;
        assert_eq!(body["type"], "rate_limit", "{body}");
        assert_eq!(body["user"]["user_id"], user.as_str());
        let reference = body["reference"].as_str().expect("reference").to_owned();
        let hits = events_with_reference(&env, &dev, "rate_limit_hit").await;
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].1.as_deref(), Some(reference.as_str()));
        assert_valid("sdk/RateLimitHitEvent", &hits[0].0);

        // After the provider's pause the queued request fetches and delivers the range.
        env.clock().advance(chrono::Duration::seconds(61));
        wearbridge_server::jobs::data_request::run_pending(&env.state().services(), "test")
            .await
            .expect("data request");
        let delivered = tagged_records(&env, &dev, "daily", &reference).await.len();
        assert_eq!(delivered, 3);
        let direct = read(&env, &dev, "daily", &user, range).await;
        assert_eq!(record_days(&direct), every_day(range.0, range.1));
    }
);

crate::connect_test!(
    a_provider_error_serves_the_stored_part,
    settings = SyncSettings::default(),
    |env| {
        let dev = env.developer("flaky").await;
        let user = env.connect_provider(&dev, "SANDBOX", "fay").await;
        let stored = (days_back(&env, 40), days_back(&env, 38));
        assert_eq!(
            record_days(&read(&env, &dev, "daily", &user, stored).await).len(),
            3
        );
        inject(&env, FaultKind::ServerError { status: 503 });
        let wider = (days_back(&env, 44), days_back(&env, 38));
        let body = read(&env, &dev, "daily", &user, wider).await;
        assert_valid("api/DataResponse.daily", &body);
        assert_eq!(
            record_days(&body),
            every_day(stored.0, stored.1),
            "the stored part"
        );
        // The next read (the provider is back) fills the rest; nothing is stored twice.
        let body = read(&env, &dev, "daily", &user, wider).await;
        assert_eq!(record_days(&body), every_day(wider.0, wider.1));
    }
);

crate::connect_test!(
    a_slow_provider_answers_processing_then_delivers,
    settings = {
        let mut settings = SyncSettings::default();
        settings.read_wait = Duration::from_millis(300);
        settings
    },
    |env| {
        let dev = env.developer_with_webhook("slow", Some(HOOK)).await;
        let user = env.connect_provider(&dev, "SANDBOX", "sal").await;
        inject(&env, FaultKind::Hang { seconds: 2 });
        let range = (days_back(&env, 30), days_back(&env, 29));
        let body = read(&env, &dev, "daily", &user, range).await;
        assert_eq!(body["type"], "processing", "{body}");
        assert!(body["retry_after_seconds"].as_i64().is_some_and(|s| s >= 1));
        let reference = body["reference"].as_str().expect("reference").to_owned();
        // The queued request waits for the running fill (one fetch per day) and delivers.
        wearbridge_server::jobs::data_request::run_pending(&env.state().services(), "test")
            .await
            .expect("data request");
        let delivered = tagged_records(&env, &dev, "daily", &reference).await.len();
        assert_eq!(delivered, 2);
        let counts = fetch_counts(&daily_fetches(&env));
        assert!(counts.values().all(|count| *count == 1), "{counts:?}");
    }
);

crate::connect_test!(
    a_revoked_grant_during_a_read_marks_the_user_inactive,
    settings = SyncSettings::default(),
    |env| {
        let dev = env.developer("revoked").await;
        let user = env.connect_provider(&dev, "SANDBOX", "rev").await;
        inject(&env, FaultKind::RevokeToken);
        let range = (days_back(&env, 20), days_back(&env, 18));
        let body = read(&env, &dev, "daily", &user, range).await;
        assert_valid("api/DataResponse.daily", &body);
        assert_eq!(env.events(&dev, "access_revoked").await.len(), 1);
        let info = env
            .call(
                &dev,
                Method::GET,
                &format!("/v2/userInfo?user_id={user}"),
                None,
                200,
            )
            .await;
        assert_eq!(info["user"]["active"], false);
        // No retry storm: a second read of an inactive user calls nobody.
        let before = env.sim().requests().count("sandbox");
        read(&env, &dev, "daily", &user, range).await;
        assert_eq!(env.sim().requests().count("sandbox"), before);
    }
);

crate::connect_test!(
    a_repull_fetches_a_covered_range_again,
    settings = SyncSettings::default(),
    |env| {
        let dev = env.developer("repull").await;
        let user = env.connect_provider(&dev, "SANDBOX", "ray").await;
        let range = (days_back(&env, 200), days_back(&env, 190));
        read(&env, &dev, "daily", &user, range).await;
        env.sim().requests().clear();
        let queued = env
            .call(
                &dev,
                Method::POST,
                &format!("/wearbridge/v1/users/{user}/backfill"),
                Some(serde_json::json!({
                    "start_date": range.0.to_string(),
                    "end_date": range.1.to_string(),
                    "types": ["daily"],
                })),
                202,
            )
            .await;
        assert_eq!(queued["status"], "queued", "{queued}");
        assert_eq!(queued["types"], serde_json::json!(["daily"]));
        env.run_backfill().await;
        // (The connect backfill of the last 30 days runs too; only the range matters here.)
        let counts = fetch_counts(&daily_fetches(&env));
        for day in every_day(range.0, range.1) {
            assert_eq!(
                counts.get(&day),
                Some(&1),
                "{day} fetched again once: {counts:?}"
            );
        }
        let status = env
            .call(
                &dev,
                Method::GET,
                &format!("/wearbridge/v1/users/{user}/sync"),
                None,
                200,
            )
            .await;
        let repulls: Vec<&Value> = status["backfills"]
            .as_array()
            .expect("backfills")
            .iter()
            .filter(|backfill| backfill["repull"] == true)
            .collect();
        assert_eq!(repulls.len(), 1, "{status}");
        assert_eq!(repulls[0]["completed"], true);

        // Bad input is a clear 400; another developer's user is a 404.
        for body in [
            serde_json::json!({"start_date": "2026-01-10", "end_date": "2026-01-01"}),
            serde_json::json!({"start_date": "2010-01-01", "end_date": "2026-01-01"}),
            serde_json::json!({"start_date": "2026-01-01", "end_date": "2026-01-02", "types": ["steps"]}),
            serde_json::json!({"start_date": "yesterday", "end_date": "2026-01-02"}),
        ] {
            env.call(
                &dev,
                Method::POST,
                &format!("/wearbridge/v1/users/{user}/backfill"),
                Some(body),
                400,
            )
            .await;
        }
        let other = env.developer("other").await;
        let body = serde_json::json!({"start_date": "2026-01-01", "end_date": "2026-01-02"});
        env.call(
            &other,
            Method::POST,
            &format!("/wearbridge/v1/users/{user}/backfill"),
            Some(body),
            404,
        )
        .await;
    }
);

// Two nodes (separate in-process locks, one database) filling the same gap at once:
// the store's fetch lease lets one fetch; the other finds the days covered.
crate::connect_test!(
    two_nodes_filling_one_gap_fetch_each_day_once,
    settings = SyncSettings::default(),
    |env| {
        use wearbridge_server::sync::coverage::DaySpan;
        use wearbridge_server::sync::fill::fill;

        let dev = env.developer("nodes").await;
        let user = env.connect_provider(&dev, "SANDBOX", "nora").await;
        let dev_id = DeveloperId::parse(&dev.id).expect("dev id");
        let user_id = wearbridge_store::ids::UserId::parse(&user).expect("user id");
        let user = env
            .state()
            .store
            .get_user(&dev_id, &user_id)
            .await
            .expect("read")
            .expect("user");
        let node_a = env.state().services();
        let mut node_b = env.state().services();
        node_b.fetch_locks = std::sync::Arc::default();
        env.sim().requests().clear();
        let wanted = DaySpan {
            first: days_back(&env, 60),
            last: days_back(&env, 40),
        };
        let daily = wearbridge_model::DataType::Daily;
        let (a, b) = tokio::join!(
            fill(&node_a, &user, daily, wanted, None),
            fill(&node_b, &user, daily, wanted, None),
        );
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
        let counts = fetch_counts(&daily_fetches(&env));
        assert_eq!(
            counts.keys().copied().collect::<Vec<_>>(),
            every_day(wanted.first, wanted.last)
        );
        assert!(
            counts.values().all(|count| *count == 1),
            "a day fetched twice: {counts:?}"
        );
    }
);
