//! `to_webhook=true` data requests: acknowledged at once, then delivered as tagged
//! events, in chunks of ten for large requests, the athlete as one object.

use std::collections::HashMap;

use serde_json::Value;
use wearbridge_model::{Activity, Athlete, Daily};
use wearbridge_server::jobs::data_request;
use wearbridge_store::Backend;

use super::{Setup, header};
use crate::fixtures::{self, day};
use crate::harness::{assert_valid, assert_valid_sdk_user_shape};

/// Runs every queued data-request job, then delivers everything due.
async fn run_requests(s: &Setup) {
    data_request::run_pending(&s.state.services(), "test-jobs")
        .await
        .expect("job");
    s.exact().drain_due().await.expect("deliver");
}

fn bodies_by_type(s: &Setup) -> HashMap<String, Vec<(Value, String)>> {
    let mut by_type: HashMap<String, Vec<(Value, String)>> = HashMap::new();
    for request in s.receiver.requests() {
        let body: Value = serde_json::from_slice(&request.body).expect("json body");
        let kind = body["type"].as_str().unwrap_or_default().to_owned();
        by_type
            .entry(kind)
            .or_default()
            .push((body, header(&request, "terra-reference").to_owned()));
    }
    by_type
}

webhook_test!(to_webhook_acknowledges_then_delivers_tagged_data, 15, |s| {
    s.app
        .seed::<Daily>(
            &s.dev,
            &s.user,
            &[
                fixtures::daily(day(0), "+00:00", 100),
                fixtures::daily(day(1), "+00:00", 200),
            ],
        )
        .await;
    let client = s.app.client(&s.dev);
    let ack = client
        .get(
            &format!(
                "/v2/daily?user_id={}&start_date=2024-01-01&end_date=2024-01-05",
                s.user
            ),
            200,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("sdk/DataSentToWebhook", &ack);
    let reference = ack["reference"].as_str().expect("reference").to_owned();
    assert_eq!(ack["user"]["user_id"], s.user.to_string());

    run_requests(&s).await;
    let by_type = bodies_by_type(&s);
    let daily = by_type.get("daily").expect("a daily event");
    assert_eq!(daily.len(), 1);
    let (body, tag) = &daily[0];
    assert_eq!(tag, &reference);
    assert_valid("core/DailyEvent", body);
    assert_eq!(body["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["version"], "2022-03-16");
    // Samples are off by default, as in the response path.
    assert!(
        body["data"][0]["heart_rate_data"]["detailed"]
            .get("hr_samples")
            .is_none()
    );
});

webhook_test!(large_requests_arrive_in_chunks_of_ten, 15, |s| {
    let records: Vec<Value> = (0..25)
        .map(|n| fixtures::activity(&format!("run-{n}"), day(n * 2), 100.0 + n as f64))
        .collect();
    s.app.seed::<Activity>(&s.dev, &s.user, &records).await;
    let client = s.app.client(&s.dev);
    let ack = client
        .get(
            &format!(
                "/v2/activity?user_id={}&start_date=2024-01-01&end_date=2024-03-31",
                s.user
            ),
            200,
        )
        .await
        .json();
    assert_valid_sdk_user_shape("sdk/LargeRequestProcessingEvent", &ack);
    let reference = ack["reference"].as_str().expect("reference").to_owned();

    run_requests(&s).await;
    let by_type = bodies_by_type(&s);
    let processing = by_type.get("large_request_processing").expect("processing");
    assert_valid("core/LargeRequestProcessingEvent", &processing[0].0);
    let sending = by_type.get("large_request_sending").expect("sending");
    assert_valid("core/LargeRequestSendingEvent", &sending[0].0);
    assert_eq!(sending[0].0["expected_payloads"], 3);
    let chunks = by_type.get("activity").expect("chunks");
    let mut sizes: Vec<usize> = chunks
        .iter()
        .map(|(body, _)| body["data"].as_array().map_or(0, Vec::len))
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [5, 10, 10]);
    for (body, tag) in chunks.iter().chain(processing).chain(sending) {
        assert_eq!(tag, &reference);
        if body["type"] == "activity" {
            assert_valid("core/ActivityEvent", body);
        }
    }
});

webhook_test!(athlete_is_one_object, 15, |s| {
    s.app
        .seed::<Athlete>(&s.dev, &s.user, &[fixtures::athlete()])
        .await;
    let client = s.app.client(&s.dev);
    let ack = client
        .get(&format!("/v2/athlete?user_id={}", s.user), 200)
        .await
        .json();
    assert_valid_sdk_user_shape("sdk/DataSentToWebhook", &ack);
    run_requests(&s).await;
    let by_type = bodies_by_type(&s);
    let athlete = &by_type.get("athlete").expect("athlete event")[0].0;
    assert_valid("core/AthleteEvent", athlete);
    assert!(athlete["athlete"].is_object());
});
