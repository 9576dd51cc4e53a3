//! Dashboard pages doing what the JSON API does: the webhook URL through the target
//! guard and secret rotation, a failed delivery shown and resent, charts from stored
//! records, widget links with a QR code, assets served by the binary.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wearbridge_model::{Activity, Daily, Sleep};
use wearbridge_store::Backend;

use super::{Browser, dev_id, failed_event};
use crate::fixtures::{self, day};
use crate::harness::{TestApp, backend_test};

backend_test!(the_webhook_url_goes_through_the_target_guard, |app| {
    let dev = app.developer("dash").await;
    let browser = Browser::signed_in(&app, &dev).await;
    let csrf = browser.csrf("/dashboard/webhook").await;
    let refused = browser
        .post(
            "/dashboard/webhook/url",
            &[("csrf", &csrf), ("url", "http://169.254.169.254/latest")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.text.contains("webhook url refused"),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("169.254.169.254"),
        "the refused value stays in the field"
    );
    let stored = app
        .store
        .find_developer(&dev_id(&dev))
        .await
        .expect("read")
        .expect("dev");
    assert_eq!(stored.webhook_url, None);

    let saved = browser
        .post(
            "/dashboard/webhook/url",
            &[("csrf", &csrf), ("url", "http://127.0.0.1:9/hook")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let stored = app
        .store
        .find_developer(&dev_id(&dev))
        .await
        .expect("read")
        .expect("dev");
    assert_eq!(
        stored.webhook_url.as_deref(),
        Some("http://127.0.0.1:9/hook")
    );
    assert!(
        browser
            .get("/dashboard/webhook")
            .await
            .text
            .contains("http://127.0.0.1:9/hook")
    );

    // A rotated secret is shown once, on a page no cache keeps.
    let rotated = browser
        .post("/dashboard/webhook/rotate-secret", &[("csrf", &csrf)])
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    assert_eq!(rotated.cache_control.as_deref(), Some("no-store"));
    let marker = r#"<code id="new-secret">"#;
    let start = rotated.text.find(marker).expect("the new secret") + marker.len();
    let secret = rotated.text[start..].split('<').next().unwrap_or_default();
    assert!(
        secret.len() >= 32 && secret != dev.webhook_signing_secret,
        "{secret}"
    );
    assert!(
        !browser
            .get("/dashboard/webhook")
            .await
            .text
            .contains(secret),
        "shown once"
    );
});

configured_test!(
    a_failed_delivery_is_shown_and_resent,
    |config| config.webhooks.enabled = false,
    |app| {
        let dev = app.developer("dash").await;
        let user = app.user(&dev, None).await;
        let id = failed_event(&app, &dev, &user).await;
        let browser = Browser::signed_in(&app, &dev).await;
        let failed = browser.get("/dashboard/deliveries?state=failed").await;
        assert!(failed.text.contains(id.as_str()), "{}", failed.text);
        let delivered = browser.get("/dashboard/deliveries?state=delivered").await;
        assert!(!delivered.text.contains(id.as_str()));
        let by_user = browser
            .get(&format!("/dashboard/deliveries?user={user}"))
            .await;
        assert!(by_user.text.contains(id.as_str()));
        let detail = browser.get(&format!("/dashboard/deliveries/{id}")).await;
        assert!(detail.text.contains("receiver answered 500") && detail.text.contains("1.5 ms"));
        assert!(
            detail
                .text
                .contains(r#"{&quot;type&quot;:&quot;activity&quot;"#)
                || detail.text.contains("&#34;type&#34;"),
            "the body, escaped"
        );
        let resent = browser
            .post(
                &format!("/dashboard/deliveries/{id}/resend"),
                &[("csrf", &detail.csrf())],
            )
            .await;
        assert_eq!(resent.status, StatusCode::SEE_OTHER);
        let event = app
            .store
            .get_event(&dev_id(&dev), &id)
            .await
            .expect("read")
            .expect("event");
        assert_eq!(
            event.state,
            wearbridge_store::EventState::Pending,
            "queued again"
        );
        let stranger = Browser::signed_in(&app, &app.developer("other").await).await;
        assert_eq!(
            stranger
                .get(&format!("/dashboard/deliveries/{id}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);

configured_test!(
    every_failed_delivery_since_a_time_is_resent,
    |config| config.webhooks.enabled = false,
    |app| {
        let dev = app.developer("dash").await;
        let user = app.user(&dev, None).await;
        let id = failed_event(&app, &dev, &user).await;
        let browser = Browser::signed_in(&app, &dev).await;
        let csrf = browser.csrf("/dashboard/deliveries").await;
        let missing = browser
            .post("/dashboard/deliveries/resend-failed", &[("csrf", &csrf)])
            .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        let done = browser
            .post(
                "/dashboard/deliveries/resend-failed",
                &[("csrf", &csrf), ("since", "2000-01-01")],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let notice = browser
            .get(done.location.as_deref().expect("back to the log"))
            .await;
        assert!(notice.text.contains("1 failed event(s)"), "{}", notice.text);
        let event = app
            .store
            .get_event(&dev_id(&dev), &id)
            .await
            .expect("read")
            .expect("event");
        assert_eq!(event.state, wearbridge_store::EventState::Pending);
    }
);

/// A night with a hypnogram (the shared fixture has none).
fn night_with_stages() -> Value {
    let mut night = fixtures::sleep("night-1", day(2));
    night["sleep_durations_data"] = json!({"hypnogram_samples": [
        {"timestamp": format!("{}T23:00:00.000000+00:00", day(2)), "level": 1},
        {"timestamp": format!("{}T23:20:00.000000+00:00", day(2)), "level": 4},
        {"timestamp": format!("{}T01:00:00.000000+00:00", day(3)), "level": 5},
        {"timestamp": format!("{}T03:00:00.000000+00:00", day(3)), "level": 6}
    ]});
    night
}

backend_test!(the_data_page_draws_charts_from_stored_records, |app| {
    let dev = app.developer("dash").await;
    let user = app.user(&dev, None).await;
    let days: Vec<Value> = (0..5)
        .map(|n| fixtures::daily(day(n), "+01:00", 1000 * (n as u32 + 1)))
        .collect();
    app.seed::<Daily>(&dev, &user, &days).await;
    app.seed::<Sleep>(&dev, &user, &[night_with_stages()]).await;
    app.seed::<Activity>(&dev, &user, &[fixtures::activity("run-1", day(1), 400.0)])
        .await;
    let browser = Browser::signed_in(&app, &dev).await;
    let page = browser
        .get(&format!(
            "/dashboard/users/{user}/data?view=week&end={}",
            day(6)
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(
        page.text.matches(r#"<rect class="bar""#).count(),
        5,
        "a step bar per stored day"
    );
    assert!(page.text.contains("2024-01-05: 5000 steps"));
    assert!(page.text.contains("<polyline"), "heart-rate samples drawn");
    assert!(
        page.text.contains("stage-deep") && page.text.contains("stage-REM"),
        "hypnogram"
    );
    assert!(page.text.contains("Morning run at"), "the workout's curve");
    assert_eq!(
        page.text.matches("<details class=\"record\"").count(),
        7,
        "raw JSON of each record"
    );
    let month = browser
        .get(&format!(
            "/dashboard/users/{user}/data?view=month&end={}",
            day(40)
        ))
        .await;
    assert!(
        month.text.contains("No records stored"),
        "nothing in that month"
    );
    let bad = browser
        .get(&format!("/dashboard/users/{user}/data?view=year"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
});

backend_test!(a_widget_link_comes_with_a_qr_code, |app| {
    let dev = app.developer("dash").await;
    let browser = Browser::signed_in(&app, &dev).await;
    let csrf = browser.csrf("/dashboard/connect").await;
    let page = browser
        .post(
            "/dashboard/connect",
            &[("csrf", &csrf), ("reference_id", "ref-42")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("/widget/session/"), "{}", page.text);
    assert!(
        page.text
            .contains(r#"aria-label="QR code of the widget link""#)
    );
    // The test registry offers SANDBOX (sandbox mode): a demo user is one click away, a
    // widget session offering only SANDBOX.
    assert!(page.text.contains("/dashboard/connect/demo"));
    let demo = browser
        .post("/dashboard/connect/demo", &[("csrf", &csrf)])
        .await;
    assert_eq!(demo.status, StatusCode::SEE_OTHER);
    let link = demo.location.expect("to the widget");
    let session_id = link.rsplit('/').next().unwrap_or_default();
    let session = app
        .store
        .get_connect_session(session_id)
        .await
        .expect("read")
        .expect("a widget session");
    assert_eq!(session.providers.as_deref(), Some("SANDBOX"));
    assert_eq!(session.reference_id.as_deref(), Some("demo-user"));
});

backend_test!(every_asset_is_served_by_the_binary, |app| {
    let page = Browser::new(&app).get("/dashboard/sign-in").await;
    for asset in ["/dashboard/assets/dashboard.css"] {
        assert!(page.text.contains(asset));
        assert_eq!(Browser::new(&app).get(asset).await.status, StatusCode::OK);
    }
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "no external request"
    );
});

/// The sandbox adapters pointed at an address nobody listens on: enough to queue a
/// re-pull (the adapter's type list), never reached by the assertions.
fn unreachable_sandbox(
    state: wearbridge_server::state::AppState,
) -> wearbridge_server::state::AppState {
    let unused = url::Url::parse("http://127.0.0.1:9/").expect("url");
    let endpoints = wearbridge_sim::layout::endpoints(&unused);
    state.with_providers(wearbridge_providers::Registry::new(
        wearbridge_providers::ProvidersConfig::sandbox(endpoints),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_is_pulled_again_from_the_user_page() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if let Some(app) = TestApp::spawn_adjusted(backend, |_| {}, unreachable_sandbox).await {
            repull_from_the_user_page(&app).await;
        }
    }
}

async fn repull_from_the_user_page(app: &TestApp) {
    let dev = app.developer("dash").await;
    let user = app.user(&dev, None).await;
    let browser = Browser::signed_in(app, &dev).await;
    let path = format!("/dashboard/users/{user}/backfill");
    let csrf = browser.csrf(&format!("/dashboard/users/{user}")).await;
    let form = |start: &str, end: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf.as_str()),
            ("start_date", start),
            ("end_date", end),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };
    let bad = browser
        .post(&path, &pairs(&form("2024-13-01", "2024-01-07")))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text.contains("start date must be a date"),
        "{}",
        bad.text
    );
    let backwards = browser
        .post(&path, &pairs(&form("2024-01-07", "2024-01-01")))
        .await;
    assert!(
        backwards
            .text
            .contains("end_date must not be before start_date")
    );
    let queued = browser
        .post(&path, &pairs(&form("2024-01-01", "2024-01-07")))
        .await;
    assert_eq!(queued.status, StatusCode::SEE_OTHER, "{}", queued.text);
    let page = browser
        .get(queued.location.as_deref().expect("back to the user"))
        .await;
    assert!(
        page.text
            .contains("Re-pull 2024-01-01 to 2024-01-07: queued"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("Re-pull 2024-01-01 – 2024-01-07"),
        "the job in the sync section"
    );
}

fn pairs(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}
