//! Outbox batch appends on both backends (claims are tested with `delivery`).

mod common;

use common::{TestResult, developer, user};
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{EventFilter, EventState, NewEvent, Store, StoreError};

on_both_backends!(batch_append_keeps_order_and_content);

fn event(dev: &DeveloperId, user: &UserId, n: usize) -> NewEvent {
    NewEvent {
        developer_id: dev.clone(),
        user_id: Some(user.clone()),
        event_type: "activity".to_owned(),
        body: format!(r#"{{"n":{n},"text":"quote \" and unicode é"}}"#),
        reference: n.is_multiple_of(2).then(|| format!("ref-{n}")),
        trace_id: None,
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
