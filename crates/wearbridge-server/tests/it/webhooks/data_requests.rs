//! `to_webhook=true` data requests: acknowledged at once (Terra's current
//! `DataSentToWebhook`), then delivered as tagged events (`terra-reference`,
//! `X-Terra-Trace-Id`, `X-Terra-Ordering-Timestamp`), in chunks of at most ten records
//! and 10 MB for large requests, the athlete as one object.

use std::collections::HashMap;

use serde_json::Value;
use wearbridge_model::{Activity, Athlete, Daily};
use wearbridge_server::jobs::data_request;
use wearbridge_store::Backend;

use super::{Setup, header};
use crate::fixtures::{self, day};
use crate::harness::{assert_valid, assert_valid_acknowledgement};

/// Runs every queued data-request job, then delivers everything due.
async fn run_requests(s: &Setup) {
    data_request::run_pending(&s.state.services(), "test-jobs")
        .await
        .expect("job");
    s.exact().drain_due().await.expect("deliver");
}

/// One delivered event: its body and the request-correlation headers.
struct Delivered {
    body: Value,
    reference: String,
    trace_id: String,
    ordering: i64,
}

fn bodies_by_type(s: &Setup) -> HashMap<String, Vec<Delivered>> {
    let mut by_type: HashMap<String, Vec<Delivered>> = HashMap::new();
    for request in s.receiver.requests() {
        let body: Value = serde_json::from_slice(&request.body).expect("json body");
        let kind = body["type"].as_str().unwrap_or_default().to_owned();
        let ordering = header(&request, "x-terra-ordering-timestamp")
            .parse()
            .expect("X-Terra-Ordering-Timestamp is an integer");
        by_type.entry(kind).or_default().push(Delivered {
            body,
            reference: header(&request, "terra-reference").to_owned(),
            trace_id: header(&request, "x-terra-trace-id").to_owned(),
            ordering,
        });
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
    assert_valid_acknowledgement(&ack);
    assert_eq!(ack["type"], "daily");
    let reference = ack["reference"].as_str().expect("reference").to_owned();
    assert_eq!(ack["user"]["user_id"], s.user.to_string());

    run_requests(&s).await;
    let by_type = bodies_by_type(&s);
    let daily = by_type.get("daily").expect("a daily event");
    assert_eq!(daily.len(), 1);
    let Delivered {
        body,
        reference: tag,
        trace_id,
        ordering,
    } = &daily[0];
    assert_eq!(tag, &reference);
    // A small request's one event is traced by the reference (= the ack's trace_id).
    assert_eq!(trace_id, &reference);
    assert!(*ordering > 0);
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
    assert_valid_acknowledgement(&ack);
    assert_eq!(ack["type"], "activity");
    assert!(
        ack["message"]
            .as_str()
            .is_some_and(|m| m.contains("chunks"))
    );
    let reference = ack["reference"].as_str().expect("reference").to_owned();

    run_requests(&s).await;
    let by_type = bodies_by_type(&s);
    let processing = &by_type.get("large_request_processing").expect("processing")[0];
    assert_valid("core/LargeRequestProcessingEvent", &processing.body);
    assert_eq!(processing.trace_id, reference);
    let sending = &by_type.get("large_request_sending").expect("sending")[0];
    assert_valid("core/LargeRequestSendingEvent", &sending.body);
    assert_eq!(sending.body["expected_payloads"], 3);
    assert_eq!(sending.trace_id, format!("{reference}:sending"));
    let chunks = by_type.get("activity").expect("chunks");
    let mut sizes: Vec<(String, usize)> = chunks
        .iter()
        .map(|chunk| {
            let count = chunk.body["data"].as_array().map_or(0, Vec::len);
            (chunk.trace_id.clone(), count)
        })
        .collect();
    sizes.sort();
    // Chunk n is `<reference>:chunk:<n>`, in order: 10, 10, then the rest.
    let expected: Vec<(String, usize)> = [(1, 10), (2, 10), (3, 5)]
        .iter()
        .map(|(n, count)| (format!("{reference}:chunk:{n}"), *count))
        .collect();
    assert_eq!(sizes, expected);
    for event in chunks.iter().chain([processing, sending]) {
        assert_eq!(event.reference, reference);
        assert!(event.ordering >= processing.ordering);
        if event.body["type"] == "activity" {
            assert_valid("core/ActivityEvent", &event.body);
        }
    }
});

webhook_test!(chunks_stay_under_ten_megabytes, 60, |s| {
    // Three workouts of ~4 MB each (with samples): ten records would fit the count
    // rule, but the 10 MB rule cuts after two.
    let records: Vec<Value> = (0..3)
        .map(|n| {
            let mut record = fixtures::activity(&format!("long-{n}"), day(n * 20), 500.0);
            let samples: Vec<Value> = (0..65_000)
                .map(|second| {
                    serde_json::json!({
                        "timestamp": format!("{}T07:00:00.000000+01:00", day(n * 20)),
                        "bpm": 100.0 + (second % 60) as f64,
                    })
                })
                .collect();
            record["heart_rate_data"]["detailed"]["hr_samples"] = Value::Array(samples);
            record
        })
        .collect();
    s.app.seed::<Activity>(&s.dev, &s.user, &records).await;
    let client = s.app.client(&s.dev);
    client
        .get(
            &format!(
                "/v2/activity?user_id={}&start_date=2024-01-01&end_date=2024-03-31&with_samples=true",
                s.user
            ),
            200,
        )
        .await;
    run_requests(&s).await;
    let mut chunks: Vec<(usize, usize)> = s
        .receiver
        .requests()
        .iter()
        .filter_map(|request| {
            let body: Value = serde_json::from_slice(&request.body).ok()?;
            let count = body["data"].as_array()?.len();
            Some((count, request.body.len()))
        })
        .collect();
    chunks.sort_unstable();
    let counts: Vec<usize> = chunks.iter().map(|(count, _)| *count).collect();
    assert_eq!(counts, [1, 2]);
    for (_, bytes) in &chunks {
        assert!(*bytes > 3_000_000, "the samples were sent ({bytes} bytes)");
        assert!(
            *bytes <= wearbridge_server::events::MAX_CHUNK_BYTES,
            "{bytes} bytes"
        );
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
    assert_valid_acknowledgement(&ack);
    run_requests(&s).await;
    let by_type = bodies_by_type(&s);
    let athlete = &by_type.get("athlete").expect("athlete event")[0].body;
    assert_valid("core/AthleteEvent", athlete);
    assert!(athlete["athlete"].is_object());
});
