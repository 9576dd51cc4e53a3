//! The Dexcom cloud on a real socket: its OAuth quirks, windows and their limits, agreement
//! with the synthetic person, the three time notations, `dataRange`, and held-back uploads.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::Value;

use super::render::{Display, history_start};
use super::*;
use crate::{SimConfig, SimControl};

struct Cloud {
    base: String,
    http: reqwest::Client,
    control: SimControl,
}

async fn serve() -> Cloud {
    let state = Arc::new(SimState::new(&SimConfig::default()));
    let oauth = Arc::new(OAuthServer::new(oauth_settings()));
    let app = router(Arc::clone(&oauth), Arc::clone(&state));
    let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
        panic!("bind");
    };
    let Ok(addr) = listener.local_addr() else {
        panic!("addr");
    };
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    Cloud {
        base: format!("http://{addr}"),
        http,
        control: SimControl { state },
    }
}

impl Cloud {
    async fn get(&self, url: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{url}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let Ok(answer) = request.send().await else {
            panic!("GET {url}");
        };
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let url = format!("{}{TOKEN_PATH}", self.base);
        let Ok(answer) = self.http.post(url).form(form).send().await else {
            panic!("token");
        };
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// Logs `account` in with `scope`; the authorization code, or the login's status.
    async fn login(&self, account: &str, scope: &str) -> Result<String, u16> {
        let query = serde_urlencoded::to_string([
            ("client_id", "app"),
            ("redirect_uri", "http://localhost/cb"),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "s"),
            ("sim_user", account),
            ("consent", "allow"),
        ])
        .unwrap_or_default();
        let url = format!("{}{AUTHORIZE_PATH}?{query}", self.base);
        let Ok(answer) = self.http.get(url).send().await else {
            panic!("login");
        };
        let location = answer
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| url::Url::parse(value).ok());
        let code = location.and_then(|url| {
            url.query_pairs()
                .find(|(key, _)| key == "code")
                .map(|(_, value)| value.into_owned())
        });
        code.ok_or(answer.status().as_u16())
    }

    async fn connect(&self, account: &str) -> Value {
        let Ok(code) = self.login(account, SCOPE).await else {
            panic!("login refused");
        };
        let (status, tokens) = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("client_id", "app"),
                ("client_secret", "secret"),
                ("code", code.as_str()),
                ("redirect_uri", "http://localhost/cb"),
            ])
            .await;
        assert_eq!(status, 200, "{tokens}");
        tokens
    }
}

fn access(tokens: &Value) -> String {
    tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// An account with each display device (the choice is a pure function of the id).
fn account_with(display: Display) -> String {
    (0..100)
        .map(|n| format!("dexcom-{n}"))
        .find(|account| Display::of(account) == display)
        .unwrap_or_default()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
}

#[tokio::test]
async fn login_needs_offline_access_and_refresh_tokens_rotate() {
    let cloud = serve().await;
    assert_eq!(cloud.login("dora", "read").await, Err(400));
    let tokens = cloud.connect("dora").await;
    assert_eq!(tokens["expires_in"], 7_200);
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens.get("scope").is_none() && tokens.get("user_id").is_none());
    let refresh = tokens["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "app"),
        ("client_secret", "secret"),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, renewed) = cloud.token(&form).await;
    assert_eq!(status, 200);
    assert_ne!(renewed["refresh_token"], tokens["refresh_token"]);
    let (status, reused) = cloud.token(&form).await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn egvs_are_the_persons_readings_newest_first_in_windows_of_thirty_days() {
    let cloud = serve().await;
    let account = account_with(Display::Ios);
    let token = access(&cloud.connect(&account).await);
    let person = cloud.control.person(&account);
    let offset = person.offset().fixed();
    let start = day(4).and_hms_opt(0, 0, 0).unwrap_or_default();
    let from = offset
        .from_local_datetime(&start)
        .single()
        .unwrap_or_default();
    let window = |from: DateTime<Utc>, to: DateTime<Utc>| {
        format!(
            "{API_PREFIX}/egvs?startDate={}&endDate={}",
            from.format("%Y-%m-%dT%H:%M:%S"),
            to.format("%Y-%m-%dT%H:%M:%S")
        )
    };
    let from = from.with_timezone(&Utc);
    let (status, page) = cloud
        .get(
            &window(from, from + chrono::TimeDelta::days(1)),
            Some(&token),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["recordType"], "egv");
    assert_eq!(page["userId"], render::user_id(&account));
    let records = page["records"].as_array().cloned().unwrap_or_default();
    let readings = person.glucose_on(day(4));
    assert_eq!(records.len(), readings.len());
    let newest = &records[0];
    let last = readings.last().map(|r| r.mg_per_dl).unwrap_or_default();
    assert_eq!(newest["value"].as_f64(), Some(last));
    assert_eq!(newest["unit"], "mg/dL");
    assert!(
        newest["systemTime"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );

    let (status, _) = cloud
        .get(
            &window(from, from + chrono::TimeDelta::days(31)),
            Some(&token),
        )
        .await;
    assert_eq!(status, 400, "more than 30 days");
    let (status, _) = cloud
        .get(
            &format!("{API_PREFIX}/egvs?startDate=2026-03-04T00:00:00"),
            Some(&token),
        )
        .await;
    assert_eq!(status, 400, "no endDate");
    let (status, _) = cloud.get(&window(from, from), None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn receivers_write_times_without_a_zone() {
    let cloud = serve().await;
    let account = account_with(Display::Receiver);
    let token = access(&cloud.connect(&account).await);
    let url =
        format!("{API_PREFIX}/egvs?startDate=2026-03-04T00:00:00&endDate=2026-03-04T01:00:00");
    let (_, page) = cloud.get(&url, Some(&token)).await;
    let first = &page["records"][0];
    let system = first["systemTime"].as_str().unwrap_or_default();
    let display = first["displayTime"].as_str().unwrap_or_default();
    assert_eq!(system.len(), 19, "{system}");
    assert_eq!(display.len(), 19, "{display}");
    assert_eq!(first["displayDevice"], "receiver");
}

#[tokio::test]
async fn events_are_meals_and_workouts() {
    let cloud = serve().await;
    let account = account_with(Display::Android);
    let token = access(&cloud.connect(&account).await);
    let url =
        format!("{API_PREFIX}/events?startDate=2026-03-03T00:00:00&endDate=2026-03-06T00:00:00");
    let (status, page) = cloud.get(&url, Some(&token)).await;
    assert_eq!(status, 200, "{page}");
    let records = page["records"].as_array().cloned().unwrap_or_default();
    let person = cloud.control.person(&account);
    let meals = person.day(day(4)).meals;
    let first = meals.first().map(|meal| meal.carbohydrates_g.to_string());
    assert!(
        records.iter().any(|event| event["eventType"] == "carbs"
            && event["unit"] == "grams"
            && event["value"].as_str() == first.as_deref()),
        "{records:?}"
    );
    assert!(
        records
            .iter()
            .all(|event| event["eventStatus"] == "created")
    );
}

#[tokio::test]
async fn data_range_spans_the_history_and_stops_where_uploads_stop() {
    let cloud = serve().await;
    let account = account_with(Display::Ios);
    let token = access(&cloud.connect(&account).await);
    let person = cloud.control.person(&account);
    let (status, range) = cloud
        .get(&format!("{API_PREFIX}/dataRange"), Some(&token))
        .await;
    assert_eq!(status, 200, "{range}");
    let first = person.glucose_on(history_start()).first().map(|r| r.at);
    let first = first.map(|at| Display::Ios.system_time(at));
    assert_eq!(
        range["egvs"]["start"]["systemTime"].as_str(),
        first.as_deref()
    );
    assert!(range["calibrations"].is_null());
    assert!(range["events"]["end"]["systemTime"].is_string());

    let until = Utc
        .with_ymd_and_hms(2026, 3, 4, 12, 0, 0)
        .single()
        .unwrap_or_default();
    cloud.control.dexcom_hold_uploads(&account, until);
    let (_, held) = cloud
        .get(&format!("{API_PREFIX}/dataRange"), Some(&token))
        .await;
    let end = held["egvs"]["end"]["systemTime"]
        .as_str()
        .unwrap_or_default();
    let end = DateTime::parse_from_rfc3339(end).map(|at| at.with_timezone(&Utc));
    assert!(end.is_ok_and(|end| end <= until && until - end < chrono::TimeDelta::minutes(5)));
    let url =
        format!("{API_PREFIX}/egvs?startDate=2026-03-04T11:00:00&endDate=2026-03-04T13:00:00");
    let (_, page) = cloud.get(&url, Some(&token)).await;
    assert_eq!(
        page["records"].as_array().map(Vec::len),
        Some(12),
        "one hour uploaded"
    );
    cloud.control.dexcom_release_uploads(&account);
    let (_, page) = cloud.get(&url, Some(&token)).await;
    assert_eq!(page["records"].as_array().map(Vec::len), Some(24));
}
