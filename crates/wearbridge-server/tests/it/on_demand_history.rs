//! On-demand reads from a provider whose history comes only by push after a request
//! (GARMIN declares `HistoryAccess::ByPushAfterRequest`): a read of old days asks
//! Garmin's backfill API for exactly the gap, answers Terra's `processing`, and pulls
//! nothing by upload window; the summaries Garmin then pushes are stored and served by
//! the next read without another provider call. Recent days are still pulled at once.

use chrono::{DateTime, Days, NaiveDate};
use wearbridge_server::clock::Clock;
use wearbridge_server::sync::SyncSettings;

use crate::flows::*;

/// Garmin's pushes carry no signature (the simulator's push takes no secret).
const NO_SECRET: &str = "";

fn days_back(env: &Env, days: u64) -> NaiveDate {
    env.clock().now().date_naive() - Days::new(days)
}

/// The `(first, last)` days of every Garmin request to `path_prefix` with the window
/// parameters `start_key`/`end_key` (epoch seconds, end exclusive).
fn garmin_windows(env: &Env, path_prefix: &str) -> Vec<(NaiveDate, NaiveDate)> {
    env.sim()
        .requests()
        .records(Some("garmin"))
        .iter()
        .filter(|record| record.path.starts_with(path_prefix))
        .map(|record| {
            let url = Url::parse(&format!("http://sim{}", record.path)).expect("path");
            let param = |name: &str| {
                url.query_pairs()
                    .find(|(key, _)| key == name)
                    .and_then(|(_, value)| value.parse::<i64>().ok())
                    .and_then(|secs| DateTime::from_timestamp(secs, 0))
                    .map(|at| at.date_naive())
                    .unwrap_or_else(|| panic!("{name} in {}", record.path))
            };
            let end = param("summaryEndTimeInSeconds");
            (param("summaryStartTimeInSeconds"), end - Days::new(1))
        })
        .collect()
}

fn sleep_pulls(env: &Env) -> usize {
    env.sim()
        .requests()
        .records(Some("garmin"))
        .iter()
        .filter(|record| record.path.starts_with("/garmin/wellness-api/rest/sleeps"))
        .count()
}

async fn read_sleep(env: &Env, dev: &Dev, user: &str, range: (NaiveDate, NaiveDate)) -> Value {
    let (start, end) = range;
    let path =
        format!("/v2/sleep?user_id={user}&start_date={start}&end_date={end}&to_webhook=false");
    env.call(dev, Method::GET, &path, None, 200).await
}

crate::connect_test!(
    garmin_history_is_requested_and_arrives_by_push,
    settings = SyncSettings::default(),
    |env| {
        let dev = env.developer("garmin-history").await;
        let account = "garmin-hana";
        let user = env.connect_provider(&dev, "GARMIN", account).await;
        env.drain_jobs().await;
        env.sim().requests().clear();

        // Ten nights two to three months back: asked of Garmin's backfill API, not pulled.
        let range = (days_back(&env, 90), days_back(&env, 81));
        let first = read_sleep(&env, &dev, &user, range).await;
        assert_eq!(first["type"], "processing", "{first}");
        assert!(first["retry_after_seconds"].as_u64().is_some_and(|s| s > 0));
        assert_eq!(
            garmin_windows(&env, "/garmin/wellness-api/rest/backfill/sleeps"),
            vec![range],
            "one backfill request for exactly the gap"
        );
        assert_eq!(sleep_pulls(&env), 0, "no upload-window pull of old days");

        // Asked once: the next read answers from the store without calling Garmin.
        let calls = env.sim().requests().count("garmin");
        let second = read_sleep(&env, &dev, &user, range).await;
        assert_valid("api/DataResponse.sleep", &second);
        assert_eq!(env.sim().requests().count("garmin"), calls);

        // Garmin delivers the backfill by push: every night arrives and is served.
        for day in range.0.iter_days().take_while(|day| *day <= range.1) {
            let status = env
                .send_push(SimProvider::Garmin, account, "sleep", day, NO_SECRET)
                .await;
            assert_eq!(status, 200, "push of {day}");
        }
        env.drain_jobs().await;
        let third = read_sleep(&env, &dev, &user, range).await;
        assert_valid("api/DataResponse.sleep", &third);
        let nights = third["data"].as_array().map_or(0, Vec::len);
        assert!(nights >= 8, "{nights} nights pushed in 10 days: {third}");
        assert_eq!(env.sim().requests().count("garmin"), calls);

        // Recent days are pulled at once, as from any provider: yesterday, once its
        // connect-time fetch is older than the freshness window.
        env.sim().requests().clear();
        let later = env.clock().now() + chrono::Duration::minutes(20);
        env.clock().set(later);
        let recent = (days_back(&env, 1), days_back(&env, 1));
        let pulled = read_sleep(&env, &dev, &user, recent).await;
        assert_valid("api/DataResponse.sleep", &pulled);
        assert!(sleep_pulls(&env) > 0, "recent nights pulled");
        assert!(
            garmin_windows(&env, "/garmin/wellness-api/rest/backfill/").is_empty(),
            "no backfill request for recent days"
        );
    }
);
