//! Apple Health imports: the API upload and its durable job, idempotent re-imports, bad
//! files storing nothing, developer scoping. Expected numbers come from the simulator's
//! person the export was rendered from, never from constants.

use std::sync::Arc;

use axum::http::Method;
use chrono::{Days, NaiveDate};
use serde_json::Value;
use wearbridge_server::imports::apple_health::{ProgressFn, import_file};
use wearbridge_sim::Person;
use wearbridge_sim::apple_health::{ExportOptions, write_export};
use wearbridge_store::EventFilter;

use crate::harness::{Client, TestApp, backend_test};

const SEED: &str = "apple-it";

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or(NaiveDate::MIN)
}

fn export(days: u32) -> Vec<u8> {
    let options = ExportOptions {
        seed: SEED.to_owned(),
        start: first_day(),
        days,
    };
    let mut bytes = Vec::new();
    write_export(&options, &mut bytes).expect("export renders");
    bytes
}

/// Polls the import's state until it ends (the `imports` lane runs it).
async fn finished(client: &Client<'_>, import_id: &str) -> Value {
    for _ in 0..3000 {
        let status = client
            .get(&format!("/wearbridge/v1/imports/{import_id}"), 200)
            .await
            .json();
        if status["state"] == "succeeded" || status["state"] == "failed" {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("import {import_id} did not finish");
}

async fn upload(client: &Client<'_>, query: &str, body: Vec<u8>) -> Value {
    let path = format!("/wearbridge/v1/imports/apple-health{query}");
    let accepted = client
        .raw(Method::POST, &path, "application/octet-stream", body, 202)
        .await
        .json();
    assert_eq!(accepted["state"], "queued");
    let id = accepted["import_id"]
        .as_str()
        .expect("an import id")
        .to_owned();
    finished(client, &id).await
}

async fn event_count(app: &TestApp, dev_id: &str) -> usize {
    let developer = wearbridge_store::ids::DeveloperId::parse(dev_id).expect("dev id");
    let filter = EventFilter {
        limit: Some(10_000),
        ..EventFilter::default()
    };
    app.store
        .list_events(&developer, filter)
        .await
        .expect("events")
        .len()
}

backend_test!(an_uploaded_export_becomes_the_persons_days_once, |app| {
    let developer = app.developer("importer").await;
    let client = app.client(&developer);
    let done = upload(&client, "?reference_id=jo", export(2)).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["result"]["records"]["daily"], 2);
    let user_id = done["user_id"].as_str().expect("user id").to_owned();
    let person = Person::new(SEED);
    let path = format!(
        "/v2/daily?user_id={user_id}&start_date={}&end_date={}&to_webhook=false",
        first_day(),
        first_day()
            .checked_add_days(Days::new(1))
            .unwrap_or(first_day())
    );
    let daily = client.get(&path, 200).await.json();
    let days = daily["data"].as_array().expect("data");
    assert_eq!(days.len(), 2);
    for day in days {
        let date = day["metadata"]["start_time"].as_str().unwrap_or_default();
        let date: NaiveDate = date.get(..10).unwrap_or_default().parse().expect("date");
        let steps = day["distance_data"]["steps"].as_i64();
        assert_eq!(
            steps,
            Some(i64::from(person.day(date).total_steps())),
            "{date}"
        );
    }
    let events = event_count(&app, &developer.dev_id).await;
    assert!(events > 0);
    // The same file again: accepted, nothing new stored, no new events.
    let again = upload(&client, "?reference_id=jo", export(2)).await;
    assert_eq!(again["user_id"], done["user_id"]);
    assert_eq!(again["result"]["inserted"], 0, "{again}");
    assert_eq!(again["result"]["updated"], 0, "{again}");
    assert_eq!(again["result"]["events"], 0, "{again}");
    assert_eq!(event_count(&app, &developer.dev_id).await, events);
    // Another developer sees neither the import nor the user.
    let other = app.developer("other").await;
    let other_client = app.client(&other);
    let import_id = again["import_id"].as_str().unwrap_or_default();
    other_client
        .get(&format!("/wearbridge/v1/imports/{import_id}"), 404)
        .await;
    other_client
        .raw(
            Method::POST,
            &format!("/wearbridge/v1/imports/apple-health?user_id={user_id}"),
            "application/octet-stream",
            export(1),
            404,
        )
        .await;
});

backend_test!(a_newer_export_adds_only_the_new_days, |app| {
    let developer = app.developer("importer").await;
    let user = app.user(&developer, None).await;
    let user = app
        .store
        .get_user(
            &wearbridge_store::ids::DeveloperId::parse(&developer.dev_id).expect("dev"),
            &user,
        )
        .await
        .expect("store")
        .expect("user");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = |name: &str, days: u32| {
        let path = dir.path().join(name);
        std::fs::write(&path, export(days)).expect("write export");
        path
    };
    let quiet: ProgressFn = Arc::new(|_| {});
    let first = import_file(&app.store, &user, path("two.xml", 2), quiet.clone())
        .await
        .expect("first import");
    assert!(first.inserted > 0);
    let newer = import_file(&app.store, &user, path("three.xml", 3), quiet)
        .await
        .expect("newer import");
    // Every record of the shorter export comes back (the second day may gain the HRV
    // of the night that ends on the new third day), the third day's are new.
    assert!(newer.inserted > 0, "{newer:?}");
    assert_eq!(newer.unchanged + newer.updated, first.inserted, "{newer:?}");
    assert!(newer.updated <= 1, "{newer:?}");
    assert!(newer.events > 0);
});

backend_test!(bad_files_name_their_line_and_store_nothing, |app| {
    let developer = app.developer("importer").await;
    let client = app.client(&developer);
    let whole = export(1);
    let truncated = whole
        .get(..whole.len() * 2 / 3)
        .unwrap_or_default()
        .to_vec();
    let failed = upload(&client, "", truncated).await;
    assert_eq!(failed["state"], "failed");
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("line "), "{error}");
    let mut broken = String::from_utf8(whole).expect("utf-8");
    broken = broken.replacen("startDate=\"2026-03-02", "startDate=\"2026/03/02", 1);
    let failed = upload(&client, "", broken.into_bytes()).await;
    assert_eq!(failed["state"], "failed");
    assert!(
        failed["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("line ")
    );
    assert_eq!(event_count(&app, &developer.dev_id).await, 0);
    client
        .raw(
            Method::POST,
            "/wearbridge/v1/imports/apple-health",
            "application/xml",
            Vec::new(),
            400,
        )
        .await;
});
