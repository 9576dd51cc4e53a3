//! Lease safety of delivery recording, on both backends.

use std::time::Duration;

use super::*;
use crate::testing::fresh_store;
use crate::types::{EventRow, NewEvent};
use crate::{Backend, NewDeveloper};

const SECOND: i64 = 1_000_000;

fn result(event: &EventRow, worker: &str, next: NextStep) -> DeliveryResult {
    DeliveryResult {
        event_id: event.id.clone(),
        developer_id: event.developer_id.clone(),
        worker_id: worker.to_owned(),
        attempt_number: event.attempt_count,
        started_at: event.next_attempt_at,
        latency_micros: 1_000,
        status_code: Some(200),
        error: None,
        next,
        disable_reason: None,
        disable_if_failing_since: 0,
    }
}

/// A worker whose lease expired cannot record over the worker that took the event
/// over; the takeover records normally, and only its attempt is stored.
async fn expired_lease_cannot_record(backend: Backend) -> Result<()> {
    let Some((store, _guard)) = fresh_store(backend).await? else {
        return Ok(());
    };
    let dev = store
        .create_developer(NewDeveloper {
            name: "d".into(),
            api_key_hash: "h".into(),
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            webhook_secret_enc: "s".into(),
        })
        .await?;
    store
        .append_event(&NewEvent {
            developer_id: dev.id.clone(),
            user_id: None,
            event_type: "healthcheck".into(),
            body: "{}".into(),
            reference: None,
            trace_id: None,
        })
        .await?;
    let now = crate::now_micros() + SECOND;
    let lease = Duration::from_secs(10);
    let first = store.claim_deliveries("a", 10, lease, now).await?;
    assert_eq!(first.len(), 1);
    // Leased: nobody else gets it.
    assert!(
        store
            .claim_deliveries("b", 10, lease, now)
            .await?
            .is_empty()
    );
    // After the lease, worker b takes it over.
    let later = now + 11 * SECOND;
    let second = store.claim_deliveries("b", 10, lease, later).await?;
    assert_eq!(second.len(), 1);
    let (Some(stale), Some(current)) = (first.first(), second.first()) else {
        return Err(StoreError::Corrupt("claims returned nothing".into()));
    };
    assert_eq!(current.attempt_count, 2, "every claim counts an attempt");
    let delivered = NextStep::Delivered { at: later };
    assert!(
        !store
            .record_delivery(&result(stale, "a", delivered.clone()))
            .await?
    );
    assert!(
        store
            .record_delivery(&result(current, "b", delivered))
            .await?
    );
    let attempts = store.list_delivery_attempts(&dev.id, &current.id).await?;
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        attempts.first().map(|a| a.outcome),
        Some(AttemptOutcome::Delivered)
    );
    let event = store.get_event(&dev.id, &current.id).await?;
    assert_eq!(event.map(|e| e.state), Some(EventState::Delivered));
    Ok(())
}

#[tokio::test]
async fn expired_lease_cannot_record_sqlite() -> Result<()> {
    expired_lease_cannot_record(Backend::Sqlite).await
}

#[tokio::test]
async fn expired_lease_cannot_record_postgres() -> Result<()> {
    expired_lease_cannot_record(Backend::Postgres).await
}
