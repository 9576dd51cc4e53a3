use chrono::DateTime;
use serde_json::json;

use super::*;
use crate::strava::wire;

fn activity(value: serde_json::Value) -> wire::Activity {
    match serde_json::from_value(value) {
        Ok(activity) => activity,
        Err(error) => panic!("test activity parses: {error}"),
    }
}

fn base() -> serde_json::Value {
    json!({
        "id": 42,
        "name": "Evening Run",
        "start_date": "2026-03-04T03:30:00Z",
        "start_date_local": "2026-03-03T19:30:00Z",
        "elapsed_time": 1800,
        "moving_time": 1700,
        "distance": 5000.0,
        "sport_type": "Run"
    })
}

#[test]
fn the_offset_comes_from_utc_offset_else_the_local_wall_time() {
    let mut with_field = base();
    with_field["utc_offset"] = json!(-28800.0);
    assert_eq!(
        activity_offset(&activity(with_field)).local_minus_utc(),
        -28_800
    );
    // Older payloads: only start_date_local (mislabelled Z) tells the offset.
    assert_eq!(
        activity_offset(&activity(base())).local_minus_utc(),
        -28_800
    );
    let mut broken = base();
    broken["start_date_local"] = json!("yesterday");
    assert_eq!(activity_offset(&activity(broken)).local_minus_utc(), 0);
    let mut odd = base();
    odd["utc_offset"] = json!(1e12);
    odd["start_date_local"] = json!("2026-03-04T03:30:17Z");
    assert_eq!(activity_offset(&activity(odd)).local_minus_utc(), 0);
}

#[test]
fn an_activity_keeps_its_local_day_and_its_durations() {
    let mapped = super::activity(&activity(base()), None);
    let start = mapped.metadata.start_time.to_datetime();
    assert_eq!(
        start,
        DateTime::parse_from_rfc3339("2026-03-03T19:30:00-08:00").ok()
    );
    assert_eq!(
        mapped.metadata.start_time.local_date().to_string(),
        "2026-03-03"
    );
    assert_eq!(
        mapped.metadata.end_time.to_datetime(),
        DateTime::parse_from_rfc3339("2026-03-03T20:00:00-08:00").ok()
    );
    assert_eq!(mapped.metadata.summary_id, "42");
    assert_eq!(mapped.metadata.r#type, ActivityType::Running);
    assert_eq!(mapped.metadata.upload_type, UploadType::Automatic);
    let durations = mapped.active_durations_data.unwrap_or_default();
    assert_eq!(durations.activity_seconds, Some(1700.0));
    assert_eq!(durations.rest_seconds, Some(100.0));
}

#[test]
fn sport_type_wins_over_the_deprecated_type() {
    let mut value = base();
    value["type"] = json!("Ride");
    value["sport_type"] = json!("GravelRide");
    assert_eq!(
        super::activity(&activity(value.clone()), None)
            .metadata
            .r#type,
        ActivityType::GravelCycling
    );
    value
        .as_object_mut()
        .map(|object| object.remove("sport_type"));
    assert_eq!(
        super::activity(&activity(value), None).metadata.r#type,
        ActivityType::Biking
    );
    assert_eq!(activity_type("Pickleball"), ActivityType::Other108);
}

#[test]
fn manual_activities_are_manual_uploads_without_positions() {
    let mut value = base();
    value["manual"] = json!(true);
    value["start_latlng"] = json!([]);
    value["end_latlng"] = json!(null);
    let mapped = super::activity(&activity(value), None);
    assert_eq!(mapped.metadata.upload_type, UploadType::Manual);
    assert!(mapped.position_data.is_none());
}

#[test]
fn the_timer_stops_while_not_moving_and_nulls_are_gaps() {
    let streams: wire::StreamSet = match serde_json::from_value(json!({
        "time": {"data": [0, 1, 2, 3, 4]},
        "moving": {"data": [false, true, false, true, true]},
        "heartrate": {"data": [100, null, 0, 120, 110]},
        "latlng": {"data": [[52.5, 13.4], [91.0, 0.0], null, [52.6, 13.5], [52.7]]}
    })) {
        Ok(streams) => streams,
        Err(error) => panic!("streams parse: {error}"),
    };
    let mapped = super::activity(&activity(base()), Some(&streams));
    let heart = mapped.heart_rate_data.unwrap_or_default();
    let samples = heart
        .detailed
        .and_then(|detailed| detailed.hr_samples)
        .unwrap_or_default();
    let read: Vec<(Option<f64>, Option<f64>)> = samples
        .iter()
        .map(|sample| (sample.bpm, sample.timer_duration_seconds))
        .collect();
    assert_eq!(
        read,
        [
            (Some(100.0), Some(0.0)),
            (Some(120.0), Some(2.0)),
            (Some(110.0), Some(3.0))
        ]
    );
    assert_eq!(heart.summary.and_then(|s| s.min_hr_bpm), Some(100.0));
    let positions = mapped
        .position_data
        .and_then(|position| position.position_samples)
        .unwrap_or_default();
    assert_eq!(positions.len(), 2, "out-of-range and short pairs dropped");
    assert_eq!(
        samples.first().and_then(|sample| sample.timestamp),
        Some(mapped.metadata.start_time)
    );
}

#[test]
fn the_athlete_names_sex_and_account_date() {
    let athlete: wire::Athlete = match serde_json::from_value(json!({
        "id": 1234567890987654321_i64,
        "firstname": "Marianne",
        "lastname": "Teutenberg",
        "sex": "F",
        "created_at": "2017-11-14T02:30:05Z",
        "city": " ",
        "weight": 0
    })) {
        Ok(athlete) => athlete,
        Err(error) => panic!("athlete parses: {error}"),
    };
    let mapped = super::athlete(&athlete);
    assert_eq!(mapped.sex.as_deref(), Some("female"));
    assert_eq!(mapped.account_creation_date.as_deref(), Some("2017-11-14"));
    assert_eq!(
        mapped.provider_user_id.as_deref(),
        Some("1234567890987654321")
    );
    assert_eq!(mapped.city, None, "blank text is no city");
}
