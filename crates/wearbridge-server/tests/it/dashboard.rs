//! The web dashboard over plain HTTP (issue 17): sign-in and its cookie, redirects
//! without a session, CSRF on every form, one developer never seeing another's users,
//! the operator view, and the pages doing what the JSON API does (webhook URL through the
//! target guard, resend a failed delivery, charts from stored records, widget links).
//! The same flows in a real browser are in `browser.rs`.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use wearbridge_model::{Activity, Daily, Sleep};
use wearbridge_server::developers::set_webhook_url;
use wearbridge_store::delivery::{DeliveryResult, NextStep};
use wearbridge_store::ids::{DeveloperId, EventId, UserId};
use wearbridge_store::{Backend, NewEvent};

use crate::fixtures::{self, day};
use crate::harness::{TestApp, TestDeveloper, backend_test, loopback};

/// A browser without a cookie jar or redirects: every `Set-Cookie` and `Location` is
/// visible to the test.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

/// A page as the browser got it.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookie: Option<String>,
    pub cache_control: Option<String>,
    pub text: String,
}

impl Page {
    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.text.find(marker).expect("a form with a CSRF token") + marker.len();
        self.text[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            base: app.base_url.clone(),
            cookie: None,
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let request = match &self.cookie {
            Some(cookie) => request.header(COOKIE, cookie),
            None => request,
        };
        let response = request.send().await.expect("request");
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let (location, set_cookie) = (header(LOCATION), header(SET_COOKIE));
        let cache_control = header(reqwest::header::CACHE_CONTROL);
        let status = response.status();
        Page {
            status,
            location,
            set_cookie,
            cache_control,
            text: response.text().await.expect("body"),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(self.http.post(format!("{}{path}", self.base)).form(form))
            .await
    }

    /// Signs in with `dev_id` and `key`; keeps the cookie on success.
    pub async fn sign_in(&mut self, dev_id: &str, key: &str) -> Page {
        let page = self
            .post(
                "/dashboard/sign-in",
                &[("dev_id", dev_id), ("api_key", key)],
            )
            .await;
        if let Some(cookie) = &page.set_cookie {
            self.cookie = cookie.split(';').next().map(str::to_owned);
        }
        page
    }

    /// Signed in as `dev`.
    pub async fn signed_in(app: &TestApp, dev: &TestDeveloper) -> Browser {
        let mut browser = Browser::new(app);
        let page = browser.sign_in(&dev.dev_id, &dev.api_key).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
        browser
    }

    /// A form's CSRF token, read from the page at `path`.
    pub async fn csrf(&self, path: &str) -> String {
        self.get(path).await.csrf()
    }
}

fn dev_id(dev: &TestDeveloper) -> DeveloperId {
    dev.dev_id.parse().expect("dev id")
}

backend_test!(
    signing_in_sets_a_strict_cookie_and_signing_out_ends_it,
    |app| {
        let dev = app.developer("dash").await;
        let mut browser = Browser::new(&app);
        let page = browser.get("/dashboard/users").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location.as_deref(), Some("/dashboard/sign-in"));
        let wrong = browser.sign_in(&dev.dev_id, "not-the-key").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.set_cookie.is_none() && wrong.text.contains("do not match"));

        let page = browser.sign_in(&dev.dev_id, &dev.api_key).await;
        assert_eq!(page.location.as_deref(), Some("/dashboard/users"));
        let cookie = page.set_cookie.expect("a session cookie");
        for flag in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/dashboard",
            "Max-Age=43200",
        ] {
            assert!(cookie.contains(flag), "{flag} missing: {cookie}");
        }
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");
        let users = browser.get("/dashboard/users").await;
        assert_eq!(users.status, StatusCode::OK);
        assert_eq!(users.cache_control.as_deref(), Some("no-store"));

        // Sign-out needs the token too, then the old cookie opens nothing.
        let forbidden = browser.post("/dashboard/sign-out", &[]).await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        let csrf = users.csrf();
        let out = browser
            .post("/dashboard/sign-out", &[("csrf", &csrf)])
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(out.set_cookie.is_some_and(|c| c.contains("Max-Age=0")));
        let after = browser.get("/dashboard/users").await;
        assert_eq!(
            after.location.as_deref(),
            Some("/dashboard/sign-in"),
            "session deleted server-side"
        );
    }
);

backend_test!(behind_https_the_cookie_is_secure, |app| {
    let dev = app.developer("dash").await;
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}/dashboard/sign-in", app.base_url))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("dev_id", dev.dev_id.as_str()),
            ("api_key", dev.api_key.as_str()),
        ])
        .send()
        .await
        .expect("sign in");
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
});

backend_test!(a_developer_sees_only_their_own_users, |app| {
    let (mine, theirs) = (app.developer("mine").await, app.developer("theirs").await);
    let alice = app.user(&mine, Some("alice-ref")).await;
    let bob = app.user(&mine, Some("bob-ref")).await;
    let other = app.user(&theirs, Some("other-ref")).await;
    let browser = Browser::signed_in(&app, &mine).await;
    let list = browser.get("/dashboard/users").await;
    assert!(list.text.contains(alice.as_str()) && list.text.contains(bob.as_str()));
    assert!(
        !list.text.contains(other.as_str()),
        "another developer's user listed"
    );
    let search = browser
        .get("/dashboard/users?q=ALICE&provider=sandbox")
        .await;
    assert!(search.text.contains(alice.as_str()) && !search.text.contains(bob.as_str()));
    let by_id = browser
        .get(&format!("/dashboard/users?q={}", &bob.as_str()[..8]))
        .await;
    assert!(by_id.text.contains(bob.as_str()) && !by_id.text.contains(alice.as_str()));
    assert_eq!(
        browser
            .get(&format!("/dashboard/users/{alice}"))
            .await
            .status,
        StatusCode::OK
    );
    for path in [
        format!("/dashboard/users/{other}"),
        format!("/dashboard/users/{other}/data"),
        "/dashboard/users/not-a-uuid".to_owned(),
    ] {
        assert_eq!(
            browser.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // Not even through a form.
    let csrf = browser.csrf("/dashboard/users").await;
    let disconnect = browser
        .post(
            &format!("/dashboard/users/{other}/disconnect"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(disconnect.status, StatusCode::NOT_FOUND);
    assert!(
        app.store
            .get_user(&dev_id(&theirs), &other)
            .await
            .expect("read")
            .is_some()
    );
});

backend_test!(forms_without_the_session_token_are_forbidden, |app| {
    let dev = app.developer("dash").await;
    let user = app.user(&dev, None).await;
    let browser = Browser::signed_in(&app, &dev).await;
    let second = Browser::signed_in(&app, &dev).await;
    let other_token = second.csrf("/dashboard/users").await;
    let path = format!("/dashboard/users/{user}/disconnect");
    assert_eq!(browser.post(&path, &[]).await.status, StatusCode::FORBIDDEN);
    let foreign = browser.post(&path, &[("csrf", &other_token)]).await;
    assert_eq!(
        foreign.status,
        StatusCode::FORBIDDEN,
        "a token of another session"
    );
    assert!(
        app.store
            .get_user(&dev_id(&dev), &user)
            .await
            .expect("read")
            .is_some()
    );
    // Without any session a POST goes to sign-in, like a GET.
    let anonymous = Browser::new(&app)
        .post(&path, &[("csrf", &other_token)])
        .await;
    assert_eq!(anonymous.location.as_deref(), Some("/dashboard/sign-in"));

    let csrf = browser.csrf("/dashboard/users").await;
    let done = browser.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(
        app.store
            .get_user(&dev_id(&dev), &user)
            .await
            .expect("read")
            .is_none(),
        "disconnected"
    );
});

/// [`backend_test!`] with the configuration adjusted first.
macro_rules! configured_test {
    ($name:ident, $configure:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = TestApp::spawn_with(Backend::Sqlite, $configure).await {
                    run(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = TestApp::spawn_with(Backend::Postgres, $configure).await {
                    run(app).await;
                }
            }
        }
    };
}

const OPERATOR_KEY: &str = "operator-key-of-at-least-24-chars";

configured_test!(
    the_operator_sees_every_developer,
    |config| config.dashboard.operator_key = Some(OPERATOR_KEY.into()),
    |app| {
        let (one, two) = (app.developer("one").await, app.developer("two").await);
        let mut operator = Browser::new(&app);
        assert_eq!(
            operator.sign_in("operator", "wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
        let page = operator.sign_in("operator", OPERATOR_KEY).await;
        assert_eq!(page.location.as_deref(), Some("/dashboard/operator"));
        let list = operator.get("/dashboard/operator").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.text.contains(&one.dev_id) && list.text.contains(&two.dev_id));
        // The operator view lists developers, not their users' pages.
        let users = operator.get("/dashboard/users").await;
        assert_eq!(users.location.as_deref(), Some("/dashboard/operator"));
        let developer = Browser::signed_in(&app, &one).await;
        assert_eq!(
            developer.get("/dashboard/operator").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

backend_test!(without_an_operator_key_there_is_no_operator, |app| {
    let mut browser = Browser::new(&app);
    assert_eq!(
        browser.sign_in("operator", "").await.status,
        StatusCode::UNAUTHORIZED
    );
});

backend_test!(the_webhook_url_goes_through_the_target_guard, |app| {
    let dev = app.developer("dash").await;
    let browser = Browser::signed_in(&app, &dev).await;
    let csrf = browser.csrf("/dashboard/webhook").await;
    let refused = browser
        .post(
            "/dashboard/webhook/url",
            &[("csrf", &csrf), ("url", "http://169.254.169.254/latest")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.text.contains("webhook url refused"),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("169.254.169.254"),
        "the refused value stays in the field"
    );
    let stored = app
        .store
        .find_developer(&dev_id(&dev))
        .await
        .expect("read")
        .expect("dev");
    assert_eq!(stored.webhook_url, None);

    let saved = browser
        .post(
            "/dashboard/webhook/url",
            &[("csrf", &csrf), ("url", "http://127.0.0.1:9/hook")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let stored = app
        .store
        .find_developer(&dev_id(&dev))
        .await
        .expect("read")
        .expect("dev");
    assert_eq!(
        stored.webhook_url.as_deref(),
        Some("http://127.0.0.1:9/hook")
    );
    assert!(
        browser
            .get("/dashboard/webhook")
            .await
            .text
            .contains("http://127.0.0.1:9/hook")
    );

    // A rotated secret is shown once, on a page no cache keeps.
    let rotated = browser
        .post("/dashboard/webhook/rotate-secret", &[("csrf", &csrf)])
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    assert_eq!(rotated.cache_control.as_deref(), Some("no-store"));
    let marker = r#"<code id="new-secret">"#;
    let start = rotated.text.find(marker).expect("the new secret") + marker.len();
    let secret = rotated.text[start..].split('<').next().unwrap_or_default();
    assert!(
        secret.len() >= 32 && secret != dev.webhook_signing_secret,
        "{secret}"
    );
    assert!(
        !browser
            .get("/dashboard/webhook")
            .await
            .text
            .contains(secret),
        "shown once"
    );
});

/// An event of `user` that failed its one attempt with a 500 (delivery workers are off).
pub async fn failed_event(app: &TestApp, dev: &TestDeveloper, user: &UserId) -> EventId {
    let dev_id = dev_id(dev);
    set_webhook_url(
        &app.store,
        &dev.dev_id,
        (Some("http://127.0.0.1:9/hook"), &loopback()),
    )
    .await
    .expect("webhook url");
    let id = app
        .store
        .append_event(&NewEvent {
            developer_id: dev_id.clone(),
            user_id: Some(user.clone()),
            event_type: "activity".to_owned(),
            body: r#"{"type":"activity","data":[]}"#.to_owned(),
            reference: None,
            trace_id: None,
        })
        .await
        .expect("append");
    let now = app.state.clock.now().timestamp_micros();
    let claimed = app
        .store
        .claim_deliveries("dashboard-test", 1, Duration::from_secs(60), now)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    let recorded = app
        .store
        .record_delivery(&DeliveryResult {
            event_id: id.clone(),
            developer_id: dev_id,
            worker_id: "dashboard-test".to_owned(),
            attempt_number: 1,
            started_at: now,
            latency_micros: 1500,
            status_code: Some(500),
            error: Some("receiver answered 500".to_owned()),
            next: NextStep::GiveUp,
            disable_reason: None,
            disable_if_failing_since: i64::MAX,
        })
        .await
        .expect("record");
    assert!(recorded);
    id
}

configured_test!(
    a_failed_delivery_is_shown_and_resent,
    |config| config.webhooks.enabled = false,
    |app| {
        let dev = app.developer("dash").await;
        let user = app.user(&dev, None).await;
        let id = failed_event(&app, &dev, &user).await;
        let browser = Browser::signed_in(&app, &dev).await;
        let failed = browser.get("/dashboard/deliveries?state=failed").await;
        assert!(failed.text.contains(id.as_str()), "{}", failed.text);
        let delivered = browser.get("/dashboard/deliveries?state=delivered").await;
        assert!(!delivered.text.contains(id.as_str()));
        let by_user = browser
            .get(&format!("/dashboard/deliveries?user={user}"))
            .await;
        assert!(by_user.text.contains(id.as_str()));
        let detail = browser.get(&format!("/dashboard/deliveries/{id}")).await;
        assert!(detail.text.contains("receiver answered 500") && detail.text.contains("1.5 ms"));
        assert!(
            detail
                .text
                .contains(r#"{&quot;type&quot;:&quot;activity&quot;"#)
                || detail.text.contains("&#34;type&#34;"),
            "the body, escaped"
        );
        let resent = browser
            .post(
                &format!("/dashboard/deliveries/{id}/resend"),
                &[("csrf", &detail.csrf())],
            )
            .await;
        assert_eq!(resent.status, StatusCode::SEE_OTHER);
        let event = app
            .store
            .get_event(&dev_id(&dev), &id)
            .await
            .expect("read")
            .expect("event");
        assert_eq!(
            event.state,
            wearbridge_store::EventState::Pending,
            "queued again"
        );
        let stranger = Browser::signed_in(&app, &app.developer("other").await).await;
        assert_eq!(
            stranger
                .get(&format!("/dashboard/deliveries/{id}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);

configured_test!(
    every_failed_delivery_since_a_time_is_resent,
    |config| config.webhooks.enabled = false,
    |app| {
        let dev = app.developer("dash").await;
        let user = app.user(&dev, None).await;
        let id = failed_event(&app, &dev, &user).await;
        let browser = Browser::signed_in(&app, &dev).await;
        let csrf = browser.csrf("/dashboard/deliveries").await;
        let missing = browser
            .post("/dashboard/deliveries/resend-failed", &[("csrf", &csrf)])
            .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        let done = browser
            .post(
                "/dashboard/deliveries/resend-failed",
                &[("csrf", &csrf), ("since", "2000-01-01")],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let notice = browser
            .get(done.location.as_deref().expect("back to the log"))
            .await;
        assert!(notice.text.contains("1 failed event(s)"), "{}", notice.text);
        let event = app
            .store
            .get_event(&dev_id(&dev), &id)
            .await
            .expect("read")
            .expect("event");
        assert_eq!(event.state, wearbridge_store::EventState::Pending);
    }
);

/// A night with a hypnogram (the shared fixture has none).
fn night_with_stages() -> Value {
    let mut night = fixtures::sleep("night-1", day(2));
    night["sleep_durations_data"] = json!({"hypnogram_samples": [
        {"timestamp": format!("{}T23:00:00.000000+00:00", day(2)), "level": 1},
        {"timestamp": format!("{}T23:20:00.000000+00:00", day(2)), "level": 4},
        {"timestamp": format!("{}T01:00:00.000000+00:00", day(3)), "level": 5},
        {"timestamp": format!("{}T03:00:00.000000+00:00", day(3)), "level": 6}
    ]});
    night
}

backend_test!(the_data_page_draws_charts_from_stored_records, |app| {
    let dev = app.developer("dash").await;
    let user = app.user(&dev, None).await;
    let days: Vec<Value> = (0..5)
        .map(|n| fixtures::daily(day(n), "+01:00", 1000 * (n as u32 + 1)))
        .collect();
    app.seed::<Daily>(&dev, &user, &days).await;
    app.seed::<Sleep>(&dev, &user, &[night_with_stages()]).await;
    app.seed::<Activity>(&dev, &user, &[fixtures::activity("run-1", day(1), 400.0)])
        .await;
    let browser = Browser::signed_in(&app, &dev).await;
    let page = browser
        .get(&format!(
            "/dashboard/users/{user}/data?view=week&end={}",
            day(6)
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(
        page.text.matches(r#"<rect class="bar""#).count(),
        5,
        "a step bar per stored day"
    );
    assert!(page.text.contains("2024-01-05: 5000 steps"));
    assert!(page.text.contains("<polyline"), "heart-rate samples drawn");
    assert!(
        page.text.contains("stage-deep") && page.text.contains("stage-REM"),
        "hypnogram"
    );
    assert!(page.text.contains("Morning run at"), "the workout's curve");
    assert_eq!(
        page.text.matches("<details class=\"record\"").count(),
        7,
        "raw JSON of each record"
    );
    let month = browser
        .get(&format!(
            "/dashboard/users/{user}/data?view=month&end={}",
            day(40)
        ))
        .await;
    assert!(
        month.text.contains("No records stored"),
        "nothing in that month"
    );
    let bad = browser
        .get(&format!("/dashboard/users/{user}/data?view=year"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
});

backend_test!(a_widget_link_comes_with_a_qr_code, |app| {
    let dev = app.developer("dash").await;
    let browser = Browser::signed_in(&app, &dev).await;
    let csrf = browser.csrf("/dashboard/connect").await;
    let page = browser
        .post(
            "/dashboard/connect",
            &[("csrf", &csrf), ("reference_id", "ref-42")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("/widget/session/"), "{}", page.text);
    assert!(
        page.text
            .contains(r#"aria-label="QR code of the widget link""#)
    );
    // The test registry offers SANDBOX (sandbox mode): a demo user is one click away, a
    // widget session offering only SANDBOX.
    assert!(page.text.contains("/dashboard/connect/demo"));
    let demo = browser
        .post("/dashboard/connect/demo", &[("csrf", &csrf)])
        .await;
    assert_eq!(demo.status, StatusCode::SEE_OTHER);
    let link = demo.location.expect("to the widget");
    let session_id = link.rsplit('/').next().unwrap_or_default();
    let session = app
        .store
        .get_connect_session(session_id)
        .await
        .expect("read")
        .expect("a widget session");
    assert_eq!(session.providers.as_deref(), Some("SANDBOX"));
    assert_eq!(session.reference_id.as_deref(), Some("demo-user"));
});

configured_test!(
    a_disabled_dashboard_is_not_served,
    |config| config.dashboard.enabled = false,
    |app| {
        assert_eq!(
            Browser::new(&app).get("/dashboard/sign-in").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

backend_test!(every_asset_is_served_by_the_binary, |app| {
    let page = Browser::new(&app).get("/dashboard/sign-in").await;
    for asset in ["/dashboard/assets/dashboard.css"] {
        assert!(page.text.contains(asset));
        assert_eq!(Browser::new(&app).get(asset).await.status, StatusCode::OK);
    }
    assert!(
        !page.text.contains("http://") && !page.text.contains("https://"),
        "no external request"
    );
});
