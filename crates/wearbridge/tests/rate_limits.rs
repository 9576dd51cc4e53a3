//! Terra's rate limit r2 across nodes: two `wearbridge serve` processes on one
//! PostgreSQL database count a user's day units once, sequentially and under concurrent
//! requests split over both nodes. The limit comes from the environment
//! (`WEARBRIDGE_RATE_LIMITS__DAY_UNITS_PER_HOUR`), as an operator would set it.

mod common;

use std::process::Child;

use common::{cli_json, free_port, kill, spawn_server, wait_ready};
use wearbridge_store::ids::{DeveloperId, UserId};
use wearbridge_store::{Backend, NewUser, Store};

const LIMIT: &str = "2000";

struct Node {
    base: String,
    child: Child,
}

/// A data read of `days` day units (`to_webhook=false`: answered from the store).
async fn read(
    http: &reqwest::Client,
    node: &Node,
    (dev_id, api_key): (&str, &str),
    user: &UserId,
    days: u64,
) -> reqwest::Response {
    // 2020-01-01 plus `days` days, as unix seconds (a request's cost is its span).
    let start = 1_577_836_800_u64;
    let end = start + days * 86_400;
    http.get(format!(
        "{}/v2/daily?user_id={user}&start_date={start}&end_date={end}&to_webhook=false",
        node.base
    ))
    .header("dev-id", dev_id)
    .header("x-api-key", api_key)
    .send()
    .await
    .expect("request")
}

fn remaining(response: &reqwest::Response) -> i64 {
    response
        .headers()
        .get("x-terra-ratelimit-remaining")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .expect("X-Terra-RateLimit-Remaining")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_count_r2_once() {
    let Some((url, _database)) = wearbridge_store::testing::fresh_database_url(Backend::Postgres)
        .await
        .expect("test database")
    else {
        return; // PostgreSQL not configured: skipped (a note was printed).
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&url).await.expect("store");
    store.migrate().await.expect("migrate");
    let created = cli_json(
        dir.path(),
        &[
            "developer",
            "create",
            "--name",
            "limits",
            "--database-url",
            &url,
        ],
    );
    let dev_id = created["dev_id"].as_str().expect("dev_id").to_owned();
    let api_key = created["api_key"].as_str().expect("api_key").to_owned();
    let dev: DeveloperId = dev_id.parse().expect("dev id");
    let mut users = Vec::new();
    for _ in 0..2 {
        let user = store
            .create_user(
                &dev,
                NewUser {
                    provider: "SANDBOX".to_owned(),
                    ..NewUser::default()
                },
            )
            .await
            .expect("user");
        users.push(user.id);
    }
    let env = [
        ("WEARBRIDGE_RATE_LIMITS__DAY_UNITS_PER_HOUR", LIMIT),
        ("WEARBRIDGE_WEBHOOKS__ENABLED", "false"),
    ];
    let mut nodes: Vec<Node> = (0..2)
        .map(|_| {
            let port = free_port();
            Node {
                base: format!("http://127.0.0.1:{port}"),
                child: spawn_server(dir.path(), &url, port, &env),
            }
        })
        .collect();
    let http = reqwest::Client::new();
    for node in &nodes {
        wait_ready(&http, &node.base).await;
    }
    let credentials = (dev_id.as_str(), api_key.as_str());

    // Sequentially: what one node spent, the other sees.
    let first = read(&http, &nodes[0], credentials, &users[0], 1_000).await;
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(
        first
            .headers()
            .get("x-terra-ratelimit-limit")
            .and_then(|v| v.to_str().ok()),
        Some(LIMIT)
    );
    assert_eq!(remaining(&first), 1_000);
    let second = read(&http, &nodes[1], credentials, &users[0], 1_000).await;
    assert_eq!(second.status().as_u16(), 200);
    assert_eq!(remaining(&second), 0);
    for node in &nodes {
        let refused = read(&http, node, credentials, &users[0], 1).await;
        assert_eq!(refused.status().as_u16(), 429);
        assert_eq!(
            refused
                .headers()
                .get("x-terra-ratelimit-rule")
                .and_then(|v| v.to_str().ok()),
            Some("r2")
        );
        assert!(refused.headers().get("retry-after").is_some());
    }

    // Concurrently, split over both nodes: 10 requests of 300 units against 2,000 →
    // exactly 6 pass, each seeing a different remainder.
    let calls = (0..10).map(|n| read(&http, &nodes[n % 2], credentials, &users[1], 300));
    let responses = futures::future::join_all(calls).await;
    let mut left: Vec<i64> = responses
        .iter()
        .filter(|response| response.status().as_u16() == 200)
        .map(remaining)
        .collect();
    let refused = responses
        .iter()
        .filter(|response| response.status().as_u16() == 429)
        .count();
    left.sort_unstable();
    assert_eq!(left, [200, 500, 800, 1_100, 1_400, 1_700]);
    assert_eq!(refused, 4);

    for node in &mut nodes {
        kill(&mut node.child);
    }
    store.close().await;
}
