//! The adapter against the simulator's WHOOP cloud.

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use wearbridge_model::DataType;
use wearbridge_model::testing::validate;
use wearbridge_providers::push::{PushAnswer, PushError, PushItem, PushRequest};
use wearbridge_providers::{FetchRange, ProviderError, TerraRecordData, TokenSet, oauth};
use wearbridge_sim::{FaultKind, FaultTarget, SimProvider};

use crate::sim_harness::{self, Harness, url};

const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/whoop";

async fn harness() -> Harness {
    sim_harness::harness("WHOOP").await
}

async fn connect(harness: &Harness, account: &str) -> TokenSet {
    let mut authorize = oauth::authorize_url(
        harness.provider.oauth(),
        &harness.ctx.creds,
        &url(REDIRECT_URI),
        "state-12345",
        None,
    );
    authorize
        .query_pairs_mut()
        .append_pair("consent", "allow")
        .append_pair("sim_user", account);
    let response = match harness.ctx.http.get(authorize).send().await {
        Ok(response) => response,
        Err(error) => panic!("authorize: {error}"),
    };
    assert_eq!(response.status().as_u16(), 302);
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(url);
    let code = location
        .and_then(|location| {
            location
                .query_pairs()
                .find(|(key, _)| key == "code")
                .map(|(_, value)| value.into_owned())
        })
        .unwrap_or_default();
    match harness
        .provider
        .exchange_code(&harness.ctx, &code, &url(REDIRECT_URI), None)
        .await
    {
        Ok(tokens) => tokens,
        Err(error) => panic!("code exchange: {error}"),
    }
}

fn days_ago(days: u64) -> NaiveDate {
    Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(days))
        .unwrap_or_default()
}

fn range(from: u64, to: u64) -> FetchRange {
    FetchRange {
        start: days_ago(from),
        end: days_ago(to),
    }
}

async fn fetch(
    harness: &Harness,
    token: &SecretString,
    data_type: DataType,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let records = harness
        .provider
        .fetch(&harness.ctx, token, data_type, range)
        .await?;
    for record in &records {
        let Ok(json) = record.to_json() else {
            panic!("serializes");
        };
        let schema = format!("core/{}", schema_name(data_type));
        if let Err(errors) = validate(&schema, &json) {
            panic!("{data_type} violates {schema}: {errors:#?}");
        }
    }
    Ok(records)
}

fn schema_name(data_type: DataType) -> &'static str {
    match data_type {
        DataType::Activity => "Activity",
        DataType::Athlete => "Athlete",
        DataType::Body => "Body",
        DataType::Daily => "Daily",
        DataType::Sleep => "Sleep",
        other => panic!("WHOOP does not serve {other}"),
    }
}

#[tokio::test]
async fn every_type_fetches_schema_valid_records_of_the_synthetic_person() {
    let harness = harness().await;
    let tokens = connect(&harness, "whoop-live-1").await;
    assert!(tokens.refresh_token.is_some(), "offline scope asked");
    let token = &tokens.access_token;
    let account = harness
        .provider
        .fetch_account(&harness.ctx, token)
        .await
        .map(|account| account.provider_user_id);
    let athletes = fetch(&harness, token, DataType::Athlete, range(1, 1)).await;
    let athlete_id = athletes.ok().and_then(|records| match records.first() {
        Some(TerraRecordData::Athlete(athlete)) => athlete.provider_user_id.clone(),
        _ => None,
    });
    assert_eq!(account.ok(), athlete_id);
    let person = harness.sim.person("whoop-live-1");
    let week = range(8, 2);
    // Sleep: one night per day, durations equal the person's.
    let sleeps = fetch(&harness, token, DataType::Sleep, week)
        .await
        .unwrap_or_default();
    assert_eq!(sleeps.len(), 7);
    for record in &sleeps {
        let TerraRecordData::Sleep(sleep) = record else {
            panic!("sleep records");
        };
        let night = person.sleep_ending_on(sleep.metadata.end_time.local_date());
        let asleep = sleep
            .sleep_durations_data
            .as_ref()
            .and_then(|d| d.asleep.as_ref())
            .and_then(|a| a.duration_asleep_state_seconds);
        assert_eq!(asleep, Some(night.asleep_s as f64));
        assert_eq!(
            sleep.metadata.start_time.offset(),
            Some(person.offset().fixed()),
            "the person's offset, not UTC"
        );
    }
    // Daily: one per day, resting heart rate of the night ending that morning.
    let dailies = fetch(&harness, token, DataType::Daily, week)
        .await
        .unwrap_or_default();
    assert_eq!(dailies.len(), 7);
    for record in &dailies {
        let TerraRecordData::Daily(daily) = record else {
            panic!("daily records");
        };
        let date = daily.metadata.start_time.local_date();
        let resting = daily
            .heart_rate_data
            .as_ref()
            .and_then(|h| h.summary.as_ref())
            .and_then(|s| s.resting_hr_bpm);
        assert_eq!(
            resting,
            Some(f64::from(person.day(date).resting_hr_bpm())),
            "{date}"
        );
        assert!(daily.scores.as_ref().and_then(|s| s.recovery).is_some());
    }
    // Body: a recovery per morning; today's also carries the current weight.
    let bodies = fetch(&harness, token, DataType::Body, week)
        .await
        .unwrap_or_default();
    assert_eq!(bodies.len(), 7);
    let today = Utc::now()
        .with_timezone(&person.offset().fixed())
        .date_naive();
    let current = fetch(
        &harness,
        token,
        DataType::Body,
        FetchRange {
            start: today,
            end: today,
        },
    )
    .await
    .unwrap_or_default();
    let weight = current.iter().find_map(|record| match record {
        TerraRecordData::Body(body) => body
            .measurements_data
            .as_ref()
            .and_then(|m| m.measurements.as_ref())
            .and_then(|m| m.first())
            .and_then(|m| m.weight_kg),
        _ => None,
    });
    assert_eq!(weight, Some(person.body_on(today).weight_kg));
    // Activity: every workout of the person's days in range.
    let activities = fetch(&harness, token, DataType::Activity, range(30, 2))
        .await
        .unwrap_or_default();
    let expected: usize = (2..=30)
        .map(|ago| person.day(days_ago(ago)).workouts.len())
        .sum();
    assert_eq!(activities.len(), expected);
    assert!(matches!(
        harness
            .provider
            .fetch(&harness.ctx, token, DataType::Nutrition, week)
            .await,
        Err(ProviderError::Unsupported(DataType::Nutrition))
    ));
}

#[tokio::test]
async fn refresh_rotates_with_the_offline_scope() {
    let harness = harness().await;
    let tokens = connect(&harness, "whoop-live-2").await;
    let Some(refresh) = tokens.refresh_token.as_ref() else {
        panic!("refresh token");
    };
    let renewed = harness.provider.refresh(&harness.ctx, refresh).await;
    let Ok(renewed) = renewed else {
        panic!("refresh works: {renewed:?}");
    };
    assert!(renewed.expires_at.is_some());
    let new_refresh = renewed.refresh_token.map(|t| t.expose_secret().to_owned());
    assert!(new_refresh.is_some());
    assert_ne!(new_refresh.as_deref(), Some(refresh.expose_secret()));
    assert!(matches!(
        harness.provider.refresh(&harness.ctx, refresh).await,
        Err(ProviderError::InvalidGrant(_))
    ));
}

#[tokio::test]
async fn faults_classify_and_revoke_ends_the_grant() {
    let harness = harness().await;
    let tokens = connect(&harness, "whoop-live-3").await;
    let token = &tokens.access_token;
    let faults = harness.sim.faults();
    let inject = |kind: FaultKind| faults.inject("whoop", kind, FaultTarget::Api, 1);
    assert!(inject(FaultKind::RateLimit { retry_after_s: 37 }).is_ok());
    assert_eq!(
        harness
            .provider
            .fetch(&harness.ctx, token, DataType::Sleep, range(3, 2))
            .await
            .err(),
        Some(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(37))
        }),
        "X-RateLimit-Reset read"
    );
    assert!(inject(FaultKind::ServerError { status: 503 }).is_ok());
    assert!(matches!(
        fetch(&harness, token, DataType::Daily, range(3, 2)).await,
        Err(ProviderError::Transient(_))
    ));
    assert!(inject(FaultKind::MalformedJson).is_ok());
    assert!(matches!(
        fetch(&harness, token, DataType::Sleep, range(3, 2)).await,
        Err(ProviderError::Malformed(_))
    ));
    assert!(harness.provider.revoke(&harness.ctx, &tokens).await.is_ok());
    assert!(matches!(
        fetch(&harness, token, DataType::Sleep, range(3, 2)).await,
        Err(ProviderError::Unauthorized(_))
    ));
    let Some(refresh) = tokens.refresh_token.as_ref() else {
        panic!("refresh token");
    };
    assert!(matches!(
        harness.provider.refresh(&harness.ctx, refresh).await,
        Err(ProviderError::InvalidGrant(_))
    ));
}

/// The simulator's webhook, verified and parsed by the adapter.
#[tokio::test]
async fn a_simulated_webhook_becomes_fetches() {
    let harness = harness().await;
    let secret = harness.ctx.creds.client_secret.expose_secret().to_owned();
    let Some(message) = harness.sim.push_message(
        SimProvider::Whoop,
        "whoop-live-4",
        "body",
        days_ago(1),
        &secret,
    ) else {
        panic!("WHOOP pushes recoveries");
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &message.headers {
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    let request = PushRequest {
        method: message.method,
        headers: &headers,
        query: None,
        body: &message.body,
    };
    let answer = harness.provider.push(&harness.ctx.creds, &request);
    let Ok(PushAnswer::Items(items)) = answer else {
        panic!("verified: {answer:?}");
    };
    let types: Vec<DataType> = items
        .iter()
        .filter_map(|item| match item {
            PushItem::Fetch {
                provider_user_id,
                data_type,
                range,
            } => {
                assert!(range.start <= days_ago(1) && days_ago(1) <= range.end);
                assert!(!provider_user_id.is_empty());
                Some(*data_type)
            }
            _ => None,
        })
        .collect();
    assert_eq!(types, vec![DataType::Body, DataType::Daily]);
    let tampered = PushRequest {
        body: b"{}",
        ..request
    };
    assert_eq!(
        harness.provider.push(&harness.ctx.creds, &tampered),
        Err(PushError::BadSignature)
    );
    let get = PushRequest {
        method: "GET",
        ..request
    };
    assert!(matches!(
        harness.provider.push(&harness.ctx.creds, &get),
        Err(PushError::NotSupported(_))
    ));
}
