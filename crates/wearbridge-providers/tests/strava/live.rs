//! The adapter against the simulator's Strava cloud.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;
use wearbridge_model::DataType;
use wearbridge_model::testing::validate;
use wearbridge_providers::push::{PushAnswer, PushItem, PushRequest};
use wearbridge_providers::strava::subscriptions;
use wearbridge_providers::{
    FetchRange, ProviderCtx, ProviderError, TerraRecordData, TokenSet, oauth,
};
use wearbridge_sim::faults::RequestClass;
use wearbridge_sim::{FaultKind, FaultTarget, SimProvider};

use crate::sim_harness::{self, Harness, url};

const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/strava";

async fn harness() -> Harness {
    sim_harness::harness("STRAVA").await
}

/// Consent at the simulator and the code exchange; the context names the athlete.
async fn connect(h: &Harness, account: &str) -> (TokenSet, ProviderCtx) {
    let mut authorize = oauth::authorize_url(
        h.provider.oauth(),
        &h.ctx.creds,
        &url(REDIRECT_URI),
        "state-1",
        None,
    );
    assert!(
        authorize
            .as_str()
            .contains("scope=read%2Cprofile%3Aread_all%2Cactivity%3Aread_all"),
        "comma-separated scopes: {authorize}"
    );
    authorize
        .query_pairs_mut()
        .append_pair("consent", "allow")
        .append_pair("sim_user", account);
    let response = h
        .ctx
        .http
        .get(authorize)
        .send()
        .await
        .unwrap_or_else(|error| panic!("authorize: {error}"));
    assert_eq!(response.status().as_u16(), 302);
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
    let tokens = h
        .provider
        .exchange_code(&h.ctx, &code, &url(REDIRECT_URI), None)
        .await
        .unwrap_or_else(|error| panic!("code exchange: {error}"));
    let ctx = h.ctx.clone().for_account(tokens.provider_user_id.clone());
    (tokens, ctx)
}

fn day(back: u64) -> NaiveDate {
    Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(back))
        .unwrap_or_default()
}

fn data_requests(h: &Harness) -> usize {
    h.sim
        .requests()
        .records(Some("strava"))
        .iter()
        .filter(|record| record.class == RequestClass::Api)
        .count()
}

#[tokio::test]
async fn activities_and_the_athlete_are_the_persons_with_every_request_counted() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "strava-live-1").await;
    assert!(tokens.refresh_token.is_some());
    assert!(tokens.expires_at.is_some_and(|at| at > Utc::now()));
    // The code exchange names the athlete, so no request is needed for the account.
    h.sim.requests().clear();
    let account = h.provider.fetch_account(&ctx, &tokens.access_token).await;
    assert_eq!(
        account.map(|a| a.provider_user_id).ok(),
        tokens.provider_user_id
    );
    assert_eq!(data_requests(&h), 0);

    let person = h.sim.person("strava-live-1");
    let range = FetchRange {
        start: day(16),
        end: day(2),
    };
    h.sim.requests().clear();
    let records = h
        .provider
        .fetch(&ctx, &tokens.access_token, DataType::Activity, range)
        .await
        .unwrap_or_else(|error| panic!("activities: {error}"));
    let workouts: Vec<_> = range
        .start
        .iter_days()
        .take_while(|date| *date <= range.end)
        .flat_map(|date| person.day(date).workouts)
        .collect();
    assert!(!workouts.is_empty(), "the person works out in two weeks");
    assert_eq!(records.len(), workouts.len());
    // One list page, then a detailed read and a streams read per activity.
    assert_eq!(data_requests(&h), 1 + 2 * workouts.len());
    assert_eq!(
        h.provider.request_cost(DataType::Activity, range),
        1 + 2 * 15,
        "charged one activity a day"
    );
    for (record, workout) in records.iter().zip(&workouts) {
        let TerraRecordData::Activity(activity) = record else {
            panic!("activity records");
        };
        let json = record.to_json().unwrap_or_default();
        if let Err(errors) = validate("core/Activity", &json) {
            panic!("schema: {errors:#?}");
        }
        assert_eq!(
            activity.metadata.start_time.to_datetime(),
            Some(workout.start)
        );
        assert_eq!(
            activity.metadata.start_time.offset(),
            Some(person.offset().fixed()),
            "the person's offset, not UTC"
        );
        assert_eq!(activity.metadata.end_time.to_datetime(), Some(workout.end));
        let summary = activity
            .distance_data
            .as_ref()
            .and_then(|d| d.summary.as_ref());
        assert_eq!(
            summary.and_then(|s| s.distance_meters),
            Some((workout.distance_m * 10.0).round() / 10.0)
        );
        let calories = activity
            .calories_data
            .as_ref()
            .and_then(|c| c.total_burned_calories);
        assert_eq!(calories, Some((workout.total_kcal * 10.0).round() / 10.0));
        let heart = activity.heart_rate_data.as_ref();
        let samples = heart
            .and_then(|h| h.detailed.as_ref())
            .and_then(|d| d.hr_samples.as_ref())
            .map_or(0, Vec::len);
        assert_eq!(samples as i64, workout.duration_s, "1 Hz heart rate");
        assert_eq!(
            heart
                .and_then(|h| h.summary.as_ref())
                .and_then(|s| s.avg_hr_bpm),
            Some(f64::from(workout.avg_hr_bpm))
        );
        let positions = activity
            .position_data
            .as_ref()
            .and_then(|p| p.position_samples.as_ref())
            .map_or(0, Vec::len);
        assert_eq!(positions > 0, workout.has_gps);
        assert!(activity.lap_data.is_some());
    }

    let athletes = h
        .provider
        .fetch(&ctx, &tokens.access_token, DataType::Athlete, range)
        .await
        .unwrap_or_default();
    let Some(TerraRecordData::Athlete(athlete)) = athletes.first() else {
        panic!("one athlete");
    };
    assert_eq!(
        athlete.first_name.as_deref(),
        Some(person.profile().first_name.as_str())
    );
    assert_eq!(athlete.provider_user_id, tokens.provider_user_id);
    assert!(matches!(
        h.provider
            .fetch(&ctx, &tokens.access_token, DataType::Sleep, range)
            .await,
        Err(ProviderError::Unsupported(DataType::Sleep))
    ));
}

#[tokio::test]
async fn refresh_rotates_and_deauthorization_ends_the_grant() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "strava-live-2").await;
    let Some(refresh) = tokens.refresh_token.clone() else {
        panic!("refresh token");
    };
    let renewed = h
        .provider
        .refresh(&ctx, &refresh)
        .await
        .unwrap_or_else(|error| panic!("refresh: {error}"));
    let new_refresh = renewed.refresh_token.clone().unwrap_or(refresh.clone());
    assert_ne!(new_refresh.expose_secret(), refresh.expose_secret());
    assert!(matches!(
        h.provider.refresh(&ctx, &refresh).await,
        Err(ProviderError::InvalidGrant(_))
    ));
    // An expired access token is refreshed once for the deauthorization.
    let oauth = h
        .sim
        .oauth(SimProvider::Strava)
        .unwrap_or_else(|| panic!("oauth"));
    assert!(oauth.expire_access_tokens(Some("strava-live-2")) > 0);
    assert!(h.provider.revoke(&ctx, &renewed).await.is_ok());
    assert!(matches!(
        h.provider.refresh(&ctx, &new_refresh).await,
        Err(ProviderError::InvalidGrant(_))
    ));
    let range = FetchRange {
        start: day(3),
        end: day(2),
    };
    assert!(matches!(
        h.provider
            .fetch(&ctx, &renewed.access_token, DataType::Athlete, range)
            .await,
        Err(ProviderError::Unauthorized(_))
    ));
    // Deauthorizing a grant that is gone already succeeds.
    assert!(h.provider.revoke(&ctx, &renewed).await.is_ok());
}

#[tokio::test]
async fn faults_are_read_as_strava_sends_them() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "strava-live-3").await;
    let token: &SecretString = &tokens.access_token;
    let range = FetchRange {
        start: day(9),
        end: day(2),
    };
    let inject = |kind| h.sim.faults().inject("strava", kind, FaultTarget::Api, 1);
    assert!(inject(FaultKind::RateLimit { retry_after_s: 60 }).is_ok());
    let limited = h
        .provider
        .fetch(&ctx, token, DataType::Activity, range)
        .await;
    assert!(
        matches!(limited, Err(ProviderError::RateLimited { retry_after: Some(wait) })
            if wait <= Duration::from_secs(900)),
        "the 15-minute window: {limited:?}"
    );
    assert!(inject(FaultKind::ServerError { status: 503 }).is_ok());
    assert!(matches!(
        h.provider
            .fetch(&ctx, token, DataType::Athlete, range)
            .await,
        Err(ProviderError::Transient(_))
    ));
    assert!(inject(FaultKind::MalformedJson).is_ok());
    assert!(matches!(
        h.provider
            .fetch(&ctx, token, DataType::Activity, range)
            .await,
        Err(ProviderError::Malformed(_))
    ));
}

/// A push endpoint answering every request with the adapter's own push handler.
async fn push_endpoint(h: &Harness) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|error| panic!("bind: {error}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|error| panic!("addr: {error}"));
    let provider = Arc::clone(&h.provider);
    let creds = h.ctx.creds.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0_u8; 8192];
            let read = socket.read(&mut buffer).await.unwrap_or(0);
            let text = String::from_utf8_lossy(buffer.get(..read).unwrap_or_default()).into_owned();
            let target = text.split_whitespace().nth(1).unwrap_or_default();
            let query = target.split_once('?').map(|(_, q)| q);
            let headers = HeaderMap::new();
            let request = PushRequest {
                method: "GET",
                headers: &headers,
                query,
                body: b"",
            };
            let (status, body) = match provider.push(&creds, &request) {
                Ok(PushAnswer::Handshake { status, body, .. }) => (status, body),
                _ => (401, String::new()),
            };
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    url(&format!("http://{addr}/v2/providers/STRAVA/webhook"))
}

#[tokio::test]
async fn the_subscription_is_verified_kept_and_moved() {
    let h = harness().await;
    let first = push_endpoint(&h).await;
    let next = h.provider.renew_subscriptions(&h.ctx, &first).await;
    assert!(
        matches!(next, Ok(None)),
        "Strava subscriptions do not expire: {next:?}"
    );
    let listed = subscriptions::list(&h.ctx).await.unwrap_or_default();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].callback_url.as_deref(), Some(first.as_str()));
    // Kept as it is: no second create (Strava would refuse it).
    assert!(subscriptions::upkeep(&h.ctx, &first).await.is_ok());
    assert_eq!(
        subscriptions::list(&h.ctx).await.unwrap_or_default(),
        listed
    );
    // A new push URL replaces it.
    let second = push_endpoint(&h).await;
    assert!(subscriptions::upkeep(&h.ctx, &second).await.is_ok());
    let moved = subscriptions::list(&h.ctx).await.unwrap_or_default();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].callback_url.as_deref(), Some(second.as_str()));
}

/// The simulator's events, parsed by the adapter.
#[tokio::test]
async fn simulated_events_become_fetches() {
    let h = harness().await;
    let person = h.sim.person("strava-live-4");
    let Some(date) = (1..40)
        .map(day)
        .find(|date| !person.day(*date).workouts.is_empty())
    else {
        panic!("a workout in forty days");
    };
    let client_id = h.ctx.creds.client_id.clone();
    let headers = HeaderMap::new();
    for (data_type, expected) in [
        ("activity", DataType::Activity),
        ("athlete", DataType::Athlete),
    ] {
        let Some(message) = h.sim.push_message(
            SimProvider::Strava,
            "strava-live-4",
            data_type,
            date,
            &client_id,
        ) else {
            panic!("Strava sends {data_type} events");
        };
        let request = PushRequest {
            method: message.method,
            headers: &headers,
            query: None,
            body: &message.body,
        };
        let answer = h.provider.push(&h.ctx.creds, &request);
        let Ok(PushAnswer::Items(items)) = answer else {
            panic!("accepted: {answer:?}");
        };
        let [
            PushItem::Fetch {
                data_type, range, ..
            },
        ] = items.as_slice()
        else {
            panic!("one fetch: {items:?}");
        };
        assert_eq!(*data_type, expected);
        assert!(range.start <= Utc::now().date_naive() && Utc::now().date_naive() <= range.end);
    }
}
