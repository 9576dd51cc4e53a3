//! The POLAR adapter against the simulated Polar cloud: consent, Basic-auth code exchange
//! with `x_user_id`, mandatory registration, every data type fetched and mapped to
//! schema-valid Terra records that agree with the synthetic person, pushes signed as Polar
//! signs them, and deregistration ending the token.

use chrono::{Days, NaiveDate, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;
use serde_json::Value;
use url::Url;
use wearbridge_model::DataType;
use wearbridge_model::testing::validate;
use wearbridge_providers::polar::PolarProvider;
use wearbridge_providers::{
    FetchRange, Provider, ProviderCredentials, ProviderCtx, ProviderError, PushAnswer, PushItem,
    PushRequest, TerraRecordData,
};
use wearbridge_sim::{SimConfig, SimHandle, SimProvider, Simulator};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const REDIRECT: &str = "http://127.0.0.1:9/v2/auth/callback/polar";

struct Connected {
    sim: SimHandle,
    provider: PolarProvider,
    ctx: ProviderCtx,
    token: SecretString,
    user_id: String,
}

/// Consent as `account` at the simulator and exchange the code through the adapter.
async fn connect(account: &str) -> Result<Connected, Box<dyn std::error::Error>> {
    let sim = Simulator::spawn(SimConfig::default()).await?;
    let base = Url::parse(&format!("{}/", sim.provider_url(SimProvider::Polar)))?;
    let provider = PolarProvider::build(Some(&base)).ok_or("adapter builds")?;
    let ctx = ProviderCtx {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        creds: ProviderCredentials::sandbox_dev(),
        api_base: base.clone(),
        auth_base: base,
        provider_user_id: None,
    };
    let mut authorize = provider.oauth().authorize_url.clone();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &ctx.creds.client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "accesslink.read_all")
        .append_pair("state", "s1")
        .append_pair("consent", "allow")
        .append_pair("sim_user", account);
    let response = ctx.http.get(authorize).send().await?;
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or("consent redirects")?
        .to_str()?;
    let code = Url::parse(location)?
        .query_pairs()
        .find(|(key, _)| key == "code")
        .map(|(_, value)| value.into_owned())
        .ok_or("code in redirect")?;
    let tokens = provider
        .exchange_code(&ctx, &code, &Url::parse(REDIRECT)?, None)
        .await?;
    assert!(
        tokens.refresh_token.is_none(),
        "Polar issues no refresh token"
    );
    assert!(
        tokens.provider_user_id.is_some(),
        "the token answer names the user (x_user_id)"
    );
    // As the server does: later calls carry the account id of the stored user.
    let ctx = ctx.for_account(tokens.provider_user_id.clone());
    let account_info = provider.fetch_account(&ctx, &tokens.access_token).await?;
    Ok(Connected {
        sim,
        provider,
        ctx,
        token: tokens.access_token,
        user_id: account_info.provider_user_id,
    })
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
}

fn last_week() -> FetchRange {
    let today = Utc::now().date_naive();
    FetchRange {
        start: today.checked_sub_days(Days::new(6)).unwrap_or(today),
        end: today.checked_sub_days(Days::new(1)).unwrap_or(today),
    }
}

fn json(record: &TerraRecordData) -> Value {
    record.to_json().unwrap_or(Value::Null)
}

async fn fetch(c: &Connected, data_type: DataType) -> Result<Vec<Value>, ProviderError> {
    let records = c
        .provider
        .fetch(&c.ctx, &c.token, data_type, last_week())
        .await?;
    Ok(records.iter().map(json).collect())
}

async fn register(c: &Connected) -> TestResult {
    let push_url = Url::parse("http://127.0.0.1:9/v2/providers/POLAR/webhook")?;
    let account = wearbridge_providers::ProviderAccount {
        provider_user_id: c.user_id.clone(),
        scopes: None,
    };
    c.provider
        .on_connect(&c.ctx, &c.token, &account, &push_url)
        .await?;
    Ok(())
}

#[tokio::test]
async fn data_needs_registration_and_then_every_type_is_schema_valid() -> TestResult {
    let c = connect("polar-ada").await?;
    assert_eq!(
        c.user_id,
        wearbridge_sim::providers::polar::polar_user_id("polar-ada").to_string()
    );
    // Before registration Polar serves nothing.
    assert!(matches!(
        fetch(&c, DataType::Sleep).await,
        Err(ProviderError::Unauthorized(_))
    ));
    register(&c).await?;
    // Registering again is a 409 at Polar, and fine.
    register(&c).await?;
    for (data_type, schema) in [
        (DataType::Athlete, "core/Athlete"),
        (DataType::Sleep, "core/Sleep"),
        (DataType::Daily, "core/Daily"),
        (DataType::Body, "core/Body"),
        (DataType::Activity, "core/Activity"),
    ] {
        let records = fetch(&c, data_type).await?;
        if data_type != DataType::Activity {
            assert!(!records.is_empty(), "{data_type} has records");
        }
        for record in &records {
            if let Err(errors) = validate(schema, record) {
                panic!("{data_type} against {schema}: {errors:#?}");
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn mapped_values_agree_with_the_person() -> TestResult {
    let c = connect("polar-consistency").await?;
    register(&c).await?;
    let person = c.sim.person("polar-consistency");
    let range = last_week();
    let date = range.end;
    let truth = person.day(date);
    let daily = fetch(&c, DataType::Daily).await?;
    let key = date.format("%Y-%m-%dT00:00:00.000000").to_string();
    let Some(today) = daily
        .iter()
        .find(|d| d.pointer("/metadata/start_time") == Some(&Value::String(key.clone())))
    else {
        panic!("a Daily for {date}");
    };
    assert_eq!(
        today
            .pointer("/distance_data/steps")
            .and_then(Value::as_i64),
        Some(i64::from(truth.total_steps()))
    );
    let sleeps = fetch(&c, DataType::Sleep).await?;
    let Some(night) = sleeps
        .iter()
        .find(|s| s.pointer("/metadata/summary_id") == Some(&Value::String(date.to_string())))
    else {
        panic!("the night ending {date}");
    };
    let asleep = night
        .pointer("/sleep_durations_data/asleep/duration_asleep_state_seconds")
        .and_then(Value::as_f64);
    assert_eq!(asleep, Some(truth.sleep_duration_s() as f64));
    // The night's lowest 5-minute heart rate is the person's resting heart rate.
    let lowest = night
        .pointer("/heart_rate_data/summary/min_hr_bpm")
        .and_then(Value::as_f64);
    assert_eq!(lowest, Some(f64::from(truth.resting_hr_bpm())));
    // Nightly Recharge is merged in: RMSSD present, SDNN never.
    assert!(
        night
            .pointer("/heart_rate_data/summary/avg_hrv_rmssd")
            .is_some()
    );
    assert!(
        night
            .pointer("/heart_rate_data/summary/avg_hrv_sdnn")
            .is_none()
    );
    // Sleep keeps the person's offset.
    let offset = person.offset().to_string();
    let start = night
        .pointer("/metadata/start_time")
        .and_then(Value::as_str)
        .unwrap_or_default();
    assert!(start.ends_with(&offset), "{start} in {offset}");
    Ok(())
}

#[tokio::test]
async fn pushes_verify_with_the_webhook_secret_and_name_the_day() -> TestResult {
    let c = connect("polar-push").await?;
    let person = c.sim.person("polar-push");
    let secret = wearbridge_providers::config::SANDBOX_WEBHOOK_SECRET;
    let date = day("2026-06-03");
    let Some(message) = wearbridge_sim::providers::polar::push_message(
        &person,
        "polar-push",
        "sleep",
        date,
        secret,
    ) else {
        panic!("Polar pushes sleep");
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &message.headers {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes())?,
            HeaderValue::from_str(value)?,
        );
    }
    let request = PushRequest {
        method: message.method,
        headers: &headers,
        query: None,
        body: &message.body,
    };
    let answer = c.provider.push(&c.ctx.creds, &request)?;
    assert_eq!(
        answer,
        PushAnswer::Items(vec![PushItem::Fetch {
            provider_user_id: c.user_id.clone(),
            data_type: DataType::Sleep,
            range: FetchRange {
                start: date,
                end: date
            },
        }])
    );
    let mut tampered = message.body.clone();
    tampered.push(b' ');
    let bad = PushRequest {
        body: &tampered,
        ..request
    };
    assert!(c.provider.push(&c.ctx.creds, &bad).is_err());
    Ok(())
}

/// The stored token of `c` as the server hands it to `revoke` (Polar has no refresh token).
fn tokens_of(c: &Connected) -> wearbridge_providers::TokenSet {
    wearbridge_providers::TokenSet {
        access_token: c.token.clone(),
        refresh_token: None,
        expires_at: None,
        scopes: None,
        provider_user_id: None,
    }
}

/// A server restart loses nothing: a new adapter instance, given only the stored account
/// id on the context, reads the athlete and deregisters the user.
#[tokio::test]
async fn a_new_adapter_instance_serves_a_stored_connection() -> TestResult {
    let c = connect("polar-restarted").await?;
    register(&c).await?;
    let base = c.ctx.auth_base.clone();
    let restarted = PolarProvider::build(Some(&base)).ok_or("adapter builds")?;
    let athlete = restarted
        .fetch(&c.ctx, &c.token, DataType::Athlete, last_week())
        .await?;
    assert_eq!(athlete.len(), 1);
    let tokens = tokens_of(&c);
    restarted.revoke(&c.ctx, &tokens).await?;
    let without_account = c.ctx.clone().for_account(None);
    assert!(matches!(
        restarted
            .fetch(&without_account, &c.token, DataType::Athlete, last_week())
            .await,
        Err(ProviderError::Malformed(_))
    ));
    Ok(())
}

#[tokio::test]
async fn revoke_deregisters_and_ends_the_token() -> TestResult {
    let c = connect("polar-leaver").await?;
    register(&c).await?;
    assert!(!fetch(&c, DataType::Daily).await?.is_empty());
    let tokens = tokens_of(&c);
    c.provider.revoke(&c.ctx, &tokens).await?;
    assert!(matches!(
        fetch(&c, DataType::Daily).await,
        Err(ProviderError::Unauthorized(_))
    ));
    assert!(matches!(
        c.provider
            .refresh(&c.ctx, &SecretString::from("none"))
            .await,
        Err(ProviderError::InvalidGrant(_))
    ));
    Ok(())
}

#[tokio::test]
async fn rate_limits_pause_with_polars_429() -> TestResult {
    let c = connect("polar-busy").await?;
    register(&c).await?;
    c.sim.faults().inject(
        "polar",
        wearbridge_sim::FaultKind::RateLimit { retry_after_s: 30 },
        wearbridge_sim::FaultTarget::Api,
        1,
    )?;
    assert!(matches!(
        fetch(&c, DataType::Daily).await,
        Err(ProviderError::RateLimited { .. })
    ));
    Ok(())
}
