//! Outbox batch appends and delivery claims on both backends.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{TestResult, developer, user};
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{EventFilter, EventState, NewEvent, Store, StoreError, now_micros};

on_both_backends!(
    batch_append_keeps_order_and_content,
    claims_lease_events_and_skip_leased_ones,
    delivered_and_failed_need_the_lease_holder,
    concurrent_delivery_workers_never_share_an_event,
);

const LEASE: Duration = Duration::from_secs(60);
const LEASE_MICROS: i64 = 60_000_000;

fn event(dev: &DeveloperId, user: &UserId, n: usize) -> NewEvent {
    NewEvent {
        developer_id: dev.clone(),
        user_id: Some(user.clone()),
        event_type: "activity".to_owned(),
        body: format!(r#"{{"n":{n},"text":"quote \" and unicode é"}}"#),
        reference: n.is_multiple_of(2).then(|| format!("ref-{n}")),
    }
}

async fn seeded(store: &Store, count: usize) -> Result<(DeveloperId, Vec<NewEvent>), StoreError> {
    let dev = developer(store, "dev").await?;
    let user = user(store, &dev.id, "r").await?;
    let events = (0..count).map(|n| event(&dev.id, &user.id, n)).collect();
    Ok((dev.id, events))
}

async fn batch_append_keeps_order_and_content(store: Store) -> TestResult {
    // 70 = two full multi-row chunks and a remainder of single-row inserts.
    let (dev, events) = seeded(&store, 70).await?;
    let mut tx = store.begin().await?;
    let ids = tx.append_events(&events).await?;
    tx.commit().await?;
    assert_eq!(ids.len(), 70);
    let stored = store.list_events(&dev, EventFilter::default()).await?;
    assert_eq!(stored.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids);
    for (row, new) in stored.iter().zip(&events) {
        assert_eq!((&row.body, &row.reference), (&new.body, &new.reference));
        assert_eq!((row.state, row.attempt_count), (EventState::Pending, 0));
    }
    let mut empty = store.begin().await?;
    assert!(empty.append_events(&[]).await?.is_empty());
    Ok(())
}

async fn claims_lease_events_and_skip_leased_ones(store: Store) -> TestResult {
    let (dev, events) = seeded(&store, 5).await?;
    let mut ids = Vec::new();
    for new in &events {
        ids.push(store.append_event(new).await?);
    }
    let now = now_micros();
    let first = store.claim_events("w1", 3, LEASE, now).await?;
    assert_eq!(
        first.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        ids[..3].to_vec()
    );
    assert!(
        first
            .iter()
            .all(|e| e.attempt_count == 1 && e.locked_by.as_deref() == Some("w1"))
    );
    let rest = store.claim_events("w2", 10, LEASE, now).await?;
    assert_eq!(
        rest.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        ids[3..].to_vec()
    );
    assert!(store.claim_events("w3", 10, LEASE, now).await?.is_empty());
    // After the lease, a crashed worker's events come back.
    let reclaimed = store
        .claim_events("w3", 10, LEASE, now + LEASE_MICROS + 1)
        .await?;
    assert_eq!(reclaimed.len(), 5);
    assert!(reclaimed.iter().all(|e| e.attempt_count == 2));
    assert_eq!(
        store.list_events(&dev, EventFilter::default()).await?.len(),
        5
    );
    Ok(())
}

async fn delivered_and_failed_need_the_lease_holder(store: Store) -> TestResult {
    let (dev, events) = seeded(&store, 3).await?;
    let mut tx = store.begin().await?;
    let ids = tx.append_events(&events).await?;
    tx.commit().await?;
    let now = now_micros();
    store.claim_events("w", 10, LEASE, now).await?;
    let [delivered, retried, dead] = [&ids[0], &ids[1], &ids[2]];
    assert!(
        !store
            .mark_event_delivered(delivered, "intruder", now)
            .await?
    );
    assert!(store.mark_event_delivered(delivered, "w", now + 5).await?);
    assert!(!store.mark_event_delivered(delivered, "w", now + 6).await?);
    assert!(
        store
            .mark_event_failed(retried, "w", "HTTP 500", Some(now + 1_000_000))
            .await?
    );
    assert!(store.mark_event_failed(dead, "w", "HTTP 410", None).await?);

    let by_id = |id: &wearbridge_store::ids::EventId, rows: &[wearbridge_store::EventRow]| {
        rows.iter()
            .find(|e| &e.id == id)
            .cloned()
            .ok_or(StoreError::NotFound)
    };
    let rows = store.list_events(&dev, EventFilter::default()).await?;
    let done = by_id(delivered, &rows)?;
    assert_eq!(
        (done.state, done.delivered_at, done.locked_by),
        (EventState::Delivered, Some(now + 5), None)
    );
    let again = by_id(retried, &rows)?;
    assert_eq!(
        (again.state, again.next_attempt_at),
        (EventState::Pending, now + 1_000_000)
    );
    assert_eq!(again.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(by_id(dead, &rows)?.state, EventState::Failed);
    // The retry is not due before its time, then it is.
    assert!(
        store
            .claim_events("w", 10, LEASE, now + 999_999)
            .await?
            .is_empty()
    );
    let due = store.claim_events("w", 10, LEASE, now + 1_000_000).await?;
    assert_eq!(due.iter().map(|e| &e.id).collect::<Vec<_>>(), vec![retried]);
    Ok(())
}

async fn concurrent_delivery_workers_never_share_an_event(store: Store) -> TestResult {
    let (_, events) = seeded(&store, 100).await?;
    let mut tx = store.begin().await?;
    let expected: HashSet<_> = tx.append_events(&events).await?.into_iter().collect();
    tx.commit().await?;
    let now = now_micros();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let store = store.clone();
        workers.spawn(async move {
            let name = format!("worker-{worker}");
            let mut seen = Vec::new();
            loop {
                let batch = store.claim_events(&name, 7, LEASE, now).await?;
                if batch.is_empty() {
                    return Ok::<_, StoreError>(seen);
                }
                seen.extend(batch.into_iter().map(|e| e.id));
            }
        });
    }
    let mut seen = Vec::new();
    while let Some(joined) = workers.join_next().await {
        seen.extend(joined.map_err(|e| StoreError::Conflict(format!("worker panicked: {e}")))??);
    }
    assert_eq!(seen.len(), 100, "an event was claimed twice or not at all");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
    Ok(())
}
