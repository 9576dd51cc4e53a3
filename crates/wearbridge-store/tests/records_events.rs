//! Records and the outbox on both backends.

mod common;

use common::{DAY, JAN_1, TestResult, daily, developer, missing_user, user};
use wearbridge_model::DataType;
use wearbridge_store::{
    EventFilter, EventState, NewEvent, RecordQuery, Store, StoreError, UpsertOutcome,
};

on_both_backends!(
    upsert_reports_inserted_unchanged_updated,
    upsert_requires_a_visible_user,
    range_is_start_inclusive_end_exclusive_ordered_by_start,
    samples_are_served_only_when_asked,
    records_are_scoped_to_their_developer,
    delete_reports_each_identity,
    change_and_event_commit_together,
    dropped_transaction_rolls_back_change_and_event,
    list_events_filters_and_orders,
    concurrent_writers_all_succeed,
);

const ALL_TIME: RecordQuery = RecordQuery {
    local_days: None,
    start_ts: 0,
    end_ts: i64::MAX,
    with_samples: true,
};

async fn upsert_reports_inserted_unchanged_updated(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "r").await?;
    assert_eq!(
        store
            .upsert_record(&dev.id, &user.id, &daily(0, "a"))
            .await?,
        UpsertOutcome::Inserted
    );
    assert_eq!(
        store
            .upsert_record(&dev.id, &user.id, &daily(0, "a"))
            .await?,
        UpsertOutcome::Unchanged
    );
    assert_eq!(
        store
            .upsert_record(&dev.id, &user.id, &daily(0, "b"))
            .await?,
        UpsertOutcome::Updated
    );
    assert_eq!(
        store
            .upsert_record(&dev.id, &user.id, &daily(0, "b"))
            .await?,
        UpsertOutcome::Unchanged
    );
    assert_eq!(
        store
            .count_records(&dev.id, &user.id, DataType::Daily)
            .await?,
        1
    );
    let stored = store
        .query_records(&dev.id, &user.id, DataType::Daily, ALL_TIME)
        .await?;
    assert_eq!(stored, vec![daily(0, "b").payload]);
    let refreshed = store
        .get_user(&dev.id, &user.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert_eq!(refreshed.most_recent_data_at, Some(JAN_1));
    Ok(())
}

async fn upsert_requires_a_visible_user(store: Store) -> TestResult {
    let alice = developer(&store, "alice").await?;
    let bob = developer(&store, "bob").await?;
    let user = user(&store, &alice.id, "r").await?;
    let foreign = store.upsert_record(&bob.id, &user.id, &daily(0, "x")).await;
    assert!(matches!(foreign, Err(StoreError::NotFound)), "{foreign:?}");
    let missing = store
        .upsert_record(&alice.id, &missing_user(), &daily(0, "x"))
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    store
        .upsert_record(&alice.id, &user.id, &daily(1, "kept"))
        .await?;
    let foreign_change = store
        .upsert_record(&bob.id, &user.id, &daily(1, "stolen"))
        .await;
    assert!(
        matches!(foreign_change, Err(StoreError::NotFound)),
        "{foreign_change:?}"
    );
    store.mark_deauthenticated(&alice.id, &user.id).await?;
    let gone = store
        .upsert_record(&alice.id, &user.id, &daily(0, "x"))
        .await;
    assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
    let changed = store
        .upsert_record(&alice.id, &user.id, &daily(1, "changed"))
        .await;
    assert!(matches!(changed, Err(StoreError::NotFound)), "{changed:?}");
    let same = store
        .upsert_record(&alice.id, &user.id, &daily(1, "kept"))
        .await;
    assert!(matches!(same, Err(StoreError::NotFound)), "{same:?}");
    let stored = store
        .query_records(&alice.id, &user.id, DataType::Daily, ALL_TIME)
        .await?;
    assert_eq!(stored, vec![daily(1, "kept").payload]);
    Ok(())
}

async fn range_is_start_inclusive_end_exclusive_ordered_by_start(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "r").await?;
    for day in [4, 0, 2, 1, 3] {
        store
            .upsert_record(&dev.id, &user.id, &daily(day, "v"))
            .await?;
    }
    let query = RecordQuery {
        local_days: None,
        start_ts: JAN_1 + DAY,
        end_ts: JAN_1 + 4 * DAY,
        with_samples: true,
    };
    let got = store
        .query_records(&dev.id, &user.id, DataType::Daily, query)
        .await?;
    let want: Vec<_> = [1, 2, 3].map(|day| daily(day, "v").payload).into();
    assert_eq!(got, want);
    let other_type = store
        .query_records(&dev.id, &user.id, DataType::Sleep, ALL_TIME)
        .await?;
    assert!(other_type.is_empty());
    Ok(())
}

async fn samples_are_served_only_when_asked(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "r").await?;
    store
        .upsert_record(&dev.id, &user.id, &daily(0, "v"))
        .await?;
    let without = RecordQuery {
        local_days: None,
        with_samples: false,
        ..ALL_TIME
    };
    assert_eq!(
        store
            .query_records(&dev.id, &user.id, DataType::Daily, without)
            .await?,
        vec![daily(0, "v").payload_no_samples]
    );
    assert_eq!(
        store
            .query_records(&dev.id, &user.id, DataType::Daily, ALL_TIME)
            .await?,
        vec![daily(0, "v").payload]
    );
    Ok(())
}

async fn records_are_scoped_to_their_developer(store: Store) -> TestResult {
    let alice = developer(&store, "alice").await?;
    let bob = developer(&store, "bob").await?;
    let user = user(&store, &alice.id, "r").await?;
    store
        .upsert_record(&alice.id, &user.id, &daily(0, "v"))
        .await?;
    assert!(
        store
            .query_records(&bob.id, &user.id, DataType::Daily, ALL_TIME)
            .await?
            .is_empty()
    );
    assert_eq!(
        store
            .count_records(&bob.id, &user.id, DataType::Daily)
            .await?,
        0
    );
    let deleted = store
        .delete_records(&bob.id, &user.id, DataType::Daily, &["daily-0".to_owned()])
        .await?;
    assert_eq!(deleted, vec![("daily-0".to_owned(), false)]);
    assert_eq!(
        store
            .count_records(&alice.id, &user.id, DataType::Daily)
            .await?,
        1
    );
    Ok(())
}

async fn delete_reports_each_identity(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "r").await?;
    for day in 0..3 {
        store
            .upsert_record(&dev.id, &user.id, &daily(day, "v"))
            .await?;
    }
    let asked = [
        "daily-2".to_owned(),
        "nope".to_owned(),
        "daily-0".to_owned(),
    ];
    let result = store
        .delete_records(&dev.id, &user.id, DataType::Daily, &asked)
        .await?;
    assert_eq!(
        result,
        vec![
            ("daily-2".to_owned(), true),
            ("nope".to_owned(), false),
            ("daily-0".to_owned(), true)
        ]
    );
    let left = store
        .query_records(&dev.id, &user.id, DataType::Daily, ALL_TIME)
        .await?;
    assert_eq!(left, vec![daily(1, "v").payload]);
    assert!(
        store
            .delete_records(&dev.id, &user.id, DataType::Daily, &[])
            .await?
            .is_empty()
    );
    Ok(())
}

fn event_for(dev: &common_ids::DeveloperId, user: &common_ids::UserId, body: &str) -> NewEvent {
    NewEvent {
        developer_id: dev.clone(),
        user_id: Some(user.clone()),
        event_type: "daily".to_owned(),
        body: body.to_owned(),
        reference: Some("ref-header".to_owned()),
        trace_id: None,
    }
}

mod common_ids {
    pub use wearbridge_store::ids::{DeveloperId, UserId};
}

async fn change_and_event_commit_together(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "r").await?;
    let mut tx = store.begin().await?;
    let outcome = tx.upsert_record(&dev.id, &user.id, &daily(0, "v")).await?;
    let event_id = tx
        .append_event(&event_for(&dev.id, &user.id, r#"{"type":"daily"}"#))
        .await?;
    tx.commit().await?;
    assert_eq!(outcome, UpsertOutcome::Inserted);
    let events = store.list_events(&dev.id, EventFilter::default()).await?;
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.id, event_id);
    assert_eq!(event.body, r#"{"type":"daily"}"#);
    assert_eq!(event.reference.as_deref(), Some("ref-header"));
    assert_eq!(event.state, EventState::Pending);
    assert_eq!(event.attempt_count, 0);
    assert_eq!(event.next_attempt_at, event.created_at);
    assert_eq!((event.locked_by.as_ref(), event.delivered_at), (None, None));
    assert_eq!(
        store
            .count_records(&dev.id, &user.id, DataType::Daily)
            .await?,
        1
    );
    Ok(())
}

async fn dropped_transaction_rolls_back_change_and_event(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "r").await?;
    {
        let mut tx = store.begin().await?;
        tx.upsert_record(&dev.id, &user.id, &daily(0, "v")).await?;
        tx.append_event(&event_for(&dev.id, &user.id, "{}")).await?;
    }
    let mut tx = store.begin().await?;
    tx.upsert_record(&dev.id, &user.id, &daily(1, "v")).await?;
    tx.rollback().await?;
    assert_eq!(
        store
            .count_records(&dev.id, &user.id, DataType::Daily)
            .await?,
        0
    );
    assert!(
        store
            .list_events(&dev.id, EventFilter::default())
            .await?
            .is_empty()
    );
    Ok(())
}

async fn list_events_filters_and_orders(store: Store) -> TestResult {
    let alice = developer(&store, "alice").await?;
    let bob = developer(&store, "bob").await?;
    let u1 = user(&store, &alice.id, "1").await?;
    let u2 = user(&store, &alice.id, "2").await?;
    let mut ids = Vec::new();
    for (user, event_type) in [(&u1, "daily"), (&u2, "daily"), (&u1, "sleep")] {
        let mut event = event_for(&alice.id, &user.id, "{}");
        event.event_type = event_type.to_owned();
        ids.push(store.append_event(&event).await?);
    }
    let all: Vec<_> = store
        .list_events(&alice.id, EventFilter::default())
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(all, ids);
    let by_user = EventFilter {
        user_id: Some(u1.id.clone()),
        ..EventFilter::default()
    };
    assert_eq!(store.list_events(&alice.id, by_user).await?.len(), 2);
    let by_type = EventFilter {
        event_type: Some("sleep".to_owned()),
        ..EventFilter::default()
    };
    assert_eq!(store.list_events(&alice.id, by_type).await?.len(), 1);
    let delivered = EventFilter {
        state: Some(EventState::Delivered),
        ..EventFilter::default()
    };
    assert!(store.list_events(&alice.id, delivered).await?.is_empty());
    let limited = EventFilter {
        limit: Some(2),
        ..EventFilter::default()
    };
    assert_eq!(store.list_events(&alice.id, limited).await?.len(), 2);
    assert!(
        store
            .list_events(&bob.id, EventFilter::default())
            .await?
            .is_empty()
    );
    Ok(())
}

/// Many tasks writing at once: SQLite must serialise them without `SQLITE_BUSY`, and
/// PostgreSQL must not lose any.
async fn concurrent_writers_all_succeed(store: Store) -> TestResult {
    let dev = developer(&store, "dev").await?;
    let user = user(&store, &dev.id, "r").await?;
    let mut tasks = tokio::task::JoinSet::new();
    for day in 0..40 {
        let (store, dev, user) = (store.clone(), dev.id.clone(), user.id.clone());
        tasks.spawn(async move {
            let mut tx = store.begin().await?;
            tx.upsert_record(&dev, &user, &daily(day, "v")).await?;
            tx.append_event(&event_for(&dev, &user, "{}")).await?;
            tx.commit().await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| StoreError::Conflict(format!("task panicked: {e}")))??;
    }
    assert_eq!(
        store
            .count_records(&dev.id, &user.id, DataType::Daily)
            .await?,
        40
    );
    assert_eq!(
        store
            .list_events(&dev.id, EventFilter::default())
            .await?
            .len(),
        40
    );
    Ok(())
}
