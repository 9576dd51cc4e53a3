//! The SANDBOX data API: bearer tokens and date checks, daily pages in local days, data
//! against the person model, and workout samples.

use reqwest::StatusCode;
use serde_json::Value;

use crate::{TestResult, start, str_of};

#[tokio::test]
async fn data_endpoints_need_a_bearer_token_and_valid_dates() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .http
        .get(ctx.url("/sandbox/api/v1/daily?start_date=2026-01-01&end_date=2026-01-01"))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await?;
    assert_eq!(str_of(&body, "error_description"), "missing bearer token");

    let tokens = ctx.connect("judy").await?;
    let access = str_of(&tokens, "access_token");
    for bad in [
        "/daily",
        "/daily?start_date=2026-01-05&end_date=2026-01-01",
        "/daily?start_date=01/01/2026&end_date=2026-01-01",
        "/daily?start_date=2026-01-01&end_date=2026-01-09&page=2027-01-01",
    ] {
        let response = ctx.api(access, bad).await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = response.json().await?;
        assert_eq!(str_of(&body, "error"), "invalid_request");
    }
    Ok(())
}

#[tokio::test]
async fn daily_pages_cover_the_range_in_local_days_with_offsets() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("kim").await?, "access_token").to_owned();
    let offset = ctx.sim.person("kim").offset().to_string();
    let mut dates = Vec::new();
    let mut page = String::new();
    loop {
        let query = format!("/daily?start_date=2026-01-01&end_date=2026-01-20{page}");
        let body = ctx.api_json(&access, &query).await?;
        for day in body
            .get("data")
            .and_then(Value::as_array)
            .ok_or("no data")?
        {
            dates.push(str_of(day, "date").to_owned());
            assert!(
                str_of(day, "start_time").ends_with(&offset),
                "{}",
                str_of(day, "start_time")
            );
            let steps = day.get("steps").and_then(Value::as_u64).unwrap_or(0);
            let summed: u64 = day
                .get("intervals")
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(|i| i.get("steps").and_then(Value::as_u64))
                        .sum()
                })
                .unwrap_or(0);
            assert_eq!(steps, summed);
        }
        match body.get("next_page").and_then(Value::as_str) {
            Some(next) => page = format!("&page={next}"),
            None => break,
        }
    }
    let expected: Vec<String> = (1..=20).map(|d| format!("2026-01-{d:02}")).collect();
    assert_eq!(dates, expected);
    Ok(())
}

#[tokio::test]
async fn data_matches_the_person_model_across_endpoints() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("leo").await?, "access_token").to_owned();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 4, 14).ok_or("date")?;
    let day = ctx.sim.person("leo").day(date);
    let range = "?start_date=2026-04-14&end_date=2026-04-14";

    let daily = ctx.api_json(&access, &format!("/daily{range}")).await?;
    assert_eq!(
        daily.pointer("/data/0/steps").and_then(Value::as_u64),
        Some(u64::from(day.total_steps()))
    );
    assert_eq!(
        daily
            .pointer("/data/0/resting_hr_bpm")
            .and_then(Value::as_u64),
        Some(u64::from(day.resting_hr_bpm()))
    );

    let sleep = ctx.api_json(&access, &format!("/sleep{range}")).await?;
    let night = sleep.pointer("/data/0").ok_or("no sleep")?;
    assert_eq!(
        night.get("asleep_s").and_then(Value::as_i64),
        Some(day.sleep_duration_s())
    );
    let stage_total: i64 = ["awake_s", "light_s", "deep_s", "rem_s"]
        .iter()
        .filter_map(|k| night.get(*k).and_then(Value::as_i64))
        .sum();
    assert_eq!(
        Some(stage_total),
        night.get("in_bed_s").and_then(Value::as_i64)
    );

    let body = ctx.api_json(&access, &format!("/body{range}")).await?;
    assert_eq!(
        body.pointer("/data/0/weight_kg").and_then(Value::as_f64),
        Some(day.weight_kg())
    );

    let nutrition = ctx.api_json(&access, &format!("/nutrition{range}")).await?;
    let meals = nutrition
        .pointer("/data/0/meals")
        .and_then(Value::as_array)
        .ok_or("no meals")?;
    assert_eq!(meals.len(), day.meals.len());
    Ok(())
}

#[tokio::test]
async fn workouts_carry_one_hertz_samples_unless_asked_not_to() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("mia").await?, "access_token").to_owned();
    let full = ctx
        .api_json(
            &access,
            "/workouts?start_date=2026-02-01&end_date=2026-02-21",
        )
        .await?;
    let lean = ctx
        .api_json(
            &access,
            "/workouts?start_date=2026-02-01&end_date=2026-02-21&include_samples=false",
        )
        .await?;
    let workouts = full
        .get("data")
        .and_then(Value::as_array)
        .ok_or("no data")?;
    assert!(
        !workouts.is_empty(),
        "three days without a workout are unusual but possible; widen range"
    );
    for workout in workouts {
        let samples = workout
            .get("samples")
            .and_then(Value::as_array)
            .ok_or("no samples")?;
        assert_eq!(
            Some(samples.len() as i64),
            workout.get("duration_s").and_then(Value::as_i64)
        );
        let has_gps = workout.get("has_gps").and_then(Value::as_bool) == Some(true);
        assert_eq!(
            samples.first().map(|s| s.get("latitude").is_some()),
            Some(has_gps)
        );
    }
    let lean_workouts = lean
        .get("data")
        .and_then(Value::as_array)
        .ok_or("no data")?;
    assert!(lean_workouts.iter().all(|w| w.get("samples").is_none()));
    Ok(())
}
