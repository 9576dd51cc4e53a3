//! The OURA data API: every collection and document against the spec, heart rate paging
//! and windows, date-only ends, the numbers against the person, and Oura's error shapes.

use chrono::Days;
use reqwest::StatusCode;
use serde_json::{Value, json};
use wearbridge_sim::{FaultKind, FaultTarget};

use crate::schema::{assert_schema, assert_validation_error, spec};
use crate::{ACCOUNT, Ctx, TestResult, access, day};

const COLLECTIONS: [(&str, &str, &str); 11] = [
    (
        "sleep",
        "MultiDocumentResponse_PublicModifiedSleepModel_",
        "PublicModifiedSleepModel",
    ),
    (
        "daily_activity",
        "MultiDocumentResponse_PublicDailyActivity_",
        "PublicDailyActivity",
    ),
    (
        "daily_readiness",
        "MultiDocumentResponse_PublicDailyReadiness_",
        "PublicDailyReadiness",
    ),
    (
        "daily_spo2",
        "MultiDocumentResponse_PublicDailySpO2_",
        "PublicDailySpO2",
    ),
    (
        "workout",
        "MultiDocumentResponse_PublicWorkout_",
        "PublicWorkout",
    ),
    (
        "session",
        "MultiDocumentResponse_PublicSession_",
        "PublicSession",
    ),
    (
        "daily_sleep",
        "MultiDocumentResponse_PublicDailySleep_",
        "PublicDailySleep",
    ),
    (
        "daily_stress",
        "MultiDocumentResponse_PublicDailyStress_",
        "PublicDailyStress",
    ),
    (
        "vO2_max",
        "MultiDocumentResponse_PublicVO2Max_",
        "PublicVO2Max",
    ),
    (
        "enhanced_tag",
        "MultiDocumentResponse_EnhancedTagModel_",
        "EnhancedTagModel",
    ),
    (
        "rest_mode_period",
        "MultiDocumentResponse_PublicRestModePeriod_",
        "PublicRestModePeriod",
    ),
];

#[tokio::test]
async fn every_collection_and_document_validates_against_the_spec() -> TestResult {
    let ctx = Ctx::start().await?;
    let spec = spec();
    let token = access(&ctx.tokens(ACCOUNT).await?);
    for (name, page_schema, doc_schema) in COLLECTIONS {
        // A month, dates as Oura clients send them (the end as a naive end-of-day).
        let query =
            format!("/v2/usercollection/{name}?start_date=2026-02-01&end_date=2026-02-28T23:59:59");
        let (docs, pages) = ctx.all_pages(&spec, &token, &query, page_schema).await?;
        match name {
            "workout" => assert!(!docs.is_empty(), "a month has workouts"),
            "session" | "enhanced_tag" | "rest_mode_period" => {
                assert!(docs.is_empty(), "{name}: the person never has one");
            }
            _ => {
                assert_eq!(docs.len(), 28, "{name}: one document per day");
                assert!(pages >= 3, "{name}: 28 documents take several pages");
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for doc in docs.iter().take(5) {
            let id = doc["id"].as_str().unwrap_or_default();
            assert!(ids.insert(id.to_owned()), "{name}: ids are unique");
            let (status, single) = ctx
                .get(&token, &format!("/v2/usercollection/{name}/{id}"))
                .await?;
            assert_eq!(status, StatusCode::OK);
            assert_schema(&spec, doc_schema, &single);
            assert_eq!(
                &single, doc,
                "{name}: the single document equals the listed one"
            );
        }
    }
    // ring_configuration takes no dates: the person's one ring, also by its id.
    let (rings, _) = ctx
        .all_pages(
            &spec,
            &token,
            "/v2/usercollection/ring_configuration",
            "MultiDocumentResponse_PublicRingConfiguration_",
        )
        .await?;
    assert_eq!(rings.len(), 1);
    let ring = &rings[0];
    assert_eq!(ring["hardware_type"], "gen3");
    let id = ring["id"].as_str().unwrap_or_default();
    let (status, single) = ctx
        .get(
            &token,
            &format!("/v2/usercollection/ring_configuration/{id}"),
        )
        .await?;
    assert_eq!(status, StatusCode::OK);
    assert_schema(&spec, "PublicRingConfiguration", &single);
    assert_eq!(&single, ring);
    let (status, info) = ctx.get(&token, "/v2/usercollection/personal_info").await?;
    assert_eq!(status, StatusCode::OK);
    assert_schema(&spec, "PersonalInfoResponse", &info);
    assert_eq!(info["id"], ACCOUNT);
    Ok(())
}

#[tokio::test]
async fn heartrate_validates_pages_and_refuses_long_windows() -> TestResult {
    let ctx = Ctx::start().await?;
    let spec = spec();
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let query = "/v2/usercollection/heartrate?start_datetime=2026-03-01T00:00:00%2B00:00&end_datetime=2026-03-03T00:00:00%2B00:00";
    let (rows, pages) = ctx
        .all_pages(
            &spec,
            &token,
            query,
            "TimeSeriesResponse_PublicHeartRateRow_",
        )
        .await?;
    // Two days of 5-minute rows, both ends inclusive.
    assert_eq!(rows.len(), 2 * 288 + 1);
    assert!(pages >= 2);
    let times: Vec<i64> = rows
        .iter()
        .filter_map(|r| r["timestamp_unix"].as_i64())
        .collect();
    assert!(
        times.windows(2).all(|w| w[1] - w[0] == 300_000),
        "ordered, 5 minutes apart"
    );
    assert_eq!(rows[0]["timestamp"], "2026-03-01T00:00:00+00:00");
    let sources: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r["source"].as_str()).collect();
    assert!(
        sources.contains("sleep") && sources.contains("awake"),
        "{sources:?}"
    );

    let (status, body) = ctx
        .get(&token, "/v2/usercollection/heartrate?start_datetime=2026-01-01T00:00:00&end_datetime=2026-03-01T00:00:00")
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_validation_error(&spec, &body);
    Ok(())
}

#[tokio::test]
async fn a_date_only_end_leaves_out_that_days_activity_and_sleep() -> TestResult {
    let ctx = Ctx::start().await?;
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let days = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["day"].as_str().map(str::to_owned))
            .collect()
    };
    let range = "start_date=2026-03-03&end_date=2026-03-04";
    for (name, expected) in [
        ("daily_activity", vec!["2026-03-03"]),
        ("sleep", vec!["2026-03-03"]),
        ("daily_readiness", vec!["2026-03-03", "2026-03-04"]),
        ("daily_spo2", vec!["2026-03-03", "2026-03-04"]),
    ] {
        let (_, body) = ctx
            .get(&token, &format!("/v2/usercollection/{name}?{range}"))
            .await?;
        assert_eq!(days(&body), expected, "{name}");
    }
    let (_, body) = ctx
        .get(
            &token,
            "/v2/usercollection/daily_activity?start_date=2026-03-03&end_date=2026-03-05",
        )
        .await?;
    assert_eq!(days(&body), ["2026-03-03", "2026-03-04"]);
    Ok(())
}

#[tokio::test]
async fn the_numbers_are_the_persons() -> TestResult {
    let ctx = Ctx::start().await?;
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let person = ctx.sim.person(ACCOUNT);
    let date = day(2026, 3, 4);
    let night = person.sleep_ending_on(date);
    let (_, body) = ctx
        .get(
            &token,
            "/v2/usercollection/sleep?start_date=2026-03-04&end_date=2026-03-05",
        )
        .await?;
    let sleep = &body["data"][0];
    assert_eq!(sleep["day"], "2026-03-04");
    assert_eq!(sleep["total_sleep_duration"], night.asleep_s);
    assert_eq!(sleep["time_in_bed"], night.in_bed_s);
    assert_eq!(sleep["deep_sleep_duration"], night.deep_s);
    assert_eq!(sleep["lowest_heart_rate"], night.resting_hr_bpm);
    assert_eq!(sleep["average_hrv"], night.hrv_rmssd_ms.round() as i64);
    let offset = person.offset().to_string();
    assert!(
        sleep["bedtime_start"]
            .as_str()
            .is_some_and(|t| t.ends_with(&offset)),
        "local offset {offset} kept: {}",
        sleep["bedtime_start"]
    );
    let phases = sleep["sleep_phase_5_min"].as_str().unwrap_or_default();
    assert_eq!(phases.len() as i64, (night.in_bed_s + 299) / 300);

    // Oura's activity day runs 04:00 to 04:00 local.
    let today = person.day(date);
    let tomorrow = person.day(date + Days::new(1));
    let steps: u32 = today.intervals[16..]
        .iter()
        .chain(&tomorrow.intervals[..16])
        .map(|i| i.steps)
        .sum();
    let (_, body) = ctx
        .get(
            &token,
            "/v2/usercollection/daily_activity?start_date=2026-03-04&end_date=2026-03-05",
        )
        .await?;
    let activity = &body["data"][0];
    assert_eq!(activity["steps"], steps);
    assert_eq!(activity["class_5_min"].as_str().map(str::len), Some(288));
    assert_eq!(
        activity["met"]["items"].as_array().map(Vec::len),
        Some(1440)
    );
    let classified: i64 = ["high", "medium", "low"]
        .iter()
        .map(|c| activity[format!("{c}_activity_time")].as_i64().unwrap_or(0))
        .chain(
            ["sedentary_time", "resting_time", "non_wear_time"]
                .iter()
                .map(|k| activity[*k].as_i64().unwrap_or(0)),
        )
        .sum();
    assert_eq!(classified, 86_400, "every 5 minutes is in one class");

    let (_, info) = ctx.get(&token, "/v2/usercollection/personal_info").await?;
    assert_eq!(info["weight"], person.profile().base_weight_kg);
    assert_eq!(info["height"], person.profile().height_m);
    Ok(())
}

#[tokio::test]
async fn errors_have_oura_shapes() -> TestResult {
    let ctx = Ctx::start().await?;
    let spec = spec();
    let token = access(&ctx.tokens(ACCOUNT).await?);
    let (status, body) = ctx
        .get(&token, "/v2/usercollection/sleep/not-existing")
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_validation_error(&spec, &body);
    // Well-formed, but no such document.
    let (status, body) = ctx
        .get(
            &token,
            "/v2/usercollection/sleep/00000000-2026-0304-0000-000000000000",
        )
        .await?;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"detail": "Document not found."})
        )
    );
    let (status, body) = ctx
        .get(
            &token,
            "/v2/usercollection/sleep?start_date=2026-03-05&end_date=2026-03-01",
        )
        .await?;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_validation_error(&spec, &body);
    let (status, body) = ctx.get("nope", "/v2/usercollection/sleep").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["detail"].is_string());
    let (status, _) = ctx
        .get(&token, "/v2/usercollection/ring_battery_level")
        .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = ctx
        .get(&token, "/v2/usercollection/sleep?start_date=2026-03-01&end_date=2026-03-05&next_token=token123")
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Oura's rate limit: 429 with an empty body.
    ctx.sim.faults().inject(
        "oura",
        FaultKind::RateLimit { retry_after_s: 7 },
        FaultTarget::Api,
        1,
    )?;
    let answer = ctx
        .http
        .get(ctx.url("/v2/usercollection/personal_info"))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        answer
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("7")
    );
    assert!(answer.bytes().await?.is_empty());
    Ok(())
}
