use super::*;

fn points(json: &str) -> Vec<wire::DataPoint> {
    serde_json::from_str::<wire::ListPage>(json)
        .map(|page| page.data_points)
        .unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn days_follow_each_points_own_offset() {
    // 23:30 local on 1 May at −07:00 is 06:30 UTC on 2 May: it belongs to 1 May.
    let page = points(
        r#"{"dataPoints": [
        {"steps": {"interval": {"startTime": "2026-05-02T06:30:00Z", "startUtcOffset": "-25200s",
          "endTime": "2026-05-02T06:31:00Z", "endUtcOffset": "-25200s"}, "count": "40"}},
        {"distance": {"interval": {"startTime": "2026-05-02T06:30:00Z", "startUtcOffset": "-25200s",
          "endTime": "2026-05-02T06:31:00Z", "endUtcOffset": "-25200s"}, "millimeters": "31000"}},
        {"activeEnergyBurned": {"interval": {"startTime": "2026-05-02T06:30:00Z",
          "startUtcOffset": "-25200s", "endTime": "2026-05-02T06:31:00Z",
          "endUtcOffset": "-25200s"}, "kcal": 3.5}}
        ]}"#,
    );
    let days = dailies(&page);
    assert_eq!(days.len(), 1);
    let day = &days[0];
    assert_eq!(
        day.metadata
            .start_time
            .to_datetime()
            .map(|t| t.to_rfc3339()),
        Some("2026-05-01T00:00:00-07:00".to_owned())
    );
    let distance = day.distance_data.clone().unwrap_or_default();
    assert_eq!(distance.steps, Some(40));
    assert_eq!(distance.distance_meters, Some(31.0));
    let calories = day.calories_data.clone().unwrap_or_default();
    assert_eq!(calories.net_activity_calories, Some(3.5));
    assert_eq!(
        calories.total_burned_calories, None,
        "no basal burn, no total"
    );
}

#[test]
fn hrv_keeps_rmssd_and_sdnn_apart() {
    let page = points(
        r#"{"dataPoints": [
        {"heartRateVariability": {"sampleTime": {"physicalTime": "2026-05-01T03:00:00Z",
          "utcOffset": "0s"}, "rootMeanSquareOfSuccessiveDifferencesMilliseconds": 41.5,
          "standardDeviationMilliseconds": 60.25}},
        {"dailyHeartRateVariability": {"date": {"year": 2026, "month": 5, "day": 1},
          "averageHeartRateVariabilityMilliseconds": 38.0}}
        ]}"#,
    );
    let bodies = bodies(&page);
    assert_eq!(bodies.len(), 1);
    let summary = bodies[0]
        .heart_data
        .clone()
        .and_then(|heart| heart.heart_rate_data?.summary)
        .unwrap_or_default();
    assert_eq!(summary.avg_hrv_rmssd, Some(38.0), "the day's own RMSSD");
    assert_eq!(summary.avg_hrv_sdnn, Some(60.25));
}
