//! Every provider through the hosted widget (issue 7): a person picks the provider on the
//! widget page, consents at its simulator and lands back with a `user_id`; the backfill
//! then fills every type the provider supports, readable and schema-valid. The same flows
//! through `authenticateUser` are in `provider_<name>.rs`.

use crate::flows::*;

/// The Terra types each provider's adapter fetches (its `/v2/integrations/detailed` row).
fn supported_types(env: &Env, provider: SimProvider) -> Vec<&'static str> {
    let id = provider.as_str();
    let adapter = env
        .state()
        .providers
        .get(id)
        .unwrap_or_else(|| panic!("{id} is configured in sandbox mode"));
    adapter
        .supported_types()
        .iter()
        .map(|data_type| data_type.as_str())
        .collect()
}

/// Connects `provider` through the widget, backfills, and reads every supported type.
async fn widget_connects_and_backfills(env: &Env, provider: SimProvider) {
    let dev = env
        .developer(&format!("widget-{}", provider.as_str()))
        .await;
    let user = env
        .connect_provider_via_widget(&dev, provider, "wanda")
        .await;
    let info = env
        .call(
            &dev,
            Method::GET,
            &format!("/v2/userInfo?user_id={user}"),
            None,
            200,
        )
        .await;
    assert_eq!(
        info["user"]["provider"],
        provider.as_str().to_ascii_uppercase()
    );
    env.drain_jobs().await;
    for kind in supported_types(env, provider) {
        let data = env.data(&dev, kind, &user, 30).await;
        if kind == "menstruation" && !has_cycle(env, "wanda") {
            continue;
        }
        assert!(
            !data.is_empty(),
            "{}: the backfill stored no {kind}",
            provider.as_str()
        );
    }
}

/// Whether the simulated person tracks a menstrual cycle in the last 30 days (only then
/// does a provider have menstruation data to give).
fn has_cycle(env: &Env, account: &str) -> bool {
    let person = env.sim().person(account);
    let today = chrono::Utc::now().date_naive();
    (0..30).any(|back| {
        person
            .menstruation_on(today - chrono::Days::new(back))
            .is_some()
    })
}

crate::connect_test!(garmin_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Garmin).await;
});

crate::connect_test!(oura_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Oura).await;
});

crate::connect_test!(polar_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Polar).await;
});

crate::connect_test!(whoop_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Whoop).await;
});

crate::connect_test!(withings_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Withings).await;
});

crate::connect_test!(strava_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Strava).await;
});

crate::connect_test!(suunto_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Suunto).await;
});

crate::connect_test!(wahoo_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::Wahoo).await;
});

crate::connect_test!(google_health_connects_through_the_widget, |env| {
    widget_connects_and_backfills(&env, SimProvider::GoogleHealth).await;
});

/// Outside sandbox mode the widget offers exactly the providers with credentials in the
/// configuration (`[providers.OURA]` here), and the integrations listing agrees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_sandbox_mode_the_widget_offers_only_configured_providers() {
    use std::net::SocketAddr;
    use wearbridge_providers::ProviderCredentials;
    use wearbridge_server::app::RunningServer;
    use wearbridge_server::config::Config;
    use wearbridge_server::crypto::Cipher;
    use wearbridge_server::state::AppState;
    use wearbridge_store::testing::fresh_database_url;

    let (url, _database) = fresh_database_url(Backend::Sqlite)
        .await
        .expect("database")
        .expect("SQLite is always available");
    let store = wearbridge_store::Store::connect(&url)
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let mut config = Config::for_database(&url, SocketAddr::from(([127, 0, 0, 1], 0)));
    config.providers.insert(
        "OURA".to_owned(),
        ProviderCredentials {
            client_id: "oura-app".to_owned(),
            client_secret: "oura-secret".to_owned().into(),
            api_base_url: None,
            auth_base_url: None,
            webhook_secret: None,
            api_key: None,
        },
    );
    let cipher = Cipher::from_key_spec(&Cipher::generate_key_spec()).expect("key");
    let state = AppState::new(store.clone(), config, cipher);
    let server = RunningServer::start(state.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("server");
    let created = wearbridge_server::developers::create_developer(
        &store,
        &state.cipher,
        "prod",
        (None, &crate::harness::loopback()),
    )
    .await
    .expect("developer");
    let (dev_id, api_key) = {
        use secrecy::ExposeSecret;
        (
            created.dev_id.to_string(),
            created.api_key.expose_secret().to_owned(),
        )
    };
    let http = reqwest::Client::new();
    let base = server.base_url();
    let session: Value = http
        .post(format!("{base}/v2/auth/generateWidgetSession"))
        .header("dev-id", &dev_id)
        .header("x-api-key", &api_key)
        .json(&json!({"reference_id": "prod-user"}))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("session json");
    // Links name the configured public URL (the unresolved bind here): keep the path.
    let link = Url::parse(session["url"].as_str().expect("widget url")).expect("url");
    let page_url = format!("{base}{}", link.path());
    let page = http
        .get(&page_url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("page text");
    assert!(
        page.contains(&format!("{}/connect/OURA", link.path())),
        "{page}"
    );
    for hidden in ["SANDBOX", "GARMIN", "POLAR", "WHOOP", "WITHINGS", "DEXCOM"] {
        assert!(
            !page.contains(&format!("/connect/{hidden}")),
            "{hidden} has no credentials but is offered: {page}"
        );
    }
    let listing: Value = http
        .get(format!("{base}/v2/integrations/detailed"))
        .header("dev-id", &dev_id)
        .header("x-api-key", &api_key)
        .send()
        .await
        .expect("integrations")
        .json()
        .await
        .expect("integrations json");
    let enabled: Vec<&str> = listing["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .filter(|provider| provider["enabled"] == true)
        .filter_map(|provider| provider["provider"].as_str())
        .collect();
    assert_eq!(enabled, vec!["OURA"], "{listing}");
}
