//! The widget in a real browser: headless Chromium opens the widget link, clicks Sandbox,
//! clicks Allow at the provider, and lands on a URL carrying the new user's id. The
//! browser is driven by `tests/browser/widget.mjs` (Node, no npm packages). A screenshot
//! of the widget page is saved as `target/artifacts/widget.png`.
//!
//! Skipped with a message when Chromium or Node is missing and `CI` is unset; under `CI`
//! a missing browser fails the test.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use url::Url;
use wearbridge_store::Backend;

use crate::connect::Env;

/// The first executable called `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Chromium and Node, or `None` (with a note) when the test should be skipped.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| on_path("chromium"));
    let node = on_path("node");
    match (chromium, node) {
        (Some(chromium), Some(node)) => Some((chromium, node)),
        (chromium, node) => {
            let missing = [("chromium", chromium.is_none()), ("node", node.is_none())]
                .iter()
                .filter(|(_, missing)| *missing)
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(" and ");
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but {missing} is not installed: the browser test must run in CI"
            );
            eprintln!(
                "skipped: {missing} not installed (install Debian's `chromium` and Node to run this test)"
            );
            None
        }
    }
}

/// `target/artifacts` of this workspace (or of `CARGO_TARGET_DIR`).
fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("artifacts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_connects_through_the_widget_in_chromium() {
    let Some((chromium, node)) = tools() else {
        return;
    };
    let env = Env::spawn(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let dev = env.developer("browser").await;
    let session = env
        .widget_session(&dev, json!({"reference_id": "browser-user"}))
        .await;
    let widget_url = session["url"].as_str().expect("widget url");
    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    let screenshot = artifacts.join("widget.png");
    let _ = std::fs::remove_file(&screenshot);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/widget.mjs");
    let run = tokio::process::Command::new(node)
        .arg(script)
        .arg(widget_url)
        .arg(&screenshot)
        .env("CHROMIUM", chromium)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the browser run timed out")
        .expect("cannot run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "browser run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("browser report");
    assert_eq!(report["widget_title"], "Connect your wearable · Wearbridge");
    let landing = Url::parse(report["landing_url"].as_str().expect("landing url")).expect("url");
    assert_eq!(landing.path(), "/widget/success", "{landing}");
    let user_id = landing
        .query_pairs()
        .find(|(key, _)| key == "user_id")
        .map(|(_, value)| value.into_owned())
        .expect("landing URL without user_id");
    let info = env
        .call(
            &dev,
            reqwest::Method::GET,
            &format!("/v2/userInfo?user_id={user_id}"),
            None,
            200,
        )
        .await;
    assert_eq!(info["user"]["reference_id"], "browser-user");
    let png = std::fs::read(&screenshot).expect("screenshot saved");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
}

/// The dashboard in Chromium on both backends (`tests/browser/dashboard.mjs`): sign in,
/// search a user, see its charts drawn, resend a failed delivery, change the webhook URL.
/// A screenshot of the data page is saved as `target/artifacts/dashboard-data.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_developer_uses_the_dashboard_in_chromium() {
    let Some((chromium, node)) = tools() else {
        return;
    };
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let configure = |config: &mut wearbridge_server::config::Config| {
            config.webhooks.enabled = false;
        };
        if let Some(app) = crate::harness::TestApp::spawn_with(backend, configure).await {
            dashboard_in_chromium(&app, &chromium, &node).await;
        }
    }
}

async fn dashboard_in_chromium(app: &crate::harness::TestApp, chromium: &Path, node: &Path) {
    use crate::fixtures::{self, day};
    let dev = app.developer("browser").await;
    let user = app.user(&dev, Some("browser-user")).await;
    let days: Vec<Value> = (0..7)
        .map(|n| fixtures::daily(day(n), "+01:00", 4000 + 500 * n as u32))
        .collect();
    app.seed::<wearbridge_model::Daily>(&dev, &user, &days)
        .await;
    let event = crate::dashboard::failed_event(app, &dev, &user).await;
    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    let screenshot = artifacts.join("dashboard-data.png");
    let _ = std::fs::remove_file(&screenshot);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/dashboard.mjs");
    // The data page opens on today's week; DATA_END makes the script pick the seeded one
    // in the page's form.
    let new_url = "http://127.0.0.1:9/changed-in-the-browser";
    let run = tokio::process::Command::new(node)
        .arg(script)
        .args([
            &app.base_url,
            &dev.dev_id,
            &dev.api_key,
            user.as_str(),
            event.as_str(),
            new_url,
        ])
        .arg(&screenshot)
        .env("CHROMIUM", chromium)
        .env("DATA_END", day(6).to_string())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the browser run timed out")
        .expect("cannot run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "browser run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("browser report");
    assert_eq!(report["first_page"], "/dashboard/sign-in", "{report}");
    assert_eq!(report["after_sign_in"], "/dashboard/users", "{report}");
    assert_eq!(report["data_path"], format!("/dashboard/users/{user}/data"));
    let charts = report["charts"].as_array().expect("charts");
    let steps = charts
        .iter()
        .find(|chart| chart["label"] == "Steps per day")
        .expect("a steps chart");
    assert_eq!(steps["shapes"], 7, "a bar per seeded day: {report}");
    assert!(
        steps["width"].as_i64().unwrap_or(0) > 100,
        "drawn at a visible size: {report}"
    );
    assert_eq!(report["state_before"], "failed");
    assert_eq!(report["state_after"], "pending", "resent: {report}");
    assert_eq!(report["webhook_url"], new_url);
    let stored = app
        .store
        .find_developer(&dev.dev_id.parse().expect("dev id"))
        .await
        .expect("read")
        .expect("developer");
    assert_eq!(stored.webhook_url.as_deref(), Some(new_url));
    let png = std::fs::read(&screenshot).expect("screenshot saved");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
}
