//! Running the real binary as separate processes (nodes): a free port, a server child
//! with extra environment, readiness, SIGKILL, and CLI calls. Shared by the multi-process
//! tests (`webhooks_crash.rs`, `rate_limits.rs`).

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::net::TcpListener as StdListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Encryption key of every process of a test (base64 of 32 ASCII bytes).
pub const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("free port")
}

/// Runs a CLI command to completion and returns its stdout as JSON.
pub fn cli_json(dir: &Path, args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_wearbridge"))
        .current_dir(dir)
        .args(args)
        .env("WEARBRIDGE_ENCRYPTION_KEY", KEY)
        // The tests' receivers listen on loopback, which the target guard refuses
        // outside development and sandbox mode unless listed.
        .env("WEARBRIDGE_WEBHOOKS__ALLOWED_TARGETS", "127.0.0.0/8")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

/// `wearbridge serve` on `127.0.0.1:port` against `database_url`, with `env` set.
pub fn spawn_server(dir: &Path, database_url: &str, port: u16, env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wearbridge"));
    command
        .current_dir(dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--database-url", database_url])
        .env("WEARBRIDGE_ENCRYPTION_KEY", KEY)
        .env("WEARBRIDGE_WEBHOOKS__ALLOWED_TARGETS", "127.0.0.0/8")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (key, value) in env {
        command.env(key, value);
    }
    command.spawn().expect("server starts")
}

/// Waits (up to 30 s) until `base` answers `/ready`.
pub async fn wait_ready(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(response) = http.get(format!("{base}/ready")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} did not become ready");
}

/// SIGKILL (std's `Child::kill` on Unix) and reap.
pub fn kill(child: &mut Child) {
    child.kill().expect("kill");
    child.wait().expect("reap");
}
