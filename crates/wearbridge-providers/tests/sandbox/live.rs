//! The whole SANDBOX cycle against an in-process simulator: consent, code exchange with
//! PKCE, account, every data type over a week, refresh with rotation, error
//! classification under injected faults, revocation.

use chrono::NaiveDate;
use secrecy::{ExposeSecret, SecretString};
use wearbridge_model::DataType;
use wearbridge_model::testing::validate;
use wearbridge_providers::{FetchRange, ProviderError, TokenSet};
use wearbridge_sim::{FaultKind, FaultTarget};

use crate::common::{Harness, authorize, connect, harness, query};

fn week() -> FetchRange {
    let (Some(start), Some(end)) = (
        NaiveDate::from_ymd_opt(2026, 3, 1),
        NaiveDate::from_ymd_opt(2026, 3, 7),
    ) else {
        panic!("valid dates");
    };
    FetchRange { start, end }
}

async fn fetch(
    harness: &Harness,
    token: &SecretString,
    data_type: DataType,
) -> Result<usize, ProviderError> {
    let records = harness
        .provider
        .fetch(&harness.ctx, token, data_type, week())
        .await?;
    for record in &records {
        let json = match record.to_json() {
            Ok(json) => json,
            Err(error) => panic!("{data_type}: {error}"),
        };
        let schema = format!("core/{}", schema_name(data_type));
        if let Err(errors) = validate(&schema, &json) {
            panic!("{data_type} violates {schema}: {errors:#?}");
        }
        assert_eq!(record.data_type(), data_type);
    }
    Ok(records.len())
}

fn schema_name(data_type: DataType) -> &'static str {
    match data_type {
        DataType::Activity => "Activity",
        DataType::Athlete => "Athlete",
        DataType::Body => "Body",
        DataType::Daily => "Daily",
        DataType::Menstruation => "Menstruation",
        DataType::Nutrition => "Nutrition",
        DataType::Sleep => "Sleep",
        other => panic!("SANDBOX does not serve {other}"),
    }
}

fn refresh_token(tokens: &TokenSet) -> SecretString {
    match &tokens.refresh_token {
        Some(token) => token.clone(),
        None => panic!("SANDBOX issues refresh tokens"),
    }
}

#[tokio::test]
async fn connect_fetch_refresh_and_revoke() {
    let harness = harness().await;
    let tokens = connect(&harness, crate::common::ACCOUNT).await;
    assert!(tokens.expires_at.is_some(), "expires_in becomes expires_at");
    assert_eq!(tokens.scopes.as_deref(), Some("all"));

    let account = harness
        .provider
        .fetch_account(&harness.ctx, &tokens.access_token)
        .await;
    assert_eq!(
        account.map(|a| a.provider_user_id).ok().as_deref(),
        Some(crate::common::ACCOUNT)
    );

    // A week: 7 days (daily pages hold 7, workouts 3, so paging is exercised), 7 nights.
    let expected = [
        (DataType::Daily, Some(7)),
        (DataType::Sleep, Some(7)),
        (DataType::Body, Some(7)),
        (DataType::Nutrition, Some(7)),
        (DataType::Menstruation, Some(7)),
        (DataType::Athlete, Some(1)),
        (DataType::Activity, None),
    ];
    for (data_type, count) in expected {
        let fetched = fetch(&harness, &tokens.access_token, data_type).await;
        let Ok(fetched) = fetched else {
            panic!("{data_type}: {fetched:?}");
        };
        match count {
            Some(count) => assert_eq!(fetched, count, "{data_type} records in a week"),
            None => assert!(fetched > 0, "{data_type}: the week has workouts"),
        }
    }
    let planned = harness
        .provider
        .fetch(
            &harness.ctx,
            &tokens.access_token,
            DataType::PlannedWorkout,
            week(),
        )
        .await;
    assert_eq!(
        planned.err(),
        Some(ProviderError::Unsupported(DataType::PlannedWorkout))
    );

    // Refresh rotates: the new pair works, the old refresh token is spent.
    let old_refresh = refresh_token(&tokens);
    let refreshed = harness.provider.refresh(&harness.ctx, &old_refresh).await;
    let Ok(refreshed) = refreshed else {
        panic!("refresh: {refreshed:?}");
    };
    assert_ne!(
        refresh_token(&refreshed).expose_secret(),
        old_refresh.expose_secret()
    );
    let replay = harness.provider.refresh(&harness.ctx, &old_refresh).await;
    assert!(
        matches!(replay, Err(ProviderError::InvalidGrant(_))),
        "{replay:?}"
    );
    assert!(
        fetch(&harness, &refreshed.access_token, DataType::Body)
            .await
            .is_ok()
    );

    // Revocation ends the grant: data calls are unauthorized, refresh is an invalid grant.
    let revoked = harness.provider.revoke(&harness.ctx, &refreshed).await;
    assert_eq!(revoked, Ok(()));
    let after = fetch(&harness, &refreshed.access_token, DataType::Daily).await;
    assert!(
        matches!(after, Err(ProviderError::Unauthorized(_))),
        "{after:?}"
    );
    let refresh_after = harness
        .provider
        .refresh(&harness.ctx, &refresh_token(&refreshed))
        .await;
    assert!(
        matches!(refresh_after, Err(ProviderError::InvalidGrant(_))),
        "{refresh_after:?}"
    );
}

#[tokio::test]
async fn denied_consent_redirects_with_access_denied() {
    let harness = harness().await;
    let (location, _) = authorize(&harness, "denier", "deny").await;
    let params = query(&location);
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("access_denied")
    );
    assert_eq!(params.get("state").map(String::as_str), Some("state-xyz"));
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn wrong_pkce_verifier_is_an_invalid_grant() {
    let harness = harness().await;
    let (location, _) = authorize(&harness, "pkce-user", "allow").await;
    let Some(code) = query(&location).get("code").cloned() else {
        panic!("allow gives a code");
    };
    let wrong = wearbridge_providers::new_pkce_pair();
    let exchanged = harness
        .provider
        .exchange_code(
            &harness.ctx,
            &code,
            &crate::common::parse_url(crate::common::REDIRECT_URI),
            Some(wrong.verifier.expose_secret()),
        )
        .await;
    assert!(
        matches!(exchanged, Err(ProviderError::InvalidGrant(_))),
        "{exchanged:?}"
    );
}

fn inject(harness: &Harness, kind: FaultKind, target: FaultTarget) {
    if let Err(error) = harness.sim.faults().inject("sandbox", kind, target, 1) {
        panic!("fault injection: {error}");
    }
}

#[tokio::test]
async fn provider_failures_are_classified() {
    let harness = harness().await;
    let tokens = connect(&harness, "faulty").await;
    let token = &tokens.access_token;

    inject(
        &harness,
        FaultKind::RateLimit { retry_after_s: 30 },
        FaultTarget::Api,
    );
    let limited = fetch(&harness, token, DataType::Daily).await;
    assert_eq!(
        limited,
        Err(ProviderError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(30))
        })
    );

    inject(
        &harness,
        FaultKind::ServerError { status: 503 },
        FaultTarget::Api,
    );
    let unavailable = fetch(&harness, token, DataType::Sleep).await;
    assert!(
        matches!(unavailable, Err(ProviderError::Transient(_))),
        "{unavailable:?}"
    );

    inject(&harness, FaultKind::MalformedJson, FaultTarget::Api);
    let cut = fetch(&harness, token, DataType::Body).await;
    assert!(matches!(cut, Err(ProviderError::Malformed(_))), "{cut:?}");

    // Token endpoint faults: classified before oauth2 would call them parse errors.
    inject(
        &harness,
        FaultKind::ServerError { status: 502 },
        FaultTarget::Token,
    );
    let refresh = harness
        .provider
        .refresh(&harness.ctx, &refresh_token(&tokens))
        .await;
    assert!(
        matches!(refresh, Err(ProviderError::Transient(_))),
        "{refresh:?}"
    );
    inject(
        &harness,
        FaultKind::RateLimit { retry_after_s: 7 },
        FaultTarget::Token,
    );
    let refresh = harness
        .provider
        .refresh(&harness.ctx, &refresh_token(&tokens))
        .await;
    assert!(
        matches!(refresh, Err(ProviderError::RateLimited { retry_after: Some(d) }) if d.as_secs() == 7),
        "{refresh:?}"
    );

    // An access token that expires mid-backfill: 401 → Unauthorized, then refresh recovers.
    harness
        .sim
        .oauth(wearbridge_sim::SimProvider::Sandbox)
        .map(|oauth| oauth.expire_access_tokens(Some("faulty")));
    let expired = fetch(&harness, token, DataType::Daily).await;
    assert!(
        matches!(expired, Err(ProviderError::Unauthorized(_))),
        "{expired:?}"
    );
    let renewed = harness
        .provider
        .refresh(&harness.ctx, &refresh_token(&tokens))
        .await;
    let Ok(renewed) = renewed else {
        panic!("refresh after expiry: {renewed:?}");
    };
    assert_eq!(
        fetch(&harness, &renewed.access_token, DataType::Daily).await,
        Ok(7)
    );
    // Nothing a provider error says contains a token.
    for error in [expired, unavailable, cut, limited]
        .into_iter()
        .filter_map(Result::err)
    {
        assert!(!error.to_string().contains(token.expose_secret()));
    }
}

#[tokio::test]
async fn an_unreachable_provider_is_transient() {
    let harness = harness().await;
    let address = harness.sim.addr();
    let mut ctx = harness.ctx.clone();
    if let Err(error) = harness.sim.shutdown().await {
        panic!("shutdown: {error}");
    }
    ctx.api_base = crate::common::parse_url(&format!("http://{address}/sandbox/api/v1/"));
    let provider = harness.provider;
    let result = provider
        .fetch(
            &ctx,
            &SecretString::from("at_nothing"),
            DataType::Daily,
            week(),
        )
        .await;
    assert!(
        matches!(result, Err(ProviderError::Transient(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn ranges_longer_than_a_request_window_are_fetched_whole() {
    let harness = harness().await;
    let tokens = connect(&harness, "long-history").await;
    let (Some(start), Some(end)) = (
        NaiveDate::from_ymd_opt(2024, 1, 1),
        NaiveDate::from_ymd_opt(2025, 2, 3),
    ) else {
        panic!("valid dates");
    };
    let records = harness
        .provider
        .fetch(
            &harness.ctx,
            &tokens.access_token,
            DataType::Body,
            FetchRange { start, end },
        )
        .await;
    let Ok(records) = records else {
        panic!("long fetch: {records:?}");
    };
    // One weigh-in per day, each day exactly once across the window boundary.
    let days = usize::try_from((end - start).num_days() + 1).unwrap_or_default();
    assert_eq!(records.len(), days);
    let mut identities: Vec<String> = records
        .iter()
        .filter_map(|record| record.store_parts().ok().map(|parts| parts.identity))
        .collect();
    identities.dedup();
    assert_eq!(identities.len(), days);
    assert_eq!(identities.first().map(String::as_str), Some("2024-01-01"));
    assert_eq!(identities.last().map(String::as_str), Some("2025-02-03"));
}
