//! The adapter against the simulator's Suunto cloud: OAuth with the username as account,
//! fetches with their requests counted, the APIM key required, faults, refresh,
//! deauthorization, and the simulator's signed pushes through the push handler.

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;
use wearbridge_model::DataType;
use wearbridge_model::testing::validate;
use wearbridge_providers::push::{PushAnswer, PushItem, PushRequest};
use wearbridge_providers::{FetchRange, ProviderCtx, ProviderError, TokenSet, oauth};
use wearbridge_sim::faults::RequestClass;
use wearbridge_sim::{FaultKind, FaultTarget, SimProvider};

use crate::sim_harness::{self, Harness, url};

const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/suunto";

async fn harness() -> Harness {
    sim_harness::harness("SUUNTO").await
}

/// Consent at the simulator and the code exchange; the context names the user.
async fn connect(h: &Harness, account: &str) -> (TokenSet, ProviderCtx) {
    let mut authorize = oauth::authorize_url(
        h.provider.oauth(),
        &h.ctx.creds,
        &url(REDIRECT_URI),
        "state-1",
        None,
    );
    assert!(authorize.as_str().contains("scope=workout"), "{authorize}");
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
        .records(Some("suunto"))
        .iter()
        .filter(|record| record.class == RequestClass::Api)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_map_the_persons_data_and_cost_what_they_send() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "suunto-live").await;
    assert_eq!(tokens.provider_user_id.as_deref(), Some("suunto-live"));
    assert!(tokens.expires_at.is_some_and(|at| at > Utc::now()));
    let account = h
        .provider
        .fetch_account(&ctx, &tokens.access_token)
        .await
        .unwrap_or_else(|error| panic!("account: {error}"));
    assert_eq!(account.provider_user_id, "suunto-live");
    let range = FetchRange {
        start: day(9),
        end: day(2),
    };
    let person = h.sim.person("suunto-live");
    let expected: usize = range
        .start
        .iter_days()
        .take_while(|date| *date <= range.end)
        .map(|date| person.day(date).workouts.len())
        .sum();
    for (data_type, schema, count) in [
        (DataType::Activity, "core/Activity", Some(expected)),
        (DataType::Sleep, "core/Sleep", Some(8)),
        (DataType::Daily, "core/Daily", Some(8)),
        (DataType::Athlete, "core/Athlete", Some(1)),
    ] {
        h.sim.requests().clear();
        let records = h
            .provider
            .fetch(&ctx, &tokens.access_token, data_type, range)
            .await
            .unwrap_or_else(|error| panic!("{data_type}: {error}"));
        assert_eq!(
            data_requests(&h),
            h.provider.request_cost(data_type, range) as usize,
            "{data_type}: requests sent = requests charged"
        );
        if let Some(count) = count {
            assert_eq!(records.len(), count, "{data_type}");
        }
        for record in records {
            let json = record
                .to_json()
                .unwrap_or_else(|error| panic!("{data_type}: {error}"));
            if let Err(errors) = validate(schema, &json) {
                panic!("{data_type} violates {schema}: {errors:#?}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apim_key_is_required_and_faults_are_classified() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "suunto-faults").await;
    let token = &tokens.access_token;
    let range = FetchRange {
        start: day(3),
        end: day(2),
    };
    let mut keyless = ctx.clone();
    keyless.creds.api_key = None;
    h.sim.requests().clear();
    let refused = h
        .provider
        .fetch(&keyless, token, DataType::Activity, range)
        .await;
    assert!(
        matches!(&refused, Err(ProviderError::Malformed(message)) if message.contains("api_key")),
        "{refused:?}"
    );
    assert_eq!(data_requests(&h), 0, "no call without the key");

    let inject = |kind| h.sim.faults().inject("suunto", kind, FaultTarget::Api, 1);
    assert!(inject(FaultKind::RateLimit { retry_after_s: 60 }).is_ok());
    let limited = h.provider.fetch(&ctx, token, DataType::Daily, range).await;
    assert!(
        matches!(limited, Err(ProviderError::RateLimited { retry_after: Some(wait) }) if wait == Duration::from_secs(60)),
        "{limited:?}"
    );
    assert!(inject(FaultKind::ServerError { status: 503 }).is_ok());
    assert!(matches!(
        h.provider.fetch(&ctx, token, DataType::Sleep, range).await,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_tokens_refresh_and_deauthorization_ends_the_grant() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "suunto-refresh").await;
    let range = FetchRange {
        start: day(2),
        end: day(2),
    };
    let Some(oauth) = h.sim.oauth(SimProvider::Suunto) else {
        panic!("suunto oauth");
    };
    assert!(oauth.expire_access_tokens(Some("suunto-refresh")) > 0);
    assert!(matches!(
        h.provider
            .fetch(&ctx, &tokens.access_token, DataType::Daily, range)
            .await,
        Err(ProviderError::Unauthorized(_))
    ));
    let Some(refresh) = &tokens.refresh_token else {
        panic!("a refresh token");
    };
    let fresh = h
        .provider
        .refresh(&ctx, refresh)
        .await
        .unwrap_or_else(|error| panic!("refresh: {error}"));
    assert!(fresh.refresh_token.is_some(), "the refresh token is kept");
    assert!(
        h.provider
            .fetch(&ctx, &fresh.access_token, DataType::Daily, range)
            .await
            .is_ok()
    );
    let bad = h
        .provider
        .refresh(&ctx, &SecretString::from("not-a-refresh-token"))
        .await;
    assert!(
        matches!(bad, Err(ProviderError::InvalidGrant(_))),
        "{bad:?}"
    );
    // Deauthorizing with the expired token refreshes once and ends the grant.
    h.provider
        .revoke(&ctx, &tokens)
        .await
        .unwrap_or_else(|error| panic!("revoke: {error}"));
    assert!(
        h.provider
            .fetch(&ctx, &fresh.access_token, DataType::Daily, range)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulators_signed_pushes_pass_the_handler() {
    let h = harness().await;
    let account = (0..100)
        .map(|n| format!("suunto-push-{n}"))
        .find(|account| !h.sim.person(account).day(day(1)).workouts.is_empty())
        .unwrap_or_else(|| panic!("someone worked out yesterday"));
    for (kind, expect_records) in [("activity", true), ("sleep", true), ("daily", false)] {
        let secret = wearbridge_providers::config::SANDBOX_WEBHOOK_SECRET;
        let Some(message) = h
            .sim
            .push_message(SimProvider::Suunto, &account, kind, day(1), secret)
        else {
            panic!("{kind} push");
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &message.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
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
        let answer = h.provider.push(&h.ctx.creds, &request);
        let Ok(PushAnswer::Items(items)) = answer else {
            panic!("{kind}: {answer:?}");
        };
        match items.as_slice() {
            [
                PushItem::Records {
                    provider_user_id,
                    records,
                },
            ] if expect_records => {
                assert_eq!(provider_user_id, &account);
                assert_eq!(records.len(), 1, "{kind}");
            }
            [
                PushItem::Fetch {
                    provider_user_id,
                    data_type,
                    ..
                },
            ] if !expect_records => {
                assert_eq!(provider_user_id, &account);
                assert_eq!(*data_type, DataType::Daily);
            }
            other => panic!("{kind}: {other:?}"),
        }
    }
}
