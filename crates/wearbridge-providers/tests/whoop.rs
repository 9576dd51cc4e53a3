//! WHOOP tests: golden mappings of payloads in WHOOP's documented shapes, unit and meaning
//! checks, schema validation, robustness of the parsers and mappers against arbitrary JSON,
//! and the adapter against the simulator (OAuth, every data type, push, faults, revoke).
//! One binary on purpose (link time).

#[path = "support/golden.rs"]
mod golden_support;

#[path = "support/json_props.rs"]
mod json_props;

mod golden {
    use std::fs;
    use std::path::PathBuf;

    use super::golden_support::{as_cli_json, at, record_data};
    use serde_json::Value;
    use wearbridge_model::testing::validate;
    use wearbridge_providers::{MapSourceError, TerraRecordData, map_source};

    /// (fixture, API path, Terra schema of every record it maps to).
    pub const FIXTURES: [(&str, &str, &str); 5] = [
        ("cycle", "/developer/v2/cycle?limit=25", "core/Daily"),
        ("recovery", "/developer/v2/recovery", "core/Body"),
        ("sleep", "/developer/v2/activity/sleep", "core/Sleep"),
        ("workout", "/developer/v2/activity/workout", "core/Activity"),
        (
            "profile",
            "/developer/v2/user/profile/basic",
            "core/Athlete",
        ),
    ];

    pub fn fixtures_dir() -> PathBuf {
        super::golden_support::fixtures_dir("whoop")
    }

    pub fn read(file: &str) -> String {
        super::golden_support::read_fixture("whoop", file)
    }

    fn mapped(name: &str, path: &str) -> Vec<TerraRecordData> {
        match map_source("WHOOP", path, &read(&format!("{name}.input.json"))) {
            Ok(records) => records,
            Err(error) => panic!("{name}: {error}"),
        }
    }

    fn data(name: &str) -> Vec<Value> {
        let Some((_, path, _)) = FIXTURES.iter().find(|(n, _, _)| *n == name) else {
            panic!("no fixture {name}");
        };
        record_data(&mapped(name, path))
    }

    fn close(value: &Value, expected: f64) -> bool {
        value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
    }

    #[test]
    fn every_fixture_maps_to_its_committed_terra_json() {
        for (name, path, _) in FIXTURES {
            let actual = as_cli_json(&mapped(name, path));
            let file = fixtures_dir().join(format!("{name}.terra.json"));
            if std::env::var_os("WEARBRIDGE_BLESS").is_some() {
                let text = serde_json::to_string_pretty(&actual).unwrap_or_default();
                if let Err(error) = fs::write(&file, format!("{text}\n")) {
                    panic!("{}: {error}", file.display());
                }
            }
            let expected: Value = match serde_json::from_str(&read(&format!("{name}.terra.json"))) {
                Ok(value) => value,
                Err(error) => panic!("{name}.terra.json: {error}"),
            };
            assert!(
                actual == expected,
                "{name}: mapping differs from {name}.terra.json"
            );
        }
    }

    #[test]
    fn every_mapped_record_is_schema_valid() {
        for (name, _, schema) in FIXTURES {
            let records = data(name);
            assert!(!records.is_empty(), "{name} maps to at least one record");
            for record in records {
                if let Err(errors) = validate(schema, &record) {
                    panic!("{name} against {schema}: {errors:#?}");
                }
            }
        }
    }

    #[test]
    fn sleep_is_local_in_seconds_with_slow_wave_as_deep() {
        let sleeps = data("sleep");
        assert_eq!(sleeps.len(), 2, "the unscored nap maps too");
        let Some(night) = sleeps.first() else {
            panic!("a night");
        };
        // 02:25:44.774Z with timezone_offset -05:00: the evening before, locally.
        assert_eq!(
            at(night, "/metadata/start_time"),
            "2022-04-23T21:25:44.774000-05:00"
        );
        assert_eq!(
            at(night, "/metadata/end_time"),
            "2022-04-24T05:25:44.774000-05:00"
        );
        assert_eq!(
            at(night, "/metadata/summary_id"),
            "ecfc6a15-4661-442f-a9a4-f160dd7afae8"
        );
        assert_eq!(at(night, "/metadata/is_nap"), false);
        let durations = at(night, "/sleep_durations_data");
        // Milliseconds to seconds: 6 630 370 ms of slow wave sleep = 6 630.37 s of deep sleep.
        assert!(close(
            at(durations, "/asleep/duration_deep_sleep_state_seconds"),
            6630.37
        ));
        assert!(close(
            at(durations, "/asleep/duration_light_sleep_state_seconds"),
            14905.851
        ));
        assert!(close(
            at(durations, "/asleep/duration_REM_sleep_state_seconds"),
            5879.573
        ));
        assert!(close(
            at(durations, "/asleep/duration_asleep_state_seconds"),
            14905.851 + 6630.37 + 5879.573
        ));
        assert!(close(
            at(durations, "/awake/duration_awake_state_seconds"),
            1403.507
        ));
        assert!(close(
            at(durations, "/other/duration_in_bed_seconds"),
            30272.735
        ));
        assert_eq!(at(durations, "/awake/num_wakeup_events"), 12);
        assert!(close(at(durations, "/sleep_efficiency"), 91.69533848));
        assert!(close(
            at(night, "/respiration_data/breaths_data/avg_breaths_per_min"),
            16.11328125
        ));
        assert!(close(at(night, "/scores/sleep"), 98.0));
        let Some(nap) = sleeps.get(1) else {
            panic!("a nap");
        };
        assert_eq!(at(nap, "/metadata/is_nap"), true);
        assert_eq!(
            at(nap, "/metadata/start_time"),
            "2022-04-24T14:00:00.000000+05:30"
        );
        assert_eq!(at(nap, "/sleep_durations_data"), &Value::Null, "unscored");
    }

    #[test]
    fn recovery_keeps_rmssd_and_absolute_skin_temperature() {
        let bodies = data("recovery");
        assert_eq!(bodies.len(), 1, "the UNSCORABLE recovery maps to nothing");
        let Some(body) = bodies.first() else {
            panic!("a body");
        };
        let summary = at(body, "/heart_data/heart_rate_data/summary");
        assert!(close(at(summary, "/avg_hrv_rmssd"), 31.813562));
        assert_eq!(
            at(summary, "/avg_hrv_sdnn"),
            &Value::Null,
            "RMSSD is not SDNN"
        );
        assert!(close(at(summary, "/resting_hr_bpm"), 64.0));
        assert!(close(
            at(
                body,
                "/heart_data/heart_rate_data/detailed/hrv_samples_rmssd/0/hrv_rmssd"
            ),
            31.813562
        ));
        assert!(close(
            at(body, "/oxygen_data/avg_saturation_percentage"),
            95.6875
        ));
        assert!(close(
            at(
                body,
                "/temperature_data/skin_temperature_samples/0/temperature_celsius"
            ),
            33.7
        ));
        // Alone, a recovery has only created_at, in UTC: placed there, offset +00:00.
        assert_eq!(
            at(body, "/metadata/start_time"),
            "2022-04-24T00:00:00.000000+00:00"
        );
    }

    #[test]
    fn cycle_is_the_daily_of_the_day_it_wakes_in_with_kilocalories() {
        let days = data("cycle");
        assert_eq!(
            days.len(),
            1,
            "the open PENDING_SCORE cycle maps to nothing"
        );
        let Some(day) = days.first() else {
            panic!("a day");
        };
        // Starts 21:25 local on the 23rd; belongs to the 24th, local midnight to midnight.
        assert_eq!(
            at(day, "/metadata/start_time"),
            "2022-04-24T00:00:00.000000-05:00"
        );
        assert_eq!(
            at(day, "/metadata/end_time"),
            "2022-04-25T00:00:00.000000-05:00"
        );
        assert!(close(
            at(day, "/calories_data/total_burned_calories"),
            8288.297 / 4.184
        ));
        assert!(close(at(day, "/strain_data/strain_level"), 5.2951527));
        assert!(close(at(day, "/heart_rate_data/summary/avg_hr_bpm"), 68.0));
        assert!(close(at(day, "/heart_rate_data/summary/max_hr_bpm"), 141.0));
    }

    #[test]
    fn workout_converts_energy_and_zone_times() {
        let activities = data("workout");
        let Some(run) = activities.first() else {
            panic!("a run");
        };
        assert_eq!(
            at(run, "/metadata/summary_id"),
            "ecfc6a15-4661-442f-a9a4-f160dd7afae8"
        );
        assert_eq!(at(run, "/metadata/type"), 8, "running");
        assert!(close(
            at(run, "/calories_data/total_burned_calories"),
            1569.34033203125 / 4.184
        ));
        assert!(close(
            at(run, "/energy_data/energy_kilojoules"),
            1569.34033203125
        ));
        let zones = at(run, "/heart_rate_data/summary/hr_zone_data");
        assert_eq!(at(zones, "/0/zone"), 0);
        assert!(close(at(zones, "/2/duration_seconds"), 900.0));
        assert!(close(at(zones, "/5/duration_seconds"), 300.0));
        assert!(close(
            at(run, "/distance_data/summary/distance_meters"),
            1772.77035916
        ));
        assert!(close(
            at(run, "/distance_data/summary/elevation/gain_actual_meters"),
            46.64384460449
        ));
        assert!(close(
            at(run, "/active_durations_data/activity_seconds"),
            8.0 * 3600.0
        ));
        let Some(lift) = activities.get(1) else {
            panic!("a lift");
        };
        assert_eq!(
            at(lift, "/metadata/start_time"),
            "2022-04-25T17:00:00.000000+00:00",
            "offset Z"
        );
        assert_eq!(at(lift, "/distance_data"), &Value::Null);
    }

    #[test]
    fn profile_is_the_athlete_with_whoops_user_id() {
        let athletes = data("profile");
        let Some(athlete) = athletes.first() else {
            panic!("an athlete");
        };
        assert_eq!(at(athlete, "/provider_user_id"), "10129");
        assert_eq!(at(athlete, "/first_name"), "John");
        assert_eq!(at(athlete, "/email"), "jsmith123@whoop.com");
    }

    #[test]
    fn single_record_paths_and_errors() {
        let sleep_page: Value = serde_json::from_str(&read("sleep.input.json")).unwrap_or_default();
        let one = sleep_page
            .pointer("/records/0")
            .cloned()
            .unwrap_or_default();
        for path in [
            "/developer/v2/activity/sleep/ecfc6a15-4661-442f-a9a4-f160dd7afae8",
            "https://api.prod.whoop.com/developer/v2/cycle/93845/sleep",
        ] {
            let records = map_source("WHOOP", path, &one.to_string());
            assert_eq!(records.map(|r| r.len()).ok(), Some(1), "{path}");
        }
        assert!(matches!(
            map_source("whoop", "/developer/v2/user/measurement/body", "{}"),
            Err(MapSourceError::UnknownPath(_))
        ));
        assert!(matches!(
            map_source("WHOOP", "/developer/v1/cycle", "{}"),
            Err(MapSourceError::UnknownPath(_))
        ));
        assert!(matches!(
            map_source("WHOOP", "/developer/v2/cycle", "{\"records\": 5}"),
            Err(MapSourceError::Body(_))
        ));
        assert!(matches!(
            map_source("WHOOP", "/developer/v2/activity/workout", "not json"),
            Err(MapSourceError::Body(_))
        ));
    }
}

mod robustness {
    //! `map_source`, the push parser and the push handler take any JSON without panicking.

    use super::json_props::{leaves, nested_json};
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use wearbridge_providers::map_source;
    use wearbridge_providers::whoop::push;

    const PATHS: [&str; 11] = [
        "/developer/v2/cycle",
        "/developer/v2/cycle/1",
        "/developer/v2/cycle/1/recovery",
        "/developer/v2/cycle/1/sleep",
        "/developer/v2/recovery",
        "/developer/v2/activity/sleep",
        "/developer/v2/activity/sleep/x",
        "/developer/v2/activity/workout",
        "/developer/v2/activity/workout/x",
        "/developer/v2/user/profile/basic",
        "/developer/v2/user/measurement/body",
    ];

    fn exercise(value: &Value) {
        let body = value.to_string();
        if let Ok(notification) = push::parse_notification(body.as_bytes()) {
            let _ = push::items(&notification, &body);
            let _ = push::items(&notification, "1700000000000");
            let _ = push::event(&notification.kind);
        }
        let _ = push::verify_signature(b"secret", &body, body.as_bytes(), &body);
        for path in PATHS {
            if let Ok(records) = map_source("WHOOP", path, &body) {
                for record in records {
                    let _ = record.to_json();
                    let _ = record.store_parts();
                }
            }
        }
    }

    fn hostile_leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!(null)),
            Just(json!(-1)),
            Just(json!(1e308)),
            Just(json!(-1e308)),
            Just(json!(0)),
            Just(json!("")),
            Just(json!("Z")),
            Just(json!("+23:59")),
            Just(json!("-99:99")),
            Just(json!("SCORED")),
            Just(json!("9999-12-31T23:59:59.999Z")),
            Just(json!("0000-01-01T00:00:00-23:59")),
            Just(json!("262143-12-31T23:59:59Z")),
            Just(json!(i64::MAX)),
            Just(json!(u64::MAX)),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".*".prop_map(Value::String),
        ]
    }

    /// Nested JSON of hostile leaves under this provider's field names.
    fn arbitrary_json() -> impl Strategy<Value = Value> {
        const KEYS: &[&str] = &[
            "records",
            "score",
            "start",
            "end",
            "timezone_offset",
            "id",
            "type",
        ];
        nested_json(hostile_leaf().boxed(), KEYS, "[a-z_]{1,12}")
    }

    fn fixtures() -> Vec<Value> {
        ["cycle", "recovery", "sleep", "workout", "profile"]
            .iter()
            .map(|name| super::golden::read(&format!("{name}.input.json")))
            .filter_map(|text| serde_json::from_str(&text).ok())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_json_never_panics(value in arbitrary_json()) {
            exercise(&value);
        }

        #[test]
        fn corrupted_fixtures_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf()) {
            let fixtures = fixtures();
            prop_assert_eq!(fixtures.len(), 5);
            for fixture in &fixtures {
                let mut pointers = Vec::new();
                leaves(fixture, String::new(), &mut pointers);
                let mut corrupted = fixture.clone();
                let pointer: &String = choice.get(&pointers);
                if let Some(slot) = corrupted.pointer_mut(pointer) {
                    *slot = leaf.clone();
                }
                exercise(&corrupted);
                // Single-record paths see the first record alone.
                if let Some(first) = corrupted.pointer("/records/0") {
                    exercise(first);
                }
            }
        }
    }
}

mod live {
    //! The adapter against the simulator's WHOOP cloud.

    use std::sync::Arc;
    use std::time::Duration;

    use chrono::{Days, NaiveDate, Utc};
    use reqwest::header::HeaderMap;
    use secrecy::{ExposeSecret, SecretString};
    use url::Url;
    use wearbridge_model::DataType;
    use wearbridge_model::testing::validate;
    use wearbridge_providers::push::{PushAnswer, PushError, PushItem, PushRequest};
    use wearbridge_providers::{
        FetchRange, Provider, ProviderCtx, ProviderError, ProvidersConfig, Registry,
        TerraRecordData, TokenSet, http_client, oauth,
    };
    use wearbridge_sim::{FaultKind, FaultTarget, SimConfig, SimHandle, SimProvider, Simulator};

    const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/whoop";

    struct Harness {
        sim: SimHandle,
        provider: Arc<dyn Provider>,
        ctx: ProviderCtx,
    }

    fn url(text: &str) -> Url {
        match Url::parse(text) {
            Ok(url) => url,
            Err(error) => panic!("{text}: {error}"),
        }
    }

    async fn harness() -> Harness {
        let sim = match Simulator::spawn(SimConfig::default()).await {
            Ok(sim) => sim,
            Err(error) => panic!("simulator starts: {error}"),
        };
        let endpoints = wearbridge_sim::layout::endpoints(&url(&sim.base_url()));
        let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
        let (Some(provider), Ok(http)) = (registry.get("WHOOP"), http_client()) else {
            panic!("sandbox mode configures WHOOP");
        };
        let Some(ctx) = registry.ctx("whoop", http) else {
            panic!("WHOOP has a context");
        };
        Harness { sim, provider, ctx }
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
}
