//! The OURA adapter against the simulator's Oura cloud, configured by the registry in
//! sandbox mode: consent and code exchange, every data type over a week (schema-valid,
//! numbers equal to the synthetic person's), refresh rotation, fault classification,
//! revocation, and webhook subscription upkeep with the verification handshake answered
//! by the adapter's own push handler.

use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta, Utc};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;
use wearbridge_model::DataType;
use wearbridge_model::testing::validate;
use wearbridge_providers::oura::{push, subscriptions};
use wearbridge_providers::{
    FetchRange, Provider, ProviderCtx, ProviderError, ProvidersConfig, PushAnswer, PushRequest,
    Registry, TerraRecordData, TokenSet, http_client, oauth,
};
use wearbridge_sim::{FaultKind, FaultTarget, SimConfig, SimHandle, SimProvider, Simulator};

const ACCOUNT: &str = "fixture-44";
const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/oura";

struct Harness {
    sim: SimHandle,
    provider: Arc<dyn Provider>,
    ctx: ProviderCtx,
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

async fn harness() -> Harness {
    let sim = match Simulator::spawn(SimConfig::default()).await {
        Ok(sim) => sim,
        Err(error) => panic!("simulator: {error}"),
    };
    let endpoints = wearbridge_sim::layout::endpoints(&url(&sim.base_url()));
    let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
    let (Some(provider), Ok(http)) = (registry.get("OURA"), http_client()) else {
        panic!("sandbox mode configures OURA");
    };
    let Some(ctx) = registry.ctx("oura", http) else {
        panic!("OURA context");
    };
    Harness { sim, provider, ctx }
}

async fn connect(h: &Harness) -> TokenSet {
    let mut authorize = oauth::authorize_url(
        h.provider.oauth(),
        &h.ctx.creds,
        &url(REDIRECT_URI),
        "state",
        None,
    );
    authorize
        .query_pairs_mut()
        .append_pair("consent", "allow")
        .append_pair("sim_user", ACCOUNT);
    let response = h.ctx.http.get(authorize).send().await;
    let location = response
        .ok()
        .and_then(|r| r.headers().get("location")?.to_str().ok().map(url));
    let Some(location) = location else {
        panic!("consent redirects");
    };
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    match h
        .provider
        .exchange_code(&h.ctx, &code, &url(REDIRECT_URI), None)
        .await
    {
        Ok(tokens) => tokens,
        Err(error) => panic!("code exchange: {error}"),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn week() -> FetchRange {
    FetchRange {
        start: day(2026, 3, 1),
        end: day(2026, 3, 7),
    }
}

async fn fetch(h: &Harness, token: &SecretString, data_type: DataType) -> Vec<TerraRecordData> {
    match h.provider.fetch(&h.ctx, token, data_type, week()).await {
        Ok(records) => records,
        Err(error) => panic!("{data_type}: {error}"),
    }
}

fn json_of(record: &TerraRecordData) -> serde_json::Value {
    let json = record
        .to_json()
        .unwrap_or_else(|e| panic!("serializes: {e}"));
    let schema = match record.data_type() {
        DataType::Activity => "core/Activity",
        DataType::Athlete => "core/Athlete",
        DataType::Body => "core/Body",
        DataType::Daily => "core/Daily",
        DataType::Sleep => "core/Sleep",
        other => panic!("OURA does not serve {other}"),
    };
    if let Err(errors) = validate(schema, &json) {
        panic!("{schema}: {errors:#?}");
    }
    json
}

#[tokio::test]
async fn every_type_maps_from_the_simulator_with_the_persons_numbers() {
    let h = harness().await;
    let tokens = connect(&h).await;
    assert!(tokens.refresh_token.is_some());
    let token = &tokens.access_token;
    let account = h.provider.fetch_account(&h.ctx, token).await;
    assert_eq!(
        account.map(|a| a.provider_user_id).ok().as_deref(),
        Some(ACCOUNT)
    );
    let person = h.sim.person(ACCOUNT);

    // Sleep: one night per day of the week (the last day included), the person's numbers.
    let sleeps: Vec<_> = fetch(&h, token, DataType::Sleep)
        .await
        .iter()
        .map(json_of)
        .collect();
    assert_eq!(
        sleeps.len(),
        7,
        "a night per day, the range's last day included"
    );
    for (sleep, date) in sleeps.iter().zip(day(2026, 3, 1).iter_days()) {
        let night = person.sleep_ending_on(date);
        let asleep = &sleep["sleep_durations_data"]["asleep"];
        assert_eq!(
            asleep["duration_asleep_state_seconds"],
            night.asleep_s as f64
        );
        assert_eq!(
            sleep["heart_rate_data"]["summary"]["resting_hr_bpm"],
            f64::from(night.resting_hr_bpm)
        );
        assert_eq!(
            sleep["heart_rate_data"]["summary"]["avg_hrv_rmssd"],
            night.hrv_rmssd_ms.round()
        );
        assert!(sleep["heart_rate_data"]["detailed"]["hrv_samples_sdnn"].is_null());
        assert_eq!(
            sleep["metadata"]["end_time"]
                .as_str()
                .map(|t| t.ends_with(&person.offset().to_string())),
            Some(true),
            "local offset kept"
        );
    }

    // Daily: a record per day (activity, readiness merged in), Oura's 04:00-04:00 steps.
    let dailies: Vec<_> = fetch(&h, token, DataType::Daily)
        .await
        .iter()
        .map(json_of)
        .collect();
    assert_eq!(dailies.len(), 7);
    let (today, tomorrow) = (person.day(day(2026, 3, 7)), person.day(day(2026, 3, 8)));
    let steps: u32 = today.intervals[16..]
        .iter()
        .chain(&tomorrow.intervals[..16])
        .map(|i| i.steps)
        .sum();
    assert_eq!(dailies[6]["distance_data"]["steps"], steps);
    assert_eq!(
        dailies[6]["active_durations_data"]["activity_levels_samples"]
            .as_array()
            .map(Vec::len),
        Some(288)
    );
    // The other Daily collections of the day merged in: the sleep score (simulator: mean
    // of four contributors), daytime stress seconds, the Uth–Sørensen VO2 max and the ring.
    let night = person.sleep_ending_on(day(2026, 3, 7));
    let vo2 = (15.3 * person.profile().max_hr_bpm / f64::from(night.resting_hr_bpm)).round();
    assert_eq!(dailies[6]["oxygen_data"]["vo2max_ml_per_min_per_kg"], vo2);
    assert!(
        dailies[6]["scores"]["sleep"]
            .as_f64()
            .is_some_and(|s| (1.0..=100.0).contains(&s))
    );
    let stress = &dailies[6]["stress_data"];
    assert!(
        stress["high_stress_duration_seconds"]
            .as_f64()
            .is_some_and(|s| s % 900.0 == 0.0)
    );
    assert!(stress["rest_stress_duration_seconds"].as_f64().is_some());
    assert!(
        stress["stress_rating"]
            .as_i64()
            .is_some_and(|r| (2..=4).contains(&r))
    );
    assert_eq!(dailies[6]["device_data"]["hardware_version"], "gen3");
    assert_eq!(dailies[6]["device_data"]["software_version"], "3.0.3");

    // Body: nightly SpO2 per day plus heart-rate days.
    let bodies: Vec<_> = fetch(&h, token, DataType::Body)
        .await
        .iter()
        .map(json_of)
        .collect();
    let spo2: Vec<f64> = bodies
        .iter()
        .filter_map(|b| b["oxygen_data"]["avg_saturation_percentage"].as_f64())
        .collect();
    assert_eq!(spo2.len(), 7);
    assert_eq!(
        spo2[0],
        person.sleep_ending_on(day(2026, 3, 1)).spo2_avg_percent
    );
    assert!(
        bodies
            .iter()
            .any(|b| b["heart_data"]["heart_rate_data"]["detailed"]["hr_samples"].is_array()),
        "heart-rate readings"
    );

    // Activity: the week's workouts, calories and metres as the person did them.
    let activities: Vec<_> = fetch(&h, token, DataType::Activity)
        .await
        .iter()
        .map(json_of)
        .collect();
    let workouts: Vec<_> = day(2026, 3, 1)
        .iter_days()
        .take(7)
        .flat_map(|d| person.day(d).workouts)
        .collect();
    assert_eq!(activities.len(), workouts.len());
    for (activity, workout) in activities.iter().zip(&workouts) {
        assert_eq!(
            activity["active_durations_data"]["activity_seconds"],
            workout.duration_s as f64
        );
        let distance = &activity["distance_data"]["summary"]["distance_meters"];
        if workout.kind.is_outdoor() {
            assert_eq!(distance, workout.distance_m);
        } else {
            assert!(distance.is_null(), "no distance indoors");
        }
    }

    let athlete = fetch(&h, token, DataType::Athlete).await;
    let athlete = athlete.first().map(json_of).unwrap_or_default();
    assert_eq!(athlete["provider_user_id"], ACCOUNT);
    assert_eq!(
        athlete["sex"],
        serde_json::to_value(person.profile().sex).unwrap_or_default()
    );
}

#[tokio::test]
async fn refresh_rotates_faults_classify_and_revoke_ends_the_grant() {
    let h = harness().await;
    let tokens = connect(&h).await;
    let Some(old_refresh) = tokens.refresh_token.clone() else {
        panic!("refresh token");
    };
    let refreshed = h.provider.refresh(&h.ctx, &old_refresh).await;
    let Ok(refreshed) = refreshed else {
        panic!("refresh: {refreshed:?}");
    };
    let reused = h.provider.refresh(&h.ctx, &old_refresh).await;
    assert!(
        matches!(reused, Err(ProviderError::InvalidGrant(_))),
        "{reused:?}"
    );

    let inject = |kind| h.sim.faults().inject("oura", kind, FaultTarget::Api, 1);
    assert!(inject(FaultKind::RateLimit { retry_after_s: 30 }).is_ok());
    let limited = h
        .provider
        .fetch(&h.ctx, &refreshed.access_token, DataType::Sleep, week())
        .await;
    assert_eq!(
        limited.err(),
        Some(ProviderError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(30))
        })
    );
    assert!(inject(FaultKind::ServerError { status: 503 }).is_ok());
    let down = h
        .provider
        .fetch(&h.ctx, &refreshed.access_token, DataType::Sleep, week())
        .await;
    assert!(matches!(down, Err(ProviderError::Transient(_))), "{down:?}");

    assert!(h.provider.revoke(&h.ctx, &refreshed).await.is_ok());
    let after = h
        .provider
        .fetch(&h.ctx, &refreshed.access_token, DataType::Athlete, week())
        .await;
    assert!(
        matches!(after, Err(ProviderError::Unauthorized(_))),
        "{after:?}"
    );
    let refresh = refreshed.refresh_token.unwrap_or(old_refresh);
    let gone = h.provider.refresh(&h.ctx, &refresh).await;
    assert!(
        matches!(gone, Err(ProviderError::InvalidGrant(_))),
        "{gone:?}"
    );
    // Revoking twice is fine (Oura answers 401 for a revoked token).
    assert!(h.provider.revoke(&h.ctx, &tokens).await.is_ok());
}

/// A push endpoint answering every request with the adapter's own push handler.
async fn push_endpoint(h: &Harness) -> Url {
    let Ok(listener) = TcpListener::bind("127.0.0.1:0").await else {
        panic!("bind");
    };
    let Ok(addr) = listener.local_addr() else {
        panic!("addr");
    };
    let provider = Arc::clone(&h.provider);
    let creds = h.ctx.creds.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0_u8; 8192];
            let read = socket.read(&mut buffer).await.unwrap_or(0);
            let text = String::from_utf8_lossy(buffer.get(..read).unwrap_or_default()).into_owned();
            let target = text.split_whitespace().nth(1).unwrap_or_default();
            let query = target.split_once('?').map(|(_, q)| q);
            let headers = reqwest::header::HeaderMap::new();
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
    url(&format!("http://{addr}/v2/providers/OURA/webhook"))
}

#[tokio::test]
async fn subscriptions_are_created_verified_kept_and_renewed() {
    let h = harness().await;
    let push_url = push_endpoint(&h).await;
    let now = Utc::now();
    let next = subscriptions::upkeep(&h.ctx, &push_url, now).await;
    let Ok(Some(next)) = next else {
        panic!("upkeep: {next:?}");
    };
    // Seven-day subscriptions, renewed two days before they lapse.
    assert!(
        next > now + TimeDelta::days(4) && next < now + TimeDelta::days(6),
        "{next}"
    );
    let listed = h
        .ctx
        .http
        .get(format!("{}v2/webhook/subscription", h.ctx.api_base))
        .header("x-client-id", &h.ctx.creds.client_id)
        .header("x-client-secret", "any")
        .send()
        .await;
    let listed: Vec<serde_json::Value> = match listed {
        Ok(response) => response.json().await.unwrap_or_default(),
        Err(error) => panic!("list: {error}"),
    };
    assert_eq!(listed.len(), 24, "12 data types x create/update");
    assert!(
        listed
            .iter()
            .all(|s| s["callback_url"] == push_url.as_str())
    );

    // Again: nothing to do. A week later: everything is renewed.
    let before = h.sim.requests().count("oura");
    assert!(subscriptions::upkeep(&h.ctx, &push_url, now).await.is_ok());
    assert_eq!(h.sim.requests().count("oura") - before, 1, "one list call");
    let later = now + TimeDelta::days(6);
    assert!(
        subscriptions::upkeep(&h.ctx, &push_url, later)
            .await
            .is_ok()
    );
    assert_eq!(
        h.sim.requests().count("oura") - before,
        1 + 1 + 24,
        "list + 24 renewals"
    );

    // A signed push from the simulator becomes a fetch for that user.
    let Some(message) = h.sim.push_message(
        SimProvider::Oura,
        ACCOUNT,
        "sleep",
        day(2026, 3, 4),
        wearbridge_providers::config::SANDBOX_CLIENT_SECRET,
    ) else {
        panic!("Oura pushes sleep");
    };
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in &message.headers {
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    let request = PushRequest {
        method: "POST",
        headers: &headers,
        query: None,
        body: &message.body,
    };
    let answer = h.provider.push(&h.ctx.creds, &request);
    let Ok(PushAnswer::Items(items)) = answer else {
        panic!("accepted: {answer:?}");
    };
    assert!(matches!(
        items.as_slice(),
        [wearbridge_providers::PushItem::Fetch { provider_user_id, data_type: DataType::Sleep, .. }]
            if provider_user_id == ACCOUNT
    ));
    let notification = push::parse_notification(&message.body);
    assert!(notification.is_ok());
}
