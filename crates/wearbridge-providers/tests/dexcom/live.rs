//! The adapter against the simulator's Dexcom cloud: OAuth, every type against the synthetic
//! person, `/dataRange` bounding fetches, refresh rotation, faults, and the missing revoke.

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use secrecy::ExposeSecret;
use wearbridge_model::DataType;
use wearbridge_model::testing::validate;
use wearbridge_providers::{FetchRange, ProviderError, TerraRecordData, TokenSet, oauth};
use wearbridge_sim::faults::RequestClass;
use wearbridge_sim::{FaultKind, FaultTarget, SimProvider};

use crate::sim_harness::{self, Harness, url};

const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/dexcom";

async fn harness() -> Harness {
    sim_harness::harness("DEXCOM").await
}

async fn connect(harness: &Harness, account: &str) -> TokenSet {
    let mut authorize = oauth::authorize_url(
        harness.provider.oauth(),
        &harness.ctx.creds,
        &url(REDIRECT_URI),
        "state-1",
        None,
    );
    authorize
        .query_pairs_mut()
        .append_pair("consent", "allow")
        .append_pair("sim_user", account);
    let response = harness
        .ctx
        .http
        .get(authorize)
        .send()
        .await
        .unwrap_or_else(|error| panic!("login: {error}"));
    assert_eq!(response.status().as_u16(), 302, "scope=offline_access sent");
    let code = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(url)
        .and_then(|location| {
            location
                .query_pairs()
                .find(|(key, _)| key == "code")
                .map(|(_, value)| value.into_owned())
        })
        .unwrap_or_default();
    harness
        .provider
        .exchange_code(&harness.ctx, &code, &url(REDIRECT_URI), None)
        .await
        .unwrap_or_else(|error| panic!("code exchange: {error}"))
}

fn days_ago(days: u64) -> NaiveDate {
    Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(days))
        .unwrap_or_default()
}

fn week() -> FetchRange {
    FetchRange {
        start: days_ago(8),
        end: days_ago(2),
    }
}

async fn fetch(
    harness: &Harness,
    tokens: &TokenSet,
    data_type: DataType,
    range: FetchRange,
) -> Result<Vec<TerraRecordData>, ProviderError> {
    let records = harness
        .provider
        .fetch(&harness.ctx, &tokens.access_token, data_type, range)
        .await?;
    for record in &records {
        let json = record.to_json().unwrap_or_else(|error| panic!("{error}"));
        let schema = format!(
            "core/{}",
            match data_type {
                DataType::Body => "Body",
                DataType::Nutrition => "Nutrition",
                _ => "Activity",
            }
        );
        if let Err(errors) = validate(&schema, &json) {
            panic!("{data_type} violates {schema}: {errors:#?}");
        }
    }
    Ok(records)
}

#[tokio::test]
async fn every_type_carries_the_persons_glucose_meals_and_workouts() {
    let harness = harness().await;
    let account = "dexcom-live-1";
    let tokens = connect(&harness, account).await;
    assert!(tokens.refresh_token.is_some(), "offline_access gives one");
    let found = harness
        .provider
        .fetch_account(&harness.ctx, &tokens.access_token)
        .await
        .map(|account| account.provider_user_id);
    assert_eq!(
        found.ok(),
        Some(wearbridge_sim::providers::dexcom::render::user_id(account))
    );
    let person = harness.sim.person(account);

    let bodies = fetch(&harness, &tokens, DataType::Body, week())
        .await
        .unwrap_or_default();
    assert_eq!(bodies.len(), 7);
    for record in &bodies {
        let TerraRecordData::Body(body) = record else {
            panic!("body records");
        };
        let date = body.metadata.start_time.local_date();
        assert_eq!(
            body.metadata.start_time.offset(),
            Some(person.offset().fixed())
        );
        let readings = person.glucose_on(date);
        let glucose = body.glucose_data.as_ref();
        let samples = glucose.and_then(|g| g.blood_glucose_samples.as_ref());
        assert_eq!(
            samples.map(Vec::len),
            Some(readings.len()),
            "{date}: every reading"
        );
        let mean = readings.iter().map(|r| r.mg_per_dl).sum::<f64>() / readings.len() as f64;
        let average = glucose.and_then(|g| g.day_avg_blood_glucose_mg_per_dl);
        let mean = (mean * 10.0).round() / 10.0;
        assert_eq!(average, Some(mean), "{date}: the mean to one decimal");
        let first = samples.and_then(|s| s.first()).and_then(|s| s.timestamp);
        assert_eq!(
            first.and_then(|t| t.to_datetime()),
            readings.first().map(|r| r.at),
            "{date}: the reading's instant, in the person's offset"
        );
    }

    let nutrition = fetch(&harness, &tokens, DataType::Nutrition, week())
        .await
        .unwrap_or_default();
    assert_eq!(nutrition.len(), 7);
    for record in &nutrition {
        let TerraRecordData::Nutrition(day) = record else {
            panic!("nutrition records");
        };
        let date = day.metadata.start_time.local_date();
        let eaten: f64 = person
            .day(date)
            .meals
            .iter()
            .map(|m| m.carbohydrates_g)
            .sum();
        let total = day
            .summary
            .as_ref()
            .and_then(|s| s.macros.as_ref())
            .and_then(|m| m.carbohydrates_g);
        assert!(
            total.is_some_and(|t| (t - eaten).abs() < 1e-6),
            "{date}: {total:?} vs {eaten}"
        );
    }

    let month = FetchRange {
        start: days_ago(30),
        end: days_ago(2),
    };
    let activities = fetch(&harness, &tokens, DataType::Activity, month)
        .await
        .unwrap_or_default();
    let workouts: Vec<_> = (2..=30)
        .flat_map(|ago| person.day(days_ago(ago)).workouts)
        .collect();
    assert_eq!(activities.len(), workouts.len());
    let minutes: i64 = workouts
        .iter()
        .map(|w| (w.duration_s as f64 / 60.0).round() as i64)
        .sum();
    let seconds: f64 = activities
        .iter()
        .filter_map(|record| match record {
            TerraRecordData::Activity(a) => a.active_durations_data.as_ref()?.activity_seconds,
            _ => None,
        })
        .sum();
    assert_eq!(seconds, (minutes * 60) as f64);
    assert!(matches!(
        harness
            .provider
            .fetch(&harness.ctx, &tokens.access_token, DataType::Sleep, week())
            .await,
        Err(ProviderError::Unsupported(DataType::Sleep))
    ));
}

#[tokio::test]
async fn the_data_range_keeps_fetches_inside_the_accounts_history() {
    let harness = harness().await;
    let tokens = connect(&harness, "dexcom-live-2").await;
    harness.sim.requests().clear();
    // The simulated history starts on 2025-01-01: a week of 2024 asks Dexcom for nothing.
    let before = FetchRange {
        start: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or_default(),
        end: NaiveDate::from_ymd_opt(2024, 6, 7).unwrap_or_default(),
    };
    let records = fetch(&harness, &tokens, DataType::Body, before).await;
    assert_eq!(records.map(|r| r.len()).ok(), Some(0));
    let paths: Vec<String> = harness
        .sim
        .requests()
        .records(Some("dexcom"))
        .into_iter()
        .filter(|record| record.class == RequestClass::Api)
        .map(|record| record.path)
        .collect();
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].ends_with("/v3/users/self/dataRange"), "{paths:?}");

    // Uploads held back at an instant: nothing later is asked for or returned.
    let until = Utc::now() - chrono::TimeDelta::days(4);
    harness.sim.dexcom_hold_uploads("dexcom-live-2", until);
    let recent = FetchRange {
        start: days_ago(2),
        end: days_ago(0),
    };
    let records = fetch(&harness, &tokens, DataType::Body, recent).await;
    assert_eq!(records.map(|r| r.len()).ok(), Some(0));
}

#[tokio::test]
async fn refresh_tokens_rotate_and_are_single_use() {
    let harness = harness().await;
    let tokens = connect(&harness, "dexcom-live-3").await;
    let Some(refresh) = tokens.refresh_token.as_ref() else {
        panic!("refresh token");
    };
    let renewed = harness.provider.refresh(&harness.ctx, refresh).await;
    let Ok(renewed) = renewed else {
        panic!("refresh works: {renewed:?}");
    };
    let lifetime = renewed.expires_at.map(|at| at - Utc::now());
    assert!(
        lifetime.is_some_and(|l| l > chrono::TimeDelta::minutes(110)),
        "two hours"
    );
    let rotated = renewed.refresh_token.map(|t| t.expose_secret().to_owned());
    assert!(rotated.is_some());
    assert_ne!(rotated.as_deref(), Some(refresh.expose_secret()));
    assert!(matches!(
        harness.provider.refresh(&harness.ctx, refresh).await,
        Err(ProviderError::InvalidGrant(_))
    ));
}

#[tokio::test]
async fn faults_classify_and_a_removed_app_ends_the_grant() {
    let harness = harness().await;
    let account = "dexcom-live-4";
    let tokens = connect(&harness, account).await;
    let faults = harness.sim.faults();
    let inject = |kind: FaultKind| faults.inject("dexcom", kind, FaultTarget::Api, 1);
    assert!(inject(FaultKind::RateLimit { retry_after_s: 42 }).is_ok());
    assert_eq!(
        fetch(&harness, &tokens, DataType::Body, week()).await.err(),
        Some(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(42))
        })
    );
    assert!(inject(FaultKind::ServerError { status: 503 }).is_ok());
    assert!(matches!(
        fetch(&harness, &tokens, DataType::Body, week()).await,
        Err(ProviderError::Transient(_))
    ));
    assert!(inject(FaultKind::MalformedJson).is_ok());
    assert!(matches!(
        fetch(&harness, &tokens, DataType::Nutrition, week()).await,
        Err(ProviderError::Malformed(_))
    ));

    // Dexcom has no revocation endpoint: revoke makes no call and the grant still works.
    harness.sim.requests().clear();
    assert!(harness.provider.revoke(&harness.ctx, &tokens).await.is_ok());
    assert!(harness.sim.requests().records(Some("dexcom")).is_empty());
    assert!(
        fetch(&harness, &tokens, DataType::Activity, week())
            .await
            .is_ok()
    );

    // The user removes the app in their Dexcom account.
    let Some(oauth) = harness.sim.oauth(SimProvider::Dexcom) else {
        panic!("dexcom oauth");
    };
    assert!(oauth.revoke_account(account) > 0);
    assert!(matches!(
        fetch(&harness, &tokens, DataType::Body, week()).await,
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
