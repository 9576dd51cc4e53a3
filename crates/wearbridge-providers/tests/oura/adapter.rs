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

/// `count` empty collection pages (the Daily fetch reads eight collections).
fn empty_pages(count: usize) -> Vec<(u16, String)> {
    vec![(200, r#"{"data":[],"next_token":null}"#.to_owned()); count]
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
    let mut answers = vec![(200, activity.to_owned()), (200, readiness.to_owned())];
    answers.extend(empty_pages(6));
    let (base, _) = scripted(answers).await;
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
    let mut answers = vec![(200, page.to_owned())];
    answers.extend(empty_pages(7));
    let (base, _) = scripted(answers).await;
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

/// Every Daily collection of a day lands in that day's one record: sleep score, stress,
/// VO2 max, tags (enhanced and rest mode) and the ring worn that day; the requests go to
/// the eight collections in order.
#[tokio::test]
async fn daily_merges_every_collection_into_one_record_per_day() {
    let activity = r#"{"data":[{"id":"d1","day":"2024-11-11","timestamp":"2024-11-11T04:00:00+01:00","score":95,"steps":15185}],"next_token":null}"#;
    let sleep = r#"{"data":[{"id":"s1","day":"2024-11-11","timestamp":"2024-11-11T00:00:00+00:00","score":77,"contributors":{"deep_sleep":68}},{"id":"s2","day":"2024-11-12","timestamp":"2024-11-12T00:00:00+00:00","score":83,"contributors":{}}],"next_token":null}"#;
    let stress = r#"{"data":[{"id":"x1","day":"2024-11-11","stress_high":1800,"recovery_high":7200,"day_summary":"normal"}],"next_token":null}"#;
    let vo2 = r#"{"data":[{"id":"v1","day":"2024-11-11","timestamp":"2024-11-11T14:15:22+01:00","vo2_max":41}],"next_token":null}"#;
    let tags = r#"{"data":[{"id":"t1","tag_type_code":"tag_generic_party","start_time":"2024-11-11T00:44:30+01:00","end_time":null,"start_day":"2024-11-11","end_day":null,"comment":"","custom_name":null}],"next_token":null}"#;
    let rest = r#"{"data":[{"id":"m1","start_day":"2024-11-10","start_time":"2024-11-10T11:45:56+01:00","end_day":"2024-11-12","end_time":"2024-11-12T08:00:00+01:00","episodes":[{"tags":["tag_generic_cold"],"timestamp":"2024-11-11T09:00:00.000+01:00"}]}],"next_token":null}"#;
    let rings = r#"{"data":[{"id":"g1","color":"stealth_black","design":"heritage","firmware_version":"2.9.32","hardware_type":"gen3","set_up_at":"1970-01-01T00:00:00+00:00","size":11},{"id":"g2","firmware_version":"3.0.3","hardware_type":"gen4","set_up_at":"2024-11-12T10:48:37+00:00","size":11}],"next_token":null}"#;
    let (base, seen) = scripted(vec![
        (200, activity.to_owned()),
        (200, r#"{"data":[],"next_token":null}"#.to_owned()),
        (200, sleep.to_owned()),
        (200, stress.to_owned()),
        (200, vo2.to_owned()),
        (200, tags.to_owned()),
        (200, rest.to_owned()),
        (200, rings.to_owned()),
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
    let dailies: Vec<serde_json::Value> = records
        .iter()
        .filter_map(|record| match record {
            TerraRecordData::Daily(daily) => serde_json::to_value(daily).ok(),
            _ => None,
        })
        .collect();
    assert_eq!(dailies.len(), 2, "{dailies:#?}");
    let [first, second] = dailies.as_slice() else {
        panic!("two days");
    };
    // The 11th keeps the activity day's local offset.
    assert_eq!(
        first["metadata"]["start_time"],
        "2024-11-11T00:00:00.000000+01:00"
    );
    assert_eq!(first["scores"]["activity"], 95.0);
    assert_eq!(first["scores"]["sleep"], 77.0);
    assert_eq!(first["stress_data"]["high_stress_duration_seconds"], 1800.0);
    assert_eq!(first["stress_data"]["rest_stress_duration_seconds"], 7200.0);
    assert_eq!(first["stress_data"]["stress_rating"], 3);
    assert_eq!(first["oxygen_data"]["vo2max_ml_per_min_per_kg"], 41.0);
    let tag_names: Vec<&str> = first["tag_data"]["tags"]
        .as_array()
        .map(|tags| tags.iter().filter_map(|t| t["tag_name"].as_str()).collect())
        .unwrap_or_default();
    // The rest mode start (the 10th) is outside the range; its episode is on the 11th.
    assert_eq!(tag_names, ["tag_generic_party", "tag_generic_cold"]);
    // The ring of unknown set-up date until the gen4 was set up on the 12th.
    assert_eq!(first["device_data"]["hardware_version"], "gen3");
    assert_eq!(first["device_data"]["software_version"], "2.9.32");
    assert!(first["device_data"].get("activation_timestamp").is_none());
    assert_eq!(second["scores"]["sleep"], 83.0);
    assert_eq!(second["tag_data"]["tags"][0]["tag_name"], "rest_mode_end");
    assert_eq!(second["device_data"]["hardware_version"], "gen4");
    assert_eq!(
        second["device_data"]["activation_timestamp"],
        "2024-11-12T10:48:37.000000+00:00"
    );
    let Ok(lines) = seen.lock().map(|lines| lines.clone()) else {
        panic!("log");
    };
    let paths: Vec<&str> = lines
        .iter()
        .filter_map(|line| line.split(['?', ' ']).nth(1))
        .collect();
    assert_eq!(
        paths,
        [
            "/v2/usercollection/daily_activity",
            "/v2/usercollection/daily_readiness",
            "/v2/usercollection/daily_sleep",
            "/v2/usercollection/daily_stress",
            "/v2/usercollection/vO2_max",
            "/v2/usercollection/enhanced_tag",
            "/v2/usercollection/rest_mode_period",
            "/v2/usercollection/ring_configuration",
        ]
    );
}

/// `tag`, `heart_health` and `ring_configuration` are scopes a person may not grant:
/// their 403 reads as empty once daily_activity answered, and the Daily still maps.
#[tokio::test]
async fn a_missing_optional_scope_leaves_the_daily_without_that_part() {
    let activity = r#"{"data":[{"id":"d1","day":"2024-10-10","timestamp":"2024-10-10T04:00:00+02:00","steps":2}],"next_token":null}"#;
    let forbidden = r#"{"status":403,"title":"Forbidden"}"#.to_owned();
    let mut answers = vec![(200, activity.to_owned())];
    answers.extend(empty_pages(3));
    answers.push((403, forbidden.clone()));
    answers.push((403, forbidden.clone()));
    answers.extend(empty_pages(1));
    answers.push((403, forbidden));
    let (base, _) = scripted(answers).await;
    let token = SecretString::from("token");
    let result = provider()
        .fetch(&ctx(&base), &token, DataType::Daily, week())
        .await;
    let Ok(records) = result else {
        panic!("fetch succeeds: {result:?}");
    };
    assert_eq!(records.len(), 1);
    // A 403 on daily_activity itself is still the token's problem.
    let (base, _) = scripted(vec![(403, String::new())]).await;
    let result = provider()
        .fetch(&ctx(&base), &token, DataType::Daily, week())
        .await;
    assert!(
        matches!(result, Err(ProviderError::Unauthorized(_))),
        "{result:?}"
    );
}
