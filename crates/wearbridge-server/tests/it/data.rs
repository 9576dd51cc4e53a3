//! `GET /v2/{activity,athlete,body,daily,menstruation,nutrition,sleep}`.

use serde_json::Value;
use wearbridge_model::{Activity, Athlete, Body, Daily, Menstruation, Nutrition, Sleep};

use crate::fixtures::{self, day};
use crate::harness::{TestApp, TestDeveloper, backend_test};

fn path(kind: &str, user: &impl std::fmt::Display, query: &str) -> String {
    format!("/v2/{kind}?user_id={user}&to_webhook=false{query}")
}

/// Seeds `days` daily records (UTC) starting 2024-01-01, in reverse order so the
/// response order proves sorting.
async fn seed_days(
    app: &TestApp,
    dev: &TestDeveloper,
    user: &wearbridge_store::ids::UserId,
    days: u64,
) {
    let records: Vec<Value> = (0..days)
        .rev()
        .map(|n| fixtures::daily(day(n), "+00:00", 1000 + u32::try_from(n).unwrap_or(0)))
        .collect();
    app.seed::<Daily>(dev, user, &records).await;
}

fn steps(body: &Value) -> Vec<i64> {
    body["data"]
        .as_array()
        .map(|data| {
            data.iter()
                .filter_map(|d| d["distance_data"]["steps"].as_i64())
                .collect()
        })
        .unwrap_or_default()
}

backend_test!(daily_round_trip_is_ordered_and_schema_valid, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, Some("ref-1")).await;
    seed_days(&app, &dev, &user, 5).await;
    let client = app.client(&dev);

    let response = client
        .get(
            &path("daily", &user, "&start_date=2024-01-01&end_date=2024-01-05"),
            200,
        )
        .await;
    assert_eq!(response.headers["content-type"], "application/json");
    let body = response.valid("api/DataResponse.daily");
    assert_eq!(steps(&body), vec![1000, 1001, 1002, 1003, 1004]);
    assert_eq!(body["type"], "daily");
    assert_eq!(body["user"]["user_id"], user.to_string());
    assert_eq!(body["user"]["reference_id"], "ref-1");
    assert!(
        body["data"][0]["heart_rate_data"]["detailed"]
            .get("hr_samples")
            .is_none(),
        "samples are off by default"
    );

    let with_samples = client
        .get(
            &path(
                "daily",
                &user,
                "&start_date=2024-01-01&end_date=2024-01-01&with_samples=true",
            ),
            200,
        )
        .await
        .valid("api/DataResponse.daily");
    assert_eq!(
        steps(&with_samples),
        vec![1000],
        "a date end_date includes that day only"
    );
    assert_eq!(
        with_samples["data"][0]["heart_rate_data"]["detailed"]["hr_samples"][1]["bpm"],
        63.0
    );
});

backend_test!(unix_seconds_and_default_end, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    seed_days(&app, &dev, &user, 4).await;
    let client = app.client(&dev);
    // 2024-01-02T00:00:00Z = 1704153600; no end_date means one day.
    let one = client
        .get(&path("daily", &user, "&start_date=1704153600"), 200)
        .await
        .json();
    assert_eq!(steps(&one), vec![1001]);
    // [2024-01-02, 2024-01-04) with an exclusive unix end.
    let two = client
        .get(
            &path("daily", &user, "&start_date=1704153600&end_date=1704326400"),
            200,
        )
        .await
        .json();
    assert_eq!(steps(&two), vec![1001, 1002]);
    let none = client
        .get(&path("daily", &user, "&start_date=2030-01-01"), 200)
        .await
        .valid("api/DataResponse.daily");
    assert_eq!(none["data"], serde_json::json!([]));
});

backend_test!(date_ranges_are_the_users_local_days, |app| {
    // A user at UTC+9 and one at UTC-7: their 2024-01-02 starts on 2024-01-01 (UTC) and
    // ends on 2024-01-03 (UTC) respectively; a date range must still return exactly it.
    let dev = app.developer("acme").await;
    let client = app.client(&dev);
    for offset in ["+09:00", "-07:00"] {
        let user = app.user(&dev, None).await;
        let records: Vec<Value> = (0..3)
            .map(|n| fixtures::daily(day(n), offset, 2000 + u32::try_from(n).unwrap_or(0)))
            .collect();
        app.seed::<Daily>(&dev, &user, &records).await;
        let one_day = client
            .get(
                &path("daily", &user, "&start_date=2024-01-02&end_date=2024-01-02"),
                200,
            )
            .await
            .valid("api/DataResponse.daily");
        assert_eq!(steps(&one_day), vec![2001], "offset {offset}");
        let default_end = client
            .get(&path("daily", &user, "&start_date=2024-01-03"), 200)
            .await
            .json();
        assert_eq!(steps(&default_end), vec![2002], "offset {offset}");
    }
});

backend_test!(every_data_type_round_trips, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    app.seed::<Activity>(&dev, &user, &[fixtures::activity("run-1", day(1), 400.0)])
        .await;
    app.seed::<Body>(&dev, &user, &[fixtures::body(day(1), 70.5)])
        .await;
    app.seed::<Daily>(&dev, &user, &[fixtures::daily(day(1), "+00:00", 42)])
        .await;
    app.seed::<Menstruation>(&dev, &user, &[fixtures::menstruation(day(1))])
        .await;
    app.seed::<Nutrition>(&dev, &user, &[fixtures::nutrition(day(1), 2100.0)])
        .await;
    app.seed::<Sleep>(&dev, &user, &[fixtures::sleep("night-1", day(1))])
        .await;
    let client = app.client(&dev);
    for kind in [
        "activity",
        "body",
        "daily",
        "menstruation",
        "nutrition",
        "sleep",
    ] {
        let body = client
            .get(
                &path(
                    kind,
                    &user,
                    "&start_date=2024-01-01&end_date=2024-01-03&with_samples=true",
                ),
                200,
            )
            .await
            .valid(&format!("api/DataResponse.{kind}"));
        assert_eq!(body["type"], kind);
        assert_eq!(
            body["data"].as_array().map(Vec::len),
            Some(1),
            "{kind}: {body}"
        );
    }

    let empty = client
        .get(&format!("/v2/athlete?user_id={user}&to_webhook=false"), 200)
        .await
        .valid("v2/AthleteCollection");
    assert!(empty.get("athlete").is_none());
    app.seed::<Athlete>(&dev, &user, &[fixtures::athlete()])
        .await;
    let athlete = client
        .get(&format!("/v2/athlete?user_id={user}&to_webhook=false"), 200)
        .await
        .valid("v2/AthleteCollection");
    assert_eq!(athlete["athlete"]["first_name"], "Ada");
    assert_eq!(athlete["type"], "athlete");
});

backend_test!(bad_input_gets_a_named_4xx, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let client = app.client(&dev);
    let cases: Vec<(String, u16, &str)> = vec![
        (
            "/v2/daily?start_date=2024-01-01&to_webhook=false".into(),
            400,
            "user_id",
        ),
        (path("daily", &user, ""), 400, "start_date"),
        (
            path("daily", &user, "&start_date=2024-13-01"),
            400,
            "start_date",
        ),
        (
            path("daily", &user, "&start_date=yesterday"),
            400,
            "start_date",
        ),
        (
            path("daily", &user, "&start_date=2024-01-01&end_date=01/02/2024"),
            400,
            "end_date",
        ),
        (
            path("daily", &user, "&start_date=2024-01-02&end_date=2024-01-01"),
            400,
            "before start_date",
        ),
        (
            path("daily", &user, "&start_date=2024-01-01&with_samples=yes"),
            400,
            "with_samples",
        ),
        (
            path("sleep", &user, "&start_date=2024-01-01&to_webhook=maybe"),
            400,
            "to_webhook",
        ),
        (
            "/v2/daily?user_id=not-a-uuid&start_date=2024-01-01&to_webhook=false".into(),
            400,
            "user_id",
        ),
        (
            path(
                "daily",
                &wearbridge_store::ids::UserId::new(),
                "&start_date=2024-01-01",
            ),
            404,
            "user not found",
        ),
        (
            format!(
                "/v2/athlete?user_id={}&to_webhook=false",
                wearbridge_store::ids::UserId::new()
            ),
            404,
            "user not found",
        ),
        ("/v2/daily?user_id=%ZZ&start_date=x".into(), 400, ""),
    ];
    for (request, status, needle) in cases {
        let message = client.get(&request, status).await.error_message();
        assert!(
            message.contains(needle),
            "{request}: {message:?} lacks {needle:?}"
        );
    }
    let schema_400 = client
        .get(&path("daily", &user, "&start_date=nope"), 400)
        .await;
    crate::harness::assert_valid("api/sdk/Daily_Fetch.400", &schema_400.json());
});

backend_test!(another_developers_user_is_not_found, |app| {
    let owner = app.developer("owner").await;
    let intruder = app.developer("intruder").await;
    let user = app.user(&owner, None).await;
    app.seed::<Daily>(&owner, &user, &[fixtures::daily(day(0), "+00:00", 7)])
        .await;
    let unknown = wearbridge_store::ids::UserId::new();
    for kind in [
        "activity",
        "body",
        "daily",
        "menstruation",
        "nutrition",
        "sleep",
    ] {
        let stolen = app
            .client(&intruder)
            .get(&path(kind, &user, "&start_date=2024-01-01"), 404)
            .await;
        let missing = app
            .client(&intruder)
            .get(&path(kind, &unknown, "&start_date=2024-01-01"), 404)
            .await;
        assert_eq!(
            stolen.json(),
            missing.json(),
            "isolation must be indistinguishable from absence"
        );
    }
    app.client(&intruder)
        .get(&format!("/v2/athlete?user_id={user}&to_webhook=false"), 404)
        .await;
    app.client(&owner)
        .get(&path("daily", &user, "&start_date=2024-01-01"), 200)
        .await;
});

backend_test!(hostile_inputs_never_produce_a_5xx, |app| {
    let dev = app.developer("acme").await;
    let user = app.user(&dev, None).await;
    let long = "9".repeat(5_000);
    let queries = [
        String::new(),
        "?".to_owned(),
        "?user_id=".to_owned(),
        format!("?user_id={user}&user_id={user}&start_date=2024-01-01"),
        format!("?user_id={user}&start_date=-1&to_webhook=false"),
        format!("?user_id={user}&start_date=1e9&to_webhook=false"),
        format!("?user_id={user}&start_date={long}&to_webhook=false"),
        format!("?user_id={user}&start_date=9999999999999&to_webhook=false"),
        format!("?user_id={user}&start_date=0&end_date=0&to_webhook=false"),
        format!("?user_id={user}&start_date=9999-12-31&end_date=9999-12-31&to_webhook=false"),
        format!("?user_id={user}&start_date=0000-01-01&to_webhook=false"),
        format!("?user_id={user}&start_date=2024-02-29T00:00:00Z&to_webhook=false"),
        format!("?user_id={user}&start_date=%F0%9F%92%A9&to_webhook=false"),
        format!("?user_id={user}&start_date=2024-01-01&to_webhook=%00"),
        format!("?user_id={user}%00&start_date=2024-01-01&to_webhook=false"),
        "?user_id=%E2%80%AE&start_date=2024-01-01".to_owned(),
        format!("?user_id={long}&start_date=2024-01-01"),
        "?user_id[]=x&start_date[]=y".to_owned(),
        "?%%%=&&&=%".to_owned(),
    ];
    for kind in ["activity", "athlete", "daily", "sleep"] {
        for query in &queries {
            let path = format!("/v2/{kind}{query}");
            let status = app
                .http
                .get(format!("{}{path}", app.base_url))
                .header("dev-id", &dev.dev_id)
                .header("x-api-key", &dev.api_key)
                .send()
                .await
                .map(|response| response.status().as_u16())
                .unwrap_or(0);
            assert!((200..500).contains(&status), "{path} gave {status}");
        }
    }
    for body in [
        "",
        "null",
        "[]",
        "{",
        "{\"data\": null}",
        "{\"data\": [null]}",
        "{\"data\": [[]]}",
        "\u{0}",
    ] {
        for path in [
            format!("/v2/activity?user_id={user}"),
            "/v2/bulkUserInfo".to_owned(),
            format!("/v2/users/{user}"),
        ] {
            let method = if path.starts_with("/v2/users") {
                axum::http::Method::PATCH
            } else {
                axum::http::Method::POST
            };
            let status = app
                .http
                .request(method, format!("{}{path}", app.base_url))
                .header("dev-id", &dev.dev_id)
                .header("x-api-key", &dev.api_key)
                .header("content-type", "application/json")
                .body(body.to_owned())
                .send()
                .await
                .map(|response| response.status().as_u16())
                .unwrap_or(0);
            assert!(
                (200..500).contains(&status),
                "{path} with {body:?} gave {status}"
            );
        }
    }
});
