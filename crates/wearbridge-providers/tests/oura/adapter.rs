//! The OURA adapter against a tiny scripted HTTP server (exact answers the simulator does
//! not give): `next_token` paging, the query it sends, 429 classification, merging.

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;
use wearbridge_model::DataType;
use wearbridge_providers::oura::OuraProvider;
use wearbridge_providers::{
    FetchRange, Provider, ProviderCredentials, ProviderCtx, ProviderError, TerraRecordData,
};

/// Serves `answers` in order (status, body), one per connection, recording request lines.
async fn scripted(answers: Vec<(u16, String)>) -> (Url, Arc<Mutex<Vec<String>>>) {
    let Ok(listener) = TcpListener::bind("127.0.0.1:0").await else {
        panic!("bind");
    };
    let Ok(addr) = listener.local_addr() else {
        panic!("addr");
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        for (status, body) in answers {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buffer = vec![0_u8; 8192];
            let read = socket.read(&mut buffer).await.unwrap_or(0);
            let request = String::from_utf8_lossy(buffer.get(..read).unwrap_or_default());
            if let (Some(line), Ok(mut log)) = (request.lines().next(), log.lock()) {
                log.push(line.to_owned());
            }
            let response = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    let Ok(base) = Url::parse(&format!("http://{addr}/")) else {
        panic!("url");
    };
    (base, seen)
}

fn ctx(base: &Url) -> ProviderCtx {
    let Ok(http) = reqwest::Client::builder().build() else {
        panic!("client");
    };
    ProviderCtx {
        http,
        creds: ProviderCredentials::sandbox_dev(),
        api_base: base.clone(),
        auth_base: base.clone(),
        provider_user_id: None,
    }
}

fn provider() -> OuraProvider {
    match OuraProvider::production() {
        Some(provider) => provider,
        None => panic!("production URLs parse"),
    }
}

fn week() -> FetchRange {
    FetchRange {
        start: NaiveDate::from_ymd_opt(2024, 10, 9).unwrap_or_default(),
        end: NaiveDate::from_ymd_opt(2024, 10, 15).unwrap_or_default(),
    }
}

fn workout(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","activity":"running","calories":300.5,"distance":5000.0,"day":"2024-10-10","start_datetime":"2024-10-10T07:00:00+02:00","end_datetime":"2024-10-10T07:30:00+02:00","intensity":"hard","label":null,"source":"confirmed"}}"#
    )
}

#[tokio::test]
async fn follows_next_token_until_null() {
    let (base, seen) = scripted(vec![
        (
            200,
            format!(r#"{{"data":[{}],"next_token":"page-2"}}"#, workout("a")),
        ),
        (
            200,
            format!(r#"{{"data":[{}],"next_token":null}}"#, workout("b")),
        ),
        (200, r#"{"data":[],"next_token":null}"#.to_owned()),
    ])
    .await;
    let token = SecretString::from("token");
    let records = provider()
        .fetch(&ctx(&base), &token, DataType::Activity, week())
        .await;
    let Ok(records) = records else {
        panic!("fetch succeeds: {records:?}");
    };
    let ids: Vec<String> = records
        .iter()
        .filter_map(|record| match record {
            TerraRecordData::Activity(activity) => Some(activity.metadata.summary_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["a", "b"]);
    let Ok(lines) = seen.lock().map(|lines| lines.clone()) else {
        panic!("log");
    };
    assert_eq!(lines.len(), 3, "two workout pages, one session page");
    assert!(lines.first().is_some_and(|l| {
        // One day more at each end (Oura's end_date is exclusive in practice).
        l.starts_with("GET /v2/usercollection/workout?start_date=2024-10-08&end_date=2024-10-16 ")
    }));
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.contains("&next_token=page-2 "))
    );
    assert!(
        lines
            .get(2)
            .is_some_and(|l| l.starts_with("GET /v2/usercollection/session?"))
    );
}

#[tokio::test]
async fn too_many_requests_is_a_rate_limit() {
    let (base, _) = scripted(vec![(429, String::new())]).await;
    let token = SecretString::from("token");
    let result = provider()
        .fetch(&ctx(&base), &token, DataType::Sleep, week())
        .await;
    assert!(
        matches!(result, Err(ProviderError::RateLimited { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn daily_merges_readiness_into_the_activity_day() {
    let activity = r#"{"data":[{"id":"d1","day":"2024-11-11","timestamp":"2024-11-11T04:00:00+01:00","score":95,"steps":15185}],"next_token":null}"#;
    let readiness = r#"{"data":[{"id":"r1","day":"2024-11-11","timestamp":"2024-11-11T00:00:00+00:00","score":86},{"id":"r2","day":"2024-11-12","timestamp":"2024-11-12T00:00:00+00:00","score":70}],"next_token":null}"#;
    let (base, _) = scripted(vec![
        (200, activity.to_owned()),
        (200, readiness.to_owned()),
    ])
    .await;
    let token = SecretString::from("token");
    let november = FetchRange {
        start: NaiveDate::from_ymd_opt(2024, 11, 11).unwrap_or_default(),
        end: NaiveDate::from_ymd_opt(2024, 11, 12).unwrap_or_default(),
    };
    let result = provider()
        .fetch(&ctx(&base), &token, DataType::Daily, november)
        .await;
    let Ok(records) = result else {
        panic!("fetch succeeds: {result:?}");
    };
    let scores: Vec<(Option<f64>, Option<f64>)> = records
        .iter()
        .filter_map(|record| match record {
            TerraRecordData::Daily(daily) => {
                daily.scores.as_ref().map(|s| (s.activity, s.recovery))
            }
            _ => None,
        })
        .collect();
    // One record for the 11th with both scores; the 12th has readiness only.
    assert_eq!(scores, [(Some(95.0), Some(86.0)), (None, Some(70.0))]);
}

#[tokio::test]
async fn documents_outside_the_asked_days_are_dropped() {
    let page = r#"{"data":[{"id":"a","day":"2024-10-08","timestamp":"2024-10-08T04:00:00+02:00","steps":1},{"id":"b","day":"2024-10-09","timestamp":"2024-10-09T04:00:00+02:00","steps":2},{"id":"c","day":"2024-10-16","timestamp":"2024-10-16T04:00:00+02:00","steps":3}],"next_token":null}"#;
    let (base, _) = scripted(vec![
        (200, page.to_owned()),
        (200, r#"{"data":[],"next_token":null}"#.to_owned()),
    ])
    .await;
    let token = SecretString::from("token");
    let result = provider()
        .fetch(&ctx(&base), &token, DataType::Daily, week())
        .await;
    let Ok(records) = result else {
        panic!("fetch succeeds: {result:?}");
    };
    let steps: Vec<Option<i64>> = records
        .iter()
        .filter_map(|record| match record {
            TerraRecordData::Daily(daily) => daily.distance_data.as_ref().map(|d| d.steps),
            _ => None,
        })
        .collect();
    assert_eq!(
        steps,
        [Some(2)],
        "only 2024-10-09 is in 2024-10-09..=2024-10-15"
    );
}
