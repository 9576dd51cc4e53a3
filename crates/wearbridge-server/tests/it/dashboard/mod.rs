//! The web dashboard over plain HTTP (issue 17): sign-in and its cookie, redirects
//! without a session, CSRF on every form, one developer never seeing another's users,
//! the operator view, and the pages doing what the JSON API does (webhook URL through the
//! target guard, resend a failed delivery, charts from stored records, widget links).
//! The same flows in a real browser are in `browser.rs`.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use wearbridge_server::developers::set_webhook_url;
use wearbridge_store::NewEvent;
use wearbridge_store::delivery::{DeliveryResult, NextStep};
use wearbridge_store::ids::{DeveloperId, EventId, UserId};

use crate::harness::{TestApp, TestDeveloper, loopback};

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

/// `backend_test!` with the configuration adjusted first.
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

mod pages;
mod security;
