//! The adapter against the simulator's Wahoo cloud: OAuth with single-use refresh tokens,
//! workouts and the user with every request counted, revocation, and faults.

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use wearbridge_model::DataType;
use wearbridge_model::testing::validate;
use wearbridge_providers::{FetchRange, ProviderCtx, ProviderError, TokenSet, oauth};
use wearbridge_sim::faults::RequestClass;
use wearbridge_sim::{FaultKind, FaultTarget, SimProvider};

use crate::sim_harness::{self, Harness, url};

const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/wahoo";

async fn harness() -> Harness {
    sim_harness::harness("WAHOO").await
}

/// Consent at the simulator, the code exchange and `GET /v1/user`.
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
            .contains("scope=email+user_read+workouts_read+offline_data"),
        "space-separated scopes: {authorize}"
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
    let account = h
        .provider
        .fetch_account(&h.ctx, &tokens.access_token)
        .await
        .unwrap_or_else(|error| panic!("account: {error}"));
    let ctx = h.ctx.clone().for_account(Some(account.provider_user_id));
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
        .records(Some("wahoo"))
        .iter()
        .filter(|record| record.class == RequestClass::Api)
        .count()
}

#[tokio::test]
async fn workouts_and_the_user_are_the_persons_with_every_request_counted() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "wahoo-live-1").await;
    assert_eq!(
        ctx.provider_user_id,
        Some(wearbridge_sim::providers::wahoo::push::user_id("wahoo-live-1").to_string())
    );
    assert!(tokens.expires_at.is_some_and(|at| at > Utc::now()));
    let person = h.sim.person("wahoo-live-1");
    let range = FetchRange {
        start: day(16),
        end: day(2),
    };
    // Fewer than a page (50) of workouts since the window opens: one list request, the
    // summaries come embedded.
    let recent: usize = (0..=18)
        .map(|back| person.day(day(back)).workouts.len())
        .sum();
    assert!(recent < 50, "{recent} workouts in 18 days");
    h.sim.requests().clear();
    let records = h
        .provider
        .fetch(&ctx, &tokens.access_token, DataType::Activity, range)
        .await
        .unwrap_or_else(|error| panic!("workouts: {error}"));
    assert_eq!(data_requests(&h), 1, "one page");
    assert_eq!(
        h.provider.request_cost(DataType::Activity, range),
        1,
        "charged one page"
    );
    let expected: usize = (2..=16)
        .map(|back| person.day(day(back)).workouts.len())
        .sum();
    assert_eq!(records.len(), expected, "every workout of the range");
    for record in &records {
        let json = record
            .to_json()
            .unwrap_or_else(|error| panic!("serializes: {error}"));
        if let Err(errors) = validate("core/Activity", &json) {
            panic!("schema: {errors:#?}");
        }
        let start = json["metadata"]["start_time"].as_str().unwrap_or_default();
        let local = chrono::DateTime::parse_from_rfc3339(start)
            .map(|at| at.date_naive())
            .unwrap_or_default();
        assert!(local >= range.start && local <= range.end, "{start}");
    }
    let kcal: f64 = records
        .iter()
        .filter_map(|record| record.to_json().ok())
        .filter_map(|json| json["calories_data"]["total_burned_calories"].as_f64())
        .sum();
    let model: f64 = (2..=16)
        .flat_map(|back| person.day(day(back)).workouts)
        .map(|workout| workout.total_kcal)
        .sum();
    assert!(
        (kcal - model).abs() < 0.05 * expected as f64 + 1e-9,
        "{kcal} vs {model}"
    );

    h.sim.requests().clear();
    let athlete = h
        .provider
        .fetch(&ctx, &tokens.access_token, DataType::Athlete, range)
        .await
        .unwrap_or_else(|error| panic!("athlete: {error}"));
    assert_eq!(data_requests(&h), 1);
    let athlete = athlete[0]
        .to_json()
        .unwrap_or_else(|error| panic!("serializes: {error}"));
    assert_eq!(athlete["first_name"], person.profile().first_name.as_str());
    if let Err(errors) = validate("core/Athlete", &athlete) {
        panic!("schema: {errors:#?}");
    }
    assert!(matches!(
        h.provider
            .fetch(&ctx, &tokens.access_token, DataType::Sleep, range)
            .await,
        Err(ProviderError::Unsupported(DataType::Sleep))
    ));
}

#[tokio::test]
async fn refresh_tokens_are_single_use_and_revocation_ends_the_grant() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "wahoo-live-2").await;
    let Some(first) = tokens.refresh_token.clone() else {
        panic!("a refresh token");
    };
    let fresh = h
        .provider
        .refresh(&ctx, &first)
        .await
        .unwrap_or_else(|error| panic!("refresh: {error}"));
    let Some(second) = fresh.refresh_token.clone() else {
        panic!("a rotated refresh token");
    };
    use secrecy::ExposeSecret;
    assert_ne!(second.expose_secret(), first.expose_secret(), "rotated");
    assert!(matches!(
        h.provider.refresh(&ctx, &first).await,
        Err(ProviderError::InvalidGrant(_))
    ));
    let Some(oauth) = h.sim.oauth(SimProvider::Wahoo) else {
        panic!("wahoo oauth");
    };
    // An expired access token: revocation refreshes once, then DELETEs the permissions.
    assert!(oauth.expire_access_tokens(Some("wahoo-live-2")) > 0);
    assert!(h.provider.revoke(&ctx, &fresh).await.is_ok());
    assert!(
        oauth
            .check_access(fresh.access_token.expose_secret())
            .is_err()
    );
    assert!(matches!(
        h.provider.refresh(&ctx, &second).await,
        Err(ProviderError::InvalidGrant(_))
    ));
    // Revoking a grant that is already gone counts as done.
    assert!(h.provider.revoke(&ctx, &fresh).await.is_ok());
}

#[tokio::test]
async fn faults_are_wahoos() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "wahoo-live-3").await;
    let token = &tokens.access_token;
    let range = FetchRange {
        start: day(3),
        end: day(2),
    };
    let inject = |kind| h.sim.faults().inject("wahoo", kind, FaultTarget::Api, 1);
    assert!(inject(FaultKind::RateLimit { retry_after_s: 120 }).is_ok());
    let limited = h
        .provider
        .fetch(&ctx, token, DataType::Activity, range)
        .await;
    assert_eq!(
        limited.err(),
        Some(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }),
        "X-RateLimit-Reset"
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

#[tokio::test]
async fn an_older_range_pages_back_through_the_history() {
    let h = harness().await;
    let (tokens, ctx) = connect(&h, "wahoo-live-4").await;
    let person = h.sim.person("wahoo-live-4");
    let range = FetchRange {
        start: day(130),
        end: day(120),
    };
    let newer: usize = (0..=131)
        .map(|back| person.day(day(back)).workouts.len())
        .sum();
    h.sim.requests().clear();
    let records = h
        .provider
        .fetch(&ctx, &tokens.access_token, DataType::Activity, range)
        .await
        .unwrap_or_else(|error| panic!("workouts: {error}"));
    let expected: usize = (120..=130)
        .map(|back| person.day(day(back)).workouts.len())
        .sum();
    assert_eq!(records.len(), expected, "every workout of the range");
    // Pages of 50 down to the page that passes the range's start, and no further.
    let pages = data_requests(&h);
    assert!(pages > 1, "{newer} newer workouts take more than a page");
    assert!(
        pages <= newer / 50 + 1,
        "{pages} pages for {newer} workouts"
    );
}
