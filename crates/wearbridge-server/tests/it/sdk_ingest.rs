//! Mobile-SDK ingest (issue 16): auth token → `sdk/connect` (user + ingest credential) →
//! `POST /wearbridge/v1/sdk/data/{type}` → readable through `GET /v2/{type}` and announced
//! by data webhooks; bad records, wrong credentials and idempotent re-posts.

use std::sync::Arc;

use axum::http::Method;
use chrono::Utc;
use serde_json::{Value, json};
use wearbridge_server::clock::ManualClock;
use wearbridge_server::delivery::Deliverer;
use wearbridge_server::developers::set_webhook_url;
use wearbridge_store::Backend;

use crate::fixtures::{self, day};
use crate::harness::{TestApp, TestDeveloper, WebhookReceiver, assert_valid, loopback};

/// A connected device: its user id and ingest credential.
struct Device {
    user_id: String,
    token: String,
}

/// `generateAuthToken` as `dev`, then the device's `sdk/connect` for `resource`.
async fn connect(app: &TestApp, dev: &TestDeveloper, resource: &str) -> Device {
    let issued = app
        .client(dev)
        .json(Method::POST, "/v2/auth/generateAuthToken", &json!({}), 200)
        .await
        .valid("api/sdk/Authentication_GenerateAuthToken.200");
    let connected = app
        .anonymous()
        .json(
            Method::POST,
            "/v2/auth/sdk/connect",
            &json!({"token": issued["token"], "resource": resource, "reference_id": "phone-1"}),
            200,
        )
        .await
        .json();
    let token = connected["ingest_token"].as_str().unwrap_or_default();
    assert_eq!(token.len(), 64, "{connected}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{connected}");
    Device {
        user_id: connected["user_id"].as_str().unwrap_or_default().to_owned(),
        token: token.to_owned(),
    }
}

/// `POST /wearbridge/v1/sdk/data/{kind}` as the device, expecting `status`.
async fn post_as_device(
    app: &TestApp,
    token: &str,
    kind: &str,
    data: Value,
    status: u16,
) -> crate::harness::Checked {
    let bearer = format!("Bearer {token}");
    app.with_headers(&[("authorization", bearer.as_str())])
        .json(
            Method::POST,
            &format!("/wearbridge/v1/sdk/data/{kind}"),
            &json!({ "data": data }),
            status,
        )
        .await
}

/// The stored records of `kind` for `user` in January 2024, schema-checked.
async fn read_back(app: &TestApp, dev: &TestDeveloper, kind: &str, user: &str) -> Vec<Value> {
    let path = format!(
        "/v2/{kind}?user_id={user}&start_date=2024-01-01&end_date=2024-01-10&to_webhook=false"
    );
    let body = app
        .client(dev)
        .get(&path, 200)
        .await
        .valid(&format!("api/DataResponse.{kind}"));
    body["data"].as_array().cloned().unwrap_or_default()
}

/// The data events of `kind` the developer's outbox holds.
async fn events_of(app: &TestApp, dev: &TestDeveloper, kind: &str) -> usize {
    let listed = app
        .client(dev)
        .get(&format!("/wearbridge/v1/events?type={kind}"), 200)
        .await
        .json();
    listed["events"].as_array().map_or(0, Vec::len)
}

/// The app with background delivery off (the test drives it) and a developer whose
/// webhook is a capturing receiver.
async fn setup(backend: Backend) -> Option<(TestApp, TestDeveloper, WebhookReceiver)> {
    let app = TestApp::spawn_with(backend, |config| config.webhooks.enabled = false).await?;
    let receiver = WebhookReceiver::start().await;
    let dev = app.developer("phone-app").await;
    set_webhook_url(&app.store, &dev.dev_id, (Some(&receiver.url), &loopback()))
        .await
        .expect("set webhook");
    Some((app, dev, receiver))
}

/// Delivers every due event now (a clock a minute ahead, so events appended by the real
/// clock are due).
async fn deliver(app: &TestApp) {
    let clock = Arc::new(ManualClock::new(Utc::now() + chrono::Duration::minutes(1)));
    let state = app.state.clone().with_clock(clock);
    Deliverer::new(&state.services(), state.config.webhooks.clone())
        .expect("deliverer")
        .drain_due()
        .await
        .expect("delivery");
}

macro_rules! sdk_test {
    ($name:ident, |$app:ident, $dev:ident, $receiver:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn run($app: TestApp, $dev: TestDeveloper, $receiver: WebhookReceiver) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some((app, dev, receiver)) = setup(Backend::Sqlite).await {
                    run(app, dev, receiver).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some((app, dev, receiver)) = setup(Backend::Postgres).await {
                    run(app, dev, receiver).await;
                }
            }
        }
    };
}

sdk_test!(
    a_device_posts_its_data_and_it_reads_back_and_is_announced,
    |app, dev, receiver| {
        // HEALTH_CONNECT is the old name of GOOGLEFIT: accepted, stored under Terra's id.
        let device = connect(&app, &dev, "HEALTH_CONNECT").await;
        let user = device.user_id.clone();
        let daily = json!([
            fixtures::daily(day(0), "+02:00", 4_000),
            fixtures::daily(day(1), "+02:00", 6_000)
        ]);
        let stored = post_as_device(&app, &device.token, "daily", daily.clone(), 201)
            .await
            .json();
        assert_valid("v2/TerraUser", &stored["user"]);
        assert_eq!(stored["user"]["user_id"], user.as_str());
        assert_eq!(stored["user"]["provider"], "GOOGLEFIT");
        assert_eq!(stored["type"], "daily");
        assert_eq!(stored["log_ids"], json!(["2024-01-01", "2024-01-02"]));
        assert_eq!(
            (stored["inserted"].as_u64(), stored["unchanged"].as_u64()),
            (Some(2), Some(0))
        );
        post_as_device(
            &app,
            &device.token,
            "sleep",
            json!([fixtures::sleep("night-1", day(2))]),
            201,
        )
        .await;

        let read = read_back(&app, &dev, "daily", &user).await;
        assert_eq!(read.len(), 2);
        assert_eq!(read[1]["distance_data"]["steps"], 6_000);
        assert_eq!(read_back(&app, &dev, "sleep", &user).await.len(), 1);

        deliver(&app).await;
        let bodies: Vec<Value> = receiver
            .requests()
            .iter()
            .map(|request| serde_json::from_slice(&request.body).expect("JSON webhook"))
            .collect();
        let of = |kind: &str| {
            bodies
                .iter()
                .filter(|b| b["type"] == kind)
                .cloned()
                .collect::<Vec<_>>()
        };
        let (daily_events, sleep_events) = (of("daily"), of("sleep"));
        assert_eq!(
            (daily_events.len(), sleep_events.len()),
            (1, 1),
            "{bodies:?}"
        );
        assert_valid("core/DailyEvent", &daily_events[0]);
        assert_valid("core/SleepEvent", &sleep_events[0]);
        assert_eq!(daily_events[0]["user"]["user_id"], user.as_str());
        assert_eq!(daily_events[0]["data"].as_array().map(Vec::len), Some(2));
        let auth = of("auth");
        assert_eq!(auth.len(), 1, "the connection's auth event");
        assert_valid("core/AuthSuccessEvent", &auth[0]);

        // The same records again: stored as they were, no new event.
        let again = post_as_device(&app, &device.token, "daily", daily, 201)
            .await
            .json();
        assert_eq!(
            (again["inserted"].as_u64(), again["unchanged"].as_u64()),
            (Some(0), Some(2))
        );
        assert_eq!(events_of(&app, &dev, "daily").await, 1);
        // A changed record replaces its day and is announced.
        let changed = json!([fixtures::daily(day(1), "+02:00", 7_000)]);
        let updated = post_as_device(&app, &device.token, "daily", changed, 201)
            .await
            .json();
        assert_eq!(updated["updated"], 1);
        assert_eq!(events_of(&app, &dev, "daily").await, 2);
        assert_eq!(
            read_back(&app, &dev, "daily", &user).await[1]["distance_data"]["steps"],
            7_000
        );
    }
);

sdk_test!(
    a_bad_record_fails_the_whole_request_and_names_index_and_field,
    |app, dev, _receiver| {
        let device = connect(&app, &dev, "APPLE").await;
        let mut bad = fixtures::daily(day(1), "+00:00", 10);
        bad["metadata"]["start_time"] = json!(12);
        let batch = json!([fixtures::daily(day(0), "+00:00", 5), bad]);
        let message = post_as_device(&app, &device.token, "daily", batch, 400)
            .await
            .error_message();
        assert!(
            message.starts_with("data[1].metadata.start_time: "),
            "{message}"
        );
        let mut nameless = fixtures::activity("x", day(0), 1.0);
        nameless["metadata"] = json!({"upload_type": 1});
        let message = post_as_device(&app, &device.token, "activity", json!([nameless]), 400)
            .await
            .error_message();
        assert!(message.contains("data[0].metadata"), "{message}");
        // Nothing of either request is stored or announced.
        assert!(
            read_back(&app, &dev, "daily", &device.user_id)
                .await
                .is_empty()
        );
        assert!(
            read_back(&app, &dev, "activity", &device.user_id)
                .await
                .is_empty()
        );
        assert_eq!(events_of(&app, &dev, "daily").await, 0);

        let empty = post_as_device(&app, &device.token, "daily", json!([]), 400).await;
        assert!(empty.error_message().contains("empty"));
        let athlete = post_as_device(
            &app,
            &device.token,
            "athlete",
            json!([fixtures::athlete()]),
            404,
        );
        assert!(athlete.await.error_message().contains("unknown type"));
        // Samsung Health has no menstruation data (as /v2/integrations/detailed says).
        let samsung = connect(&app, &dev, "samsung").await;
        let refused = post_as_device(
            &app,
            &samsung.token,
            "menstruation",
            json!([fixtures::menstruation(day(0))]),
            400,
        );
        assert!(
            refused
                .await
                .error_message()
                .contains("SAMSUNG does not deliver menstruation")
        );
        post_as_device(
            &app,
            &device.token,
            "menstruation",
            json!([fixtures::menstruation(day(0))]),
            201,
        )
        .await;
    }
);

sdk_test!(credentials_reach_exactly_one_user, |app, dev, _receiver| {
    let alice = connect(&app, &dev, "APPLE").await;
    let bob = connect(&app, &dev, "GOOGLEFIT").await;
    let body = json!({"data": [fixtures::body(day(0), 70.5)]});
    let path = "/wearbridge/v1/sdk/data/body";
    // No credential, an unknown token, a malformed header: 401.
    app.anonymous()
        .json(Method::POST, path, &body, 401)
        .await
        .error_message();
    let unknown = "0".repeat(64);
    post_as_device(&app, &unknown, "body", body["data"].clone(), 401)
        .await
        .error_message();
    app.with_headers(&[("authorization", alice.token.as_str())])
        .json(Method::POST, path, &body, 401)
        .await
        .error_message();
    // A device cannot write to another user, even of the same developer.
    let bearer = format!("Bearer {}", alice.token);
    let as_alice = app.with_headers(&[("authorization", bearer.as_str())]);
    as_alice
        .json(
            Method::POST,
            &format!("{path}?user_id={}", bob.user_id),
            &body,
            404,
        )
        .await
        .error_message();
    as_alice
        .json(
            Method::POST,
            &format!("{path}?user_id={}", alice.user_id),
            &body,
            201,
        )
        .await;
    assert!(read_back(&app, &dev, "body", &bob.user_id).await.is_empty());
    assert_eq!(read_back(&app, &dev, "body", &alice.user_id).await.len(), 1);

    // The developer may post for its SDK users by user_id; another developer may not.
    let client = app.client(&dev);
    client
        .json(Method::POST, path, &body, 400)
        .await
        .error_message();
    client
        .json(
            Method::POST,
            &format!("{path}?user_id={}", bob.user_id),
            &body,
            201,
        )
        .await;
    let other = app.developer("other").await;
    app.client(&other)
        .json(
            Method::POST,
            &format!("{path}?user_id={}", bob.user_id),
            &body,
            404,
        )
        .await
        .error_message();
    // A user connected through a web provider gets its data from the provider.
    let web_user = app.user(&dev, None).await;
    let message = client
        .json(
            Method::POST,
            &format!("{path}?user_id={web_user}"),
            &body,
            400,
        )
        .await
        .error_message();
    assert!(message.contains("not a mobile SDK"), "{message}");

    // Deauthentication revokes the device's credential.
    client
        .json(
            Method::DELETE,
            &format!("/v2/auth/deauthenticateUser?user_id={}", alice.user_id),
            &json!({}),
            200,
        )
        .await;
    post_as_device(&app, &alice.token, "body", body["data"].clone(), 401).await;
    post_as_device(&app, &bob.token, "body", body["data"].clone(), 201).await;
});
