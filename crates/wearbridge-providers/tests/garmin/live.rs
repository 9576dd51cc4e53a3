//! The GARMIN adapter against the simulator: OAuth with PKCE, pulls by upload window
//! merged per day (the same person the sim serves), pushes, backfill, faults, revoke.

use std::collections::HashMap;

use chrono::NaiveDate;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::ExposeSecret;
use wearbridge_model::DataType;
use wearbridge_model::testing::validate;
use wearbridge_providers::push::{PushAnswer, PushItem, PushRequest};
use wearbridge_providers::{
    FetchRange, ProviderAccount, ProviderError, TerraRecordData, TokenSet, new_pkce_pair, oauth,
};
use wearbridge_sim::{FaultKind, FaultTarget, SimProvider};

use crate::sim_harness::{self, Harness, url};

const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/garmin";
const ACCOUNT: &str = "fixture-44";

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
}

async fn harness() -> Harness {
    sim_harness::harness("GARMIN").await
}

async fn connect(harness: &Harness) -> TokenSet {
    let pkce = new_pkce_pair();
    let mut authorize = oauth::authorize_url(
        harness.provider.oauth(),
        &harness.ctx.creds,
        &url(REDIRECT_URI),
        "st",
        Some(&pkce.challenge),
    );
    assert!(authorize.path().ends_with("/garmin/oauth2Confirm"));
    authorize
        .query_pairs_mut()
        .append_pair("consent", "allow")
        .append_pair("sim_user", ACCOUNT);
    let response = harness.ctx.http.get(authorize).send().await;
    let location = response.ok().and_then(|r| {
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(url)
    });
    let Some(location) = location else {
        panic!("consent redirects");
    };
    let params: HashMap<String, String> = location.query_pairs().into_owned().collect();
    let code = params.get("code").cloned().unwrap_or_default();
    let tokens = harness
        .provider
        .exchange_code(
            &harness.ctx,
            &code,
            &url(REDIRECT_URI),
            Some(pkce.verifier.expose_secret()),
        )
        .await;
    match tokens {
        Ok(tokens) => tokens,
        Err(error) => panic!("code exchange: {error}"),
    }
}

fn json_of(record: &TerraRecordData) -> serde_json::Value {
    record.to_json().unwrap_or_default()
}

fn schema_of(data_type: DataType) -> &'static str {
    match data_type {
        DataType::Activity => "core/Activity",
        DataType::Body => "core/Body",
        DataType::Daily => "core/Daily",
        DataType::Sleep => "core/Sleep",
        DataType::Menstruation => "core/Menstruation",
        _ => "core/Athlete",
    }
}

#[tokio::test]
async fn connect_fetch_every_type_and_agree_with_the_person() {
    let harness = harness().await;
    let tokens = connect(&harness).await;
    let account = harness
        .provider
        .fetch_account(&harness.ctx, &tokens.access_token)
        .await;
    assert_eq!(
        account.map(|a| a.provider_user_id).ok().as_deref(),
        Some(ACCOUNT)
    );
    let range = FetchRange {
        start: date("2026-03-02"),
        end: date("2026-03-04"),
    };
    let person = harness.sim.person(ACCOUNT);
    let mut seen = HashMap::new();
    for data_type in harness.provider.supported_types() {
        let records = harness
            .provider
            .fetch(&harness.ctx, &tokens.access_token, *data_type, range)
            .await;
        let Ok(records) = records else {
            panic!("{data_type}: {records:?}");
        };
        for record in &records {
            if let Err(errors) = validate(schema_of(*data_type), &json_of(record)) {
                panic!("{data_type}: {errors:#?}");
            }
        }
        seen.insert(*data_type, records);
    }
    let day = date("2026-03-03");
    let daily = seen.get(&DataType::Daily).and_then(|records| {
        records.iter().find_map(|r| match r {
            TerraRecordData::Daily(d) if d.metadata.start_time.local_date() == day => {
                Some(d.clone())
            }
            _ => None,
        })
    });
    let Some(daily) = daily else {
        panic!("a Daily for {day}");
    };
    let truth = person.day(day);
    let steps = daily.distance_data.as_ref().and_then(|d| d.steps);
    assert_eq!(steps, Some(i64::from(truth.total_steps())));
    let resting = daily
        .heart_rate_data
        .as_ref()
        .and_then(|h| h.summary.as_ref())
        .and_then(|s| s.resting_hr_bpm);
    assert_eq!(resting, Some(f64::from(truth.resting_hr_bpm())));
    let weight = seen.get(&DataType::Body).and_then(|records| {
        records.iter().find_map(|r| match r {
            TerraRecordData::Body(b) if b.metadata.start_time.local_date() == day => b
                .measurements_data
                .as_ref()
                .and_then(|m| m.day_avg_weight_kg),
            _ => None,
        })
    });
    // Garmin carries whole grams: within half a gram of the person's weight.
    assert!(
        weight.is_some_and(|w| (w - truth.weight_kg()).abs() <= 0.0005),
        "{weight:?}"
    );
    let asleep = seen.get(&DataType::Sleep).and_then(|records| {
        records.iter().find_map(|r| match r {
            TerraRecordData::Sleep(s) if s.metadata.end_time.local_date() == day => s
                .sleep_durations_data
                .as_ref()
                .and_then(|d| d.asleep.as_ref())
                .and_then(|a| a.duration_asleep_state_seconds),
            _ => None,
        })
    });
    assert_eq!(asleep, Some(truth.sleep_duration_s() as f64));
    let athletes = seen.get(&DataType::Athlete).map(Vec::len);
    assert_eq!(athletes, Some(1));
    // Nothing after the range's last day (the pull window is padded past it).
    for (data_type, records) in &seen {
        for record in records {
            if let Ok(parts) = record.store_parts() {
                assert!(
                    parts.local_date.as_str() <= "2026-03-04",
                    "{data_type} {}",
                    parts.local_date
                );
            }
        }
    }
}

fn push_request<'a>(headers: &'a HeaderMap, body: &'a [u8]) -> PushRequest<'a> {
    PushRequest {
        method: "POST",
        headers,
        query: None,
        body,
    }
}

fn headers_of(message: &wearbridge_sim::PushMessage) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in &message.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    headers
}

#[tokio::test]
async fn simulated_pushes_become_records_or_day_fetches() {
    let harness = harness().await;
    let day = date("2026-03-03");
    let push = |data_type: &str| {
        harness
            .sim
            .push_message(SimProvider::Garmin, ACCOUNT, data_type, day, "unused")
    };
    let Some(daily) = push("daily") else {
        panic!("GARMIN pushes dailies");
    };
    let headers = headers_of(&daily);
    let answer = harness
        .provider
        .push(&harness.ctx.creds, &push_request(&headers, &daily.body));
    let expected = PushItem::Fetch {
        provider_user_id: ACCOUNT.to_owned(),
        data_type: DataType::Daily,
        range: FetchRange {
            start: day,
            end: day,
        },
    };
    assert_eq!(answer, Ok(PushAnswer::Items(vec![expected])));
    let Some(sleep) = push("sleep") else {
        panic!("GARMIN pushes sleeps");
    };
    let answer = harness.provider.push(
        &harness.ctx.creds,
        &push_request(&headers_of(&sleep), &sleep.body),
    );
    let Ok(PushAnswer::Items(items)) = answer else {
        panic!("sleep push accepted: {answer:?}");
    };
    assert!(matches!(items.as_slice(), [PushItem::Records { records, .. }] if records.len() == 1));
    // Body composition comes as a PING: fetch the upload day of its callback window.
    let Some(body) = push("body") else {
        panic!("GARMIN pings body composition");
    };
    let answer = harness.provider.push(
        &harness.ctx.creds,
        &push_request(&headers_of(&body), &body.body),
    );
    let Ok(PushAnswer::Items(items)) = answer else {
        panic!("ping accepted: {answer:?}");
    };
    assert!(matches!(
        items.as_slice(),
        [PushItem::Fetch {
            data_type: DataType::Body,
            ..
        }]
    ));
    // Without our client id the request is not from Garmin for this app.
    let anonymous = HeaderMap::new();
    assert!(
        harness
            .provider
            .push(&harness.ctx.creds, &push_request(&anonymous, &daily.body))
            .is_err()
    );
    // Deregistration notices deauthorize.
    let body = br#"{"deregistrations":[{"userId":"fixture-44"}]}"#;
    let answer = harness
        .provider
        .push(&harness.ctx.creds, &push_request(&headers, body));
    assert_eq!(
        answer,
        Ok(PushAnswer::Items(vec![PushItem::Deauthorized {
            provider_user_id: ACCOUNT.to_owned()
        }]))
    );
}

#[tokio::test]
async fn permissions_are_the_account_scopes_and_their_change_is_pushed() {
    let harness = harness().await;
    let tokens = connect(&harness).await;
    let scopes = |account: Result<ProviderAccount, ProviderError>| match account {
        Ok(account) => account.scopes,
        Err(error) => panic!("account: {error}"),
    };
    let before = harness
        .provider
        .fetch_account(&harness.ctx, &tokens.access_token)
        .await;
    assert_eq!(
        scopes(before).as_deref(),
        Some(
            "ACTIVITY_EXPORT,HEALTH_EXPORT,WORKOUT_IMPORT,COURSE_IMPORT,MCT_EXPORT,\
             HISTORICAL_DATA_EXPORT"
        )
    );
    let kept = ["ACTIVITY_EXPORT", "WORKOUT_IMPORT"];
    let notice = harness.sim.garmin_permissions_change(ACCOUNT, &kept);
    let answer = harness.provider.push(
        &harness.ctx.creds,
        &push_request(&headers_of(&notice), &notice.body),
    );
    assert_eq!(
        answer,
        Ok(PushAnswer::Items(vec![PushItem::PermissionsChanged {
            provider_user_id: ACCOUNT.to_owned(),
            scopes: kept.iter().map(|scope| (*scope).to_owned()).collect(),
        }]))
    );
    let after = harness
        .provider
        .fetch_account(&harness.ctx, &tokens.access_token)
        .await;
    assert_eq!(
        scopes(after).as_deref(),
        Some("ACTIVITY_EXPORT,WORKOUT_IMPORT")
    );
}

#[tokio::test]
async fn backfill_rate_limit_and_deregistration() {
    let harness = harness().await;
    let tokens = connect(&harness).await;
    let account = ProviderAccount {
        provider_user_id: ACCOUNT.to_owned(),
        scopes: None,
    };
    let push_url = url("http://127.0.0.1:9/v2/providers/GARMIN/webhook");
    for _ in 0..2 {
        // The second round is all 409 (duplicate windows), which is still success.
        let result = harness
            .provider
            .on_connect(&harness.ctx, &tokens.access_token, &account, &push_url)
            .await;
        assert_eq!(result, Ok(()));
    }
    let backfills = harness
        .sim
        .requests()
        .records(Some("garmin"))
        .into_iter()
        .filter(|r| r.path.contains("/backfill/"))
        .map(|r| r.status)
        .collect::<Vec<_>>();
    assert!(
        backfills.contains(&202) && backfills.contains(&409),
        "{backfills:?}"
    );
    let range = FetchRange {
        start: date("2026-03-03"),
        end: date("2026-03-03"),
    };
    let injected = harness.sim.faults().inject(
        "garmin",
        FaultKind::RateLimit { retry_after_s: 42 },
        FaultTarget::Api,
        1,
    );
    assert!(injected.is_ok());
    let limited = harness
        .provider
        .fetch(&harness.ctx, &tokens.access_token, DataType::Sleep, range)
        .await;
    assert_eq!(
        limited.err(),
        Some(ProviderError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(42))
        })
    );
    assert_eq!(harness.provider.revoke(&harness.ctx, &tokens).await, Ok(()));
    let after = harness
        .provider
        .fetch(&harness.ctx, &tokens.access_token, DataType::Sleep, range)
        .await;
    assert!(
        matches!(after, Err(ProviderError::Unauthorized(_))),
        "{after:?}"
    );
    let refreshed = match &tokens.refresh_token {
        Some(refresh) => harness.provider.refresh(&harness.ctx, refresh).await.err(),
        None => None,
    };
    assert!(
        matches!(refreshed, Some(ProviderError::InvalidGrant(_))),
        "{refreshed:?}"
    );
}
