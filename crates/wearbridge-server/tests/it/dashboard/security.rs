//! Dashboard security: redirects without a session, the cookie's flags, sign-out, CSRF,
//! one developer never reaching another's users, the operator view.

use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;
use wearbridge_store::Backend;

use super::{Browser, dev_id};
use crate::harness::{TestApp, backend_test};

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
