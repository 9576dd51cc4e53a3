//! On-demand reads through every provider's simulator (issue 13 point 6, issue 15): a
//! first read of a range nothing has fetched comes from the provider, the repeated read
//! from the store alone. GARMIN, whose history comes by push, is in
//! `on_demand_history.rs`.

use wearbridge_server::sync::SyncSettings;
use wearbridge_store::Backend;

use crate::connect::Env;
use crate::harness::assert_valid;
use crate::on_demand::{days_back, read};

/// A provider read: which type, and how many records ten days of it hold at least.
struct ProviderRead {
    provider: &'static str,
    sim_name: &'static str,
    kind: &'static str,
    at_least: usize,
}

/// Every provider answers a first read of an unfetched range from its simulator, and a
/// second read of it from the store alone.
async fn provider_fills_a_read(env: &Env, read_of: &ProviderRead, account: &str) {
    let ProviderRead {
        provider,
        sim_name,
        kind,
        at_least,
    } = *read_of;
    let dev = env.developer(&format!("{sim_name}-reads")).await;
    let user = env.connect_provider(&dev, provider, account).await;
    let range = (days_back(env, 20), days_back(env, 11));
    let before = env.sim().requests().count(sim_name);
    let first = read(env, &dev, kind, &user, range).await;
    assert_valid(&format!("api/DataResponse.{kind}"), &first);
    let records = first["data"].as_array().map_or(0, Vec::len);
    assert!(
        records >= at_least,
        "{provider}: {records} {kind} records in 10 days: {first}"
    );
    let fetched = env.sim().requests().count(sim_name) - before;
    assert!(fetched > 0, "{provider}: the range came from the provider");
    let second = read(env, &dev, kind, &user, range).await;
    assert_eq!(second["data"], first["data"], "{provider}");
    assert_eq!(
        env.sim().requests().count(sim_name) - before,
        fetched,
        "{provider}: the second read made no provider call"
    );
}

/// A simulated account whose person has a workout in the read's ten days (which days
/// hold workouts follows the calendar, so it is searched, not assumed).
fn account_with_workouts(env: &Env, prefix: &str) -> String {
    let (first, last) = (days_back(env, 20), days_back(env, 11));
    (0..200)
        .map(|n| format!("{prefix}-{n}"))
        .find(|account| {
            let person = env.sim().person(account);
            first
                .iter_days()
                .take_while(|day| *day <= last)
                .any(|day| !person.day(day).workouts.is_empty())
        })
        .expect("some simulated person works out")
}

const fn provider_read(
    provider: &'static str,
    sim_name: &'static str,
    kind: &'static str,
    at_least: usize,
) -> ProviderRead {
    ProviderRead {
        provider,
        sim_name,
        kind,
        at_least,
    }
}

/// Rate budgets off: Strava's 100 requests per 15 minutes allow a burst of ten, and a
/// read of ten days of workouts asks for each one (the budgets have their own tests).
fn unbudgeted() -> SyncSettings {
    let mut settings = SyncSettings::default();
    settings.budgets.clear();
    settings
}

crate::connect_test!(
    every_provider_fills_reads_from_its_simulator,
    settings = unbudgeted(),
    |env| {
        // GARMIN serves old days only by push after a request: `on_demand_history.rs`.
        let nightly = [
            provider_read("OURA", "oura", "sleep", 8),
            provider_read("POLAR", "polar", "sleep", 8),
            provider_read("WHOOP", "whoop", "sleep", 8),
            provider_read("WITHINGS", "withings", "sleep", 8),
            provider_read("SUUNTO", "suunto", "sleep", 8),
            provider_read("GOOGLE_HEALTH", "google_health", "sleep", 8),
            provider_read("DEXCOM", "dexcom", "body", 8),
        ];
        for read_of in &nightly {
            let account = format!("{}-ann", read_of.sim_name);
            provider_fills_a_read(&env, read_of, &account).await;
        }
        // Workout-only providers: at least the one workout the person did.
        for read_of in [
            provider_read("STRAVA", "strava", "activity", 1),
            provider_read("WAHOO", "wahoo", "activity", 1),
        ] {
            let account = account_with_workouts(&env, read_of.sim_name);
            provider_fills_a_read(&env, &read_of, &account).await;
        }
    }
);
