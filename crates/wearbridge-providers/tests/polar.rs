//! POLAR tests: golden mappings of Polar AccessLink v3 bodies (written from the documented
//! shapes; Polar publishes no redistributable real payloads, see
//! `tests/fixtures/polar/README.md`), schema validation, units and meanings checked field
//! by field, and robustness of the parsers, mappers and push parser against arbitrary JSON.
//! One binary on purpose (link time); the adapter's HTTP tests are in `polar_adapter.rs`.

#[path = "support/golden.rs"]
mod golden_support;

#[path = "support/json_props.rs"]
mod json_props;

mod golden {
    use std::fs;
    use std::path::PathBuf;

    use super::golden_support::{as_cli_json, at, record_data};
    use serde_json::{Value, json};
    use wearbridge_model::testing::validate;
    use wearbridge_providers::TerraRecordData;
    use wearbridge_providers::polar::map_source;

    /// (fixture name, Polar API path it came from, Terra schema of every record).
    const FIXTURES: [(&str, &str, &str); 6] = [
        (
            "exercises",
            "/v3/exercises?samples=true&zones=true&route=true",
            "core/Activity",
        ),
        ("sleep", "/v3/users/sleep", "core/Sleep"),
        (
            "nightly_recharge",
            "/v3/users/nightly-recharge",
            "core/Body",
        ),
        (
            "continuous_heart_rate",
            "/v3/users/continuous-heart-rate?from=2026-06-01&to=2026-06-03",
            "core/Body",
        ),
        (
            "activities",
            "/v3/users/activities?from=2026-06-01&to=2026-06-03&steps=true",
            "core/Daily",
        ),
        ("user", "/v3/users/48151623", "core/Athlete"),
    ];

    fn fixtures_dir() -> PathBuf {
        super::golden_support::fixtures_dir("polar")
    }

    fn read(file: &str) -> String {
        super::golden_support::read_fixture("polar", file)
    }

    fn mapped(name: &str) -> Vec<TerraRecordData> {
        let Some((_, path, _)) = FIXTURES.iter().find(|(n, _, _)| *n == name) else {
            panic!("unknown fixture {name}");
        };
        match map_source(path, &read(&format!("{name}.input.json"))) {
            Ok(records) => records,
            Err(error) => panic!("{name}: {error}"),
        }
    }

    fn data(name: &str) -> Vec<Value> {
        record_data(&mapped(name))
    }

    fn first(name: &str) -> Value {
        data(name).into_iter().next().unwrap_or(Value::Null)
    }

    /// Compares with the committed Terra JSON. `POLAR_BLESS=1` rewrites the files after
    /// a deliberate mapper change; review the diff before committing.
    #[test]
    fn every_fixture_maps_to_its_committed_terra_json() {
        for (name, _, _) in FIXTURES {
            let actual = as_cli_json(&mapped(name));
            let file = fixtures_dir().join(format!("{name}.terra.json"));
            if std::env::var_os("POLAR_BLESS").is_some() {
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
    fn exercise_keeps_its_offset_and_converts_durations_and_speed() {
        let run = first("exercises");
        // start_time 18:30:00 local with start_time_utc_offset 180 minutes.
        assert_eq!(
            at(&run, "/metadata/start_time"),
            "2026-06-02T18:30:00.000000+03:00"
        );
        // duration PT32M10S = 1930 s.
        assert_eq!(
            at(&run, "/metadata/end_time"),
            "2026-06-02T19:02:10.000000+03:00"
        );
        assert_eq!(at(&run, "/active_durations_data/activity_seconds"), 1930.0);
        assert_eq!(at(&run, "/metadata/summary_id"), "Kq3wN7pE");
        assert_eq!(at(&run, "/metadata/type"), 8, "RUNNING is Terra 8");
        assert_eq!(at(&run, "/calories_data/total_burned_calories"), 412.0);
        assert_eq!(at(&run, "/distance_data/summary/distance_meters"), 6012.4);
        assert_eq!(at(&run, "/heart_rate_data/summary/avg_hr_bpm"), 151.0);
        assert_eq!(at(&run, "/heart_rate_data/summary/max_hr_bpm"), 176.0);
        // Zone 3: PT14M30S = 870 s.
        assert_eq!(
            at(
                &run,
                "/heart_rate_data/summary/hr_zone_data/2/duration_seconds"
            ),
            870.0
        );
        // HR samples every 5 s; the empty fifth value is a gap.
        let hr = at(&run, "/heart_rate_data/detailed/hr_samples");
        assert_eq!(hr.as_array().map(Vec::len), Some(5));
        assert_eq!(at(hr, "/4/timer_duration_seconds"), 25.0);
        assert_eq!(at(hr, "/4/timestamp"), "2026-06-02T18:30:25.000000+03:00");
        // Speed 10.8 km/h is 3.0 m/s.
        let speed = at(
            &run,
            "/movement_data/speed_samples/2/speed_meters_per_second",
        );
        assert!((speed.as_f64().unwrap_or_default() - 3.0).abs() < 1e-9);
        // Average speed = 6012.4 m / 1930 s.
        let average = at(&run, "/movement_data/avg_speed_meters_per_second");
        assert!((average.as_f64().unwrap_or_default() - 6012.4 / 1930.0).abs() < 1e-9);
        assert_eq!(
            at(
                &run,
                "/distance_data/detailed/distance_samples/5/distance_meters"
            ),
            73.0
        );
        assert_eq!(
            at(
                &run,
                "/distance_data/detailed/elevation_samples/5/elev_meters"
            ),
            24.5
        );
        // Route time PT10.5S after the start.
        let route = at(&run, "/position_data/position_samples/2");
        assert_eq!(at(route, "/timestamp"), "2026-06-02T18:30:10.500000+03:00");
        assert_eq!(
            at(route, "/coords_lat_lng_deg"),
            &json!([60.17015, 24.93888])
        );
        let strength = data("exercises").get(1).cloned().unwrap_or(Value::Null);
        assert_eq!(at(&strength, "/metadata/type"), 80, "STRENGTH_TRAINING");
        assert_eq!(
            at(&strength, "/active_durations_data/activity_seconds"),
            2700.0
        );
    }

    #[test]
    fn sleep_keeps_seconds_offset_and_resolves_clock_times_across_midnight() {
        let night = first("sleep");
        assert_eq!(
            at(&night, "/metadata/start_time"),
            "2026-06-02T23:41:07.000000+03:00"
        );
        assert_eq!(at(&night, "/metadata/summary_id"), "2026-06-03");
        let asleep = at(&night, "/sleep_durations_data/asleep");
        // Seconds stay seconds: deep 5220 s = 87 min.
        assert_eq!(at(asleep, "/duration_deep_sleep_state_seconds"), 5220.0);
        assert_eq!(at(asleep, "/duration_light_sleep_state_seconds"), 13500.0);
        assert_eq!(at(asleep, "/duration_REM_sleep_state_seconds"), 5760.0);
        // light + deep + REM + unrecognised.
        assert_eq!(at(asleep, "/duration_asleep_state_seconds"), 24660.0);
        assert_eq!(
            at(
                &night,
                "/sleep_durations_data/awake/duration_awake_state_seconds"
            ),
            1590.0
        );
        assert_eq!(at(&night, "/scores/sleep"), 81.0);
        let hypnogram = at(&night, "/sleep_durations_data/hypnogram_samples");
        assert_eq!(
            at(hypnogram, "/0/timestamp"),
            "2026-06-02T23:41:00.000000+03:00"
        );
        // "00:35" is after midnight: the next calendar day.
        assert_eq!(
            at(hypnogram, "/2/timestamp"),
            "2026-06-03T00:35:00.000000+03:00"
        );
        assert_eq!(at(hypnogram, "/2/level"), 5, "4 is deep (Terra 5)");
        assert_eq!(at(hypnogram, "/3/level"), 6, "1 is REM (Terra 6)");
        assert_eq!(at(hypnogram, "/4/level"), 1, "0 is wake (Terra 1)");
        assert_eq!(at(hypnogram, "/7/level"), 0, "5 is unknown (Terra 0)");
        let heart = at(&night, "/heart_rate_data/summary");
        assert_eq!(at(heart, "/min_hr_bpm"), 49.0);
        assert_eq!(at(heart, "/avg_hr_bpm"), 55.4);
        // Without its Nightly Recharge a night has no HRV at all, SDNN never.
        assert!(at(heart, "/avg_hrv_rmssd").is_null());
        assert!(at(heart, "/avg_hrv_sdnn").is_null());
    }

    #[test]
    fn recharge_alone_is_its_dates_body_with_rmssd_and_local_times() {
        let body = first("nightly_recharge");
        assert_eq!(
            at(&body, "/metadata/start_time"),
            "2026-06-03T00:00:00.000000"
        );
        let heart = at(&body, "/heart_data/heart_rate_data");
        assert_eq!(at(heart, "/summary/avg_hrv_rmssd"), 47.0);
        assert!(at(heart, "/summary/avg_hrv_sdnn").is_null());
        assert!(at(heart, "/detailed/hrv_samples_sdnn").is_null());
        let samples = at(heart, "/detailed/hrv_samples_rmssd");
        // "23:58" belongs to the evening before the recharge date.
        let times: Vec<&Value> = samples
            .as_array()
            .map(|s| s.iter().map(|v| at(v, "/timestamp")).collect())
            .unwrap_or_default();
        assert!(times.contains(&&json!("2026-06-02T23:58:00.000000")));
        assert!(times.contains(&&json!("2026-06-03T00:11:00.000000")));
    }

    #[test]
    fn continuous_heart_rate_is_one_local_body_day() {
        let body = first("continuous_heart_rate");
        assert_eq!(
            at(&body, "/metadata/start_time"),
            "2026-06-03T00:00:00.000000"
        );
        assert_eq!(
            at(&body, "/metadata/end_time"),
            "2026-06-04T00:00:00.000000"
        );
        let heart = at(&body, "/heart_data/heart_rate_data");
        assert_eq!(at(heart, "/summary/min_hr_bpm"), 53.0);
        assert_eq!(at(heart, "/summary/max_hr_bpm"), 88.0);
        assert_eq!(
            at(heart, "/detailed/hr_samples/2/timestamp"),
            "2026-06-03T12:30:08.000000"
        );
    }

    #[test]
    fn daily_activity_fills_step_gaps_and_converts_durations() {
        let day = first("activities");
        assert_eq!(
            at(&day, "/metadata/start_time"),
            "2026-06-03T00:00:00.000000"
        );
        assert_eq!(at(&day, "/distance_data/steps"), 11214);
        assert_eq!(at(&day, "/distance_data/distance_meters"), 8120.5);
        assert_eq!(at(&day, "/calories_data/total_burned_calories"), 2612.0);
        assert_eq!(at(&day, "/calories_data/net_activity_calories"), 905.0);
        assert_eq!(at(&day, "/calories_data/BMR_calories"), 1707.0);
        // PT3H11M = 11460 s; PT9H23M30S = 33810 s.
        assert_eq!(at(&day, "/active_durations_data/activity_seconds"), 11460.0);
        assert_eq!(
            at(&day, "/active_durations_data/inactivity_seconds"),
            33810.0
        );
        // VIGOROUS 18:30 → 19:02 = 1920 s.
        assert_eq!(
            at(&day, "/active_durations_data/vigorous_intensity_seconds"),
            1920.0
        );
        // Step samples are cumulative; 07:02 (95) repeats at 07:03 and 07:04 (left out by
        // Polar): 12 + 95 × 3 = 297 by 07:04.
        let steps = at(&day, "/distance_data/detailed/step_samples");
        let at_0704 = steps.as_array().and_then(|s| {
            s.iter()
                .find(|v| at(v, "/timestamp") == "2026-06-03T07:04:00.000000")
        });
        assert_eq!(at_0704.map(|v| at(v, "/steps").clone()), Some(json!(297.0)));
    }

    #[test]
    fn user_is_the_athlete_with_polar_id() {
        let athlete = first("user");
        assert_eq!(at(&athlete, "/provider_user_id"), "48151623");
        assert_eq!(at(&athlete, "/first_name"), "Aino");
        assert_eq!(at(&athlete, "/date_of_birth"), "1991-04-17");
        assert_eq!(at(&athlete, "/sex"), "female");
    }

    #[test]
    fn single_document_paths_and_errors() {
        let one = r#"{"date":"2026-06-03","sleep_start_time":"2026-06-02T23:41:07+03:00","sleep_end_time":"2026-06-03T06:58:37+03:00"}"#;
        assert_eq!(
            map_source("/v3/users/sleep/2026-06-03", one)
                .map(|r| r.len())
                .ok(),
            Some(1)
        );
        assert!(matches!(
            map_source("/v3/users/sleep", "not json"),
            Err(wearbridge_providers::MapSourceError::Body(_))
        ));
        assert!(matches!(
            map_source("/v3/users/cardio-load", "{}"),
            Err(wearbridge_providers::MapSourceError::UnknownPath(_))
        ));
        assert!(matches!(
            map_source("/v2/usercollection/sleep", "{}"),
            Err(wearbridge_providers::MapSourceError::UnknownPath(_))
        ));
    }
}

mod robustness {
    //! `map_source` and the push parser take any JSON for every Polar path without
    //! panicking: arbitrary documents, and the fixtures with random leaves replaced by
    //! hostile values.

    use super::json_props::nested_json;
    use chrono::NaiveDate;
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use wearbridge_providers::polar::{map_source, push};

    const PATHS: [&str; 11] = [
        "/v3/exercises",
        "/v3/exercises/abc",
        "/v3/users/sleep",
        "/v3/users/sleep/2026-06-03",
        "/v3/users/nightly-recharge",
        "/v3/users/nightly-recharge/2026-06-03",
        "/v3/users/continuous-heart-rate",
        "/v3/users/continuous-heart-rate/2026-06-03",
        "/v3/users/activities",
        "/v3/users/activities/2026-06-03",
        "/v3/users/475",
    ];

    fn exercise(value: &Value) {
        let body = value.to_string();
        if let Ok(notification) = push::parse_notification(body.as_bytes()) {
            let _ = push::notice(&notification, NaiveDate::MIN);
            let _ = push::notice(&notification, NaiveDate::MAX);
        }
        let _ = push::is_ping(body.as_bytes());
        let _ = push::verify_signature(b"secret", body.as_bytes(), &body);
        for path in PATHS {
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
            Just(json!(0)),
            Just(json!("")),
            Just(json!("PT99999999H")),
            Just(json!("P1Y")),
            Just(json!("PT1.5.5S")),
            Just(json!("24:61")),
            Just(json!("9999-12-31T23:59:59+14:00")),
            Just(json!("0000-01-01T00:00:00-23:59")),
            Just(json!("+262143-12-31")),
            Just(json!("262143-12-31T23:59")),
            Just(json!(18446744073709551615_u64)),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".*".prop_map(Value::String),
        ]
    }

    /// Nested JSON of hostile leaves under this provider's field names.
    fn arbitrary_json() -> impl Strategy<Value = Value> {
        const KEYS: &[&str] = &[
            "nights",
            "date",
            "sleep_start_time",
            "sleep_end_time",
            "start_time",
            "duration",
            "samples",
            "event",
            "user_id",
        ];
        nested_json(hostile_leaf().boxed(), KEYS, "[a-z_]{1,12}")
    }

    /// Every leaf of a fixture, by JSON pointer (the first four items of each array).
    fn leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    leaves(child, format!("{pointer}/{key}"), out);
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate().take(4) {
                    leaves(child, format!("{pointer}/{index}"), out);
                }
            }
            _ => out.push(pointer),
        }
    }

    fn fixtures() -> Vec<Value> {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/polar");
        [
            "exercises",
            "sleep",
            "nightly_recharge",
            "continuous_heart_rate",
            "activities",
            "user",
        ]
        .iter()
        .filter_map(|name| std::fs::read_to_string(dir.join(format!("{name}.input.json"))).ok())
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
        fn corrupted_fixtures_never_panic(choice in any::<prop::sample::Index>(), leaf in hostile_leaf(), key in "([0-2][0-9]:[0-6][0-9])|.{0,6}") {
            let fixtures = fixtures();
            prop_assert_eq!(fixtures.len(), 6);
            for fixture in &fixtures {
                let mut pointers = Vec::new();
                leaves(fixture, String::new(), &mut pointers);
                let mut corrupted = fixture.clone();
                let pointer: &String = choice.get(&pointers);
                if let Some(slot) = corrupted.pointer_mut(pointer) {
                    *slot = leaf.clone();
                }
                // Hostile clock-time keys in the keyed samples.
                for keyed in ["/nights/0/hypnogram", "/recharges/0/hrv_samples"] {
                    if let Some(Value::Object(map)) = corrupted.pointer_mut(keyed) {
                        map.insert(key.clone(), leaf.clone());
                    }
                }
                exercise(&corrupted);
            }
        }
    }

    #[test]
    fn the_fixtures_themselves_exercise_cleanly() {
        for fixture in fixtures() {
            exercise(&fixture);
        }
    }
}
