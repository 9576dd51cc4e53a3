//! `wearbridge doctor` against real configurations: it names each problem in words and
//! fails, and passes a deployment that is set up.

use std::path::Path;
use std::process::{Command, Output};

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // base64 of 32 ASCII bytes

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wearbridge"));
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("WEARBRIDGE_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("the binary runs")
}

fn line<'a>(text: &'a str, subject: &str) -> &'a str {
    text.lines()
        .find(|line| line.contains(&format!("{subject}:")))
        .unwrap_or_else(|| panic!("no {subject} line in:\n{text}"))
}

#[test]
fn doctor_names_what_is_wrong_and_passes_a_set_up_deployment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bare = run(dir.path(), &["doctor"], &[]);
    assert!(!bare.status.success(), "a bare deployment fails");
    let text = String::from_utf8_lossy(&bare.stdout).into_owned();
    assert!(line(&text, "encryption key").starts_with("FAIL"), "{text}");
    assert!(line(&text, "public URL").starts_with("FAIL"), "{text}");
    assert!(line(&text, "database").contains("does not exist"), "{text}");
    assert!(
        !dir.path().join("wearbridge.db").exists(),
        "doctor creates nothing"
    );

    let migrated = run(
        dir.path(),
        &["migrate"],
        &[("WEARBRIDGE_ENCRYPTION_KEY", KEY)],
    );
    assert!(migrated.status.success());
    let good = [
        ("WEARBRIDGE_ENCRYPTION_KEY", KEY),
        ("WEARBRIDGE_PUBLIC_URL", "https://wearbridge.example.com"),
        ("WEARBRIDGE_PROVIDERS__OURA__CLIENT_ID", "app"),
        ("WEARBRIDGE_PROVIDERS__OURA__CLIENT_SECRET", "secret"),
    ];
    let set_up = run(dir.path(), &["doctor"], &good);
    let text = String::from_utf8_lossy(&set_up.stdout).into_owned();
    assert!(set_up.status.success(), "{text}");
    assert!(line(&text, "migrations").starts_with("ok"), "{text}");
    assert!(
        line(&text, "provider credentials").contains("OURA"),
        "{text}"
    );

    let mut risky = good.to_vec();
    risky.push(("WEARBRIDGE_WEBHOOKS__ALLOWED_TARGETS", "169.254.0.0/16"));
    risky.push(("WEARBRIDGE_PROVIDERS__SUUNTO__CLIENT_ID", "app"));
    risky.push(("WEARBRIDGE_PROVIDERS__SUUNTO__CLIENT_SECRET", "secret"));
    let refused = run(dir.path(), &["doctor"], &risky);
    let text = String::from_utf8_lossy(&refused.stdout).into_owned();
    assert!(!refused.status.success(), "{text}");
    assert!(line(&text, "webhook targets").starts_with("FAIL"), "{text}");
    assert!(text.contains("SUUNTO has no api_key"), "{text}");

    let broken = run(
        dir.path(),
        &["doctor"],
        &[("WEARBRIDGE_WEBHOOKS__ALLOWED_TARGETS", "not-a-network")],
    );
    let text = String::from_utf8_lossy(&broken.stdout).into_owned();
    assert!(line(&text, "configuration").starts_with("FAIL"), "{text}");
}
