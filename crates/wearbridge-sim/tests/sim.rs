//! End-to-end tests of the simulator over real HTTP: the SANDBOX OAuth flow, its data API,
//! the control API, and every fault kind.

mod support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wearbridge_sim::{FaultKind, FaultTarget, SimConfig, SimHandle, SimProvider, Simulator};

const CLIENT_ID: &str = "wearbridge-test";
const CLIENT_SECRET: &str = "test-secret";
const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "a-very-long-code-verifier-that-is-at-least-43-characters-long";

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Ctx {
    sim: SimHandle,
    http: Client,
}

async fn start() -> Result<Ctx, Box<dyn std::error::Error>> {
    let sim = Simulator::spawn(SimConfig::default()).await?;
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()?;
    Ok(Ctx { sim, http })
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Query parameters of a `Location` header.
fn location_params(
    response: &reqwest::Response,
) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or("no Location header")?
        .to_str()?;
    let url = url::Url::parse(location)?;
    assert!(
        location.starts_with(REDIRECT_URI),
        "redirected to {location}"
    );
    Ok(url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

impl Ctx {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    fn authorize_url(&self, extra: &str) -> String {
        format!(
            "{}?response_type=code&client_id={CLIENT_ID}&redirect_uri={}&state=st-1&scope=all\
             &code_challenge={}&code_challenge_method=S256{extra}",
            self.url("/sandbox/oauth/authorize"),
            urlencode(REDIRECT_URI),
            challenge(VERIFIER),
        )
    }

    /// Runs the consent shortcut and returns the authorization code.
    async fn code_for(&self, sim_user: &str) -> Result<String, Box<dyn std::error::Error>> {
        let response = self
            .http
            .get(self.authorize_url(&format!("&consent=allow&sim_user={sim_user}")))
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::FOUND);
        let params = location_params(&response)?;
        assert_eq!(param(&params, "state"), Some("st-1"));
        Ok(param(&params, "code").ok_or("no code")?.to_owned())
    }

    async fn token_request(
        &self,
        form: &[(&str, &str)],
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        let response = self
            .http
            .post(self.url("/sandbox/oauth/token"))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(form)
            .send()
            .await?;
        let status = response.status();
        Ok((status, response.json().await?))
    }

    /// Full connect: consent, code exchange. Returns the token response.
    async fn connect(&self, sim_user: &str) -> Result<Value, Box<dyn std::error::Error>> {
        let code = self.code_for(sim_user).await?;
        let (status, tokens) = self
            .token_request(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", VERIFIER),
            ])
            .await?;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        Ok(tokens)
    }

    async fn refresh(
        &self,
        refresh_token: &str,
    ) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    async fn api(
        &self,
        token: &str,
        path_and_query: &str,
    ) -> Result<reqwest::Response, reqwest::Error> {
        self.http
            .get(self.url(&format!("/sandbox/api/v1{path_and_query}")))
            .bearer_auth(token)
            .send()
            .await
    }

    async fn api_json(
        &self,
        token: &str,
        path_and_query: &str,
    ) -> Result<Value, Box<dyn std::error::Error>> {
        let response = self.api(token, path_and_query).await?;
        assert_eq!(response.status(), StatusCode::OK, "{path_and_query}");
        Ok(response.json().await?)
    }

    async fn control(&self, path: &str, body: Value) -> Result<reqwest::Response, reqwest::Error> {
        self.http.post(self.url(path)).json(&body).send().await
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

// ------------------------------------------------------------------------------------------
// OAuth

#[tokio::test]
async fn oauth_round_trip_with_pkce_reaches_the_chosen_account() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("alice").await?;
    assert_eq!(str_of(&tokens, "token_type"), "Bearer");
    assert_eq!(str_of(&tokens, "user_id"), "alice");
    assert_eq!(
        tokens.get("expires_in").and_then(Value::as_u64),
        Some(3_600)
    );
    let me = ctx.api_json(str_of(&tokens, "access_token"), "/me").await?;
    assert_eq!(str_of(&me, "user_id"), "alice");
    let expected_offset = ctx.sim.person("alice").offset().to_string();
    assert_eq!(
        me.pointer("/profile/utc_offset").and_then(Value::as_str),
        Some(expected_offset.as_str())
    );
    assert_eq!(
        ctx.sim.oauth(SimProvider::Sandbox).map(|o| o.accounts()),
        Some(vec!["alice".to_owned()])
    );
    ctx.sim.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn consent_page_is_a_real_form_with_allow_and_deny() -> TestResult {
    let ctx = start().await?;
    let response = ctx.http.get(ctx.authorize_url("")).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await?;
    assert!(html.contains(r#"<form method="post" action="/sandbox/oauth/authorize">"#));
    assert!(html.contains(r#"<button type="submit" name="consent" value="allow">Allow</button>"#));
    assert!(html.contains(r#"<button type="submit" name="consent" value="deny">Deny</button>"#));
    assert!(html.contains(r#"<label for="sim_user">"#) && html.contains("<html lang=\"en\">"));

    // Submitting the form as a browser would, with a chosen account.
    let form = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("state", "st-2"),
        ("sim_user", "bob"),
        ("consent", "allow"),
    ];
    let response = ctx
        .http
        .post(ctx.url("/sandbox/oauth/authorize"))
        .form(&form)
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::FOUND);
    let params = location_params(&response)?;
    assert_eq!(param(&params, "state"), Some("st-2"));
    let code = param(&params, "code").ok_or("no code")?;
    // No PKCE in this request, so no verifier is needed.
    let (status, tokens) = ctx
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(str_of(&tokens, "user_id"), "bob");
    Ok(())
}

#[tokio::test]
async fn consent_page_escapes_request_parameters() -> TestResult {
    let ctx = start().await?;
    let hostile = urlencode(r#""><script>alert(1)</script>"#);
    let url = ctx
        .authorize_url("")
        .replace("state=st-1", &format!("state={hostile}"));
    let response = ctx.http.get(url).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await?;
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&quot;&gt;&lt;script&gt;"));
    Ok(())
}

#[tokio::test]
async fn default_account_is_fresh_and_recorded() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .http
        .get(ctx.authorize_url("&consent=allow"))
        .send()
        .await?;
    let params = location_params(&response)?;
    let code = param(&params, "code").ok_or("no code")?;
    let (_, tokens) = ctx
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
        ])
        .await?;
    let account = str_of(&tokens, "user_id").to_owned();
    assert!(
        account.starts_with("sim-") && account.len() > 8,
        "{account}"
    );
    let listed: Value = ctx
        .http
        .get(ctx.url("/_sim/accounts?provider=sandbox"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(listed.get("accounts"), Some(&json!([account])));
    Ok(())
}

/// An authorization code for `redirect`, without PKCE.
async fn code_with_redirect(
    ctx: &Ctx,
    redirect: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let url = format!(
        "{}?response_type=code&client_id={CLIENT_ID}&redirect_uri={}&consent=allow&sim_user=zed",
        ctx.url("/sandbox/oauth/authorize"),
        urlencode(redirect)
    );
    let response = ctx.http.get(url).send().await?;
    support::redirect_code(&response)
}

#[tokio::test]
async fn redirect_uri_must_match_exactly_as_sent() -> TestResult {
    let ctx = start().await?;
    // Without a path: a URL parser would normalize this to ".../", which must not matter.
    let bare = "http://127.0.0.1:9";
    let code = code_with_redirect(&ctx, bare).await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", "http://127.0.0.1:9/"),
    ];
    let (status, body) = ctx.token_request(&form).await?;
    assert_eq!(
        (status, str_of(&body, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );

    let code = code_with_redirect(&ctx, bare).await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", bare),
    ];
    let (status, body) = ctx.token_request(&form).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    Ok(())
}

#[tokio::test]
async fn deny_redirects_with_access_denied() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .http
        .get(ctx.authorize_url("&consent=deny"))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::FOUND);
    let params = location_params(&response)?;
    assert_eq!(param(&params, "error"), Some("access_denied"));
    assert_eq!(param(&params, "state"), Some("st-1"));
    assert_eq!(param(&params, "code"), None);
    Ok(())
}

#[tokio::test]
async fn invalid_authorize_requests_are_refused() -> TestResult {
    let ctx = start().await?;
    let missing_client = format!(
        "{}?response_type=code&redirect_uri={}&consent=allow",
        ctx.url("/sandbox/oauth/authorize"),
        urlencode(REDIRECT_URI)
    );
    let response = ctx.http.get(missing_client).send().await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await?.contains("client_id is required"));

    let no_redirect = format!(
        "{}?response_type=code&client_id=x",
        ctx.url("/sandbox/oauth/authorize")
    );
    assert_eq!(
        ctx.http.get(no_redirect).send().await?.status(),
        StatusCode::BAD_REQUEST
    );

    let plain = ctx.authorize_url("&consent=allow").replace("S256", "plain");
    let response = ctx.http.get(plain).send().await?;
    assert_eq!(
        param(&location_params(&response)?, "error"),
        Some("invalid_request")
    );

    let token = ctx
        .authorize_url("&consent=allow")
        .replace("response_type=code", "response_type=token");
    let response = ctx.http.get(token).send().await?;
    assert_eq!(
        param(&location_params(&response)?, "error"),
        Some("unsupported_response_type")
    );
    Ok(())
}

#[tokio::test]
async fn codes_are_single_use_and_pkce_is_enforced() -> TestResult {
    let ctx = start().await?;
    let code = ctx.code_for("carol").await?;
    let exchange = |verifier: &'static str, code: String| {
        let ctx = &ctx;
        async move {
            ctx.token_request(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", verifier),
            ])
            .await
        }
    };
    let wrong = "b-very-long-code-verifier-that-is-at-least-43-characters-long";
    let (status, body) = exchange(wrong, code.clone()).await?;
    assert_eq!(
        (status, str_of(&body, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    // The failed attempt consumed the code.
    let (status, body) = exchange(VERIFIER, code).await?;
    assert_eq!(
        (status, str_of(&body, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );

    let code = ctx.code_for("carol").await?;
    let (status, _) = exchange(VERIFIER, code.clone()).await?;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = exchange(VERIFIER, code).await?;
    assert_eq!(
        (status, str_of(&body, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    Ok(())
}

#[tokio::test]
async fn client_authentication_is_checked() -> TestResult {
    let ctx = start().await?;
    let code = ctx.code_for("dave").await?;
    let response = ctx
        .http
        .post(ctx.url("/sandbox/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await?;
    assert_eq!(str_of(&body, "error"), "invalid_client");
    // Body-parameter client authentication works too (SANDBOX accepts either style).
    let code = ctx.code_for("dave").await?;
    let response = ctx
        .http
        .post(ctx.url("/sandbox/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", VERIFIER),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn refresh_tokens_rotate_and_are_single_use() -> TestResult {
    let ctx = start().await?;
    let first = ctx.connect("erin").await?;
    let old_refresh = str_of(&first, "refresh_token").to_owned();
    let (status, second) = ctx.refresh(&old_refresh).await?;
    assert_eq!(status, StatusCode::OK);
    let new_refresh = str_of(&second, "refresh_token").to_owned();
    assert_ne!(new_refresh, old_refresh);
    assert_ne!(
        str_of(&second, "access_token"),
        str_of(&first, "access_token")
    );
    assert_eq!(str_of(&second, "user_id"), "erin");

    let (status, error) = ctx.refresh(&old_refresh).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(str_of(&error, "error"), "invalid_grant");
    assert_eq!(
        str_of(&error, "error_description"),
        "refresh token already used"
    );

    let (status, _) = ctx.refresh(&new_refresh).await?;
    assert_eq!(status, StatusCode::OK);
    let me = ctx.api(str_of(&second, "access_token"), "/me").await?;
    assert_eq!(me.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_recovers() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("frank").await?;
    let access = str_of(&tokens, "access_token");
    assert_eq!(ctx.api(access, "/me").await?.status(), StatusCode::OK);

    let expired: Value = ctx
        .control(
            "/_sim/expire",
            json!({"provider": "sandbox", "sim_user": "frank"}),
        )
        .await?
        .json()
        .await?;
    assert_eq!(expired.get("expired").and_then(Value::as_u64), Some(1));
    let response = ctx.api(access, "/me").await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response
            .headers()
            .contains_key(reqwest::header::WWW_AUTHENTICATE)
    );
    let body: Value = response.json().await?;
    assert_eq!(str_of(&body, "error"), "invalid_token");
    assert_eq!(str_of(&body, "error_description"), "access token expired");

    let (status, renewed) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ctx.api(str_of(&renewed, "access_token"), "/me")
            .await?
            .status(),
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn token_lifetime_is_configurable_at_runtime() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .control(
            "/_sim/config",
            json!({"provider": "sandbox", "access_token_ttl_s": 1}),
        )
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let config: Value = ctx
        .http
        .get(ctx.url("/_sim/config"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        config.pointer("/providers/0/access_token_ttl_s"),
        Some(&json!(1))
    );
    let tokens = ctx.connect("grace").await?;
    assert_eq!(tokens.get("expires_in").and_then(Value::as_u64), Some(1));
    let access = str_of(&tokens, "access_token");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        ctx.api(access, "/me").await?.status(),
        StatusCode::UNAUTHORIZED
    );
    let zero = ctx
        .control(
            "/_sim/config",
            json!({"provider": "sandbox", "access_token_ttl_s": 0}),
        )
        .await?;
    assert_eq!(zero.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn revoke_endpoint_and_account_revocation_kill_the_grant() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("heidi").await?;
    let response = ctx
        .http
        .post(ctx.url("/sandbox/oauth/revoke"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", str_of(&tokens, "refresh_token"))])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = ctx
        .api(str_of(&tokens, "access_token"), "/me")
        .await?
        .json()
        .await?;
    assert_eq!(str_of(&body, "error_description"), "access token revoked");
    let (status, error) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(
        (status, str_of(&error, "error")),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );

    // Revocation at the provider (user disconnected the app), through the control API.
    let again = ctx.connect("heidi").await?;
    let revoked: Value = ctx
        .control(
            "/_sim/revoke",
            json!({"provider": "sandbox", "sim_user": "heidi"}),
        )
        .await?
        .json()
        .await?;
    assert_eq!(revoked.get("revoked").and_then(Value::as_u64), Some(2));
    assert_eq!(
        ctx.api(str_of(&again, "access_token"), "/me")
            .await?
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = ctx.refresh(str_of(&again, "refresh_token")).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn reconnecting_the_same_account_serves_the_same_person() -> TestResult {
    let ctx = start().await?;
    let first = ctx.connect("ivan").await?;
    let second = ctx.connect("ivan").await?;
    assert_eq!(str_of(&first, "user_id"), str_of(&second, "user_id"));
    let query = "/daily?start_date=2026-03-01&end_date=2026-03-02";
    let a = ctx.api_json(str_of(&first, "access_token"), query).await?;
    let b = ctx.api_json(str_of(&second, "access_token"), query).await?;
    assert_eq!(a, b);
    assert_eq!(
        ctx.sim
            .oauth(SimProvider::Sandbox)
            .map(|o| o.accounts().len()),
        Some(1)
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Data API

#[tokio::test]
async fn data_endpoints_need_a_bearer_token_and_valid_dates() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .http
        .get(ctx.url("/sandbox/api/v1/daily?start_date=2026-01-01&end_date=2026-01-01"))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await?;
    assert_eq!(str_of(&body, "error_description"), "missing bearer token");

    let tokens = ctx.connect("judy").await?;
    let access = str_of(&tokens, "access_token");
    for bad in [
        "/daily",
        "/daily?start_date=2026-01-05&end_date=2026-01-01",
        "/daily?start_date=01/01/2026&end_date=2026-01-01",
        "/daily?start_date=2026-01-01&end_date=2026-01-09&page=2027-01-01",
    ] {
        let response = ctx.api(access, bad).await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = response.json().await?;
        assert_eq!(str_of(&body, "error"), "invalid_request");
    }
    Ok(())
}

#[tokio::test]
async fn daily_pages_cover_the_range_in_local_days_with_offsets() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("kim").await?, "access_token").to_owned();
    let offset = ctx.sim.person("kim").offset().to_string();
    let mut dates = Vec::new();
    let mut page = String::new();
    loop {
        let query = format!("/daily?start_date=2026-01-01&end_date=2026-01-20{page}");
        let body = ctx.api_json(&access, &query).await?;
        for day in body
            .get("data")
            .and_then(Value::as_array)
            .ok_or("no data")?
        {
            dates.push(str_of(day, "date").to_owned());
            assert!(
                str_of(day, "start_time").ends_with(&offset),
                "{}",
                str_of(day, "start_time")
            );
            let steps = day.get("steps").and_then(Value::as_u64).unwrap_or(0);
            let summed: u64 = day
                .get("intervals")
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(|i| i.get("steps").and_then(Value::as_u64))
                        .sum()
                })
                .unwrap_or(0);
            assert_eq!(steps, summed);
        }
        match body.get("next_page").and_then(Value::as_str) {
            Some(next) => page = format!("&page={next}"),
            None => break,
        }
    }
    let expected: Vec<String> = (1..=20).map(|d| format!("2026-01-{d:02}")).collect();
    assert_eq!(dates, expected);
    Ok(())
}

#[tokio::test]
async fn data_matches_the_person_model_across_endpoints() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("leo").await?, "access_token").to_owned();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 4, 14).ok_or("date")?;
    let day = ctx.sim.person("leo").day(date);
    let range = "?start_date=2026-04-14&end_date=2026-04-14";

    let daily = ctx.api_json(&access, &format!("/daily{range}")).await?;
    assert_eq!(
        daily.pointer("/data/0/steps").and_then(Value::as_u64),
        Some(u64::from(day.total_steps()))
    );
    assert_eq!(
        daily
            .pointer("/data/0/resting_hr_bpm")
            .and_then(Value::as_u64),
        Some(u64::from(day.resting_hr_bpm()))
    );

    let sleep = ctx.api_json(&access, &format!("/sleep{range}")).await?;
    let night = sleep.pointer("/data/0").ok_or("no sleep")?;
    assert_eq!(
        night.get("asleep_s").and_then(Value::as_i64),
        Some(day.sleep_duration_s())
    );
    let stage_total: i64 = ["awake_s", "light_s", "deep_s", "rem_s"]
        .iter()
        .filter_map(|k| night.get(*k).and_then(Value::as_i64))
        .sum();
    assert_eq!(
        Some(stage_total),
        night.get("in_bed_s").and_then(Value::as_i64)
    );

    let body = ctx.api_json(&access, &format!("/body{range}")).await?;
    assert_eq!(
        body.pointer("/data/0/weight_kg").and_then(Value::as_f64),
        Some(day.weight_kg())
    );

    let nutrition = ctx.api_json(&access, &format!("/nutrition{range}")).await?;
    let meals = nutrition
        .pointer("/data/0/meals")
        .and_then(Value::as_array)
        .ok_or("no meals")?;
    assert_eq!(meals.len(), day.meals.len());
    Ok(())
}

#[tokio::test]
async fn workouts_carry_one_hertz_samples_unless_asked_not_to() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("mia").await?, "access_token").to_owned();
    let full = ctx
        .api_json(
            &access,
            "/workouts?start_date=2026-02-01&end_date=2026-02-21",
        )
        .await?;
    let lean = ctx
        .api_json(
            &access,
            "/workouts?start_date=2026-02-01&end_date=2026-02-21&include_samples=false",
        )
        .await?;
    let workouts = full
        .get("data")
        .and_then(Value::as_array)
        .ok_or("no data")?;
    assert!(
        !workouts.is_empty(),
        "three days without a workout are unusual but possible; widen range"
    );
    for workout in workouts {
        let samples = workout
            .get("samples")
            .and_then(Value::as_array)
            .ok_or("no samples")?;
        assert_eq!(
            Some(samples.len() as i64),
            workout.get("duration_s").and_then(Value::as_i64)
        );
        let has_gps = workout.get("has_gps").and_then(Value::as_bool) == Some(true);
        assert_eq!(
            samples.first().map(|s| s.get("latitude").is_some()),
            Some(has_gps)
        );
    }
    let lean_workouts = lean
        .get("data")
        .and_then(Value::as_array)
        .ok_or("no data")?;
    assert!(lean_workouts.iter().all(|w| w.get("samples").is_none()));
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Faults and the request log

#[tokio::test]
async fn rate_limit_fault_answers_429_with_retry_after_then_recovers() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("nina").await?, "access_token").to_owned();
    let response = ctx
        .control(
            "/_sim/faults",
            json!({"provider": "sandbox", "fault": {"type": "rate_limit", "retry_after_s": 17}, "times": 2}),
        )
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for _ in 0..2 {
        let response = ctx.api(&access, "/me").await?;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("17")
        );
    }
    assert_eq!(ctx.api(&access, "/me").await?.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn server_error_fault_can_target_the_token_endpoint() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("olga").await?;
    ctx.sim.faults().inject(
        "sandbox",
        FaultKind::ServerError { status: 503 },
        FaultTarget::Token,
        1,
    )?;
    // Data calls are unaffected by a token-endpoint fault.
    assert_eq!(
        ctx.api(str_of(&tokens, "access_token"), "/me")
            .await?
            .status(),
        StatusCode::OK
    );
    let (status, body) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(str_of(&body, "error"), "server_error");
    // The failed call did not consume the refresh token.
    let (status, _) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(status, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn hang_fault_outlasts_a_client_timeout() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("pete").await?, "access_token").to_owned();
    ctx.sim.faults().inject(
        "sandbox",
        FaultKind::Hang { seconds: 3 },
        FaultTarget::Api,
        1,
    )?;
    let result = ctx
        .http
        .get(ctx.url("/sandbox/api/v1/me"))
        .bearer_auth(&access)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
    Ok(())
}

#[tokio::test]
async fn malformed_json_fault_truncates_the_body() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("quinn").await?, "access_token").to_owned();
    ctx.sim
        .faults()
        .inject("sandbox", FaultKind::MalformedJson, FaultTarget::Api, 1)?;
    let response = ctx
        .api(&access, "/sleep?start_date=2026-01-01&end_date=2026-01-02")
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await?;
    assert!(text.len() > 100);
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let next = ctx
        .api(&access, "/sleep?start_date=2026-01-01&end_date=2026-01-02")
        .await?;
    assert!(next.json::<Value>().await.is_ok());
    Ok(())
}

#[tokio::test]
async fn random_faults_and_invalid_fault_requests() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("rose").await?, "access_token").to_owned();
    let bad = ctx
        .control(
            "/_sim/faults",
            json!({"provider": "sandbox", "fault": {"type": "server_error", "status": 200}}),
        )
        .await?;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let unknown = ctx
        .control(
            "/_sim/faults",
            json!({"provider": "nope", "fault": {"type": "malformed_json"}}),
        )
        .await?;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let response = ctx
        .control(
            "/_sim/faults/random",
            json!({"provider": "sandbox", "fault": {"type": "server_error"}, "probability": 1.0}),
        )
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ctx.api(&access, "/me").await?.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let cleared = ctx
        .http
        .delete(ctx.url("/_sim/faults?provider=sandbox"))
        .send()
        .await?;
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert_eq!(ctx.api(&access, "/me").await?.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn request_log_counts_per_provider_and_minute() -> TestResult {
    let ctx = start().await?;
    let access = str_of(&ctx.connect("sam").await?, "access_token").to_owned();
    ctx.sim.requests().clear();
    for _ in 0..5 {
        ctx.api(&access, "/me").await?;
    }
    assert_eq!(ctx.sim.requests().count("sandbox"), 5);
    let per_minute: u64 = ctx
        .sim
        .requests()
        .per_minute("sandbox")
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(per_minute, 5);
    let log: Value = ctx
        .http
        .get(ctx.url("/_sim/requests?provider=sandbox"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(log.get("total").and_then(Value::as_u64), Some(5));
    let records = log
        .get("records")
        .and_then(Value::as_array)
        .ok_or("no records")?;
    assert!(
        records
            .iter()
            .all(|r| str_of(r, "path") == "/sandbox/api/v1/me" && str_of(r, "class") == "api")
    );
    // Control calls are not provider traffic.
    assert_eq!(ctx.sim.requests().count("sandbox"), 5);
    Ok(())
}

#[tokio::test]
async fn unknown_paths_get_a_json_404() -> TestResult {
    let ctx = start().await?;
    let response = ctx
        .http
        .get(ctx.url("/sandbox/api/v1/nothing-here"))
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await?;
    assert_eq!(str_of(&body, "error"), "not_found");
    Ok(())
}

#[tokio::test]
async fn person_days_are_identical_across_simulators() -> TestResult {
    let first = start().await?;
    let second = start().await?;
    let path = "/_sim/people/tara/days/2026-06-01";
    let a = first.http.get(first.url(path)).send().await?.text().await?;
    let b = second
        .http
        .get(second.url(path))
        .send()
        .await?
        .text()
        .await?;
    assert!(a.len() > 1_000);
    assert_eq!(a, b);
    let other = first
        .http
        .get(first.url("/_sim/people/uma/days/2026-06-01"))
        .send()
        .await?
        .text()
        .await?;
    assert_ne!(a, other);
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Compatibility with the `oauth2` crate the provider adapters use.

#[tokio::test]
async fn the_oauth2_crate_completes_the_flow_and_refreshes() -> TestResult {
    use oauth2::basic::BasicClient;
    use oauth2::{
        AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
        RedirectUrl, Scope, TokenResponse, TokenUrl,
    };

    let ctx = start().await?;
    let client = BasicClient::new(ClientId::new("wearbridge app".into()))
        .set_client_secret(ClientSecret::new("s3cret&more".into()))
        .set_auth_uri(AuthUrl::new(ctx.url("/sandbox/oauth/authorize"))?)
        .set_token_uri(TokenUrl::new(ctx.url("/sandbox/oauth/token"))?)
        .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.into())?);
    ctx.sim
        .oauth(SimProvider::Sandbox)
        .ok_or("sandbox not enabled")?
        .register_client("wearbridge app", "s3cret&more");
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("daily".into()))
        .set_pkce_challenge(challenge)
        .url();
    let response = ctx
        .http
        .get(format!("{auth_url}&consent=allow&sim_user=olivia"))
        .send()
        .await?;
    let params = location_params(&response)?;
    assert_eq!(param(&params, "state"), Some(csrf.secret().as_str()));
    let code = param(&params, "code").ok_or("no code")?.to_owned();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&ctx.http)
        .await?;
    let refresh = tokens.refresh_token().ok_or("no refresh token")?;
    assert_eq!(tokens.expires_in(), Some(Duration::from_secs(3_600)));
    assert_eq!(
        ctx.api(tokens.access_token().secret(), "/me")
            .await?
            .status(),
        StatusCode::OK
    );

    let renewed = client
        .exchange_refresh_token(refresh)
        .request_async(&ctx.http)
        .await?;
    assert_ne!(
        renewed.refresh_token().map(|t| t.secret()),
        Some(refresh.secret())
    );
    let reused = client
        .exchange_refresh_token(refresh)
        .request_async(&ctx.http)
        .await;
    assert!(reused.is_err(), "a used refresh token must be refused");
    Ok(())
}

#[tokio::test]
async fn token_expiring_mid_backfill_is_recovered_by_refresh() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("victor").await?;
    let response = ctx
        .control(
            "/_sim/faults",
            json!({"provider": "sandbox", "fault": {"type": "expire_token"}, "after": 2}),
        )
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let access = str_of(&tokens, "access_token");
    let mut page = String::new();
    let mut statuses = Vec::new();
    let mut access = access.to_owned();
    let mut refresh = str_of(&tokens, "refresh_token").to_owned();
    // A backfill loop as an adapter would write it: on 401, refresh once and retry the page.
    for _ in 0..20 {
        let query = format!("/daily?start_date=2026-01-01&end_date=2026-01-31{page}");
        let response = ctx.api(&access, &query).await?;
        statuses.push(response.status().as_u16());
        if response.status() == StatusCode::UNAUTHORIZED {
            let body: Value = response.json().await?;
            assert_eq!(str_of(&body, "error_description"), "access token expired");
            let (status, renewed) = ctx.refresh(&refresh).await?;
            assert_eq!(status, StatusCode::OK);
            access = str_of(&renewed, "access_token").to_owned();
            refresh = str_of(&renewed, "refresh_token").to_owned();
            continue;
        }
        let body: Value = response.json().await?;
        match body.get("next_page").and_then(Value::as_str) {
            Some(next) => page = format!("&page={next}"),
            None => break,
        }
    }
    assert_eq!(statuses, vec![200, 200, 401, 200, 200, 200]);
    Ok(())
}

#[tokio::test]
async fn token_revoked_mid_sync_stays_revoked() -> TestResult {
    let ctx = start().await?;
    let tokens = ctx.connect("wanda").await?;
    let access = str_of(&tokens, "access_token");
    ctx.sim
        .faults()
        .inject_after("sandbox", FaultKind::RevokeToken, FaultTarget::Api, 1, 1)?;
    assert_eq!(ctx.api(access, "/me").await?.status(), StatusCode::OK);
    let body: Value = ctx.api(access, "/me").await?.json().await?;
    assert_eq!(str_of(&body, "error_description"), "access token revoked");
    let (status, error) = ctx.refresh(str_of(&tokens, "refresh_token")).await?;
    assert_eq!(
        (status, str_of(&error, "error_description")),
        (StatusCode::BAD_REQUEST, "refresh token revoked")
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Wire contract: the field names docs/simulator.md promises (the SANDBOX adapter relies on them).

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    names.sort();
    names
}

/// Finds a simulated account that has a menstrual cycle, so the menstruation shape is checked.
fn account_with_cycle(sim: &SimHandle) -> Result<String, Box<dyn std::error::Error>> {
    let found = (0..200)
        .map(|n| format!("contract-{n}"))
        .find(|id| sim.person(id).profile().cycle.is_some());
    Ok(found.ok_or("no account with a cycle")?)
}

#[tokio::test]
async fn sandbox_wire_fields_match_the_documentation() -> TestResult {
    let ctx = start().await?;
    let account = account_with_cycle(&ctx.sim)?;
    let access = str_of(&ctx.connect(&account).await?, "access_token").to_owned();
    let range = "?start_date=2026-03-01&end_date=2026-03-07";
    let first = |body: &Value| body.pointer("/data/0").cloned().unwrap_or(Value::Null);

    let me = ctx.api_json(&access, "/me").await?;
    assert_eq!(keys(&me), sorted(&["user_id", "profile"]));
    let profile_fields = [
        "user_id",
        "first_name",
        "last_name",
        "sex",
        "birth_date",
        "height_m",
        "weight_kg",
        "utc_offset",
    ];
    assert_eq!(
        keys(me.get("profile").unwrap_or(&Value::Null)),
        sorted(&profile_fields)
    );
    assert_eq!(
        keys(&ctx.api_json(&access, "/profile").await?),
        sorted(&profile_fields)
    );

    let daily = ctx.api_json(&access, &format!("/daily{range}")).await?;
    assert_eq!(
        keys(&daily),
        sorted(&["user_id", "start_date", "end_date", "data", "next_page"])
    );
    let day = first(&daily);
    let daily_fields = [
        "date",
        "utc_offset",
        "start_time",
        "end_time",
        "steps",
        "distance_m",
        "active_kcal",
        "bmr_kcal",
        "total_kcal",
        "resting_hr_bpm",
        "avg_hr_bpm",
        "max_hr_bpm",
        "intervals",
    ];
    assert_eq!(keys(&day), sorted(&daily_fields));
    let interval_fields = [
        "start_time",
        "end_time",
        "steps",
        "distance_m",
        "kcal",
        "active_kcal",
        "avg_hr_bpm",
    ];
    assert_eq!(
        keys(day.pointer("/intervals/0").unwrap_or(&Value::Null)),
        sorted(&interval_fields)
    );

    let night = first(&ctx.api_json(&access, &format!("/sleep{range}")).await?);
    let sleep_fields = [
        "id",
        "date",
        "start_time",
        "end_time",
        "in_bed_s",
        "asleep_s",
        "awake_s",
        "light_s",
        "deep_s",
        "rem_s",
        "latency_s",
        "efficiency_percent",
        "resting_hr_bpm",
        "avg_hr_bpm",
        "hrv_rmssd_ms",
        "spo2_avg_percent",
        "spo2_min_percent",
        "respiration_rate_brpm",
        "stages",
        "heart_rate_samples",
        "hrv_samples",
    ];
    assert_eq!(keys(&night), sorted(&sleep_fields));
    let stage = night.pointer("/stages/0").unwrap_or(&Value::Null);
    assert_eq!(keys(stage), sorted(&["stage", "start_time", "end_time"]));
    let heart = night
        .pointer("/heart_rate_samples/0")
        .unwrap_or(&Value::Null);
    assert_eq!(keys(heart), sorted(&["time", "bpm"]));
    let hrv = night.pointer("/hrv_samples/0").unwrap_or(&Value::Null);
    assert_eq!(keys(hrv), sorted(&["time", "rmssd_ms"]));

    let workouts = ctx
        .api_json(
            &access,
            "/workouts?start_date=2026-03-01&end_date=2026-03-31",
        )
        .await?;
    let workout_fields = [
        "id",
        "date",
        "type",
        "start_time",
        "end_time",
        "duration_s",
        "distance_m",
        "elevation_gain_m",
        "avg_speed_m_s",
        "avg_hr_bpm",
        "max_hr_bpm",
        "steps",
        "active_kcal",
        "total_kcal",
        "has_gps",
        "samples",
    ];
    let list = workouts
        .get("data")
        .and_then(Value::as_array)
        .ok_or("no workouts")?;
    for workout in list {
        assert_eq!(keys(workout), sorted(&workout_fields));
        let sample = workout.pointer("/samples/0").unwrap_or(&Value::Null);
        let mut sample_fields = vec!["offset_s", "hr_bpm", "distance_m", "speed_m_s"];
        if workout.get("has_gps") == Some(&Value::Bool(true)) {
            sample_fields.extend(["latitude", "longitude", "elevation_m"]);
        }
        assert_eq!(keys(sample), sorted(&sample_fields));
    }

    let body = first(&ctx.api_json(&access, &format!("/body{range}")).await?);
    let body_fields = [
        "id",
        "date",
        "measured_at",
        "weight_kg",
        "body_fat_percent",
        "bmi",
        "lean_mass_kg",
    ];
    assert_eq!(keys(&body), sorted(&body_fields));

    let cycle = first(
        &ctx.api_json(&access, &format!("/menstruation{range}"))
            .await?,
    );
    let cycle_fields = [
        "date",
        "cycle_day",
        "cycle_length_days",
        "period_length_days",
        "period_start_date",
        "phase",
        "flow",
    ];
    assert_eq!(keys(&cycle), sorted(&cycle_fields));

    let food = first(&ctx.api_json(&access, &format!("/nutrition{range}")).await?);
    assert_eq!(keys(&food), sorted(&["date", "totals", "meals"]));
    let nutrients = [
        "kcal",
        "carbohydrates_g",
        "protein_g",
        "fat_g",
        "fiber_g",
        "sugar_g",
        "sodium_mg",
        "water_ml",
    ];
    assert_eq!(
        keys(food.get("totals").unwrap_or(&Value::Null)),
        sorted(&nutrients)
    );
    let mut meal_fields = nutrients.to_vec();
    meal_fields.extend(["id", "meal_type", "name", "eaten_at"]);
    assert_eq!(
        keys(food.pointer("/meals/0").unwrap_or(&Value::Null)),
        sorted(&meal_fields)
    );
    Ok(())
}

#[tokio::test]
async fn the_simulator_can_be_embedded_in_another_router() -> TestResult {
    let (sim_router, control) = Simulator::router(&SimConfig::default())?;
    let app = axum::Router::new()
        .route("/host-only", axum::routing::get(|| async { "host" }))
        .merge(sim_router);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()?;
    assert_eq!(
        http.get(format!("{base}/host-only"))
            .send()
            .await?
            .text()
            .await?,
        "host"
    );
    let page = http
        .get(format!(
            "{base}/sandbox/oauth/authorize?response_type=code&client_id=c&redirect_uri={}",
            urlencode(REDIRECT_URI)
        ))
        .send()
        .await?;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(control.requests().count("sandbox"), 1);
    server.abort();
    Ok(())
}
