//! GARMIN tests: golden mappings of Health/Activity API payloads, unit and meaning checks,
//! schema validation, robustness of the parsers and mappers against arbitrary JSON, and the
//! adapter against the simulator. One binary on purpose (link time).

#[path = "support/golden.rs"]
mod golden_support;

#[path = "support/json_props.rs"]
mod json_props;

mod golden {
    //! Golden mappings: Garmin payloads (`tests/fixtures/garmin/*.input.json`, see the
    //! README there) mapped through `garmin::map_source` and compared with the committed
    //! Terra JSON (`*.terra.json`), validated against Terra's schemas, and checked field by
    //! field for units and meanings.

    use std::path::PathBuf;

    use super::golden_support::{as_cli_json, at, record_data};
    use serde_json::{Value, json};
    use wearbridge_model::testing::validate;
    use wearbridge_providers::TerraRecordData;
    use wearbridge_providers::garmin::map_source;

    /// (fixture name, API path it came from, Terra schema of every record it maps to).
    pub const FIXTURES: [(&str, &str, &str); 14] = [
        ("dailies", "/wellness-api/rest/dailies", "core/Daily"),
        ("epochs", "/wellness-api/rest/epochs", "core/Daily"),
        (
            "stressDetails",
            "/wellness-api/rest/stressDetails",
            "core/Daily",
        ),
        ("sleeps", "/wellness-api/rest/sleeps", "core/Sleep"),
        ("bodyComps", "/wellness-api/rest/bodyComps", "core/Body"),
        (
            "bloodPressures",
            "/wellness-api/rest/bloodPressures",
            "core/Body",
        ),
        ("pulseOx", "/wellness-api/rest/pulseOx", "core/Body"),
        ("hrv", "/wellness-api/rest/hrv", "core/Body"),
        ("userMetrics", "/wellness-api/rest/userMetrics", "core/Body"),
        ("mct", "/wellness-api/rest/mct", "core/Menstruation"),
        (
            "activities",
            "/wellness-api/rest/activities",
            "core/Activity",
        ),
        (
            "activityDetails",
            "/wellness-api/rest/activityDetails",
            "core/Activity",
        ),
        ("user_id", "/wellness-api/rest/user/id", "core/Athlete"),
        (
            "push_dailies",
            "https://apis.garmin.com/wellness-api/rest/dailies",
            "core/Daily",
        ),
    ];

    pub fn fixtures_dir() -> PathBuf {
        super::golden_support::fixtures_dir("garmin")
    }

    pub fn read(file: &str) -> String {
        super::golden_support::read_fixture("garmin", file)
    }

    fn path_of(name: &str) -> &'static str {
        FIXTURES
            .iter()
            .find(|(fixture, _, _)| *fixture == name)
            .map_or("", |(_, path, _)| path)
    }

    fn mapped(name: &str) -> Vec<TerraRecordData> {
        let path = format!(
            "{}?uploadStartTimeInSeconds=1772406000&uploadEndTimeInSeconds=1772492400",
            path_of(name)
        );
        match map_source(&path, &read(&format!("{name}.input.json"))) {
            Ok(records) => records,
            Err(error) => panic!("{name}: {error}"),
        }
    }

    fn data(name: &str) -> Vec<Value> {
        record_data(&mapped(name))
    }

    #[test]
    fn every_fixture_maps_to_its_committed_terra_json() {
        for (name, _, _) in FIXTURES {
            let actual = as_cli_json(&mapped(name));
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
    fn dailies_keep_the_local_day_kcal_split_and_day_heart_rate() {
        let days = data("dailies");
        let Some(day) = days.first() else {
            panic!("two days");
        };
        // Local midnight to midnight in the device offset (+01:00), not UTC.
        assert_eq!(
            at(day, "/metadata/start_time"),
            "2026-03-02T00:00:00.000000+01:00"
        );
        assert_eq!(
            at(day, "/metadata/end_time"),
            "2026-03-03T00:00:00.000000+01:00"
        );
        assert_eq!(at(day, "/distance_data/steps"), 11248);
        assert_eq!(at(day, "/distance_data/floors_climbed"), 9);
        // Active (512) + BMR (1688) burned; consumed calories are intake.
        assert_eq!(at(day, "/calories_data/total_burned_calories"), 2200.0);
        assert_eq!(at(day, "/calories_data/net_activity_calories"), 512.0);
        assert_eq!(at(day, "/calories_data/BMR_calories"), 1688.0);
        assert_eq!(at(day, "/calories_data/net_intake_calories"), 2140.0);
        // Seconds stay seconds; MET minutes are derived (1500 s = 25 min).
        assert_eq!(
            at(day, "/active_durations_data/vigorous_intensity_seconds"),
            1500.0
        );
        assert_eq!(at(day, "/MET_data/num_high_intensity_minutes"), 25.0);
        // The 7-day average (71) is not the day's average: that comes from the samples.
        let heart = at(day, "/heart_rate_data");
        assert_eq!(at(heart, "/summary/avg_hr_bpm"), 86.5);
        assert_eq!(at(heart, "/summary/resting_hr_bpm"), 54.0);
        // Offsets sort numerically ("3180" after "30"), 15 s after local midnight first.
        assert_eq!(
            at(heart, "/detailed/hr_samples/0/timestamp"),
            "2026-03-02T00:00:15.000000+01:00"
        );
        assert_eq!(
            at(heart, "/detailed/hr_samples/2/timestamp"),
            "2026-03-02T00:53:00.000000+01:00"
        );
        assert_eq!(at(day, "/stress_data/avg_stress_level"), 31.0);
        assert_eq!(
            at(day, "/stress_data/stress_rating"),
            2,
            "31 is Garmin's low band"
        );
        // The second day spells averageStresslevel and reports -1 (not enough data).
        let second = days.get(1).cloned().unwrap_or_default();
        assert!(at(&second, "/stress_data/avg_stress_level").is_null());
    }

    #[test]
    fn epochs_and_stress_details_become_day_samples() {
        let days = data("epochs");
        let Some(day) = days.first() else {
            panic!("one day");
        };
        assert_eq!(at(day, "/distance_data/steps"), 1592, "0 + 612 + 980 steps");
        let levels = at(day, "/active_durations_data/activity_levels_samples");
        assert_eq!(at(levels, "/0/activity_level"), 2, "SEDENTARY is inactive");
        assert_eq!(
            at(levels, "/2/activity_level"),
            5,
            "HIGHLY_ACTIVE is high intensity"
        );
        assert_eq!(at(day, "/MET_data/MET_samples/2/level"), 9.8);
        let stress = data("stressDetails");
        let samples = stress
            .first()
            .map(|d| at(d, "/stress_data/samples").clone());
        // -1 (off wrist) and -2 (large motion) are codes, not stress levels.
        assert_eq!(
            samples.as_ref().and_then(Value::as_array).map(Vec::len),
            Some(3)
        );
        let battery = stress
            .first()
            .map(|d| at(d, "/stress_data/body_battery_samples/2/level").clone());
        assert_eq!(battery, Some(json!(42.0)));
    }

    #[test]
    fn sleep_keeps_seconds_levels_and_the_local_offset() {
        let nights = data("sleeps");
        let Some(night) = nights.first() else {
            panic!("two sleeps");
        };
        assert_eq!(at(night, "/metadata/summary_id"), "x3a1f9c2-69a4b8b0-6f90");
        assert_eq!(
            at(night, "/metadata/start_time"),
            "2026-03-01T23:12:00.000000+01:00"
        );
        // start + durationInSeconds (28 380 s = 7 h 53 min).
        assert_eq!(
            at(night, "/metadata/end_time"),
            "2026-03-02T07:05:00.000000+01:00"
        );
        let asleep = at(night, "/sleep_durations_data/asleep");
        // remSleepInSeconds (no "Duration") is read; asleep = deep + light + REM.
        assert_eq!(at(asleep, "/duration_REM_sleep_state_seconds"), 6060.0);
        assert_eq!(at(asleep, "/duration_asleep_state_seconds"), 26640.0);
        assert_eq!(
            at(
                night,
                "/sleep_durations_data/awake/duration_awake_state_seconds"
            ),
            1740.0
        );
        let hypnogram = at(night, "/sleep_durations_data/hypnogram_samples");
        assert_eq!(at(hypnogram, "/0/level"), 1, "awake first");
        assert_eq!(at(hypnogram, "/2/level"), 5, "then deep");
        assert_eq!(at(hypnogram, "/4/level"), 6, "REM");
        assert_eq!(at(night, "/scores/sleep"), 84.0);
        assert_eq!(
            at(night, "/metadata/upload_type"),
            2,
            "ENHANCED_FINAL is automatic"
        );
        let off_wrist = nights.get(1).cloned().unwrap_or_default();
        assert_eq!(
            at(&off_wrist, "/metadata/upload_type"),
            4,
            "OFF_WRIST is indeterminate"
        );
    }

    #[test]
    fn body_comps_weigh_in_grams_become_kilograms_but_masses_stay_grams() {
        let days = data("bodyComps");
        assert_eq!(
            days.len(),
            1,
            "two weigh-ins of one local day make one Body"
        );
        let Some(day) = days.first() else {
            panic!("one day");
        };
        let first = at(day, "/measurements_data/measurements/0");
        assert_eq!(at(first, "/weight_kg"), 75.45, "75 450 g");
        assert_eq!(
            at(first, "/muscle_mass_g"),
            31250.0,
            "Terra counts muscle in grams"
        );
        assert_eq!(at(first, "/bone_mass_g"), 3120.0);
        assert_eq!(
            at(first, "/measurement_time"),
            "2026-03-02T07:20:00.000000+01:00"
        );
        assert_eq!(at(day, "/measurements_data/day_avg_weight_kg"), 75.775);
    }

    #[test]
    fn hrv_is_rmssd_and_pulse_ox_and_metrics_land_in_body() {
        let hrv = data("hrv");
        let heart = hrv
            .first()
            .map(|d| at(d, "/heart_data/heart_rate_data").clone())
            .unwrap_or_default();
        assert_eq!(at(&heart, "/summary/avg_hrv_rmssd"), 44.0);
        assert!(at(&heart, "/summary/avg_hrv_sdnn").is_null());
        assert!(at(&heart, "/detailed/hrv_samples_sdnn").is_null());
        assert_eq!(
            at(&heart, "/detailed/hrv_samples_rmssd/0/timestamp"),
            "2026-03-01T23:17:00.000000+01:00"
        );
        let pulse = data("pulseOx");
        let oxygen = pulse
            .first()
            .map(|d| at(d, "/oxygen_data").clone())
            .unwrap_or_default();
        assert_eq!(
            at(&oxygen, "/saturation_samples").as_array().map(Vec::len),
            Some(4)
        );
        assert_eq!(at(&oxygen, "/avg_saturation_percentage"), 95.5);
        let metrics = data("userMetrics");
        let day = metrics.first().cloned().unwrap_or_default();
        assert_eq!(at(&day, "/oxygen_data/vo2max_ml_per_min_per_kg"), 48.0);
        assert_eq!(
            at(
                &day,
                "/measurements_data/measurements/0/estimated_fitness_age"
            ),
            32
        );
        // Date-only: local midnight, no invented offset.
        assert_eq!(
            at(&day, "/metadata/start_time"),
            "2026-03-02T00:00:00.000000"
        );
        let pressure = data("bloodPressures");
        let sample = pressure
            .first()
            .map(|d| at(d, "/blood_pressure_data/blood_pressure_samples/0").clone());
        assert_eq!(
            sample.as_ref().map(|s| at(s, "/systolic_bp").clone()),
            Some(json!(121.0))
        );
    }

    #[test]
    fn activities_and_details_share_the_activity_id() {
        let summaries = data("activities");
        let details = data("activityDetails");
        let (Some(run), Some(detail)) = (summaries.first(), details.first()) else {
            panic!("activities");
        };
        assert_eq!(at(run, "/metadata/summary_id"), "21836411075");
        assert_eq!(
            at(detail, "/metadata/summary_id"),
            "21836411075",
            "not the -detail id"
        );
        assert_eq!(at(run, "/metadata/type"), 8, "RUNNING");
        assert_eq!(
            at(run, "/metadata/end_time"),
            "2026-03-02T18:30:03.000000+01:00"
        );
        assert_eq!(at(run, "/distance_data/summary/distance_meters"), 5283.6);
        assert_eq!(at(run, "/calories_data/net_activity_calories"), 402.0);
        let strength = summaries.get(1).cloned().unwrap_or_default();
        assert_eq!(at(&strength, "/metadata/type"), 80);
        assert_eq!(at(&strength, "/metadata/upload_type"), 2, "manual");
        assert_eq!(
            at(&strength, "/metadata/start_time"),
            "2026-03-02T17:45:00.000000-05:00"
        );
        let samples = at(detail, "/heart_rate_data/detailed/hr_samples");
        assert_eq!(samples.as_array().map(Vec::len), Some(3));
        assert_eq!(
            at(
                detail,
                "/position_data/position_samples/1/coords_lat_lng_deg/0"
            ),
            52.52002
        );
        assert_eq!(at(detail, "/power_data/max_watts"), 251.0);
        assert_eq!(
            at(detail, "/lap_data/laps/0/end_time"),
            "2026-03-02T18:16:40.000000+01:00"
        );
    }

    #[test]
    fn cycle_snapshot_is_its_day_with_fertile_window_dates() {
        let days = data("mct");
        let Some(day) = days.first() else {
            panic!("one day");
        };
        // Period started 2026-02-20; day 11 of the cycle is 2026-03-02.
        assert_eq!(
            at(day, "/metadata/start_time"),
            "2026-03-02T00:00:00.000000"
        );
        assert_eq!(at(day, "/menstruation_data/current_phase"), 2, "follicular");
        assert_eq!(
            at(day, "/menstruation_data/fertility_window_start"),
            "2026-03-03"
        );
        assert_eq!(
            at(day, "/menstruation_data/fertility_window_end"),
            "2026-03-08"
        );
    }

    #[test]
    fn unknown_paths_and_wrong_bodies_are_errors() {
        assert!(map_source("/wellness-api/rest/moveiq", "[]").is_err());
        assert!(map_source("/v2/usercollection/sleep", "[]").is_err());
        assert!(map_source("/wellness-api/rest/dailies", "{\"errorMessage\": \"x\"}").is_err());
        assert!(map_source("/wellness-api/rest/dailies", "[{\"steps\": \"many\"}]").is_err());
        assert!(map_source("/wellness-api/rest/dailies", "[]").is_ok_and(|r| r.is_empty()));
        let push = read("push_dailies.input.json");
        assert!(map_source("/wellness-api/rest/dailies", &push).is_ok_and(|r| r.len() == 1));
    }

    #[test]
    fn permission_changes_carry_the_full_new_grant_oldest_first() {
        use wearbridge_providers::PushItem;
        use wearbridge_providers::garmin::push::parse;

        let body = read("push_userPermissionsChange.input.json");
        let changed = |user: &str, scopes: &[&str]| PushItem::PermissionsChanged {
            provider_user_id: user.to_owned(),
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
        };
        let user = "4aacafe82427c251df9c9592d0c06768";
        assert_eq!(
            parse(body.as_bytes()),
            Ok(vec![
                // The older change first, its repeated HEALTH_EXPORT once.
                changed(
                    user,
                    &[
                        "ACTIVITY_EXPORT",
                        "HEALTH_EXPORT",
                        "WORKOUT_IMPORT",
                        "COURSE_IMPORT",
                        "MCT_EXPORT"
                    ]
                ),
                changed(
                    user,
                    &[
                        "ACTIVITY_EXPORT",
                        "WORKOUT_IMPORT",
                        "COURSE_IMPORT",
                        "MCT_EXPORT"
                    ]
                ),
                // Everything withdrawn is a change too; the element without a user is not.
                changed("b3f1d7f0c2e94a5e8a6d1c0b9e8f7a6d", &[]),
            ])
        );
        let no_list = r#"{"userPermissionsChange": [{"userId": "u1", "permissions": "ALL"}]}"#;
        assert_eq!(parse(no_list.as_bytes()), Ok(Vec::new()));
        let not_a_list = r#"{"userPermissionsChange": {"userId": "u1"}}"#;
        assert!(parse(not_a_list.as_bytes()).is_err());
    }
}

mod robustness {
    //! `map_source` takes any JSON for every Garmin path without panicking: arbitrary
    //! documents, and the fixtures with random leaves replaced by hostile values.

    use super::json_props::{leaves, nested_json};
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use wearbridge_providers::garmin::map_source;

    use super::golden::{FIXTURES, fixtures_dir};

    fn exercise(value: &Value) {
        let body = value.to_string();
        let _ = wearbridge_providers::garmin::push::parse(body.as_bytes());
        for (_, path, _) in FIXTURES {
            if let Ok(records) = map_source(path, &body) {
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
            Just(json!(9.9e10)),
            Just(json!(-86399)),
            Just(json!(86400)),
            Just(json!(0)),
            Just(json!("")),
            Just(json!("9999-12-31")),
            Just(json!("-0001-01-01")),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".*".prop_map(Value::String),
        ]
    }

    /// Nested JSON of hostile leaves under this provider's field names.
    fn arbitrary_json() -> impl Strategy<Value = Value> {
        const KEYS: &[&str] = &[
            "startTimeInSeconds",
            "startTimeOffsetInSeconds",
            "summaryId",
            "calendarDate",
            "timeOffsetHeartRateSamples",
            "periodStartDate",
            "dayInCycle",
            "userId",
            "permissions",
            "changeTimeInSeconds",
            "userPermissionsChange",
        ];
        nested_json(hostile_leaf().boxed(), KEYS, "[a-zA-Z0-9]{1,12}")
    }

    fn fixtures() -> Vec<Value> {
        FIXTURES
            .iter()
            .filter_map(|(name, _, _)| {
                std::fs::read_to_string(fixtures_dir().join(format!("{name}.input.json"))).ok()
            })
            .filter_map(|text| serde_json::from_str(&text).ok())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_json_never_panics(value in arbitrary_json()) {
            exercise(&value);
            exercise(&json!([value]));
            exercise(&json!({ "userPermissionsChange": [value] }));
        }

        #[test]
        fn corrupted_permission_changes_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf()) {
            let text = std::fs::read_to_string(
                fixtures_dir().join("push_userPermissionsChange.input.json"),
            );
            let fixture: Option<Value> = text.ok().and_then(|text| serde_json::from_str(&text).ok());
            prop_assert!(fixture.is_some());
            let Some(fixture) = fixture else { return Ok(()) };
            let mut pointers = Vec::new();
            leaves(&fixture, String::new(), &mut pointers);
            prop_assert!(!pointers.is_empty());
            let mut corrupted = fixture.clone();
            let pointer: &String = choice.get(&pointers);
            if let Some(slot) = corrupted.pointer_mut(pointer) {
                *slot = leaf;
            }
            let _ = wearbridge_providers::garmin::push::parse(corrupted.to_string().as_bytes());
        }

        #[test]
        fn corrupted_fixtures_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf()) {
            let fixtures = fixtures();
            prop_assert!(!fixtures.is_empty());
            for fixture in &fixtures {
                let mut pointers = Vec::new();
                leaves(fixture, String::new(), &mut pointers);
                if pointers.is_empty() {
                    continue;
                }
                let mut corrupted = fixture.clone();
                let pointer: &String = choice.get(&pointers);
                if let Some(slot) = corrupted.pointer_mut(pointer) {
                    *slot = leaf.clone();
                }
                exercise(&corrupted);
            }
        }
    }
}

mod live {
    //! The GARMIN adapter against the simulator: OAuth with PKCE, pulls by upload window
    //! merged per day (the same person the sim serves), pushes, backfill, faults, revoke.

    use std::collections::HashMap;
    use std::sync::Arc;

    use chrono::NaiveDate;
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    use secrecy::ExposeSecret;
    use url::Url;
    use wearbridge_model::DataType;
    use wearbridge_model::testing::validate;
    use wearbridge_providers::push::{PushAnswer, PushItem, PushRequest};
    use wearbridge_providers::{
        FetchRange, Provider, ProviderAccount, ProviderCtx, ProviderError, ProvidersConfig,
        Registry, TerraRecordData, TokenSet, http_client, new_pkce_pair, oauth,
    };
    use wearbridge_sim::{FaultKind, FaultTarget, SimConfig, SimHandle, SimProvider, Simulator};

    const REDIRECT_URI: &str = "http://127.0.0.1:9/v2/auth/callback/garmin";
    const ACCOUNT: &str = "fixture-44";

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

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    async fn harness() -> Harness {
        let sim = match Simulator::spawn(SimConfig::default()).await {
            Ok(sim) => sim,
            Err(error) => panic!("simulator starts: {error}"),
        };
        let endpoints = wearbridge_sim::layout::endpoints(&url(&sim.base_url()));
        let registry = Registry::new(ProvidersConfig::sandbox(endpoints));
        let (Some(provider), Ok(http)) = (registry.get("garmin"), http_client()) else {
            panic!("sandbox mode configures GARMIN");
        };
        let Some(ctx) = registry.ctx("GARMIN", http) else {
            panic!("GARMIN has a context");
        };
        Harness { sim, provider, ctx }
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
        assert!(
            matches!(items.as_slice(), [PushItem::Records { records, .. }] if records.len() == 1)
        );
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
}
