//! The data-read cache (`read_cache.rs`): a repeated read is answered from memory, and
//! every change of what it returns — a record written or deleted, the user patched —
//! is visible to the very next read, on this node and (PostgreSQL) on another node.

use std::time::Duration;

use axum::http::Method;
use serde_json::{Value, json};
use wearbridge_server::ingest::{prepare_record, store_records};
use wearbridge_store::{Backend, Store};

use crate::fixtures::{self, day};
use crate::harness::{TestApp, backend_test};

/// On PostgreSQL the cache serves only while other nodes' changes are followed: start
/// the listener `serve` runs and wait until it listens.
async fn follow_changes(app: &TestApp) {
    if app.store.backend() != Backend::Postgres {
        return;
    }
    let store = app.store.clone();
    let listener = tokio::spawn(async move { store.follow_user_changes().await });
    // Waits for the event (listening), however loaded the machine; fails only when the
    // listener ended without ever listening.
    while !app.store.changes().shared_safely() {
        if listener.is_finished() {
            panic!("the change listener stopped: {:?}", listener.await);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn weights(body: &Value) -> Vec<f64> {
    body["data"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .filter_map(|r| r["measurements_data"]["measurements"][0]["weight_kg"].as_f64())
                .collect()
        })
        .unwrap_or_default()
}

backend_test!(a_cached_read_sees_every_change_at_once, |app| {
    follow_changes(&app).await;
    let dev = app.developer("cache").await;
    let user = app.user(&dev, Some("before")).await;
    let client = app.client(&dev);
    let read_path = format!(
        "/v2/body?user_id={user}&start_date=2024-01-01&end_date=2024-01-10&to_webhook=false"
    );
    let read = || async {
        client
            .get(&read_path, 200)
            .await
            .valid("api/DataResponse.body")
    };
    let post = |weight: f64, n: u64| {
        let body = json!({"data": [fixtures::body(day(n), weight)]});
        let path = format!("/v2/body?user_id={user}");
        let client = &client;
        async move { client.json(Method::POST, &path, &body, 201).await }
    };

    post(70.0, 1).await;
    let first = read().await;
    assert_eq!(weights(&first), vec![70.0]);
    let (hits, _) = app.state.read_cache.hits_and_misses();
    assert_eq!(read().await, first);
    let (hits_after, _) = app.state.read_cache.hits_and_misses();
    assert_eq!(
        hits_after,
        hits + 1,
        "the repeated read was not a cache hit"
    );

    // A new record: the next read has it.
    post(71.0, 2).await;
    assert_eq!(weights(&read().await), vec![70.0, 71.0]);
    // The same record with new content replaces it.
    post(72.5, 2).await;
    assert_eq!(weights(&read().await), vec![70.0, 72.5]);
    // The user patched: the next read carries the new reference id.
    client
        .json(
            Method::PATCH,
            &format!("/v2/users/{user}"),
            &json!({"reference_id": "after"}),
            200,
        )
        .await;
    assert_eq!(read().await["user"]["reference_id"], "after");
    // Another developer reads nothing of it, cached or not.
    let other = app.developer("other").await;
    app.client(&other).get(&read_path, 404).await;
});

/// Two nodes on one PostgreSQL database: a record stored by one reaches the other's
/// cached read as soon as the notification arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_nodes_write_reaches_this_nodes_cache() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    follow_changes(&app).await;
    let dev = app.developer("nodes").await;
    let user = app.user(&dev, None).await;
    let client = app.client(&dev);
    let read_path = format!(
        "/v2/body?user_id={user}&start_date=2024-01-01&end_date=2024-01-10&to_webhook=false"
    );
    assert!(weights(&client.get(&read_path, 200).await.json()).is_empty());
    assert!(weights(&client.get(&read_path, 200).await.json()).is_empty());

    let other_node = Store::connect(&app.state.config.database_url)
        .await
        .expect("second node connects");
    let record: wearbridge_model::Body =
        serde_json::from_value(fixtures::body(day(3), 80.0)).expect("fixture parses");
    let row = prepare_record(&record, 0).expect("identity");
    let dev_id = dev.dev_id.parse().expect("dev id");
    store_records(&other_node, &dev_id, &user, &[row])
        .await
        .expect("stored on the other node");

    for _ in 0..100 {
        if weights(&client.get(&read_path, 200).await.json()) == vec![80.0] {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the other node's record never reached this node's read");
}
