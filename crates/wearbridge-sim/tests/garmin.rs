//! The GARMIN simulator against the Garmin summary schemas (RADAR-base's Avro records of
//! Garmin's Health API, `tests/fixtures/garmin/avro/`): every field the simulator sends
//! has the Avro field's JSON type under Garmin's wire name, and no field is unknown.

mod support;

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;
use sha2::{Digest, Sha256};
use wearbridge_sim::{SimConfig, Simulator};

const VERIFIER: &str = "a-very-long-code-verifier-that-is-at-least-43-characters-long";
const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// RADAR renamed Garmin's fields; this is the way back (RADAR name → Garmin wire name).
const RENAMES: [(&str, &str); 36] = [
    ("startTimeOffset", "startTimeOffsetInSeconds"),
    ("date", "calendarDate"),
    ("duration", "durationInSeconds"),
    ("distance", "distanceInMeters"),
    ("activeTime", "activeTimeInSeconds"),
    (
        "moderateIntensityDuration",
        "moderateIntensityDurationInSeconds",
    ),
    (
        "vigorousIntensityDuration",
        "vigorousIntensityDurationInSeconds",
    ),
    ("minHeartRate", "minHeartRateInBeatsPerMinute"),
    ("maxHeartRate", "maxHeartRateInBeatsPerMinute"),
    ("restingHeartRate", "restingHeartRateInBeatsPerMinute"),
    ("averageHeartRate", "averageHeartRateInBeatsPerMinute"),
    ("metabolicEquivalentOfTask", "met"),
    (
        "unmeasurableSleepDuration",
        "unmeasurableSleepDurationInSeconds",
    ),
    ("deepSleepDuration", "deepSleepDurationInSeconds"),
    ("lightSleepDuration", "lightSleepDurationInSeconds"),
    ("remSleepDuration", "remSleepInSeconds"),
    ("awakeDuration", "awakeDurationInSeconds"),
    ("measurementTimeOffset", "measurementTimeOffsetInSeconds"),
    ("muscleMass", "muscleMassInGrams"),
    ("boneMass", "boneMassInGrams"),
    ("bodyWater", "bodyWaterInPercent"),
    ("bodyFat", "bodyFatInPercent"),
    ("weight", "weightInGrams"),
    ("averageSpeed", "averageSpeedInMetersPerSecond"),
    ("maxSpeed", "maxSpeedInMetersPerSecond"),
    ("startingLatitude", "startingLatitudeInDegree"),
    ("startingLongitude", "startingLongitudeInDegree"),
    ("totalElevationGain", "totalElevationGainInMeters"),
    ("speed", "speedMetersPerSecond"),
    ("totalDistance", "totalDistanceInMeters"),
    ("timerDuration", "timerDurationInSeconds"),
    ("clockDuration", "clockDurationInSeconds"),
    ("movingDuration", "movingDurationInSeconds"),
    ("latitude", "latitudeInDegree"),
    ("longitude", "longitudeInDegree"),
    ("elevation", "elevationInMeters"),
];

/// Garmin fields RADAR flattens away or keeps elsewhere (maps, nested lists, the user).
const NOT_IN_AVRO: [&str; 7] = [
    "userId",
    "timeOffsetHeartRateSamples",
    "sleepLevelsMap",
    "hrvValues",
    "activityName",
    "summary",
    "samples",
];

fn schema(name: &str) -> Result<HashMap<String, String>, Box<dyn std::error::Error>> {
    let path = format!(
        "{}/tests/fixtures/garmin/avro/garmin_{name}.avsc",
        env!("CARGO_MANIFEST_DIR")
    );
    let avsc: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let mut fields = HashMap::new();
    for field in avsc["fields"].as_array().ok_or("fields")? {
        let name = field["name"].as_str().ok_or("name")?;
        // `["null", T]` or `T`.
        let kind = match &field["type"] {
            Value::Array(union) => union
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null"),
            other => other.as_str(),
        }
        .ok_or("type")?;
        let wire = RENAMES
            .iter()
            .find(|(from, _)| *from == name)
            .map_or(name, |(_, to)| *to);
        fields.insert(wire.to_owned(), kind.to_owned());
    }
    Ok(fields)
}

/// Checks one wire object against an Avro schema; `time` is the summary's start field.
fn check(name: &str, object: &Value, time_field: &str) -> TestResult {
    let mut fields = schema(name)?;
    if let Some(kind) = fields.remove("time") {
        fields.insert(time_field.to_owned(), kind);
    }
    let map = object.as_object().ok_or("summary is an object")?;
    for (key, value) in map {
        if NOT_IN_AVRO.contains(&key.as_str()) {
            continue;
        }
        let Some(kind) = fields.get(key) else {
            return Err(format!("{name}: field {key} is not in the schema").into());
        };
        let ok = match kind.as_str() {
            "int" | "long" => value.is_i64() || value.is_u64(),
            "float" | "double" => value.is_number(),
            "string" => value.is_string() || (key == "activityId" && value.is_u64()),
            "boolean" => value.is_boolean(),
            _ => true,
        };
        if !ok {
            return Err(format!("{name}: {key} = {value} is not {kind}").into());
        }
    }
    Ok(())
}

#[tokio::test]
async fn every_summary_matches_the_garmin_schemas() -> TestResult {
    let sim = Simulator::spawn(SimConfig::default()).await?;
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()?;
    let base = sim.base_url();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let authorize = format!(
        "{base}/garmin/oauth2Confirm?response_type=code&client_id=app&redirect_uri={REDIRECT_URI}&state=s"
    );
    // PKCE is mandatory.
    let refused = http
        .get(format!("{authorize}&consent=allow&sim_user=fixture-44"))
        .send()
        .await?;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let allowed = http
        .get(format!(
            "{authorize}&code_challenge={challenge}&code_challenge_method=S256&consent=allow&sim_user=fixture-44"
        ))
        .send()
        .await?;
    let code = support::redirect_code(&allowed)?;
    let tokens: Value = http
        .post(format!("{base}/garmin/di-oauth2-service/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
            ("client_id", "app"),
            ("client_secret", "secret"),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = tokens["access_token"]
        .as_str()
        .ok_or("access token")?
        .to_owned();
    // Two upload days around 2026-03-04 (the person is at -05:00).
    let window = "uploadStartTimeInSeconds=1772582400&uploadEndTimeInSeconds=1772668800";
    let get = |kind: &str| {
        let request = http
            .get(format!("{base}/garmin/wellness-api/rest/{kind}?{window}"))
            .bearer_auth(&token);
        async move { request.send().await?.json::<Value>().await }
    };
    let cases = [
        ("dailies", "daily_summary", "startTimeInSeconds"),
        ("epochs", "epoch_summary", "startTimeInSeconds"),
        ("sleeps", "sleep_summary", "startTimeInSeconds"),
        (
            "hrv",
            "heart_rate_variability_summary",
            "startTimeInSeconds",
        ),
        ("bodyComps", "body_composition", "measurementTimeInSeconds"),
        ("activities", "activity_summary", "startTimeInSeconds"),
    ];
    for (kind, avro, time) in cases {
        let items = get(kind).await?;
        let items = items.as_array().ok_or("a bare array")?;
        assert!(!items.is_empty(), "{kind}: summaries uploaded that day");
        for item in items {
            check(avro, item, time)?;
        }
    }
    let details = get("activityDetails").await?;
    for detail in details.as_array().ok_or("array")? {
        check("activity_details", &detail["summary"], "startTimeInSeconds")?;
        for sample in detail["samples"]
            .as_array()
            .ok_or("samples")?
            .iter()
            .take(100)
        {
            check("activity_details_sample", sample, "startTimeInSeconds")?;
        }
    }
    for span in get("sleeps").await?[0]["sleepLevelsMap"]["deep"]
        .as_array()
        .ok_or("deep")?
    {
        let mut renamed = serde_json::Map::new();
        renamed.insert("startTime".into(), span["startTimeInSeconds"].clone());
        renamed.insert("endTime".into(), span["endTimeInSeconds"].clone());
        assert!(renamed.values().all(Value::is_i64));
    }
    // Garmin's limits: 24 h of upload time per request, seconds not milliseconds.
    let too_long = http
        .get(format!(
            "{base}/garmin/wellness-api/rest/dailies?uploadStartTimeInSeconds=0&uploadEndTimeInSeconds=86401"
        ))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    let body: Value = too_long.json().await?;
    assert!(body["errorMessage"].is_string());
    let millis = http
        .get(format!(
            "{base}/garmin/wellness-api/rest/dailies?uploadStartTimeInSeconds=1772582400000&uploadEndTimeInSeconds=1772582400001"
        ))
        .bearer_auth(&token)
        .send()
        .await?;
    assert_eq!(millis.status(), StatusCode::BAD_REQUEST);
    Ok(())
}
