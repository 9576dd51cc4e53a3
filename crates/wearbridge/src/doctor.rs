//! `wearbridge doctor`: checks a deployment's configuration and says in words what is
//! wrong. Reads only: it neither creates the database nor migrates it, nor writes a key.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use secrecy::ExposeSecret;
use wearbridge_server::config::Config;
use wearbridge_server::crypto::Cipher;
use wearbridge_store::Store;

use crate::settings::{self, Overrides};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Ok,
    Warn,
    Fail,
}

struct Check {
    verdict: Verdict,
    subject: &'static str,
    detail: String,
}

fn check(verdict: Verdict, subject: &'static str, detail: impl Into<String>) -> Check {
    Check {
        verdict,
        subject,
        detail: detail.into(),
    }
}

/// Runs every check, prints one line each, and fails when any check failed.
pub async fn run_doctor(config_file: Option<&Path>, overrides: Overrides) -> anyhow::Result<()> {
    let checks = match settings::load(config_file, overrides) {
        Ok(config) => checks_of(&config).await,
        Err(error) => vec![check(Verdict::Fail, "configuration", format!("{error:#}"))],
    };
    for check in &checks {
        let label = match check.verdict {
            Verdict::Ok => "ok  ",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        };
        println!("{label}  {}: {}", check.subject, check.detail);
    }
    let failed = checks.iter().filter(|c| c.verdict == Verdict::Fail).count();
    if failed > 0 {
        anyhow::bail!("{failed} check(s) failed");
    }
    Ok(())
}

async fn checks_of(config: &Config) -> Vec<Check> {
    let mut checks = vec![
        check(Verdict::Ok, "configuration", "loads and validates"),
        encryption_key(config),
        public_url(config),
        webhook_targets(config),
    ];
    checks.extend(providers(config));
    checks.extend(database(config).await);
    checks
}

fn encryption_key(config: &Config) -> Check {
    const SUBJECT: &str = "encryption key";
    match &config.encryption_key {
        Some(spec) => match Cipher::from_key_spec(spec.expose_secret()) {
            Ok(_) => check(Verdict::Ok, SUBJECT, "set and usable"),
            Err(error) => check(Verdict::Fail, SUBJECT, format!("set but unusable: {error}")),
        },
        None if config.development => check(
            Verdict::Warn,
            SUBJECT,
            format!(
                "not set; development mode keeps one in {} (set WEARBRIDGE_ENCRYPTION_KEY in production)",
                config.development_key_path().display()
            ),
        ),
        None => check(
            Verdict::Fail,
            SUBJECT,
            "not set: provider tokens and webhook secrets cannot be encrypted; set WEARBRIDGE_ENCRYPTION_KEY (32 random bytes, base64)",
        ),
    }
}

fn public_url(config: &Config) -> Check {
    const SUBJECT: &str = "public URL";
    let outside_development = if config.development {
        Verdict::Warn
    } else {
        Verdict::Fail
    };
    match &config.public_url {
        Some(url) if url.scheme() == "https" => check(Verdict::Ok, SUBJECT, url.as_str()),
        Some(url) => check(
            outside_development,
            SUBJECT,
            format!("{url} is not https: providers refuse OAuth redirects and push URLs over http"),
        ),
        None => check(
            outside_development,
            SUBJECT,
            format!(
                "not set: redirect and push URLs would use http://{}; set WEARBRIDGE_PUBLIC_URL",
                config.bind
            ),
        ),
    }
}

fn webhook_targets(config: &Config) -> Check {
    const SUBJECT: &str = "webhook targets";
    let allowed = &config.webhooks.allowed_targets;
    let metadata = IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254));
    if allowed.iter().any(|net| net.contains(&metadata)) {
        return check(
            Verdict::Fail,
            SUBJECT,
            "webhooks.allowed_targets includes 169.254.169.254, where cloud metadata (and its credentials) answer",
        );
    }
    if allowed.is_empty() {
        return check(Verdict::Ok, SUBJECT, "public addresses only");
    }
    let listed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
    check(
        Verdict::Warn,
        SUBJECT,
        format!(
            "developers' webhook URLs may also reach {} (webhooks.allowed_targets)",
            listed.join(", ")
        ),
    )
}

fn providers(config: &Config) -> Vec<Check> {
    const SUBJECT: &str = "provider credentials";
    if config.providers.is_empty() {
        return vec![check(
            Verdict::Warn,
            SUBJECT,
            "none set: outside sandbox mode no provider is offered ([providers.<ID>])",
        )];
    }
    config
        .providers
        .iter()
        .map(|(id, creds)| {
            let id = id.to_ascii_uppercase();
            if id == "SUUNTO" && creds.api_key.is_none() {
                check(
                    Verdict::Fail,
                    SUBJECT,
                    "SUUNTO has no api_key: every Suunto API call needs its subscription key",
                )
            } else {
                check(Verdict::Ok, SUBJECT, format!("{id} set"))
            }
        })
        .collect()
}

/// The file of a SQLite URL (`sqlite://path?…`, `sqlite:path`); `None` for PostgreSQL and
/// in-memory databases.
fn sqlite_file(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:")).then(|| Path::new(path))
}

async fn database(config: &Config) -> Vec<Check> {
    let url = crate::cli::redact_url(&config.database_url);
    // Opening a missing SQLite file would create it: say so instead.
    if let Some(file) = sqlite_file(&config.database_url)
        && !file.exists()
    {
        return vec![check(
            Verdict::Fail,
            "database",
            format!(
                "{} does not exist; `wearbridge migrate` creates it",
                file.display()
            ),
        )];
    }
    let store = match Store::connect(&config.database_url).await {
        Ok(store) => store,
        Err(error) => {
            return vec![check(
                Verdict::Fail,
                "database",
                format!("{url} cannot be opened: {error}"),
            )];
        }
    };
    if let Err(error) = store.ping().await {
        return vec![check(
            Verdict::Fail,
            "database",
            format!("{url} does not answer: {error}"),
        )];
    }
    let migrations = match store.pending_migrations().await {
        Ok(pending) if pending.is_empty() => check(Verdict::Ok, "migrations", "current"),
        Ok(pending) => check(
            Verdict::Fail,
            "migrations",
            format!(
                "{} pending ({}); run `wearbridge migrate`",
                pending.len(),
                pending.join(", ")
            ),
        ),
        Err(error) => check(Verdict::Fail, "migrations", error.to_string()),
    };
    vec![
        check(Verdict::Ok, "database", format!("{url} answers")),
        migrations,
    ]
}
