//! `wearbridge providers map`: real recorded Oura bodies and committed SANDBOX bodies go
//! through the binary on stdin and come out as `[{"type", "data"}]` Terra records.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Fixtures committed by the providers crate (sources in their README).
fn fixture(provider_dir: &str, file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../wearbridge-providers/tests/fixtures")
        .join(provider_dir)
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn map(provider: &str, source: &str, body: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wearbridge"))
        .args([
            "providers",
            "map",
            "--provider",
            provider,
            "--source",
            source,
        ])
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(body.as_bytes())
            .expect("stdin takes the body");
    }
    child.wait_with_output().expect("the binary finishes")
}

fn records(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(items)) => items,
        other => panic!("stdout is a JSON array: {other:?}\n{text}"),
    }
}

#[test]
fn oura_sleep_page_prints_sleep_records_with_offsets_kept() {
    let body = fixture("oura", "sleep.input.json");
    let items = records(&map(
        "OURA",
        "/v2/usercollection/sleep?start_date=2024-10-09&end_date=2024-11-03",
        &body,
    ));
    assert_eq!(items.len(), 2);
    for item in &items {
        assert_eq!(item["type"], "sleep");
    }
    assert_eq!(
        items[0].pointer("/data/metadata/start_time"),
        Some(&Value::from("2024-10-10T01:01:59.000000+02:00"))
    );
    assert_eq!(
        items[0].pointer("/data/heart_rate_data/summary/avg_hrv_rmssd"),
        Some(&Value::from(38.0))
    );
}

#[test]
fn every_oura_fixture_prints_its_committed_terra_json() {
    for name in [
        "sleep",
        "daily_activity",
        "daily_readiness",
        "daily_spo2",
        "heartrate",
        "workout",
        "session",
        "personal_info",
    ] {
        let body = fixture("oura", &format!("{name}.input.json"));
        let items = records(&map("oura", &format!("/v2/usercollection/{name}"), &body));
        let expected: Value =
            serde_json::from_str(&fixture("oura", &format!("{name}.terra.json"))).expect("JSON");
        assert_eq!(Value::Array(items), expected, "{name}");
    }
}

#[test]
fn sandbox_daily_prints_a_daily_record() {
    let body = fixture("sandbox", "daily.input.json");
    let items = records(&map("SANDBOX", "/sandbox/api/v1/daily", &body));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["type"], "daily");
    assert!(items[0].pointer("/data/distance_data/steps").is_some());
}

#[test]
fn a_body_that_does_not_fit_the_path_fails_with_a_clear_error() {
    let body = fixture("oura", "personal_info.input.json");
    let output = map("OURA", "/v2/usercollection/sleep", &body);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot map OURA /v2/usercollection/sleep"),
        "{stderr}"
    );
    assert!(stderr.contains("missing field `data`"), "{stderr}");

    let unknown = map("OURA", "/v2/usercollection/ring_battery_level", "{}");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no Terra mapping"));
}
