//! The real `wearbridge` binary: configuration layering and the developer commands.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs the binary in `dir` with a clean `WEARBRIDGE_*` environment plus `env`.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wearbridge"));
    command.current_dir(dir).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("WEARBRIDGE_") {
            command.env_remove(key);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // base64 of 32 ASCII bytes

#[test]
fn developer_create_prints_exactly_one_json_object() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = [("WEARBRIDGE_ENCRYPTION_KEY", KEY)];
    let output = run(
        dir.path(),
        &[
            "developer",
            "create",
            "--name",
            "Acme",
            "--webhook-url",
            "https://example.com/hook",
        ],
        &env,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let created: Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"));
    let mut keys: Vec<&String> = created
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    keys.sort();
    assert_eq!(keys, ["api_key", "dev_id", "webhook_signing_secret"]);
    assert!(
        dir.path().join("wearbridge.db").exists(),
        "default database created"
    );

    let dev_id = created["dev_id"].as_str().unwrap_or_default();
    let listed = run(dir.path(), &["developer", "list"], &env);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let list = stdout(&listed);
    assert!(
        list.contains(dev_id) && list.contains("https://example.com/hook"),
        "{list}"
    );
    assert!(
        !list.contains(created["api_key"].as_str().unwrap_or("x")),
        "no secrets in list"
    );

    let rotated = run(
        dir.path(),
        &["developer", "rotate-key", "--dev-id", dev_id],
        &env,
    );
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    let rotated: Value = serde_json::from_str(stdout(&rotated).trim()).unwrap_or_default();
    assert_ne!(rotated["api_key"], created["api_key"]);

    let set = run(
        dir.path(),
        &[
            "developer",
            "set-webhook",
            "--dev-id",
            dev_id,
            "--url",
            "https://hooks.example.org/terra",
        ],
        &env,
    );
    assert!(set.status.success(), "{}", stderr(&set));
    let relisted = stdout(&run(dir.path(), &["developer", "list"], &env));
    assert!(
        relisted.contains("https://hooks.example.org/terra"),
        "{relisted}"
    );

    let webhook = run(
        dir.path(),
        &[
            "developer",
            "set-webhook",
            "--dev-id",
            dev_id,
            "--url",
            "not a url",
        ],
        &env,
    );
    assert!(!webhook.status.success());
    assert!(
        stderr(&webhook).contains("not a url"),
        "{}",
        stderr(&webhook)
    );
    let unknown = run(
        dir.path(),
        &[
            "developer",
            "rotate-key",
            "--dev-id",
            "dev_00000000000000000000000000000000",
        ],
        &env,
    );
    assert!(!unknown.status.success());
}

#[test]
fn invalid_configuration_names_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("WEARBRIDGE_MAX_BODY_BYTES", "lots")], "max_body_bytes"),
        (&[("WEARBRIDGE_DATABASE_URL", "mysql://x")], "database_url"),
        (&[("WEARBRIDGE_BIND", "not-an-address")], "bind"),
        (
            &[("WEARBRIDGE_ENCRYPTION_KEY", "c2hvcnQ=")],
            "encryption_key",
        ),
    ];
    for (env, key) in cases {
        let output = run(dir.path(), &["migrate"], env);
        assert!(!output.status.success(), "{env:?} accepted");
        let message = stderr(&output).to_ascii_lowercase();
        assert!(message.contains(key), "{env:?}: {message}");
    }
}

#[test]
fn layers_apply_in_order_file_then_env_then_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("wearbridge.toml"),
        "database_url = \"sqlite://from-file.db\"\n",
    )
    .expect("write config");
    let from_file = run(dir.path(), &["migrate"], &[]);
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    assert!(dir.path().join("from-file.db").exists());

    let from_env = run(
        dir.path(),
        &["migrate"],
        &[("WEARBRIDGE_DATABASE_URL", "sqlite://from-env.db")],
    );
    assert!(from_env.status.success(), "{}", stderr(&from_env));
    assert!(dir.path().join("from-env.db").exists());

    let from_flag = run(
        dir.path(),
        &["migrate", "--database-url", "sqlite://from-flag.db"],
        &[("WEARBRIDGE_DATABASE_URL", "sqlite://from-env.db")],
    );
    assert!(from_flag.status.success(), "{}", stderr(&from_flag));
    assert!(dir.path().join("from-flag.db").exists());

    std::fs::write(dir.path().join("typo.toml"), "databse_url = \"x\"\n").expect("write config");
    let typo = run(dir.path(), &["--config", "typo.toml", "migrate"], &[]);
    assert!(!typo.status.success());
    assert!(stderr(&typo).contains("databse_url"), "{}", stderr(&typo));
}

#[test]
fn without_a_key_outside_development_mode_create_refuses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run(dir.path(), &["developer", "create", "--name", "x"], &[]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("encryption_key"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn development_mode_creates_a_developer_once_and_prints_a_curl_line() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = tempfile::tempdir().expect("tempdir");
    let start = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wearbridge"));
        command
            .current_dir(dir.path())
            .env("WEARBRIDGE_BIND", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (key, _) in std::env::vars() {
            if key.starts_with("WEARBRIDGE_") && key != "WEARBRIDGE_BIND" {
                command.env_remove(key);
            }
        }
        command.spawn().expect("the binary starts")
    };

    let mut first = start();
    let mut lines = BufReader::new(first.stdout.take().expect("piped stdout")).lines();
    let banner = lines.next().and_then(Result::ok).unwrap_or_default();
    let credentials = lines.next().and_then(Result::ok).unwrap_or_default();
    let curl = lines.next().and_then(Result::ok).unwrap_or_default();
    first.kill().expect("stop the server");
    let _ = first.wait();

    assert!(banner.contains("created a developer"), "{banner}");
    let created: Value =
        serde_json::from_str(&credentials).unwrap_or_else(|e| panic!("{e}: {credentials}"));
    let dev_id = created["dev_id"].as_str().unwrap_or_default();
    let api_key = created["api_key"].as_str().unwrap_or_default();
    assert!(curl.starts_with("Try: curl"), "{curl}");
    assert!(curl.contains(dev_id) && curl.contains(api_key), "{curl}");
    assert!(
        dir.path().join(".wearbridge/encryption.key").exists(),
        "development key file"
    );

    // A second start finds the developer and creates no other.
    let listed = run(dir.path(), &["developer", "list"], &[]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let list: Value = serde_json::from_str(&stdout(&listed)).unwrap_or_default();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

/// `wearbridge users backfill` queues a re-pull for a user of any developer and prints
/// what it queued; a second identical call reports it already queued; bad input fails
/// with a message.
#[test]
fn users_backfill_queues_a_repull() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = [("WEARBRIDGE_ENCRYPTION_KEY", KEY)];
    let created = run(dir.path(), &["developer", "create", "--name", "Acme"], &env);
    assert!(created.status.success(), "{}", stderr(&created));
    let dev: Value = serde_json::from_str(stdout(&created).trim()).expect("json");
    let dev_id = dev["dev_id"].as_str().expect("dev_id").to_owned();
    let database = format!("sqlite://{}", dir.path().join("wearbridge.db").display());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let user = runtime.block_on(async {
        let store = wearbridge_store::Store::connect(&database)
            .await
            .expect("store");
        let dev = wearbridge_store::ids::DeveloperId::parse(&dev_id).expect("dev id");
        let new = wearbridge_store::NewUser {
            provider: "SANDBOX".to_owned(),
            provider_user_id: Some("ann".to_owned()),
            reference_id: None,
            scopes: None,
        };
        store
            .create_user(&dev, new)
            .await
            .expect("user")
            .id
            .to_string()
    });
    let args = [
        "users",
        "backfill",
        &user,
        "--start-date",
        "2026-01-01",
        "--end-date",
        "2026-01-31",
        "--types",
        "daily,sleep",
    ];
    let first = run(dir.path(), &args, &env);
    assert!(first.status.success(), "{}", stderr(&first));
    let queued: Value = serde_json::from_str(stdout(&first).trim()).expect("one JSON object");
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["user_id"], user.as_str());
    assert_eq!(queued["types"], serde_json::json!(["daily", "sleep"]));
    assert!(queued["job_id"].is_string());
    let again: Value =
        serde_json::from_str(stdout(&run(dir.path(), &args, &env)).trim()).expect("json");
    assert_eq!(again["status"], "already_queued");

    let backwards = run(
        dir.path(),
        &[
            "users",
            "backfill",
            &user,
            "--start-date",
            "2026-02-01",
            "--end-date",
            "2026-01-01",
        ],
        &env,
    );
    assert!(!backwards.status.success());
    assert!(
        stderr(&backwards).contains("end_date"),
        "{}",
        stderr(&backwards)
    );
}

/// `developer set-webhook` (and `create --webhook-url`) refuse every non-public address
/// class, written as names, literals, IPv4-mapped IPv6 and decimal or octal IPv4, with the
/// reason in words; `webhooks.allowed_targets` (here from the environment) opens exactly
/// the networks it lists.
#[test]
fn webhook_urls_pass_the_target_guard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = [("WEARBRIDGE_ENCRYPTION_KEY", KEY)];
    let created = run(
        dir.path(),
        &["developer", "create", "--name", "Guarded"],
        &env,
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let created: Value = serde_json::from_str(stdout(&created).trim()).unwrap_or_default();
    let dev_id = created["dev_id"].as_str().unwrap_or_default().to_owned();
    let set = |url: &str, env: &[(&str, &str)]| {
        run(
            dir.path(),
            &[
                "developer",
                "set-webhook",
                "--dev-id",
                &dev_id,
                "--url",
                url,
            ],
            env,
        )
    };
    for (url, class) in [
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://localhost:5432/", "loopback"),
        ("http://2130706433/hook", "loopback"),
        ("http://0177.0.0.1/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://192.168.0.10/hook", "private"),
        ("http://[::ffff:172.16.0.1]/hook", "private"),
        ("http://[fd12::1]/hook", "unique-local"),
        ("http://[::1]:8080/hook", "loopback"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://0.0.0.0/hook", "unspecified"),
    ] {
        let refused = set(url, &env);
        assert!(!refused.status.success(), "{url} accepted");
        let message = stderr(&refused);
        assert!(
            message.contains("refused") && message.contains(class),
            "{url}: {message}"
        );
    }
    let created = run(
        dir.path(),
        &[
            "developer",
            "create",
            "--name",
            "Metadata",
            "--webhook-url",
            "http://169.254.169.254/",
        ],
        &env,
    );
    assert!(!created.status.success(), "create refuses the same way");

    let lan = [
        ("WEARBRIDGE_ENCRYPTION_KEY", KEY),
        (
            "WEARBRIDGE_WEBHOOKS__ALLOWED_TARGETS",
            "10.0.0.0/8, 192.168.0.10",
        ),
    ];
    assert!(set("http://10.1.2.3/hook", &lan).status.success());
    assert!(set("http://192.168.0.10/hook", &lan).status.success());
    assert!(!set("http://192.168.0.11/hook", &lan).status.success());
    assert!(!set("http://127.0.0.1/hook", &lan).status.success());
    assert!(
        set("https://hooks.example.org/terra", &env)
            .status
            .success()
    );
    // Development mode delivers to local receivers: loopback passes there, only there.
    let development = [
        ("WEARBRIDGE_ENCRYPTION_KEY", KEY),
        ("WEARBRIDGE_DEVELOPMENT", "true"),
    ];
    assert!(
        set("http://127.0.0.1:9/hook", &development)
            .status
            .success()
    );
    assert!(
        !set("http://169.254.169.254/", &development)
            .status
            .success()
    );
}
