//! Terra's rate limit r2 in the store: day units per user and rolling hour, counted once
//! whatever the number of concurrent callers or nodes, and never for a user the
//! developer cannot see.

mod common;

use common::{TestResult, developer, missing_user, user};
use wearbridge_store::rate_limits::{DayUnitCharge, DayUnitDecision};
use wearbridge_store::{Backend, Store, testing};

/// 2026-01-01T00:00:00Z.
const NOW: i64 = 1_767_225_600_000_000;

fn charge(cost: i64) -> DayUnitCharge {
    DayUnitCharge {
        cost,
        limit: 100,
        now_micros: NOW,
    }
}

/// 20 concurrent requests of 10 units against a limit of 100: exactly 10 pass.
async fn concurrent_requests_never_overspend(store: Store) -> TestResult {
    let dev = developer(&store, "acme").await?;
    let alice = user(&store, &dev.id, "alice").await?;
    let calls = (0..20).map(|_| {
        let (store, dev, alice) = (store.clone(), dev.id.clone(), alice.id.clone());
        tokio::spawn(async move { store.charge_day_units(&dev, &alice, charge(10)).await })
    });
    let mut accepted = 0;
    let mut remaining = Vec::new();
    for call in calls {
        match call.await.expect("task")? {
            DayUnitDecision::Accepted {
                remaining: left, ..
            } => {
                accepted += 1;
                remaining.push(left);
            }
            DayUnitDecision::Refused { retry_after_secs } => {
                // Everything was spent in this minute: it leaves an hour after it ends.
                assert_eq!(retry_after_secs, 3_660);
            }
            DayUnitDecision::UnknownUser => panic!("alice exists"),
        }
    }
    assert_eq!(accepted, 10);
    remaining.sort_unstable();
    assert_eq!(remaining, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    Ok(())
}

/// Two stores (two pools, as two nodes have) on one database share one count.
async fn two_handles_share_the_count(backend: Backend) -> TestResult {
    let Some((url, _guard)) = testing::fresh_database_url(backend).await? else {
        return Ok(());
    };
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    let other_node = Store::connect(&url).await?;
    let dev = developer(&store, "acme").await?;
    let alice = user(&store, &dev.id, "alice").await?;
    assert!(matches!(
        store
            .charge_day_units(&dev.id, &alice.id, charge(60))
            .await?,
        DayUnitDecision::Accepted { remaining: 40, .. }
    ));
    assert!(matches!(
        other_node
            .charge_day_units(&dev.id, &alice.id, charge(60))
            .await?,
        DayUnitDecision::Refused { .. }
    ));
    assert!(matches!(
        other_node
            .charge_day_units(&dev.id, &alice.id, charge(40))
            .await?,
        DayUnitDecision::Accepted { remaining: 0, .. }
    ));
    other_node.close().await;
    store.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_handles_share_the_count_sqlite() -> TestResult {
    two_handles_share_the_count(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_handles_share_the_count_postgres() -> TestResult {
    two_handles_share_the_count(Backend::Postgres).await
}

/// Unknown, foreign and deauthenticated users are not counted (and get no row).
async fn invisible_users_are_not_counted(store: Store) -> TestResult {
    let acme = developer(&store, "acme").await?;
    let globex = developer(&store, "globex").await?;
    let alice = user(&store, &acme.id, "alice").await?;
    let bob = user(&store, &acme.id, "bob").await?;
    assert_eq!(
        store
            .charge_day_units(&acme.id, &missing_user(), charge(1))
            .await?,
        DayUnitDecision::UnknownUser
    );
    assert_eq!(
        store
            .charge_day_units(&globex.id, &alice.id, charge(1))
            .await?,
        DayUnitDecision::UnknownUser
    );
    store.charge_day_units(&acme.id, &bob.id, charge(1)).await?;
    store.mark_deauthenticated(&acme.id, &bob.id).await?;
    assert_eq!(
        store.charge_day_units(&acme.id, &bob.id, charge(1)).await?,
        DayUnitDecision::UnknownUser
    );
    // Alice's budget is her own: another user's spending does not touch it.
    assert!(matches!(
        store
            .charge_day_units(&acme.id, &alice.id, charge(100))
            .await?,
        DayUnitDecision::Accepted { remaining: 0, .. }
    ));
    Ok(())
}

on_both_backends!(
    concurrent_requests_never_overspend,
    invisible_users_are_not_counted,
);
